package main_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// The official AWS Lambda Runtime Interface Emulator: envRIE names the
// variable that gives the path of its binary (.ci/steps/41-rie.sh installs
// it with go install at a pinned version, sets the variable and runs
// TestUnderRIE); without it the binary is looked up on PATH as rieBinary.
const (
	envRIE    = "CHIMEFLOW_RIE"
	rieBinary = "aws-lambda-rie"
)

// rieTool returns the emulator's path, or skips. CI's plain go test run
// comes before its steps install the emulator, so that run skips too;
// 41-rie.sh then runs the test with CHIMEFLOW_RIE set and fails if it
// skips. A CHIMEFLOW_RIE that names no binary fails under CHIMEFLOW_CI=1.
func rieTool(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(envRIE); p != "" {
		if _, err := os.Stat(p); err != nil {
			testenv.Missing(t, "%s=%s: %v", envRIE, p, err)
		}
		return p
	}
	p, err := exec.LookPath(rieBinary)
	if err != nil {
		t.Skipf("%s is not set and %s is not on PATH: .ci/steps/41-rie.sh installs it and runs this test", envRIE, rieBinary)
	}
	return p
}

// rieCase is an event sent through the emulator and what must become of
// it: the golden file's callback (nil for a refused event).
type rieCase struct {
	name    string
	event   []byte
	golden  *messaging.ChannelFlowCallbackInput
	sender  string
	refusal messagingtest.Refusal
}

// loadRIECase reads testdata/events/NAME.json and its golden file under
// the moderation configuration.
func loadRIECase(t *testing.T, name string, refusal messagingtest.Refusal) rieCase {
	t.Helper()
	dir := filepath.Join("..", "..", "testdata", "events")
	event, err := os.ReadFile(filepath.Join(dir, name+".json"))
	require.NoError(t, err)
	golden, err := os.ReadFile(filepath.Join(dir, name+".moderation.golden.json"))
	require.NoError(t, err)
	var g struct {
		Callback json.RawMessage `json:"callback"`
	}
	require.NoError(t, json.Unmarshal(golden, &g))
	c := rieCase{name: name, event: event, refusal: refusal}
	var ev struct {
		ChannelMessage struct {
			Sender struct{ Arn string } `json:"Sender"`
		} `json:"ChannelMessage"`
	}
	require.NoError(t, json.Unmarshal(event, &ev))
	c.sender = ev.ChannelMessage.Sender.Arn
	if string(g.Callback) != "null" {
		var cb struct {
			ChannelArn string `json:"ChannelArn"`
		}
		require.NoError(t, json.Unmarshal(g.Callback, &cb))
		c.golden = &messaging.ChannelFlowCallbackInput{}
		require.NoError(t, json.Unmarshal(g.Callback, c.golden))
		c.golden.ChannelArn = cb.ChannelArn
	}
	return c
}

// freeAddr returns a free loopback address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// TestUnderRIE runs the bootstrap binary under the official AWS Lambda
// Runtime Interface Emulator (the runtime Lambda's own images use), sends
// it events at the emulator's invoke URL (clean, rewritten, denied,
// malformed, then a second delivery of an answered one of each decision),
// and checks what the model- and signature-checked Chime stand-in
// received: each message answered once, as its golden file says, every
// request conforming, the second deliveries absorbed as duplicates.
//
// It skips when the emulator is not installed (rieTool).
func TestUnderRIE(t *testing.T) {
	rie := rieTool(t)
	cases := []rieCase{
		loadRIECase(t, "push-notification", messagingtest.RefuseForbidden),
		loadRIECase(t, "demo-profanity", messagingtest.RefuseNonPending),
		loadRIECase(t, "demo-spam-keywords", messagingtest.RefuseConflict),
		loadRIECase(t, "bad-event-type", 0),
		loadRIECase(t, "bad-missing-callback-id", 0),
	}
	chime := messagingtest.NewServer(messagingtest.Config{RequireRegistered: true})
	t.Cleanup(func() {
		chime.Close()
		assert.Zero(t, chime.Nonconforming(), "nonconforming requests: %q", chime.Problems())
	})
	kinds := map[string]bool{}
	for _, c := range cases {
		if c.golden == nil {
			kinds["refused"] = true
			continue
		}
		kinds[map[bool]string{true: "deny", false: "answer"}[c.golden.DeleteResource]] = true
		require.NoError(t, chime.AddMessage(messagingtest.Message{ChannelArn: c.golden.ChannelArn, MessageID: c.golden.ChannelMessage.MessageID,
			CallbackID: c.golden.CallbackID, SenderArn: c.sender, SubChannelID: c.golden.ChannelMessage.SubChannelID, Refusal: c.refusal}))
	}
	require.Len(t, kinds, 3, "the cases cover an answer, a deny and a refused event")

	config, err := filepath.Abs(filepath.Join("..", "..", "testdata", "config", "moderation.yaml"))
	require.NoError(t, err)
	var env []string
	for _, kv := range lambdatest.Env("", chime.URL, "CHIMEFLOW_CONFIG_FILE="+config, "AWS_LAMBDA_FUNCTION_TIMEOUT=10", "PATH="+os.Getenv("PATH")) {
		if !strings.HasPrefix(kv, "AWS_LAMBDA_RUNTIME_API=") { // the emulator serves it
			env = append(env, kv)
		}
	}
	invokeAddr := freeAddr(t)
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", invokeAddr, "--runtime-api-address", freeAddr(t), bin.processor)
	cmd.Env = env
	logs := &output{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		// SIGTERM: the emulator stops the bootstrap it runs, then exits; a
		// SIGKILL would leave the bootstrap behind.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("emulator output:\n%s", logs.String())
		}
	})
	url := "http://" + invokeAddr + "/2015-03-31/functions/function/invocations"
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", invokeAddr)
		if err == nil {
			c.Close()
		}
		return err == nil
	}, 30*time.Second, 20*time.Millisecond, "the emulator listens on %s", invokeAddr)

	client := &http.Client{Timeout: 30 * time.Second}
	invoke := func(event []byte) (int, []byte) {
		resp, err := client.Post(url, "application/json", bytes.NewReader(event))
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, body
	}
	for delivery := 1; delivery <= 2; delivery++ {
		for _, c := range cases {
			status, body := invoke(c.event)
			assert.Equal(t, http.StatusOK, status, "%s, delivery %d", c.name, delivery)
			var doc struct {
				ErrorMessage string `json:"errorMessage"`
				ErrorType    string `json:"errorType"`
			}
			_ = json.Unmarshal(body, &doc)
			if c.golden == nil {
				// An invocation error: Lambda retries it, then writes the
				// on-failure record.
				assert.NotEmpty(t, doc.ErrorMessage, "%s: %s", c.name, body)
				assert.Contains(t, doc.ErrorMessage, "invalid event", c.name)
			} else {
				assert.Empty(t, doc.ErrorMessage, "%s, delivery %d: %s", c.name, delivery, body)
			}
		}
	}

	accepted := chime.Accepted()
	assert.Len(t, accepted, 3, "each message answered once")
	for _, c := range cases {
		if c.golden == nil {
			continue
		}
		st, ok := chime.MessageState(c.golden.ChannelArn, c.golden.ChannelMessage.MessageID)
		require.True(t, ok, c.name)
		assert.Equal(t, 1, st.Accepted, c.name)
		assert.Equal(t, 1, st.Refused, "%s: the second delivery's callback is refused (%s)", c.name, c.refusal)
		require.NotNil(t, st.Resolution, c.name)
		assert.Equal(t, c.golden, st.Resolution, "%s: the callback its golden file says", c.name)
		want := messaging.StatusSent
		if c.golden.DeleteResource {
			want = messaging.StatusDenied
		}
		assert.Equal(t, want, st.Status, c.name)
	}
	var statusChecks int
	for _, call := range chime.Calls() {
		if call.Operation == messaging.OpGetChannelMessageStatus {
			statusChecks++
		}
	}
	assert.Equal(t, 3, statusChecks, "each refused second delivery asked for its message's status")
	require.Eventually(t, func() bool { return strings.Count(logs.String(), `"duplicate":true`) == 3 }, 5*time.Second, 20*time.Millisecond,
		"the three second deliveries are logged as duplicates")
	assert.Contains(t, logs.String(), "END RequestId", "the emulator reports each invocation")
}
