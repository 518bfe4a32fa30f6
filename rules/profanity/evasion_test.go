package profanity

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
)

var updateEvasionDoc = flag.Bool("update", false, "rewrite the generated table of docs/evasion/profanity.md")

// evasionProbe is one line of testdata/evasion/profanity.jsonl.
type evasionProbe struct {
	Probe string `json:"probe"`
	Tries string `json:"tries"` // what evasion it tries
	// Want is "caught" (profane), "clean" (innocent: must pass) or
	// "out-of-scope" (not caught on purpose; Why says why).
	Want  string `json:"want"`
	Class string `json:"class"`
	Why   string `json:"why,omitempty"`
	// Word is the lexicon word a caught probe is reported as.
	Word string `json:"word,omitempty"`
	// Masked is what Mask makes of a caught probe, when given.
	Masked *string `json:"masked,omitempty"`
}

const (
	evasionCorpus = "../../testdata/evasion/profanity.jsonl"
	evasionDoc    = "../../docs/evasion/profanity.md"
)

func loadEvasionCorpus(t *testing.T) []evasionProbe {
	t.Helper()
	data, err := os.ReadFile(evasionCorpus)
	if err != nil {
		t.Fatal(err)
	}
	var out []evasionProbe
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		var p evasionProbe
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("%s:%d: %v", evasionCorpus, n, err)
		}
		if p.Probe == "" || p.Tries == "" || p.Class == "" {
			t.Fatalf("%s:%d: probe, tries and class are required", evasionCorpus, n)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEvasionCorpus runs every probe of the evasion corpus through the
// default filter: a caught probe must be found (as its word, masked as
// given, and masked clean), a clean one must pass, and an out-of-scope one
// must say why and must not be caught (if it is, it belongs in caught).
// The table of docs/evasion/profanity.md is checked against the counts
// (-update rewrites it).
func TestEvasionCorpus(t *testing.T) {
	probes := loadEvasionCorpus(t)
	if len(probes) < 100 {
		t.Errorf("%d probes, want at least 100", len(probes))
	}
	f := Default()
	type tally struct{ met, total int }
	byClass := map[string]*tally{}
	want := map[string]string{}
	for i, p := range probes {
		tl := byClass[p.Class]
		if tl == nil {
			tl = &tally{}
			byClass[p.Class] = tl
		}
		if w, ok := want[p.Class]; ok && w != p.Want {
			t.Errorf("probe %d: class %q mixes %q and %q probes", i+1, p.Class, w, p.Want)
		}
		want[p.Class] = p.Want
		tl.total++
		m, found := f.Find(p.Probe)
		met := false
		switch p.Want {
		case "caught":
			met = found
			if !found {
				t.Errorf("probe %d (%s) %q not caught: %s", i+1, p.Class, p.Probe, p.Tries)
				break
			}
			if p.Word != "" && m.Word != p.Word {
				t.Errorf("probe %d %q: found %q, want %q", i+1, p.Probe, m.Word, p.Word)
			}
			masked, _ := f.Mask(p.Probe, '*')
			if p.Masked != nil && masked != *p.Masked {
				t.Errorf("probe %d: Mask(%q) = %q, want %q", i+1, p.Probe, masked, *p.Masked)
			}
			if mm, ok := f.Find(masked); ok {
				t.Errorf("probe %d: Mask(%q) = %q still holds %q", i+1, p.Probe, masked, mm.Word)
			}
		case "clean":
			met = !found
			if found {
				t.Errorf("probe %d (%s) %q flagged as %q (%q): %s", i+1, p.Class, p.Probe, m.Word, p.Probe[m.Start:m.End], p.Tries)
			}
		case "out-of-scope":
			met = !found
			if p.Why == "" {
				t.Errorf("probe %d %q: out of scope without a why", i+1, p.Probe)
			}
			if found {
				t.Errorf("probe %d %q is out of scope but caught as %q: move it to caught", i+1, p.Probe, m.Word)
			}
		default:
			t.Errorf("probe %d: want %q, not caught, clean or out-of-scope", i+1, p.Want)
		}
		if met {
			tl.met++
		}
	}

	// The table of the documentation.
	classes := make([]string, 0, len(byClass))
	for c := range byClass {
		classes = append(classes, c)
	}
	order := map[string]int{"caught": 0, "clean": 1, "out-of-scope": 2}
	sort.Slice(classes, func(i, j int) bool {
		a, b := classes[i], classes[j]
		if order[want[a]] != order[want[b]] {
			return order[want[a]] < order[want[b]]
		}
		return a < b
	})
	var b strings.Builder
	b.WriteString("| class | want | result |\n| --- | --- | --- |\n")
	var sum [3]tally
	for _, c := range classes {
		tl := byClass[c]
		switch want[c] {
		case "caught":
			fmt.Fprintf(&b, "| %s | caught | %d/%d caught |\n", c, tl.met, tl.total)
		case "clean":
			fmt.Fprintf(&b, "| %s | clean | %d/%d passed untouched |\n", c, tl.met, tl.total)
		default:
			fmt.Fprintf(&b, "| %s | out of scope | %d probes, none caught |\n", c, tl.total)
		}
		sum[order[want[c]]].met += tl.met
		sum[order[want[c]]].total += tl.total
	}
	fmt.Fprintf(&b, "| **all** | | %d/%d caught, %d/%d innocent passed, %d out of scope |\n",
		sum[0].met, sum[0].total, sum[1].met, sum[1].total, sum[2].total)
	checkDocBlock(t, evasionDoc, "evasion table", b.String())
}

// checkDocBlock checks that the block between the markers
// "<!-- begin NAME -->" and "<!-- end NAME -->" of a document reads want,
// or writes it there under -update.
func checkDocBlock(t *testing.T, path, name, want string) {
	t.Helper()
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := "<!-- begin "+name+" (generated by go test -run TestEvasionCorpus -update) -->\n", "<!-- end "+name+" -->"
	i := bytes.Index(doc, []byte(begin))
	j := bytes.Index(doc, []byte(end))
	if i < 0 || j < i {
		t.Fatalf("%s: no %q ... %q block", path, begin, end)
	}
	got := string(doc[i+len(begin) : j])
	if got == want {
		return
	}
	if *updateEvasionDoc {
		out := append([]byte{}, doc[:i+len(begin)]...)
		out = append(out, want...)
		out = append(out, doc[j:]...)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s is out of date (go test -run TestEvasionCorpus -update rewrites it); the table should read:\n%s", path, want)
}
