package boot_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/ratelimit"
)

const stateful = "rules:\n  - rule: ratelimit\n    options: {limit: 1, window: 10s}\n"

func TestStateStoreOpenedOnlyForStatefulRules(t *testing.T) {
	opened := 0
	memory := state.NewMemory()
	open := func(func(string) string) (*state.Memory, error) { opened++; return memory, nil }

	_, err := newHandler(t, env(map[string]string{boot.EnvConfig: allowAll}), boot.WithState(open))
	require.NoError(t, err)
	assert.Zero(t, opened, "no stateful rule: the store is not opened")

	h, err := newHandler(t, env(map[string]string{boot.EnvConfig: stateful}), boot.WithState(open))
	require.NoError(t, err)
	assert.Equal(t, 1, opened)
	ev := processortest.NewEvent("hi")
	res, err := h.Handle(context.Background(), processortest.Payload(t, ev))
	require.NoError(t, err)
	assert.Equal(t, 1, res.Outcome.State.Checks)
	ev.CallbackID = "11111111-1111-1111-1111-111111111111"
	res, err = h.Handle(context.Background(), processortest.Payload(t, ev))
	require.NoError(t, err)
	assert.Equal(t, "DENY", string(res.Outcome.Action), "the limit of one holds through the store")
}

func TestStatefulRuleWithoutStore(t *testing.T) {
	_, err := newHandler(t, env(map[string]string{boot.EnvConfig: stateful}))
	require.Error(t, err)
	assert.ErrorIs(t, err, rules.ErrNoStateStore)
	assert.ErrorContains(t, err, "boot.WithState")
	assert.ErrorContains(t, err, "rule ratelimit")

	failing := func(func(string) string) (state.Store, error) {
		return nil, errors.New("CHIMEFLOW_STATE_TABLE is not set")
	}
	_, err = newHandler(t, env(map[string]string{boot.EnvConfig: stateful}), boot.WithState(failing))
	assert.ErrorContains(t, err, "CHIMEFLOW_STATE_TABLE is not set")
}
