package redact

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
)

// TestEmailMetadataOverflow is the attack of issue 10: metadata full of
// short e-mail addresses grows past 1024 characters when labelled; the
// rule must not fail, so that the card number and address in the content
// are masked under either error policy.
func TestEmailMetadataOverflow(t *testing.T) {
	r := processortest.NewRule(t, Name, `scope: {metadata: ["*"]}`)
	var b strings.Builder
	b.WriteString(`{"cc":"`)
	for b.Len() < 1000 {
		b.WriteString("a@b.co ")
	}
	b.WriteString(`"}`)
	md := b.String()
	for _, policy := range []processor.ErrorPolicy{processor.PolicyAllow, processor.PolicyDeny} {
		ev := processortest.NewEvent("card 4111 1111 1111 1111, mail jo@example.com", processortest.WithMetadata(md))
		p := &processor.Pipeline{Name: "t", OnError: policy, Stages: []processor.Stage{{Name: "redact", Rule: r}}}
		out := p.Run(context.Background(), ev)
		if len(out.Errors) > 0 || out.Action != processor.ActionRewrite {
			t.Fatalf("%s: outcome %s, errors %v", policy, out.Action, out.Errors)
		}
		if got := out.Message.Content; got != "card [card], mail [email]" {
			t.Errorf("%s: content %q", policy, got)
		}
		if n := utf8.RuneCountInString(out.Message.Metadata); n > 1024 || strings.Contains(out.Message.Metadata, "@") {
			t.Errorf("%s: metadata (%d characters) %s", policy, n, out.Message.Metadata)
		}
	}
}
