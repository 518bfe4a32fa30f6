package modelrule

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/models"
)

// TestRun: the provider's call runs once per message worth it, within the
// budget's timeout; nothing runs before Provision, outside the sample or
// for a message with nothing worth reading.
func TestRun(t *testing.T) {
	model := func(p models.Provider, b models.Budget) *Model {
		var bad rules.Problems
		md := &Model{Provider: p, Texts: rules.Scope{}.Compile("scope", &bad), Plan: b.Compile("budget", "t", &bad)}
		require.NoError(t, bad.Err())
		return md
	}
	var calls []string
	call := func(name string) func(context.Context, []Item) (string, error) {
		return func(ctx context.Context, items []Item) (string, error) {
			calls = append(calls, name)
			dl, ok := ctx.Deadline()
			require.True(t, ok, "the budget's timeout bounds the call")
			assert.WithinDuration(t, time.Now().Add(2*time.Second), dl, time.Second)
			return name + ":" + items[0].Text.Sent, nil
		}
	}
	msg := func(content string) *processor.Message {
		return processor.NewMessage(processortest.NewEvent(content))
	}
	ctx := context.Background()

	md := model(models.Comprehend, models.Budget{Timeout: 2 * time.Second})
	_, err := Run(ctx, md, msg("hello there"), call("detect"), call("guardrail"))
	require.ErrorIs(t, err, models.ErrNotProvisioned)
	assert.Empty(t, calls)

	md.Comprehend = struct{ models.ComprehendAPI }{}
	got, err := Run(ctx, md, msg("hello there"), call("detect"), call("guardrail"))
	require.NoError(t, err)
	assert.Equal(t, "detect:hello there", got)

	gr := model(models.Guardrail, models.Budget{Timeout: 2 * time.Second})
	gr.Bedrock = struct{ models.GuardrailClient }{}
	got, err = Run(ctx, gr, msg("hello there"), call("detect"), call("guardrail"))
	require.NoError(t, err)
	assert.Equal(t, "guardrail:hello there", got)

	got, err = Run(ctx, md, msg("🙂🙂"), call("detect"), call("guardrail"))
	require.NoError(t, err)
	assert.Empty(t, got, "emoji only: not worth a call")

	none := 1e-9
	sampled := model(models.Comprehend, models.Budget{Timeout: 2 * time.Second, Sample: &none})
	sampled.Comprehend = md.Comprehend
	got, err = Run(ctx, sampled, msg("hello there"), call("detect"), call("guardrail"))
	require.NoError(t, err)
	assert.Empty(t, got, "outside the sample")

	assert.Equal(t, []string{"detect", "guardrail"}, calls)

	failing := func(context.Context, []Item) (string, error) { return "", errors.New("throttled") }
	_, err = Run(ctx, md, msg("hello there"), failing, call("guardrail"))
	assert.EqualError(t, err, "throttled")
}
