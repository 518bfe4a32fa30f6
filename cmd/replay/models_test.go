package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestModelsReplay replays the fixtures of the model-based rules offline,
// from recorded model answers, against their golden files: toxic content
// and push notifications denied, personal data masked where it was typed
// (astral characters before it, a metadata value), a late model failing
// open, a guardrail's topics and sensitive information on one channel.
func TestModelsReplay(t *testing.T) {
	code, stdout, stderr := run(t, "", "-config", "../../testdata/models/models.yaml", "-models", "../../testdata/models/answers.json", "../../testdata/models/events")
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, stderr, "12 matched, 0 mismatched")
	assert.Contains(t, stdout, "denied: toxicity: score 0.93, INSULT 0.96 in PushNotification.Body")
	assert.Contains(t, stdout, `Content="😀🎉 ok 📞 call me on ******** 👋"`)
	assert.Equal(t, 12, strings.Count(stdout, "models-"))
}

// TestModelsReplayRefusesABadRecording: a recording that breaks the
// model's output shapes is refused before any event runs.
func TestModelsReplayRefusesABadRecording(t *testing.T) {
	bad := t.TempDir() + "/answers.json"
	require.NoError(t, os.WriteFile(bad, []byte(`{"answers": [{"operation": "DetectPiiEntities", "output": {"Entities": [{"Type": "SHOE_SIZE"}]}}]}`), 0o644))
	code, _, stderr := run(t, "", "-config", "../../testdata/models/models.yaml", "-models", bad, "../../testdata/models/events")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "SHOE_SIZE")
}
