package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/processor/replay"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/all"
)

func init() {
	// shout upper-cases "darn" so the tests see a rewrite and a deny.
	rules.Register("replay-test-shout", rules.Define(func(struct{}) (processor.Rule, error) {
		return processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
			if strings.Contains(m.Content, "forbidden") {
				return processor.Deny("forbidden word"), nil
			}
			m.Content = strings.ReplaceAll(m.Content, "darn", "DARN")
			return processor.Continue, nil
		}), nil
	}))
}

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
	write("b-rewrite.json", event(t, "oh darn"))
	write("c-deny.json", event(t, "a forbidden thing"))
	write("d-bad.json", []byte(`{"EventType":`))
	write("notes.txt", []byte("not an event"))
	lines := string(event(t, "first")) + "\n\n" + string(event(t, "darn second")) + "\n"
	write("more.jsonl", []byte(lines))
	write("shout.yaml", []byte("rules:\n  - rule: replay-test-shout\n"))
	return dir
}

func run(t *testing.T, stdin string, args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	code := replay.Command(context.Background(), args, replay.IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
		NewClient: func(_ context.Context, endpoint, region string) (messaging.CallbackAPI, error) {
			return messaging.New(messaging.Options{Region: region, BaseEndpoint: endpoint, Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
			})}), nil
		}})
	return code, out.String(), errOut.String()
}

func TestLoad(t *testing.T) {
	dir := workdir(t)
	srcs, err := replay.Load([]string{dir, filepath.Join(dir, "a-allow.json"), "-"}, strings.NewReader(string(event(t, "stdin one"))+"\n"))
	require.NoError(t, err)
	var names []string
	for _, s := range srcs {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"a-allow.json", "b-rewrite.json", "c-deny.json", "d-bad.json", "more.jsonl:1", "more.jsonl:3", "a-allow.json", "stdin:1"}, names)
	assert.Equal(t, filepath.Join(dir, "a-allow.json"), srcs[0].Path)
	assert.Empty(t, srcs[4].Path, "lines have no golden file")

	_, err = replay.Load([]string{filepath.Join(dir, "missing.json")}, nil)
	assert.Error(t, err)
	_, err = replay.Load([]string{t.TempDir()}, nil)
	assert.ErrorIs(t, err, replay.ErrNoEvents)
}

func TestGoldenPaths(t *testing.T) {
	assert.Equal(t, "d/x.golden.json", replay.GoldenPath("d/x.json", ""))
	assert.Equal(t, "d/x.moderation.golden.json", replay.GoldenPath("d/x.json", replay.ConfigName("cfg/moderation.yaml")))
	assert.True(t, replay.IsGolden("x.moderation.golden.json"))
	assert.False(t, replay.IsGolden("x.json"))
}

func TestCommandJSON(t *testing.T) {
	dir := workdir(t)
	code, out, stderr := run(t, "", "-json", "-config", filepath.Join(dir, "shout.yaml"), dir)
	assert.Equal(t, replay.ExitFail, code, "d-bad.json has no golden file and failed")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 6)
	var reports []replay.Report
	for _, l := range lines {
		var r replay.Report
		require.NoError(t, json.Unmarshal([]byte(l), &r), l)
		reports = append(reports, r)
	}
	assert.Equal(t, processor.ActionAllow, reports[0].Outcome)
	assert.Equal(t, processor.ActionRewrite, reports[1].Outcome)
	assert.Equal(t, "oh DARN", reports[1].Callback.ChannelMessage.Content)
	assert.Equal(t, []string{"replay-test-shout"}, reports[1].Rules)
	assert.Equal(t, processor.ActionDeny, reports[2].Outcome)
	assert.True(t, reports[2].Callback.DeleteResource)
	assert.Equal(t, "forbidden word", reports[2].Reason)
	assert.Equal(t, processor.ActionError, reports[3].Outcome)
	assert.Nil(t, reports[3].Callback)
	assert.Contains(t, reports[3].Error, "malformed JSON")
	assert.Equal(t, "more.jsonl:3", reports[5].Source)
	assert.Equal(t, processortest.ChannelArn, reports[0].Callback.ChannelArn)
	assert.Equal(t, processortest.CallbackID, reports[0].Callback.CallbackID)
	// The exact request shape of -json.
	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &raw))
	assert.ElementsMatch(t, []string{"source", "messageId", "outcome", "rules", "callback"}, keys(raw))
	assert.ElementsMatch(t, []string{"ChannelArn", "CallbackId", "DeleteResource", "ChannelMessage"}, keys(raw["callback"].(map[string]any)))
	assert.Contains(t, stderr, "6 events: 2 ALLOW, 2 REWRITE, 1 DENY, 1 ERROR")
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCommandGoldenFiles(t *testing.T) {
	dir := workdir(t)
	cfg := filepath.Join(dir, "shout.yaml")
	require.NoError(t, os.Remove(filepath.Join(dir, "more.jsonl")))

	code, _, _ := run(t, "", "-update", "-config", cfg, dir)
	assert.Equal(t, replay.ExitOK, code)
	golden := filepath.Join(dir, "b-rewrite.shout.golden.json")
	b, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"Content": "oh DARN"`)
	assert.Contains(t, string(b), `"source": "b-rewrite.json"`)
	assert.NoFileExists(t, filepath.Join(dir, "b-rewrite.golden.json"), "goldens are per configuration")

	// Everything matches now, the malformed event included: its golden
	// file expects the error.
	code, out, stderr := run(t, "", "-config", cfg, dir)
	assert.Equal(t, replay.ExitOK, code, stderr)
	assert.Contains(t, out, "ok")
	assert.Contains(t, stderr, "4 matched, 0 mismatched")

	// Under the default configuration, the same events have no goldens.
	code, _, stderr = run(t, "", dir)
	assert.Equal(t, replay.ExitFail, code, "d-bad.json fails with no golden to expect it")
	assert.Contains(t, stderr, "0 matched")

	// A changed golden file is a mismatch, shown as a diff.
	require.NoError(t, os.WriteFile(golden, []byte(strings.Replace(string(b), "oh DARN", "oh darn", 1)), 0o644))
	code, out, stderr = run(t, "", "-config", cfg, dir)
	assert.Equal(t, replay.ExitFail, code)
	assert.Contains(t, out, "MISMATCH")
	assert.Contains(t, stderr, `-       "Content": "oh darn"`)
	assert.Contains(t, stderr, `+       "Content": "oh DARN"`)

	// A golden file that is not JSON is reported, and the run goes on.
	require.NoError(t, os.WriteFile(golden, []byte("{"), 0o644))
	code, _, stderr = run(t, "", "-config", cfg, dir)
	assert.Equal(t, replay.ExitFail, code)
	assert.Contains(t, stderr, "b-rewrite.json: replay: golden file")
	assert.Contains(t, stderr, "3 matched")
}

func TestCommandTable(t *testing.T) {
	dir := workdir(t)
	code, out, _ := run(t, "", "-config", filepath.Join(dir, "shout.yaml"), filepath.Join(dir, "b-rewrite.json"), filepath.Join(dir, "c-deny.json"))
	assert.Equal(t, replay.ExitOK, code)
	assert.Regexp(t, `SOURCE\s+MESSAGE\s+OUTCOME\s+RULES\s+GOLDEN\s+DETAIL`, out)
	assert.Regexp(t, `b-rewrite.json\s+msg-0001\s+REWRITE\s+replay-test-shout\s+-\s+Content="oh DARN"`, out)
	assert.Regexp(t, `c-deny.json\s+msg-0001\s+DENY\s+replay-test-shout\s+-\s+denied: forbidden word`, out)
}

func TestCommandStdin(t *testing.T) {
	code, out, _ := run(t, string(event(t, "from stdin"))+"\n", "-json", "-")
	assert.Equal(t, replay.ExitOK, code)
	assert.Contains(t, out, `"source":"stdin:1"`)
}

func TestCommandUsage(t *testing.T) {
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
		{[]string{"-update", "-endpoint", "http://127.0.0.1:1", dir}, "do not mix"},
	}
	for _, tt := range tests {
		code, _, stderr := run(t, "", tt.args...)
		assert.Equal(t, replay.ExitUsage, code, tt.args)
		assert.Contains(t, stderr, tt.want, tt.args)
	}
	code, _, stderr := run(t, "", "-h")
	assert.Equal(t, replay.ExitOK, code)
	assert.Contains(t, stderr, "usage: replay")
}

// TestCommandEndpoint sends the callbacks for real, signed, to a local
// stand-in for Chime SDK Messaging.
func TestCommandEndpoint(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, string(b))
		mu.Unlock()
		if strings.Contains(string(b), "DARN") {
			w.Header().Set("x-amzn-ErrorType", "ConflictException")
			w.WriteHeader(http.StatusConflict)
			w.Write([]byte(`{"Code":"Conflict","Message":"already processed"}`))
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	dir := workdir(t)
	code, out, stderr := run(t, "", "-json", "-endpoint", srv.URL, "-region", "eu-west-1", "-config", filepath.Join(dir, "shout.yaml"),
		filepath.Join(dir, "a-allow.json"), filepath.Join(dir, "b-rewrite.json"), filepath.Join(dir, "c-deny.json"))
	assert.Equal(t, replay.ExitOK, code, stderr)
	require.Len(t, got, 3)
	for _, r := range got {
		assert.Equal(t, http.MethodPost, r.Method)
		assert.Equal(t, "/channels/"+processortest.ChannelArn, r.URL.Path)
		assert.Contains(t, r.Header.Get("Authorization"), "Credential=AKID/")
		assert.Contains(t, r.Header.Get("Authorization"), "/eu-west-1/chime/aws4_request")
	}
	assert.Contains(t, bodies[2], `"DeleteResource":true`)
	assert.Contains(t, out, `"duplicate":true`, "a 409 on a rewrite is a duplicate delivery, done")
}

func TestRecorder(t *testing.T) {
	var r replay.Recorder
	in := &messaging.ChannelFlowCallbackInput{CallbackID: "c", ChannelArn: "a"}
	out, err := r.ChannelFlowCallback(context.Background(), in)
	require.NoError(t, err)
	assert.Equal(t, "c", out.CallbackID)
	assert.Equal(t, []*messaging.ChannelFlowCallbackInput{in}, r.Calls())
}
