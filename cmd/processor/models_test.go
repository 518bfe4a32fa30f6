package main_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/awsmodeltest"
	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/rules"
)

// modelsConfig configures both model-based rules on Comprehend; the
// toxicity rule fails open.
const modelsConfig = `rules:
  - rule: toxicity
    onError: allow
    options:
      budget: {timeout: 2s}
  - rule: pii
    options:
      entities: [PHONE]
`

// newModels starts the Comprehend stand-in, signing with the credentials
// lambdatest.Env gives the function, and checks at the end that every
// request the binary sent conformed.
func newModels(t *testing.T) *awsmodeltest.Server {
	t.Helper()
	s := awsmodeltest.NewServer(awsmodeltest.Config{Credentials: aws.Credentials{
		AccessKeyID: messagingtest.AccessKeyID, SecretAccessKey: messagingtest.SecretAccessKey, SessionToken: messagingtest.SessionToken}})
	t.Cleanup(func() {
		s.Close()
		assert.Zero(t, s.Nonconforming(), "nonconforming: %q", s.Problems())
	})
	return s
}

// modelEvent is testdata/events/push-notification.json with other content.
func modelEvent(t *testing.T, content string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/events/push-notification.json")
	require.NoError(t, err)
	var ev map[string]any
	require.NoError(t, json.Unmarshal(b, &ev))
	ev["ChannelMessage"].(map[string]any)["Content"] = content
	out, err := json.Marshal(ev)
	require.NoError(t, err)
	return out
}

// TestLambdaWithModels runs the bootstrap binary with both model-based
// rules against the Comprehend and Chime stand-ins: the rules get their
// clients at start-up from Lambda's environment, and the message's
// personal data is masked in the callback.
func TestLambdaWithModels(t *testing.T) {
	rt := lambdatest.NewRuntime()
	defer rt.Close()
	chime := newChime(t, messagingtest.Config{})
	models := newModels(t)
	models.Handle(awsmodeltest.OpDetectPiiEntities, func(r *awsmodeltest.Request) awsmodeltest.Answer {
		out, err := awsmodeltest.PiiOutput(r.Texts[0], awsmodeltest.PiiEntity{Type: "PHONE", Text: "555-0100"})
		if err != nil {
			return awsmodeltest.Answer{Output: map[string]any{"Entities": []any{}}}
		}
		return awsmodeltest.Answer{Output: out}
	})
	env := append(lambdatest.Env(rt.Addr(), chime.URL, "CHIMEFLOW_CONFIG="+modelsConfig), "AWS_ENDPOINT_URL_COMPREHEND="+models.URL)
	_, logs := start(t, bin.processor, env)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := rt.Invoke(ctx, modelEvent(t, "call me at 555-0100"), 10*time.Second)
	require.NoError(t, err)
	assert.False(t, res.Error, string(res.Body))
	accepted := chime.Accepted()
	require.Len(t, accepted, 1, logs.String())
	assert.False(t, accepted[0].DeleteResource)
	assert.Equal(t, "call me at ********", accepted[0].ChannelMessage.Content)
	ops := []string{}
	for _, c := range models.Calls() {
		ops = append(ops, c.Operation)
	}
	assert.Equal(t, []string{awsmodeltest.OpDetectToxicContent, awsmodeltest.OpDetectPiiEntities}, ops)
	assert.Equal(t, []string{"call me at 555-0100", "Alice in #general", "Can someone review PR 128?"}, models.Calls()[0].Texts)
}

// nomodels is the processor without the model-based rules, and
// comprehendOnly the processor with them but without the guardrail
// provider; each is built once by the benchmark that needs it.
var (
	nomodels = sync.OnceValues(func() (string, error) {
		return lambdatest.Build(bin.dir, "./testdata/nomodels", "nomodels")
	})
	comprehendOnly = sync.OnceValues(func() (string, error) {
		return lambdatest.Build(bin.dir, "./testdata/comprehend", "comprehend")
	})
)

// BenchmarkColdStartModels measures, side by side in one run, the time
// from process start to the first invocation/next poll of five binaries
// built as SAM builds them: a bare aws-lambda-go function; the processor
// without the model-based rules linked (testdata/nomodels); the processor
// with them on Comprehend only (testdata/comprehend, no Bedrock Runtime);
// the processor (cmd/processor, every rule and provider linked) with the
// bundled default configuration; and the same configured with the default
// pipeline plus toxicity and pii, whose Comprehend clients are made at
// start-up. It reports the
// medians in ms, the ratios to the unlinked processor, and the binaries'
// sizes.
//
//	go test ./cmd/processor -run '^$' -bench ColdStartModels -benchtime 100x
func BenchmarkColdStartModels(b *testing.B) {
	unlinked, err := nomodels()
	require.NoError(b, err)
	comprehend, err := comprehendOnly()
	require.NoError(b, err)
	measure := func(path string, extra ...string) time.Duration {
		rt := lambdatest.NewRuntime()
		defer rt.Close()
		env := append(lambdatest.Env(rt.Addr(), "http://127.0.0.1:1"), extra...)
		begin := time.Now()
		cmd, out := start(b, path, env)
		select {
		case <-rt.Polled():
		case <-time.After(10 * time.Second):
			b.Fatalf("no invocation/next within 10s: %s", out.String())
		}
		d := time.Since(begin)
		cmd.Process.Kill()
		cmd.Wait()
		return d
	}
	// The bundled default pipeline, and the same with both model-based
	// rules: the difference is theirs alone.
	configured := []string{"CHIMEFLOW_CONFIG=" + string(rules.DefaultDocument()) + strings.TrimPrefix(modelsConfig, "rules:\n"),
		"AWS_ENDPOINT_URL_COMPREHEND=http://127.0.0.1:1"}
	// Each round measures every binary once, starting with a different
	// one each time: a binary run right after itself starts faster.
	var bare, without, comp, linked, withModels []time.Duration
	runs := []func(){
		func() { bare = append(bare, measure(bin.bare)) },
		func() { without = append(without, measure(unlinked)) },
		func() { comp = append(comp, measure(comprehend)) },
		func() { linked = append(linked, measure(bin.processor)) },
		func() { withModels = append(withModels, measure(bin.processor, configured...)) },
	}
	round := 0
	for b.Loop() {
		for i := range runs {
			runs[(round+i)%len(runs)]()
		}
		round++
	}
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Microseconds()) / 1000
	}
	mw := median(without)
	b.ReportMetric(median(bare), "bare-ms")
	b.ReportMetric(mw, "unlinked-ms")
	b.ReportMetric(median(comp), "comprehend-ms")
	b.ReportMetric(median(comp)/mw, "comprehend/unlinked")
	b.ReportMetric(median(linked)/mw, "linked/unlinked")
	b.ReportMetric(median(withModels)/mw, "configured/unlinked")
	b.ReportMetric(median(linked), "linked-ms")
	b.ReportMetric(median(withModels), "configured-ms")
	size := func(path string) float64 {
		st, err := os.Stat(path)
		require.NoError(b, err)
		return float64(st.Size()) / (1 << 20)
	}
	b.ReportMetric(size(unlinked), "unlinked-MiB")
	b.ReportMetric(size(comprehend), "comprehend-MiB")
	b.ReportMetric(size(bin.processor), "linked-MiB")
	b.ReportMetric(0, "ns/op")
}
