package processortest_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	_ "github.com/chimeflow/chimeflow/rules/all"
)

// TestBundledFixtures replays testdata/events under the bundled default
// pipeline against their golden files: the same check as
// `go run ./cmd/replay testdata/events`.
func TestBundledFixtures(t *testing.T) {
	processortest.ReplayDir(t, "../../testdata/events", "")
}

func TestNewEventIsValid(t *testing.T) {
	ev := processortest.NewEvent("hi",
		processortest.WithMetadata(`{"a":1}`),
		processortest.WithSender(processortest.BotArn, "Bot"),
		processortest.WithChannel("arn:aws:chime:us-east-1:111122223333:app-instance/x/channel/y"),
		processortest.WithSubChannel("sub-1"),
		processortest.WithPush("t", "b"),
		processortest.WithAttribute("k", "v1", "v2"),
		processortest.WithContentType("text/markdown"),
		processortest.Edited(),
		processortest.NonPersistent(),
	)
	require.NoError(t, ev.Validate())
	back, err := processor.Decode(processortest.Payload(t, ev))
	require.NoError(t, err)
	assert.Equal(t, ev, back, "an event survives encoding as Chime sends it")
	assert.True(t, back.ChannelMessage.Sender.IsBot())
	assert.True(t, back.ChannelMessage.Edited())
}

func TestHandle(t *testing.T) {
	upper := processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		m.Content = strings.ToUpper(m.Content)
		return processor.Continue, nil
	})
	res, cb := processortest.Handle(t, processor.NewPipeline(processor.Stage{Name: "upper", Rule: upper}), processortest.NewEvent("hi"))
	assert.Equal(t, processor.ActionRewrite, res.Outcome.Action)
	assert.Equal(t, "HI", cb.ChannelMessage.Content)
}

// A rule that denies messages mentioning a competitor, tested with the
// helpers.
func ExampleRunRule() {
	noCompetitors := processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		if strings.Contains(strings.ToLower(m.Content), "acme corp") {
			return processor.Deny("mentions a competitor"), nil
		}
		return processor.Continue, nil
	})
	t := &testing.T{} // in a real test, the *testing.T of the test
	out := processortest.RunRule(t, noCompetitors, processortest.NewEvent("Have you tried ACME Corp?"))
	fmt.Println(out.Action, out.Reason)
	out = processortest.RunRule(t, noCompetitors, processortest.NewEvent("See you at lunch"))
	fmt.Println(out.Action)
	// Output:
	// DENY mentions a competitor
	// ALLOW
}
