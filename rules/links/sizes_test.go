package links

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
)

// TestSizes fills every part the rule covers with short links, so that
// replacing them makes the part one character shorter than its limit, as
// long, or one longer. Up to the limit the replacements stand; past it
// the links are removed without them. The rule never fails, under either
// error policy, and counts characters, not bytes.
func TestSizes(t *testing.T) {
	const unit, replaced = " x.co", " [link]"
	for _, p := range ruletest.Parts {
		r := processortest.NewRule(t, Name, `{action: strip, replacement: "[link]", scope: `+p.Scope+`}`)
		k := (p.Limit - 1) / utf8.RuneCountInString(replaced)
		for _, d := range ruletest.Deltas {
			t.Run(p.Name+"/"+ruletest.DeltaName(d), func(t *testing.T) {
				pad := ruletest.Pad(p.Limit + d - k*len(replaced))
				out := ruletest.RunBothPolicies(t, r, p.Event(pad+strings.Repeat(unit, k)))
				want := pad + strings.Repeat(replaced, k)
				if d > 0 {
					want = pad
				}
				if got := p.Get(out.Message); got != want {
					t.Errorf("got %d characters %q\nwant %d characters %q", utf8.RuneCountInString(got), got, utf8.RuneCountInString(want), want)
				}
			})
		}
	}
}

// TestSizesNothingLeft: content of nothing but links, whose replacements
// would not fit, is denied, as content left with nothing but white space
// is; an attribute value stripped to nothing is "…", since the service
// needs a character there.
func TestSizesNothingLeft(t *testing.T) {
	r := processortest.NewRule(t, Name, `{action: strip, replacement: "[link]", scope: {attributes: ["*"]}}`)
	links := strings.Repeat(" x.co", 4096/7+1)
	out := ruletest.RunBothPolicies(t, r, processortest.NewEvent(links))
	if out.Action != processor.ActionDeny || out.Reason != "links: content was nothing but 586 disallowed link(s)" {
		t.Errorf("outcome %s %q", out.Action, out.Reason)
	}
	r = processortest.NewRule(t, Name, `{action: strip, scope: {attributes: ["*"]}}`)
	out = ruletest.RunBothPolicies(t, r, processortest.NewEvent("hi", processortest.WithAttribute("url", "https://x.co", "ok")))
	if got := out.Message.MessageAttributes["url"].StringValues; len(got) != 2 || got[0] != "…" || got[1] != "ok" {
		t.Errorf("attribute %q", got)
	}
}

// FuzzStrip: whatever the text, in the content, the push notification, a
// metadata value and an attribute, a strip never fails under either error
// policy, leaves a message the callback's model accepts, and leaves no
// link in the content that the rule would strip again: removing a link
// does not make one of what was around it.
//
//	go test -run XXX -fuzz FuzzStrip ./rules/links
func FuzzStrip(f *testing.F) {
	for _, s := range []string{"see https://evil.example/x now", strings.Repeat(" x.co", 100), "[a](https://b.example) c.example/d", "javascript:x //a.b/c"} {
		f.Add(s)
	}
	r := processortest.NewRule(f, Name, `{action: strip, replacement: "[link]", scope: {metadata: ["*"], attributes: ["*"]}}`)
	again := processortest.NewRule(f, Name, `{action: strip, replacement: "[link]", scope: {push: false}}`)
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || strings.TrimSpace(s) == "" {
			return // events are decoded from JSON: valid UTF-8; content is not empty
		}
		// The processor repairs a title with a line terminator as it
		// decodes an event: none reaches a rule.
		title, body, attr := []rune(strings.NewReplacer("\n", " ", "\r", " ", "\u0085", " ", "\u2028", " ", "\u2029", " ").Replace(s)), []rune(s), []rune(s)
		ev := processortest.NewEvent(s,
			processortest.WithPush(string(title[:min(len(title), 50)]), string(body[:min(len(body), 150)])),
			processortest.WithMetadata(ruletest.MetadataWith(s)),
			processortest.WithAttribute("a", string(attr[:min(len(attr), 512)])))
		if ev.Validate() != nil {
			return
		}
		out := ruletest.RunBothPolicies(t, r, ev)
		if out.Action == processor.ActionDeny {
			return
		}
		m := processor.NewMessage(processortest.NewEvent(out.Message.Content))
		if v, _ := again.Apply(t.Context(), m); v.Deny || m.Content != out.Message.Content {
			t.Fatalf("stripping %q left %q, which holds a link: stripped again, %q", s, out.Message.Content, m.Content)
		}
	})
}
