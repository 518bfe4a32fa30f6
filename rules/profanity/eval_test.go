package profanity

import (
	"bufio"
	"os"
	"sort"
	"strings"
	"testing"
)

// evalItem is one labelled message of testdata/profanity/eval.tsv.
type evalItem struct {
	profane  bool
	category string
	text     string
}

func loadEvalSet(t testing.TB) []evalItem {
	t.Helper()
	f, err := os.Open("../../testdata/profanity/eval.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var items []evalItem
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.SplitN(line, "\t", 3)
		if len(p) != 3 || (p[0] != "profane" && p[0] != "clean") {
			t.Fatalf("bad line %q", line)
		}
		items = append(items, evalItem{p[0] == "profane", p[1], p[2]})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return items
}

// innocentTraps are the clean categories built to trip filters up.
var innocentTraps = map[string]bool{"traps": true, "traps-obfuscated": true, "dictionary": true, "unseen": true}

// TestAccuracy holds the default filter to the targets on the
// labelled evaluation set, so that a regression fails CI: recall on
// obfuscated profanity of at least 95%, and false positives on innocent
// traps of at most 3%. It also keeps every obfuscation technique, and
// ordinary chat and other scripts, from sliding on their own.
func TestAccuracy(t *testing.T) {
	type count struct{ n, flagged int }
	cats := map[string]*count{}
	var obf, traps count
	f := Default()
	for _, it := range loadEvalSet(t) {
		c := cats[it.category]
		if c == nil {
			c = &count{}
			cats[it.category] = c
		}
		hit := f.Contains(it.text)
		c.n++
		if hit {
			c.flagged++
		}
		switch {
		case it.profane && it.category != "plain":
			obf.n++
			if hit {
				obf.flagged++
			}
		case !it.profane && innocentTraps[it.category]:
			traps.n++
			if hit {
				traps.flagged++
			}
		}
	}
	rate := func(c count) float64 { return float64(c.flagged) / float64(c.n) }
	t.Logf("recall on obfuscated profanity: %.2f%% of %d", 100*rate(obf), obf.n)
	t.Logf("false positives on innocent traps: %.2f%% of %d", 100*rate(traps), traps.n)
	if obf.n < 1000 || traps.n < 1000 {
		t.Fatalf("evaluation set too small: %d obfuscated, %d traps", obf.n, traps.n)
	}
	if r := rate(obf); r < 0.95 {
		t.Errorf("recall on obfuscated profanity %.2f%%, want >= 95%%", 100*r)
	}
	if r := rate(traps); r > 0.03 {
		t.Errorf("false positives on innocent traps %.2f%%, want <= 3%%", 100*r)
	}
	names := make([]string, 0, len(cats))
	for n := range cats {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := cats[n]
		r := rate(*c)
		t.Logf("%-18s %4d/%4d flagged", n, c.flagged, c.n)
		switch {
		case n == "chat" || n == "scripts":
			if r > 0.01 {
				t.Errorf("%s: %.1f%% flagged, want <= 1%%", n, 100*r)
			}
		case innocentTraps[n]:
			if r > 0.05 {
				t.Errorf("%s: %.1f%% flagged, want <= 5%%", n, 100*r)
			}
		default: // an obfuscation technique
			if r < 0.90 {
				t.Errorf("%s: recall %.1f%%, want >= 90%%", n, 100*r)
			}
		}
	}
}
