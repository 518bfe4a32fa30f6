package profanity

import (
	"sort"
	"testing"

	"github.com/chimeflow/chimeflow/internal/evalset"
)

func loadEvalSet(t testing.TB) []evalset.Item {
	t.Helper()
	items, err := evalset.Load("../../testdata/profanity/eval.tsv")
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// innocentTraps are the clean categories built to trip filters up.
var innocentTraps = map[string]bool{"traps": true, "traps-obfuscated": true, "dictionary": true, "unseen": true}

// TestAccuracy holds the default filter to its targets on the labelled
// evaluation set, so that a regression fails CI: every obfuscated profane
// message caught (100% recall), and false positives on innocent traps of
// at most 0.1%. It also keeps ordinary chat and other scripts from sliding
// on their own.
func TestAccuracy(t *testing.T) {
	type count struct{ n, flagged int }
	cats := map[string]*count{}
	var obf, traps count
	f := Default()
	for _, it := range loadEvalSet(t) {
		c := cats[it.Category]
		if c == nil {
			c = &count{}
			cats[it.Category] = c
		}
		hit := f.Contains(it.Text)
		c.n++
		if hit {
			c.flagged++
		}
		switch {
		case it.Profane && it.Category != "plain":
			obf.n++
			if hit {
				obf.flagged++
			}
		case !it.Profane && innocentTraps[it.Category]:
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
	if obf.flagged < obf.n {
		t.Errorf("recall on obfuscated profanity %.2f%% (%d missed), want 100%%", 100*rate(obf), obf.n-obf.flagged)
	}
	if r := rate(traps); r > 0.001 {
		t.Errorf("false positives on innocent traps %.2f%% (%d), want <= 0.1%%", 100*r, traps.flagged)
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
