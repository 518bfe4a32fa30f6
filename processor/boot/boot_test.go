package boot_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/rules"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadRules(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(file, []byte("onError: allow\nrules: []\nchannels:\n  - channel: '*'\n    rules: []\n"), 0o644))
	def, err := rules.Default()
	require.NoError(t, err)

	cfg, err := boot.LoadRules(env(nil))
	require.NoError(t, err)
	assert.Equal(t, len(def.Default.Stages), len(cfg.Default.Stages), "nothing set: the bundled default")

	cfg, err = boot.LoadRules(env(map[string]string{boot.EnvConfig: `{"onError":"allow","rules":[]}`}))
	require.NoError(t, err)
	assert.Equal(t, processor.PolicyAllow, cfg.Default.OnError)
	assert.Empty(t, cfg.Default.Stages)

	cfg, err = boot.LoadRules(env(map[string]string{boot.EnvConfigFile: file}))
	require.NoError(t, err)
	assert.Equal(t, processor.PolicyAllow, cfg.Default.OnError)

	cfg, err = boot.LoadRules(env(map[string]string{boot.EnvConfigFile: file, boot.EnvErrorPolicy: "deny"}))
	require.NoError(t, err)
	assert.Equal(t, processor.PolicyDeny, cfg.Default.OnError, "the override wins")
	assert.Equal(t, processor.PolicyDeny, cfg.Channels[0].Pipeline.OnError)

	_, err = boot.LoadRules(env(map[string]string{boot.EnvConfigFile: file, boot.EnvConfig: "rules: []"}))
	assert.ErrorContains(t, err, "not both")
	_, err = boot.LoadRules(env(map[string]string{boot.EnvConfig: "rules: [{rule: nope}]"}))
	assert.ErrorContains(t, err, "$CHIMEFLOW_CONFIG:1:16: unknown rule \"nope\"")
	_, err = boot.LoadRules(env(map[string]string{boot.EnvErrorPolicy: "sometimes"}))
	assert.ErrorContains(t, err, "CHIMEFLOW_ERROR_POLICY")
}

func TestNewLogger(t *testing.T) {
	var buf bytes.Buffer
	l, err := boot.NewLogger(env(map[string]string{boot.EnvLogLevel: "WARN"}), &buf)
	require.NoError(t, err)
	l.Info().Msg("hidden")
	l.Warn().Msg("shown")
	assert.NotContains(t, buf.String(), "hidden")
	assert.Contains(t, buf.String(), `"level":"warn"`)
	assert.Contains(t, buf.String(), `"time":`)
	_, err = boot.NewLogger(env(map[string]string{boot.EnvLogLevel: "chatty"}), &buf)
	assert.ErrorContains(t, err, "CHIMEFLOW_LOG_LEVEL")
}

func TestNewHandler(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	// Every problem at once: rules, log level and credentials.
	_, err := boot.NewHandler(env(map[string]string{boot.EnvConfig: "rules: [{rule: nope}]", boot.EnvLogLevel: "chatty"}), &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown rule "nope"`)
	assert.Contains(t, err.Error(), "CHIMEFLOW_LOG_LEVEL")
	assert.Contains(t, err.Error(), "AWS_ACCESS_KEY_ID")

	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	h, err := boot.NewHandler(env(nil), &bytes.Buffer{})
	require.NoError(t, err)
	assert.NotNil(t, h, "processor.NewHandler refuses a missing router or callback")
}
