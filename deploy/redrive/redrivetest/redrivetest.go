// Package redrivetest helps test code that reads a channel flow
// processor's on-failure queue: it builds Lambda on-failure records in the
// documented shape, starts the Chime SDK Messaging stand-in that answers
// the callbacks, and creates a processor function in a local
// AWS-compatible server.
package redrivetest

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
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

// NewChime starts the Chime SDK Messaging stand-in of the redrive tests,
// the one place they choose it: a messagingtest.Server, which checks every
// request against the service model and its signature, keeps the state of
// each message (pending until its first accepted callback), refuses a
// second callback (409 ConflictException unless cfg.Refusal says
// otherwise) and answers GetChannelMessageStatus. It is closed at the end
// of t, which fails if any request broke the model or its signature.
func NewChime(t testing.TB, cfg messagingtest.Config) *messagingtest.Server {
	t.Helper()
	if cfg.Refusal == 0 {
		cfg.Refusal = messagingtest.RefuseConflict
	}
	s := messagingtest.NewServer(cfg)
	t.Cleanup(func() {
		s.Close()
		for _, p := range s.Problems() {
			t.Errorf("redrivetest: nonconforming request: %s", p)
		}
	})
	return s
}

// Callbacks returns how many ChannelFlowCallback requests s received.
func Callbacks(s *messagingtest.Server) int {
	n := 0
	for _, op := range s.Operations() {
		if op == messaging.OpChannelFlowCallback {
			n++
		}
	}
	return n
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
