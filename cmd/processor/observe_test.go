package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/emfspec"
	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor/metrics"
	"github.com/chimeflow/chimeflow/processor/trail"
)

// split separates a process's standard output into its log lines and its
// metrics documents (those that start with {"_aws":).
func split(out string) (logs []map[string]any, emf []byte) {
	for _, l := range strings.Split(out, "\n") {
		switch {
		case l == "":
		case strings.HasPrefix(l, `{"_aws":`):
			emf = append(emf, l+"\n"...)
		default:
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil {
				logs = append(logs, m)
			}
		}
	}
	return logs, emf
}

// total adds up the data points of a metric for one set of dimensions
// (nil: the set without dimensions), by the value of dim when dim is not
// "" (else under "").
func total(ds []emfspec.Datum, name string, set []string, dim string) map[string]float64 {
	out := map[string]float64{}
	for _, d := range ds {
		if d.Name != name || len(d.Dimensions) != len(set) {
			continue
		}
		match := true
		for _, k := range set {
			if _, ok := d.Dimensions[k]; !ok {
				match = false
			}
		}
		if !match {
			continue
		}
		for _, v := range d.Values {
			out[d.Dimensions[dim]] += v
		}
	}
	return out
}

// TestLambdaMetricsAddUp replays every bundled fixture through the Lambda
// binary (the Runtime API stand-in, the Chime stand-in), under the bundled
// default and testdata/config/moderation.yaml, and checks that what the
// binary printed is valid EMF that adds up to the outcomes its log lines
// report: messages by outcome, actions and denials per rule, dry-run hits
// per rule, one cold start; and that each document names its message.
func TestLambdaMetricsAddUp(t *testing.T) {
	paths, err := filepath.Glob("../../testdata/events/*.json")
	require.NoError(t, err)
	var events [][]byte
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		events = append(events, b)
	}
	require.GreaterOrEqual(t, len(events), 75)

	for _, config := range []string{"", "../../testdata/config/moderation.yaml"} {
		t.Run("config="+config, func(t *testing.T) {
			rt := lambdatest.NewRuntime()
			defer rt.Close()
			chime := messagingtest.NewServer(messagingtest.Config{})
			defer chime.Close()
			env := lambdatest.Env(rt.Addr(), chime.URL, "CHIMEFLOW_METRICS_DIMENSIONS=Pipeline,Outcome,Rule")
			if config != "" {
				abs, err := filepath.Abs(config)
				require.NoError(t, err)
				env = append(env, "CHIMEFLOW_CONFIG_FILE="+abs)
			}
			_, out := start(t, bin.processor, env)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			invocationErrors := 0
			for _, ev := range events {
				res, err := rt.Invoke(ctx, ev, 10*time.Second)
				require.NoError(t, err)
				if res.Error {
					invocationErrors++
				}
			}
			// Invoke flushes before it answers; the pipe from the process
			// may hold the last lines a little longer.
			var logs []map[string]any
			var emf []byte
			require.Eventually(t, func() bool {
				logs, emf = split(out.String())
				ds, err := emfspec.CheckStream(bytes.NewReader(emf), emfspec.Options{})
				return err == nil && total(ds, metrics.Messages, nil, "")[""] == float64(len(events))
			}, 10*time.Second, 10*time.Millisecond, "every message's metrics printed")
			messages := 0
			outcomes := map[string]float64{}
			acts, denials, dry := map[string]float64{}, map[string]float64{}, map[string]float64{}
			ids := map[string]bool{}
			for _, l := range logs {
				if l["message"] != "message processed" {
					continue
				}
				messages++
				outcome := l["outcome"].(string)
				outcomes[outcome]++
				rules, _ := l["rules"].([]any)
				for i, r := range rules {
					acts[r.(string)]++
					if outcome == "DENY" && i == len(rules)-1 {
						denials[r.(string)]++
					}
				}
				if d, ok := l["dryRun"].([]any); ok {
					for _, hit := range d {
						dry[hit.(map[string]any)["rule"].(string)]++
					}
				}
				if id, ok := l["messageId"].(string); ok {
					ids[id] = true
				}
			}
			require.Equal(t, len(events), messages, "one log line per event")
			assert.Equal(t, float64(invocationErrors), outcomes["ERROR"], "ERROR is an invocation error")

			ds, err := emfspec.CheckStream(bytes.NewReader(emf), emfspec.Options{Now: time.Now()})
			require.NoError(t, err)
			none := []string(nil)
			assert.Equal(t, float64(len(events)), total(ds, metrics.Messages, none, "")[""])
			for outcome, name := range map[string]string{"ALLOW": metrics.Allowed, "REWRITE": metrics.Rewritten, "DENY": metrics.Denied, "ERROR": metrics.Errored} {
				assert.Equal(t, outcomes[outcome], total(ds, name, none, "")[""], name)
				assert.Equal(t, outcomes[outcome], total(ds, metrics.Messages, []string{"Pipeline", "Outcome"}, "Outcome")[outcome], "Messages by Outcome %s", outcome)
			}
			assert.Equal(t, acts, nonZero(total(ds, metrics.RuleActions, []string{"Rule"}, "Rule")), "actions per rule")
			assert.Equal(t, denials, nonZero(total(ds, metrics.RuleDenials, []string{"Rule"}, "Rule")), "denials per rule")
			dryGot := map[string]float64{}
			for _, name := range []string{metrics.DryRunDenials, metrics.DryRunRewrites, metrics.DryRunErrors} {
				for r, n := range total(ds, name, []string{"Rule"}, "Rule") {
					dryGot[r] += n
				}
			}
			assert.Equal(t, dry, nonZero(dryGot), "dry-run hits per rule")
			assert.Equal(t, 1.0, total(ds, metrics.ColdStart, none, "")[""])
			if config != "" {
				assert.NotEmpty(t, dry, "the moderation configuration's dry-run rule acts on some fixture")
				assert.NotEmpty(t, denials)
			}
			assert.NotEmpty(t, acts)
			// Each document names its message.
			for _, line := range strings.Split(strings.TrimSpace(string(emf)), "\n") {
				var doc struct{ RequestID, MessageID string }
				require.NoError(t, json.Unmarshal([]byte(line), &doc))
				assert.True(t, strings.HasPrefix(doc.RequestID, "req-"), line)
				if doc.MessageID != "" {
					assert.True(t, ids[doc.MessageID], "document of a message the logs name: %s", doc.MessageID)
				}
			}
			assert.Empty(t, rt.Extensions(), "no trail, nothing to close: no SIGTERM registration")
			assert.Zero(t, chime.Nonconforming(), "%q", chime.Problems())
		})
	}
}

func nonZero(m map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range m {
		if v != 0 {
			out[k] = v
		}
	}
	return out
}

// TestLambdaTrail: the binary with CHIMEFLOW_TRAIL_BUS sends each
// decision to that EventBridge bus (moto), from where a rule delivers it
// to an SQS queue, without the content unless CHIMEFLOW_TRAIL_CONTENT.
func TestLambdaTrail(t *testing.T) {
	endpoint := testenv.Moto(t)
	creds := credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")
	eb := eventbridge.New(eventbridge.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint)})
	sq := sqs.New(sqs.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(endpoint)})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	_, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("decisions")})
	require.NoError(t, err)
	q, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("review")})
	require.NoError(t, err)
	attrs, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	require.NoError(t, err)
	_, err = eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("review"), EventBusName: aws.String("decisions"),
		EventPattern: aws.String(`{"source":["` + trail.Source + `"],"detail-type":["` + trail.DetailType + `"]}`)})
	require.NoError(t, err)
	_, err = eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("review"), EventBusName: aws.String("decisions"),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(attrs.Attributes["QueueArn"])}}})
	require.NoError(t, err)

	rt := lambdatest.NewRuntime()
	defer rt.Close()
	chime := messagingtest.NewServer(messagingtest.Config{})
	defer chime.Close()
	_, out := start(t, bin.processor, lambdatest.Env(rt.Addr(), chime.URL,
		"CHIMEFLOW_TRAIL_BUS=decisions", "AWS_ENDPOINT_URL_EVENTBRIDGE="+endpoint))
	event, err := os.ReadFile("../../testdata/events/demo-profanity.json")
	require.NoError(t, err)
	res, err := rt.Invoke(ctx, event, 2*time.Minute)
	require.NoError(t, err)
	require.False(t, res.Error, string(res.Body))

	var bodies []string
	require.Eventually(t, func() bool {
		msgs, err := sq.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})
		require.NoError(t, err)
		for _, m := range msgs.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
		}
		return len(bodies) > 0
	}, time.Minute, 200*time.Millisecond, out.String())
	require.Len(t, bodies, 1)
	var env struct {
		Source     string      `json:"source"`
		DetailType string      `json:"detail-type"`
		Resources  []string    `json:"resources"`
		Detail     trail.Event `json:"detail"`
	}
	require.NoError(t, json.Unmarshal([]byte(bodies[0]), &env))
	assert.Equal(t, trail.Source, env.Source)
	assert.Equal(t, trail.DetailType, env.DetailType)
	assert.Equal(t, "REWRITE", env.Detail.Action)
	assert.Equal(t, []string{"profanity"}, env.Detail.Rules)
	assert.Equal(t, "msg-demo-01", env.Detail.MessageID)
	assert.Equal(t, []string{env.Detail.ChannelArn}, env.Resources)
	assert.Nil(t, env.Detail.Content, "no content unless CHIMEFLOW_TRAIL_CONTENT=true")
	assert.NotContains(t, bodies[0], "who broke main")
}

// TestLambdaSIGTERM: the binary registers for SIGTERM (the Extensions
// API, as aws-lambda-go's WithEnableSIGTERM does), and on SIGTERM closes
// its decision trail and flushes its metrics. The trail's bus here never
// answers: the invocation returns within its deadline with the event still
// queued; on SIGTERM the trail gives up within the shutdown budget, and
// the metrics count the event as a trail failure, in a valid document.
func TestLambdaSIGTERM(t *testing.T) {
	quit := make(chan struct{})
	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-quit:
		}
	}))
	// Cleanups run last first: the process is killed (start's cleanup),
	// then the stalled requests are let go and the server closed.
	t.Cleanup(stall.Close)
	t.Cleanup(func() { close(quit) })
	rt := lambdatest.NewRuntime()
	defer rt.Close()
	chime := messagingtest.NewServer(messagingtest.Config{})
	defer chime.Close()
	cmd, out := start(t, bin.processor, lambdatest.Env(rt.Addr(), chime.URL,
		"CHIMEFLOW_TRAIL_BUS=decisions", "AWS_ENDPOINT_URL_EVENTBRIDGE="+stall.URL))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	event, err := os.ReadFile("../../testdata/events/demo-profanity.json")
	require.NoError(t, err)
	budget := 1500 * time.Millisecond
	begin := time.Now()
	res, err := rt.Invoke(ctx, event, budget)
	require.NoError(t, err)
	require.False(t, res.Error, string(res.Body))
	assert.Less(t, time.Since(begin), budget, "the answer came before the deadline")
	assert.Equal(t, []string{"GoLangEnableSIGTERM"}, rt.Extensions())
	var ds []emfspec.Datum
	require.Eventually(t, func() bool {
		_, emf := split(out.String())
		ds, err = emfspec.CheckStream(bytes.NewReader(emf), emfspec.Options{Now: time.Now()})
		return err == nil && len(ds) > 0
	}, 10*time.Second, 10*time.Millisecond, "flushed before the invocation returned")
	assert.Equal(t, 1.0, total(ds, metrics.Rewritten, nil, "")[""])
	assert.Empty(t, total(ds, metrics.TrailFailures, nil, ""))

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	var shutdown map[string]any
	require.Eventually(t, func() bool {
		logs, _ := split(out.String())
		for _, l := range logs {
			if strings.HasPrefix(l["message"].(string), "shut down") {
				shutdown = l
				return true
			}
		}
		return false
	}, 10*time.Second, 20*time.Millisecond, out.String())
	assert.Equal(t, 0.0, shutdown["trailSent"])
	assert.Equal(t, 1.0, shutdown["trailFailures"])
	require.Eventually(t, func() bool {
		_, emf := split(out.String())
		ds, err = emfspec.CheckStream(bytes.NewReader(emf), emfspec.Options{Now: time.Now()})
		return err == nil && len(total(ds, metrics.TrailFailures, nil, "")) > 0
	}, 10*time.Second, 10*time.Millisecond, "the failure flushed on SIGTERM")
	assert.Equal(t, map[string]float64{"": 1}, total(ds, metrics.TrailFailures, nil, ""))
	logs, _ := split(out.String())
	var warned []string
	for _, l := range logs {
		if l["level"] == "warn" {
			warned = append(warned, l["message"].(string))
		}
	}
	sort.Strings(warned)
	assert.Contains(t, warned, "decision trail: events not delivered")
	assert.NotContains(t, out.String(), "who broke main", "no content in any line")
}
