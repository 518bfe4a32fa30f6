package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
)

// CallbackRequest is a ChannelFlowCallback request as a whole: the path's
// ChannelArn together with the body.
type CallbackRequest struct {
	ChannelArn     string                            `json:"ChannelArn"`
	CallbackID     string                            `json:"CallbackId"`
	DeleteResource bool                              `json:"DeleteResource"`
	ChannelMessage *messaging.ChannelMessageCallback `json:"ChannelMessage"`
}

// Report is what became of one event: the pipeline's processor.Outcome
// (whose Action is processor.ActionError when the event was not answered)
// with what the handler did around it. cmd/replay -json prints one per
// line and golden files hold one each.
type Report struct {
	// Source is the event's Source.Name.
	Source string `json:"source"`
	// MessageID is the event's message id, when it could be decoded.
	MessageID string `json:"messageId,omitempty"`
	processor.Outcome
	// RuleErrors are the texts of Outcome.Errors.
	RuleErrors []string `json:"ruleErrors,omitempty"`
	// Duplicate is true when the service said the message was already
	// resolved (only with a real callback client).
	Duplicate bool `json:"duplicate,omitempty"`
	// Callback is the request built for the event, nil when none was.
	Callback *CallbackRequest `json:"callback"`
	// Error is the text of Err.
	Error string `json:"error,omitempty"`
	// Err is the error the handler returned: why the event was not
	// answered (errors.Is finds processor.ErrInvalidEvent or
	// processor.ErrCallback in it), nil when it was.
	Err error `json:"-"`
}

// NewReport describes what a handler returned for src.
func NewReport(src Source, res processor.Result, err error) Report {
	r := Report{Source: src.Name, Outcome: res.Outcome, Duplicate: res.Duplicate, Err: err}
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
		r.Action, r.Error = processor.ActionError, err.Error()
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
	GoldenUpdated  GoldenStatus = "updated"  // written by Runner.Update
)

// Result is a report and its golden comparison.
type Result struct {
	Report Report
	Golden GoldenStatus
	// Want is the golden report on a mismatch.
	Want *Report
	// GoldenPath is the golden file consulted or written, if any.
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
	return r.Report.Action != processor.ActionError
}

// Expected reports whether the event's outcome is the one its golden file
// holds (or was just written to it): an ERROR so expected is a fixture
// that is invalid on purpose, not a failure.
func (r *Result) Expected() bool { return r.Golden == GoldenMatch || r.Golden == GoldenUpdated }

// Runner replays sources through a handler.
type Runner struct {
	// Handler processes each event; its Callback decides whether the
	// callbacks are sent anywhere.
	Handler *processor.Handler
	// ConfigName selects the golden files (see GoldenPath).
	ConfigName string
	// Update rewrites (or creates) the golden file of every file source.
	Update bool
}

// Run replays one source. An event the handler refuses is a report, not an
// error: the error is about the golden file (unreadable, not JSON, not
// writable), and the report is complete even then.
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
	canonWant, err := goldenBytes(w)
	if err != nil {
		return out, err
	}
	if bytes.Equal(canonWant, got) {
		out.Golden = GoldenMatch
	} else {
		out.Golden, out.Want = GoldenMismatch, &w
	}
	return out, nil
}

// goldenBytes is the canonical golden form of a report: indented JSON, with
// the source reduced to its file name so goldens do not depend on the
// directory they are replayed from, and without the pipeline's name, so
// renaming a pipeline in a configuration changes no golden file.
func goldenBytes(r Report) ([]byte, error) {
	r.Source = filepath.Base(r.Source)
	r.Pipeline = ""
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("replay: encode report: %w", err)
	}
	return append(b, '\n'), nil
}
