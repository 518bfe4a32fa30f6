package links

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// evasionCorpus is the shared corpus of attempts to get a link past the
// rule, one JSON object a line.
const evasionCorpus = "../../testdata/evasion/links.jsonl"

// probe is one line of the evasion corpus.
type probe struct {
	Probe string `json:"probe"`
	Tries string `json:"tries"`
	Want  string `json:"want"` // caught, clean or out-of-scope
	Host  string `json:"host"` // with caught: the host the rule must see
	Why   string `json:"why"`  // with out-of-scope: the reason
	Class string `json:"class"`
}

func readProbes(t testing.TB) []probe {
	t.Helper()
	f, err := os.Open(evasionCorpus)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []probe
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var p probe
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("%s:%d: %v", evasionCorpus, n, err)
		}
		switch {
		case p.Probe == "" || p.Tries == "":
			t.Fatalf("%s:%d: probe and tries are required", evasionCorpus, n)
		case p.Want == "caught" && p.Host == "":
			t.Fatalf("%s:%d: caught needs a host", evasionCorpus, n)
		case p.Want == "out-of-scope" && p.Why == "":
			t.Fatalf("%s:%d: out-of-scope needs a why", evasionCorpus, n)
		case p.Want != "caught" && p.Want != "clean" && p.Want != "out-of-scope":
			t.Fatalf("%s:%d: want %q is not caught, clean or out-of-scope", evasionCorpus, n, p.Want)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// seenHosts returns the normalised hosts of every link scan finds in
// text with the options o, every reading of each.
func seenHosts(text string, o scanOptions) []string {
	var hosts []string
	for pos := 0; ; {
		l, ok := scan(text, pos, o)
		if !ok {
			return hosts
		}
		for _, h := range l.hostList() {
			if d := NormalizeHost(h); !slices.Contains(hosts, d) {
				hosts = append(hosts, d)
			}
		}
		pos = l.end
	}
}

// TestEvasionCorpus runs every probe of the corpus through the finder: a
// caught probe's host must be among the hosts of the links found (every
// kind, every reading: what a deny list is matched against); a clean
// probe must hold no link the rule counts (ambiguous links aside). It
// prints caught/total by class, the figures docs/evasion/links.md gives.
func TestEvasionCorpus(t *testing.T) {
	probes := readProbes(t)
	if len(probes) < 100 {
		t.Errorf("%d probes, want at least 100", len(probes))
	}
	type tally struct{ caught, total int }
	byClass := map[string]*tally{}
	for _, p := range probes {
		tl := byClass[p.Class]
		if tl == nil {
			tl = &tally{}
			byClass[p.Class] = tl
		}
		tl.total++
		all := seenHosts(p.Probe, scanOptions{bare: true, ambiguous: true})
		switch p.Want {
		case "caught":
			if slices.Contains(all, NormalizeHost(p.Host)) {
				tl.caught++
			} else {
				t.Errorf("%q (%s): host %q not seen; hosts seen: %q", p.Probe, p.Tries, NormalizeHost(p.Host), all)
			}
		case "clean":
			if got := seenHosts(p.Probe, scanOptions{bare: true}); len(got) > 0 {
				t.Errorf("%q (%s): want no link, found links to %q", p.Probe, p.Tries, got)
			} else {
				tl.caught++
			}
		case "out-of-scope":
			t.Logf("out of scope: %q (%s): hosts seen %q", p.Probe, p.Tries, all)
		}
	}
	classes := make([]string, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	sort.Strings(classes)
	var b strings.Builder
	for _, c := range classes {
		fmt.Fprintf(&b, "\n  %-18s %3d/%d", c, byClass[c].caught, byClass[c].total)
	}
	t.Logf("caught (or clean as wanted)/total by class:%s", b.String())
}
