package processortest_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
)

// This test binary registers no rule: processortest imports no rule set,
// and neither does this file.

// childEnv makes the test binary run one helper function and exit: the
// parent test reads what a go test user would see.
const childEnv = "PROCESSORTEST_CHILD"

// TestChild is run by TestUnregisteredRuleMessage in a process of its own;
// it skips otherwise.
func TestChild(t *testing.T) {
	switch os.Getenv(childEnv) {
	case "NewRule":
		processortest.NewRule(t, "profanity", "action: mask")
	case "ReplayDir":
		processortest.ReplayDir(t, "testdata/replay", "testdata/builtin.yaml")
	default:
		t.Skip("run by TestUnregisteredRuleMessage")
	}
}

// TestUnregisteredRuleMessage: a test whose configuration names a built-in
// rule its binary did not import fails, and the rules package's error (which
// says what to import) reaches the test's output line for line, unchanged.
func TestUnregisteredRuleMessage(t *testing.T) {
	_, errNew := rules.New("profanity", []byte("action: mask"))
	require.Error(t, errNew, "no rule is registered in this binary")
	_, errLoad := rules.Load("testdata/builtin.yaml")
	require.Error(t, errLoad)
	require.Greater(t, strings.Count(errLoad.Error(), "\n"), 0, "testdata/builtin.yaml names two rules: a multi-line error")

	for _, tt := range []struct {
		child string
		want  error
	}{
		{"NewRule", errNew},
		{"ReplayDir", errLoad},
	} {
		t.Run(tt.child, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.v")
			cmd.Env = append(os.Environ(), childEnv+"="+tt.child)
			out, err := cmd.CombinedOutput()
			require.Error(t, err, "the test must fail:\n%s", out)
			assert.Contains(t, string(out), "--- FAIL: TestChild")
			assert.Contains(t, string(out), "processortest: "+tt.child+": ")
			for _, line := range strings.Split(tt.want.Error(), "\n") {
				assert.Contains(t, string(out), line)
			}
		})
	}
}

func TestRecorder(t *testing.T) {
	h, rec := processortest.NewHandler(processor.NewPipeline())
	ev := processortest.NewEvent("hi")
	_, err := h.Handle(context.Background(), processortest.Payload(t, ev))
	require.NoError(t, err)
	calls := rec.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, processortest.CallbackID, calls[0].CallbackID)
	assert.Equal(t, "hi", calls[0].ChannelMessage.Content)
}

// TestReplayDir replays this package's fixtures under a configuration with
// no rule against their golden files: an ALLOW and an invalid event whose
// golden file expects its ERROR.
func TestReplayDir(t *testing.T) {
	processortest.ReplayDir(t, "testdata/replay", "testdata/empty.yaml")
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
