package main_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// binaries built once for the package's tests and benchmarks, exactly as
// the SAM build does.
var bin struct {
	dir       string
	processor string
	bare      string
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chimeflow-bootstrap")
	if err != nil {
		panic(err)
	}
	bin.dir = dir
	if bin.processor, err = lambdatest.Build(dir, ".", "bootstrap"); err != nil {
		panic(err)
	}
	if bin.bare, err = lambdatest.Build(dir, "./testdata/bare", "bare"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// output collects a process's output; the process writes while the test
// reads.
type output struct {
	mu sync.Mutex
	b  strings.Builder
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

func start(t testing.TB, path string, env []string) (*exec.Cmd, *output) {
	t.Helper()
	cmd := exec.Command(path)
	cmd.Env = env
	out := &output{}
	cmd.Stdout, cmd.Stderr = out, out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, out
}

// The message of testdata/events/push-notification.json.
const (
	eventChannel  = "arn:aws:chime:us-east-1:111122223333:app-instance/87654321-4321-4321-4321-210987654321/channel/general"
	eventSender   = "arn:aws:chime:us-east-1:111122223333:app-instance/87654321-4321-4321-4321-210987654321/user/alice"
	eventMessage  = "msg-08"
	eventCallback = "c0ffee08-aaaa-bbbb-cccc-0123456789ab"
)

// newChime starts the model- and signature-checking stand-in with the
// event's message pending, and checks at the end that every request the
// binary sent conformed.
func newChime(t *testing.T, cfg messagingtest.Config) *messagingtest.Server {
	t.Helper()
	cfg.RequireRegistered = true
	chime := messagingtest.NewServer(cfg)
	t.Cleanup(func() {
		chime.Close()
		assert.Zero(t, chime.Nonconforming(), "nonconforming requests: %q", chime.Problems())
	})
	require.NoError(t, chime.AddMessage(messagingtest.Message{ChannelArn: eventChannel, MessageID: eventMessage, CallbackID: eventCallback, SenderArn: eventSender}))
	return chime
}

func TestLambdaEndToEnd(t *testing.T) {
	rt := lambdatest.NewRuntime()
	defer rt.Close()
	chime := newChime(t, messagingtest.Config{})
	_, logs := start(t, bin.processor, lambdatest.Env(rt.Addr(), chime.URL))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	event, err := os.ReadFile("../../testdata/events/push-notification.json")
	require.NoError(t, err)
	res, err := rt.Invoke(ctx, event, 10*time.Second)
	require.NoError(t, err)
	assert.False(t, res.Error, string(res.Body))
	calls := chime.Calls()
	require.Len(t, calls, 1, "exactly one callback")
	assert.Equal(t, messaging.OpChannelFlowCallback, calls[0].Operation)
	assert.Equal(t, 200, calls[0].Status)
	accepted := chime.Accepted()
	require.Len(t, accepted, 1)
	assert.Equal(t, eventCallback, accepted[0].CallbackID)
	assert.False(t, accepted[0].DeleteResource)
	assert.Equal(t, "Can someone review PR 128?", accepted[0].ChannelMessage.Content)
	st, _ := chime.MessageState(eventChannel, eventMessage)
	assert.Equal(t, messaging.StatusSent, st.Status)

	// A malformed event: an invocation error (Lambda retries, then
	// dead-letters it) and no callback.
	res, err = rt.Invoke(ctx, []byte(`{"EventType":`), 10*time.Second)
	require.NoError(t, err)
	assert.True(t, res.Error)
	assert.Contains(t, string(res.Body), "malformed JSON")
	assert.Len(t, chime.Calls(), 1)

	// One JSON log line per message, with the request id.
	require.Eventually(t, func() bool { return strings.Count(logs.String(), "\n") >= 2 }, 5*time.Second, 10*time.Millisecond)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	var first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first), lines[0])
	assert.Equal(t, "req-1", first["requestId"])
	assert.Equal(t, "ALLOW", first["outcome"])
}

// TestLambdaUnderFaults: the binary's callback survives throttling, server
// faults and a reset connection, and a duplicate delivery refused with a
// 409 ends as a duplicate, not an invocation error.
func TestLambdaUnderFaults(t *testing.T) {
	rt := lambdatest.NewRuntime()
	defer rt.Close()
	chime := newChime(t, messagingtest.Config{Refusal: messagingtest.RefuseConflict})
	chime.InjectCallback(eventCallback, messagingtest.Throttle(), messagingtest.UnavailableHTML(), messagingtest.Reset())
	_, logs := start(t, bin.processor, lambdatest.Env(rt.Addr(), chime.URL))

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	event, err := os.ReadFile("../../testdata/events/push-notification.json")
	require.NoError(t, err)
	for delivery := 1; delivery <= 2; delivery++ {
		res, err := rt.Invoke(ctx, event, 10*time.Second)
		require.NoError(t, err)
		assert.False(t, res.Error, "delivery %d: %s", delivery, res.Body)
	}
	assert.Len(t, chime.Accepted(), 1, "one decision")
	st, _ := chime.MessageState(eventChannel, eventMessage)
	assert.Equal(t, 1, st.Accepted)
	assert.Equal(t, 1, st.Refused)
	require.Eventually(t, func() bool { return strings.Count(logs.String(), "\n") >= 2 }, 5*time.Second, 10*time.Millisecond)
	assert.Contains(t, logs.String(), `"duplicate":true`)
}

func TestLambdaRefusesBadConfiguration(t *testing.T) {
	rt := lambdatest.NewRuntime()
	defer rt.Close()
	tests := []struct {
		name string
		env  []string
		want []string
	}{
		{"unknown rule", []string{"CHIMEFLOW_CONFIG=rules:\n  - rule: nosuchrule\n  - rule: alsonot\n"}, []string{"$CHIMEFLOW_CONFIG:2:11: unknown rule \"nosuchrule\"", "$CHIMEFLOW_CONFIG:3:11: unknown rule \"alsonot\""}},
		{"missing file", []string{"CHIMEFLOW_CONFIG_FILE=/nonexistent/rules.yaml"}, []string{"/nonexistent/rules.yaml"}},
		{"both", []string{"CHIMEFLOW_CONFIG=rules: []", "CHIMEFLOW_CONFIG_FILE=x.yaml"}, []string{"not both"}},
		{"bad policy", []string{"CHIMEFLOW_ERROR_POLICY=ignore"}, []string{"CHIMEFLOW_ERROR_POLICY"}},
		{"bad log level", []string{"CHIMEFLOW_LOG_LEVEL=loud"}, []string{"CHIMEFLOW_LOG_LEVEL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd, out := start(t, bin.processor, lambdatest.Env(rt.Addr(), "", tt.env...))
			err := cmd.Wait()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			assert.Equal(t, 1, exit.ExitCode())
			assert.Contains(t, out.String(), "refusing to start")
			for _, w := range tt.want {
				assert.Contains(t, out.String(), w)
			}
		})
	}
	// No credentials in the environment: a clear init error too.
	cmd := exec.Command(bin.processor)
	cmd.Env = []string{"AWS_LAMBDA_RUNTIME_API=" + rt.Addr(), "AWS_REGION=us-east-1"}
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "AWS_ACCESS_KEY_ID")
}

// BenchmarkColdStart measures, side by side in one run, the time from
// process start to the first invocation/next poll of the processor with the
// bundled default pipeline and of a bare aws-lambda-go function built the
// same way. It reports the medians and their ratio.
func BenchmarkColdStart(b *testing.B) {
	measure := func(path string) time.Duration {
		rt := lambdatest.NewRuntime()
		defer rt.Close()
		begin := time.Now()
		cmd := exec.Command(path)
		cmd.Env = lambdatest.Env(rt.Addr(), "http://127.0.0.1:1")
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		select {
		case <-rt.Polled():
		case <-time.After(10 * time.Second):
			b.Fatal("no invocation/next within 10s")
		}
		d := time.Since(begin)
		cmd.Process.Kill()
		cmd.Wait()
		return d
	}
	var bare, proc []time.Duration
	for b.Loop() {
		bare = append(bare, measure(bin.bare))
		proc = append(proc, measure(bin.processor))
	}
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Microseconds()) / 1000
	}
	mb, mp := median(bare), median(proc)
	b.ReportMetric(mb, "bare-ms")
	b.ReportMetric(mp, "chimeflow-ms")
	b.ReportMetric(mp/mb, "ratio")
	b.ReportMetric(0, "ns/op")
}
