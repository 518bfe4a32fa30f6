package processor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/emfspec"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/metrics"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/processor/trail"
)

// every dimension the handler can be configured with.
var allDimensions = []metrics.Dimension{metrics.DimPipeline, metrics.DimOutcome, metrics.DimRule}

// sums adds up the data points CloudWatch would extract, by metric name
// and dimension set: key "Name" for the set without dimensions,
// "Name|Rule=x" or "Name|ErrorKind=Panic" for one dimension,
// "Name|Pipeline=p|Rule=x" for two (names in order).
type sums map[string]float64

func sumDatums(ds []emfspec.Datum) sums {
	s := sums{}
	for _, d := range ds {
		keys := make([]string, 0, len(d.Dimensions))
		for k := range d.Dimensions {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		key := d.Name
		for _, k := range keys {
			key += "|" + k + "=" + d.Dimensions[k]
		}
		for _, v := range d.Values {
			s[key] += v
		}
	}
	return s
}

// checkEMF checks every document of out against the specification and
// returns the sums of what CloudWatch would extract.
func checkEMF(t *testing.T, out []byte) sums {
	t.Helper()
	ds, err := emfspec.CheckStream(bytes.NewReader(out), emfspec.Options{Now: time.Now()})
	require.NoError(t, err)
	return sumDatums(ds)
}

// expected adds up, from the handler's results, what the metrics must say.
func expected(results []processor.Result) sums {
	s := sums{}
	for _, r := range results {
		o := &r.Outcome
		s[metrics.Messages]++
		s[map[processor.Action]string{processor.ActionAllow: metrics.Allowed, processor.ActionRewrite: metrics.Rewritten,
			processor.ActionDeny: metrics.Denied, processor.ActionError: metrics.Errored}[o.Action]]++
		s["Outcome="+string(o.Action)]++
		for i, rule := range o.Rules {
			s[metrics.RuleActions+"|Rule="+rule]++
			if o.Action == processor.ActionDeny && i == len(o.Rules)-1 {
				s[metrics.RuleDenials+"|Rule="+rule]++
			}
		}
		for _, re := range o.Errors {
			s[metrics.RuleErrors]++
			s[metrics.RuleErrors+"|Rule="+re.Rule]++
			s[metrics.RuleErrors+"|ErrorKind="+string(processor.ErrorKind(re.Err))]++
		}
		for _, d := range o.DryRun {
			s[metrics.DryRunHits]++
			name := map[processor.Action]string{processor.ActionDeny: metrics.DryRunDenials, processor.ActionRewrite: metrics.DryRunRewrites}[d.Would]
			if name == "" {
				name = metrics.DryRunErrors
			}
			s[name+"|Rule="+d.Rule]++
		}
		if r.Duplicate {
			s[metrics.DuplicatesAbsorbed]++
		}
		if r.Refusal != "" {
			s[metrics.CallbackRefusals]++
			s[metrics.CallbackRefusals+"|Code="+r.Refusal]++
		}
		if r.ColdStart {
			s[metrics.ColdStart]++
		}
		s[metrics.CallbackRetriesThrottle] += float64(r.Calls.RetriesThrottle)
		s[metrics.CallbackRetriesServerError] += float64(r.Calls.RetriesServerError)
		s[metrics.CallbackRetriesNetwork] += float64(r.Calls.RetriesNetwork)
	}
	return s
}

// assertAddsUp compares the metrics with the results they report.
func assertAddsUp(t *testing.T, got sums, results []processor.Result) {
	t.Helper()
	want := expected(results)
	for key, n := range want {
		if outcome, ok := strings.CutPrefix(key, "Outcome="); ok {
			byOutcome := 0.0
			for k, v := range got {
				if strings.HasPrefix(k, metrics.Messages+"|") && strings.Contains(k+"|", "|Outcome="+outcome+"|") {
					byOutcome += v
				}
			}
			assert.Equal(t, n, byOutcome, "Messages by Outcome %s", outcome)
			continue
		}
		assert.Equal(t, n, got[key], key)
	}
	// Nothing counted that did not happen.
	for key, n := range got {
		name, dims, _ := strings.Cut(key, "|")
		switch {
		case n == 0, strings.Contains(dims, "Pipeline="), strings.HasPrefix(dims, "Outcome="),
			name == metrics.PipelineDuration, name == metrics.CallbackDuration:
			continue
		}
		assert.Equal(t, want[key], n, "%s counted, but not in the results", key)
	}
	assert.Equal(t, float64(len(results)), got[metrics.Messages])
}

// TestMetricsOfEveryFixture runs every bundled fixture (valid, repaired and
// malformed) under every bundled configuration: every document the
// handler's metrics write is valid EMF, and they add up to the outcomes:
// by outcome, per rule, per dry-run rule, per error kind; once flushed
// per message as Invoke does, once aggregated over all of them.
func TestMetricsOfEveryFixture(t *testing.T) {
	files := eventFiles(t)
	for cfgName, load := range bundledConfigs(t) {
		for _, perMessage := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/per-message=%v", cfgName, perMessage), func(t *testing.T) {
				cfg, err := load()
				require.NoError(t, err)
				var out bytes.Buffer
				em, err := metrics.New(&out, metrics.Options{Dimensions: allDimensions})
				require.NoError(t, err)
				h, err := processor.NewHandler(cfg, &messagingtest.Recorder{}, processor.WithMetrics(em))
				require.NoError(t, err)
				var results []processor.Result
				outcomes := map[processor.Action]int{}
				for _, payload := range files {
					res, _ := h.Handle(context.Background(), payload)
					results = append(results, res)
					outcomes[res.Outcome.Action]++
					if perMessage {
						require.NoError(t, h.Flush(context.Background()))
					}
				}
				require.NoError(t, h.Flush(context.Background()))
				got := checkEMF(t, out.Bytes())
				assertAddsUp(t, got, results)
				assert.Equal(t, float64(outcomes[processor.ActionDeny]), got[metrics.Denied])
				assert.Equal(t, 1.0, got[metrics.ColdStart], "one cold start: the first message")
				for _, a := range []processor.Action{processor.ActionAllow, processor.ActionRewrite, processor.ActionError} {
					assert.Positive(t, outcomes[a], "the fixtures give a %s", a)
				}
			})
		}
	}
}

// Rules that fail in each way the metrics tell apart.
var (
	overLimit = processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		m.Metadata = strings.Repeat("m", 1025)
		return processor.Continue, nil
	})
	outOfTime = processor.RuleFunc(func(ctx context.Context, _ *processor.Message) (processor.Verdict, error) {
		ctx, cancel := context.WithTimeout(ctx, time.Nanosecond)
		defer cancel()
		<-ctx.Done()
		return processor.Continue, fmt.Errorf("classifier: %w", ctx.Err())
	})
)

// TestMetricsOfEveryOutcome drives the handler through what the fixtures
// cannot: rule errors of every kind under both policies, dry-run hits of
// every kind, callbacks throttled, failed on the server and on the
// network and then accepted, refused, and duplicates, against the
// model-checking Chime stand-in. Each run's metrics are valid EMF and add
// up to the results, and each result carries what the stand-in did.
func TestMetricsOfEveryOutcome(t *testing.T) {
	chime := messagingtest.NewServer(messagingtest.Config{})
	defer chime.Close()
	var out bytes.Buffer
	em, err := metrics.New(&out, metrics.Options{Dimensions: allDimensions})
	require.NoError(t, err)
	pipeline := processor.NewPipeline(
		processor.Stage{Name: "panics", Rule: panicking, OnError: processor.PolicyAllow},
		processor.Stage{Name: "over-limit", Rule: overLimit, OnError: processor.PolicyAllow},
		processor.Stage{Name: "out-of-time", Rule: outOfTime, OnError: processor.PolicyAllow},
		processor.Stage{Name: "fails", Rule: failing, OnError: processor.PolicyAllow},
		processor.Stage{Name: "would-deny", Rule: deny, DryRun: true},
		processor.Stage{Name: "would-rewrite", Rule: replace("darn", "****"), DryRun: true},
		processor.Stage{Name: "would-fail", Rule: failing, DryRun: true},
		processor.Stage{Name: "masks", Rule: replace("heck", "****")},
		processor.Stage{Name: "denies", Rule: processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
			if strings.Contains(m.Content, "deny me") {
				return processor.Deny("asked to"), nil
			}
			return processor.Continue, nil
		})},
	)
	h, err := processor.NewHandler(pipeline, chime.Client(func(o *messaging.Options) { o.MaxBackoff = time.Millisecond }), processor.WithMetrics(em))
	require.NoError(t, err)

	type delivery struct {
		content string
		faults  []messagingtest.Fault
		twice   bool // delivered again after it was answered: a duplicate
		pending bool // not registered as pending: refused with no duplicate to confirm
	}
	deliveries := []delivery{
		{content: "darn, heck"},
		{content: "deny me", faults: []messagingtest.Fault{messagingtest.Throttle(), messagingtest.Throttle()}},
		{content: "plain", faults: []messagingtest.Fault{messagingtest.ServerError(), messagingtest.UnavailableHTML(), messagingtest.Reset()}},
		{content: "again", twice: true},
		{content: "refused", faults: []messagingtest.Fault{messagingtest.AccessDenied()}},
		{content: "conflict", faults: []messagingtest.Fault{messagingtest.Refuse(messagingtest.RefuseConflict)}},
	}
	var results []processor.Result
	for i, d := range deliveries {
		ev := processortest.NewEvent(d.content, processortest.WithIDs(fmt.Sprintf("c0ffee%02d-aaaa-bbbb-cccc-0123456789ab", i), fmt.Sprintf("msg-%d", i)))
		cm := &ev.ChannelMessage
		require.NoError(t, chime.AddMessage(messagingtest.Message{ChannelArn: cm.ChannelArn, MessageID: cm.MessageID, CallbackID: ev.CallbackID, SenderArn: cm.Sender.Arn}))
		chime.InjectCallback(ev.CallbackID, d.faults...)
		for range map[bool]int{false: 1, true: 2}[d.twice] {
			res, _ := h.Handle(context.Background(), processortest.Payload(t, ev))
			results = append(results, res)
		}
	}
	require.NoError(t, h.Flush(context.Background()))
	got := checkEMF(t, out.Bytes())
	assertAddsUp(t, got, results)

	// What the stand-in did, in the results the metrics add up.
	first := results[0]
	assert.Equal(t, processor.ActionRewrite, first.Outcome.Action)
	assert.True(t, first.ColdStart)
	kinds := map[string]metrics.ErrorKind{}
	for _, re := range first.Outcome.Errors {
		kinds[re.Rule] = processor.ErrorKind(re.Err)
	}
	assert.Equal(t, map[string]metrics.ErrorKind{"panics": metrics.ErrorKindPanic, "over-limit": metrics.ErrorKindLimit,
		"out-of-time": metrics.ErrorKindTimeout, "fails": metrics.ErrorKindFailure}, kinds)
	for _, kind := range []metrics.ErrorKind{metrics.ErrorKindPanic, metrics.ErrorKindLimit, metrics.ErrorKindTimeout, metrics.ErrorKindFailure} {
		assert.Equal(t, float64(len(deliveries)+1), got[metrics.RuleErrors+"|ErrorKind="+string(kind)], "every delivery ran the failing rules: %s", kind)
	}
	assert.Equal(t, messaging.CallStats{Attempts: 3, RetriesThrottle: 2}, results[1].Calls)
	assert.Equal(t, messaging.CallStats{Attempts: 4, RetriesServerError: 2, RetriesNetwork: 1}, results[2].Calls)
	assert.False(t, results[3].Duplicate)
	assert.True(t, results[4].Duplicate, "the second delivery of an answered message")
	assert.Equal(t, "AccessDeniedException", results[5].Refusal)
	assert.Equal(t, "ConflictException", results[6].Refusal, "a 409 for a message still pending is a refusal")
	assert.Equal(t, 2.0, got[metrics.CallbackRetriesThrottle])
	assert.Equal(t, 2.0, got[metrics.CallbackRetriesServerError])
	assert.Equal(t, 1.0, got[metrics.CallbackRetriesNetwork])
	assert.Equal(t, 1.0, got[metrics.DuplicatesAbsorbed])
	assert.Equal(t, 1.0, got[metrics.CallbackRefusals+"|Code="+metrics.RefusalConflict])
	assert.Equal(t, 2.0, got[metrics.Errored], "the two refusals are errors")
	assert.Positive(t, first.PipelineDuration)
	assert.Positive(t, first.CallbackDuration)
	assert.Zero(t, chime.Nonconforming(), "%q", chime.Problems())
}

// TestTrailRecords: the trail gets one record per DENY and REWRITE and one
// FLAG per dry-run hit, after the callback; none for an ALLOW without a
// hit, an event not answered or a duplicate; content only when enabled.
func TestTrailRecords(t *testing.T) {
	api := eventBridge(t, "records")
	chime := messagingtest.NewServer(messagingtest.Config{})
	defer chime.Close()
	pipeline := processor.NewPipeline(
		processor.Stage{Name: "watch", Rule: deny, DryRun: true},
		processor.Stage{Name: "mask", Rule: replace("heck", "****")},
		processor.Stage{Name: "block", Rule: processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
			if strings.Contains(m.Content, "block") {
				return processor.Deny("blocked word"), nil
			}
			return processor.Continue, nil
		})},
	)
	for _, content := range []bool{false, true} {
		t.Run(fmt.Sprintf("content=%v", content), func(t *testing.T) {
			cp := &capture{next: api}
			tr, err := newTrail(t, cp, trail.Options{Bus: "records", IncludeContent: content, Timeout: time.Minute})
			require.NoError(t, err)
			defer tr.Close(context.Background())
			h, err := processor.NewHandler(pipeline, chime.Client(), processor.WithTrail(tr))
			require.NoError(t, err)
			type want struct{ action, would, rule, reason string }
			tests := []struct {
				name    string
				content string
				twice   bool
				want    []want
			}{
				{"rewrite", "oh heck", false, []want{{"REWRITE", "", "mask", ""}, {"FLAG", "DENY", "watch", "no"}}},
				{"deny", "block this", false, []want{{"DENY", "", "block", "blocked word"}, {"FLAG", "DENY", "watch", "no"}}},
				{"duplicate sends nothing more", "block again", true, []want{{"DENY", "", "block", "blocked word"}, {"FLAG", "DENY", "watch", "no"}}},
			}
			for i, tt := range tests {
				ev := processortest.NewEvent(tt.content, processortest.WithIDs(fmt.Sprintf("c0ffee%02d-aaaa-bbbb-cccc-%012d", i, map[bool]int{false: 0, true: 1}[content]), fmt.Sprintf("msg-%d-%v", i, content)))
				cm := &ev.ChannelMessage
				require.NoError(t, chime.AddMessage(messagingtest.Message{ChannelArn: cm.ChannelArn, MessageID: cm.MessageID, CallbackID: ev.CallbackID, SenderArn: cm.Sender.Arn}))
				for range map[bool]int{false: 1, true: 2}[tt.twice] {
					_, err := h.Invoke(context.Background(), processortest.Payload(t, ev))
					require.NoError(t, err)
				}
				var got []want
				for _, d := range cp.details() {
					var e trail.Event
					require.NoError(t, json.Unmarshal([]byte(d), &e))
					assert.Equal(t, cm.MessageID, e.MessageID)
					assert.Equal(t, ev.CallbackID, e.CallbackID)
					assert.Equal(t, cm.Sender.Arn, e.SenderArn)
					assert.Equal(t, "default", e.Pipeline)
					assert.False(t, e.DecidedAt.IsZero())
					if content {
						require.NotNil(t, e.Content, d)
						assert.Equal(t, tt.content, e.Content.Original)
						if e.Action == trail.ActionRewrite {
							assert.Equal(t, "oh ****", e.Content.Rewritten)
							assert.Equal(t, []string{"Content"}, e.Changed)
						}
					} else {
						assert.Nil(t, e.Content, d)
						assert.NotContains(t, d, tt.content)
					}
					require.Len(t, e.Rules, 1)
					got = append(got, want{e.Action, e.Would, e.Rules[0], e.Reason})
				}
				assert.ElementsMatch(t, tt.want, got, tt.name)
			}
			// An ALLOW without a dry-run hit and an event not answered
			// send nothing.
			quiet, err := processor.NewHandler(processor.NewPipeline(processor.Stage{Name: "mask", Rule: replace("heck", "****")}), chime.Client(), processor.WithTrail(tr))
			require.NoError(t, err)
			_, err = quiet.Invoke(context.Background(), processortest.Payload(t, processortest.NewEvent("fine", processortest.WithIDs(fmt.Sprintf("c0ffee99-aaaa-bbbb-cccc-%012d", map[bool]int{false: 0, true: 1}[content]), "msg-fine-"+fmt.Sprint(content)))))
			require.NoError(t, err)
			_, err = h.Invoke(context.Background(), []byte(`{"EventType":`))
			require.Error(t, err)
			assert.Empty(t, cp.details())
			assert.Zero(t, tr.Failures())
		})
	}
}

// stalled is an EventBridge that never answers until released.
type stalled struct{ release chan struct{} }

func (s stalled) PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	select {
	case <-s.release:
		return acceptAll(in), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestInvokeFlushKeepsTheDeadline: with a trail that does not answer,
// Invoke returns before the invocation's deadline less TrailFlushMargin,
// with the message answered, the metrics flushed, and a warning; the
// event is delivered later (here, at Close).
func TestInvokeFlushKeepsTheDeadline(t *testing.T) {
	st := stalled{release: make(chan struct{})}
	tr, err := newTrail(t, st, trail.Options{Bus: "slow", Timeout: time.Minute})
	require.NoError(t, err)
	var out, logs bytes.Buffer
	em, err := metrics.New(&out, metrics.Options{})
	require.NoError(t, err)
	rec := &messagingtest.Recorder{}
	h, err := processor.NewHandler(processor.NewPipeline(processor.Stage{Name: "d", Rule: deny}), rec,
		processor.WithTrail(tr), processor.WithMetrics(em), processor.WithLogger(zerolog.New(&logs).Level(zerolog.InfoLevel)))
	require.NoError(t, err)

	budget := 1500 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	deadline, _ := ctx.Deadline()
	_, err = h.Invoke(ctx, processortest.Payload(t, processortest.NewEvent("x")))
	require.NoError(t, err)
	assert.True(t, time.Now().Before(deadline), "Invoke returned after its deadline")
	assert.Equal(t, 1, rec.Len())
	got := checkEMF(t, out.Bytes())
	assert.Equal(t, 1.0, got[metrics.Denied], "the metrics were flushed all the same")
	assert.Contains(t, logs.String(), `"level":"warn"`)
	assert.Contains(t, logs.String(), "decision trail")
	assert.Zero(t, tr.Sent())

	// Less than the margin left: no wait at all.
	short, cancel2 := context.WithTimeout(context.Background(), processor.TrailFlushMargin/2)
	defer cancel2()
	assert.ErrorContains(t, h.Flush(short), "less than the margin")

	close(st.release)
	require.NoError(t, h.Close(context.Background()))
	assert.Equal(t, uint64(1), tr.Sent(), "delivered at Close")
	assert.Contains(t, logs.String(), "shut down")
}

// TestLogFields: the line of each message names the request, the
// function's ARN and version, the trace and whether it was a cold start.
func TestLogFields(t *testing.T) {
	was := lambdacontext.FunctionVersion
	lambdacontext.FunctionVersion = "7"
	defer func() { lambdacontext.FunctionVersion = was }()
	var logs bytes.Buffer
	h, err := processor.NewHandler(processor.NewPipeline(), &messagingtest.Recorder{}, processor.WithLogger(zerolog.New(&logs).Level(zerolog.InfoLevel)))
	require.NoError(t, err)
	const arn = "arn:aws:lambda:us-east-1:111122223333:function:chimeflow-processor:live"
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "req-1", InvokedFunctionArn: arn})
	//nolint:staticcheck // the key aws-lambda-go uses
	ctx = context.WithValue(ctx, "x-amzn-trace-id", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1")
	for range 2 {
		_, err = h.Handle(ctx, processortest.Payload(t, processortest.NewEvent("hi")))
		require.NoError(t, err)
	}
	t.Setenv("_X_AMZN_TRACE_ID", "Root=1-from-the-environment")
	_, err = h.Handle(context.Background(), processortest.Payload(t, processortest.NewEvent("hi")))
	require.NoError(t, err)

	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 3)
	var l []map[string]any
	for _, line := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m))
		l = append(l, m)
	}
	assert.Equal(t, "req-1", l[0]["requestId"])
	assert.Equal(t, arn, l[0]["functionArn"])
	assert.Equal(t, "7", l[0]["functionVersion"])
	assert.Equal(t, "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1", l[0]["traceId"])
	assert.Equal(t, true, l[0]["coldStart"])
	assert.Equal(t, false, l[1]["coldStart"])
	assert.Equal(t, "Root=1-from-the-environment", l[2]["traceId"], "outside an invocation's context, the environment's")
	assert.NotContains(t, l[2], "functionArn")
}

// versionedRouter names the version of its rules.
type versionedRouter struct{ *processor.Pipeline }

func (versionedRouter) Version() string { return "v42" }

// TestRulesVersion: the version of the rules that decided is in the log
// line, the metrics document and the trail record: the pipeline's when it
// has one, else the one the router names.
func TestRulesVersion(t *testing.T) {
	for _, tt := range []struct {
		name, pipelineVersion, want string
	}{
		{"router's", "", "v42"},
		{"pipeline's", "ssm:7", "ssm:7"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var logs, out bytes.Buffer
			em, err := metrics.New(&out, metrics.Options{})
			require.NoError(t, err)
			cp := &capture{}
			tr, err := newTrail(t, cp, trail.Options{Bus: "b"})
			require.NoError(t, err)
			defer tr.Close(context.Background())
			p := processor.NewPipeline(processor.Stage{Name: "d", Rule: deny})
			p.Version = tt.pipelineVersion
			h, err := processor.NewHandler(versionedRouter{p}, &messagingtest.Recorder{},
				processor.WithLogger(zerolog.New(&logs).Level(zerolog.InfoLevel)), processor.WithMetrics(em), processor.WithTrail(tr))
			require.NoError(t, err)
			_, err = h.Invoke(context.Background(), processortest.Payload(t, processortest.NewEvent("hi")))
			require.NoError(t, err)
			want := `"rulesVersion":"` + tt.want + `"`
			assert.Equal(t, 1, strings.Count(logs.String(), want), logs.String())
			assert.Contains(t, out.String(), want)
			details := cp.details()
			require.Len(t, details, 1)
			assert.Contains(t, details[0], want)
		})
	}
}

// TestDebugLines: debug lines go to a debug-level logger only, for the
// sampled fraction of messages (the same messages every time), with what
// the sender wrote only under WithLogContent.
func TestDebugLines(t *testing.T) {
	ids := make([]string, 400)
	for i := range ids {
		ids[i] = fmt.Sprintf("msg-%04d", i)
	}
	run := func(level zerolog.Level, opts ...processor.HandlerOption) (sampled map[string]bool, debug []string) {
		var logs bytes.Buffer
		h, err := processor.NewHandler(processor.NewPipeline(processor.Stage{Name: "r", Rule: replace("secret", "******")}), &messagingtest.Recorder{},
			append(opts, processor.WithLogger(zerolog.New(&logs).Level(level)))...)
		require.NoError(t, err)
		for _, id := range ids {
			ev := processortest.NewEvent("my secret words", processortest.WithIDs("00000000-1111-2222-3333-444444444444", id),
				processortest.WithPush("a title", "a secret body"), processortest.WithAttribute("topic", "launch"), processortest.WithMetadata(`{"k":"mdvalue"}`))
			_, err := h.Handle(context.Background(), processortest.Payload(t, ev))
			require.NoError(t, err)
		}
		sampled = map[string]bool{}
		for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
			var l struct{ Level, MessageId string }
			require.NoError(t, json.Unmarshal([]byte(line), &l))
			if l.Level == "debug" {
				sampled[l.MessageId] = true
				debug = append(debug, line)
			}
		}
		return sampled, debug
	}

	all, debug := run(zerolog.DebugLevel)
	assert.Len(t, all, len(ids), "by default every message")
	for _, line := range debug {
		assert.NotContains(t, line, "secret")
		assert.NotContains(t, line, "mdvalue")
		assert.NotContains(t, line, "launch")
		assert.Contains(t, line, `"received":{"contentBytes":15,"metadataBytes":15,"push":true,"attributes":1}`)
	}
	none, _ := run(zerolog.InfoLevel, processor.WithLogContent(true))
	assert.Empty(t, none, "an info-level logger writes no debug line")
	zero, _ := run(zerolog.DebugLevel, processor.WithDebugSample(0))
	assert.Empty(t, zero)

	tenth, _ := run(zerolog.DebugLevel, processor.WithDebugSample(0.1))
	again, _ := run(zerolog.DebugLevel, processor.WithDebugSample(0.1))
	assert.Equal(t, tenth, again, "the same messages each time")
	assert.InDelta(t, 40, len(tenth), 20, "about a tenth of 400")
	half, _ := run(zerolog.DebugLevel, processor.WithDebugSample(0.5))
	for id := range tenth {
		assert.True(t, half[id], "a message sampled at 0.1 is sampled at 0.5: %s", id)
	}

	_, debug = run(zerolog.DebugLevel, processor.WithLogContent(true), processor.WithDebugSample(0.05))
	require.NotEmpty(t, debug)
	var l map[string]any
	require.NoError(t, json.Unmarshal([]byte(debug[0]), &l))
	assert.Equal(t, map[string]any{"content": "my secret words", "metadata": `{"k":"mdvalue"}`, "pushTitle": "a title", "pushBody": "a secret body",
		"attributes": map[string]any{"topic": []any{"launch"}}, "senderName": "Alice", "contentType": ""}, l["sent"])
	assert.Equal(t, "my ****** words", l["delivered"].(map[string]any)["content"])
}

// TestFlushWithoutObservers: a handler without metrics or trail flushes
// and closes without error, and writes nothing.
func TestFlushWithoutObservers(t *testing.T) {
	h, err := processor.NewHandler(processor.NewPipeline(), &messagingtest.Recorder{})
	require.NoError(t, err)
	assert.NoError(t, h.Flush(context.Background()))
	assert.NoError(t, h.Close(context.Background()))
}
