package flowresource

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/rs/zerolog"
)

// Defaults of a Handler.
const (
	// DefaultMargin is how long before the invocation's deadline the work is
	// given up, to leave time to answer CloudFormation.
	DefaultMargin = 10 * time.Second
	// DefaultSendAttempts bounds the attempts to deliver the response.
	DefaultSendAttempts = 4
	// MaxResponseBytes is the largest response CloudFormation accepts.
	MaxResponseBytes = 4096
)

// HTTPClient sends one HTTP request; *http.Client implements it.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Handler runs a cfn.CustomResourceFunction and always answers
// CloudFormation at the request's ResponseURL: SUCCESS with the function's
// physical id and data, or FAILED with a reason when the function returns an
// error, panics, or has not finished Margin before the invocation's
// deadline. Without the answer a stack would wait up to an hour.
//
// A Handler holds no per-request state and is safe for concurrent use.
type Handler struct {
	// Func does the work, e.g. (*ChannelFlow).Handle. A nil Func fails
	// every request.
	Func cfn.CustomResourceFunction
	// Undo, when set, removes what a request that failed had created, so
	// that nothing is left behind (see UndoFunc). Nil leaves it to
	// CloudFormation's rollback, which deletes what a failed request
	// answers as its physical id.
	Undo UndoFunc
	// HTTPClient delivers the response; nil means a client with a 10 s
	// timeout that follows no redirect.
	HTTPClient HTTPClient
	// Margin is how long before the context's deadline the work is given
	// up; 0 means DefaultMargin. It never takes more than half of the time
	// left, so a short invocation still gets to work. Without a deadline
	// the work is not bounded.
	Margin time.Duration
	// SendAttempts bounds the attempts to deliver the response (transport
	// errors and 5xx are retried); 0 means DefaultSendAttempts.
	SendAttempts int
	// LogStreamName is named in the reasons of panics and time-outs; empty
	// means lambdacontext.LogStreamName.
	LogStreamName string
	// Logger receives one line per request, plus the stack of a panic. The
	// zero Logger is silent.
	Logger zerolog.Logger
}

// UndoFunc removes what the work of a failed request created. createdID is
// the physical id of the resource it created, or empty when a creation was
// under way when the work was cut short (a time-out, a panic) and its
// outcome is unknown: Undo then finds out whether it happened. The context
// ends before the invocation's deadline, leaving time to answer.
//
// The Handler calls Undo when an Update fails after creating a resource
// other than the one it updates (a replacement), and when a Create or an
// Update fails while a creation was under way. A Create that fails after
// creating its resource answers that resource's id instead: CloudFormation's
// rollback deletes it.
type UndoFunc func(ctx context.Context, event cfn.Event, createdID string) error

// outcome is what the work produced.
type outcome struct {
	physicalID string
	data       map[string]any
	err        error
}

// Handle runs the request and answers it. It returns an error only when the
// answer could not be delivered (a *SendError): the Lambda runtime then
// logs it, and an asynchronous invocation is retried (which the
// deterministic ClientRequestToken makes safe).
//
// A request that fails answers FAILED with a physical id that leaves
// nothing behind: on Create, the id of what it created (CloudFormation's
// rollback deletes it) or the request id; on Update, the resource's own id,
// after Undo removed what the request created (a replacement), or the id of
// that creation when Undo could not remove it (CloudFormation's rollback
// deletes it).
func (h *Handler) Handle(ctx context.Context, event cfn.Event) error {
	start := time.Now()
	prog := &progress{}
	margin := h.margin(ctx)
	workCtx, cancel := h.workContext(ctx, margin)
	defer cancel()
	workCtx = context.WithValue(workCtx, progressKey{}, prog)

	done := make(chan outcome, 1)
	go h.run(workCtx, event, prog, done)

	var out outcome
	timedOut := false
	select {
	case out = <-done:
		// Work cut short by its deadline usually ends at once, with the
		// deadline as its error: report it as the time-out it is.
		timedOut = out.err != nil && workCtx.Err() != nil
	case <-workCtx.Done():
		select {
		case out = <-done: // finished at the last moment
			timedOut = out.err != nil
		default:
			timedOut = true
		}
	}
	state := prog.snapshot()
	if timedOut {
		out.err = h.timeoutError(ctx, workCtx, start, state.step, out.err)
	}

	resp := cfn.NewResponse(&event)
	resp.PhysicalResourceID = out.physicalID
	if resp.PhysicalResourceID == "" {
		resp.PhysicalResourceID = fallbackPhysicalID(event, state.created)
	}
	var undone string
	if out.err == nil {
		resp.Status = cfn.StatusSuccess
		resp.Data = out.data
	} else {
		reason := out.err.Error()
		if h.Undo != nil && needsUndo(event, state) {
			var note string
			resp.PhysicalResourceID, note, undone = h.undo(ctx, margin, event, state.created, resp.PhysicalResourceID)
			reason += note
		}
		resp.Status = cfn.StatusFailed
		resp.Reason = string(event.RequestType) + " failed: " + reason
	}
	body, err := encodeResponse(resp)
	if err != nil {
		return h.logged(event, resp, start, state.step, undone, fmt.Errorf("encode the response: %w", err))
	}
	err = h.send(ctx, event.ResponseURL, body)
	return h.logged(event, resp, start, state.step, undone, err)
}

// needsUndo reports whether a failed request leaves something behind that
// its answer would not make CloudFormation delete.
func needsUndo(event cfn.Event, state progressState) bool {
	if state.creating && state.created == "" {
		return true // a creation under way, its outcome unknown
	}
	return event.RequestType == cfn.RequestUpdate && state.created != "" && state.created != event.PhysicalResourceID
}

// undo runs Undo for a failed request, within the time left before the
// invocation's deadline (half of the margin is kept for the answer). It
// returns the physical id to answer, a note for the reason and a word for
// the log line.
func (h *Handler) undo(ctx context.Context, margin time.Duration, event cfn.Event, createdID, current string) (physicalID, note, logged string) {
	base := context.WithoutCancel(ctx) // the invocation may have been cancelled: clean up anyway, briefly
	var (
		uctx   context.Context
		cancel context.CancelFunc
	)
	if deadline, ok := ctx.Deadline(); ok {
		uctx, cancel = context.WithDeadline(base, deadline.Add(-margin/2))
	} else {
		uctx, cancel = context.WithTimeout(base, DefaultMargin/2)
	}
	defer cancel()
	err := h.safeUndo(uctx, event, createdID)
	unchanged := event.PhysicalResourceID
	if event.RequestType == cfn.RequestCreate {
		unchanged = event.RequestID
	}
	switch {
	case err == nil && createdID == "":
		return unchanged, "; anything it may have created was looked for and deleted", "deleted"
	case err == nil:
		return unchanged, "; " + createdID + ", which it had created, was deleted", "deleted"
	case createdID != "":
		return createdID, fmt.Sprintf("; deleting %s, which it had created, failed too (%v): it is answered as the resource's id, so that CloudFormation's rollback deletes it", createdID, err), "failed"
	}
	return current, fmt.Sprintf("; it may have created a resource, and looking for it failed: %v", err), "failed"
}

// safeUndo runs Undo, turning a panic into an error.
func (h *Handler) safeUndo(ctx context.Context, event cfn.Event, createdID string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			h.Logger.Error().Str("panic", fmt.Sprint(v)).Bytes("stack", debug.Stack()).Msg("custom resource undo panicked")
			err = &PanicError{Value: v, Step: "undoing", LogStream: h.logStream()}
		}
	}()
	return h.Undo(ctx, event, createdID)
}

// run does the work and reports its outcome, a panic included.
func (h *Handler) run(ctx context.Context, event cfn.Event, prog *progress, done chan<- outcome) {
	defer func() {
		if v := recover(); v != nil {
			stack := debug.Stack()
			step := prog.snapshot().step
			h.Logger.Error().Str("requestType", string(event.RequestType)).Str("logicalResourceId", event.LogicalResourceID).
				Str("step", step).Str("panic", fmt.Sprint(v)).Bytes("stack", stack).Msg("custom resource panicked")
			done <- outcome{err: &PanicError{Value: v, Step: step, LogStream: h.logStream()}}
		}
	}()
	if h.Func == nil {
		done <- outcome{err: errors.New("the custom resource has no function to run (Handler.Func is nil): this is a bug in the deployment code")}
		return
	}
	id, data, err := h.Func(ctx, event)
	done <- outcome{physicalID: id, data: data, err: err}
}

// margin returns how long before the invocation's deadline the work is
// given up: Margin (or DefaultMargin), at most half of the time left; 0
// without a deadline.
func (h *Handler) margin(ctx context.Context) time.Duration {
	deadline, ok := ctx.Deadline()
	if !ok {
		return 0
	}
	margin := h.Margin
	if margin <= 0 {
		margin = DefaultMargin
	}
	if left := time.Until(deadline); margin > left/2 {
		margin = left / 2
	}
	return margin
}

// workContext returns the context of the work: the invocation's, ending
// margin before its deadline.
func (h *Handler) workContext(ctx context.Context, margin time.Duration) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	return context.WithDeadline(ctx, deadline.Add(-margin))
}

// fallbackPhysicalID is the physical id of a request whose work did not say
// one: the id of the resource it created, if it did (so that CloudFormation's
// rollback deletes it); otherwise, on Create, the request id (which Delete
// knows is nothing), and on Update and Delete the resource's current id.
func fallbackPhysicalID(event cfn.Event, createdID string) string {
	if createdID != "" && event.RequestType != cfn.RequestDelete {
		return createdID
	}
	if event.RequestType == cfn.RequestCreate || event.PhysicalResourceID == "" {
		return event.RequestID
	}
	return event.PhysicalResourceID
}

func (h *Handler) logStream() string {
	if h.LogStreamName != "" {
		return h.LogStreamName
	}
	return lambdacontext.LogStreamName
}

// TimeoutError is the failure of work that had not finished in time.
type TimeoutError struct {
	// Elapsed is how long the work ran.
	Elapsed time.Duration
	// Step is what the work was doing.
	Step string
	// LogStream is the function's log stream, when known.
	LogStream string
	// Cancelled reports that the invocation itself was cancelled, not only
	// the work's deadline reached.
	Cancelled bool
	// Err is the error the work ended with when it was cut short, or nil
	// when it had not ended.
	Err error
}

// Error says what was under way and what to do.
func (e *TimeoutError) Error() string {
	what := "did not finish"
	if e.Cancelled {
		what = "was cancelled"
	}
	msg := fmt.Sprintf("the custom resource %s within %s, while %s", what, e.Elapsed.Round(100*time.Millisecond), e.stepText())
	msg += ". Chime SDK Messaging was slow or unreachable, or there is a lot to do: retry the deployment, and if it happens again raise the ChannelFlowFunction Timeout in template.yaml and check the function's logs"
	if e.LogStream != "" {
		msg += " (log stream " + e.LogStream + ")"
	}
	if e.Err != nil {
		msg += "; the last error: " + e.Err.Error()
	}
	return msg
}

// Is reports whether target is context.DeadlineExceeded.
func (e *TimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Unwrap returns the error the work ended with, if any.
func (e *TimeoutError) Unwrap() error { return e.Err }

func (e *TimeoutError) stepText() string {
	if e.Step == "" {
		return "starting"
	}
	return e.Step
}

func (h *Handler) timeoutError(ctx, workCtx context.Context, start time.Time, step string, cause error) error {
	err := &TimeoutError{Elapsed: time.Since(start), Step: step, LogStream: h.logStream(), Err: cause}
	if errors.Is(ctx.Err(), context.Canceled) || !errors.Is(workCtx.Err(), context.DeadlineExceeded) {
		err.Cancelled = true
	}
	return err
}

// PanicError is the failure of work that panicked.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Step is what the work was doing.
	Step string
	// LogStream is the function's log stream, when known.
	LogStream string
}

// Error names the panic and where its stack trace is.
func (e *PanicError) Error() string {
	msg := fmt.Sprintf("internal error in the custom resource (panic: %v)", e.Value)
	if e.Step != "" {
		msg += " while " + e.Step
	}
	msg += ". This is a bug: the stack trace is in the function's logs"
	if e.LogStream != "" {
		msg += " (log stream " + e.LogStream + ")"
	}
	return msg + "; retry the deployment, and report it if it happens again"
}

// encodeResponse marshals the response, keeping of the reason the longest
// start that fits CloudFormation's limit once escaped.
func encodeResponse(resp *cfn.Response) ([]byte, error) {
	body, err := json.Marshal(resp)
	if err != nil || len(body) <= MaxResponseBytes {
		return body, err
	}
	const ellipsis = " [...]"
	short := *resp
	encode := func(n int) ([]byte, error) {
		for n > 0 && !utf8.RuneStart(resp.Reason[n]) {
			n--
		}
		short.Reason = resp.Reason[:n] + ellipsis
		return json.Marshal(&short)
	}
	// Binary search for the longest prefix that fits.
	lo, hi := 0, len(resp.Reason)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		b, err := encode(mid)
		if err != nil {
			return nil, err
		}
		if len(b) <= MaxResponseBytes {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return encode(lo)
}

// logged logs the request's outcome and returns err.
func (h *Handler) logged(event cfn.Event, resp *cfn.Response, start time.Time, step, undone string, err error) error {
	ev := h.Logger.Info()
	if resp.Status == cfn.StatusFailed || err != nil {
		ev = h.Logger.Error()
	}
	ev = ev.Str("requestType", string(event.RequestType)).
		Str("requestId", event.RequestID).
		Str("logicalResourceId", event.LogicalResourceID).
		Str("physicalResourceId", resp.PhysicalResourceID).
		Str("status", string(resp.Status)).
		Dur("elapsed", time.Since(start))
	if resp.Reason != "" {
		ev = ev.Str("reason", resp.Reason)
	}
	if step != "" {
		ev = ev.Str("lastStep", step)
	}
	if undone != "" {
		ev = ev.Str("undo", undone)
	}
	if err != nil {
		ev = ev.AnErr("sendError", err)
		ev.Msg("custom resource answer not delivered")
		return err
	}
	ev.Msg("custom resource answered")
	return nil
}

// progress is what the work of one request has done so far; the Handler
// reads it when the work fails, times out or panics.
type progress struct {
	mu    sync.Mutex
	state progressState
}

// progressState is a snapshot of a progress.
type progressState struct {
	// step is what the work was doing.
	step string
	// creating: the work began creating a resource.
	creating bool
	// created is the physical id of the resource it created.
	created string
}

type progressKey struct{}

func (p *progress) snapshot() progressState {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// update changes the progress of the work of ctx, if run by a Handler.
func update(ctx context.Context, f func(*progressState)) {
	if p, ok := ctx.Value(progressKey{}).(*progress); ok {
		p.mu.Lock()
		f(&p.state)
		p.mu.Unlock()
	}
}

// step records what the work is doing, for the reason of a time-out or a
// panic. Outside a Handler it does nothing.
func step(ctx context.Context, format string, args ...any) {
	update(ctx, func(s *progressState) { s.step = fmt.Sprintf(format, args...) })
}

// creating records that the work is about to create a resource (true),
// or that its attempt certainly created nothing (false): should the work
// fail before it knows the outcome, the Handler's Undo finds out.
func creating(ctx context.Context, underWay bool) {
	update(ctx, func(s *progressState) { s.creating = underWay })
}

// created records the physical id of a resource as soon as it exists, so
// that a request that then fails, times out or panics still reports it.
func created(ctx context.Context, physicalID string) {
	update(ctx, func(s *progressState) { s.created = physicalID })
}
