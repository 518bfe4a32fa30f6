// Command bench compares chimeflow's profanity filter with other filters on
// the same labelled data, in one run, and prints the table of
// docs/perf/profanity-peers.md:
//
//	cd bench && go run .
//
// (the first run installs the npm peers with npm ci in bench/node).
// The Go peers are github.com/TwiN/go-away v1.8.1 and
// github.com/finnbear/moderation v0.9.0; the npm peers, obscenity and
// allprofanity, run under node from bench/node (skipped, with a note, when
// node is missing; -node=false skips them too).
//
// For each filter it reports recall per obfuscation technique,
// false-positive rate per innocent category, overall precision, recall,
// false-positive rate and F1, throughput on short chat messages on one
// core, allocations per message and the time to build the filter; then
// its score on the evasion corpus (testdata/evasion/profanity.jsonl) by
// evasion class.
package main

import (
	"github.com/chimeflow/chimeflow/internal/evalset"

	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	goaway "github.com/TwiN/go-away"
	"github.com/finnbear/moderation"

	"github.com/chimeflow/chimeflow/rules/profanity"
)

type item = evalset.Item

// result is one filter's run.
type result struct {
	name, version string
	init          time.Duration // -1 when not measurable
	verdicts      []bool
	evasion       []bool  // verdicts on the evasion corpus
	wallRate      float64 // messages per second, wall clock
	cpuRate       float64 // messages per second of CPU time (0: not measured)
	allocs        float64 // allocations per message (-1: not measured)
	note          string
}

func main() {
	evalPath := flag.String("eval", "../testdata/profanity/eval.tsv", "labelled evaluation `file`")
	evasionPath := flag.String("evasion", "../testdata/evasion/profanity.jsonl", "evasion corpus `file`")
	runNode := flag.Bool("node", true, "run the npm peers with node")
	dur := flag.Duration("time", 2*time.Second, "time per throughput measurement")
	flag.Parse()
	runtime.GOMAXPROCS(1) // single core, for every Go filter alike

	// Our tables are built on first use: time that first.
	t0 := time.Now()
	ours := profanity.Default()
	ourInit := time.Since(t0)

	items, err := evalset.Load(*evalPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	probes, err := loadProbes(*evasionPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	var chat []string
	for _, it := range items {
		if it.Category == "chat" {
			chat = append(chat, it.Text)
		}
	}

	var results []result
	r := runGo("chimeflow rules/profanity", "this tree", ourInit, ours.Contains, items, probes, chat, *dur)
	results = append(results, r)

	t0 = time.Now()
	ga := goaway.NewProfanityDetector()
	gaInit := time.Since(t0)
	results = append(results, runGo("TwiN/go-away", "v1.8.1", gaInit, ga.IsProfane, items, probes, chat, *dur))

	mod := runGo("finnbear/moderation", "v0.9.0", -1, moderation.IsInappropriate, items, probes, chat, *dur)
	mod.note = "tables built in package init"
	results = append(results, mod)

	if *runNode {
		nr, err := runNodePeers(*evalPath, *evasionPath, *dur, len(items), len(probes))
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: npm peers skipped: %v\n", err)
		}
		results = append(results, nr...)
	}

	printReport(os.Stdout, items, results, *dur)
	printEvasion(os.Stdout, probes, results)
}

// probe is one line of the evasion corpus.
type probe struct {
	Probe string `json:"probe"`
	Want  string `json:"want"` // caught, clean or out-of-scope
	Class string `json:"class"`
}

func loadProbes(path string) ([]probe, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []probe
	for n, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var p probe
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n+1, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// printEvasion prints each filter's score on the evasion corpus by class:
// caught probes caught, innocent probes passed, out-of-scope probes
// flagged.
func printEvasion(w io.Writer, probes []probe, results []result) {
	var classes []string
	want := map[string]string{}
	size := map[string]int{}
	for _, p := range probes {
		if _, ok := want[p.Class]; !ok {
			classes = append(classes, p.Class)
		}
		want[p.Class] = p.Want
		size[p.Class]++
	}
	order := map[string]int{"caught": 0, "clean": 1, "out-of-scope": 2}
	sort.SliceStable(classes, func(i, j int) bool { return order[want[classes[i]]] < order[want[classes[j]]] })
	fmt.Fprintf(w, "\n### The evasion corpus (%d probes): caught probes caught, innocent ones passed, out-of-scope ones flagged\n\n", len(probes))
	fmt.Fprint(w, "| | "+strings.Join(names(results), " | ")+" |\n|---|"+strings.Repeat("---:|", len(results))+"\n")
	for _, c := range classes {
		fmt.Fprintf(w, "| %s (%s) |", c, want[c])
		for _, r := range results {
			good := 0
			for i, p := range probes {
				if p.Class == c && r.evasion[i] == (p.Want != "clean") {
					good++
				}
			}
			fmt.Fprintf(w, " %d/%d |", good, size[c])
		}
		fmt.Fprintln(w)
	}
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runGo classifies every item, then measures throughput and allocations
// on the chat lines.
func runGo(name, version string, init time.Duration, check func(string) bool, items []item, probes []probe, chat []string, dur time.Duration) result {
	r := result{name: name, version: version, init: init, verdicts: make([]bool, len(items)), evasion: make([]bool, len(probes))}
	for i, it := range items {
		r.verdicts[i] = check(it.Text)
	}
	for i, p := range probes {
		r.evasion[i] = check(p.Probe)
	}
	// Allocations per message, over a fixed count.
	const n = 20000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := 0; i < n; i++ {
		check(chat[i%len(chat)])
	}
	runtime.ReadMemStats(&after)
	r.allocs = float64(after.Mallocs-before.Mallocs) / n

	// Throughput: wall clock and CPU time of the one-core process.
	runtime.GC()
	debug.FreeOSMemory()
	count := 0
	wall0, cpu0 := time.Now(), cpuTime()
	for time.Since(wall0) < dur {
		for i := 0; i < 1000; i++ {
			check(chat[count%len(chat)])
			count++
		}
	}
	wall, cpu := time.Since(wall0), cpuTime()-cpu0
	r.wallRate = float64(count) / wall.Seconds()
	if cpu > 0 {
		r.cpuRate = float64(count) / cpu.Seconds()
	}
	return r
}

// runNodePeers runs node/bench.mjs.
func runNodePeers(evalPath, evasionPath string, dur time.Duration, nItems, nProbes int) ([]result, error) {
	if _, err := exec.LookPath("node"); err != nil {
		return nil, fmt.Errorf("node is not installed")
	}
	if _, err := os.Stat(filepath.Join("node", "node_modules")); err != nil {
		// First run: install the npm peers at the versions package-lock.json pins.
		fmt.Fprintln(os.Stderr, "bench: installing the npm peers (npm ci in bench/node)")
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		npm.Dir = "node"
		npm.Stdout, npm.Stderr = os.Stderr, os.Stderr
		if err := npm.Run(); err != nil {
			return nil, fmt.Errorf("npm ci in bench/node: %w", err)
		}
	}
	abs, err := filepath.Abs(evalPath)
	if err != nil {
		return nil, err
	}
	absEvasion, err := filepath.Abs(evasionPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", "bench.mjs", abs, fmt.Sprint(dur.Seconds()), absEvasion)
	cmd.Dir = "node"
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("node bench.mjs: %w", err)
	}
	var rep struct {
		Node    string `json:"node"`
		Results []struct {
			Name       string  `json:"name"`
			Version    string  `json:"version"`
			InitMs     float64 `json:"initMs"`
			Verdicts   string  `json:"verdicts"`
			Evasion    string  `json:"evasion"`
			MsgsPerSec float64 `json:"msgsPerSec"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return nil, fmt.Errorf("node bench.mjs output: %w", err)
	}
	var results []result
	for _, nr := range rep.Results {
		if len(nr.Verdicts) != nItems || len(nr.Evasion) != nProbes {
			return nil, fmt.Errorf("%s: %d verdicts for %d items, %d for %d probes", nr.Name, len(nr.Verdicts), nItems, len(nr.Evasion), nProbes)
		}
		r := result{
			name: nr.Name + " (npm)", version: nr.Version, init: time.Duration(nr.InitMs * float64(time.Millisecond)),
			wallRate: nr.MsgsPerSec, allocs: -1, note: "node " + rep.Node + "; init includes loading the module",
			verdicts: make([]bool, nItems), evasion: make([]bool, nProbes),
		}
		for i := range nr.Verdicts {
			r.verdicts[i] = nr.Verdicts[i] == '1'
		}
		for i := range nr.Evasion {
			r.evasion[i] = nr.Evasion[i] == '1'
		}
		results = append(results, r)
	}
	return results, nil
}

// innocentTraps are the clean categories built to trip filters up.
var innocentTraps = map[string]bool{"traps": true, "traps-obfuscated": true, "dictionary": true, "unseen": true}

func printReport(w io.Writer, items []item, results []result, dur time.Duration) {
	// Categories: techniques first (in file order), then clean ones.
	var techniques, clean []string
	seen := map[string]bool{}
	size := map[string]int{}
	for _, it := range items {
		size[it.Category]++
		if seen[it.Category] {
			continue
		}
		seen[it.Category] = true
		if it.Profane {
			techniques = append(techniques, it.Category)
		} else {
			clean = append(clean, it.Category)
		}
	}
	sort.Strings(clean)

	header := "| | " + strings.Join(names(results), " | ") + " |\n|---|" + strings.Repeat("---:|", len(results)) + "\n"
	rate := func(r result, pred func(item) bool) (int, int) {
		hit, n := 0, 0
		for i, it := range items {
			if pred(it) {
				n++
				if r.verdicts[i] {
					hit++
				}
			}
		}
		return hit, n
	}
	pct := func(hit, n int) string {
		if n == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(hit)/float64(n))
	}
	row := func(label string, cell func(r result) string) {
		fmt.Fprintf(w, "| %s |", label)
		for _, r := range results {
			fmt.Fprintf(w, " %s |", cell(r))
		}
		fmt.Fprintln(w)
	}

	fmt.Fprintf(w, "### Summary (%d messages: %d profane, %d clean)\n\n", len(items), countIf(items, true), countIf(items, false))
	fmt.Fprint(w, header)
	row("recall, obfuscated profanity (target 100%)", func(r result) string {
		return pct(rate(r, func(it item) bool { return it.Profane && it.Category != "plain" }))
	})
	row("false positives, innocent traps (target <= 0.1%)", func(r result) string {
		return pct(rate(r, func(it item) bool { return !it.Profane && innocentTraps[it.Category] }))
	})
	row("precision", func(r result) string {
		tp, _ := rate(r, func(it item) bool { return it.Profane })
		fp, _ := rate(r, func(it item) bool { return !it.Profane })
		return pct(tp, tp+fp)
	})
	row("recall", func(r result) string { return pct(rate(r, func(it item) bool { return it.Profane })) })
	row("false-positive rate", func(r result) string { return pct(rate(r, func(it item) bool { return !it.Profane })) })
	row("F1", func(r result) string {
		tp, np := rate(r, func(it item) bool { return it.Profane })
		fp, _ := rate(r, func(it item) bool { return !it.Profane })
		if tp == 0 {
			return "0"
		}
		p, rc := float64(tp)/float64(tp+fp), float64(tp)/float64(np)
		return fmt.Sprintf("%.3f", 2*p*rc/(p+rc))
	})
	row(fmt.Sprintf("chat msgs/s, one core, CPU time (%v)", dur), func(r result) string {
		if r.cpuRate == 0 {
			return "-"
		}
		return humanRate(r.cpuRate)
	})
	row("chat msgs/s, one core, wall clock", func(r result) string { return humanRate(r.wallRate) })
	row("allocations per chat msg", func(r result) string {
		if r.allocs < 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f", r.allocs)
	})
	row("init (build the filter)", func(r result) string {
		if r.init < 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2f ms", float64(r.init)/float64(time.Millisecond))
	})

	fmt.Fprintf(w, "\n### Recall per obfuscation technique (profane messages flagged)\n\n")
	fmt.Fprint(w, header)
	for _, c := range techniques {
		row(fmt.Sprintf("%s (%d)", c, size[c]), func(r result) string {
			return pct(rate(r, func(it item) bool { return it.Category == c }))
		})
	}
	fmt.Fprintf(w, "\n### False-positive rate per innocent category (clean messages flagged)\n\n")
	fmt.Fprint(w, header)
	for _, c := range clean {
		row(fmt.Sprintf("%s (%d)", c, size[c]), func(r result) string {
			return pct(rate(r, func(it item) bool { return it.Category == c }))
		})
	}
	// Every category holds one label, so a category's own precision is
	// 100% or 0%; what it can tell is the precision on the profane set
	// mixed with each innocent category.
	fmt.Fprintf(w, "\n### Precision on all the profane messages mixed with one innocent category\n\n")
	fmt.Fprint(w, header)
	for _, c := range clean {
		row(c, func(r result) string {
			tp, _ := rate(r, func(it item) bool { return it.Profane })
			fp, _ := rate(r, func(it item) bool { return it.Category == c })
			return pct(tp, tp+fp)
		})
	}
	fmt.Fprintf(w, "\nVersions: ")
	for i, r := range results {
		if i > 0 {
			fmt.Fprint(w, "; ")
		}
		fmt.Fprintf(w, "%s %s", r.name, r.version)
		if r.note != "" {
			fmt.Fprintf(w, " (%s)", r.note)
		}
	}
	fmt.Fprintf(w, ". Go %s, GOMAXPROCS=1.\n", runtime.Version())
}

func names(results []result) []string {
	out := make([]string, len(results))
	for i, r := range results {
		out[i] = r.name
	}
	return out
}

func countIf(items []item, profane bool) int {
	n := 0
	for _, it := range items {
		if it.Profane == profane {
			n++
		}
	}
	return n
}

func humanRate(r float64) string {
	switch {
	case r >= 1e6:
		return fmt.Sprintf("%.2fM", r/1e6)
	case r >= 1e3:
		return fmt.Sprintf("%.0fk", r/1e3)
	}
	return fmt.Sprintf("%.0f", r)
}
