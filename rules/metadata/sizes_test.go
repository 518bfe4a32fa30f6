package metadata_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
	"github.com/chimeflow/chimeflow/rules/metadata"
)

// TestSizes: a template that puts the sender's name (sender-controlled,
// four-byte characters) into the metadata, making it one character
// shorter than 1024, as long, or one longer, under each onOverflow and
// both error policies: the rule never fails.
func TestSizes(t *testing.T) {
	name := ruletest.Pad(100)
	const overhead = len(`{"p":"","note":""}`)
	for _, overflow := range []string{"keepOriginal", "dropAnnotation", "deny"} {
		r := processortest.NewRule(t, metadata.Name, `{set: {note: "{{sender.name}}"}, onOverflow: `+overflow+`}`)
		for _, d := range ruletest.Deltas {
			t.Run(overflow+"/"+ruletest.DeltaName(d), func(t *testing.T) {
				in := `{"p":"` + ruletest.Pad(metadata.MaxLength+d-overhead-100) + `"}`
				ev := processortest.NewEvent("hi", processortest.WithMetadata(in), processortest.WithSender(processortest.UserArn, name))
				out := ruletest.RunBothPolicies(t, r, ev)
				switch {
				case d <= 0:
					want := in[:len(in)-1] + `,"note":"` + name + `"}`
					if out.Action != processor.ActionRewrite || out.Message.Metadata != want || utf8.RuneCountInString(want) != metadata.MaxLength+d {
						t.Errorf("outcome %s, metadata %s", out.Action, out.Message.Metadata)
					}
				case overflow == "deny":
					if out.Action != processor.ActionDeny || out.Reason != "metadata: the rewritten metadata would be 1025 characters, over the limit of 1024" {
						t.Errorf("outcome %s %q", out.Action, out.Reason)
					}
				default:
					if out.Action != processor.ActionAllow || out.Message.Metadata != in {
						t.Errorf("outcome %s, metadata %s", out.Action, out.Message.Metadata)
					}
				}
			})
		}
	}
}

// TestWrittenLikeTheInput: what the rule writes takes no more characters
// than the sender's JSON held it in (\b and \f keep their short escapes),
// and holds no line terminator, which the metadata's pattern refuses,
// whatever the templates bring in.
func TestWrittenLikeTheInput(t *testing.T) {
	r := processortest.NewRule(t, metadata.Name, `set: {note: "{{sender.name}}"}`)
	ev := processortest.NewEvent("hi", processortest.WithMetadata(`{"\b\f":"\b\f"}`),
		processortest.WithSender(processortest.UserArn, "a\u2028b\u2029c\u0085d\ne"))
	out := ruletest.RunBothPolicies(t, r, ev)
	if want := `{"\b\f":"\b\f","note":"a\u2028b\u2029c\u0085d\ne"}`; out.Message.Metadata != want {
		t.Errorf("metadata %s, want %s", out.Message.Metadata, want)
	}

	// A raw line terminator in a value the rule keeps (which the
	// processor repairs as it decodes an event) leaves the metadata as it
	// was, rather than make the rule fail.
	raw := "{\"keep\":\"a\u2028b\"}"
	m := processor.NewMessage(processortest.NewEvent("hi", processortest.WithMetadata(raw)))
	if _, err := r.Apply(t.Context(), m); err != nil || m.Metadata != raw {
		t.Errorf("metadata %q, %v; want it as it was", m.Metadata, err)
	}
	if strings.Contains(out.Message.Metadata, "\u2028") {
		t.Error("raw line terminator")
	}
}

// TestReasonsHoldNoSenderText: the one reason the rule gives (an overflow
// denied) is logged at info level: it holds numbers, never the metadata
// or the values templates brought in.
func TestReasonsHoldNoSenderText(t *testing.T) {
	r := processortest.NewRule(t, metadata.Name, `{set: {note: "{{sender.name}} {{message.contentType}}"}, annotate: {}, onOverflow: deny}`)
	ev := processortest.NewEvent("zqx7", processortest.WithMetadata(`{"zqx7":"`+strings.Repeat("zqx7", 250)+`"}`),
		processortest.WithSender(processortest.UserArn, "zqx7"), processortest.WithContentType("text/zqx7"))
	out := ruletest.RunBothPolicies(t, r, ev)
	if out.Action != processor.ActionDeny || strings.Contains(out.Reason, "zqx7") {
		t.Errorf("outcome %s, reason %q", out.Action, out.Reason)
	}
}
