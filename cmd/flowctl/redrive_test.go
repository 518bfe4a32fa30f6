package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/deploy/redrive/redrivetest"
	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
)

// redriveEnv is a moto.server (SQS, Lambda) with a processor function, a
// Chime callback endpoint, and an AWS configuration that points at
// nothing else.
type redriveEnv struct {
	moto     string
	sqs      *sqs.Client
	chime    *messagingtest.Server
	function string
}

var testCreds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIDFLOWCTLTEST", SecretAccessKey: "flowctl-test-secret"}, nil
})

func setupRedrive(t *testing.T) *redriveEnv {
	t.Helper()
	// moto.server starts with the environment as it is, not the one the
	// command runs with below.
	e := &redriveEnv{moto: testenv.Moto(t), function: "chat-moderation-processor"}
	dir := t.TempDir()
	for k, v := range map[string]string{
		// The Chime stand-in checks signatures with these; moto takes any.
		"AWS_ACCESS_KEY_ID":           messagingtest.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       messagingtest.SecretAccessKey,
		"AWS_SESSION_TOKEN":           messagingtest.SessionToken,
		"AWS_REGION":                  "us-east-1",
		"AWS_DEFAULT_REGION":          "",
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_SQS":        "",
		"AWS_ENDPOINT_URL_LAMBDA":     "",
		"CHIMEFLOW_CONFIG":            "rules: [{rule: nope}]", // must be ignored: rules come from flags
	} {
		t.Setenv(k, v)
	}
	e.sqs = sqs.New(sqs.Options{Region: "us-east-1", Credentials: testCreds, BaseEndpoint: aws.String(e.moto)})
	client := awslambda.New(awslambda.Options{Region: "us-east-1", Credentials: testCreds, BaseEndpoint: aws.String(e.moto)})
	redrivetest.CreateFunction(t, client, e.moto, e.function, nil)
	redrivetest.CreateFunction(t, client, e.moto, "custom-rules-processor", map[string]string{
		"CHIMEFLOW_CONFIG":       "rules:\n  - rule: deny\n    options: {any: [{keywords: [free money], reason: deployed spam rule}]}\n",
		"CHIMEFLOW_ERROR_POLICY": "allow",
		"CHIMEFLOW_LOG_LEVEL":    "debug",
	})
	redrivetest.CreateFunction(t, client, e.moto, "file-rules-processor", map[string]string{"CHIMEFLOW_CONFIG_FILE": "/var/task/rules.yaml"})
	return e
}

// queue creates a queue named for t with the bodies in it.
func (e *redriveEnv) queue(t *testing.T, bodies ...string) string {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, t.Name())
	out, err := e.sqs.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name)})
	require.NoError(t, err)
	for _, b := range bodies {
		_, err := e.sqs.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String(b)})
		require.NoError(t, err)
	}
	return *out.QueueUrl
}

// visible returns how many records of the queue are visible, and how many
// hidden.
func (e *redriveEnv) visible(t *testing.T, queue string) (visible, hidden int) {
	t.Helper()
	out, err := e.sqs.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{
		QueueUrl:       aws.String(queue),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages, sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible},
	})
	require.NoError(t, err)
	visible, _ = strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)])
	hidden, _ = strconv.Atoi(out.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible)])
	return visible, hidden
}

// args are the flags that point flowctl redrive at the local servers.
func (e *redriveEnv) args(queue string, more ...string) []string {
	return append([]string{"redrive", "-queue", queue, "-sqs-endpoint", e.moto, "-lambda-endpoint", e.moto, "-endpoint", e.chime.URL}, more...)
}

// record is the on-failure record of message n with content, sent age ago.
func record(t *testing.T, n int, content string, age time.Duration) string {
	t.Helper()
	ev := processortest.NewEvent(content)
	ev.CallbackID = cbID(n)
	ev.ChannelMessage.MessageID = fmt.Sprintf("msg-%04d", n)
	ev.ChannelMessage.CreatedTimestamp = processor.NewTimestamp(time.Now().Add(-age).UTC().Format(time.RFC3339))
	return redrivetest.Record(t, processortest.Payload(t, ev), redrivetest.RecordOptions{})
}

func cbID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// line returns the output line of message n.
func line(t *testing.T, out string, n int) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, fmt.Sprintf("/msg-%04d ", n)) {
			return l
		}
	}
	t.Errorf("no line for msg-%04d in:\n%s", n, out)
	return ""
}

func TestRedrive(t *testing.T) {
	e := setupRedrive(t)
	const rules = "testdata/redrive-rules.yaml"
	tests := []struct {
		name     string
		records  func(t *testing.T) []string
		chime    func(t *testing.T, c *messagingtest.Server)
		args     []string
		code     int
		check    func(t *testing.T, stdout, stderr string)
		summary  string // the last line of stderr
		visible  int    // records visible in the queue afterwards
		requests int    // callbacks received by Chime
	}{
		{
			name: "answers, keeps and reports",
			records: func(t *testing.T) []string {
				return []string{
					record(t, 1, "hello there", time.Hour),
					record(t, 2, "free money now", 2*time.Hour),
					record(t, 3, "answered before", time.Minute),
					record(t, 4, "too late", 49*time.Hour),
					record(t, 5, "refused", time.Minute),
					"garbage",
				}
			},
			chime: func(t *testing.T, c *messagingtest.Server) {
				require.NoError(t, c.AddMessage(messagingtest.Message{ChannelArn: processortest.ChannelArn, MessageID: "msg-0003", CallbackID: cbID(3)}))
				require.True(t, c.SetStatus(processortest.ChannelArn, "msg-0003", messaging.StatusSent))
				c.InjectCallback(cbID(5), messagingtest.Fault{Status: 400, Message: "invalid request"})
			},
			args:    []string{"-config", rules},
			code:    1,
			summary: "flowctl redrive: 6 read: 2 answered, 1 duplicate, 0 invoked, 1 expired, 1 failed, 0 kept, 1 unparsable; 3 deleted, 3 left in the queue",
			visible: 3, requests: 4,
			check: func(t *testing.T, stdout, stderr string) {
				lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
				require.Len(t, lines, 7, stdout)
				assert.Regexp(t, `^STATUS +AGE +CONDITION +TRIES +OUTCOME +CHANNEL/MESSAGE +DETAIL$`, lines[0])
				assert.Regexp(t, `^answered +1h00m +RetriesExhausted +3 +ALLOW +general/msg-0001 +deleted; was: errorString: channel flow callback failed: .*HTTP 503`, line(t, stdout, 1))
				assert.Regexp(t, `^answered +2h00m +RetriesExhausted +3 +DENY +general/msg-0002 +deleted; rules: spam; was: `, line(t, stdout, 2))
				assert.Regexp(t, `^duplicate +[01]m +RetriesExhausted +3 +ALLOW +general/msg-0003 +deleted; was: `, line(t, stdout, 3))
				assert.Regexp(t, `^expired +49h00m +RetriesExhausted +3 +- +general/msg-0004 +kept; was: `, line(t, stdout, 4))
				assert.Regexp(t, `^failed +[01]m +RetriesExhausted +3 +ERROR +general/msg-0005 +kept; error: channel flow callback failed: .*HTTP 400 BadRequestException: invalid request`, line(t, stdout, 5))
				assert.Regexp(t, `^unparsable +- +- +- +- +\S+ +kept; error: not a Lambda on-failure record`, lines[6])
				for _, content := range []string{"hello there", "free money", "answered before", "too late"} {
					assert.NotContains(t, stdout+stderr, content, "a sender's words in the output")
				}
			},
		},
		{
			name: "everything answered or deliberately kept exits 0",
			records: func(t *testing.T) []string {
				return []string{record(t, 1, "hi", time.Minute), record(t, 2, "old", 72*time.Hour)}
			},
			args:    []string{"-config", rules},
			summary: "flowctl redrive: 2 read: 1 answered, 0 duplicate, 0 invoked, 1 expired, 0 failed, 0 kept, 0 unparsable; 1 deleted, 1 left in the queue",
			visible: 1, requests: 1,
		},
		{
			name: "delete expired",
			records: func(t *testing.T) []string {
				return []string{record(t, 1, "old", 72*time.Hour)}
			},
			args:    []string{"-config", rules, "-delete-expired"},
			summary: "flowctl redrive: 1 read: 0 answered, 0 duplicate, 0 invoked, 1 expired, 0 failed, 0 kept, 0 unparsable; 1 deleted, 0 left in the queue",
		},
		{
			name: "dry run as JSON",
			records: func(t *testing.T) []string {
				return []string{record(t, 1, "hi", time.Minute), record(t, 2, "free money", time.Minute), record(t, 3, "old", 50*time.Hour)}
			},
			args:    []string{"-config", rules, "-dry-run", "-json"},
			summary: "flowctl redrive: 3 read: 0 answered, 0 duplicate, 0 invoked, 1 expired, 0 failed, 2 kept, 0 unparsable; 0 deleted, 3 left in the queue (dry run: nothing sent, invoked or deleted)",
			visible: 3,
			check: func(t *testing.T, stdout, _ string) {
				got := map[string]map[string]any{}
				for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
					var r map[string]any
					require.NoError(t, json.Unmarshal([]byte(l), &r), l)
					got[r["messageId"].(string)] = r
				}
				require.Len(t, got, 3)
				assert.Equal(t, "kept", got["msg-0001"]["status"])
				assert.Equal(t, "answer", got["msg-0001"]["would"])
				assert.Equal(t, "ALLOW", got["msg-0001"]["outcome"])
				assert.Equal(t, "DENY", got["msg-0002"]["outcome"])
				assert.Equal(t, "spam keywords", got["msg-0002"]["reason"])
				assert.Equal(t, "expired", got["msg-0003"]["status"])
				assert.Equal(t, "keep", got["msg-0003"]["would"])
				assert.Equal(t, "RetriesExhausted", got["msg-0003"]["condition"])
				assert.Equal(t, cbID(1), got["msg-0001"]["callbackId"])
				assert.Equal(t, false, got["msg-0001"]["deleted"])
				assert.NotContains(t, stdout, "free money")
			},
		},
		{
			name: "max",
			records: func(t *testing.T) []string {
				return []string{record(t, 1, "a", time.Minute), record(t, 2, "b", time.Minute), record(t, 3, "c", time.Minute)}
			},
			args:    []string{"-config", rules, "-max", "1", "-json"},
			summary: "flowctl redrive: 1 read: 1 answered, 0 duplicate, 0 invoked, 0 expired, 0 failed, 0 kept, 0 unparsable; 1 deleted, 0 left in the queue",
			visible: 2, requests: 1,
			check: func(t *testing.T, stdout, _ string) {
				assert.Equal(t, 1, strings.Count(stdout, "\n"), stdout)
				assert.Contains(t, stdout, `"status":"answered"`)
			},
		},
		{
			name: "the bundled default rules",
			records: func(t *testing.T) []string {
				return []string{record(t, 1, "see you at noon", time.Minute)}
			},
			summary:  "flowctl redrive: 1 read: 1 answered, 0 duplicate, 0 invoked, 0 expired, 0 failed, 0 kept, 0 unparsable; 1 deleted, 0 left in the queue",
			requests: 1,
			check: func(t *testing.T, stdout, _ string) {
				assert.Regexp(t, `answered .* ALLOW .*general/msg-0001 +deleted`, stdout)
			},
		},
		{
			name: "the rules of the deployed function",
			records: func(t *testing.T) []string {
				return []string{record(t, 1, "free money", time.Minute)}
			},
			args:     []string{"-config-from", "custom-rules-processor", "-json"},
			summary:  "flowctl redrive: 1 read: 1 answered, 0 duplicate, 0 invoked, 0 expired, 0 failed, 0 kept, 0 unparsable; 1 deleted, 0 left in the queue",
			requests: 1,
			check: func(t *testing.T, stdout, _ string) {
				assert.Contains(t, stdout, `"outcome":"DENY"`)
				assert.Contains(t, stdout, `"reason":"deployed spam rule"`)
			},
		},
		{
			name: "the rules of a function that reads them from its package",
			records: func(t *testing.T) []string {
				return []string{record(t, 1, "a", time.Minute)}
			},
			args:    []string{"-config-from", "file-rules-processor"},
			code:    1,
			summary: "flowctl redrive: file-rules-processor reads its rules from CHIMEFLOW_CONFIG_FILE=/var/task/rules.yaml, a file of its package: pass that file with -config (sam build copies it from deploy/rules.yaml, or from the file the RULES variable of make names)",
			visible: 1,
		},
		{
			name: "invoke",
			records: func(t *testing.T) []string {
				return []string{record(t, 1, "a", time.Minute), record(t, 2, "b", 49*time.Hour)}
			},
			args:    []string{"-invoke", "chat-moderation-processor"},
			summary: "flowctl redrive: 2 read: 0 answered, 0 duplicate, 1 invoked, 1 expired, 0 failed, 0 kept, 0 unparsable; 1 deleted, 1 left in the queue",
			visible: 1,
			check: func(t *testing.T, stdout, _ string) {
				assert.Regexp(t, `^invoked +[01]m +RetriesExhausted +3 +- +general/msg-0001 +deleted; was: `, line(t, stdout, 1))
			},
		},
		{
			name: "invoke a function that does not exist",
			records: func(t *testing.T) []string {
				return []string{record(t, 1, "a", time.Minute)}
			},
			args:    []string{"-invoke", "no-such-function"},
			code:    1,
			summary: "flowctl redrive: 1 read: 0 answered, 0 duplicate, 0 invoked, 0 expired, 1 failed, 0 kept, 0 unparsable; 0 deleted, 1 left in the queue",
			visible: 1,
			check: func(t *testing.T, stdout, _ string) {
				assert.Regexp(t, `^failed .* kept; error: invoke no-such-function: .*ResourceNotFoundException`, line(t, stdout, 1))
			},
		},
		{
			name: "progress",
			records: func(t *testing.T) []string {
				var out []string
				for n := 1; n <= 5; n++ {
					out = append(out, record(t, n, "a", time.Minute))
				}
				return out
			},
			args:     []string{"-config", rules, "-progress", "2"},
			summary:  "flowctl redrive: 5 read: 5 answered, 0 duplicate, 0 invoked, 0 expired, 0 failed, 0 kept, 0 unparsable; 5 deleted, 0 left in the queue",
			requests: 5,
			check: func(t *testing.T, _, stderr string) {
				assert.Contains(t, stderr, "flowctl redrive: so far 2 read: 2 answered,")
				assert.Contains(t, stderr, "flowctl redrive: so far 4 read: 4 answered,")
			},
		},
		{
			name: "the processor's log lines",
			records: func(t *testing.T) []string {
				return []string{record(t, 1, "secret words", time.Minute)}
			},
			args:     []string{"-config", rules, "-log", "info"},
			summary:  "flowctl redrive: 1 read: 1 answered, 0 duplicate, 0 invoked, 0 expired, 0 failed, 0 kept, 0 unparsable; 1 deleted, 0 left in the queue",
			requests: 1,
			check: func(t *testing.T, _, stderr string) {
				assert.Contains(t, stderr, `"message":"message processed"`)
				assert.Contains(t, stderr, `"callbackId":"`+cbID(1)+`"`)
				assert.NotContains(t, stderr, "secret words")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.chime = redrivetest.NewChime(t, messagingtest.Config{})
			if tt.chime != nil {
				tt.chime(t, e.chime)
			}
			queue := e.queue(t, tt.records(t)...)
			code, stdout, stderr := flowctl(t, e.args(queue, tt.args...)...)
			assert.Equal(t, tt.code, code, "stderr:\n%s", stderr)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			assert.Equal(t, tt.summary, lines[len(lines)-1], stderr)
			visible, hidden := e.visible(t, queue)
			assert.Equal(t, tt.visible, visible, "visible records left")
			assert.Zero(t, hidden, "records kept are visible again")
			assert.Equal(t, tt.requests, redrivetest.Callbacks(e.chime))
			if tt.check != nil {
				tt.check(t, stdout, stderr)
			}
		})
	}
}

// TestRedriveEnvironmentEndpoint: the SQS endpoint may come from the usual
// AWS sources instead of a flag.
func TestRedriveEnvironmentEndpoint(t *testing.T) {
	e := setupRedrive(t)
	e.chime = redrivetest.NewChime(t, messagingtest.Config{})
	queue := e.queue(t, record(t, 1, "hi", time.Minute))
	t.Setenv("AWS_ENDPOINT_URL_SQS", e.moto)
	code, _, stderr := flowctl(t, "redrive", "-queue", queue, "-endpoint", e.chime.URL, "-config", "testdata/redrive-rules.yaml")
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "1 read: 1 answered")
	assert.Equal(t, 1, redrivetest.Callbacks(e.chime))
}

func TestRedriveUsage(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_DEFAULT_REGION", "")
	const q = "https://sqs.us-east-1.amazonaws.com/111122223333/dlq"
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		code   int
		stderr string
	}{
		{"help", []string{"redrive", "-h"}, nil, 0, "usage: flowctl redrive -queue URL [flags]"},
		{"no queue", []string{"redrive"}, nil, 2, "missing -queue"},
		{"stray arguments", []string{"redrive", "-queue", q, "extra"}, nil, 2, `unexpected arguments ["extra"]`},
		{"invoke with rules", []string{"redrive", "-queue", q, "-invoke", "f", "-config", "x.yaml"}, nil, 2, "-invoke uses the deployed function's rules"},
		{"config and config-from", []string{"redrive", "-queue", q, "-config", "x.yaml", "-config-from", "f"}, nil, 2, "-config and -config-from: choose one"},
		{"negative max", []string{"redrive", "-queue", q, "-max", "-1"}, nil, 2, "-max is negative"},
		{"bad flag", []string{"redrive", "-bogus"}, nil, 2, "flag provided but not defined: -bogus"},
		{"missing rules file", []string{"redrive", "-queue", q, "-config", "testdata/nope.yaml"}, nil, 2, "testdata/nope.yaml"},
		{"bad error policy", []string{"redrive", "-queue", q, "-error-policy", "sometimes"}, nil, 2, `"sometimes"`},
		{"long poll too long", []string{"redrive", "-queue", q, "-wait", "30s"}, nil, 2, "Wait is longer than the 20 seconds SQS allows"},
		{"no region anywhere", []string{"redrive", "-queue", "http://127.0.0.1:9/111122223333/dlq"}, map[string]string{"AWS_REGION": ""}, 2, "no region: pass -region or set AWS_REGION"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, _, stderr := flowctl(t, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.stderr)
		})
	}
}

func TestQueueRegion(t *testing.T) {
	for in, want := range map[string]string{
		"https://sqs.eu-west-1.amazonaws.com/111122223333/dlq":     "eu-west-1",
		"https://sqs.cn-north-1.amazonaws.com.cn/111122223333/dlq": "cn-north-1",
		"http://127.0.0.1:4566/111122223333/dlq":                   "",
		"https://queue.amazonaws.com/111122223333/dlq":             "",
		"::not a url": "",
	} {
		assert.Equal(t, want, queueRegion(in), in)
	}
}

func TestOneLine(t *testing.T) {
	assert.Equal(t, "a b c", oneLine("a\nb\tc", 10))
	assert.Equal(t, "abcd…", oneLine("abcdefgh", 5))
	assert.Equal(t, "éé…", oneLine("éééé", 3), "counts characters, not bytes")
	assert.Equal(t, "0s", shortDuration(-time.Second))
	assert.Equal(t, "42s", shortDuration(42*time.Second))
	assert.Equal(t, "13m", shortDuration(13*time.Minute+5*time.Second))
	assert.Equal(t, "49h05m", shortDuration(49*time.Hour+5*time.Minute))
}
