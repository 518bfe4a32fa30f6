package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/live"
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

// logLines returns the log lines of a process's output: its lines that
// are not metrics documents (which start with {"_aws":).
func logLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if l != "" && !strings.HasPrefix(l, `{"_aws":`) {
			lines = append(lines, l)
		}
	}
	return lines
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

	// One JSON log line at start, naming the version of the rules, then
	// one per message, with the request id and the same version.
	require.Eventually(t, func() bool { return len(logLines(logs.String())) >= 3 }, 5*time.Second, 10*time.Millisecond)
	lines := logLines(logs.String())
	var loaded, first map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &loaded), lines[0])
	assert.Equal(t, "rules loaded", loaded["message"])
	assert.Equal(t, live.HashVersion(rules.DefaultDocument()), loaded["rulesVersion"])
	require.NoError(t, json.Unmarshal([]byte(lines[1]), &first), lines[1])
	assert.Equal(t, "req-1", first["requestId"])
	assert.Equal(t, "ALLOW", first["outcome"])
	assert.Equal(t, loaded["rulesVersion"], first["rulesVersion"])
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
	// The line of the rules loaded at start, then one per delivery.
	require.Eventually(t, func() bool { return len(logLines(logs.String())) >= 3 }, 5*time.Second, 10*time.Millisecond)
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
// bundled default pipeline, of the same with the decision trail configured
// (CHIMEFLOW_TRAIL_BUS: its EventBridge client is created at start), and of
// a bare aws-lambda-go function built the same way. It reports the medians
// and their ratios to the bare function. With CHIMEFLOW_BENCH_OTHER naming
// another bootstrap binary (an earlier build, say), that one is measured
// in the same rounds too (other-ms).
//
//	go test ./cmd/processor -run '^$' -bench ColdStart -benchtime 100x
func BenchmarkColdStart(b *testing.B) {
	measure := func(path string, extra ...string) time.Duration { return coldStart(b, path, extra...) }
	other := os.Getenv("CHIMEFLOW_BENCH_OTHER")
	trail := []string{"CHIMEFLOW_TRAIL_BUS=decisions", "AWS_ENDPOINT_URL_EVENTBRIDGE=http://127.0.0.1:1"}
	var bare, proc, withTrail, prev []time.Duration
	for b.Loop() {
		bare = append(bare, measure(bin.bare))
		proc = append(proc, measure(bin.processor))
		withTrail = append(withTrail, measure(bin.processor, trail...))
		if other != "" {
			prev = append(prev, measure(other))
		}
	}
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Microseconds()) / 1000
	}
	mb, mp, mt := median(bare), median(proc), median(withTrail)
	b.ReportMetric(mb, "bare-ms")
	b.ReportMetric(mp, "chimeflow-ms")
	b.ReportMetric(mt, "trail-ms")
	b.ReportMetric(mp/mb, "ratio")
	b.ReportMetric(mt/mb, "trail-ratio")
	if other != "" {
		mo := median(prev)
		b.ReportMetric(mo, "other-ms")
		b.ReportMetric(mo/mb, "other-ratio")
	}
	b.ReportMetric(0, "ns/op")
}

// cpuTime returns the user+system CPU time the process pid has used so far,
// all its threads included, from /proc/PID/stat (in clock ticks of 10 ms).
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces:
	// the fields after it start at the last ')'.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields after the command", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime and stime, fields 14 and 15
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// BenchmarkCPUPerEvent measures, side by side in one run, the CPU time
// (user+system, all threads) the processor binary spends per event under
// GOMAXPROCS=1, GOMAXPROCS=2 and with GOMAXPROCS unset (boot's choice),
// each a warm process invoked one event at a time through the Runtime API
// stand-in, as Lambda does, with the callbacks answered by a local server.
// Each b.Loop iteration sends a batch of 200 events (the valid bundled
// fixtures in turn, under the bundled default pipeline) to each process in
// turn. It reports CPU µs per event and wall µs per invocation for each
// setting, and the CPU ratios to GOMAXPROCS=2. Linux only (/proc).
//
//	go test ./cmd/processor -run '^$' -bench CPUPerEvent -benchtime 25x
func BenchmarkCPUPerEvent(b *testing.B) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		b.Skip("needs /proc")
	}
	var events [][]byte
	paths, err := filepath.Glob("../../testdata/events/*.json")
	require.NoError(b, err)
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden.json") || strings.HasPrefix(filepath.Base(p), "bad-") {
			continue
		}
		ev, err := os.ReadFile(p)
		require.NoError(b, err)
		events = append(events, ev)
	}
	chime := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte(`{}`))
	}))
	defer chime.Close()

	type setting struct {
		name      string
		env       []string
		rt        *lambdatest.Runtime
		pid       int
		cpu, wall time.Duration
		events    int
	}
	settings := []*setting{
		{name: "GOMAXPROCS=1", env: []string{"GOMAXPROCS=1"}},
		{name: "GOMAXPROCS=2", env: []string{"GOMAXPROCS=2"}},
		{name: "unset"},
	}
	ctx := context.Background()
	const batch = 200
	for _, s := range settings {
		s.rt = lambdatest.NewRuntime()
		defer s.rt.Close()
		cmd, _ := start(b, bin.processor, lambdatest.Env(s.rt.Addr(), chime.URL, s.env...))
		s.pid = cmd.Process.Pid
		for i := range batch { // warm up: the first events pay for lazy initialisation
			if _, err := s.rt.Invoke(ctx, events[i%len(events)], 10*time.Second); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		for _, s := range settings {
			before, err := cpuTime(s.pid)
			require.NoError(b, err)
			begin := time.Now()
			for i := range batch {
				res, err := s.rt.Invoke(ctx, events[(s.events+i)%len(events)], 10*time.Second)
				require.NoError(b, err)
				require.False(b, res.Error, string(res.Body))
			}
			s.wall += time.Since(begin)
			after, err := cpuTime(s.pid)
			require.NoError(b, err)
			s.cpu += after - before
			s.events += batch
		}
	}
	perEvent := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(n) }
	base := perEvent(settings[1].cpu, settings[1].events)
	for _, s := range settings {
		cpu := perEvent(s.cpu, s.events)
		b.ReportMetric(cpu, "cpu-µs/event("+s.name+")")
		b.ReportMetric(perEvent(s.wall, s.events), "wall-µs/event("+s.name+")")
		b.ReportMetric(cpu/base, "cpu-ratio("+s.name+"/GOMAXPROCS=2)")
	}
	b.ReportMetric(0, "ns/op")
}
