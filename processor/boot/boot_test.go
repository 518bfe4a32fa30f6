package boot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/processor/trail"
	"github.com/chimeflow/chimeflow/processor/trail/ebsink"
	"github.com/chimeflow/chimeflow/rules"
)

// This test binary registers no rule: boot imports no rule set.

func env(m map[string]string) boot.Option {
	return boot.WithGetenv(func(k string) string { return m[k] })
}

// allowAll is a configuration without rules and with the allow policy.
const allowAll = "onError: allow\nrules: []\nchannels:\n  - channel: '*'\n    rules: []\n"

func newHandler(t *testing.T, opts ...boot.Option) (*processor.Handler, error) {
	t.Helper()
	return boot.NewHandler(append([]boot.Option{boot.WithCallback(&messagingtest.Recorder{})}, opts...)...)
}

func TestNewHandlerRules(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(file, []byte(allowAll), 0o644))
	_, errDefault := rules.Default()
	require.Error(t, errDefault, "the bundled default names profanity, which this binary does not register")
	pipeline := processor.NewPipeline()

	tests := []struct {
		name    string
		env     map[string]string
		opts    []boot.Option
		policy  processor.ErrorPolicy // of the default pipeline, when no error
		wantErr []string
	}{
		{"document", map[string]string{boot.EnvConfig: `{"onError":"allow","rules":[]}`}, nil, processor.PolicyAllow, nil},
		{"file", map[string]string{boot.EnvConfigFile: file}, nil, processor.PolicyAllow, nil},
		{"file and policy override", map[string]string{boot.EnvConfigFile: file, boot.EnvErrorPolicy: "deny"}, nil, processor.PolicyDeny, nil},
		{"both", map[string]string{boot.EnvConfigFile: file, boot.EnvConfig: "rules: []"}, nil, "", []string{"set CHIMEFLOW_CONFIG or CHIMEFLOW_CONFIG_FILE, not both"}},
		{"unknown rule", map[string]string{boot.EnvConfig: "rules: [{rule: nope}]"}, nil, "", []string{`$CHIMEFLOW_CONFIG:1:16: unknown rule "nope"`}},
		{"missing file", map[string]string{boot.EnvConfigFile: "/nonexistent/rules.yaml"}, nil, "", []string{"/nonexistent/rules.yaml"}},
		{"bad policy", map[string]string{boot.EnvErrorPolicy: "sometimes", boot.EnvConfig: "rules: []"}, nil, "", []string{"CHIMEFLOW_ERROR_POLICY", `"sometimes"`}},
		{"bundled default, its rule not imported", nil, nil, "", []string{errDefault.Error()}},
		{"default of the main", nil, []boot.Option{boot.WithDefaultConfig("team.yaml", []byte(allowAll))}, processor.PolicyAllow, nil},
		{"environment over the default of the main", map[string]string{boot.EnvConfig: "rules: []"},
			[]boot.Option{boot.WithDefaultConfig("team.yaml", []byte("rules: [{rule: nope}]"))}, processor.PolicyDeny, nil},
		{"bad default of the main", nil, []boot.Option{boot.WithDefaultConfig("team.yaml", []byte("rules: [{rule: nope}]"))}, "", []string{`team.yaml:1:16: unknown rule "nope"`}},
		{"router in code", map[string]string{boot.EnvErrorPolicy: "deny"}, []boot.Option{boot.WithRouter(mustParse(t, allowAll))}, processor.PolicyDeny, nil},
		{"router in code and config in the environment", map[string]string{boot.EnvConfig: "rules: []", boot.EnvConfigFile: file},
			[]boot.Option{boot.WithRouter(pipeline)}, "", []string{
				"CHIMEFLOW_CONFIG is set, but this processor's rules are chosen in code (boot.WithRouter): unset it",
				"CHIMEFLOW_CONFIG_FILE is set, but"}},
		{"router without SetErrorPolicy", map[string]string{boot.EnvErrorPolicy: "allow"}, []boot.Option{boot.WithRouter(pipeline)}, "",
			[]string{"CHIMEFLOW_ERROR_POLICY is set, but the router given to boot.WithRouter (*processor.Pipeline) has no SetErrorPolicy method"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := newHandler(t, append(tt.opts, env(tt.env))...)
			if tt.wantErr != nil {
				require.Error(t, err)
				for _, w := range tt.wantErr {
					assert.Contains(t, err.Error(), w)
				}
				return
			}
			require.NoError(t, err)
			p := h.Router().Route(&processortest.NewEvent("x").ChannelMessage)
			require.NotNil(t, p)
			assert.Equal(t, tt.policy, p.OnError)
		})
	}
}

func mustParse(t *testing.T, doc string) *rules.Config {
	cfg, err := rules.Parse([]byte(doc), "test.yaml")
	require.NoError(t, err)
	return cfg
}

func TestNewHandlerLogs(t *testing.T) {
	var buf bytes.Buffer
	h, err := newHandler(t, env(map[string]string{boot.EnvConfig: "rules: []", boot.EnvLogLevel: "WARN"}), boot.WithLogOutput(&buf))
	require.NoError(t, err)
	_, err = h.Handle(context.Background(), processortest.Payload(t, processortest.NewEvent("hi")))
	require.NoError(t, err)
	assert.Empty(t, buf.String(), "an answered message logs at info, below warn")
	_, err = h.Handle(context.Background(), []byte("{"))
	require.Error(t, err)
	assert.Contains(t, buf.String(), `"level":"error"`)
	assert.Contains(t, buf.String(), `"time":`)

	for _, bad := range []string{"chatty", "disabled"} {
		_, err = newHandler(t, env(map[string]string{boot.EnvConfig: "rules: []", boot.EnvLogLevel: bad}))
		assert.ErrorContains(t, err, "CHIMEFLOW_LOG_LEVEL: \""+bad+"\" is not one of debug, info, warn, error")
	}
}

func TestNewHandlerCallback(t *testing.T) {
	rec := &messagingtest.Recorder{}
	h, err := boot.NewHandler(env(map[string]string{boot.EnvConfig: "rules: []"}), boot.WithCallback(rec), boot.WithLogOutput(&bytes.Buffer{}))
	require.NoError(t, err)
	_, err = h.Handle(context.Background(), processortest.Payload(t, processortest.NewEvent("hi")))
	require.NoError(t, err)
	require.Len(t, rec.Calls(), 1)
	assert.Equal(t, "hi", rec.Calls()[0].ChannelMessage.Content)
}

func TestNewHandlerEveryProblem(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	// Rules, log level and credentials at once.
	_, err := boot.NewHandler(env(map[string]string{boot.EnvConfig: "rules: [{rule: nope}, {rule: nada}]", boot.EnvLogLevel: "chatty"}))
	require.Error(t, err)
	for _, want := range []string{`unknown rule "nope"`, `unknown rule "nada"`, "CHIMEFLOW_LOG_LEVEL", "AWS_ACCESS_KEY_ID", "AWS_REGION"} {
		assert.Contains(t, err.Error(), want)
	}

	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	h, err := boot.NewHandler(env(map[string]string{boot.EnvConfig: "rules: []"}))
	require.NoError(t, err)
	assert.NotNil(t, h, "the client signed with the environment's credentials")
}

// childEnv makes TestChild run one way of starting the runtime loop, in a
// process of its own, against a Runtime API stand-in.
const childEnv = "BOOT_TEST_CHILD"

type ctxKey struct{}

// probeHandler answers each invocation with what the process runs under:
// its GOMAXPROCS and a value the lambda options put in the context. It is a
// lambda.Handler, as *processor.Handler is.
type probeHandler struct{}

func (probeHandler) Invoke(ctx context.Context, _ []byte) ([]byte, error) {
	return json.Marshal(map[string]any{"gomaxprocs": runtime.GOMAXPROCS(0), "value": ctx.Value(ctxKey{})})
}

var probe probeHandler

func TestChild(t *testing.T) {
	switch os.Getenv(childEnv) {
	case "Start":
		boot.Start(probe, boot.WithLambdaOptions(lambda.WithContextValue(ctxKey{}, "passed through")))
	case "StartBuilding":
		boot.Start(probe, boot.WithRouter(processor.NewPipeline()), boot.WithLogOutput(os.Stderr))
	case "Main":
		boot.Main(boot.WithCallback(&messagingtest.Recorder{}))
	default:
		t.Skip("run by the tests that start a runtime loop")
	}
}

// child starts this test binary as TestChild with the given mode and
// environment, against rt.
func child(t *testing.T, rt *lambdatest.Runtime, mode string, extra ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$")
	cmd.Env = append(lambdatest.Env(rt.Addr(), ""), append(extra, childEnv+"="+mode)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, &out
}

func TestStart(t *testing.T) {
	for _, tt := range []struct {
		env  []string
		want float64
	}{
		{nil, 1},
		{[]string{"GOMAXPROCS=2"}, 2},
	} {
		t.Run(fmt.Sprint(tt.env), func(t *testing.T) {
			rt := lambdatest.NewRuntime()
			defer rt.Close()
			child(t, rt, "Start", tt.env...)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := rt.Invoke(ctx, []byte(`{}`), 5*time.Second)
			require.NoError(t, err)
			require.False(t, res.Error, string(res.Body))
			var got map[string]any
			require.NoError(t, json.Unmarshal(res.Body, &got))
			assert.Equal(t, tt.want, got["gomaxprocs"])
			assert.Equal(t, "passed through", got["value"], "WithLambdaOptions reaches lambda.StartWithOptions")
		})
	}
}

// TestRefuseToStart: a mistake in the options or the environment ends the
// process before it asks for an event, every problem on standard error.
func TestRefuseToStart(t *testing.T) {
	tests := []struct {
		mode string
		env  []string
		want []string
	}{
		{"StartBuilding", nil, []string{"boot.Start got WithRouter, WithLogOutput, which build a handler: pass them to boot.NewHandler or boot.Main"}},
		{"Main", []string{"CHIMEFLOW_CONFIG=rules: [{rule: nope}]", "CHIMEFLOW_LOG_LEVEL=loud"},
			[]string{`$CHIMEFLOW_CONFIG:1:16: unknown rule "nope"`, `CHIMEFLOW_LOG_LEVEL: "loud"`}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			rt := lambdatest.NewRuntime()
			defer rt.Close()
			cmd, out := child(t, rt, tt.mode, tt.env...)
			err := cmd.Wait()
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit, out.String())
			assert.Equal(t, 1, exit.ExitCode())
			assert.True(t, strings.HasPrefix(out.String(), "chimeflow: refusing to start: "), out.String())
			for _, w := range tt.want {
				assert.Contains(t, out.String(), w)
			}
			select {
			case <-rt.Polled():
				t.Error("the process asked for an event")
			default:
			}
		})
	}
}

// ExampleNewHandler builds the handler a team's own main would start, with
// its rules configuration chosen in code and the callbacks recorded.
func ExampleNewHandler() {
	rec := &messagingtest.Recorder{}
	h, err := boot.NewHandler(
		boot.WithDefaultConfig("team-rules.yaml", []byte("onError: deny\nrules: []\n")),
		boot.WithCallback(rec),
		boot.WithLogOutput(io.Discard),
		boot.WithGetenv(func(string) string { return "" }), // an empty environment
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = h.Handle(context.Background(), []byte(`{"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"0123456789abcdef0123456789abcdef",
		"ChannelMessage":{"MessageId":"m-1","Content":"hello",
		"ChannelArn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c"}}`))
	fmt.Println(err, len(rec.Calls()), rec.Calls()[0].ChannelMessage.Content)
	// Output: <nil> 1 hello
}

// TestNewHandlerObservability: the metrics are on by default, written with
// the log lines; the debug lines, their content and sampling, and the
// metrics and trail options come from the environment; bad values are
// refused, every one listed.
func TestNewHandlerObservability(t *testing.T) {
	var buf bytes.Buffer
	h, err := newHandler(t, env(map[string]string{boot.EnvConfig: "rules: []", "CHIMEFLOW_METRICS_NAMESPACE": "team/chat",
		boot.EnvLogLevel: "debug", boot.EnvLogContent: "true", boot.EnvLogDebugSample: "1"}), boot.WithLogOutput(&buf))
	require.NoError(t, err)
	_, err = h.Invoke(context.Background(), processortest.Payload(t, processortest.NewEvent("hello there")))
	require.NoError(t, err)
	out := buf.String()
	assert.Contains(t, out, `"Namespace":"team/chat"`, "the metrics, flushed by Invoke")
	assert.Contains(t, out, `"message":"message detail"`)
	assert.Contains(t, out, `"content":"hello there"`, "content in the debug line, as asked")
	assert.Contains(t, out, `"coldStart":true`)

	buf.Reset()
	h, err = newHandler(t, env(map[string]string{boot.EnvConfig: "rules: []", boot.EnvLogLevel: "debug"}), boot.WithLogOutput(&buf))
	require.NoError(t, err)
	_, err = h.Invoke(context.Background(), processortest.Payload(t, processortest.NewEvent("hello there")))
	require.NoError(t, err)
	assert.Contains(t, buf.String(), `"message":"message detail"`)
	assert.NotContains(t, buf.String(), "hello there", "no content unless asked")
	assert.Contains(t, buf.String(), `"Namespace":"chimeflow"`)

	_, err = newHandler(t, env(map[string]string{boot.EnvConfig: "rules: []", boot.EnvLogContent: "yes", boot.EnvLogDebugSample: "1.5",
		"CHIMEFLOW_METRICS_DIMENSIONS": "Pipeline,MessageId", "CHIMEFLOW_TRAIL_CONTENT": "true"}))
	require.Error(t, err)
	for _, want := range []string{"CHIMEFLOW_LOG_CONTENT", "CHIMEFLOW_LOG_DEBUG_SAMPLE", "CHIMEFLOW_METRICS_DIMENSIONS", "CHIMEFLOW_TRAIL_CONTENT=true needs CHIMEFLOW_TRAIL_BUS"} {
		assert.Contains(t, err.Error(), want)
	}
	_, err = newHandler(t, env(map[string]string{boot.EnvConfig: "rules: []", "CHIMEFLOW_METRICS_NAMESPACE": "AWS/Lambda"}))
	assert.ErrorContains(t, err, "AWS/ is reserved")
}

// TestNewHandlerTrail: with CHIMEFLOW_TRAIL_BUS the handler sends its
// decisions to that bus through an EventBridge client made from Lambda's
// environment (here moto's EventBridge, named by
// AWS_ENDPOINT_URL_EVENTBRIDGE); without credentials it refuses to start.
func TestNewHandlerTrail(t *testing.T) {
	endpoint := testenv.Moto(t)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv(boot.EnvEventBridgeEndpoint, endpoint)
	eb := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	ctx := context.Background()
	_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("decisions")})
	require.NoError(t, err)

	var buf bytes.Buffer
	denyAll := processor.NewPipeline(processor.Stage{Name: "no",
		Rule: processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) { return processor.Deny("no"), nil })})
	h, err := newHandler(t, env(map[string]string{"CHIMEFLOW_TRAIL_BUS": "decisions"}), boot.WithRouter(denyAll), boot.WithLogOutput(&buf),
		boot.WithTrail(ebsink.NewFromConfig))
	require.NoError(t, err)
	_, err = h.Invoke(ctx, processortest.Payload(t, processortest.NewEvent("buy spam")))
	require.NoError(t, err)
	require.NoError(t, h.Close(ctx))
	assert.Contains(t, buf.String(), `"trailSent":1`, buf.String())
	assert.Contains(t, buf.String(), `"trailFailures":0`)

	_, err = newHandler(t, env(map[string]string{boot.EnvConfig: "rules: []", "CHIMEFLOW_TRAIL_BUS": "bad bus"}), boot.WithTrail(ebsink.NewFromConfig))
	assert.ErrorContains(t, err, `CHIMEFLOW_TRAIL_BUS: trail: invalid options: bus "bad bus" is not an event bus name or ARN`)

	t.Setenv("AWS_ACCESS_KEY_ID", "")
	_, err = newHandler(t, env(map[string]string{boot.EnvConfig: "rules: []", "CHIMEFLOW_TRAIL_BUS": "decisions"}), boot.WithTrail(ebsink.NewFromConfig))
	assert.ErrorContains(t, err, "CHIMEFLOW_TRAIL_BUS is set: the environment lacks AWS_ACCESS_KEY_ID")
}

// sinkFunc is a trail.Sink of a function.
type sinkFunc func(context.Context, []trail.Entry) ([]trail.Result, error)

func (f sinkFunc) Put(ctx context.Context, entries []trail.Entry) ([]trail.Result, error) {
	return f(ctx, entries)
}

// TestWithTrail: the opener given to WithTrail is called only when
// CHIMEFLOW_TRAIL_BUS is set, with the bus and the AWS configuration of
// the environment, and its sink receives the decisions; without WithTrail
// the bus is refused at start-up, saying how to build with the trail, with
// every other problem; an opener's error stops the start.
func TestWithTrail(t *testing.T) {
	lambdaEnv := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
		boot.EnvEventBridgeEndpoint: "http://127.0.0.1:1"}
	with := func(m map[string]string) map[string]string {
		out := map[string]string{boot.EnvConfig: allowAll}
		for k, v := range lambdaEnv {
			out[k] = v
		}
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	var (
		mu      sync.Mutex
		opened  []string
		entries []trail.Entry
	)
	sink := sinkFunc(func(_ context.Context, es []trail.Entry) ([]trail.Result, error) {
		mu.Lock()
		defer mu.Unlock()
		entries = append(entries, es...)
		out := make([]trail.Result, len(es))
		for i := range out {
			out[i].EventID = "e"
		}
		return out, nil
	})
	open := func(cfg aws.Config, bus string) (sinkFunc, error) {
		mu.Lock()
		defer mu.Unlock()
		opened = append(opened, bus+" "+cfg.Region+" "+aws.ToString(cfg.BaseEndpoint))
		return sink, nil
	}

	_, err := newHandler(t, env(with(nil)), boot.WithTrail(open))
	require.NoError(t, err)
	assert.Empty(t, opened, "no bus: the opener is not called")

	denyAll := processor.NewPipeline(processor.Stage{Name: "no",
		Rule: processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) { return processor.Deny("no"), nil })})
	h, err := newHandler(t, env(with(map[string]string{boot.EnvConfig: "", trail.EnvBus: "decisions"})), boot.WithRouter(denyAll), boot.WithTrail(open),
		boot.WithLogOutput(io.Discard))
	require.NoError(t, err)
	assert.Equal(t, []string{"decisions eu-west-1 http://127.0.0.1:1"}, opened)
	assert.True(t, h.NeedsClose())
	_, err = h.Invoke(context.Background(), processortest.Payload(t, processortest.NewEvent("buy spam")))
	require.NoError(t, err)
	require.NoError(t, h.Close(context.Background()))
	mu.Lock()
	require.Len(t, entries, 1)
	assert.Contains(t, entries[0].Detail, `"action":"DENY"`)
	mu.Unlock()

	// No WithTrail: refused, with the other problems.
	_, err = newHandler(t, env(with(map[string]string{trail.EnvBus: "decisions", boot.EnvLogLevel: "loud"})))
	require.ErrorIs(t, err, boot.ErrTrailNotLinked)
	assert.ErrorContains(t, err, "CHIMEFLOW_TRAIL_BUS is set: the decision trail's EventBridge sink is not linked into this program")
	assert.ErrorContains(t, err, "chimeflow_notrail")
	assert.ErrorContains(t, err, "boot.WithTrail(ebsink.NewFromConfig)")
	assert.ErrorContains(t, err, boot.EnvLogLevel)

	failing := func(aws.Config, string) (trail.Sink, error) { return nil, errors.New("no sink today") }
	_, err = newHandler(t, env(with(map[string]string{trail.EnvBus: "decisions"})), boot.WithTrail(failing))
	assert.ErrorContains(t, err, "CHIMEFLOW_TRAIL_BUS: no sink today")
}

// TestNewHandlerRulesCounters: the metrics count the reloads of the rules
// (a new version of the file, checked every second), read from the live
// router at each flush.
func TestNewHandlerRulesCounters(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(file, []byte("rules: []\n"), 0o644))
	// The reload logs from its own goroutine: a buffer safe for that, as
	// standard output is.
	buf := &syncBuffer{}
	h, err := newHandler(t, env(map[string]string{boot.EnvConfigFile: file, boot.EnvConfigReload: "1s"}), boot.WithLogOutput(buf))
	require.NoError(t, err)
	invoke := func() {
		_, err := h.Invoke(context.Background(), processortest.Payload(t, processortest.NewEvent("hi")))
		require.NoError(t, err)
	}
	invoke()
	require.NoError(t, os.WriteFile(file, []byte("onError: allow\nrules: []\n"), 0o644))
	require.Eventually(t, func() bool {
		invoke() // a check starts at an invocation once the interval has passed
		return strings.Contains(buf.String(), `"RulesReloads":1`)
	}, 10*time.Second, 200*time.Millisecond, buf.String())
	assert.Contains(t, buf.String(), `"message":"rules reloaded"`)
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
