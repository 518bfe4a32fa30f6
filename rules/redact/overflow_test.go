package redact

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
)

// TestEmailMetadataOverflow is the attack of issue 10: metadata full of
// short e-mail addresses grows past 1024 characters when labelled, which
// made the rule fail, and under onError: allow the card number and the
// address in the content were delivered untouched. The rule must not
// fail: the labels give way to a mask.
func TestEmailMetadataOverflow(t *testing.T) {
	r := processortest.NewRule(t, Name, `scope: {metadata: ["*"]}`)
	var b strings.Builder
	b.WriteString(`{"cc":"`)
	for b.Len() < 1000 {
		b.WriteString("a@b.co ")
	}
	b.WriteString(`"}`)
	ev := processortest.NewEvent("card 4111 1111 1111 1111, mail jo@example.com", processortest.WithMetadata(b.String()))
	out := ruletest.RunBothPolicies(t, r, ev)
	if out.Action != processor.ActionRewrite {
		t.Fatalf("outcome %s", out.Action)
	}
	if got := out.Message.Content; got != "card [card], mail [email]" {
		t.Errorf("content %q", got)
	}
	if got := out.Message.Metadata; strings.Contains(got, "@") || !strings.HasPrefix(got, `{"cc":"****** ******`) {
		t.Errorf("metadata %s", got)
	}
}

// TestSizes fills every part the rule covers with short e-mail addresses,
// so that labelling them makes the part one character shorter than its
// limit, as long as it, or one longer. Up to the limit the labels stand;
// past it every address is masked instead. The rule never fails, under
// either error policy, and counts characters, not bytes (the padding is
// of four-byte characters).
func TestSizes(t *testing.T) {
	const unit, label, masked = " a@b.co", " [email]", " ******"
	for _, p := range ruletest.Parts {
		r := processortest.NewRule(t, Name, "scope: "+p.Scope)
		k := (p.Limit - 1) / utf8.RuneCountInString(label) // as many addresses as fit labelled
		for _, d := range ruletest.Deltas {
			t.Run(p.Name+"/"+ruletest.DeltaName(d), func(t *testing.T) {
				pad := ruletest.Pad(p.Limit + d - k*utf8.RuneCountInString(label))
				out := ruletest.RunBothPolicies(t, r, p.Event(pad+strings.Repeat(unit, k)))
				want := pad + strings.Repeat(label, k)
				if d > 0 {
					want = pad + strings.Repeat(masked, k)
				}
				if got := p.Get(out.Message); got != want {
					t.Errorf("got %d characters %q\nwant %d characters %q", utf8.RuneCountInString(got), got, utf8.RuneCountInString(want), want)
				}
			})
		}
	}
}

// TestSizesEverywhere: every part past its limit at once, and
// replacements that grow without bound or empty the content: the rule
// never fails and leaves nothing it found.
func TestSizesEverywhere(t *testing.T) {
	tests := []struct{ name, options string }{
		{"labels", `scope: {metadata: ["*"], attributes: ["*"]}`},
		{"long labels", `{labels: {email: "[an e-mail address was here]"}, scope: {metadata: ["*"], attributes: ["*"]}}`},
		{"a replacement that repeats the match", `{detectors: [], patterns: [{name: e, regex: '\w+@\w+\.co', replacement: '$0$0$0$0'}], scope: {metadata: ["*"], attributes: ["*"]}}`},
		{"a replacement that empties the text", `{detectors: [], patterns: [{name: e, regex: '(?s).+', replacement: ''}], scope: {metadata: ["*"], attributes: ["*"]}}`},
		{"a mask JSON escapes", `{style: mask, maskChar: '"', scope: {metadata: ["*"], attributes: ["*"]}}`},
		{"deny", `{action: deny, scope: {metadata: ["*"], attributes: ["*"]}}`},
	}
	fill := func(limit int) string {
		s := strings.Repeat(" a@b.co", limit/7)
		return ruletest.Pad(limit-utf8.RuneCountInString(s)) + s
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := processortest.NewEvent(fill(4096),
				processortest.WithPush(fill(50), fill(150)),
				processortest.WithMetadata(ruletest.MetadataWith(fill(1024-ruletest.JSONValueOverhead))),
				processortest.WithAttribute("a", fill(512), fill(512)))
			out := ruletest.RunBothPolicies(t, processortest.NewRule(t, Name, tt.options), ev)
			if tt.name == "deny" {
				if out.Action != processor.ActionDeny || out.Reason != "redact: Content contains an e-mail address" {
					t.Errorf("outcome %s %q", out.Action, out.Reason)
				}
				return
			}
			m := out.Message
			for _, s := range append([]string{m.Content, m.Metadata, m.PushNotification.Title, m.PushNotification.Body}, m.MessageAttributes["a"].StringValues...) {
				if strings.Contains(s, "a@b.co") {
					t.Errorf("an address is left in %q", s)
				}
			}
		})
	}
}

// TestReasonsHoldNoSenderText: a deny reason is logged at info level, so
// it names the kind and the place, from the configuration, never what was
// found or anything else the sender wrote.
func TestReasonsHoldNoSenderText(t *testing.T) {
	const marker = "zqx7"
	events := []*processor.Event{
		processortest.NewEvent("mail " + marker + "@example.com"),
		processortest.NewEvent("call +44 20 7946 0958 " + marker),
		processortest.NewEvent("card 4111 1111 1111 1111 "+marker, processortest.WithSender(processortest.UserArn, marker)),
		processortest.NewEvent("hi", processortest.WithPush(marker, marker+"@example.com")),
		processortest.NewEvent("hi", processortest.WithMetadata(`{"`+marker+`":"`+marker+`@example.com"}`)),
		processortest.NewEvent("hi", processortest.WithAttribute("x-"+marker, marker+"@example.com")),
		processortest.NewEvent("id EMP-" + marker),
	}
	r := processortest.NewRule(t, Name, `{action: deny, patterns: [{name: employee, regex: 'EMP-\w+'}], scope: {metadata: ["*"], attributes: ["*"]}}`)
	for _, ev := range events {
		out := ruletest.RunBothPolicies(t, r, ev)
		if out.Action != processor.ActionDeny || strings.Contains(out.Reason, marker) || strings.Contains(out.Reason, "@") {
			t.Errorf("%q: outcome %s, reason %q", ev.ChannelMessage.Content, out.Action, out.Reason)
		}
	}
}

// BenchmarkMetadataOverflow measures the attack of issue 10 (a metadata
// document of 145 short e-mail addresses whose labels would not fit): the
// labels, then the mask, are made and checked.
func BenchmarkMetadataOverflow(b *testing.B) {
	doc := `{"cc":"` + strings.Repeat("a@b.co ", 145) + `"}`
	r := processortest.NewRule(b, Name, `scope: {metadata: ["*"]}`)
	m := processor.NewMessage(processortest.NewEvent("card 4111 1111 1111 1111", processortest.WithMetadata(doc)))
	b.ReportAllocs()
	for b.Loop() {
		m.Metadata, m.Content = doc, "card 4111 1111 1111 1111"
		if _, err := r.Apply(b.Context(), m); err != nil {
			b.Fatal(err)
		}
	}
}
