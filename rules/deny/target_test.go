package deny_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/deny"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
)

func TestTargetConditions(t *testing.T) {
	bob, helper := app+"/user/bob", processortest.BotArn
	to := processortest.WithTarget
	tests := []struct {
		name    string
		options string
		opts    []processortest.Option
		reason  string // "" when the message is not denied
	}{
		{"targeted", `targeted: true`, []processortest.Option{to(bob)}, "message is targeted"},
		{"targeted, not", `targeted: true`, nil, ""},
		{"not targeted", `targeted: false`, nil, "message is not targeted"},
		{"not targeted, is", `targeted: false`, []processortest.Option{to(bob)}, ""},
		{"target exact", `target: ["` + bob + `"]`, []processortest.Option{to(bob)}, `target is "` + bob + `"`},
		{"target glob", `target: ["arn:aws:chime:*:111122223333:app-instance/*/bot/*"]`, []processortest.Option{to(helper)},
			`target matches "arn:aws:chime:*:111122223333:app-instance/*/bot/*"`},
		{"target, another member", `target: ["` + bob + `"]`, []processortest.Option{to(helper)}, ""},
		{"target, not targeted", `target: ["*"]`, nil, ""},
		{"users may not target bots", `{all: [{bot: false}, {target: ["arn:aws:chime:*:*:app-instance/*/bot/*"]}], reason: "only bots talk to bots in private"}`,
			[]processortest.Option{to(helper)}, "only bots talk to bots in private"},
		{"a bot may", `{all: [{bot: false}, {target: ["arn:aws:chime:*:*:app-instance/*/bot/*"]}]}`,
			[]processortest.Option{to(helper), processortest.WithSender(helper, "H")}, ""},
		{"targeted and a keyword", `{all: [{targeted: true}, {keywords: [password]}]}`, []processortest.Option{to(bob)},
			`message is targeted and Content contains keyword "password"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := processortest.NewRule(t, deny.Name, tt.options)
			out := processortest.RunRule(t, r, processortest.NewEvent("my password is hunter2", tt.opts...))
			if tt.reason == "" {
				assert.Equal(t, processor.ActionAllow, out.Action)
				return
			}
			assert.Equal(t, processor.ActionDeny, out.Action)
			assert.Equal(t, tt.reason, out.Reason)
		})
	}
}

func TestTargetOptions(t *testing.T) {
	tests := []struct {
		name, options string
		want          []string
	}{
		{"empty target list", `target: []`, []string{"deny.yaml:4:15: rule deny: option target: the list is empty: it would match nothing"}},
		{"bad target glob", `target: ["user/bob"]`, []string{`deny.yaml:4:16: rule deny: option target.0: ARN glob "user/bob" must look like arn:`}},
		{"targeted not a bool", `targeted: yes please`, []string{`deny.yaml:4:17: rule deny: option targeted: "yes please" is not true or false`}},
		{"two tests", "targeted: true\nbot: true", []string{"deny.yaml:4:7: rule deny: a condition tests one thing, this one has bot and targeted: combine them with all"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ruletest.ExpectProblems(t, ruletest.OptionProblems(t, deny.Name, "deny.yaml", tt.options), tt.want)
		})
	}
}
