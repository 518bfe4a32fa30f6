package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/live"
)

// Rules documents published while the processor runs.
const (
	liveMask = "rules:\n  - rule: profanity\n    options: {action: mask}\n"
	liveDeny = "rules:\n  - rule: deny\n    name: no-spam\n    options: {keywords: [free money], reason: spam}\n"
	liveBad  = "rules:\n  - rule: deny\n    options: {keyword: [oops]}\n"
)

// liveProcessor is the Lambda binary running against the Runtime API
// stand-in, the Chime stand-in and a local SSM (moto).
type liveProcessor struct {
	t     *testing.T
	rt    *lambdatest.Runtime
	chime *messagingtest.Server
	ssm   *ssm.Client
	logs  *output
	env   []string
	n     int
}

func startLive(t *testing.T, extraEnv ...string) *liveProcessor {
	t.Helper()
	endpoint := testenv.Moto(t)
	p := &liveProcessor{t: t, rt: lambdatest.NewRuntime(), chime: newChime(t, messagingtest.Config{})}
	t.Cleanup(p.rt.Close)
	p.ssm = ssm.New(ssm.Options{Region: messagingtest.Region, BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")})
	env := append([]string{"CHIMEFLOW_CONFIG_PARAMETER=/chimeflow/rules", "CHIMEFLOW_CONFIG_RELOAD=1s", "AWS_ENDPOINT_URL_SSM=" + endpoint}, extraEnv...)
	p.env = lambdatest.Env(p.rt.Addr(), p.chime.URL, env...)
	return p
}

// start starts the binary.
func (p *liveProcessor) start() {
	_, p.logs = start(p.t, bin.processor, p.env)
	select {
	case <-p.rt.Polled():
	case init := <-p.rt.InitError():
		p.t.Fatalf("init error: %s\n%s", init, p.logs)
	case <-time.After(30 * time.Second):
		p.t.Fatalf("no invocation/next within 30s:\n%s", p.logs)
	}
}

// publish puts a new version of the rules parameter.
func (p *liveProcessor) publish(doc string) int64 {
	p.t.Helper()
	out, err := p.ssm.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String("/chimeflow/rules"),
		Value: aws.String(doc), Type: types.ParameterTypeString, Overwrite: aws.Bool(true)})
	require.NoError(p.t, err)
	return out.Version
}

// decision is what the processor did with one message.
type decision struct {
	callback messaging.ChannelFlowCallbackInput
	log      map[string]any
}

// send invokes the processor with a new message and returns its decision.
func (p *liveProcessor) send(content string) decision {
	p.t.Helper()
	p.n++
	ev := processortest.NewEvent(content)
	ev.CallbackID = fmt.Sprintf("live0000-0000-0000-0000-%012d", p.n)
	ev.ChannelMessage.MessageID = fmt.Sprintf("live-%d", p.n)
	require.NoError(p.t, p.chime.AddMessage(messagingtest.Message{ChannelArn: ev.ChannelMessage.ChannelArn,
		MessageID: ev.ChannelMessage.MessageID, CallbackID: ev.CallbackID}))
	payload, err := json.Marshal(ev)
	require.NoError(p.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := p.rt.Invoke(ctx, payload, 10*time.Second)
	require.NoError(p.t, err)
	require.False(p.t, res.Error, string(res.Body))
	st, ok := p.chime.MessageState(ev.ChannelMessage.ChannelArn, ev.ChannelMessage.MessageID)
	require.True(p.t, ok)
	require.NotNil(p.t, st.Resolution, "no callback for %s", ev.ChannelMessage.MessageID)
	var line map[string]any
	require.Eventually(p.t, func() bool {
		line = p.line(func(m map[string]any) bool { return m["messageId"] == ev.ChannelMessage.MessageID })
		return line != nil
	}, 5*time.Second, 5*time.Millisecond)
	return decision{callback: *st.Resolution, log: line}
}

// line returns the last log line that match accepts, or nil (metrics
// documents are not log lines).
func (p *liveProcessor) line(match func(map[string]any) bool) map[string]any {
	var found map[string]any
	for _, l := range logLines(p.logs.String()) {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && match(m) {
			found = m
		}
	}
	return found
}

func message(text string) func(map[string]any) bool {
	return func(m map[string]any) bool { return m["message"] == text }
}

// until sends messages, at most one every 100 ms, until cond holds of a
// decision, and returns it.
func (p *liveProcessor) until(content string, cond func(decision) bool) decision {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		d := p.send(content)
		if cond(d) {
			return d
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no such decision within 20s; last: %v\n%s", d.log, p.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestLambdaRulesChangeWithoutDeployment(t *testing.T) {
	p := startLive(t)
	require.Equal(t, int64(1), p.publish(liveMask))
	p.start()

	// Version 1 masks profanity and lets spam through.
	d := p.send("free money, shit")
	assert.Equal(t, "free money, ****", d.callback.ChannelMessage.Content)
	assert.False(t, d.callback.DeleteResource)
	assert.Equal(t, "ssm:1", d.log["rulesVersion"])
	loaded := p.line(message("rules loaded"))
	require.NotNil(t, loaded)
	assert.Equal(t, "ssm:1", loaded["rulesVersion"])
	assert.Equal(t, "ssm:/chimeflow/rules@1", loaded["rulesSource"])

	// Version 2, published while the processor runs, reaches it at the
	// first invocation after the interval: that one is still served by
	// version 1, a later one by version 2, with no deployment.
	require.Equal(t, int64(2), p.publish(liveDeny))
	time.Sleep(1100 * time.Millisecond)
	d = p.until("free money, shit", func(d decision) bool { return d.log["rulesVersion"] == "ssm:2" })
	assert.True(t, d.callback.DeleteResource, "denied by version 2")
	assert.Equal(t, "DENY", d.log["outcome"])
	assert.Equal(t, "spam", d.log["reason"])
	reloaded := p.line(message("rules reloaded"))
	require.NotNil(t, reloaded, p.logs.String())
	assert.Equal(t, "ssm:2", reloaded["rulesVersion"])
	assert.Equal(t, "ssm:1", reloaded["previousVersion"])

	// Version 3 does not load: refused, logged with its problems, and
	// version 2 goes on deciding.
	require.Equal(t, int64(3), p.publish(liveBad))
	time.Sleep(1100 * time.Millisecond)
	require.Eventually(t, func() bool {
		p.send("hello")
		return p.line(message("rules version refused: keeping the active version")) != nil
	}, 20*time.Second, 100*time.Millisecond)
	refused := p.line(message("rules version refused: keeping the active version"))
	assert.Equal(t, "error", refused["level"])
	assert.Equal(t, "ssm:3", refused["refusedVersion"])
	assert.Equal(t, "ssm:2", refused["rulesVersion"])
	assert.Equal(t, []any{`ssm:/chimeflow/rules@3:3:15: rule deny: unknown option "keyword" (known: reason, any, all, not, sender, bot, target, targeted, channel, regex, keywords, longerThan, metadata, attribute, persistence, contentType, scope)`},
		refused["problems"])
	for range 3 {
		d = p.send("free money again")
		assert.Equal(t, "ssm:2", d.log["rulesVersion"])
		assert.True(t, d.callback.DeleteResource)
		time.Sleep(400 * time.Millisecond)
	}
	assert.Equal(t, 1, strings.Count(p.logs.String(), "rules version refused"), "refused once, however often it is read again")

	// Every log line of a message names the version that decided it.
	for _, l := range strings.Split(strings.TrimSpace(p.logs.String()), "\n") {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		assert.Contains(t, []any{"ssm:1", "ssm:2"}, m["rulesVersion"], l)
	}
}

func TestLambdaRulesParameterUnavailableAtStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "rules.yaml")
	require.NoError(t, os.WriteFile(file, []byte(liveMask), 0o644))
	p := startLive(t, "CHIMEFLOW_CONFIG_FILE="+file)
	p.start() // the parameter does not exist yet

	// The process wrote it before it polled; the pipe may bring it later.
	var unavailable map[string]any
	require.Eventually(t, func() bool {
		unavailable = p.line(message("rules source unavailable at start: serving the fallback until it loads"))
		return unavailable != nil
	}, 5*time.Second, 5*time.Millisecond, "%s", p.logs)
	assert.Equal(t, live.HashVersion([]byte(liveMask)), unavailable["rulesVersion"])
	assert.Equal(t, file, unavailable["rulesSource"])
	assert.Contains(t, unavailable["error"], "parameter not found")

	d := p.send("free money, shit")
	assert.Equal(t, "free money, ****", d.callback.ChannelMessage.Content, "the deployed file serves")
	assert.Equal(t, live.HashVersion([]byte(liveMask)), d.log["rulesVersion"])

	p.publish(liveDeny)
	d = p.until("free money", func(d decision) bool { return d.log["rulesVersion"] == "ssm:1" })
	assert.True(t, d.callback.DeleteResource)
}
