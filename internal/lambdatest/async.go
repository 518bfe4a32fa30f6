package lambdatest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Lambda's defaults for asynchronous invocation, from the Lambda developer
// guide ("How Lambda handles errors and retries with asynchronous
// invocation"): two retries, one minute before the first and two minutes
// before the second; events kept for up to six hours.
const (
	DefaultMaxRetryAttempts = 2
	DefaultMaxEventAge      = 6 * time.Hour
	// DefaultTimeout is Lambda's default function timeout.
	DefaultTimeout = 3 * time.Second
	// DefaultFunctionArn is the ARN of the function an Async stands in for.
	DefaultFunctionArn = "arn:aws:lambda:us-east-1:111122223333:function:chimeflow-processor"
)

// DefaultRetryDelays are the waits Lambda makes before the first and the
// second retry of a failed asynchronous invocation.
var DefaultRetryDelays = [2]time.Duration{time.Minute, 2 * time.Minute}

// Conditions of an on-failure record (requestContext.condition).
const (
	// ConditionRetriesExhausted: every attempt failed.
	ConditionRetriesExhausted = "RetriesExhausted"
	// ConditionEventAgeExceeded: the event waited longer than the maximum
	// event age before an attempt could run.
	ConditionEventAgeExceeded = "EventAgeExceeded"
)

// ErrInvalidRequestContent is returned by Invoke for a payload that is not
// JSON: Lambda's Invoke API refuses it (400 InvalidRequestContentException)
// before anything is queued, so such an event never reaches a function.
var ErrInvalidRequestContent = errors.New("lambdatest: InvalidRequestContentException: could not parse request body into json")

// AsyncConfig configures an Async.
type AsyncConfig struct {
	// Path is the bootstrap binary each container runs.
	Path string
	// Env is the environment of every container's process;
	// AWS_LAMBDA_RUNTIME_API is added for each process.
	Env []string
	// Containers is the function's concurrency: how many execution
	// environments run at once, each one process at a time. Zero means 2.
	Containers int
	// Timeout is the function timeout: an attempt still running at its
	// deadline (Lambda-Runtime-Deadline-Ms) is failed with "Task timed
	// out" and its process is killed; the container starts a fresh one (a
	// cold start), as Lambda resets the sandbox. Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxRetryAttempts is MaximumRetryAttempts: how many times a failed
	// attempt is retried, 0 to 2 (Lambda's default is 2,
	// DefaultMaxRetryAttempts; the zero value here is no retry).
	MaxRetryAttempts int
	// RetryDelays are the waits before the first and the second retry; a
	// zero entry means Lambda's own (DefaultRetryDelays). Tests scale
	// them down.
	RetryDelays [2]time.Duration
	// MaxEventAge is MaximumEventAgeInSeconds: an event that has waited
	// this long since Invoke is not attempted again and goes to the
	// on-failure destination with EventAgeExceeded. Zero means
	// DefaultMaxEventAge.
	MaxEventAge time.Duration
	// FunctionArn is sent in Lambda-Runtime-Invoked-Function-Arn and
	// written in the records; empty means DefaultFunctionArn.
	FunctionArn string
	// Kill, when not nil, is asked at the start of every attempt; ok true
	// makes the Async SIGKILL the attempt's process after the given time,
	// if the attempt is still running then: the attempt fails as Lambda
	// fails an attempt whose runtime exited (Runtime.ExitError) and is
	// retried. Such a kill is not a crash. It is called with the Async's
	// lock held: it must not call the Async.
	Kill func(AttemptInfo) (after time.Duration, ok bool)
	// Output, when not nil, receives every line a process writes to its
	// standard output or standard error, from the Async's goroutines.
	Output func(OutputLine)
	// OnFailure, when not nil, receives each on-failure record as it is
	// written, from the Async's goroutines; Records returns them too.
	OnFailure func(Record)
}

// AttemptInfo names one attempt of an invocation.
type AttemptInfo struct {
	RequestID string
	// Delivery is 0 for the first delivery of the event and 1 for its
	// duplicate (InvokeDuplicated).
	Delivery int
	// Attempt counts the attempts of the delivery, from 1.
	Attempt int
	// Container is the index of the container running it.
	Container int
}

// OutputLine is a line a container's process wrote.
type OutputLine struct {
	Container int
	PID       int
	// Stderr is true for standard error.
	Stderr bool
	Line   []byte
}

// Outcome is how an attempt ended.
type Outcome string

// Outcomes of an attempt.
const (
	// Succeeded: the function posted a response.
	Succeeded Outcome = "succeeded"
	// FunctionError: the function posted an error.
	FunctionError Outcome = "function error"
	// TimedOut: the deadline passed; the process was killed.
	TimedOut Outcome = "timed out"
	// Killed: the Async killed the process mid-invocation (Kill).
	Killed Outcome = "killed"
	// Exited: the process exited by itself mid-invocation (a crash).
	Exited Outcome = "exited"
)

// Attempt is one attempt of an invocation and how it ended.
type Attempt struct {
	AttemptInfo
	PID        int
	Start, End time.Time
	Outcome    Outcome
	// ErrorType and ErrorMessage are the error Lambda records for a failed
	// attempt: the function's own, or Lambda's for a time-out or an exit.
	ErrorType, ErrorMessage string
	// Response is what the function posted (its response or its error
	// document).
	Response []byte
}

// Record is the invocation record Lambda sends to the function's
// on-failure destination, in the documented shape ("Capturing records of
// Lambda asynchronous invocations").
type Record struct {
	Version         string                 `json:"version"`
	Timestamp       string                 `json:"timestamp"`
	RequestContext  RecordRequestContext   `json:"requestContext"`
	RequestPayload  json.RawMessage        `json:"requestPayload"`
	ResponseContext *RecordResponseContext `json:"responseContext,omitempty"`
	ResponsePayload json.RawMessage        `json:"responsePayload,omitempty"`
	// Delivery is 0 for the event's first delivery, 1 for its duplicate;
	// not part of Lambda's record.
	Delivery int `json:"-"`
}

// RecordRequestContext is the requestContext of a Record.
type RecordRequestContext struct {
	RequestID              string `json:"requestId"`
	FunctionArn            string `json:"functionArn"`
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

// RecordResponseContext is the responseContext of a Record: the last
// attempt's.
type RecordResponseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	// FunctionError is Handled for an error the function returned and
	// Unhandled for one Lambda detected (a time-out, an exit).
	FunctionError string `json:"functionError"`
}

// Failure returns the errorType and errorMessage of the record's
// responsePayload, empty when it has none.
func (r *Record) Failure() (errorType, errorMessage string) {
	var doc struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if len(r.ResponsePayload) > 0 && json.Unmarshal(r.ResponsePayload, &doc) == nil {
		return doc.ErrorType, doc.ErrorMessage
	}
	return "", ""
}

// RSSSample is a process's resident set size after a number of
// invocations.
type RSSSample struct {
	Invocations int
	Bytes       int64
}

// Process describes one process a container ran.
type Process struct {
	Container int
	PID       int
	Started   time.Time
	// ColdStart is the time from the start of the process to its first
	// invocation/next; zero while it has not polled.
	ColdStart time.Duration
	// Invocations counts the attempts the process was given.
	Invocations int
	// RSSFirst is the resident set size, in bytes, after its first
	// invocation; RSSLast after its latest. Zero where /proc is absent.
	RSSFirst, RSSLast int64
	// RSS samples the resident set size after 1, 2, 4, 8, ...
	// invocations, to tell growth that levels off from a leak.
	RSS []RSSSample
	// Exited is true once the process has ended; Killed when the Async
	// ended it (a time-out, Kill, Close); Crashed when it ended by itself.
	Exited, Killed, Crashed bool
	// ExitStatus says how it ended, e.g. "exit status 2".
	ExitStatus string
	// Tail is the end of what it wrote, for a crash report.
	Tail string
}

// Async stands in for AWS Lambda running a function invoked
// asynchronously (InvocationType Event), with the function's bootstrap
// binary as it is deployed: it serves the Runtime API to several
// containers, one process each at a time, and models what Lambda does to
// an asynchronous event: the request id, deadline and function ARN
// headers; the deadline enforced by killing the process and starting a
// fresh one; 0-2 retries after a failed attempt with Lambda's delays (or
// scaled ones); a record in the on-failure destination, with its reason,
// when retries or the event's age run out; and, on request, a duplicate
// delivery of the same event to a different container, as Lambda's
// at-least-once queue does. Its methods are safe for concurrent use.
type Async struct {
	cfg    AsyncConfig
	closed chan struct{}

	mu         sync.Mutex
	closing    bool
	queue      []*delivery
	wake       chan struct{}
	containers []*container
	procs      []*proc
	invs       map[string]*asyncInvocation
	unsettled  int
	changed    chan struct{}
	records    []Record
	attempts   []Attempt
	timers     map[*time.Timer]struct{}
	exits      sync.WaitGroup
}

type asyncInvocation struct {
	id         string
	payload    []byte
	enqueued   time.Time
	deliveries []*delivery
	pending    int // deliveries not settled
}

type delivery struct {
	inv      *asyncInvocation
	n        int
	attempts int
	firstOn  int // container of the first attempt; -1 before it
	last     *Attempt
	queued   bool
	expiry   *time.Timer
}

type container struct {
	idx  int
	proc *proc
	cur  *running
}

type proc struct {
	Process
	// started is set, with a.mu held, once cmd.Start has returned.
	started bool
	c       *container
	cmd     *exec.Cmd
	srv     *httptest.Server
	polled  bool
	dead    bool
	tail    *tailBuffer
	killing bool
}

type running struct {
	d       *delivery
	attempt int
	p       *proc
	start   time.Time
	timers  []*time.Timer
}

// StartAsync starts the containers' processes and their Runtime API. Close
// it when done.
func StartAsync(cfg AsyncConfig) (*Async, error) {
	if cfg.Path == "" {
		return nil, errors.New("lambdatest: AsyncConfig.Path is empty")
	}
	if cfg.Containers <= 0 {
		cfg.Containers = 2
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxRetryAttempts < 0 || cfg.MaxRetryAttempts > 2 {
		return nil, fmt.Errorf("lambdatest: MaxRetryAttempts %d: Lambda allows 0 to 2", cfg.MaxRetryAttempts)
	}
	for i, d := range cfg.RetryDelays {
		if d <= 0 {
			cfg.RetryDelays[i] = DefaultRetryDelays[i]
		}
	}
	if cfg.MaxEventAge <= 0 {
		cfg.MaxEventAge = DefaultMaxEventAge
	}
	if cfg.FunctionArn == "" {
		cfg.FunctionArn = DefaultFunctionArn
	}
	a := &Async{
		cfg:     cfg,
		closed:  make(chan struct{}),
		wake:    make(chan struct{}),
		invs:    map[string]*asyncInvocation{},
		changed: make(chan struct{}),
		timers:  map[*time.Timer]struct{}{},
	}
	for i := range cfg.Containers {
		c := &container{idx: i}
		a.mu.Lock()
		a.containers = append(a.containers, c)
		a.mu.Unlock()
		if err := a.startProc(c); err != nil {
			a.Close()
			return nil, err
		}
	}
	return a, nil
}

// startProc starts a fresh process in c, with a Runtime API of its own so
// that nothing a dead process sent can reach its successor. a.mu is not
// held: starting a process takes a while. The caller holds a count of
// a.exits (wait does) or runs before the Async is shared (StartAsync).
func (a *Async) startProc(c *container) error {
	p := &proc{c: c, tail: &tailBuffer{max: 4 << 10}}
	p.Container = c.idx
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { a.serve(p, w, r) }))
	cmd := exec.Command(a.cfg.Path)
	cmd.Env = append(slices.Clone(a.cfg.Env), "AWS_LAMBDA_RUNTIME_API="+strings.TrimPrefix(p.srv.URL, "http://"))
	cmd.Stdout = &lineWriter{a: a, p: p}
	cmd.Stderr = &lineWriter{a: a, p: p, stderr: true}
	p.cmd = cmd
	// Registered before it starts, so that its first poll finds it.
	a.mu.Lock()
	p.Started = time.Now()
	c.proc = p
	a.procs = append(a.procs, p)
	a.mu.Unlock()
	err := cmd.Start()
	a.mu.Lock()
	defer a.mu.Unlock()
	if err != nil {
		p.dead, p.Exited, p.ExitStatus = true, true, "not started: "+err.Error()
		if c.proc == p {
			c.proc = nil
		}
		go p.srv.Close()
		return fmt.Errorf("lambdatest: start %s: %w", a.cfg.Path, err)
	}
	p.started = true
	p.PID = cmd.Process.Pid
	a.exits.Add(1)
	go a.wait(p)
	if a.closing || p.killing {
		p.killing = false
		a.killProc(p)
	}
	return nil
}

// wait reaps p and, unless the Async is closing, starts its successor.
func (a *Async) wait(p *proc) {
	defer a.exits.Done()
	err := p.cmd.Wait()
	a.mu.Lock()
	p.dead, p.Exited = true, true
	p.Killed = p.killing
	p.ExitStatus = "exit status 0"
	if err != nil {
		p.ExitStatus = err.Error()
	}
	p.Tail = p.tail.String()
	if !p.killing {
		p.Crashed = true
	}
	c := p.c
	if r := c.cur; r != nil && r.p == p {
		// The process ended mid-invocation by itself.
		a.finish(r, &Attempt{Outcome: Exited, ErrorType: "Runtime.ExitError",
			ErrorMessage: fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", r.d.inv.id, p.ExitStatus)})
	}
	go p.srv.Close()
	restart := !a.closing && c.proc == p
	if restart {
		c.proc = nil
	}
	a.mu.Unlock()
	if !restart {
		return
	}
	if err := a.startProc(c); err != nil {
		// The binary cannot be started again: the container stays empty
		// and its work goes to the others.
		p.tail.Write([]byte("\nrestart: " + err.Error()))
		a.mu.Lock()
		p.Tail = p.tail.String()
		a.mu.Unlock()
	}
}

// Invoke queues payload as an asynchronous invocation and returns its
// request id, as Lambda's Invoke API with InvocationType Event answers 202.
// A payload that is not JSON is refused with ErrInvalidRequestContent.
func (a *Async) Invoke(payload []byte) (string, error) {
	return a.invoke(payload, 1, 0)
}

// InvokeDuplicated queues payload like Invoke and, gap later, a second
// delivery of the same invocation (same request id), which runs in a
// container other than the ones the first delivery ran in, as Lambda's
// at-least-once queue sometimes delivers an event twice. Each delivery is
// retried on its own and writes its own on-failure record.
func (a *Async) InvokeDuplicated(payload []byte, gap time.Duration) (string, error) {
	return a.invoke(payload, 2, gap)
}

func (a *Async) invoke(payload []byte, deliveries int, gap time.Duration) (string, error) {
	if !json.Valid(payload) {
		return "", ErrInvalidRequestContent
	}
	id := newRequestID()
	inv := &asyncInvocation{id: id, payload: slices.Clone(payload), enqueued: time.Now(), pending: deliveries}
	for n := range deliveries {
		inv.deliveries = append(inv.deliveries, &delivery{inv: inv, n: n, firstOn: -1})
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closing {
		return "", errors.New("lambdatest: the Async is closed")
	}
	a.invs[id] = inv
	a.unsettled++
	a.push(inv.deliveries[0])
	if deliveries > 1 {
		a.after(gap, func() { a.push(inv.deliveries[1]) })
	}
	return id, nil
}

// after runs f with a.mu held after d, unless the Async closes; a.mu is
// held.
func (a *Async) after(d time.Duration, f func()) *time.Timer {
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		delete(a.timers, t)
		if !a.closing {
			f()
		}
	})
	a.timers[t] = struct{}{}
	return t
}

// stop stops a timer of after; a.mu is held.
func (a *Async) stop(t *time.Timer) {
	if t != nil {
		t.Stop()
		delete(a.timers, t)
	}
}

// push queues d for its next attempt, or sends it to the on-failure
// destination if the event is too old; a.mu is held.
func (a *Async) push(d *delivery) {
	left := a.cfg.MaxEventAge - time.Since(d.inv.enqueued)
	if left <= 0 {
		a.fail(d, ConditionEventAgeExceeded)
		return
	}
	d.queued = true
	a.queue = append(a.queue, d)
	d.expiry = a.after(left, func() {
		if d.queued {
			a.unqueue(d)
			a.fail(d, ConditionEventAgeExceeded)
		}
	})
	close(a.wake)
	a.wake = make(chan struct{})
}

// unqueue removes d from the queue; a.mu is held.
func (a *Async) unqueue(d *delivery) {
	d.queued = false
	a.stop(d.expiry)
	d.expiry = nil
	if i := slices.Index(a.queue, d); i >= 0 {
		a.queue = slices.Delete(a.queue, i, i+1)
	}
}

// avoids reports whether d must not run in container c: the other
// delivery of its invocation was first given to c. (Its retries may run
// anywhere.)
func (a *Async) avoids(d *delivery, c int) bool {
	if len(a.containers) < 2 {
		return false
	}
	for _, s := range d.inv.deliveries {
		if s != d && s.firstOn == c {
			return true
		}
	}
	return false
}

// take waits for a delivery container c may run, or for ctx to end.
func (a *Async) take(ctx context.Context, p *proc) (*running, error) {
	for {
		a.mu.Lock()
		if p.dead || a.closing || p.c.proc != p {
			a.mu.Unlock()
			return nil, errors.New("the process is gone")
		}
		for _, d := range a.queue {
			if a.avoids(d, p.c.idx) {
				continue
			}
			a.unqueue(d)
			d.attempts++
			if d.firstOn < 0 {
				d.firstOn = p.c.idx
			}
			r := &running{d: d, attempt: d.attempts, p: p, start: time.Now()}
			p.c.cur = r
			p.Invocations++
			r.timers = append(r.timers, a.after(a.cfg.Timeout, func() { a.timeout(r) }))
			info := AttemptInfo{RequestID: d.inv.id, Delivery: d.n, Attempt: r.attempt, Container: p.c.idx}
			if a.cfg.Kill != nil {
				if after, ok := a.cfg.Kill(info); ok {
					r.timers = append(r.timers, a.after(after, func() { a.killRunning(r) }))
				}
			}
			a.mu.Unlock()
			return r, nil
		}
		w := a.wake
		a.mu.Unlock()
		select {
		case <-w:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-a.closed:
			return nil, errors.New("closed")
		}
	}
}

// timeout fails r if it is still running at its deadline, and kills its
// process; a.mu is held.
func (a *Async) timeout(r *running) {
	if r.p.c.cur != r {
		return
	}
	msg := fmt.Sprintf("%s %s Task timed out after %.2f seconds", time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), r.d.inv.id, a.cfg.Timeout.Seconds())
	a.finish(r, &Attempt{Outcome: TimedOut, ErrorMessage: msg})
	a.killProc(r.p)
}

// killRunning kills r's process if r is still running; a.mu is held.
func (a *Async) killRunning(r *running) bool {
	if r.p.c.cur != r {
		return false
	}
	a.finish(r, &Attempt{Outcome: Killed, ErrorType: "Runtime.ExitError",
		ErrorMessage: fmt.Sprintf("RequestId: %s Error: Runtime exited with error: signal: killed", r.d.inv.id)})
	a.killProc(r.p)
	return true
}

// Kill SIGKILLs the process running an attempt of requestID, as if its
// execution environment failed mid-invocation: the attempt fails
// (Runtime.ExitError) and is retried, and the container starts a fresh
// process. It reports whether an attempt of requestID was running.
func (a *Async) Kill(requestID string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, c := range a.containers {
		if r := c.cur; r != nil && r.d.inv.id == requestID {
			return a.killRunning(r)
		}
	}
	return false
}

// killProc kills p; its wait starts the successor; a.mu is held.
func (a *Async) killProc(p *proc) {
	if p.dead || p.killing {
		return
	}
	p.killing = true
	if p.started { // else startProc kills it once it has started
		_ = p.cmd.Process.Kill()
	}
}

// finish ends the attempt r with the result res (Outcome, error fields,
// Response), then settles or retries its delivery; a.mu is held.
func (a *Async) finish(r *running, res *Attempt) {
	c := r.p.c
	if c.cur == r {
		c.cur = nil
	}
	for _, t := range r.timers {
		a.stop(t)
	}
	d := r.d
	res.AttemptInfo = AttemptInfo{RequestID: d.inv.id, Delivery: d.n, Attempt: r.attempt, Container: c.idx}
	res.PID, res.Start, res.End = r.p.PID, r.start, time.Now()
	a.attempts = append(a.attempts, *res)
	d.last = res
	if res.Outcome == Succeeded {
		a.settle(d)
		return
	}
	if d.attempts > a.cfg.MaxRetryAttempts {
		a.fail(d, ConditionRetriesExhausted)
		return
	}
	delay := a.cfg.RetryDelays[d.attempts-1]
	if left := a.cfg.MaxEventAge - time.Since(d.inv.enqueued); delay >= left {
		// The event ages out before its retry is due.
		a.after(left, func() { a.fail(d, ConditionEventAgeExceeded) })
		return
	}
	a.after(delay, func() { a.push(d) })
}

// fail writes the on-failure record of d and settles it; a.mu is held.
func (a *Async) fail(d *delivery, condition string) {
	rec := Record{
		Version:   "1.0",
		Timestamp: time.Now().UTC().Format("2006-01-02T15:04:05.000Z"),
		RequestContext: RecordRequestContext{
			RequestID:              d.inv.id,
			FunctionArn:            a.cfg.FunctionArn + ":$LATEST",
			Condition:              condition,
			ApproximateInvokeCount: d.attempts,
		},
		RequestPayload: d.inv.payload,
		Delivery:       d.n,
	}
	if l := d.last; l != nil {
		rec.ResponseContext = &RecordResponseContext{StatusCode: 200, ExecutedVersion: "$LATEST", FunctionError: "Unhandled"}
		if l.Outcome == FunctionError {
			rec.ResponseContext.FunctionError = "Handled"
		}
		rec.ResponsePayload = errorDocument(l)
	}
	a.records = append(a.records, rec)
	if a.cfg.OnFailure != nil {
		a.cfg.OnFailure(rec)
	}
	a.settle(d)
}

// errorDocument is the responsePayload of a failed attempt: the function's
// own error document, or Lambda's for a time-out or an exit.
func errorDocument(l *Attempt) json.RawMessage {
	if l.Outcome == FunctionError && json.Valid(l.Response) {
		return slices.Clone(l.Response)
	}
	doc := map[string]string{"errorMessage": l.ErrorMessage}
	if l.ErrorType != "" {
		doc["errorType"] = l.ErrorType
	}
	b, _ := json.Marshal(doc)
	return b
}

// settle marks d done; a.mu is held.
func (a *Async) settle(d *delivery) {
	d.inv.pending--
	if d.inv.pending == 0 {
		a.unsettled--
	}
	close(a.changed)
	a.changed = make(chan struct{})
}

// Wait waits until every invocation has settled: each of its deliveries
// has succeeded or has gone to the on-failure destination.
func (a *Async) Wait(ctx context.Context) error { return a.WaitBelow(ctx, 1) }

// WaitBelow waits until fewer than n invocations are unsettled, for a
// caller that keeps a bounded number in flight.
func (a *Async) WaitBelow(ctx context.Context, n int) error {
	for {
		a.mu.Lock()
		u, ch := a.unsettled, a.changed
		a.mu.Unlock()
		if u < n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("lambdatest: %d invocations not settled: %w", u, ctx.Err())
		}
	}
}

// Unsettled returns how many invocations have not settled yet.
func (a *Async) Unsettled() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.unsettled
}

// Records returns the on-failure records written so far.
func (a *Async) Records() []Record {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.records)
}

// Attempts returns every attempt that has ended, in the order they ended.
func (a *Async) Attempts() []Attempt {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.attempts)
}

// Processes returns every process the containers have run, in the order
// they started.
func (a *Async) Processes() []Process {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Process, len(a.procs))
	for i, p := range a.procs {
		out[i] = p.Process
		out[i].RSS = slices.Clone(p.RSS)
		if !p.Exited {
			out[i].Tail = p.tail.String()
		}
	}
	return out
}

// Close kills every process and stops the Runtime API.
func (a *Async) Close() {
	a.mu.Lock()
	if a.closing {
		a.mu.Unlock()
		return
	}
	a.closing = true
	close(a.closed)
	for t := range a.timers {
		t.Stop()
	}
	a.timers = map[*time.Timer]struct{}{}
	for _, p := range a.procs {
		a.killProc(p)
	}
	a.mu.Unlock()
	a.exits.Wait()
	// Without the lock: a server's Close waits for its handlers, which
	// take the lock.
	a.mu.Lock()
	procs := slices.Clone(a.procs)
	a.mu.Unlock()
	for _, p := range procs {
		p.srv.Close()
	}
}

// serve is the Runtime API of process p.
func (a *Async) serve(p *proc, w http.ResponseWriter, req *http.Request) {
	const prefix = "/2018-06-01/runtime/"
	path, ok := strings.CutPrefix(req.URL.Path, prefix)
	if !ok {
		http.NotFound(w, req)
		return
	}
	body, _ := io.ReadAll(req.Body)
	switch {
	case req.Method == http.MethodGet && path == "invocation/next":
		a.next(p, w, req)
	case req.Method == http.MethodPost && path == "init/error":
		p.tail.Write([]byte("init/error: " + string(body) + "\n"))
		w.WriteHeader(http.StatusAccepted)
	case req.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		id, kind, _ := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
		if kind != "response" && kind != "error" {
			http.NotFound(w, req)
			return
		}
		a.mu.Lock()
		r := p.c.cur
		if r == nil || r.p != p || r.d.inv.id != id {
			a.mu.Unlock()
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`)
			return
		}
		res := &Attempt{Outcome: Succeeded, Response: body}
		if kind == "error" {
			res.Outcome = FunctionError
			var doc struct {
				ErrorType    string `json:"errorType"`
				ErrorMessage string `json:"errorMessage"`
			}
			_ = json.Unmarshal(body, &doc)
			res.ErrorType, res.ErrorMessage = doc.ErrorType, doc.ErrorMessage
			if res.ErrorType == "" {
				res.ErrorType = req.Header.Get("Lambda-Runtime-Function-Error-Type")
			}
		}
		a.finish(r, res)
		a.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, req)
	}
}

// next answers invocation/next with the next attempt p may run.
func (a *Async) next(p *proc, w http.ResponseWriter, req *http.Request) {
	a.mu.Lock()
	if !p.polled {
		p.polled = true
		p.ColdStart = time.Since(p.Started)
	}
	if p.Invocations > 0 {
		if rss := residentSetSize(p.PID); rss > 0 {
			if p.RSSFirst == 0 {
				p.RSSFirst = rss
			}
			p.RSSLast = rss
			if n := p.Invocations; n&(n-1) == 0 {
				p.RSS = append(p.RSS, RSSSample{Invocations: n, Bytes: rss})
			}
		}
	}
	a.mu.Unlock()
	r, err := a.take(req.Context(), p)
	if err != nil {
		return
	}
	d := r.d
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", d.inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(r.start.Add(a.cfg.Timeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", a.cfg.FunctionArn)
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-"+strconv.FormatInt(r.start.Unix(), 16)+"-"+strings.ReplaceAll(d.inv.id, "-", "")[:24]+";Sampled=0")
	h.Set("Content-Type", "application/json")
	_, _ = w.Write(d.inv.payload)
}

// residentSetSize returns VmRSS of pid in bytes, or 0 where /proc cannot
// tell.
func residentSetSize(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				return n << 10
			}
		}
	}
	return 0
}

// newRequestID returns a random version 4 UUID, as Lambda's request ids are.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// lineWriter splits a process's output into lines for Output and keeps
// its tail. It runs in exec's copying goroutines, which start after
// cmd.Process is set: it reads the pid there, not from p.PID, which
// startProc sets under a.mu.
type lineWriter struct {
	a      *Async
	p      *proc
	stderr bool
	buf    []byte
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.p.tail.Write(b)
	l.buf = append(l.buf, b...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		line := l.buf[:i]
		if l.a.cfg.Output != nil {
			l.a.cfg.Output(OutputLine{Container: l.p.Container, PID: l.p.cmd.Process.Pid, Stderr: l.stderr, Line: slices.Clone(line)})
		}
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) > 64<<10 { // a line without end: pass it on in pieces
		if l.a.cfg.Output != nil {
			l.a.cfg.Output(OutputLine{Container: l.p.Container, PID: l.p.cmd.Process.Pid, Stderr: l.stderr, Line: slices.Clone(l.buf)})
		}
		l.buf = l.buf[:0]
	}
	return len(b), nil
}

// tailBuffer keeps the last max bytes written. It is safe for concurrent
// use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = slices.Clone(t.b[len(t.b)-t.max:])
	}
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
