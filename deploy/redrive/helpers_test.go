package redrive_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/deploy/redrive"
	"github.com/chimeflow/chimeflow/deploy/redrive/redrivetest"
	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/processor/processortest"
	_ "github.com/chimeflow/chimeflow/rules/all"
)

const region = "us-east-1"

var creds = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIDREDRIVETEST", SecretAccessKey: "redrive-test-secret", Source: "test"}, nil
})

// awsEnv is one moto.server with an SQS and a Lambda client, and a Chime
// callback endpoint.
type awsEnv struct {
	moto  string
	sqs   *sqs.Client
	chime *messagingtest.Server
}

func newEnv(t *testing.T) *awsEnv {
	t.Helper()
	e := &awsEnv{moto: testenv.Moto(t)}
	e.sqs = sqs.New(sqs.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(e.moto)})
	e.chime = redrivetest.NewChime(t, messagingtest.Config{})
	return e
}

// newCallback is the real callback client of the stand-in, signed for
// us-east-1, one attempt per call.
func newCallback(s *messagingtest.Server) messaging.CallbackAPI {
	return s.Client(func(o *messaging.Options) { o.Region, o.MaxAttempts = region, 1 })
}

// resolve makes message n answered already, as by an earlier callback.
func resolve(t *testing.T, s *messagingtest.Server, n int) {
	t.Helper()
	require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: processortest.ChannelArn, MessageID: fmt.Sprintf("msg-%04d", n), CallbackID: callbackID(n)}))
	require.True(t, s.SetStatus(processortest.ChannelArn, fmt.Sprintf("msg-%04d", n), messaging.StatusSent))
}

// queue creates a queue named for t and sends the bodies to it, in order.
func (e *awsEnv) queue(t *testing.T, bodies ...string) string {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, t.Name())
	if len(name) > 70 {
		name = name[len(name)-70:]
	}
	out, err := e.sqs.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name)})
	require.NoError(t, err)
	for _, b := range bodies {
		_, err := e.sqs.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: out.QueueUrl, MessageBody: aws.String(b)})
		require.NoError(t, err)
	}
	return *out.QueueUrl
}

// left returns the bodies visible in the queue, sorted, and leaves them
// visible.
func (e *awsEnv) left(t *testing.T, queueURL string) []string {
	t.Helper()
	ctx := context.Background()
	var bodies []string
	var handles []string
	for {
		out, err := e.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10, VisibilityTimeout: 60})
		require.NoError(t, err)
		if len(out.Messages) == 0 {
			break
		}
		for _, m := range out.Messages {
			bodies = append(bodies, *m.Body)
			handles = append(handles, *m.ReceiptHandle)
		}
	}
	for _, h := range handles {
		_, err := e.sqs.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(queueURL), ReceiptHandle: aws.String(h), VisibilityTimeout: 0})
		require.NoError(t, err)
	}
	sort.Strings(bodies)
	return bodies
}

// rulesDoc is the pipeline of the answer-mode tests: spam is denied,
// e-mail addresses are redacted, everything else is allowed.
const rulesDoc = `onError: deny
rules:
  - rule: deny
    name: spam
    options:
      any:
        - keywords: [free money]
          reason: spam keywords
  - rule: redact
`

func withRules(doc string) boot.Option {
	return boot.WithGetenv(func(k string) string {
		if k == boot.EnvConfig {
			return doc
		}
		return ""
	})
}

// callbackID returns a valid CallbackId for n.
func callbackID(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// ev is an event for the tests: message n with content, sent age ago.
type ev struct {
	n       int
	content string
	age     time.Duration // of CreatedTimestamp; 0 means a minute
	edited  time.Duration // age of LastEditedTimestamp, when not 0
	noTime  bool          // neither timestamp
	channel string
}

func (v ev) payload(t *testing.T) []byte {
	t.Helper()
	if v.content == "" {
		v.content = fmt.Sprintf("hello %d", v.n)
	}
	if v.age == 0 {
		v.age = time.Minute
	}
	e := processortest.NewEvent(v.content)
	e.CallbackID = callbackID(v.n)
	e.ChannelMessage.MessageID = fmt.Sprintf("msg-%04d", v.n)
	if v.channel != "" {
		e.ChannelMessage.ChannelArn = v.channel
	}
	e.ChannelMessage.CreatedTimestamp = processor.NewTimestamp(time.Now().Add(-v.age).UTC().Format(time.RFC3339Nano))
	if v.edited != 0 {
		e.ChannelMessage.LastEditedTimestamp = processor.NewTimestamp(time.Now().Add(-v.edited).UTC().Format(time.RFC3339Nano))
	}
	if v.noTime {
		e.ChannelMessage.CreatedTimestamp, e.ChannelMessage.LastEditedTimestamp = processor.Timestamp{}, processor.Timestamp{}
	}
	return processortest.Payload(t, e)
}

func (v ev) record(t *testing.T, o redrivetest.RecordOptions) string {
	t.Helper()
	return redrivetest.Record(t, v.payload(t), o)
}

// run runs a Redriver over queueURL and returns its results in order.
func run(t *testing.T, cfg redrive.Config) ([]*redrive.Result, redrive.Summary, error) {
	t.Helper()
	r, err := redrive.New(cfg)
	require.NoError(t, err)
	var results []*redrive.Result
	sum, err := r.Run(context.Background(), func(res *redrive.Result) { results = append(results, res) })
	return results, sum, err
}

// byMessage indexes results by message id (or SQS message id when the
// record could not be parsed).
func byMessage(results []*redrive.Result) map[string]*redrive.Result {
	m := map[string]*redrive.Result{}
	for _, r := range results {
		k := r.MessageID
		if k == "" {
			k = "sqs:" + r.SQSMessageID
		}
		if _, dup := m[k]; dup {
			k += "#2"
		}
		m[k] = r
	}
	return m
}

// lambdaEnv is a processor function in moto's Lambda, reached through a
// recording proxy that keeps each Invoke request as sent.
type lambdaEnv struct {
	client   *lambda.Client
	function string

	mu      sync.Mutex
	invokes []invokeRequest
}

type invokeRequest struct {
	Path, InvocationType string
	Body                 []byte
	Status               int
}

func newLambda(t *testing.T, e *awsEnv) *lambdaEnv {
	t.Helper()
	target, err := url.Parse(e.moto)
	require.NoError(t, err)
	l := &lambdaEnv{function: "chat-moderation-processor"}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		req := resp.Request
		if strings.HasSuffix(req.URL.Path, "/invocations") {
			body, _ := req.Context().Value(bodyKey{}).([]byte)
			l.mu.Lock()
			l.invokes = append(l.invokes, invokeRequest{Path: req.URL.Path, InvocationType: req.Header.Get("X-Amz-Invocation-Type"), Body: body, Status: resp.StatusCode})
			l.mu.Unlock()
		}
		return nil
	}
	srv := newRecordingServer(t, proxy)
	l.client = lambda.New(lambda.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(srv)})

	redrivetest.CreateFunction(t, l.client, e.moto, l.function, nil)
	return l
}

func (l *lambdaEnv) requests() []invokeRequest {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]invokeRequest(nil), l.invokes...)
}

type bodyKey struct{}

// newRecordingServer serves h on loopback, with each request's body kept
// in its context for the proxy's ModifyResponse.
func newRecordingServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyKey{}, body)))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}
