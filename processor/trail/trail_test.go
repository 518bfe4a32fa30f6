package trail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/processor/trail"
)

// These tests drive the trail's queue, batching, retries and counters
// through a sink that records each request; the EventBridge sink, and the
// whole path against a real EventBridge (moto), are tested in
// processor/trail/ebsink.

// recorder is a trail.Sink that records every request and accepts every
// entry with an event id, unless fault names an error code for the
// call-th put of a message's event, or fail an error for the req-th
// request as a whole. With short set it answers one result too few. With
// hold set, each Put first signals on held, then waits until hold is
// closed or its context is done.
type recorder struct {
	fault func(call int, messageID string) (code string, retryable bool)
	fail  func(req int) error
	short bool
	hold  chan struct{}
	held  chan struct{}

	mu    sync.Mutex
	reqs  [][]trail.Entry
	tries map[string]int
	ids   int
}

func holding() *recorder {
	return &recorder{hold: make(chan struct{}), held: make(chan struct{}, 1)}
}

func (r *recorder) Put(ctx context.Context, entries []trail.Entry) ([]trail.Result, error) {
	if r.hold != nil {
		select {
		case r.held <- struct{}{}:
		default:
		}
		select {
		case <-r.hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, slices.Clone(entries))
	if r.fail != nil {
		if err := r.fail(len(r.reqs)); err != nil {
			return nil, err
		}
	}
	if r.tries == nil {
		r.tries = map[string]int{}
	}
	results := make([]trail.Result, len(entries))
	for i, e := range entries {
		id := messageID(e)
		r.tries[id]++
		if r.fault != nil {
			if code, retry := r.fault(r.tries[id], id); code != "" {
				results[i] = trail.Result{ErrorCode: code, Retryable: retry}
				continue
			}
		}
		r.ids++
		results[i].EventID = fmt.Sprintf("event-%d", r.ids)
	}
	if r.short {
		results = results[1:]
	}
	return results, nil
}

func (r *recorder) requests() [][]trail.Entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func (r *recorder) attempts(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries[id]
}

// sizes returns the number of entries of each request.
func (r *recorder) sizes() []int {
	var n []int
	for _, req := range r.requests() {
		n = append(n, len(req))
	}
	return n
}

func messageID(e trail.Entry) string {
	var d struct{ MessageID string }
	_ = json.Unmarshal([]byte(e.Detail), &d)
	return d.MessageID
}

func decode(t *testing.T, e trail.Entry) trail.Event {
	t.Helper()
	var ev trail.Event
	if err := json.Unmarshal([]byte(e.Detail), &ev); err != nil {
		t.Fatalf("detail %q: %v", e.Detail, err)
	}
	return ev
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

const channel = "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/channel/ch-1"

func event(i int, action string) trail.Event {
	ev := trail.Event{
		Action: action, Rules: []string{"profanity"}, Pipeline: "default",
		CallbackID: fmt.Sprintf("%032d", i), MessageID: fmt.Sprintf("msg-%d", i),
		ChannelArn: channel,
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

func newTrail(t *testing.T, sink trail.Sink, opts trail.Options) *trail.Trail {
	t.Helper()
	if opts.Bus == "" {
		opts.Bus = "decisions"
	}
	tr, err := trail.New(sink, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Close(context.Background()) })
	return tr
}

func flush(t *testing.T, tr *trail.Trail) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := tr.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDelivery: every event is handed to the sink once, as an entry with
// the trail's source, detail-type, the channel as resource and the
// decision's time, its detail the event (schema version set, content only
// when asked); events queued together go in requests of at most 10.
func TestDelivery(t *testing.T) {
	for _, content := range []bool{false, true} {
		t.Run(fmt.Sprintf("content=%v", content), func(t *testing.T) {
			rec := holding()
			var logs logBuffer
			tr := newTrail(t, rec, trail.Options{IncludeContent: content, Logger: zerolog.New(&logs)})
			if tr.IncludeContent() != content {
				t.Fatalf("IncludeContent %v", tr.IncludeContent())
			}
			sent := map[string]trail.Event{}
			send := func(ev trail.Event) {
				if !tr.Send(ev) {
					t.Fatal("Send refused an event")
				}
				sent[ev.MessageID] = ev
			}
			send(event(0, trail.ActionDeny))
			<-rec.held // the goroutine holds event 0; the others queue
			for i := 1; i <= 25; i++ {
				send(event(i, []string{trail.ActionDeny, trail.ActionRewrite, trail.ActionFlag}[i%3]))
			}
			close(rec.hold)
			flush(t, tr)
			if tr.Sent() != 26 || tr.Failures() != 0 {
				t.Fatalf("Sent %d, Failures %d; want 26, 0\n%s", tr.Sent(), tr.Failures(), logs.String())
			}
			if got, want := rec.sizes(), []int{1, 10, 10, 5}; !slices.Equal(got, want) {
				t.Fatalf("requests of %v entries, want %v", got, want)
			}
			for _, req := range rec.requests() {
				for _, e := range req {
					got := decode(t, e)
					want, ok := sent[got.MessageID]
					if !ok {
						t.Fatalf("unexpected or repeated event %s", e.Detail)
					}
					delete(sent, got.MessageID)
					if e.Source != trail.Source || e.DetailType != trail.DetailType {
						t.Errorf("source %q, detail-type %q", e.Source, e.DetailType)
					}
					if !slices.Equal(e.Resources, []string{channel}) {
						t.Errorf("resources %v, want the channel", e.Resources)
					}
					if !e.Time.Equal(want.DecidedAt) || !got.DecidedAt.Equal(want.DecidedAt) {
						t.Errorf("time %v, decidedAt %v; want %v", e.Time, got.DecidedAt, want.DecidedAt)
					}
					want.SchemaVersion = trail.SchemaVersion
					if !content {
						want.Content = nil
					}
					got.DecidedAt = want.DecidedAt
					if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
						t.Errorf("detail\n got  %s\n want %s", g, w)
					}
					if strings.Contains(e.Detail, secret) != content {
						t.Errorf("content present %v in %s, want %v", !content, e.Detail, content)
					}
				}
			}
			if len(sent) != 0 {
				t.Errorf("%d events never reached the sink", len(sent))
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("content logged:\n%s", logs.String())
			}
		})
	}
}

// TestDefaults: an event without a time gets the current one, an event
// without a channel no resource, and the caller's schema version is
// replaced.
func TestDefaults(t *testing.T) {
	rec := &recorder{}
	tr := newTrail(t, rec, trail.Options{})
	before := time.Now()
	tr.Send(trail.Event{Action: trail.ActionDeny, MessageID: "m", SchemaVersion: 99})
	flush(t, tr)
	reqs := rec.requests()
	if len(reqs) != 1 || len(reqs[0]) != 1 {
		t.Fatalf("requests %v", rec.sizes())
	}
	e := reqs[0][0]
	ev := decode(t, e)
	if ev.SchemaVersion != trail.SchemaVersion || ev.DecidedAt.Before(before) || ev.DecidedAt.After(time.Now()) || !e.Time.Equal(ev.DecidedAt) {
		t.Errorf("schema version %d, decidedAt %v, time %v", ev.SchemaVersion, ev.DecidedAt, e.Time)
	}
	if e.Resources != nil {
		t.Errorf("resources %v for an event without a channel", e.Resources)
	}
}

func manyRules(n, size int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%04d%s", i, strings.Repeat("r", size-4))
	}
	return out
}

func total(req []trail.Entry) int {
	n := 0
	for _, e := range req {
		n += e.Size()
	}
	return n
}

// TestSplitBySize: events queued together are packed into requests of at
// most MaxRequestBytes, each as full as the next entry allows.
func TestSplitBySize(t *testing.T) {
	rec := holding()
	tr := newTrail(t, rec, trail.Options{})
	tr.Send(event(0, trail.ActionDeny))
	<-rec.held
	for i := 1; i <= 10; i++ {
		ev := event(i, trail.ActionRewrite)
		ev.Rules = manyRules(40, 1000) // about 40 KB of rule names
		tr.Send(ev)
	}
	close(rec.hold)
	flush(t, tr)
	if tr.Sent() != 11 || tr.Failures() != 0 {
		t.Fatalf("Sent %d, Failures %d", tr.Sent(), tr.Failures())
	}
	reqs := rec.requests()[1:]
	if len(reqs) < 2 {
		t.Fatalf("%d requests for 400 KB of events, want at least 2", len(reqs))
	}
	n := 0
	for i, req := range reqs {
		n += len(req)
		if total(req) > trail.MaxRequestBytes || len(req) > trail.MaxEntriesPerRequest {
			t.Errorf("request of %d entries, %d bytes", len(req), total(req))
		}
		if i+1 < len(reqs) && total(req)+reqs[i+1][0].Size() <= trail.MaxRequestBytes {
			t.Errorf("request %d of %d bytes was cut before an entry of %d that fits", i, total(req), reqs[i+1][0].Size())
		}
	}
	if n != 10 {
		t.Fatalf("%d entries in %v", n, rec.sizes())
	}
}

// sized returns event i with a rule name grown so that its entry is
// exactly size bytes, counted as EventBridge counts (with its content when
// content is set).
func sized(t *testing.T, i, size int, content bool) trail.Event {
	t.Helper()
	ev := event(i, trail.ActionDeny)
	ev.Rules = []string{""}
	ev.SchemaVersion = trail.SchemaVersion
	if !content {
		ev.Content = nil
	}
	e := trail.Entry{Source: trail.Source, DetailType: trail.DetailType, Detail: mustJSON(t, ev), Time: ev.DecidedAt, Resources: []string{ev.ChannelArn}}
	if size < e.Size() {
		t.Fatalf("an event is at least %d bytes", e.Size())
	}
	ev.Rules = []string{strings.Repeat("r", size-e.Size())}
	return ev
}

// TestEntryLimit: an event of exactly MaxRequestBytes is sent, alone; one
// byte more is sent without its content when that makes it fit, else
// counted as a failure and logged without content.
func TestEntryLimit(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		content bool
		sent    bool
		omitted bool
	}{
		{"at the limit", trail.MaxRequestBytes, false, true, false},
		{"at the limit, with content", trail.MaxRequestBytes, true, true, false},
		{"one byte past", trail.MaxRequestBytes + 1, false, false, false},
		{"one byte past, with content", trail.MaxRequestBytes + 1, true, true, true},
		{"far past, with content", 2 * trail.MaxRequestBytes, true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := holding()
			var logs logBuffer
			tr := newTrail(t, rec, trail.Options{IncludeContent: tt.content, Logger: zerolog.New(&logs)})
			tr.Send(event(0, trail.ActionDeny))
			<-rec.held
			ev := sized(t, 1, tt.size, tt.content)
			if tt.content && tt.size > trail.MaxRequestBytes {
				// too large only because of the content
				ev = sized(t, 1, trail.MaxRequestBytes-1000, true)
				ev.Content.Original += strings.Repeat("x", tt.size-(trail.MaxRequestBytes-1000))
			}
			tr.Send(ev)
			tr.Send(event(2, trail.ActionDeny))
			close(rec.hold)
			flush(t, tr)
			var got *trail.Event
			for _, req := range rec.requests() {
				for _, e := range req {
					if d := decode(t, e); d.MessageID == "msg-1" {
						got = &d
						if e.Size() > trail.MaxRequestBytes {
							t.Errorf("entry of %d bytes", e.Size())
						}
						if !tt.omitted && e.Size() != tt.size {
							t.Errorf("entry of %d bytes, want %d", e.Size(), tt.size)
						}
						if !tt.omitted && len(req) != 1 {
							t.Errorf("a %d-byte entry shared its request with %d others", e.Size(), len(req)-1)
						}
					}
				}
			}
			if (got != nil) != tt.sent {
				t.Fatalf("sent %v, want %v", got != nil, tt.sent)
			}
			wantFailures, wantSent := uint64(0), uint64(3)
			if !tt.sent {
				wantFailures, wantSent = 1, 2
				if l := logs.String(); !strings.Contains(l, "does not fit") || !strings.Contains(l, "msg-1") {
					t.Errorf("log should name msg-1:\n%s", l)
				}
			}
			if tr.Failures() != wantFailures || tr.Sent() != wantSent {
				t.Errorf("Failures %d, Sent %d; want %d, %d", tr.Failures(), tr.Sent(), wantFailures, wantSent)
			}
			if got != nil && tt.content {
				if got.Content == nil || got.Content.Omitted != tt.omitted || (got.Content.Original == "") != tt.omitted {
					t.Errorf("content %+v, omitted want %v", got.Content, tt.omitted)
				}
			}
			if strings.Contains(logs.String(), secret) {
				t.Errorf("content logged:\n%s", logs.String())
			}
		})
	}
}

func TestEntrySize(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		e    trail.Entry
		want int
	}{
		{trail.Entry{Source: "a", DetailType: "bb", Detail: "{}", Time: at, Resources: []string{"r1", "r22"}}, 14 + 1 + 2 + 2 + 2 + 3},
		{trail.Entry{Source: "a", DetailType: "bb", Detail: "{}"}, 5},
		{trail.Entry{Detail: `{"é":"日本"}`, Time: at}, 14 + 15}, // bytes of UTF-8
		{trail.Entry{}, 0},
	}
	for _, tt := range tests {
		if got := tt.e.Size(); got != tt.want {
			t.Errorf("%+v: Size %d, want %d", tt.e, got, tt.want)
		}
	}
}

// TestRetries: entries the sink reports as retryable are sent again, up to
// MaxAttempts; others, and entries accepted without an event id, are
// counted and logged with their codes and ids, never their content.
func TestRetries(t *testing.T) {
	rec := &recorder{fault: func(call int, id string) (string, bool) {
		switch {
		case id == "msg-0" && call == 1:
			return "ThrottlingException", true
		case id == "msg-2" && call <= 2:
			return "InternalFailure", true
		case id == "msg-3":
			return "AccessDeniedException", false
		case id == "msg-4":
			return "ThrottlingException", true // every time
		}
		return "", false
	}}
	var logs logBuffer
	tr := newTrail(t, rec, trail.Options{Backoff: time.Millisecond, MaxAttempts: 3, Logger: zerolog.New(&logs), IncludeContent: true})
	for i := 0; i < 6; i++ {
		tr.Send(event(i, trail.ActionDeny))
	}
	flush(t, tr)
	if tr.Failures() != 2 || tr.Sent() != 4 {
		t.Fatalf("Failures %d, Sent %d; want 2, 4\n%s", tr.Failures(), tr.Sent(), logs.String())
	}
	for id, want := range map[string]int{"msg-0": 2, "msg-1": 1, "msg-2": 3, "msg-3": 1, "msg-4": 3, "msg-5": 1} {
		if n := rec.attempts(id); n != want {
			t.Errorf("%s sent %d times, want %d", id, n, want)
		}
	}
	l := logs.String()
	for _, want := range []string{"AccessDeniedException", "msg-3", "ThrottlingException", "msg-4", `"attempts":3`} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
	if strings.Contains(l, secret) {
		t.Errorf("content logged:\n%s", l)
	}
}

// noID accepts every entry without an event id.
type noID struct{}

func (noID) Put(_ context.Context, entries []trail.Entry) ([]trail.Result, error) {
	return make([]trail.Result, len(entries)), nil
}

// TestRequestFailures: a request that fails as a whole, an answer with
// the wrong number of results, or entries without an event id: every
// entry concerned is counted, and logged with the error.
func TestRequestFailures(t *testing.T) {
	tests := []struct {
		name string
		sink trail.Sink
		want string
	}{
		{"request error", &recorder{fail: func(int) error { return errors.New("connection refused") }}, "connection refused"},
		{"results missing", &recorder{short: true}, "the sink answered 2 results for 3 entries"},
		{"no event id", noID{}, `"errorCode":"NoEventId"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs logBuffer
			tr := newTrail(t, tt.sink, trail.Options{Logger: zerolog.New(&logs), IncludeContent: true})
			for i := 0; i < 3; i++ {
				tr.Send(event(i, trail.ActionDeny))
			}
			flush(t, tr)
			if tr.Failures() != 3 || tr.Sent() != 0 {
				t.Fatalf("Failures %d, Sent %d; want 3, 0", tr.Failures(), tr.Sent())
			}
			l := logs.String()
			if !strings.Contains(l, "events not delivered") || !strings.Contains(l, tt.want) || !strings.Contains(l, `"level":"warn"`) || strings.Contains(l, secret) {
				t.Fatalf("log should warn with %q and no content:\n%s", tt.want, l)
			}
		})
	}
}

func TestQueueFull(t *testing.T) {
	rec := holding()
	var logs logBuffer
	tr := newTrail(t, rec, trail.Options{QueueSize: 2, Logger: zerolog.New(&logs)})
	tr.Send(event(0, trail.ActionDeny))
	<-rec.held // the goroutine holds event 0 in a request
	accepted := 0
	for i := 1; i <= 5; i++ {
		if tr.Send(event(i, trail.ActionDeny)) {
			accepted++
		}
	}
	if accepted != 2 || tr.Failures() != 3 {
		t.Fatalf("accepted %d, Failures %d; want 2 queued and 3 dropped", accepted, tr.Failures())
	}
	close(rec.hold)
	flush(t, tr)
	if tr.Sent() != 3 || tr.Failures() != 3 {
		t.Fatalf("Sent %d, Failures %d; want 3, 3", tr.Sent(), tr.Failures())
	}
	if !strings.Contains(logs.String(), "events dropped") || !strings.Contains(logs.String(), `"events":3`) {
		t.Errorf("drops not logged:\n%s", logs.String())
	}
}

func TestCloseDeliversWhatIsQueued(t *testing.T) {
	rec := &recorder{}
	tr, err := trail.New(rec, trail.Options{Bus: "closing"})
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
	if tr.Send(event(99, trail.ActionDeny)) || tr.Failures() != 1 {
		t.Fatalf("Send after Close accepted, or not counted (Failures %d)", tr.Failures())
	}
	if err := tr.Flush(context.Background()); !errors.Is(err, trail.ErrClosed) {
		t.Fatalf("Flush after Close: %v", err)
	}
	if err := tr.Close(context.Background()); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if rec.attempts("msg-99") != 0 {
		t.Error("an event sent after Close reached the sink")
	}
}

// TestCloseAbandons: a Close whose context ends while the sink stalls, or
// while an entry waits for its retry, abandons what is stuck and counts
// it.
func TestCloseAbandons(t *testing.T) {
	t.Run("stalled request", func(t *testing.T) {
		rec := holding()
		defer close(rec.hold)
		tr, err := trail.New(rec, trail.Options{Bus: "decisions", Timeout: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		tr.Send(event(1, trail.ActionDeny))
		<-rec.held
		tr.Send(event(2, trail.ActionDeny))
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := tr.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Close with a stuck sink: %v", err)
		}
		if tr.Failures() != 2 || tr.Sent() != 0 {
			t.Fatalf("Failures %d, Sent %d after an abandoned Close, want 2, 0", tr.Failures(), tr.Sent())
		}
	})
	t.Run("waiting retry", func(t *testing.T) {
		rec := &recorder{fault: func(int, string) (string, bool) { return "ThrottlingException", true }}
		tr, err := trail.New(rec, trail.Options{Bus: "decisions", Backoff: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		tr.Send(event(1, trail.ActionDeny))
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := tr.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Close while a retry waits: %v", err)
		}
		if tr.Failures() != 1 || rec.attempts("msg-1") != 1 {
			t.Fatalf("Failures %d, attempts %d; want 1, 1", tr.Failures(), rec.attempts("msg-1"))
		}
	})
}

func TestFlushContext(t *testing.T) {
	rec := holding()
	defer close(rec.hold)
	tr := newTrail(t, rec, trail.Options{})
	tr.Send(event(1, trail.ActionDeny))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := tr.Flush(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Flush while the sink stalls: %v", err)
	}
}

// TestRequestTimeout: Options.Timeout bounds each request.
func TestRequestTimeout(t *testing.T) {
	rec := holding()
	defer close(rec.hold)
	var logs logBuffer
	tr := newTrail(t, rec, trail.Options{Timeout: 50 * time.Millisecond, Logger: zerolog.New(&logs)})
	tr.Send(event(1, trail.ActionDeny))
	flush(t, tr)
	if tr.Failures() != 1 || !strings.Contains(logs.String(), "deadline exceeded") {
		t.Fatalf("Failures %d:\n%s", tr.Failures(), logs.String())
	}
}

func TestReasonCut(t *testing.T) {
	tests := []struct {
		name, reason string
		want         int
	}{
		{"at the limit", strings.Repeat("a", trail.MaxReasonBytes), trail.MaxReasonBytes},
		{"one byte past", strings.Repeat("a", trail.MaxReasonBytes+1), trail.MaxReasonBytes},
		{"on a character boundary", "x" + strings.Repeat("é", trail.MaxReasonBytes), trail.MaxReasonBytes - 1},
		{"four-byte characters", strings.Repeat("😀", trail.MaxReasonBytes), trail.MaxReasonBytes},
		{"short", "no", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			tr := newTrail(t, rec, trail.Options{})
			ev := event(1, trail.ActionDeny)
			ev.Reason = tt.reason
			tr.Send(ev)
			flush(t, tr)
			got := decode(t, rec.requests()[0][0])
			if len(got.Reason) != tt.want || !strings.HasPrefix(tt.reason, got.Reason) {
				t.Fatalf("reason of %d bytes, want %d", len(got.Reason), tt.want)
			}
		})
	}
}

func TestNewOptions(t *testing.T) {
	if _, err := trail.New(nil, trail.Options{Bus: "b"}); !errors.Is(err, trail.ErrOptions) {
		t.Errorf("nil sink: %v", err)
	}
}

// printer is a sink that prints what it is given.
type printer struct{}

func (printer) Put(_ context.Context, entries []trail.Entry) ([]trail.Result, error) {
	out := make([]trail.Result, len(entries))
	for i, e := range entries {
		var ev trail.Event
		_ = json.Unmarshal([]byte(e.Detail), &ev)
		fmt.Println(e.DetailType, ev.Action, ev.MessageID, ev.Rules, e.Size())
		out[i].EventID = fmt.Sprint("event-", i)
	}
	return out, nil
}

// ExampleNew shows the trail with a sink of its own (processor/trail/ebsink
// is EventBridge's): an event after the callback, Flush before the
// invocation returns.
func ExampleNew() {
	tr, err := trail.New(printer{}, trail.Options{Bus: "decisions"})
	if err != nil {
		return
	}
	defer tr.Close(context.Background())
	tr.Send(trail.Event{Action: trail.ActionDeny, Rules: []string{"profanity"}, MessageID: "msg-1", DecidedAt: time.Unix(0, 0).UTC()})
	_ = tr.Flush(context.Background())
	fmt.Println(tr.Sent(), tr.Failures())
	// Output:
	// chimeflow decision DENY msg-1 [profanity] 200
	// 1 0
}

func TestOptionsFromEnv(t *testing.T) {
	tests := []struct {
		bus, content string
		enabled      bool
		include      bool
		err          bool
	}{
		{"", "", false, false, false},
		{"", "false", false, false, false},
		{"", "true", false, false, true},
		{"decisions", "", true, false, false},
		{"decisions", "true", true, true, false},
		{"decisions", "yes", false, false, true},
	}
	for _, tt := range tests {
		env := map[string]string{trail.EnvBus: tt.bus, trail.EnvContent: tt.content}
		o, enabled, err := trail.OptionsFromEnv(func(k string) string { return env[k] })
		if (err != nil) != tt.err || enabled != tt.enabled || o.IncludeContent != tt.include || (err != nil && !errors.Is(err, trail.ErrOptions)) {
			t.Errorf("%v: %+v, %v, %v", env, o, enabled, err)
		}
		if enabled && o.Bus != tt.bus {
			t.Errorf("bus %q", o.Bus)
		}
	}
}

// TestDocumented: docs/operations.md describes every member of the detail
// and names the environment variables.
func TestDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, typ := range []reflect.Type{reflect.TypeOf(trail.Event{}), reflect.TypeOf(trail.Content{})} {
		for i := 0; i < typ.NumField(); i++ {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if !strings.Contains(doc, "`"+name+"`") {
				t.Errorf("docs/operations.md does not describe the detail member %s", name)
			}
		}
	}
	for _, s := range []string{trail.EnvBus, trail.EnvContent, trail.Source, trail.DetailType} {
		if !strings.Contains(doc, "`"+s+"`") {
			t.Errorf("docs/operations.md does not name %s", s)
		}
	}
}
