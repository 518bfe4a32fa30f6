package messagingtest

import (
	"bytes"
	"flag"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/awsmodel"
)

// verbatimModel is the official service model, copied verbatim from
// botocore, that model.json is extracted from.
const verbatimModel = "../testdata/chime-sdk-messaging-2021-05-15.service.json"

var update = flag.Bool("update", false, "rewrite model.json from the verbatim service model")

// extract returns the part of the verbatim model the Server needs (see
// awsmodel.Extract).
func extract(t *testing.T, verbatim []byte) []byte {
	t.Helper()
	out, err := awsmodel.Extract(verbatim, served)
	require.NoError(t, err)
	return out
}

// TestModelIsCurrent fails when model.json no longer matches what the
// verbatim service model says of the served operations.
func TestModelIsCurrent(t *testing.T) {
	verbatim, err := os.ReadFile(verbatimModel)
	require.NoError(t, err)
	want := extract(t, verbatim)
	if *update {
		require.NoError(t, os.WriteFile("model.json", want, 0o644))
	}
	assert.True(t, bytes.Equal(want, modelJSON), "model.json is stale: go test ./messaging/messagingtest -run TestModelIsCurrent -update")

	m, err := loadModel(modelJSON)
	require.NoError(t, err)
	assert.Equal(t, len(served), len(m.Operations))
	for _, name := range served {
		assert.Contains(t, m.Operations, name)
	}
}

// TestPatterns checks the reading of the model's Java patterns: whole
// values, Java's '.', escapes and repeats past RE2's limit.
func TestPatterns(t *testing.T) {
	m, err := loadModel(modelJSON)
	require.NoError(t, err)
	tests := []struct {
		shape string
		value string
		want  bool
	}{
		{"Metadata", `{"a":1}`, true},
		{"Metadata", "", true},
		{"Metadata", "{\n  \"a\": 1\n}", false},
		{"Metadata", "a\rb", false},
		{"Metadata", "a\u2028b", false},
		{"Metadata", "a\u0085b", false},
		{"Metadata", "tab\tok", true},
		{"PushNotificationTitle", "line\nbreak", false},
		{"PushNotificationBody", "line\nbreak", true},
		{"MessageId", "msg-1_A", true},
		{"MessageId", "msg 1", false},
		{"MessageId", "msg.1", false},
		{"ChimeArn", "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c", true},
		{"ChimeArn", "arn:aws:chime:us-east-1:111122223333:/x", false},
		{"ChimeArn", "arn:aws:chime:us-east-1:111122223333:" + strings.Repeat("r", 1024), true},
		{"ChimeArn", "arn:aws:chime:us-east-1:111122223333:" + strings.Repeat("r", 1025), false},
		{"ChimeArn", "arn:aws:chime:us-east-1:111122223333:x\ny", false},
		{"NonEmptyResourceName", "flow \u00e9\U0001F600", true},
		{"NonEmptyResourceName", "nul\x00", false},
		{"LambdaFunctionArn", "arn:aws:lambda:us-east-1:111122223333:function:f:$LATEST", true},
		{"LambdaFunctionArn", "arn:aws:lambda:us-east-1:111122223333:function:f:$OLD", false},
	}
	for _, tt := range tests {
		s := m.Shapes[tt.shape]
		require.NotNil(t, s, tt.shape)
		require.NotEmpty(t, s.Pattern, tt.shape)
		assert.Equal(t, tt.want, s.MatchesPattern(tt.value), "%s %q", tt.shape, tt.value)
	}
}

// TestCheckerFindsEveryKindOfProblem proves the checker is not vacuous.
func TestCheckerFindsEveryKindOfProblem(t *testing.T) {
	m, err := loadModel(modelJSON)
	require.NoError(t, err)
	in := m.Shapes["ChannelFlowCallbackRequest"]
	valid := func() map[string]any {
		return map[string]any{
			"ChannelArn": "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c",
			"CallbackId": strings.Repeat("c", 32),
			"ChannelMessage": map[string]any{
				"MessageId":         "m-1",
				"Content":           "hi",
				"MessageAttributes": map[string]any{"k": map[string]any{"StringValues": []any{"v"}}},
				"PushNotification":  map[string]any{"Title": "t", "Body": "b", "Type": "DEFAULT"},
			},
			"DeleteResource": false,
		}
	}
	c := awsmodel.NewChecker(m)
	c.Structure("", in, valid())
	require.Empty(t, c.Problems())

	mutations := map[string]func(v map[string]any){
		"missing required": func(v map[string]any) { delete(v, "CallbackId") },
		"short":            func(v map[string]any) { v["CallbackId"] = "short" },
		"unknown member":   func(v map[string]any) { v["Extra"] = 1 },
		"wrong type":       func(v map[string]any) { v["DeleteResource"] = "yes" },
		"bad pattern":      func(v map[string]any) { v["ChannelMessage"].(map[string]any)["MessageId"] = "m 1" },
		"bad enum": func(v map[string]any) {
			v["ChannelMessage"].(map[string]any)["PushNotification"].(map[string]any)["Type"] = "LOUD"
		},
		"newline in title": func(v map[string]any) {
			v["ChannelMessage"].(map[string]any)["PushNotification"].(map[string]any)["Title"] = "a\nb"
		},
		"empty map key": func(v map[string]any) {
			v["ChannelMessage"].(map[string]any)["MessageAttributes"] = map[string]any{"": map[string]any{}}
		},
		"long attribute": func(v map[string]any) {
			v["ChannelMessage"].(map[string]any)["MessageAttributes"] = map[string]any{"k": map[string]any{"StringValues": []any{strings.Repeat("é", 513)}}}
		},
		"list of wrong type": func(v map[string]any) {
			v["ChannelMessage"].(map[string]any)["MessageAttributes"] = map[string]any{"k": map[string]any{"StringValues": "v"}}
		},
		"empty content": func(v map[string]any) { v["ChannelMessage"].(map[string]any)["Content"] = "" },
	}
	names := make([]string, 0, len(mutations))
	for k := range mutations {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		v := valid()
		mutations[name](v)
		c := awsmodel.NewChecker(m)
		c.Structure("", in, v)
		assert.NotEmpty(t, c.Problems(), name)
	}
}
