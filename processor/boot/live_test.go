package boot_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/live"
)

// TestRulesSources: where boot takes the rules from, and the version it
// names them by. (The SSM parameter itself is tested end to end in
// cmd/processor, against moto.)
func TestRulesSources(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, "rules.yaml"), []byte(allowAll), 0o644))
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	t.Setenv("AWS_REGION", "")
	tests := []struct {
		name    string
		env     map[string]string
		version string   // of the rules served, when no error
		wantErr []string // in the error
	}{
		{"a relative file is taken from LAMBDA_TASK_ROOT", map[string]string{boot.EnvConfigFile: "rules.yaml", boot.EnvTaskRoot: root},
			live.HashVersion([]byte(allowAll)), nil},
		{"an absolute one is not", map[string]string{boot.EnvConfigFile: filepath.Join(root, "rules.yaml"), boot.EnvTaskRoot: "/nonexistent"},
			live.HashVersion([]byte(allowAll)), nil},
		{"a document", map[string]string{boot.EnvConfig: "rules: []"}, live.HashVersion([]byte("rules: []")), nil},
		{"a reload interval for a file", map[string]string{boot.EnvConfig: "rules: []", boot.EnvConfigReload: "90"}, live.HashVersion([]byte("rules: []")), nil},
		{"a bad reload interval", map[string]string{boot.EnvConfig: "rules: []", boot.EnvConfigReload: "soon"},
			"", []string{`CHIMEFLOW_CONFIG_RELOAD: "soon" is not a duration (60s, 5m) or a number of seconds`}},
		{"too short a reload interval", map[string]string{boot.EnvConfig: "rules: []", boot.EnvConfigReload: "10ms"},
			"", []string{`CHIMEFLOW_CONFIG_RELOAD: "10ms": want 0 (never) or at least 1s`}},
		{"a parameter without credentials", map[string]string{boot.EnvConfig: "rules: []", boot.EnvConfigParameter: "/chimeflow/rules"},
			"", []string{"ssm parameter /chimeflow/rules: the environment lacks AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY"}},
		{"a router in code and a parameter", map[string]string{boot.EnvConfigParameter: "/chimeflow/rules", boot.EnvConfigReload: "60s"}, "", []string{
			"CHIMEFLOW_CONFIG_PARAMETER is set, but this processor's rules are chosen in code (boot.WithRouter): unset it",
			"CHIMEFLOW_CONFIG_RELOAD is set, but"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []boot.Option{env(tt.env)}
			if tt.name == "a router in code and a parameter" {
				opts = append(opts, boot.WithRouter(mustParse(t, allowAll)))
			}
			h, err := newHandler(t, opts...)
			if tt.wantErr != nil {
				require.Error(t, err)
				for _, w := range tt.wantErr {
					assert.Contains(t, err.Error(), w)
				}
				return
			}
			require.NoError(t, err)
			r, ok := h.Router().(*live.Router)
			require.True(t, ok, "%T", h.Router())
			assert.Equal(t, tt.version, r.Version())
			assert.Equal(t, tt.version, h.Router().Route(&processortest.NewEvent("x").ChannelMessage).Version)
		})
	}
}
