package flowresource

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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
	// HTTPClient delivers the response; nil means a client with a 10 s timeout.
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

// outcome is what the work produced.
type outcome struct {
	physicalID string
	data       map[string]any
	err        error
}

// Handle runs the request and answers it. It returns an error only when the
// answer could not be delivered: the Lambda runtime then logs it, and an
// asynchronous invocation is retried (which the deterministic
// ClientRequestToken makes safe).
func (h *Handler) Handle(ctx context.Context, event cfn.Event) error {
	start := time.Now()
	prog := &progress{}
	workCtx, cancel := h.workContext(ctx)
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
	step, createdID := prog.snapshot()
	if timedOut {
		out.err = h.timeoutError(ctx, workCtx, start, step, out.err)
	}

	resp := cfn.NewResponse(&event)
	resp.PhysicalResourceID = out.physicalID
	if resp.PhysicalResourceID == "" {
		resp.PhysicalResourceID = fallbackPhysicalID(event, createdID)
	}
	if out.err == nil {
		resp.Status = cfn.StatusSuccess
		resp.Data = out.data
	} else {
		resp.Status = cfn.StatusFailed
		resp.Reason = string(event.RequestType) + " failed: " + out.err.Error()
	}
	body, err := encodeResponse(resp)
	if err != nil {
		return h.logged(event, resp, start, step, fmt.Errorf("encode the response: %w", err))
	}
	err = h.send(ctx, event.ResponseURL, body)
	return h.logged(event, resp, start, step, err)
}

// run does the work and reports its outcome, a panic included.
func (h *Handler) run(ctx context.Context, event cfn.Event, prog *progress, done chan<- outcome) {
	defer func() {
		if v := recover(); v != nil {
			stack := debug.Stack()
			step, _ := prog.snapshot()
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

// workContext returns the context of the work: the invocation's, ending
// Margin before its deadline.
func (h *Handler) workContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return context.WithCancel(ctx)
	}
	margin := h.Margin
	if margin <= 0 {
		margin = DefaultMargin
	}
	if left := time.Until(deadline); margin > left/2 {
		margin = left / 2
	}
	return context.WithDeadline(ctx, deadline.Add(-margin))
}

// fallbackPhysicalID is the physical id of a request whose work did not say
// one: on Create, the ARN of the flow if it was made (so that the rollback
// deletes it) or else the request id (which Delete knows is nothing); on
// Update and Delete, the resource's current id.
func fallbackPhysicalID(event cfn.Event, createdID string) string {
	if event.RequestType == cfn.RequestCreate {
		if createdID != "" {
			return createdID
		}
		return event.RequestID
	}
	if event.PhysicalResourceID != "" {
		return event.PhysicalResourceID
	}
	return event.RequestID
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

// send PUTs the response to the pre-signed ResponseURL, retrying transport
// errors and 5xx answers.
func (h *Handler) send(ctx context.Context, url string, body []byte) error {
	client := h.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	attempts := h.SendAttempts
	if attempts <= 0 {
		attempts = DefaultSendAttempts
	}
	// The answer matters more than the invocation's deadline: without it
	// the stack waits. Keep trying past a cancelled context, briefly.
	sendCtx := context.WithoutCancel(ctx)
	var lastErr error
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			time.Sleep(time.Duration(attempt-1) * 200 * time.Millisecond)
		}
		req, err := http.NewRequestWithContext(sendCtx, http.MethodPut, url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("build the response request: %w", err)
		}
		// The URL is pre-signed without a content type: send none.
		req.Header.Del("Content-Type")
		req.ContentLength = int64(len(body))
		res, err := client.Do(req)
		if err != nil {
			lastErr = fmt.Errorf("send the response: %w", err)
			continue
		}
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
		res.Body.Close()
		if res.StatusCode >= 200 && res.StatusCode <= 299 {
			return nil
		}
		lastErr = fmt.Errorf("send the response: HTTP %d: %s", res.StatusCode, bytes.TrimSpace(msg))
		if res.StatusCode < 500 {
			return lastErr
		}
	}
	return lastErr
}

// logged logs the request's outcome and returns err.
func (h *Handler) logged(event cfn.Event, resp *cfn.Response, start time.Time, step string, err error) error {
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
	if err != nil {
		ev = ev.AnErr("sendError", err)
		ev.Msg("custom resource answer not delivered")
		return err
	}
	ev.Msg("custom resource answered")
	return nil
}

// progress is what the work of one request has done so far; the Handler
// reads it when the work times out or panics.
type progress struct {
	mu      sync.Mutex
	step    string
	created string
}

type progressKey struct{}

func (p *progress) snapshot() (step, created string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.step, p.created
}

// step records what the work is doing, for the reason of a time-out or a
// panic. Outside a Handler it does nothing.
func step(ctx context.Context, format string, args ...any) {
	if p, ok := ctx.Value(progressKey{}).(*progress); ok {
		s := fmt.Sprintf(format, args...)
		p.mu.Lock()
		p.step = s
		p.mu.Unlock()
	}
}

// created records the physical id of a resource as soon as it exists, so
// that a Create that then times out or panics still reports it and
// CloudFormation's rollback deletes it.
func created(ctx context.Context, physicalID string) {
	if p, ok := ctx.Value(progressKey{}).(*progress); ok {
		p.mu.Lock()
		p.created = physicalID
		p.mu.Unlock()
	}
}
