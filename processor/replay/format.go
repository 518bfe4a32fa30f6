package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
)

// WriteJSON writes one report as a line of JSON.
func WriteJSON(w io.Writer, r *Result) error {
	b, err := json.Marshal(r.Report)
	if err != nil {
		return fmt.Errorf("replay: encode report: %w", err)
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// Table writes reports as a readable table: source, message id, outcome,
// rules, what changed (or why it was denied, or the error) and the golden
// file status.
type Table struct {
	tw *tabwriter.Writer
}

// NewTable starts a table on w.
func NewTable(w io.Writer) *Table {
	t := &Table{tw: tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	fmt.Fprintln(t.tw, "SOURCE\tMESSAGE\tOUTCOME\tRULES\tGOLDEN\tDETAIL")
	return t
}

// Add writes one row.
func (t *Table) Add(r *Result) {
	rep := &r.Report
	rules := strings.Join(rep.Rules, ",")
	if rules == "" {
		rules = "-"
	}
	golden := string(r.Golden)
	if golden == "" {
		golden = "-"
	}
	fmt.Fprintf(t.tw, "%s\t%s\t%s\t%s\t%s\t%s\n", rep.Source, orDash(clipID(rep.MessageID)), rep.Outcome, rules, golden, Detail(rep))
}

// Flush writes the table out.
func (t *Table) Flush() error { return t.tw.Flush() }

// Detail says in one line what became of a message: the rewritten fields,
// the deny reason, or the error.
func Detail(r *Report) string {
	var parts []string
	switch r.Outcome {
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
