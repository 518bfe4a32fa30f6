package messagingtest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verbatimModel is the official service model, copied verbatim from
// botocore, that model.json is extracted from.
const verbatimModel = "../testdata/chime-sdk-messaging-2021-05-15.service.json"

var update = flag.Bool("update", false, "rewrite model.json from the verbatim service model")

// extract returns the part of the verbatim model the Server needs: its
// metadata, the served operations and every shape they reach, without
// documentation, as indented JSON with sorted keys.
func extract(t *testing.T, verbatim []byte) []byte {
	t.Helper()
	var full struct {
		Metadata   map[string]any            `json:"metadata"`
		Operations map[string]map[string]any `json:"operations"`
		Shapes     map[string]map[string]any `json:"shapes"`
	}
	require.NoError(t, json.Unmarshal(verbatim, &full))
	ops := map[string]any{}
	shapes := map[string]any{}
	var pending []string
	ref := func(v any) {
		if r, ok := v.(map[string]any); ok {
			pending = append(pending, r["shape"].(string))
		}
	}
	for _, name := range served {
		op, ok := full.Operations[name]
		require.True(t, ok, "operation %s is not in the model", name)
		ops[name] = withoutDocs(op)
		ref(op["input"])
		ref(op["output"])
		errs, _ := op["errors"].([]any)
		for _, e := range errs {
			ref(e)
		}
	}
	for len(pending) > 0 {
		name := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		if _, done := shapes[name]; done {
			continue
		}
		s, ok := full.Shapes[name]
		require.True(t, ok, "shape %s is not in the model", name)
		shapes[name] = withoutDocs(s)
		members, _ := s["members"].(map[string]any)
		for _, m := range members {
			ref(m)
		}
		for _, k := range []string{"member", "key", "value"} {
			ref(s[k])
		}
	}
	meta := map[string]any{}
	for _, k := range []string{"apiVersion", "endpointPrefix", "protocol", "serviceId", "signatureVersion", "signingName", "uid"} {
		meta[k] = full.Metadata[k]
	}
	out, err := json.MarshalIndent(map[string]any{"metadata": meta, "operations": ops, "shapes": shapes}, "", " ")
	require.NoError(t, err)
	return append(out, '\n')
}

func withoutDocs(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if k != "documentation" {
				out[k] = withoutDocs(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutDocs(e)
		}
		return out
	}
	return v
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
		require.NotNil(t, s.re, tt.shape)
		assert.Equal(t, tt.want, s.re.MatchString(tt.value), "%s %q", tt.shape, tt.value)
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
	c := &checker{m: m}
	c.structure("", in, valid())
	require.Empty(t, c.problems)

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
		c := &checker{m: m}
		c.structure("", in, v)
		assert.NotEmpty(t, c.problems, name)
	}
}
