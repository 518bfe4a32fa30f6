package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/emfspec"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/processor/replay"
)

// modConfig denies "forbidden" and masks e-mail addresses, with built-in
// rules: the command registers them all.
const modConfig = `rules:
  - rule: deny
    options:
      any:
        - keywords: [forbidden]
          reason: forbidden word
  - rule: redact
`

func event(t *testing.T, content string) []byte {
	return processortest.Payload(t, processortest.NewEvent(content))
}

// workdir lays out events, a JSON Lines file and a configuration.
func workdir(t *testing.T) string {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	write("a-allow.json", event(t, "hello"))
	write("b-rewrite.json", event(t, "mail alice@example.com"))
	write("c-deny.json", event(t, "a forbidden thing"))
	write("d-bad.json", []byte(`{"EventType":`))
	write("notes.txt", []byte("not an event"))
	lines := string(event(t, "first")) + "\n\n" + string(event(t, "second bob@example.com")) + "\n"
	write("more.jsonl", []byte(lines))
	write("mod.yaml", []byte(modConfig))
	return dir
}

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	c := cli{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
		newClient: func(_ context.Context, endpoint, region string) (messaging.CallbackAPI, error) {
			return messaging.New(messaging.Options{Region: region, BaseEndpoint: endpoint, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
			})}), nil
		}}
	code := c.run(context.Background(), args)
	return code, out.String(), errOut.String()
}

// TestBundledFixtures is the README's first command: every bundled event
// under the bundled default pipeline and under each example configuration,
// against their golden files.
func TestBundledFixtures(t *testing.T) {
	configs, err := filepath.Glob("../../testdata/config/*.yaml")
	require.NoError(t, err)
	for _, cfg := range append([]string{""}, configs...) {
		t.Run(replay.ConfigName(cfg), func(t *testing.T) {
			args := []string{"../../testdata/events"}
			if cfg != "" {
				args = append([]string{"-config", cfg}, args...)
			}
			code, out, stderr := run(t, "", args...)
			assert.Equal(t, exitOK, code, stderr)
			assert.NotContains(t, out, "MISMATCH")
			assert.Contains(t, stderr, "0 mismatched")
			assert.Contains(t, stderr, "events were refused as invalid, as their golden files expect.")
			assert.Contains(t, stderr, "OK: every event was answered or matched its golden file.")
		})
	}
}

func TestJSON(t *testing.T) {
	dir := workdir(t)
	code, out, stderr := run(t, "", "-json", "-config", filepath.Join(dir, "mod.yaml"), dir)
	assert.Equal(t, exitFail, code, "d-bad.json has no golden file and failed")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 6)
	var reports []replay.Report
	for _, l := range lines {
		var r replay.Report
		require.NoError(t, json.Unmarshal([]byte(l), &r), l)
		reports = append(reports, r)
	}
	assert.Equal(t, processor.ActionAllow, reports[0].Action)
	assert.Equal(t, processor.ActionRewrite, reports[1].Action)
	assert.NotContains(t, reports[1].Callback.ChannelMessage.Content, "alice@example.com")
	assert.Equal(t, []string{"redact"}, reports[1].Rules)
	assert.Equal(t, []string{processor.FieldContent}, reports[1].Changed)
	assert.Equal(t, processor.ActionDeny, reports[2].Action)
	assert.True(t, reports[2].Callback.DeleteResource)
	assert.Equal(t, "forbidden word", reports[2].Reason)
	assert.Equal(t, processor.ActionError, reports[3].Action)
	assert.Nil(t, reports[3].Callback)
	assert.Contains(t, reports[3].Error, "malformed JSON")
	assert.Equal(t, "more.jsonl:3", reports[5].Source)
	assert.Equal(t, processor.ActionRewrite, reports[5].Action)
	assert.Equal(t, processortest.ChannelArn, reports[0].Callback.ChannelArn)
	assert.Equal(t, processortest.CallbackID, reports[0].Callback.CallbackID)
	// The exact shape of -json: the report with the pipeline that ran.
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &raw))
	assert.ElementsMatch(t, []string{"source", "messageId", "outcome", "pipeline", "rules", "callback"}, keys(raw))
	assert.Equal(t, "default", raw["pipeline"])
	assert.ElementsMatch(t, []string{"ChannelArn", "CallbackId", "DeleteResource", "ChannelMessage"}, keys(raw["callback"].(map[string]any)))
	var rawErr map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[3]), &rawErr))
	assert.ElementsMatch(t, []string{"source", "outcome", "rules", "callback", "error"}, keys(rawErr))

	assert.Contains(t, stderr, "6 events: 2 ALLOW, 2 REWRITE, 1 DENY, 1 ERROR")
	assert.Contains(t, stderr, "ERROR: 1 event was refused as invalid, and no golden file expects it: see DETAIL.")
	assert.Contains(t, stderr, "FAILED: 1 event not answered or not matching its golden file.")
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestGoldenFiles(t *testing.T) {
	dir := workdir(t)
	cfg := filepath.Join(dir, "mod.yaml")
	require.NoError(t, os.Remove(filepath.Join(dir, "more.jsonl")))

	code, out, stderr := run(t, "", "-update", "-config", cfg, dir)
	assert.Equal(t, exitOK, code, stderr)
	assert.Contains(t, out, "updated")
	assert.Contains(t, stderr, "0 matched, 0 mismatched, 4 updated")
	golden := filepath.Join(dir, "b-rewrite.mod.golden.json")
	b, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"source": "b-rewrite.json"`)
	assert.NotContains(t, string(b), "alice@example.com")
	assert.NotContains(t, string(b), `"pipeline"`, "goldens do not depend on pipeline names")
	assert.NoFileExists(t, filepath.Join(dir, "b-rewrite.golden.json"), "goldens are per configuration")

	// Everything matches now, the malformed event included: its golden
	// file expects the error.
	code, out, stderr = run(t, "", "-config", cfg, dir)
	assert.Equal(t, exitOK, code, stderr)
	assert.Regexp(t, `d-bad.json\s+-\s+ERROR\s+-\s+ok\s+decode event: malformed JSON`, out)
	assert.Contains(t, stderr, "4 matched, 0 mismatched")
	assert.Contains(t, stderr, "ERROR: 1 event was refused as invalid, as its golden file expects.")
	assert.Contains(t, stderr, "OK: every event")

	// Under the default configuration, the same events have no goldens.
	code, _, stderr = run(t, "", dir)
	assert.Equal(t, exitFail, code, "d-bad.json fails with no golden to expect it")
	assert.Contains(t, stderr, "0 matched")

	// A changed golden file is a mismatch, shown as a diff.
	changed := strings.Replace(string(b), `"DeleteResource": false`, `"DeleteResource": true`, 1)
	require.NotEqual(t, string(b), changed)
	require.NoError(t, os.WriteFile(golden, []byte(changed), 0o644))
	code, out, stderr = run(t, "", "-config", cfg, dir)
	assert.Equal(t, exitFail, code)
	assert.Regexp(t, `b-rewrite.json\s+msg-0001\s+REWRITE\s+redact\s+MISMATCH`, out)
	assert.Contains(t, stderr, `-     "DeleteResource": true,`)
	assert.Contains(t, stderr, `+     "DeleteResource": false,`)
	assert.Contains(t, stderr, "FAILED: 1 event")

	// A golden file that is not JSON is reported, and the run goes on.
	require.NoError(t, os.WriteFile(golden, []byte("{"), 0o644))
	code, _, stderr = run(t, "", "-config", cfg, dir)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, "b-rewrite.json: replay: golden file")
	assert.Contains(t, stderr, "3 matched")
}

func TestTable(t *testing.T) {
	dir := workdir(t)
	code, out, _ := run(t, "", "-config", filepath.Join(dir, "mod.yaml"), filepath.Join(dir, "b-rewrite.json"), filepath.Join(dir, "c-deny.json"))
	assert.Equal(t, exitOK, code)
	assert.Regexp(t, `^SOURCE\s+MESSAGE\s+OUTCOME\s+RULES\s+GOLDEN\s+DETAIL\n`, out)
	assert.Regexp(t, `b-rewrite.json\s+msg-0001\s+REWRITE\s+redact\s+-\s+Content="mail `, out)
	assert.Regexp(t, `c-deny.json\s+msg-0001\s+DENY\s+deny\s+-\s+denied: forbidden word`, out)
}

func TestDetail(t *testing.T) {
	tests := []struct {
		name string
		r    replay.Report
		want string
	}{
		{"error", replay.Report{Outcome: processor.Outcome{Action: processor.ActionError}, Error: "invalid event: x"}, "invalid event: x"},
		{"deny", replay.Report{Outcome: processor.Outcome{Action: processor.ActionDeny, Reason: "spam"}}, "denied: spam"},
		{"rewrite", replay.Report{
			Outcome:  processor.Outcome{Action: processor.ActionRewrite, Changed: []string{processor.FieldContent, processor.FieldMetadata, processor.FieldPushNotification, "MessageAttributes"}},
			Callback: &replay.CallbackRequest{ChannelMessage: &messaging.ChannelMessageCallback{Content: strings.Repeat("é", 70), Metadata: `{"a":1}`}},
		}, `Content="` + strings.Repeat("é", 60) + `…"; Metadata="{\"a\":1}"; Push removed; MessageAttributes changed`},
		{"allow with dry run, rule error and duplicate", replay.Report{
			Outcome:    processor.Outcome{Action: processor.ActionAllow, DryRun: []processor.DryRunResult{{Rule: "links", Would: processor.ActionDeny, Reason: "bit.ly"}}},
			RuleErrors: []string{"rule x: boom"}, Duplicate: true,
		}, "duplicate delivery: already resolved; dry-run links would DENY (bit.ly); rule error: rule x: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, detail(&tt.r)) })
	}
}

func TestStdin(t *testing.T) {
	code, out, _ := run(t, string(event(t, "from stdin"))+"\n", "-json", "-")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, out, `"source":"stdin:1"`)
}

func TestUsage(t *testing.T) {
	dir := workdir(t)
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no PATH given"},
		{[]string{"-nosuchflag", dir}, "flag provided but not defined"},
		{[]string{"-config", filepath.Join(dir, "missing.yaml"), dir}, "missing.yaml"},
		{[]string{"-config", filepath.Join(dir, "notes.txt"), dir}, "rules configuration"},
		{[]string{"-error-policy", "maybe", dir}, `error policy "maybe"`},
		{[]string{"-log", "loud", dir}, "-log"},
		{[]string{filepath.Join(dir, "nope")}, "no such file"},
		{[]string{t.TempDir()}, "no events found"},
		{[]string{"-update", "-endpoint", "http://127.0.0.1:1", dir}, "do not mix"},
	}
	for _, tt := range tests {
		code, _, stderr := run(t, "", tt.args...)
		assert.Equal(t, exitUsage, code, tt.args)
		assert.Contains(t, stderr, tt.want, tt.args)
	}
	code, _, stderr := run(t, "", "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, "usage: replay")
	assert.Contains(t, stderr, "ERROR (not answered")
}

// TestEndpoint sends the callbacks for real, signed, to the model- and
// signature-checked Chime stand-in, which refuses one of them as already
// resolved (a duplicate, confirmed by the message's status) and another for
// good.
func TestEndpoint(t *testing.T) {
	srv := messagingtest.NewServer(messagingtest.Config{Region: "eu-west-1", Refusal: messagingtest.RefuseConflict,
		Credentials: aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}})
	defer srv.Close()
	dir := t.TempDir()
	events := []struct {
		file, content, callbackID, messageID string
	}{
		{"a-allow.json", "hello", "00000000-1111-2222-3333-00000000000a", "msg-a"},
		{"b-rewrite.json", "mail alice@example.com", "00000000-1111-2222-3333-00000000000b", "msg-b"},
		{"c-deny.json", "a forbidden thing", "00000000-1111-2222-3333-00000000000c", "msg-c"},
	}
	var paths []string
	for _, e := range events {
		ev := processortest.NewEvent(e.content, processortest.WithIDs(e.callbackID, e.messageID))
		require.NoError(t, srv.AddMessage(messagingtest.Message{ChannelArn: ev.ChannelMessage.ChannelArn, MessageID: e.messageID,
			CallbackID: e.callbackID, SenderArn: ev.ChannelMessage.Sender.Arn}))
		paths = append(paths, filepath.Join(dir, e.file))
		require.NoError(t, os.WriteFile(paths[len(paths)-1], processortest.Payload(t, ev), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "mod.yaml"), []byte(modConfig), 0o644))
	// a-allow was answered by an earlier delivery; c-deny's callback is
	// refused for good.
	require.True(t, srv.SetStatus(processortest.ChannelArn, "msg-a", messaging.StatusSent))
	srv.InjectCallback(events[2].callbackID, messagingtest.Fault{Status: 401, Code: "UnauthorizedClientException", Message: "no"})

	code, out, stderr := run(t, "", append([]string{"-json", "-endpoint", srv.URL, "-region", "eu-west-1", "-config", filepath.Join(dir, "mod.yaml")}, paths...)...)
	assert.Equal(t, exitFail, code, stderr)
	assert.Zero(t, srv.Nonconforming(), "every request conforms to the model and is signed for eu-west-1: %q", srv.Problems())
	var callbacks []messagingtest.Call
	for _, c := range srv.Calls() {
		if c.Operation == messaging.OpChannelFlowCallback {
			callbacks = append(callbacks, c)
		}
	}
	require.Len(t, callbacks, 3)
	assert.Contains(t, string(callbacks[2].Body), `"DeleteResource":true`)
	accepted := srv.Accepted()
	require.Len(t, accepted, 1, "only b-rewrite's callback is accepted")
	assert.Equal(t, "msg-b", accepted[0].ChannelMessage.MessageID)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3)
	assert.Contains(t, lines[0], `"duplicate":true`, "a 409 for a message no longer pending is a duplicate delivery, done")
	assert.Contains(t, lines[2], `"outcome":"ERROR"`)
	assert.Contains(t, stderr, "ERROR: 1 event was answered, but the endpoint refused the callback, and no golden file expects it")
}

// TestMetricsFlag: -metrics writes, per event, the metrics documents the
// Lambda would write: valid EMF that adds up to the replayed outcomes.
func TestMetricsFlag(t *testing.T) {
	dir := workdir(t)
	file := filepath.Join(t.TempDir(), "metrics.jsonl")
	code, _, stderr := run(t, "", "-config", filepath.Join(dir, "mod.yaml"), "-metrics", file, dir)
	assert.Equal(t, exitFail, code, "d-bad.json is not answered")
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	ds, err := emfspec.CheckStream(bytes.NewReader(b), emfspec.Options{})
	require.NoError(t, err, stderr)
	sum := map[string]float64{}
	for _, d := range ds {
		if len(d.Dimensions) == 0 {
			for _, v := range d.Values {
				sum[d.Name] += v
			}
		}
	}
	// a-allow, b-rewrite, c-deny, d-bad and the two lines of more.jsonl.
	assert.Equal(t, map[string]float64{"Messages": 6, "Allowed": 2, "Rewritten": 2, "Denied": 1, "Errored": 1, "ColdStart": 1},
		map[string]float64{"Messages": sum["Messages"], "Allowed": sum["Allowed"], "Rewritten": sum["Rewritten"], "Denied": sum["Denied"],
			"Errored": sum["Errored"], "ColdStart": sum["ColdStart"]})
	assert.Equal(t, 6, strings.Count(string(b), `"Messages":1`), "one flush per event")

	code, _, stderr = run(t, "", "-metrics", "-", filepath.Join(dir, "a-allow.json"))
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stderr, `{"_aws":`)
	code, _, stderr = run(t, "", "-metrics", filepath.Join(dir, "no-such-dir", "m.jsonl"), dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "-metrics")
}
