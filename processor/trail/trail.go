// Package trail sends the decision trail: one EventBridge event per DENY,
// REWRITE or flag (a dry-run rule that would have acted), so that teams
// route moderation decisions to a review queue, an archive or their own
// tools with EventBridge rules.
//
// The trail is optional and off by default. It never changes a decision
// and adds no latency for the chat user: the handler calls Send after the
// callback; Send only queues the event (it never blocks), and a goroutine
// hands queued events to a Sink, at most 10 per request and within the
// request size limit of PutEvents, and sends again the entries the sink
// reports as retryable. What cannot be delivered is counted (Failures,
// reported by the metrics as TrailFailures) and logged at warn level with
// ids and error codes only, never with what the sender wrote.
//
// This package links no AWS service client, so that a program that does
// not configure the trail pays nothing for it at cold start. The sink
// that puts the events on an EventBridge bus with the official client is
// package processor/trail/ebsink; processor/boot reaches it only through
// boot.WithTrail, which cmd/processor passes unless built with the tag
// chimeflow_notrail.
//
// Every event has source "chimeflow" (Source) and detail-type "chimeflow
// decision" (DetailType); its detail is an Event encoded as JSON (schema
// version 1, see Event). The message's content is included only when
// Options.IncludeContent is set.
//
// In AWS Lambda, call Flush before the invocation returns (the execution
// environment may be frozen afterwards) and Close on SIGTERM.
package trail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// The event's envelope. An EventBridge rule matching the trail uses them:
//
//	{"source": ["chimeflow"], "detail-type": ["chimeflow decision"]}
const (
	Source     = "chimeflow"
	DetailType = "chimeflow decision"
	// SchemaVersion is the version of the detail (Event) written.
	SchemaVersion = 1
)

// Actions: what the event records.
const (
	ActionDeny    = "DENY"    // the message was deleted
	ActionRewrite = "REWRITE" // the message was delivered with changes
	ActionFlag    = "FLAG"    // a dry-run rule would have acted; nothing was done
)

// Limits the trail keeps to.
const (
	// MaxEntriesPerRequest: PutEvents takes 1-10 entries.
	MaxEntriesPerRequest = 10
	// MaxRequestBytes: the entries of one PutEvents request must total
	// less than 256 KB, counted as EventBridge counts them (Time 14 bytes,
	// Source, DetailType, Detail and each Resource in UTF-8).
	MaxRequestBytes = 256 * 1024
	// MaxReasonBytes bounds Event.Reason; a longer reason is cut.
	MaxReasonBytes = 1024
)

// Event is the detail of a trail event (schema version 1). Consumers
// decode the EventBridge event's "detail" member into it.
type Event struct {
	// SchemaVersion is set by Send to SchemaVersion.
	SchemaVersion int `json:"schemaVersion"`
	// Action is ActionDeny, ActionRewrite or ActionFlag.
	Action string `json:"action"`
	// Rules are the rules that acted, in order (for a DENY the last one
	// denied); for a FLAG, the dry-run rule.
	Rules []string `json:"rules"`
	// Would is, for a FLAG, what the dry-run rule would have done: DENY,
	// REWRITE or ERROR.
	Would string `json:"would,omitempty"`
	// Reason is the rule's reason (for a DENY or a FLAG), at most
	// MaxReasonBytes.
	Reason string `json:"reason,omitempty"`
	// Pipeline names the pipeline that ran.
	Pipeline string `json:"pipeline,omitempty"`
	// RulesVersion names the version of the rules that decided
	// (processor.Outcome.RulesVersion: "ssm:7", "sha256:3f2a9c1b7d4e").
	RulesVersion string `json:"rulesVersion,omitempty"`
	// Changed lists the parts of the message a REWRITE changed (Content,
	// Metadata, PushNotification, MessageAttributes).
	Changed []string `json:"changed,omitempty"`

	CallbackID   string `json:"callbackId"`
	MessageID    string `json:"messageId"`
	ChannelArn   string `json:"channelArn"`
	SenderArn    string `json:"senderArn,omitempty"`
	SubChannelID string `json:"subChannelId,omitempty"`
	// Edited is true when the message was an edit.
	Edited bool `json:"edited"`
	// DecidedAt is when the decision was made; Send sets it to the
	// current time when zero. It is also the EventBridge event's time.
	DecidedAt time.Time `json:"decidedAt"`

	// Content is sent only when Options.IncludeContent is set; otherwise
	// Send removes it. Build it only when Trail.IncludeContent says so.
	Content *Content `json:"content,omitempty"`
}

// Content is what the sender wrote, and what was delivered instead.
type Content struct {
	Original  string `json:"original"`
	Rewritten string `json:"rewritten,omitempty"`
	// Omitted is set when the content was removed because the event would
	// not fit in one PutEvents entry.
	Omitted bool `json:"omitted,omitempty"`
}

// Entry is one event ready to be delivered: a PutEvents request entry
// without its event bus, which the sink names.
type Entry struct {
	// Source is Source and DetailType is DetailType.
	Source     string
	DetailType string
	// Detail is the Event encoded as JSON.
	Detail string
	// Time is the event's time: the decision's (Event.DecidedAt).
	Time time.Time
	// Resources holds the channel ARN, when the event has one.
	Resources []string
}

// Size is the entry's size as EventBridge counts it against
// MaxRequestBytes: 14 bytes for Time, then Source, DetailType, Detail and
// each resource in UTF-8.
func (e *Entry) Size() int {
	n := len(e.Source) + len(e.DetailType) + len(e.Detail)
	if !e.Time.IsZero() {
		n += 14
	}
	for _, r := range e.Resources {
		n += len(r)
	}
	return n
}

// Result is what became of one entry of a request.
type Result struct {
	// EventID is the id the destination gave the event; empty when it
	// did not take it.
	EventID string
	// ErrorCode says why the destination refused the entry
	// (EventBridge's, such as "AccessDeniedException"); empty when it
	// took it.
	ErrorCode string
	// Retryable is true when the destination documents ErrorCode as
	// worth another attempt (EventBridge: InternalFailure,
	// ThrottlingException).
	Retryable bool
}

// Sink delivers requests of entries: package processor/trail/ebsink puts
// them on an EventBridge bus with PutEvents. A Trail calls Put from its
// one goroutine, one request at a time.
type Sink interface {
	// Put delivers entries, 1 to MaxEntriesPerRequest of them totalling
	// at most MaxRequestBytes (Entry.Size), in one request, within ctx.
	// It returns one Result per entry, in the same order, or an error
	// when the request as a whole failed and no entry was delivered.
	Put(ctx context.Context, entries []Entry) ([]Result, error)
}

// Errors.
var (
	// ErrOptions matches the errors New returns for invalid options.
	ErrOptions = errors.New("trail: invalid options")
	// ErrClosed is returned by Flush after Close.
	ErrClosed = errors.New("trail: closed")
)

// Options configure a Trail.
type Options struct {
	// Bus names the event bus in the trail's log lines; the Sink, made
	// for that bus, checks it and delivers to it. OptionsFromEnv sets it
	// from EnvBus.
	Bus string
	// IncludeContent sends the message's content with each event.
	IncludeContent bool
	// QueueSize bounds the events waiting to be sent; Send drops (and
	// counts) what does not fit. Default 1024.
	QueueSize int
	// MaxAttempts bounds the sends of an entry the sink reports as
	// retryable (Result.Retryable). Default 3.
	MaxAttempts int
	// Backoff is the wait before the first retry; it doubles for each
	// further one, up to 2 s. Default 100 ms.
	Backoff time.Duration
	// Timeout bounds each request (Sink.Put). Default 5 s.
	Timeout time.Duration
	// Logger receives one warning per failed request or entry; the zero
	// value logs nothing. No event content or reason is ever logged.
	Logger zerolog.Logger
}

type item struct {
	ev    Event
	flush chan struct{} // non-nil: a Flush marker
}

// Trail sends trail events in the background. It is safe for concurrent
// use.
type Trail struct {
	sink Sink
	opts Options

	mu     sync.RWMutex // guards closed and sends on q against Close
	closed bool
	q      chan item
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc

	failures atomic.Uint64
	sent     atomic.Uint64
	dropped  atomic.Uint64
}

// New starts the goroutine that hands events to sink (an *ebsink.Sink
// for the bus opts.Bus names). Close stops it.
func New(sink Sink, opts Options) (*Trail, error) {
	if sink == nil {
		return nil, fmt.Errorf("%w: no sink", ErrOptions)
	}
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1024
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 3
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 100 * time.Millisecond
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 5 * time.Second
	}
	t := &Trail{sink: sink, opts: opts, q: make(chan item, opts.QueueSize), done: make(chan struct{})}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	go t.run()
	return t, nil
}

// IncludeContent reports whether events carry the message's content.
func (t *Trail) IncludeContent() bool { return t.opts.IncludeContent }

// Send queues ev and returns at once. It returns false, and counts a
// failure, when the queue is full or the trail is closed. Send keeps ev's
// slices until the event is sent: do not change them afterwards.
func (t *Trail) Send(ev Event) bool {
	ev.SchemaVersion = SchemaVersion
	if ev.DecidedAt.IsZero() {
		ev.DecidedAt = time.Now()
	}
	if !t.opts.IncludeContent {
		ev.Content = nil
	}
	if len(ev.Reason) > MaxReasonBytes {
		ev.Reason = cut(ev.Reason, MaxReasonBytes)
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if !t.closed {
		select {
		case t.q <- item{ev: ev}:
			return true
		default:
		}
	}
	t.failures.Add(1)
	t.dropped.Add(1)
	return false
}

// cut returns at most n bytes of s, not splitting a UTF-8 sequence.
func cut(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Flush waits until every event sent before it has been delivered or
// counted as failed, or until ctx is done.
func (t *Trail) Flush(ctx context.Context) error {
	ch := make(chan struct{})
	t.mu.RLock()
	if t.closed {
		t.mu.RUnlock()
		return ErrClosed
	}
	select {
	case t.q <- item{flush: ch}:
		t.mu.RUnlock()
	case <-ctx.Done():
		t.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting events, delivers those queued, and stops the
// goroutine. When ctx is done first, pending retries are abandoned
// (counted as failures) and ctx's error returned once the goroutine has
// stopped. Close is idempotent.
func (t *Trail) Close(ctx context.Context) error {
	t.mu.Lock()
	if !t.closed {
		t.closed = true
		close(t.q)
	}
	t.mu.Unlock()
	select {
	case <-t.done:
		return nil
	case <-ctx.Done():
		t.cancel()
		<-t.done
		return ctx.Err()
	}
}

// Failures returns how many events were not delivered since New: refused
// by the destination, failed after MaxAttempts, failed requests, too
// large, or dropped by Send.
func (t *Trail) Failures() uint64 { return t.failures.Load() }

// Sent returns how many events the destination accepted since New.
func (t *Trail) Sent() uint64 { return t.sent.Load() }

// maxGather bounds the events taken from the queue before sending them.
const maxGather = 5 * MaxEntriesPerRequest

// pending is one event ready to send.
type pending struct {
	entry     Entry
	size      int
	messageID string
	attempts  int
}

func (t *Trail) run() {
	defer close(t.done)
	defer t.cancel()
	for {
		it, ok := <-t.q
		if !ok {
			return
		}
		var batch []*pending
		var flushes []chan struct{}
		add := func(it item) {
			if it.flush != nil {
				flushes = append(flushes, it.flush)
				return
			}
			if p := t.prepare(it.ev); p != nil {
				batch = append(batch, p)
			}
		}
		add(it)
	gather:
		for len(batch) < maxGather {
			select {
			case it, ok := <-t.q:
				if !ok {
					break gather
				}
				add(it)
			default:
				break gather
			}
		}
		if n := t.dropped.Swap(0); n > 0 {
			t.opts.Logger.Warn().Str("bus", t.opts.Bus).Uint64("events", n).Msg("decision trail: events dropped, the queue was full or the trail closed")
		}
		t.deliver(batch)
		for _, ch := range flushes {
			close(ch)
		}
	}
}

// prepare encodes ev as an Entry, or counts it as failed when it cannot
// fit in one PutEvents request even without its content.
func (t *Trail) prepare(ev Event) *pending {
	e := Entry{Source: Source, DetailType: DetailType, Time: ev.DecidedAt}
	if ev.ChannelArn != "" {
		e.Resources = []string{ev.ChannelArn}
	}
	detail, err := json.Marshal(&ev)
	e.Detail = string(detail)
	if err == nil && e.Size() > MaxRequestBytes && ev.Content != nil {
		ev.Content = &Content{Omitted: true}
		detail, err = json.Marshal(&ev)
		e.Detail = string(detail)
	}
	size := e.Size()
	if err != nil || size > MaxRequestBytes {
		t.failures.Add(1)
		t.opts.Logger.Warn().Str("bus", t.opts.Bus).Str("messageId", ev.MessageID).Int("bytes", size).AnErr("error", err).
			Msg("decision trail: event not sent, it does not fit in a PutEvents entry")
		return nil
	}
	return &pending{entry: e, size: size, messageID: ev.MessageID}
}

// deliver sends the batch in requests of at most 10 entries and
// MaxRequestBytes, retrying retryable entries.
func (t *Trail) deliver(batch []*pending) {
	for attempt := 1; len(batch) > 0; attempt++ {
		var retry []*pending
		for start := 0; start < len(batch); {
			end, size := start, 0
			for end < len(batch) && end-start < MaxEntriesPerRequest && size+batch[end].size <= MaxRequestBytes {
				size += batch[end].size
				end++
			}
			retry = append(retry, t.request(batch[start:end])...)
			start = end
		}
		if len(retry) == 0 {
			return
		}
		wait := t.opts.Backoff << (attempt - 1)
		if wait > 2*time.Second || wait <= 0 {
			wait = 2 * time.Second
		}
		select {
		case <-time.After(wait):
		case <-t.ctx.Done():
			t.fail(retry, "", t.ctx.Err())
			return
		}
		batch = retry
	}
}

// request hands one request to the sink and returns the entries to retry.
func (t *Trail) request(ps []*pending) []*pending {
	entries := make([]Entry, len(ps))
	for i, p := range ps {
		entries[i] = p.entry
		p.attempts++
	}
	ctx, cancel := context.WithTimeout(t.ctx, t.opts.Timeout)
	results, err := t.sink.Put(ctx, entries)
	cancel()
	if err != nil {
		t.fail(ps, "", err)
		return nil
	}
	if len(results) != len(ps) {
		t.fail(ps, "", fmt.Errorf("the sink answered %d results for %d entries", len(results), len(ps)))
		return nil
	}
	var retry []*pending
	failed := map[string][]*pending{}
	for i, r := range results {
		code := r.ErrorCode
		switch {
		case code == "" && r.EventID != "":
			t.sent.Add(1)
		case r.Retryable && ps[i].attempts < t.opts.MaxAttempts:
			retry = append(retry, ps[i])
		default:
			if code == "" {
				code = "NoEventId"
			}
			failed[code] = append(failed[code], ps[i])
		}
	}
	for code, fs := range failed {
		t.fail(fs, code, nil)
	}
	return retry
}

// fail counts and logs events that will not be delivered: the error code
// or error, and the message ids; never an event's content or reason.
func (t *Trail) fail(ps []*pending, code string, err error) {
	if len(ps) == 0 {
		return
	}
	t.failures.Add(uint64(len(ps)))
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.messageID
	}
	e := t.opts.Logger.Warn().Str("bus", t.opts.Bus).Int("events", len(ps)).Strs("messageIds", ids).Int("attempts", ps[0].attempts)
	if code != "" {
		e = e.Str("errorCode", code)
	}
	if err != nil {
		e = e.Err(err)
	}
	e.Msg("decision trail: events not delivered")
}
