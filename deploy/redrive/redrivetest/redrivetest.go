// Package redrivetest helps test code that reads a channel flow
// processor's on-failure queue: it builds Lambda on-failure records in the
// documented shape, starts a Chime SDK Messaging callback endpoint on
// loopback that answers each CallbackId as the service does (accepted
// once, refused as already resolved after that) or fails it on request,
// and creates a processor function in a local AWS-compatible server.
package redrivetest

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/messaging"
)

// FunctionArn is the processor function of the records Record builds.
const FunctionArn = "arn:aws:lambda:us-east-1:111122223333:function:chat-moderation-processor:$LATEST"

// RecordOptions describe an on-failure record; the zero value is the
// record of an event whose three attempts all failed a second ago with an
// error of the handler.
type RecordOptions struct {
	// Condition is RetriesExhausted unless set.
	Condition string
	// InvokeCount is 3 unless set; negative means 0.
	InvokeCount int
	// Time is the record's timestamp; zero means a second ago, and
	// NoTime leaves it out.
	Time   time.Time
	NoTime bool
	// FunctionError is Handled unless set.
	FunctionError string
	// ErrorType and ErrorMessage are the last attempt's error; the default
	// is the error of a refused callback.
	ErrorType, ErrorMessage string
	// RequestID is the failed invocation's; a fixed one unless set.
	RequestID string
}

// Record returns the body Lambda sends to an SQS on-failure destination
// for event (the invocation payload, a JSON object), in the shape of the
// Lambda developer guide's example invocation record. An event that is not
// JSON fails t.
func Record(t testing.TB, event []byte, o RecordOptions) string {
	t.Helper()
	if o.Condition == "" {
		o.Condition = "RetriesExhausted"
	}
	switch {
	case o.InvokeCount == 0:
		o.InvokeCount = 3
	case o.InvokeCount < 0:
		o.InvokeCount = 0
	}
	if o.Time.IsZero() {
		o.Time = time.Now().Add(-time.Second)
	}
	if o.FunctionError == "" {
		o.FunctionError = "Handled"
	}
	if o.ErrorType == "" && o.ErrorMessage == "" {
		o.ErrorType = "errorString"
		o.ErrorMessage = "channel flow callback failed: messaging: ChannelFlowCallback: HTTP 503 ServiceUnavailableException: Service unavailable (request id 4d3c2b1a)"
	}
	if o.RequestID == "" {
		o.RequestID = "e4b46cbf-b738-4c1a-8880-a18cdf61200e"
	}
	rec := map[string]any{
		"version": "1.0",
		"requestContext": map[string]any{
			"requestId": o.RequestID, "functionArn": FunctionArn,
			"condition": o.Condition, "approximateInvokeCount": o.InvokeCount,
		},
		"requestPayload":  json.RawMessage(event),
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": o.FunctionError},
		"responsePayload": map[string]any{"errorMessage": o.ErrorMessage, "errorType": o.ErrorType},
	}
	if !o.NoTime {
		rec["timestamp"] = o.Time.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatalf("redrivetest: Record: %v", err)
	}
	return string(b)
}

// Chime is a Chime SDK Messaging callback endpoint on loopback: every
// CallbackId is pending until its first callback is accepted, and each
// later callback for it is refused with 409 ConflictException, as the
// service refuses a second answer.
type Chime struct {
	// URL is the endpoint, for messaging.Options.BaseEndpoint.
	URL string

	srv   *httptest.Server
	inner *lambdatest.Chime

	mu       sync.Mutex
	resolved map[string]bool
	fail     map[string]Failure
	accepted []messaging.ChannelFlowCallbackInput
	regions  []string
	problems []string
}

// Failure is how Fail makes the endpoint answer a CallbackId: after Delay,
// with Status (an error status, and its Message), or as usual when Status
// is 0.
type Failure struct {
	Status  int
	Message string
	Delay   time.Duration
}

// NewChime starts the endpoint for the duration of t. It is the one
// place the redrive tests choose their Chime stand-in. At the end of t it
// reports every request that was not a signed ChannelFlowCallback.
func NewChime(t testing.TB) *Chime {
	t.Helper()
	c := &Chime{inner: &lambdatest.Chime{}, resolved: map[string]bool{}, fail: map[string]Failure{}}
	c.srv = httptest.NewServer(http.HandlerFunc(c.serve))
	c.URL = c.srv.URL
	t.Cleanup(func() {
		c.srv.Close()
		for _, p := range c.Problems() {
			t.Errorf("redrivetest.Chime: %s", p)
		}
	})
	return c
}

// Resolve marks callbackID as answered already: its callbacks are refused.
func (c *Chime) Resolve(callbackID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resolved[callbackID] = true
}

// Fail makes every callback for callbackID fail with f.
func (c *Chime) Fail(callbackID string, f Failure) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fail[callbackID] = f
}

// Accepted returns the callbacks accepted so far, in order.
func (c *Chime) Accepted() []messaging.ChannelFlowCallbackInput {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]messaging.ChannelFlowCallbackInput(nil), c.accepted...)
}

// Requests returns how many requests the endpoint received.
func (c *Chime) Requests() int {
	reqs, _ := c.inner.Requests()
	return len(reqs)
}

// SigningRegions returns the Region each request was signed for, in order.
func (c *Chime) SigningRegions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.regions...)
}

// Problems returns what was wrong with the requests received.
func (c *Chime) Problems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.problems...)
}

func (c *Chime) serve(w http.ResponseWriter, r *http.Request) {
	var in messaging.ChannelFlowCallbackInput
	body, problem := readCallback(r, &in)
	c.mu.Lock()
	delay := c.fail[in.CallbackID].Delay
	c.mu.Unlock()
	time.Sleep(delay)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.regions = append(c.regions, signingRegion(r.Header.Get("Authorization")))
	status, msg := http.StatusOK, ""
	switch {
	case problem != "":
		c.problems = append(c.problems, problem)
		status, msg = http.StatusBadRequest, problem
	case c.fail[in.CallbackID].Status != 0:
		status, msg = c.fail[in.CallbackID].Status, c.fail[in.CallbackID].Message
	case c.resolved[in.CallbackID]:
		status, msg = http.StatusConflict, "Unable to complete processing of non-pending message "+in.ChannelMessage.MessageID
	default:
		c.resolved[in.CallbackID] = true
		c.accepted = append(c.accepted, in)
	}
	// The scripted answer is written by lambdatest.Chime, which records
	// the request; c.mu serialises the script.
	c.inner.Statuses, c.inner.Message = []int{status}, msg
	r.Body = io.NopCloser(bytes.NewReader(body))
	c.inner.ServeHTTP(w, r)
}

// readCallback reads a ChannelFlowCallback request into in and returns its
// body and what is wrong with it, if anything.
func readCallback(r *http.Request, in *messaging.ChannelFlowCallbackInput) ([]byte, string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, "read body: " + err.Error()
	}
	const prefix = "/channels/"
	path := r.URL.EscapedPath()
	switch {
	case r.Method != http.MethodPost || !strings.HasPrefix(path, prefix) || r.URL.Query().Get("operation") != "channel-flow-callback":
		return body, "not a ChannelFlowCallback: " + r.Method + " " + r.URL.RequestURI()
	case !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential="):
		return body, "unsigned request"
	}
	if err := json.Unmarshal(body, in); err != nil {
		return body, "body: " + err.Error()
	}
	arn, err := url.PathUnescape(strings.TrimPrefix(path, prefix))
	if err != nil || strings.Contains(strings.TrimPrefix(path, prefix), "/") {
		return body, "channel ARN not one escaped path segment: " + path
	}
	in.ChannelArn = arn
	if in.ChannelMessage == nil || in.CallbackID == "" {
		return body, "no CallbackId or ChannelMessage"
	}
	return body, ""
}

// signingRegion returns the Region of a SigV4 Authorization header's
// credential scope (KEY/DATE/REGION/SERVICE/aws4_request).
func signingRegion(auth string) string {
	_, cred, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	cred, _, _ = strings.Cut(cred, ",")
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[2]
}

// CreateFunction creates a processor function named name, with the
// environment variables env, in the Lambda of a local AWS-compatible
// server (moto.server) through client, with the role it requires, and
// returns its ARN. Its code is never run: moto runs functions in Docker,
// and answers an asynchronous Invoke 202 before that.
func CreateFunction(t testing.TB, client *lambda.Client, endpoint, name string, env map[string]string) string {
	t.Helper()
	role := createRole(t, endpoint, name+"-role")
	var code bytes.Buffer
	z := zip.NewWriter(&code)
	w, err := z.Create("bootstrap")
	if err == nil {
		_, err = w.Write([]byte("#!/bin/sh\nexit 1\n"))
	}
	if err == nil {
		err = z.Close()
	}
	if err != nil {
		t.Fatalf("redrivetest: zip: %v", err)
	}
	out, err := client.CreateFunction(context.Background(), &lambda.CreateFunctionInput{
		FunctionName: aws.String(name), Role: aws.String(role), Runtime: lambdatypes.RuntimeProvidedal2023,
		Handler: aws.String("bootstrap"), Code: &lambdatypes.FunctionCode{ZipFile: code.Bytes()},
		Environment: &lambdatypes.Environment{Variables: env},
	})
	if err != nil {
		t.Fatalf("redrivetest: create function %s: %v", name, err)
	}
	return aws.ToString(out.FunctionArn)
}

// createRole creates, in the server's IAM, a role Lambda may assume, with
// the IAM query API (the project has no IAM client), and returns its ARN.
func createRole(t testing.TB, endpoint, name string) string {
	t.Helper()
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	form := url.Values{"Action": {"CreateRole"}, "Version": {"2010-05-08"}, "RoleName": {name}, "AssumeRolePolicyDocument": {policy}}
	req, err := http.NewRequest(http.MethodPost, endpoint+"/", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatalf("redrivetest: %v", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// The server routes by the credential scope's service; it does not
	// check signatures.
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDREDRIVETEST/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("redrivetest: create role: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	_, arn, ok := strings.Cut(string(b), "<Arn>")
	arn, _, _ = strings.Cut(arn, "</Arn>")
	if resp.StatusCode != http.StatusOK || !ok {
		t.Fatalf("redrivetest: create role: HTTP %d: %s", resp.StatusCode, b)
	}
	return arn
}
