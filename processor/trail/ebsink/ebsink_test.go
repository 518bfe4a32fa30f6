package ebsink_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/processor/trail"
	"github.com/chimeflow/chimeflow/processor/trail/ebsink"
)

const region = "us-east-1"

// motoTimeout bounds each PutEvents call to moto, which can be slow on a
// busy machine; the production default (5 s) is not under test there.
const motoTimeout = 2 * time.Minute

var creds = credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")

func ebClient(endpoint string) *eventbridge.Client {
	return eventbridge.New(eventbridge.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(endpoint), RetryMaxAttempts: 1})
}

func sqsClient(endpoint string) *sqs.Client {
	return sqs.New(sqs.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(endpoint)})
}

// world is a moto server with a bus whose rule on the trail's source and
// detail-type targets an SQS queue the test reads back.
type world struct {
	endpoint string
	eb       *eventbridge.Client
	sqs      *sqs.Client
}

func (w *world) bus(t *testing.T, name string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := w.eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	q, err := w.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-review")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := w.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqsTypesAttr{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	pattern := fmt.Sprintf(`{"source":[%q],"detail-type":[%q]}`, trail.Source, trail.DetailType)
	if _, err := w.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("to-review"), EventBusName: aws.String(name), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("to-review"), EventBusName: aws.String(name),
		Targets: []ebTypesTarget{{Id: aws.String("queue"), Arn: aws.String(attrs.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	return *q.QueueUrl
}

// envelope is the EventBridge event as the queue receives it.
type envelope struct {
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Resources  []string        `json:"resources"`
	Time       time.Time       `json:"time"`
	Detail     json.RawMessage `json:"detail"`
}

// receive reads n events from the queue (and fails after 2 minutes), then
// checks that no more arrive.
func (w *world) receive(t *testing.T, url string, n int) []envelope {
	t.Helper()
	var out []envelope
	deadline := time.Now().Add(2 * time.Minute)
	for len(out) < n && time.Now().Before(deadline) {
		out = append(out, w.poll(t, url)...)
	}
	if len(out) != n {
		t.Fatalf("received %d events, want %d", len(out), n)
	}
	if extra := w.poll(t, url); len(extra) > 0 {
		t.Fatalf("received %d events more than the %d sent", len(extra), n)
	}
	return out
}

func (w *world) poll(t *testing.T, url string) []envelope {
	t.Helper()
	ctx := context.Background()
	res, err := w.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	var out []envelope
	for _, m := range res.Messages {
		var e envelope
		if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &e); err != nil {
			t.Fatalf("queue message %q: %v", aws.ToString(m.Body), err)
		}
		out = append(out, e)
		if _, err := w.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// logBuffer collects log lines written from the trail's goroutine.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *logBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// secret is what senders wrote in the tests' events: it must never reach
// a log line.
const secret = "the sender's private words"

func event(i int, action string) trail.Event {
	ev := trail.Event{
		Action: action, Rules: []string{"profanity"}, Pipeline: "default",
		CallbackID: fmt.Sprintf("%032d", i), MessageID: fmt.Sprintf("msg-%d", i),
		ChannelArn: "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/channel/ch-1",
		SenderArn:  "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/user/u-1",
		DecidedAt:  time.Date(2026, 2, 3, 4, 5, 6, 7_000_000, time.UTC).Add(time.Duration(i) * time.Second),
		Content:    &trail.Content{Original: secret + fmt.Sprint(i)},
	}
	switch action {
	case trail.ActionDeny:
		ev.Reason = "matched a listed word"
	case trail.ActionRewrite:
		ev.Changed = []string{"Content"}
		ev.Rules = []string{"links", "profanity"}
		ev.Content.Rewritten = "the sender's ***** words"
	case trail.ActionFlag:
		ev.Would = "DENY"
		ev.Reason = "dry run"
	}
	return ev
}

func flush(t *testing.T, tr *trail.Trail) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestAgainstMoto(t *testing.T) {
	endpoint := testenv.Moto(t)
	w := &world{endpoint: endpoint, eb: ebClient(endpoint), sqs: sqsClient(endpoint)}

	for _, content := range []bool{false, true} {
		t.Run(fmt.Sprintf("delivery/content=%v", content), func(t *testing.T) {
			bus := fmt.Sprintf("decisions-%v", content)
			url := w.bus(t, bus)
			rec := &recorder{target: endpoint}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			var logs logBuffer
			tr, err := newTrail(ebClient(srv.URL), trail.Options{Timeout: motoTimeout, Bus: bus, IncludeContent: content, Logger: zerolog.New(&logs)})
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close(context.Background())
			sent := map[string]trail.Event{}
			for i := 0; i < 25; i++ {
				ev := event(i, []string{trail.ActionDeny, trail.ActionRewrite, trail.ActionFlag}[i%3])
				if !tr.Send(ev) {
					t.Fatal("Send refused an event")
				}
				sent[ev.MessageID] = ev
			}
			flush(t, tr)
			if tr.Sent() != 25 || tr.Failures() != 0 {
				t.Fatalf("Sent %d, Failures %d; want 25, 0\n%s", tr.Sent(), tr.Failures(), logs.String())
			}
			for _, env := range w.receive(t, url, 25) {
				if env.Source != trail.Source || env.DetailType != trail.DetailType {
					t.Fatalf("envelope source %q detail-type %q", env.Source, env.DetailType)
				}
				var got trail.Event
				if err := json.Unmarshal(env.Detail, &got); err != nil {
					t.Fatal(err)
				}
				want, ok := sent[got.MessageID]
				if !ok {
					t.Fatalf("unexpected event %s", env.Detail)
				}
				delete(sent, got.MessageID)
				want.SchemaVersion = trail.SchemaVersion
				if !content {
					want.Content = nil
				}
				if !got.DecidedAt.Equal(want.DecidedAt) {
					t.Errorf("decidedAt %v, want %v", got.DecidedAt, want.DecidedAt)
				}
				got.DecidedAt = want.DecidedAt
				if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
					t.Errorf("detail\n got  %s\n want %s", g, w)
				}
				if len(env.Resources) != 1 || env.Resources[0] != want.ChannelArn {
					t.Errorf("resources %v, want the channel ARN", env.Resources)
				}
				if !env.Time.Equal(want.DecidedAt.Truncate(time.Second)) {
					t.Errorf("event time %v, want %v", env.Time, want.DecidedAt.Truncate(time.Second))
				}
				if strings.Contains(string(env.Detail), secret) != content {
					t.Errorf("content present %v in %s, want %v", !content, env.Detail, content)
				}
			}
			for _, r := range rec.requests() {
				if r.entries < 1 || r.entries > trail.MaxEntriesPerRequest || r.bytes > trail.MaxRequestBytes {
					t.Errorf("a PutEvents request had %d entries of %d bytes", r.entries, r.bytes)
				}
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("content logged:\n%s", logs.String())
			}
		})
	}

	t.Run("requests split by size", func(t *testing.T) {
		url := w.bus(t, "big")
		rec := &recorder{target: endpoint}
		srv := httptest.NewServer(rec)
		defer srv.Close()
		tr, err := newTrail(ebClient(srv.URL), trail.Options{Timeout: motoTimeout, Bus: "big"})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close(context.Background())
		for i := 0; i < 10; i++ {
			ev := event(i, trail.ActionRewrite)
			ev.Rules = manyRules(40, 1000) // about 40 KB of rule names
			tr.Send(ev)
		}
		flush(t, tr)
		w.receive(t, url, 10)
		reqs := rec.requests()
		if len(reqs) < 2 {
			t.Fatalf("%d requests for 400 KB of events, want at least 2", len(reqs))
		}
		total := 0
		for _, r := range reqs {
			total += r.entries
			if r.bytes > trail.MaxRequestBytes || r.entries > trail.MaxEntriesPerRequest {
				t.Errorf("request of %d entries, %d bytes", r.entries, r.bytes)
			}
		}
		if total != 10 || tr.Failures() != 0 {
			t.Fatalf("%d entries sent in %d requests, %d failures", total, len(reqs), tr.Failures())
		}
	})

	t.Run("event too large for one entry", func(t *testing.T) {
		url := w.bus(t, "huge")
		var logs logBuffer
		tr, err := newTrail(ebClient(endpoint), trail.Options{Timeout: motoTimeout, Bus: "huge", IncludeContent: true, Logger: zerolog.New(&logs)})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close(context.Background())
		// Too large only because of the content: sent without it.
		fits := event(1, trail.ActionDeny)
		fits.Rules = manyRules(250, 1000)
		fits.Content.Original = strings.Repeat(secret, 500)
		// Too large even without content: not sent, counted.
		tooBig := event(2, trail.ActionDeny)
		tooBig.Rules = manyRules(300, 1000)
		tr.Send(fits)
		tr.Send(tooBig)
		flush(t, tr)
		envs := w.receive(t, url, 1)
		var got trail.Event
		if err := json.Unmarshal(envs[0].Detail, &got); err != nil {
			t.Fatal(err)
		}
		if got.MessageID != "msg-1" || got.Content == nil || !got.Content.Omitted || got.Content.Original != "" {
			t.Fatalf("event delivered: %s %+v", got.MessageID, got.Content)
		}
		if tr.Failures() != 1 || tr.Sent() != 1 {
			t.Fatalf("Failures %d, Sent %d; want 1, 1", tr.Failures(), tr.Sent())
		}
		if l := logs.String(); !strings.Contains(l, "msg-2") || strings.Contains(l, secret) {
			t.Fatalf("log should name msg-2 and hold no content:\n%s", l)
		}
	})

	t.Run("retryable entries are retried, others counted", func(t *testing.T) {
		url := w.bus(t, "flaky")
		rec := &recorder{target: endpoint, fault: func(call int, id string) string {
			switch {
			case id == "msg-0" && call == 1:
				return "ThrottlingException"
			case id == "msg-2" && call <= 2:
				return "InternalFailure"
			case id == "msg-3":
				return "AccessDeniedException"
			case id == "msg-4":
				return "ThrottlingException" // every time
			}
			return ""
		}}
		srv := httptest.NewServer(rec)
		defer srv.Close()
		var logs logBuffer
		tr, err := newTrail(ebClient(srv.URL), trail.Options{Timeout: motoTimeout, Bus: "flaky", Backoff: time.Millisecond, MaxAttempts: 3, Logger: zerolog.New(&logs), IncludeContent: true})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close(context.Background())
		for i := 0; i < 6; i++ {
			tr.Send(event(i, trail.ActionDeny))
		}
		flush(t, tr)
		got := map[string]bool{}
		for _, env := range w.receive(t, url, 4) {
			var ev trail.Event
			_ = json.Unmarshal(env.Detail, &ev)
			got[ev.MessageID] = true
		}
		for _, id := range []string{"msg-0", "msg-1", "msg-2", "msg-5"} {
			if !got[id] {
				t.Errorf("%s not delivered", id)
			}
		}
		if tr.Failures() != 2 || tr.Sent() != 4 {
			t.Fatalf("Failures %d, Sent %d; want 2, 4\n%s", tr.Failures(), tr.Sent(), logs.String())
		}
		if n := rec.attempts("msg-4"); n != 3 {
			t.Errorf("msg-4 sent %d times, want MaxAttempts 3", n)
		}
		if n := rec.attempts("msg-3"); n != 1 {
			t.Errorf("msg-3 (not retryable) sent %d times, want 1", n)
		}
		l := logs.String()
		for _, want := range []string{"AccessDeniedException", "msg-3", "ThrottlingException", "msg-4"} {
			if !strings.Contains(l, want) {
				t.Errorf("log lacks %q:\n%s", want, l)
			}
		}
		if strings.Contains(l, secret) {
			t.Errorf("content logged:\n%s", l)
		}
	})

	t.Run("bus that does not exist", func(t *testing.T) {
		var logs logBuffer
		tr, err := newTrail(ebClient(endpoint), trail.Options{Timeout: motoTimeout, Bus: "no-such-bus", IncludeContent: true, Logger: zerolog.New(&logs)})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close(context.Background())
		for i := 0; i < 12; i++ {
			if !tr.Send(event(i, trail.ActionDeny)) {
				t.Fatal("Send refused")
			}
		}
		flush(t, tr)
		if tr.Failures() != 12 || tr.Sent() != 0 {
			t.Fatalf("Failures %d, Sent %d; want 12, 0", tr.Failures(), tr.Sent())
		}
		if l := logs.String(); !strings.Contains(l, "ResourceNotFoundException") || !strings.Contains(l, `"level":"warn"`) || strings.Contains(l, secret) {
			t.Fatalf("log should warn with the error and no content:\n%s", l)
		}
	})

	t.Run("queue full", func(t *testing.T) {
		url := w.bus(t, "busy")
		s := &stall{release: make(chan struct{}), calls: make(chan struct{}, 100), next: &recorder{target: endpoint}}
		srv := httptest.NewServer(s)
		defer srv.Close()
		var logs logBuffer
		tr, err := newTrail(ebClient(srv.URL), trail.Options{Timeout: motoTimeout, Bus: "busy", QueueSize: 2, Logger: zerolog.New(&logs)})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close(context.Background())
		tr.Send(event(0, trail.ActionDeny))
		<-s.calls // the goroutine holds event 0 in a stalled request
		accepted := 0
		for i := 1; i <= 5; i++ {
			if tr.Send(event(i, trail.ActionDeny)) {
				accepted++
			}
		}
		if accepted != 2 || tr.Failures() != 3 {
			t.Fatalf("accepted %d, Failures %d; want 2 queued and 3 dropped", accepted, tr.Failures())
		}
		close(s.release)
		flush(t, tr)
		w.receive(t, url, 3)
		if tr.Sent() != 3 || tr.Failures() != 3 {
			t.Fatalf("Sent %d, Failures %d; want 3, 3", tr.Sent(), tr.Failures())
		}
		if !strings.Contains(logs.String(), "events dropped") {
			t.Errorf("drops not logged:\n%s", logs.String())
		}
	})

	t.Run("close delivers what is queued", func(t *testing.T) {
		url := w.bus(t, "closing")
		tr, err := newTrail(ebClient(endpoint), trail.Options{Timeout: motoTimeout, Bus: "closing"})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 15; i++ {
			tr.Send(event(i, trail.ActionFlag))
		}
		if err := tr.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		if tr.Sent() != 15 {
			t.Fatalf("Sent %d after Close, want 15", tr.Sent())
		}
		w.receive(t, url, 15)
		if tr.Send(event(99, trail.ActionDeny)) || tr.Failures() != 1 {
			t.Fatalf("Send after Close accepted, or not counted (Failures %d)", tr.Failures())
		}
		if err := tr.Flush(context.Background()); !errors.Is(err, trail.ErrClosed) {
			t.Fatalf("Flush after Close: %v", err)
		}
		if err := tr.Close(context.Background()); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})

	t.Run("long reason cut on a character boundary", func(t *testing.T) {
		url := w.bus(t, "reasons")
		tr, err := newTrail(ebClient(endpoint), trail.Options{Timeout: motoTimeout, Bus: "reasons"})
		if err != nil {
			t.Fatal(err)
		}
		defer tr.Close(context.Background())
		ev := event(1, trail.ActionDeny)
		ev.Reason = "x" + strings.Repeat("é", trail.MaxReasonBytes)
		tr.Send(ev)
		flush(t, tr)
		var got trail.Event
		if err := json.Unmarshal(w.receive(t, url, 1)[0].Detail, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Reason) != trail.MaxReasonBytes-1 || !strings.HasPrefix(ev.Reason, got.Reason) {
			t.Fatalf("reason of %d bytes", len(got.Reason))
		}
	})
}

func manyRules(n, size int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%04d%s", i, strings.Repeat("r", size-4))
	}
	return out
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestServerDown: nothing answers; every event is counted as failed and
// Flush returns.
func TestServerDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var logs logBuffer
	tr, err := newTrail(ebClient("http://"+addr), trail.Options{Bus: "decisions", Timeout: 2 * time.Second, Logger: zerolog.New(&logs), IncludeContent: true})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		tr.Send(event(i, trail.ActionDeny))
	}
	flush(t, tr)
	if tr.Failures() != 3 || tr.Sent() != 0 {
		t.Fatalf("Failures %d, Sent %d", tr.Failures(), tr.Sent())
	}
	if l := logs.String(); !strings.Contains(l, "events not delivered") || strings.Contains(l, secret) {
		t.Fatalf("log:\n%s", l)
	}
	if err := tr.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// stall is an EventBridge endpoint that holds every request until
// released, then hands it to next (a recorder in front of moto).
type stall struct {
	release chan struct{}
	calls   chan struct{}
	next    http.Handler
}

func (s *stall) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.calls <- struct{}{}
	select {
	case <-s.release:
	case <-r.Context().Done():
		return
	}
	if s.next == nil {
		http.Error(w, "stalled endpoint released at the end of the test", http.StatusServiceUnavailable)
		return
	}
	s.next.ServeHTTP(w, r)
}

// TestCloseAbandons: a Close whose context ends while the endpoint stalls
// abandons what is stuck and counts it.
func TestCloseAbandons(t *testing.T) {
	stuck := &stall{release: make(chan struct{}), calls: make(chan struct{}, 100)}
	srv := httptest.NewServer(stuck)
	defer srv.Close()
	defer close(stuck.release)
	tr, err := newTrail(ebClient(srv.URL), trail.Options{Bus: "decisions", Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	tr.Send(event(1, trail.ActionDeny))
	<-stuck.calls
	tr.Send(event(2, trail.ActionDeny))
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := tr.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close with a stuck endpoint: %v", err)
	}
	if tr.Failures() != 2 || tr.Sent() != 0 {
		t.Fatalf("Failures %d, Sent %d after an abandoned Close, want 2, 0", tr.Failures(), tr.Sent())
	}
}

func TestFlushContext(t *testing.T) {
	s := &stall{release: make(chan struct{}), calls: make(chan struct{}, 100)}
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer close(s.release)
	tr, err := newTrail(ebClient(srv.URL), trail.Options{Bus: "decisions"})
	if err != nil {
		t.Fatal(err)
	}
	tr.Send(event(1, trail.ActionDeny))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := tr.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush while the endpoint stalls: %v", err)
	}
}

// TestNew: the sink takes an event bus name or ARN as EventBridge
// defines it (EventBusNameOrArn), and needs a client.
func TestNew(t *testing.T) {
	api := ebClient("http://127.0.0.1:1")
	tests := []struct {
		bus  string
		want bool
	}{
		{"decisions", true},
		{"default", true},
		{"team/chat.decisions-1_a", true},
		{"arn:aws:events:us-east-1:111122223333:event-bus/decisions", true},
		{strings.Repeat("b", 1600), true},
		{"", false},
		{"bad bus", false},
		{"arn:aws:sqs:us-east-1:111122223333:queue", false},
		{strings.Repeat("b", 1601), false},
	}
	for _, tt := range tests {
		for name, open := range map[string]func(string) (*ebsink.Sink, error){
			"New":           func(bus string) (*ebsink.Sink, error) { return ebsink.New(api, bus) },
			"NewFromConfig": func(bus string) (*ebsink.Sink, error) { return ebsink.NewFromConfig(aws.Config{Region: region}, bus) },
		} {
			s, err := open(tt.bus)
			if (err == nil) != tt.want || (err != nil && !errors.Is(err, trail.ErrOptions)) {
				t.Errorf("%s: bus %q: %v", name, tt.bus, err)
			}
			if s != nil && s.Bus() != tt.bus {
				t.Errorf("%s: Bus() %q, want %q", name, s.Bus(), tt.bus)
			}
		}
	}
	if _, err := ebsink.New(nil, "b"); !errors.Is(err, trail.ErrOptions) {
		t.Errorf("nil client: %v", err)
	}
}

// newTrail is a trail on opts.Bus through an EventBridge sink using api.
func newTrail(api ebsink.PutEventsAPI, opts trail.Options) (*trail.Trail, error) {
	s, err := ebsink.New(api, opts.Bus)
	if err != nil {
		return nil, err
	}
	return trail.New(s, opts)
}

// Example shows the wiring: a trail on the bus the environment names,
// delivered by an EventBridge sink, an event after the callback, Flush
// before the invocation returns. boot does this when given
// boot.WithTrail(ebsink.NewFromConfig).
func Example() {
	opts, enabled, err := trail.OptionsFromEnv(func(string) string { return "" })
	if err != nil || !enabled {
		return // the trail is off unless CHIMEFLOW_TRAIL_BUS is set
	}
	sink, err := ebsink.New(eventbridge.New(eventbridge.Options{Region: region}), opts.Bus)
	if err != nil {
		return
	}
	tr, err := trail.New(sink, opts)
	if err != nil {
		return
	}
	defer tr.Close(context.Background())
	tr.Send(trail.Event{Action: trail.ActionDeny, Rules: []string{"profanity"}, MessageID: "msg-1"})
	_ = tr.Flush(context.Background())
}

var _ io.Writer = (*logBuffer)(nil)
