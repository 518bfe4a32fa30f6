package main_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor/processortest"
)

// TestCustomRuleInLambda builds the example, starts it as Lambda would and
// checks that its own rule, chosen by configuration, rewrote the message.
func TestCustomRuleInLambda(t *testing.T) {
	bin, err := lambdatest.Build(t.TempDir(), ".", "bootstrap")
	require.NoError(t, err)
	rt := lambdatest.NewRuntime()
	defer rt.Close()
	chime := messagingtest.NewServer(messagingtest.Config{})
	defer chime.Close()

	cmd := exec.Command(bin)
	cmd.Env = lambdatest.Env(rt.Addr(), chime.URL, "CHIMEFLOW_CONFIG=rules:\n  - rule: ticket-links\n    options: {baseURL: 'https://tickets.example.com/browse/'}\n")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	require.NoError(t, cmd.Start())
	defer func() { cmd.Process.Kill(); cmd.Wait() }()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := rt.Invoke(ctx, processortest.Payload(t, processortest.NewEvent("Fixed in OPS-42, see you")), 5*time.Second)
	require.NoError(t, err)
	assert.False(t, res.Error, string(res.Body))
	accepted := chime.Accepted()
	require.Len(t, accepted, 1)
	assert.Equal(t, "Fixed in [OPS-42](https://tickets.example.com/browse/OPS-42), see you", accepted[0].ChannelMessage.Content)
	assert.Zero(t, chime.Nonconforming(), "nonconforming requests: %q", chime.Problems())
}

func TestCustomRuleBadOptionsRefuseToStart(t *testing.T) {
	bin, err := lambdatest.Build(t.TempDir(), ".", "bootstrap")
	require.NoError(t, err)
	rt := lambdatest.NewRuntime()
	defer rt.Close()
	cmd := exec.Command(bin)
	cmd.Env = lambdatest.Env(rt.Addr(), "", "CHIMEFLOW_CONFIG=rules:\n  - rule: ticket-links\n")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "rule ticket-links: option baseURL: required")
}
