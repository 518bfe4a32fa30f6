package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/live"
)

// explode is a rule of this test binary only: it fails on a message that
// says "boom", as a rule with a bug would.
type explodeConfig struct{}
type explode struct{}

func (explode) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if strings.Contains(m.Content, "boom") {
		return processor.Continue, errors.New("exploded")
	}
	return processor.Continue, nil
}

func init() {
	rules.Register("test-explode", rules.Define(func(explodeConfig) (explode, error) { return explode{}, nil }))
}

const (
	rulesMask    = "rules:\n  - rule: profanity\n    options: {action: mask}\n"
	rulesSpam    = "rules:\n  - rule: profanity\n    options: {action: mask}\n  - rule: deny\n    name: no-spam\n    options: {keywords: [free money]}\n"
	rulesExplode = "onError: allow\nrules:\n  - rule: test-explode\n"
	rulesBad     = "rules:\n  - rule: profanty\n  - rule: deny\n    options: {sendr: [x]}\n"
)

// flowctlIn runs flowctl with stdin.
func flowctlIn(stdin string, args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = runRules(context.Background(), args[1:], strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

// rulesFile writes a rules document and returns its path.
func rulesFile(t *testing.T, doc string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(p, []byte(doc), 0o644))
	return p
}

// events writes event fixtures into a directory and returns it.
func events(t *testing.T, contents ...string) string {
	t.Helper()
	dir := t.TempDir()
	for i, c := range contents {
		ev := processortest.NewEvent(c)
		ev.ChannelMessage.MessageID = "msg-" + string(rune('a'+i))
		b, err := json.Marshal(ev)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, ev.ChannelMessage.MessageID+".json"), b, 0o644))
	}
	return dir
}

func TestRulesValidate(t *testing.T) {
	good, bad := rulesFile(t, rulesSpam), rulesFile(t, rulesBad)
	evs := events(t, "hello", "free money inside", "boom")
	for _, tc := range []struct {
		name   string
		args   []string
		stdin  string
		code   int
		out    []string // in stdout, in order
		errOut []string // in stderr
	}{
		{name: "loads", args: []string{"validate", good}, out: []string{good + " loads: 1 pipeline(s), 2 rule stage(s) (" + live.HashVersion([]byte(rulesSpam)) + ")"}},
		{name: "stdin", args: []string{"validate", "-"}, stdin: rulesMask, out: []string{"stdin loads: 1 pipeline(s), 1 rule stage(s)"}},
		{name: "every problem at its place", args: []string{"validate", bad}, code: 1, errOut: []string{
			"rules configuration: 2 problem(s):",
			bad + `:2:11: unknown rule "profanty"`,
			bad + `:4:15: rule deny: unknown option "sendr"`,
			"flowctl rules validate: the document does not load"}},
		{name: "replay given events", args: []string{"validate", "-replay", evs, good},
			out: []string{"replayed 3 event(s): 1 not allowed unchanged", "msg-b.json: DENY (no-spam): "}},
		{name: "replay the bundled events", args: []string{"validate", "-replay-bundled", good},
			out: []string{" invalid on purpose, refused before any rule: not shown)", "demo-profanity.json: REWRITE (profanity)", "demo-spam-keywords.json: DENY (no-spam)"}},
		{name: "a rule fails on a replayed event", args: []string{"validate", "-replay", evs, rulesFile(t, rulesExplode)}, code: 1,
			out:    []string{"msg-c.json: ALLOW  FAILS", `rule "test-explode": exploded (error policy allow)`},
			errOut: []string{"flowctl rules validate: 1 replayed event(s) fail under "}},
		{name: "stateful rules count in memory", args: []string{"validate", "-replay", "../../testdata/scenarios/flood", "../../testdata/scenarios/flood/flood.yaml"},
			out: []string{"replayed 9 event(s): 3 not allowed unchanged", "05-alice-over.json: DENY (ratelimit)", "06-alice-over.json: DENY (ratelimit)"}},
		{name: "no file", args: []string{"validate"}, code: 2, errOut: []string{"give one FILE"}},
		{name: "missing file", args: []string{"validate", "/nonexistent/rules.yaml"}, code: 2, errOut: []string{"no such file"}},
		{name: "unknown command", args: []string{"frobnicate"}, code: 2, errOut: []string{`unknown command "frobnicate"`}},
		{name: "publish needs a parameter", args: []string{"publish", good}, code: 2, errOut: []string{"missing -parameter"}},
		{name: "get takes no file", args: []string{"get", "-parameter", "x", good}, code: 2, errOut: []string{"unexpected arguments"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CHIMEFLOW_CONFIG_PARAMETER", "")
			code, out, errOut := flowctlIn(tc.stdin, append([]string{"rules"}, tc.args...)...)
			assert.Equal(t, tc.code, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assertInOrder(t, out, tc.out)
			assertInOrder(t, errOut, tc.errOut)
		})
	}
}

// assertInOrder checks that s holds each of want, in order.
func assertInOrder(t *testing.T, s string, want []string) {
	t.Helper()
	rest := s
	for _, w := range want {
		i := strings.Index(rest, w)
		if !assert.GreaterOrEqual(t, i, 0, "%q not found (in order) in:\n%s", w, s) {
			return
		}
		rest = rest[i+len(w):]
	}
}

// moto points the AWS configuration at a moto server's credentials and
// returns its endpoint.
func moto(t *testing.T) string {
	t.Helper()
	endpoint := testenv.Moto(t)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "", "AWS_REGION": "us-east-1",
		"AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(dir, "config"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": "", "AWS_ENDPOINT_URL_SSM": "", "CHIMEFLOW_CONFIG_PARAMETER": "",
	} {
		t.Setenv(k, v)
	}
	return endpoint
}

func TestRulesPublish(t *testing.T) {
	endpoint := moto(t)
	const param = "/chimeflow/rules"
	mask, spam, bad, explodes := rulesFile(t, rulesMask), rulesFile(t, rulesSpam), rulesFile(t, rulesBad), rulesFile(t, rulesExplode)
	evs := events(t, "hello", "free money inside", "boom")
	ssm := func(args ...string) (int, string, string) {
		return flowctlIn("", append([]string{"rules", args[0], "-endpoint", endpoint, "-parameter", param}, args[1:]...)...)
	}
	steps := []struct {
		name   string
		args   []string
		code   int
		out    []string
		errOut []string
	}{
		{name: "nothing deployed", args: []string{"get"}, code: 1, errOut: []string{"ssm parameter /chimeflow/rules: parameter not found"}},
		{name: "diff with nothing", args: []string{"diff", mask}, out: []string{
			"--- /chimeflow/rules (does not exist yet)\n+++ " + mask + "\n@@ -0,0 +1,3 @@\n+rules:\n+  - rule: profanity\n+    options: {action: mask}\n"}},
		{name: "first version", args: []string{"publish", mask}, out: []string{
			mask + " loads:", "+rules:", "published " + mask + " as version 1 of /chimeflow/rules (String, Standard tier)"}},
		{name: "get", args: []string{"get"}, out: []string{rulesMask}, errOut: []string{"/chimeflow/rules, version 1 (ssm:1)"}},
		{name: "same again", args: []string{"publish", mask}, out: []string{"no change: " + mask + " is version 1", "nothing to publish"}},
		{name: "bad version refused", args: []string{"publish", bad}, code: 1, errOut: []string{bad + ":2:11: unknown rule", "the document does not load"}},
		{name: "diff", args: []string{"diff", spam}, out: []string{
			"--- /chimeflow/rules version 1\n+++ " + spam + "\n@@ -1,3 +1,6 @@\n rules:\n   - rule: profanity\n     options: {action: mask}\n+  - rule: deny\n+    name: no-spam\n+    options: {keywords: [free money]}\n"}},
		{name: "dry run", args: []string{"publish", "-dry-run", "-replay", evs, spam}, out: []string{
			"+  - rule: deny", "replayed 3 event(s): 1 changed by " + spam, "msg-b.json: ALLOW -> DENY (no-spam)", "dry run: nothing published"}},
		{name: "a failing rule is not published", args: []string{"publish", "-replay", evs, explodes}, code: 1,
			out:    []string{"msg-c.json: ALLOW -> ALLOW  FAILS"},
			errOut: []string{"1 replayed event(s) fail under " + explodes + " and did not under ssm:1: not published"}},
		{name: "second version", args: []string{"publish", "-replay", evs, spam}, out: []string{
			"msg-b.json: ALLOW -> DENY (no-spam)", "published " + spam + " as version 2 of /chimeflow/rules"}},
		{name: "json", args: []string{"publish", "-json", mask}, out: []string{`"version": "` + live.HashVersion([]byte(rulesMask)) + `"`,
			`"deployed": "ssm:2"`, `"changed": true`, `"name": "ssm:3"`}},
	}
	for _, s := range steps {
		code, out, errOut := ssm(s.args...)
		if !assert.Equal(t, s.code, code, "%s: stdout:\n%s\nstderr:\n%s", s.name, out, errOut) {
			continue
		}
		t.Run(s.name, func(t *testing.T) {
			assertInOrder(t, out, s.out)
			assertInOrder(t, errOut, s.errOut)
		})
	}
	code, out, _ := ssm("get")
	require.Equal(t, 0, code)
	assert.Equal(t, rulesMask, out, "only the documents that load were published")
}
