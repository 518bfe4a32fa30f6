package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/replay"
)

// writeJSON writes one report as a line of JSON.
func writeJSON(w io.Writer, r *replay.Report) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// table writes reports as a readable table: source, message id, outcome,
// rules, golden file status, and what changed (or why it was denied, or
// the error).
type table struct {
	tw *tabwriter.Writer
}

func newTable(w io.Writer) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	fmt.Fprintln(t.tw, "SOURCE\tMESSAGE\tOUTCOME\tRULES\tGOLDEN\tDETAIL")
	return t
}

func (t *table) add(r *replay.Result) {
	rep := &r.Report
	rules := strings.Join(rep.Rules, ",")
	if rules == "" {
		rules = "-"
	}
	golden := string(r.Golden)
	if golden == "" {
		golden = "-"
	}
	fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%s\t%s\n", rep.Source, orDash(clipID(rep.MessageID)), rep.Action, rules, golden, detail(rep))
}

func (t *table) flush() error { return t.tw.Flush() }

// detail says in one line what became of a message: the rewritten fields,
// the deny reason, or the error.
func detail(r *replay.Report) string {
	var parts []string
	switch r.Action {
	case processor.ActionError:
		parts = append(parts, r.Error)
	case processor.ActionDeny:
		parts = append(parts, "denied: "+r.Reason)
	case processor.ActionRewrite:
		cm := r.Callback.ChannelMessage
		for _, f := range r.Changed {
			switch f {
			case processor.FieldContent:
				parts = append(parts, "Content="+clip(cm.Content, 60))
			case processor.FieldMetadata:
				parts = append(parts, "Metadata="+clip(cm.Metadata, 60))
			case processor.FieldPushNotification:
				if p := cm.PushNotification; p != nil {
					parts = append(parts, "Push="+clip(p.Title+" / "+p.Body, 60))
				} else {
					parts = append(parts, "Push removed")
				}
			default:
				parts = append(parts, f+" changed")
			}
		}
	}
	if r.Duplicate {
		parts = append(parts, "duplicate delivery: already resolved")
	}
	for _, d := range r.DryRun {
		s := "dry-run " + d.Rule + " would " + string(d.Would)
		if d.Reason != "" {
			s += " (" + d.Reason + ")"
		}
		parts = append(parts, s)
	}
	for _, e := range r.RuleErrors {
		parts = append(parts, "rule error: "+e)
	}
	return strings.Join(parts, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clip quotes s, cut to n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return strconv.Quote(s)
}

// clipID shortens a long message id for the table.
func clipID(s string) string {
	if len(s) > 24 {
		return s[:21] + "..."
	}
	return s
}

// errorKind is why an event got no callback.
type errorKind int

const (
	errInvalid  errorKind = iota // the event was refused as invalid
	errCallback                  // the endpoint did not accept the callback
	errOther                     // anything else: no pipeline, an invalid rewrite
)

func kindOf(err error) errorKind {
	switch {
	case errors.Is(err, processor.ErrInvalidEvent):
		return errInvalid
	case errors.Is(err, processor.ErrCallback):
		return errCallback
	}
	return errOther
}

// summary counts the results of a run.
type summary struct {
	events     int
	byAction   map[processor.Action]int
	matched    int
	mismatched int
	updated    int
	failed     int // results that are not OK
	// errors counts ERROR rows by kind, [kind][0] those their golden file
	// expects and [kind][1] the others.
	errors [3][2]int
}

func summarize(results []replay.Result) summary {
	s := summary{events: len(results), byAction: map[processor.Action]int{}}
	for i := range results {
		r := &results[i]
		s.byAction[r.Report.Action]++
		switch r.Golden {
		case replay.GoldenMatch:
			s.matched++
		case replay.GoldenMismatch:
			s.mismatched++
		case replay.GoldenUpdated:
			s.updated++
		}
		if !r.OK() {
			s.failed++
		}
		if r.Report.Action == processor.ActionError {
			unexpected := 0
			if !r.Expected() {
				unexpected = 1
			}
			s.errors[kindOf(r.Report.Err)][unexpected]++
		}
	}
	return s
}

// String is the summary printed after the table: the counts, then a plain
// sentence for each kind of ERROR row, then the verdict.
func (s summary) String() string {
	var b strings.Builder
	var counts []string
	for _, a := range []processor.Action{processor.ActionAllow, processor.ActionRewrite, processor.ActionDeny, processor.ActionError} {
		counts = append(counts, fmt.Sprintf("%d %s", s.byAction[a], a))
	}
	fmt.Fprintf(&b, "%s: %s; golden files: %d matched, %d mismatched, %d updated\n",
		plural(s.events, "event", "events"), strings.Join(counts, ", "), s.matched, s.mismatched, s.updated)

	what := [3]struct{ did, means string }{
		errInvalid: {"refused as invalid",
			"An invalid event gets no callback: in Lambda its invocation fails, is retried, then goes to the dead-letter queue."},
		errCallback: {"answered, but the endpoint refused the callback", ""},
		errOther:    {"not answered", ""},
	}
	for kind, w := range what {
		expected, unexpected := s.errors[kind][0], s.errors[kind][1]
		if expected > 0 {
			fmt.Fprintf(&b, "ERROR: %s %s, as %s golden %s.\n", were(expected), w.did, its(expected), pick(expected, "file expects", "files expect"))
		}
		if unexpected > 0 {
			fmt.Fprintf(&b, "ERROR: %s %s, and no golden file expects it: see DETAIL.\n", were(unexpected), w.did)
		}
		if expected+unexpected > 0 && w.means != "" {
			fmt.Fprintf(&b, "       %s\n", w.means)
		}
	}
	if s.failed == 0 {
		b.WriteString("OK: every event was answered or matched its golden file.\n")
	} else {
		fmt.Fprintf(&b, "FAILED: %s not answered or not matching %s golden %s.\n", plural(s.failed, "event", "events"), its(s.failed), pick(s.failed, "file", "files"))
	}
	return b.String()
}

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// plural returns "1 event" or "N events".
func plural(n int, one, many string) string { return strconv.Itoa(n) + " " + pick(n, one, many) }

func were(n int) string { return plural(n, "event was", "events were") }

func its(n int) string { return pick(n, "its", "their") }
