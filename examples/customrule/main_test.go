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

// TestCustomRuleInLambda builds the example as the SAM build does, starts it
// as Lambda would and checks what its rules made of a message: with its own
// default configuration (its rule and the built-in profanity rule it
// imports), and with a configuration from the environment.
func TestCustomRuleInLambda(t *testing.T) {
	bin, err := lambdatest.Build(t.TempDir(), ".", "bootstrap")
	require.NoError(t, err)
	tests := []struct {
		name    string
		env     []string
		content string
		want    string
	}{
		{"its default configuration", nil, "Fixed in OPS-42, shit happens",
			"Fixed in [OPS-42](https://tickets.example.com/browse/OPS-42), **** happens"},
		{"CHIMEFLOW_CONFIG", []string{"CHIMEFLOW_CONFIG=rules:\n  - rule: ticket-links\n    options: {baseURL: 'https://jira.example.org/'}\n"},
			"Fixed in OPS-42, shit happens", "Fixed in [OPS-42](https://jira.example.org/OPS-42), shit happens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := lambdatest.NewRuntime()
			defer rt.Close()
			chime := messagingtest.NewServer(messagingtest.Config{})
			defer chime.Close()

			cmd := exec.Command(bin)
			cmd.Env = lambdatest.Env(rt.Addr(), chime.URL, tt.env...)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			require.NoError(t, cmd.Start())
			defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			res, err := rt.Invoke(ctx, processortest.Payload(t, processortest.NewEvent(tt.content)), 5*time.Second)
			require.NoError(t, err)
			assert.False(t, res.Error, string(res.Body))
			accepted := chime.Accepted()
			require.Len(t, accepted, 1)
			assert.Equal(t, tt.want, accepted[0].ChannelMessage.Content)
			assert.Zero(t, chime.Nonconforming(), "nonconforming requests: %q", chime.Problems())
		})
	}

	t.Run("bad options refuse to start", func(t *testing.T) {
		rt := lambdatest.NewRuntime()
		defer rt.Close()
		cmd := exec.Command(bin)
		cmd.Env = lambdatest.Env(rt.Addr(), "", "CHIMEFLOW_CONFIG=rules:\n  - rule: ticket-links\n  - rule: redact\n")
		out, err := cmd.CombinedOutput()
		require.Error(t, err)
		assert.Contains(t, string(out), "rule ticket-links: option baseURL: required")
		assert.Contains(t, string(out), `rule "redact" is built in but not registered in this program: add import _ "github.com/chimeflow/chimeflow/rules/redact"`, "a built-in rule the example does not import")
	})
}
