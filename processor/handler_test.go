package processor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/processor/replay"
)

// fixtures returns the payloads of the bundled valid events, leaving out
// the malformed (bad-*) ones and those Decode repairs (repair-*).
func fixtures(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("../testdata/events/*.json")
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, p := range paths {
		if replay.IsGolden(p) || strings.HasPrefix(filepath.Base(p), "bad-") || strings.HasPrefix(filepath.Base(p), "repair-") {
			continue
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out[filepath.Base(p)] = b
	}
	require.GreaterOrEqual(t, len(out), 20, "at least 20 valid fixtures")
	return out
}

func TestHandlerAllowEverythingEchoesTheMessage(t *testing.T) {
	for name, payload := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			h, rec := processortest.NewHandler(processor.NewPipeline(processor.Stage{Name: "noop", Rule: allow}))
			res, err := h.Handle(context.Background(), payload)
			require.NoError(t, err)
			calls := rec.Calls()
			require.Len(t, calls, 1)
			in := calls[0]
			cm := res.Event.ChannelMessage
			assert.Equal(t, processor.ActionAllow, res.Outcome.Action)
			assert.False(t, in.DeleteResource)
			assert.Equal(t, res.Event.CallbackID, in.CallbackID)
			assert.Equal(t, cm.ChannelArn, in.ChannelArn)
			assert.Equal(t, &messaging.ChannelMessageCallback{
				MessageID: cm.MessageID, Content: cm.Content, Metadata: cm.Metadata, SubChannelID: cm.SubChannelID,
				ContentType: cm.ContentType, PushNotification: cm.PushNotification, MessageAttributes: cm.MessageAttributes,
			}, in.ChannelMessage)
		})
	}
}

func TestHandlerMalformedGetsErrorAndNoCallback(t *testing.T) {
	paths, err := filepath.Glob("../testdata/events/bad-*.json")
	require.NoError(t, err)
	msgs := map[string]string{}
	for _, p := range paths {
		if replay.IsGolden(p) {
			continue
		}
		payload, err := os.ReadFile(p)
		require.NoError(t, err)
		h, rec := processortest.NewHandler(processor.NewPipeline())
		res, err := h.Handle(context.Background(), payload)
		require.Error(t, err, p)
		assert.ErrorIs(t, err, processor.ErrInvalidEvent, p)
		assert.Empty(t, rec.Calls(), p)
		assert.Equal(t, processor.ActionError, res.Outcome.Action)
		_, err = h.Invoke(context.Background(), payload)
		assert.Error(t, err, "Invoke returns the error so Lambda retries and dead-letters")
		msgs[filepath.Base(p)] = err.Error()
	}
	require.GreaterOrEqual(t, len(msgs), 30, "at least 30 malformed fixtures")
	// Each malformed fixture gets its own message.
	seen := map[string]string{}
	for name, msg := range msgs {
		if other, dup := seen[msg]; dup && !strings.Contains(name, "whitespace") && !strings.Contains(other, "whitespace") {
			t.Errorf("%s and %s share the error %q", name, other, msg)
		}
		seen[msg] = name
	}
}

// TestHandlerRepairedFixturesAreRewrites: every repair-* fixture is
// answered with one valid callback, as a REWRITE whose reason lists the
// repairs, with no rule acting.
func TestHandlerRepairedFixturesAreRewrites(t *testing.T) {
	paths, err := filepath.Glob("../testdata/events/repair-*.json")
	require.NoError(t, err)
	n := 0
	for _, p := range paths {
		if replay.IsGolden(p) {
			continue
		}
		n++
		payload, err := os.ReadFile(p)
		require.NoError(t, err)
		h, rec := processortest.NewHandler(processor.NewPipeline(processor.Stage{Name: "noop", Rule: allow}))
		res, err := h.Handle(context.Background(), payload)
		require.NoError(t, err, p)
		assert.Equal(t, processor.ActionRewrite, res.Outcome.Action, p)
		assert.Empty(t, res.Outcome.Rules, p)
		assert.True(t, strings.HasPrefix(res.Outcome.Reason, "repaired "), p)
		require.Len(t, rec.Calls(), 1, p)
		assert.NoError(t, rec.Calls()[0].Validate(), p)
	}
	assert.GreaterOrEqual(t, n, 5)
}

// TestHandlerCallbackResults runs the handler against the model- and
// signature-checked Chime stand-in: what is a duplicate (a refusal that
// might mean "already answered", confirmed by the message's status) and
// what is a failure that Lambda must retry.
func TestHandlerCallbackResults(t *testing.T) {
	deny := processor.NewPipeline(processor.Stage{Name: "deny", Rule: processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) {
		return processor.Deny("denied"), nil
	})})
	tests := []struct {
		name      string
		pipeline  *processor.Pipeline
		refusal   messagingtest.Refusal // how the stand-in refuses a second callback
		twice     bool                  // deliver the event twice: the second is refused
		faults    []messagingtest.Fault // faults for the (first) delivery's callback
		wantErr   error                 // nil when the last delivery is done
		duplicate bool                  // the last delivery ends as a duplicate
		callbacks int                   // ChannelFlowCallback requests in all
	}{
		{name: "accepted", callbacks: 1},
		{name: "409 for an answered message is a duplicate", refusal: messagingtest.RefuseConflict, twice: true, duplicate: true, callbacks: 2},
		{name: "400 non-pending for an answered message is a duplicate", refusal: messagingtest.RefuseNonPending, twice: true, duplicate: true, callbacks: 2},
		{name: "generic 403 for an answered message is a duplicate", refusal: messagingtest.RefuseForbidden, twice: true, duplicate: true, callbacks: 2},
		{name: "generic 403 for a denied message is a duplicate", pipeline: deny, refusal: messagingtest.RefuseForbidden, twice: true, duplicate: true, callbacks: 2},
		{name: "409 for a pending message is a failure", faults: []messagingtest.Fault{messagingtest.Refuse(messagingtest.RefuseConflict)}, wantErr: messaging.ErrStillPending, callbacks: 1},
		{name: "400 non-pending for a pending message is a failure", faults: []messagingtest.Fault{messagingtest.Refuse(messagingtest.RefuseNonPending)}, wantErr: messaging.ErrStillPending, callbacks: 1},
		{name: "generic 403 for a pending message is a failure", faults: []messagingtest.Fault{messagingtest.Refuse(messagingtest.RefuseForbidden)}, wantErr: messaging.ErrStillPending, callbacks: 1},
		{name: "IAM denial is a failure, not asked about", faults: []messagingtest.Fault{messagingtest.AccessDenied()}, wantErr: processor.ErrCallback, callbacks: 1},
		{name: "400 about a field is a failure, not retried", faults: []messagingtest.Fault{{Status: 400, Code: "BadRequestException", Message: "Invalid content"}}, wantErr: processor.ErrCallback, callbacks: 1},
		{name: "throttled then accepted", faults: []messagingtest.Fault{messagingtest.Throttle(), messagingtest.Throttle()}, callbacks: 3},
		{name: "server errors then accepted", faults: []messagingtest.Fault{messagingtest.ServerError(), messagingtest.Unavailable()}, callbacks: 3},
		{name: "server errors exhaust retries", faults: []messagingtest.Fault{messagingtest.ServerError(), messagingtest.ServerError(), messagingtest.ServerError(), messagingtest.ServerError(), messagingtest.ServerError(), messagingtest.ServerError()}, wantErr: processor.ErrCallback, callbacks: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := messagingtest.NewServer(messagingtest.Config{Refusal: tt.refusal})
			defer srv.Close()
			ev := processortest.NewEvent("hello")
			cm := &ev.ChannelMessage
			require.NoError(t, srv.AddMessage(messagingtest.Message{ChannelArn: cm.ChannelArn, MessageID: cm.MessageID, CallbackID: ev.CallbackID, SenderArn: cm.Sender.Arn}))
			srv.InjectCallback(ev.CallbackID, tt.faults...)
			p := tt.pipeline
			if p == nil {
				p = processor.NewPipeline()
			}
			var logs bytes.Buffer
			h, err := processor.NewHandler(p, srv.Client(func(o *messaging.Options) { o.MaxBackoff = time.Millisecond }), processor.WithLogger(zerolog.New(&logs).Level(zerolog.InfoLevel)))
			require.NoError(t, err)
			payload := processortest.Payload(t, ev)
			if tt.twice {
				_, err := h.Handle(context.Background(), payload)
				require.NoError(t, err, "the first delivery")
				logs.Reset()
			}
			res, err := h.Handle(context.Background(), payload)
			if tt.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, processor.ErrCallback)
				assert.ErrorIs(t, err, tt.wantErr)
				var apiErr *messaging.APIError
				require.ErrorAs(t, err, &apiErr, "the refusal stays the error's *APIError")
				assert.Contains(t, logs.String(), `"level":"error"`)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.duplicate, res.Duplicate)
			assert.Equal(t, tt.duplicate, strings.Contains(logs.String(), `"duplicate":true`))
			n := 0
			for _, c := range srv.Calls() {
				if c.Operation == messaging.OpChannelFlowCallback {
					n++
				}
			}
			assert.Equal(t, tt.callbacks, n)
			assert.Zero(t, srv.Nonconforming(), "nonconforming requests: %q", srv.Problems())
		})
	}
}

func TestHandlerLogsOneLineWithoutContent(t *testing.T) {
	var logs bytes.Buffer
	h, err := processor.NewHandler(processor.NewPipeline(processor.Stage{Name: "r", Rule: replace("secret", "******")}), &messagingtest.Recorder{}, processor.WithLogger(zerolog.New(&logs).Level(zerolog.InfoLevel)))
	require.NoError(t, err)
	ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: "aws-req-7"})
	ev := processortest.NewEvent("my secret words", processortest.WithSubChannel("sub-1"), processortest.WithMetadata(`{"secret":1}`))
	_, err = h.Handle(ctx, processortest.Payload(t, ev))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	require.Len(t, lines, 1)
	var line map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &line))
	assert.Equal(t, "info", line["level"])
	assert.Equal(t, "aws-req-7", line["requestId"])
	assert.Equal(t, processortest.ChannelArn, line["channelArn"])
	assert.Equal(t, "msg-0001", line["messageId"])
	assert.Equal(t, "sub-1", line["subChannelId"])
	assert.Equal(t, "REWRITE", line["outcome"])
	assert.Equal(t, []any{"r"}, line["rules"])
	assert.Equal(t, []any{"Content"}, line["changed"])
	assert.Contains(t, line, "durationMs")
	assert.NotContains(t, lines[0], "secret words", "content is never logged")
	assert.NotContains(t, lines[0], "******")

	logs.Reset()
	_, err = h.Handle(ctx, []byte(`{"EventType":"CHANNEL_MESSAGE_EVENT"`))
	require.Error(t, err)
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
	assert.Equal(t, "error", line["level"])
	assert.Equal(t, "ERROR", line["outcome"])
	assert.Contains(t, line["error"], "malformed JSON")

	logs.Reset()
	h, err = processor.NewHandler(processor.NewPipeline(processor.Stage{Name: "p", Rule: panicking, OnError: processor.PolicyAllow}, processor.Stage{Name: "d", Rule: deny, DryRun: true}),
		&messagingtest.Recorder{}, processor.WithLogger(zerolog.New(&logs).Level(zerolog.InfoLevel)))
	require.NoError(t, err)
	_, err = h.Handle(ctx, processortest.Payload(t, ev))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line))
	assert.Equal(t, "warn", line["level"])
	assert.Equal(t, "ALLOW", line["outcome"])
	ruleErrs := line["ruleErrors"].([]any)
	require.Len(t, ruleErrs, 1)
	assert.Equal(t, "p", ruleErrs[0].(map[string]any)["rule"])
	assert.Equal(t, "allow", ruleErrs[0].(map[string]any)["policy"])
	assert.Equal(t, []any{map[string]any{"rule": "d", "would": "DENY", "reason": "no"}}, line["dryRun"])
}

func TestHandlerConcurrent(t *testing.T) {
	var n atomic.Int64
	cb := messaging.CallbackFunc(func(_ context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
		n.Add(1)
		if !strings.HasPrefix(in.ChannelMessage.Content, "**** ") {
			t.Errorf("callback content %q", in.ChannelMessage.Content)
		}
		return &messaging.ChannelFlowCallbackOutput{}, nil
	})
	h, err := processor.NewHandler(processor.NewPipeline(processor.Stage{Name: "r", Rule: replace("darn", "****")}), cb, processor.WithLogger(zerolog.New(io.Discard).Level(zerolog.InfoLevel)))
	require.NoError(t, err)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 100 {
				ev := processortest.NewEvent("darn " + strings.Repeat("x", i+j))
				if _, err := h.Handle(context.Background(), processortest.Payload(t, ev)); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(800), n.Load())
}

func TestHandlerNoPipeline(t *testing.T) {
	h, err := processor.NewHandler(nilRouter{}, &messagingtest.Recorder{})
	require.NoError(t, err)
	_, err = h.Handle(context.Background(), processortest.Payload(t, processortest.NewEvent("x")))
	assert.ErrorContains(t, err, "no pipeline for channel")
}

type nilRouter struct{}

func (nilRouter) Route(*processor.ChannelMessage) *processor.Pipeline { return nil }

// TestNewHandler: a handler without a router or a callback is refused at
// construction, with an error that says what is missing.
func TestNewHandler(t *testing.T) {
	var nilPipeline *processor.Pipeline
	var nilClient *messaging.Client
	tests := []struct {
		name     string
		router   processor.Router
		callback messaging.CallbackAPI
		want     error
	}{
		{"both", processor.NewPipeline(), &messagingtest.Recorder{}, nil},
		{"no router", nil, &messagingtest.Recorder{}, processor.ErrNoRouter},
		{"nil pipeline", nilPipeline, &messagingtest.Recorder{}, processor.ErrNoRouter},
		{"no callback", processor.NewPipeline(), nil, processor.ErrNoCallback},
		{"nil client", processor.NewPipeline(), nilClient, processor.ErrNoCallback},
		{"nil func", processor.NewPipeline(), messaging.CallbackFunc(nil), processor.ErrNoCallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := processor.NewHandler(tt.router, tt.callback)
			if tt.want == nil {
				require.NoError(t, err)
				require.NotNil(t, h)
				return
			}
			assert.ErrorIs(t, err, tt.want)
			assert.Nil(t, h)
		})
	}
	// A Handler not built by NewHandler answers with an error, not a panic.
	_, err := new(processor.Handler).Handle(context.Background(), processortest.Payload(t, processortest.NewEvent("x")))
	assert.ErrorContains(t, err, "NewHandler")
}

// TestHandlerChecksOnce: the callback the handler sends is marked as
// checked (the event when it came, each rewrite when its rule returned),
// so the client does not check it again.
func TestHandlerChecksOnce(t *testing.T) {
	for _, stages := range [][]processor.Stage{nil, {{Name: "r", Rule: replace("darn", "****")}}, {{Name: "d", Rule: deny}}} {
		var marked []bool
		cb := messaging.CallbackFunc(func(ctx context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
			marked = append(marked, messaging.CallbackChecked(ctx, in))
			return &messaging.ChannelFlowCallbackOutput{}, nil
		})
		h, err := processor.NewHandler(processor.NewPipeline(stages...), cb)
		require.NoError(t, err)
		_, err = h.Handle(context.Background(), processortest.Payload(t, processortest.NewEvent("darn", processortest.WithPush("t", "darn"))))
		require.NoError(t, err)
		assert.Equal(t, []bool{true}, marked)
	}
}

// TestOutcomeLogsItself: the outcome types are zerolog object marshalers,
// and the handler's line is made of them.
func TestOutcomeLogsItself(t *testing.T) {
	out := processor.Outcome{
		Action: processor.ActionDeny, Pipeline: "p", Rules: []string{"a", "b"}, Changed: []string{"Content"}, Reason: "no",
		Repairs: []processor.Repair{{Field: "ChannelMessage.Content", What: "invalid UTF-8 at byte 3 replaced by U+FFFD"}},
		Errors:  []*processor.RuleError{{Rule: "b", Err: errors.New("backend down"), Policy: processor.PolicyDeny, Stack: []byte("stack")}},
		DryRun:  []processor.DryRunResult{{Rule: "c", Would: processor.ActionRewrite, Changed: []string{"Metadata"}}, {Rule: "d", Would: processor.ActionError, Error: "boom"}},
	}
	var buf bytes.Buffer
	log := zerolog.New(&buf)
	log.Info().EmbedObject(&out).Send()
	assert.JSONEq(t, `{"level":"info","outcome":"DENY","pipeline":"p","rules":["a","b"],"changed":["Content"],"reason":"no",
		"repairs":[{"field":"ChannelMessage.Content","what":"invalid UTF-8 at byte 3 replaced by U+FFFD"}],
		"ruleErrors":[{"rule":"b","error":"backend down","policy":"deny","stack":"stack"}],
		"dryRun":[{"rule":"c","would":"REWRITE","changed":["Metadata"]},{"rule":"d","would":"ERROR","error":"boom"}]}`, buf.String())

	buf.Reset()
	log.Info().EmbedObject(&processor.Outcome{Action: processor.ActionAllow}).Send()
	assert.JSONEq(t, `{"level":"info","outcome":"ALLOW","rules":[]}`, buf.String())
}
