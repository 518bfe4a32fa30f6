// Package replay runs recorded invocation events through a processor.Handler
// and reports what each message would become: the engine of cmd/replay and
// of processortest.ReplayDir.
//
// Events come from files, directories of *.json files, JSON Lines files
// (*.jsonl, one event per line) or standard input. Each report can be
// checked against a golden file beside its event: X.json is checked against
// X.golden.json (or X.NAME.golden.json when replayed under the
// configuration NAME.yaml).
package replay

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
)

// Recorder is a messaging.CallbackAPI that records every callback instead of
// sending it. It is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	calls []*messaging.ChannelFlowCallbackInput
}

// ChannelFlowCallback records in and answers as the service would.
func (r *Recorder) ChannelFlowCallback(_ context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, in)
	return &messaging.ChannelFlowCallbackOutput{ChannelArn: in.ChannelArn, CallbackID: in.CallbackID}, nil
}

// Calls returns the callbacks recorded so far, in order.
func (r *Recorder) Calls() []*messaging.ChannelFlowCallbackInput {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*messaging.ChannelFlowCallbackInput(nil), r.calls...)
}

// Source is one event to replay.
type Source struct {
	// Name identifies the event in reports: the file name, "file:line" for
	// a line of a JSON Lines file, or "stdin:line".
	Name string
	// Path is the event's own file, for golden files; "" for lines of a
	// JSON Lines file and for stdin.
	Path string
	// Data is the raw invocation payload.
	Data []byte
}

// ErrNoEvents is returned by Load when the paths hold no event.
var ErrNoEvents = errors.New("replay: no events found")

// Load expands paths into sources: a file is one event (or, ending in
// .jsonl, one event per non-empty line), a directory is its *.json and
// *.jsonl files in name order (golden files excluded, not recursive), and
// "-" reads JSON Lines from stdin.
func Load(paths []string, stdin io.Reader) ([]Source, error) {
	var out []Source
	for _, p := range paths {
		srcs, err := load(p, stdin)
		if err != nil {
			return nil, err
		}
		out = append(out, srcs...)
	}
	if len(out) == 0 {
		return nil, ErrNoEvents
	}
	return out, nil
}

func load(p string, stdin io.Reader) ([]Source, error) {
	if p == "-" {
		return lines("stdin", stdin)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if !fi.IsDir() {
		return loadFile(p)
	}
	entries, err := os.ReadDir(p)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	var out []Source
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || IsGolden(name) || !(strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".jsonl")) {
			continue
		}
		srcs, err := loadFile(filepath.Join(p, name))
		if err != nil {
			return nil, err
		}
		out = append(out, srcs...)
	}
	return out, nil
}

func loadFile(p string) ([]Source, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	if strings.HasSuffix(p, ".jsonl") {
		return lines(filepath.Base(p), bytes.NewReader(data))
	}
	return []Source{{Name: filepath.Base(p), Path: p, Data: data}}, nil
}

func lines(name string, r io.Reader) ([]Source, error) {
	var out []Source
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), processor.MaxEventSize+1)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		out = append(out, Source{Name: name + ":" + strconv.Itoa(n), Data: append([]byte(nil), line...)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("replay: reading %s: %w", name, err)
	}
	return out, nil
}

// IsGolden reports whether a file name is a golden file.
func IsGolden(name string) bool { return strings.HasSuffix(name, ".golden.json") }

// GoldenPath returns the golden file of an event file for a configuration
// name ("" for the bundled default): X.json -> X.golden.json or
// X.NAME.golden.json.
func GoldenPath(eventPath, configName string) string {
	base := strings.TrimSuffix(eventPath, ".json")
	if configName == "" {
		return base + ".golden.json"
	}
	return base + "." + configName + ".golden.json"
}

// ConfigName returns the name goldens use for a configuration file:
// testdata/config/moderation.yaml -> moderation; "" stays "".
func ConfigName(configPath string) string {
	if configPath == "" {
		return ""
	}
	base := filepath.Base(configPath)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// CallbackRequest is a ChannelFlowCallback request as a whole: the path's
// ChannelArn together with the body.
type CallbackRequest struct {
	ChannelArn     string                            `json:"ChannelArn"`
	CallbackID     string                            `json:"CallbackId"`
	DeleteResource bool                              `json:"DeleteResource"`
	ChannelMessage *messaging.ChannelMessageCallback `json:"ChannelMessage"`
}

// Report is what became of one event; cmd/replay -json prints one per line
// and golden files hold one each.
type Report struct {
	Source     string                   `json:"source"`
	MessageID  string                   `json:"messageId,omitempty"`
	Outcome    processor.Action         `json:"outcome"`
	Rules      []string                 `json:"rules"`
	Changed    []string                 `json:"changed,omitempty"`
	Reason     string                   `json:"reason,omitempty"`
	DryRun     []processor.DryRunResult `json:"dryRun,omitempty"`
	RuleErrors []string                 `json:"ruleErrors,omitempty"`
	Duplicate  bool                     `json:"duplicate,omitempty"`
	Callback   *CallbackRequest         `json:"callback"`
	Error      string                   `json:"error,omitempty"`
}

// NewReport describes a handler result.
func NewReport(src Source, res processor.Result, err error) Report {
	r := Report{Source: src.Name, Outcome: res.Outcome.Action, Rules: res.Outcome.Rules, Changed: res.Outcome.Changed,
		Reason: res.Outcome.Reason, DryRun: res.Outcome.DryRun, Duplicate: res.Duplicate}
	if r.Rules == nil {
		r.Rules = []string{}
	}
	if res.Event != nil {
		r.MessageID = res.Event.ChannelMessage.MessageID
	}
	for _, re := range res.Outcome.Errors {
		r.RuleErrors = append(r.RuleErrors, re.Error())
	}
	if in := res.Callback; in != nil {
		r.Callback = &CallbackRequest{ChannelArn: in.ChannelArn, CallbackID: in.CallbackID, DeleteResource: in.DeleteResource, ChannelMessage: in.ChannelMessage}
	}
	if err != nil {
		r.Outcome, r.Error = processor.ActionError, err.Error()
	}
	return r
}

// GoldenStatus says how a report compared with its golden file.
type GoldenStatus string

// Golden statuses.
const (
	GoldenNone     GoldenStatus = ""         // no golden file, or not a file source
	GoldenMatch    GoldenStatus = "ok"       // equal to the golden file
	GoldenMismatch GoldenStatus = "MISMATCH" // different: see Result.Want
	GoldenUpdated  GoldenStatus = "updated"  // written by Update
)

// Result is a report and its golden comparison.
type Result struct {
	Report Report
	Golden GoldenStatus
	// Want is the golden report on a mismatch.
	Want *Report
	// GoldenPath is the golden file consulted, if any.
	GoldenPath string
}

// OK reports whether the event counts as processed: it matched its golden
// file, or it had none and was answered.
func (r *Result) OK() bool {
	switch r.Golden {
	case GoldenMismatch:
		return false
	case GoldenMatch, GoldenUpdated:
		return true
	}
	return r.Report.Outcome != processor.ActionError
}

// Runner replays sources through a handler.
type Runner struct {
	Handler *processor.Handler
	// ConfigName selects the golden files (see GoldenPath).
	ConfigName string
	// Update rewrites (or creates) the golden file of every file source.
	Update bool
}

// Run replays one source. One bad event never stops the others: every
// problem ends up in the Result.
func (rn *Runner) Run(ctx context.Context, src Source) (Result, error) {
	res, err := rn.Handler.Handle(ctx, src.Data)
	out := Result{Report: NewReport(src, res, err)}
	if src.Path == "" {
		return out, nil
	}
	out.GoldenPath = GoldenPath(src.Path, rn.ConfigName)
	got, err := goldenBytes(out.Report)
	if err != nil {
		return out, err
	}
	if rn.Update {
		if err := os.WriteFile(out.GoldenPath, got, 0o644); err != nil {
			return out, fmt.Errorf("replay: update golden: %w", err)
		}
		out.Golden = GoldenUpdated
		return out, nil
	}
	want, err := os.ReadFile(out.GoldenPath)
	if errors.Is(err, os.ErrNotExist) {
		out.GoldenPath = ""
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("replay: read golden: %w", err)
	}
	var w Report
	if err := json.Unmarshal(want, &w); err != nil {
		return out, fmt.Errorf("replay: golden file %s: %w", out.GoldenPath, err)
	}
	canonWant, _ := goldenBytes(w)
	if bytes.Equal(canonWant, got) {
		out.Golden = GoldenMatch
	} else {
		out.Golden, out.Want = GoldenMismatch, &w
	}
	return out, nil
}

// goldenBytes is the canonical golden form of a report: indented JSON, with
// the source reduced to its file name so goldens do not depend on the
// directory they are replayed from.
func goldenBytes(r Report) ([]byte, error) {
	r.Source = filepath.Base(r.Source)
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("replay: encode report: %w", err)
	}
	return append(b, '\n'), nil
}

// Summary counts the results of a run.
type Summary struct {
	Events     int
	ByOutcome  map[processor.Action]int
	Matched    int
	Mismatched int
	Updated    int
	Failed     int // results that are not OK
}

// Summarize counts results.
func Summarize(results []Result) Summary {
	s := Summary{Events: len(results), ByOutcome: map[processor.Action]int{}}
	for i := range results {
		r := &results[i]
		s.ByOutcome[r.Report.Outcome]++
		switch r.Golden {
		case GoldenMatch:
			s.Matched++
		case GoldenMismatch:
			s.Mismatched++
		case GoldenUpdated:
			s.Updated++
		}
		if !r.OK() {
			s.Failed++
		}
	}
	return s
}

func (s Summary) String() string {
	var parts []string
	for _, a := range []processor.Action{processor.ActionAllow, processor.ActionRewrite, processor.ActionDeny, processor.ActionError} {
		parts = append(parts, fmt.Sprintf("%d %s", s.ByOutcome[a], a))
	}
	return fmt.Sprintf("%d events: %s; golden files: %d matched, %d mismatched, %d updated; %d not OK",
		s.Events, strings.Join(parts, ", "), s.Matched, s.Mismatched, s.Updated, s.Failed)
}
