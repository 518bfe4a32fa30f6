package rules_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
	"github.com/chimeflow/chimeflow/rules/ratelimit"
)

const (
	ourBot   = "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/bot/helpdesk"
	otherBot = processortest.BotArn
)

// skipConfig appends "+a" with every stage of the default pipeline and
// "+c" in the channel pipeline, with skips at every level.
const skipConfig = `
skip: {senders: ["` + ourBot + `"]}
rules:
  - rule: test-append
    name: all
    options: {word: +a}
  - rule: test-append
    name: not-for-bots
    skip: {bots: true}
    options: {word: +b}
  - rule: test-append
    name: bots-only
    skip: {users: true}
    options: {word: +u}
  - rule: test-append
    name: not-for-lex
    skip: {contentTypes: ["application/amz-chime-lex-*", ""]}
    options: {word: +l}
channels:
  - channel: "arn:aws:chime:*:*:app-instance/*/channel/inherits"
    rules:
      - rule: test-append
        options: {word: +c}
  - channel: "arn:aws:chime:*:*:app-instance/*/channel/own"
    skip: {bots: true}
    rules:
      - rule: test-append
        options: {word: +o}
`

func TestSkip(t *testing.T) {
	cfg, err := rules.Parse([]byte(skipConfig), "skip.yaml")
	require.NoError(t, err)
	channel := func(name string) processortest.Option {
		return processortest.WithChannel("arn:aws:chime:us-east-1:111122223333:app-instance/x/channel/" + name)
	}
	for _, tc := range []struct {
		name    string
		opts    []processortest.Option
		content string
		skipped []string
	}{
		{"a user", []processortest.Option{processortest.WithContentType("text/plain")}, "x+a+b+l", []string{"bots-only"}},
		{"no content type", nil, "x+a+b", []string{"bots-only", "not-for-lex"}},
		{"another bot", []processortest.Option{processortest.WithSender(otherBot, "B"), processortest.WithContentType("text/plain")},
			"x+a+u+l", []string{"not-for-bots"}},
		{"a Lex reply of another bot", []processortest.Option{processortest.WithSender(otherBot, "B"), processortest.WithContentType(processor.ContentTypeLexError)},
			"x+a+u", []string{"not-for-bots", "not-for-lex"}},
		{"our own bot: the pipeline's skip", []processortest.Option{processortest.WithSender(ourBot, "H")},
			"x", []string{"all", "not-for-bots", "bots-only", "not-for-lex"}},
		{"a channel pipeline inherits the document's skip", []processortest.Option{channel("inherits"), processortest.WithSender(ourBot, "H")},
			"x", []string{"test-append"}},
		{"... and runs for others", []processortest.Option{channel("inherits"), processortest.WithSender(otherBot, "B")}, "x+c", nil},
		{"a channel pipeline's own skip replaces it", []processortest.Option{channel("own"), processortest.WithSender(ourBot, "H")}, "x", []string{"test-append"}},
		{"... for every bot", []processortest.Option{channel("own"), processortest.WithSender(otherBot, "B")}, "x", []string{"test-append"}},
		{"... not for users", []processortest.Option{channel("own")}, "x+o", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := processortest.NewEvent("x", tc.opts...)
			out := cfg.Route(&ev.ChannelMessage).Run(context.Background(), ev)
			assert.Equal(t, tc.content, out.Message.Content)
			assert.Equal(t, tc.skipped, out.Skipped)
			if tc.content == "x" {
				assert.Equal(t, processor.ActionAllow, out.Action)
			}
		})
	}
}

func TestSkipProblems(t *testing.T) {
	_, err := rules.Parse([]byte(`
skip: {bots: true, users: true}
rules:
  - rule: test-append
    skip: {senders: [not-an-arn, "arn:aws:chime:*"], colour: red}
  - rule: test-append
    name: two
    skip: {}
  - rule: test-append
    name: three
    skip: {senders: [], contentTypes: []}
channels:
  - channel: "*"
    skip: {bots: maybe}
    rules: []
`), "skip.yaml")
	var ce *rules.ConfigError
	require.ErrorAs(t, err, &ce)
	var got []string
	for _, p := range ce.Problems {
		got = append(got, p.String())
	}
	assert.Equal(t, []string{
		"skip.yaml:2:7: skip: bots and users together skip every message: remove the rule (or the pipeline) instead",
		`skip.yaml:5:22: skip.senders.0: ARN glob "not-an-arn" must look like arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (or be *)`,
		`skip.yaml:5:34: skip.senders.1: ARN glob "arn:aws:chime:*" has 4 of the 6 colon-separated parts (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE); use * within a part`,
		`skip.yaml:5:54: rule entry: unknown field "skip.colour" (known: bots, users, senders, contentTypes)`,
		"skip.yaml:8:11: skip: no test: give bots, users, senders or contentTypes",
		"skip.yaml:11:21: skip.senders: the list is empty: it would match nothing",
		"skip.yaml:11:39: skip.contentTypes: the list is empty: it would match nothing",
		`skip.yaml:14:18: field channels.0.skip.bots: "maybe" is not true or false`,
	}, got)
}

func ExampleSkip() {
	var bad rules.Problems
	skip := rules.Skip{Bots: true}.Compile("skip", &bad)
	p := processor.NewPipeline(processor.Stage{Name: "shout", Skip: skip, Rule: processor.RuleFunc(
		func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
			m.Content += "!"
			return processor.Continue, nil
		})})
	for _, ev := range []*processor.Event{processortest.NewEvent("from a user"), processortest.NewEvent("from a bot", processortest.WithSender(otherBot, "B"))} {
		out := p.Run(context.Background(), ev)
		fmt.Println(out.Message.Content, out.Skipped)
	}
	// Output:
	// from a user! []
	// from a bot [shout]
}

// TestSkippedStatefulStageCountsNothing: a stateful rule skipped for a
// message neither decides on it nor counts it.
func TestSkippedStatefulStageCountsNothing(t *testing.T) {
	var bad rules.Problems
	limit, err := ratelimit.New(ratelimit.Config{Per: rules.PerChannel, Limit: 1, Window: time.Minute})
	require.NoError(t, err)
	s := ruletest.NewStateful(t, processor.Stage{Name: "flood", Rule: limit, Skip: rules.Skip{Bots: true}.Compile("skip", &bad)})
	require.NoError(t, bad.Err())
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		res := s.Send(t, processortest.NewEvent("beep", processortest.WithSender(otherBot, "B"),
			ruletest.At(ruletest.CallbackID(i), t0.Add(time.Duration(i)*time.Second))))
		assert.Equal(t, processor.ActionAllow, res.Outcome.Action, "bot message %d", i)
		assert.Equal(t, []string{"flood"}, res.Outcome.Skipped)
	}
	var got string
	for i := 3; i < 5; i++ {
		res := s.Send(t, processortest.NewEvent("hi", ruletest.At(ruletest.CallbackID(i), t0.Add(time.Duration(i)*time.Second))))
		got += string(res.Outcome.Action[0])
	}
	assert.Equal(t, "AD", got, "the channel's limit is not used up by the bot's messages")
}
