package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/chimeflow/chimeflow/deploy/flowresource"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

const (
	stackID      = "arn:aws:cloudformation:us-east-1:111122223333:stack/chat/00000000-1111-2222-3333-444444444444"
	logicalID    = "ChannelFlow"
	appInstance  = "arn:aws:chime:us-east-1:111122223333:app-instance/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	appInstance2 = "arn:aws:chime:us-east-1:111122223333:app-instance/ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee"
	admin        = appInstance + "/user/admin"
	admin2       = appInstance2 + "/user/admin"
	channelA     = appInstance + "/channel/a"
	channelB     = appInstance + "/channel/b"
	channelC     = appInstance + "/channel/c"
	processor    = "arn:aws:lambda:us-east-1:111122223333:function:chat-ProcessorFunction-Abc123"
	processor2   = "arn:aws:lambda:us-east-1:111122223333:function:chat-ProcessorFunction-Def456"
	logStream    = "2026/01/01/[$LATEST]0123456789abcdef"
)

// answer is the body CloudFormation receives at the ResponseURL.
type answer struct {
	Status             string         `json:"Status"`
	Reason             string         `json:"Reason"`
	PhysicalResourceID string         `json:"PhysicalResourceId"`
	StackID            string         `json:"StackId"`
	RequestID          string         `json:"RequestId"`
	LogicalResourceID  string         `json:"LogicalResourceId"`
	NoEcho             bool           `json:"NoEcho"`
	Data               map[string]any `json:"Data"`
}

// delivery is one request to the ResponseURL.
type delivery struct {
	method      string
	contentType string
	hasCT       bool
	body        []byte
	at          time.Time
}

// sink stands in for the pre-signed S3 URL CloudFormation gives a custom
// resource: it records every PUT and answers with the statuses queued in
// fail, then 200.
type sink struct {
	srv *httptest.Server

	mu         sync.Mutex
	deliveries []delivery
	fail       []int
}

func newSink(t *testing.T) *sink {
	s := &sink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ct, hasCT := r.Header["Content-Type"]
		s.mu.Lock()
		s.deliveries = append(s.deliveries, delivery{method: r.Method, contentType: strings.Join(ct, ","), hasCT: hasCT, body: body, at: time.Now()})
		status := http.StatusOK
		if len(s.fail) > 0 {
			status, s.fail = s.fail[0], s.fail[1:]
		}
		s.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *sink) all() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.deliveries...)
}

// env is one custom resource wired to a fake Chime and a response sink.
type env struct {
	t       *testing.T
	fake    *messagingtest.Server
	sink    *sink
	flow    *flowresource.ChannelFlow
	handler *flowresource.Handler
	seq     int
	// budget is the invocation's time limit in run; 0 means 30 s.
	budget time.Duration
}

func newEnv(t *testing.T) *env {
	t.Helper()
	// The identity IAM names when the role's policy refuses a request.
	fake := messagingtest.NewServer(messagingtest.Config{Principal: "arn:aws:sts::111122223333:assumed-role/chat-ChannelFlowRole-X/chat-ChannelFlowFunction-X"})
	t.Cleanup(fake.Close)
	fake.AddBearers(admin, admin2)
	fake.AddChannels(channelA, channelB, channelC)
	e := &env{t: t, fake: fake, sink: newSink(t)}
	e.flow = &flowresource.ChannelFlow{API: e.client()}
	e.handler = flowresource.NewHandler(e.flow)
	e.handler.LogStreamName = logStream
	t.Cleanup(func() {
		if n := fake.Nonconforming(); n > 0 {
			t.Errorf("%d requests to Chime broke the service model or their signature:\n%s", n, strings.Join(fake.Problems(), "\n"))
		}
	})
	return e
}

// client returns a client of the stand-in that makes one attempt per call
// (retries are tested by setting MaxAttempts), with optFns applied.
func (e *env) client(optFns ...func(*messaging.Options)) *messaging.Client {
	return e.fake.Client(append([]func(*messaging.Options){func(o *messaging.Options) { o.MaxAttempts = 1 }}, optFns...)...)
}

// inject queues faults for the next requests of op; an error fault given
// by its Code alone gets the status the service model gives that code.
func (e *env) inject(op string, faults ...messagingtest.Fault) {
	e.t.Helper()
	for i, f := range faults {
		if f.Code != "" && f.Status == 0 {
			if faults[i].Status = e.fake.ErrorStatus(f.Code); faults[i].Status == 0 {
				e.t.Fatalf("the service model has no error %s", f.Code)
			}
		}
	}
	e.fake.Inject(op, faults...)
}

// props returns the resource properties as CloudFormation sends them
// (every scalar a string), with the given changes; a nil value removes
// the property.
func props(changes map[string]any) map[string]any {
	p := map[string]any{
		"ServiceToken":   "arn:aws:lambda:us-east-1:111122223333:function:chat-ChannelFlowFunction-X",
		"ServiceTimeout": "600",
		"AppInstanceArn": appInstance,
		"Name":           "moderation",
		"FallbackAction": "ABORT",
		"ProcessorArn":   processor,
	}
	for k, v := range changes {
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	return p
}

// channels is a ChannelArns value as CloudFormation sends a list.
func channels(arns ...string) []any {
	out := make([]any, len(arns))
	for i, a := range arns {
		out[i] = a
	}
	return out
}

// event returns a request of the given type, with a fresh RequestId.
func (e *env) event(typ cfn.RequestType, physicalID string, properties, old map[string]any) cfn.Event {
	e.seq++
	return cfn.Event{
		RequestType:           typ,
		RequestID:             fmt.Sprintf("d8b5e1a2-0000-4000-8000-%012d", e.seq),
		ResponseURL:           e.sink.srv.URL + "/cloudformation-custom-resource-response?X-Amz-Signature=abc",
		ResourceType:          "Custom::ChimeChannelFlow",
		PhysicalResourceID:    physicalID,
		LogicalResourceID:     logicalID,
		StackID:               stackID,
		ResourceProperties:    properties,
		OldResourceProperties: old,
	}
}

// run handles the request with the env's invocation deadline (30 s unless
// budget says otherwise) and returns the one answer CloudFormation received.
func (e *env) run(ev cfn.Event) answer {
	e.t.Helper()
	budget := e.budget
	if budget == 0 {
		budget = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	return e.runCtx(ctx, ev)
}

func (e *env) runCtx(ctx context.Context, ev cfn.Event) answer {
	e.t.Helper()
	before := len(e.sink.all())
	if err := e.handler.Handle(ctx, ev); err != nil {
		e.t.Fatalf("Handle: %v", err)
	}
	got := e.sink.all()[before:]
	if len(got) != 1 {
		e.t.Fatalf("CloudFormation received %d answers, want exactly 1", len(got))
	}
	return checkDelivery(e.t, got[0], ev)
}

// checkDelivery checks what every answer must be: a PUT without a content
// type (the URL is pre-signed without one), at most 4096 bytes, echoing the
// request's ids, SUCCESS or FAILED, a reason when FAILED.
func checkDelivery(t *testing.T, d delivery, ev cfn.Event) answer {
	t.Helper()
	if d.method != http.MethodPut {
		t.Errorf("answer sent with %s, want PUT", d.method)
	}
	if d.hasCT && d.contentType != "" {
		t.Errorf("answer sent with Content-Type %q; the pre-signed URL allows none", d.contentType)
	}
	if len(d.body) > flowresource.MaxResponseBytes {
		t.Errorf("answer is %d bytes, CloudFormation accepts %d", len(d.body), flowresource.MaxResponseBytes)
	}
	var a answer
	if err := json.Unmarshal(d.body, &a); err != nil {
		t.Fatalf("answer %s: %v", d.body, err)
	}
	if a.StackID != ev.StackID || a.RequestID != ev.RequestID || a.LogicalResourceID != ev.LogicalResourceID {
		t.Errorf("answer ids (%s, %s, %s) do not echo the request's", a.StackID, a.RequestID, a.LogicalResourceID)
	}
	switch a.Status {
	case "SUCCESS":
	case "FAILED":
		if a.Reason == "" {
			t.Error("FAILED without a reason")
		}
	default:
		t.Errorf("Status %q", a.Status)
	}
	if a.PhysicalResourceID == "" {
		t.Error("no PhysicalResourceId")
	}
	return a
}

// wantStatus fails unless the answer has the status and its reason holds
// every fragment.
func wantStatus(t *testing.T, a answer, status string, reasonHas ...string) {
	t.Helper()
	if a.Status != status {
		t.Fatalf("Status %s (reason %q), want %s", a.Status, a.Reason, status)
	}
	for _, f := range reasonHas {
		if !strings.Contains(a.Reason, f) {
			t.Errorf("reason %q lacks %q", a.Reason, f)
		}
	}
}

// wantOps fails unless the fake received exactly these operations since
// call number from.
func wantOps(t *testing.T, fake *messagingtest.Server, from int, ops ...string) []messagingtest.Call {
	t.Helper()
	calls := fake.Calls()[from:]
	got := make([]string, len(calls))
	for i, c := range calls {
		got[i] = c.Operation
	}
	if strings.Join(got, ",") != strings.Join(ops, ",") {
		t.Fatalf("Chime received\n  %v\nwant\n  %v", got, ops)
	}
	return calls
}

// panicking wraps a FlowAPI and panics in one operation: every time, or
// the first once times when once is set.
type panicking struct {
	messaging.FlowAPI
	op   string
	once *atomic.Int32
}

// fire reports whether the call of op panics.
func (p panicking) fire(op string) bool {
	return p.op == op && (p.once == nil || p.once.Add(-1) >= 0)
}

func (p panicking) AssociateChannelFlow(ctx context.Context, in *messaging.AssociateChannelFlowInput, optFns ...func(*messaging.Options)) (*messaging.AssociateChannelFlowOutput, error) {
	if p.fire(messaging.OpAssociateChannelFlow) {
		var m map[string]int
		m["boom"]++ // a nil map write: a real bug, not a staged panic(...)
	}
	return p.FlowAPI.AssociateChannelFlow(ctx, in, optFns...)
}

func (p panicking) CreateChannelFlow(ctx context.Context, in *messaging.CreateChannelFlowInput, optFns ...func(*messaging.Options)) (*messaging.CreateChannelFlowOutput, error) {
	if p.fire(messaging.OpCreateChannelFlow) {
		panic("unexpected state")
	}
	return p.FlowAPI.CreateChannelFlow(ctx, in, optFns...)
}

// recorder is an HTTPClient that records the URL and answers 200.
type recorder struct{ f func(*url.URL) }

func (r recorder) Do(req *http.Request) (*http.Response, error) {
	r.f(req.URL)
	return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}}, nil
}
