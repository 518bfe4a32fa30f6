package profanity_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
)

// TestSizesMask fills every part the rule covers with profanity up to
// one character below its limit and to its limit, in four-byte padding:
// the mask takes one character per masked character, so the part keeps
// its length, under either error policy.
func TestSizesMask(t *testing.T) {
	const unit, masked = " shit", " ****"
	for _, p := range ruletest.Parts {
		r := processortest.NewRule(t, "profanity", "scope: "+p.Scope)
		k := (p.Limit - 1) / len(unit)
		for _, d := range []int{-1, 0} {
			t.Run(p.Name+"/"+ruletest.DeltaName(d), func(t *testing.T) {
				pad := ruletest.Pad(p.Limit + d - k*len(unit))
				out := ruletest.RunBothPolicies(t, r, p.Event(pad+strings.Repeat(unit, k)))
				if got, want := p.Get(out.Message), pad+strings.Repeat(masked, k); got != want {
					t.Errorf("got %q\nwant %q", got, want)
				}
			})
		}
	}
}

// TestSizesEscapedMask: a mask character that JSON escapes takes two
// characters in JSON metadata. Where the document would then be longer
// than 1024 characters, the rule masks with '*'.
func TestSizesEscapedMask(t *testing.T) {
	p := ruletest.Parts[4] // a value of JSON metadata
	if p.Name != "MetadataValue" {
		t.Fatal(p.Name)
	}
	r := processortest.NewRule(t, "profanity", `{maskChar: '"', scope: `+p.Scope+`}`)
	const unit, quoted = " shit", ` \"\"\"\"`
	k := (p.Limit - 1) / len(quoted)
	for _, d := range ruletest.Deltas {
		t.Run(ruletest.DeltaName(d), func(t *testing.T) {
			pad := ruletest.Pad(p.Limit + d - k*len(quoted))
			out := ruletest.RunBothPolicies(t, r, p.Event(pad+strings.Repeat(unit, k)))
			want := pad + strings.Repeat(` """"`, k)
			if d > 0 {
				want = pad + strings.Repeat(" ****", k)
			}
			if got := p.Get(out.Message); got != want {
				t.Errorf("got %q\nwant %q", got, want)
			}
		})
	}
}

// TestSizesFlag: a flag that makes the metadata one character shorter
// than 1024 characters, or as long, is written; one that would make it
// longer gives way to a mask, and a flag the sender forged is removed
// all the same. Metadata that is not a JSON object is masked too.
func TestSizesFlag(t *testing.T) {
	r := processortest.NewRule(t, "profanity", "action: flag")
	base := `{"pad":""}`
	small := ruletest.RunBothPolicies(t, r, processortest.NewEvent("shit", processortest.WithMetadata(base)))
	grow := utf8.RuneCountInString(small.Message.Metadata) - len(base)
	for _, forged := range []string{"", `"profanity":{"count":0},`} {
		for _, d := range ruletest.Deltas {
			t.Run(ruletest.DeltaName(d)+"/forged="+forged, func(t *testing.T) {
				// Without the forged member (shorter than the flag), the
				// flag makes the document 1024+d characters long.
				pad := ruletest.Pad(1024 + d - len(base) - grow)
				doc := `{` + forged + `"pad":"` + pad + `"}`
				out := ruletest.RunBothPolicies(t, r, processortest.NewEvent("oh shit", processortest.WithMetadata(doc)))
				var md struct {
					Pad       string
					Profanity json.RawMessage
				}
				if err := json.Unmarshal([]byte(out.Message.Metadata), &md); err != nil {
					t.Fatal(err)
				}
				switch {
				case d <= 0:
					if out.Message.Content != "oh shit" || !strings.Contains(string(md.Profanity), `"count":1`) {
						t.Errorf("not flagged: %q %s", out.Message.Content, out.Message.Metadata)
					}
				case d > 0:
					if out.Message.Content != "oh ****" || md.Profanity != nil || md.Pad == "" {
						t.Errorf("flag did not give way to a mask: %q %s", out.Message.Content, out.Message.Metadata)
					}
				}
			})
		}
	}
	out := ruletest.RunBothPolicies(t, r, processortest.NewEvent("oh shit", processortest.WithMetadata("profanity: none")))
	if out.Message.Content != "oh ****" || out.Message.Metadata != "profanity: none" {
		t.Errorf("metadata that is not an object: %q %q", out.Message.Content, out.Message.Metadata)
	}
}

// TestUnflagKeepsTheMetadata: removing a forged flag from a clean
// message keeps the rest of the metadata byte for byte; re-encoded, the
// '<' of this document would take six characters each and overflow.
func TestUnflagKeepsTheMetadata(t *testing.T) {
	r := processortest.NewRule(t, "profanity", "action: flag")
	rest := `"x":"` + strings.Repeat("<", 1024-len(`{"profanity":1,"x":""}`)) + `"}`
	out := ruletest.RunBothPolicies(t, r, processortest.NewEvent("all good", processortest.WithMetadata(`{"profanity":1,`+rest)))
	if out.Action != processor.ActionRewrite || out.Message.Metadata != "{"+rest {
		t.Errorf("outcome %s, metadata %s", out.Action, out.Message.Metadata)
	}
}

// TestReasonsHoldNoSenderText: a deny reason is logged at info level, so
// it names the category, the severity and the place, never the word as
// the sender wrote it, nor anything else the sender wrote.
func TestReasonsHoldNoSenderText(t *testing.T) {
	r := processortest.NewRule(t, "profanity", `{action: deny, scope: {metadata: ["*"], attributes: ["*"]}}`)
	for _, ev := range []*processor.Event{
		processortest.NewEvent("zqx7 fuck"),
		processortest.NewEvent("zqx7 f.u.c.k", processortest.WithSender(processortest.UserArn, "zqx7")),
		processortest.NewEvent("hi", processortest.WithPush("zqx7", "sh1t zqx7")),
		processortest.NewEvent("hi", processortest.WithMetadata(`{"zqx7":"ｓｈｉｔ zqx7"}`)),
		processortest.NewEvent("hi", processortest.WithAttribute("zqx7", "bullshit zqx7")),
	} {
		out := ruletest.RunBothPolicies(t, r, ev)
		low := strings.ToLower(out.Reason)
		if out.Action != processor.ActionDeny || strings.Contains(low, "zqx7") || strings.Contains(low, "fuck") || strings.Contains(low, "shit") {
			t.Errorf("%q: outcome %s, reason %q", ev.ChannelMessage.Content, out.Action, out.Reason)
		}
	}
}
