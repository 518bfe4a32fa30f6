package messaging

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

const (
	testRegion         = "us-east-1"
	testAppInstanceArn = "arn:aws:chime:us-east-1:111122223333:app-instance/0a1b2c3d-1111-2222-3333-444455556666"
	testChannelArn     = testAppInstanceArn + "/channel/ch-7f3e"
	testFlowArn        = testAppInstanceArn + "/channel-flow/flow-9a8b"
	testBearerArn      = testAppInstanceArn + "/user/admin-1"
	testLambdaArn      = "arn:aws:lambda:us-east-1:111122223333:function:chimeflow-processor"
	testCallbackID     = "cb-0123456789abcdef0123456789abcdef"
	testMessageID      = "msg-abc_DEF-123"
)

var testCreds = aws.Credentials{
	AccessKeyID:     "AKIDEXAMPLE",
	SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	SessionToken:    "IQoJb3JpZ2luX2VjEXAMPLE/token+with=chars",
}

// testNow is the signing time of every test request.
var testNow = time.Date(2024, 5, 17, 12, 34, 56, 0, time.UTC)

// capturedRequest is a request as the server received it.
type capturedRequest struct {
	Method        string
	RequestURI    string // raw path and query, exactly as sent
	Host          string
	Header        http.Header
	ContentLength int64
	Body          []byte
}

// fakeServer records every request and answers with respond (n counts the
// requests from 0).
type fakeServer struct {
	*httptest.Server
	mu      sync.Mutex
	reqs    []capturedRequest
	respond func(n int, w http.ResponseWriter, r *http.Request)
}

func newFakeServer(t testing.TB, respond func(n int, w http.ResponseWriter, r *http.Request)) *fakeServer {
	t.Helper()
	fs := &fakeServer{respond: respond}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		fs.mu.Lock()
		n := len(fs.reqs)
		fs.reqs = append(fs.reqs, capturedRequest{
			Method: r.Method, RequestURI: r.RequestURI, Host: r.Host,
			Header: r.Header.Clone(), ContentLength: r.ContentLength, Body: body,
		})
		fs.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		fs.respond(n, w, r)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fakeServer) requests() []capturedRequest {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return append([]capturedRequest(nil), fs.reqs...)
}

func (fs *fakeServer) count() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.reqs)
}

// reply answers with status, the given headers ("Name: value") and body.
func reply(w http.ResponseWriter, status int, body string, headers ...string) {
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		w.Header().Set(k, strings.TrimSpace(v))
	}
	if body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// newTestClient returns a client of the fake server with fixed credentials,
// time and a 1 ms backoff.
func newTestClient(t testing.TB, endpoint string, optFns ...func(*Options)) *Client {
	t.Helper()
	opts := Options{
		Region:       testRegion,
		Credentials:  staticCredentials(testCreds),
		BaseEndpoint: endpoint,
		MaxBackoff:   time.Millisecond,
		Now:          func() time.Time { return testNow },
	}
	return New(opts, optFns...)
}

// decodeJSON decodes s with numbers as json.Number.
func decodeJSON(t testing.TB, s []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

// validCallback returns a ChannelFlowCallbackInput that passes Validate.
func validCallback() *ChannelFlowCallbackInput {
	return &ChannelFlowCallbackInput{
		CallbackID: testCallbackID,
		ChannelArn: testChannelArn,
		ChannelMessage: &ChannelMessageCallback{
			MessageID: testMessageID,
			Content:   "hello",
		},
	}
}

// validProcessor returns a Processor that passes validation.
func validProcessor() Processor {
	return Processor{
		Name:           "moderation",
		ExecutionOrder: 1,
		FallbackAction: FallbackAbort,
		Configuration:  ProcessorConfiguration{Lambda: LambdaConfiguration{ResourceArn: testLambdaArn, InvocationType: InvocationTypeAsync}},
	}
}
