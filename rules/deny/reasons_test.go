package deny_test

import (
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/deny"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
)

// marker is in every field of the message the sender controls; no deny
// reason, which the handler logs at info level, may hold it.
const marker = "zqx7"

// markedEvent returns an event with marker in every field the sender
// controls.
func markedEvent() *processor.Event {
	return processortest.NewEvent("spam "+marker+" 1234-5678",
		processortest.WithPush("t"+marker, "spam "+marker),
		processortest.WithMetadata(`{"note":"spam `+marker+`","flag":"`+marker+`"}`),
		processortest.WithAttribute("x-"+marker, "https://"+marker),
		processortest.WithContentType("application/x-"+marker),
		processortest.WithSender(processortest.UserArn, marker))
}

func TestReasonsHoldNoSenderText(t *testing.T) {
	for _, options := range []string{
		`keywords: [spam]`,
		`{keywords: [spam], scope: {content: false, metadata: [note], attributes: ["*"]}}`,
		`regex: '\d{4}-\d{4}'`,
		`{regex: 'spam \w+', scope: {content: false, push: false, attributes: ["*"], metadata: ["*"]}}`,
		`longerThan: 3`,
		`metadata: {key: flag}`,
		`metadata: {key: flag, regex: '^z'}`,
		`metadata: {regex: 'spam'}`,
		`attribute: {name: "x-*"}`,
		`attribute: {regex: '^https://'}`,
		`contentType: ["application/x-*"]`,
		`all: [{bot: false}, {persistence: PERSISTENT}, {channel: ["arn:aws:chime:*:*:*"]}]`,
		`not: {contentType: ["text/*"]}`,
		`any: [{keywords: [nothing]}, {attribute: {regex: 'zq'}}]`,
	} {
		out := ruletest.RunBothPolicies(t, processortest.NewRule(t, deny.Name, options), markedEvent())
		if out.Action != processor.ActionDeny {
			t.Errorf("%s: not denied", options)
			continue
		}
		if strings.Contains(out.Reason, marker) {
			t.Errorf("%s: reason %q holds text the sender wrote", options, out.Reason)
		}
	}
}

// TestSizes: the rule never rewrites; on every part filled to its limit,
// or one character short of it, in four-byte characters, with a keyword
// at the very end, it denies, under either error policy, and counts
// characters, not bytes.
func TestSizes(t *testing.T) {
	for _, p := range ruletest.Parts {
		r := processortest.NewRule(t, deny.Name, `{keywords: [spam], scope: `+p.Scope+`}`)
		for _, d := range []int{-1, 0} {
			t.Run(p.Name+"/"+ruletest.DeltaName(d), func(t *testing.T) {
				out := ruletest.RunBothPolicies(t, r, p.Event(ruletest.Pad(p.Limit+d-5)+" spam"))
				if out.Action != processor.ActionDeny || len(out.Changed) > 0 {
					t.Errorf("outcome %s, changed %v", out.Action, out.Changed)
				}
			})
		}
	}
	r := processortest.NewRule(t, deny.Name, `longerThan: 4095`)
	for n, want := range map[int]processor.Action{4095: processor.ActionAllow, 4096: processor.ActionDeny} {
		if out := ruletest.RunBothPolicies(t, r, processortest.NewEvent(ruletest.Pad(n))); out.Action != want {
			t.Errorf("%d four-byte characters: %s, want %s", n, out.Action, want)
		}
	}
}
