package processor

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor/metrics"
	"github.com/chimeflow/chimeflow/processor/trail"
)

// Handler is the one path a message takes: decode -> validate -> pipeline
// -> callback -> one log line. The Lambda entry point, the replay harness
// and the tests all use it; only the callback differs. Build it with
// NewHandler.
//
// A Handler is safe for concurrent use: it keeps no per-request state.
type Handler struct {
	router   Router
	callback messaging.CallbackAPI
	status   messaging.StatusAPI
	logger   zerolog.Logger

	// Observability (observe.go).
	metrics     *metrics.Emitter
	trail       *trail.Trail
	logContent  bool
	debugSample float64
	// started is set by the first Handle: every later one is warm.
	started atomic.Bool
}

// HandlerOption configures a Handler built by NewHandler.
type HandlerOption func(*Handler)

// WithLogger sets the logger that gets one line per message; without it the
// handler logs nothing.
func WithLogger(l zerolog.Logger) HandlerOption { return func(h *Handler) { h.logger = l } }

// WithStatus sets what the handler asks, through GetChannelMessageStatus,
// whether a message whose callback was refused in a way that may mean
// "already answered" (messaging.MaybeResolved) is still pending. Without it
// the handler asks the callback itself when it implements
// messaging.StatusAPI, as *messaging.Client does; with neither, such a
// refusal is a failure that Lambda retries.
func WithStatus(api messaging.StatusAPI) HandlerOption { return func(h *Handler) { h.status = api } }

// Errors of NewHandler.
var (
	ErrNoRouter   = errors.New("processor: NewHandler: no router (pass the *Pipeline, or the configuration, that picks each message's rules)")
	ErrNoCallback = errors.New("processor: NewHandler: no callback (pass a messaging.Client, or a recorder for tests)")
)

// NewHandler returns a Handler that runs each message through the pipeline
// router picks and answers it with callback (a *messaging.Client in Lambda,
// a recorder in tests and replays). It returns ErrNoRouter or ErrNoCallback
// when either is missing (nil, or a nil pointer).
func NewHandler(router Router, callback messaging.CallbackAPI, opts ...HandlerOption) (*Handler, error) {
	if isNil(router) {
		return nil, ErrNoRouter
	}
	if isNil(callback) {
		return nil, ErrNoCallback
	}
	h := &Handler{router: router, callback: callback, logger: zerolog.Nop(), debugSample: 1}
	if api, ok := callback.(messaging.StatusAPI); ok {
		h.status = api
	}
	for _, opt := range opts {
		opt(h)
	}
	return h, nil
}

// Router returns the router the handler was built with.
func (h *Handler) Router() Router { return h.router }

// isNil reports whether v is nil or holds a nil pointer, map or func.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Func, reflect.Interface, reflect.Slice, reflect.Chan:
		return rv.IsNil()
	}
	return false
}

// Result is what Handle did with one event.
type Result struct {
	// Event is the decoded event, nil when decoding failed.
	Event *Event
	// Outcome is the pipeline's decision; Action is ActionError when the
	// event was not answered.
	Outcome Outcome
	// Callback is the request sent (or attempted), nil when none was.
	Callback *messaging.ChannelFlowCallbackInput
	// Duplicate is true when the service refused the callback and the
	// message's status then showed it no longer pending: a duplicate
	// delivery answered before, which counts as done.
	Duplicate bool
	// Duration is the time Handle took, callback included.
	Duration time.Duration
	// PipelineDuration is the time the rules took; 0 when no pipeline ran.
	PipelineDuration time.Duration
	// DecidedAt is when the pipeline decided; zero when none ran.
	DecidedAt time.Time
	// CallbackDuration is the time the ChannelFlowCallback took, retries
	// included (not the status check of a refusal); 0 when none was sent.
	CallbackDuration time.Duration
	// Calls counts the callback's attempts and its retries by cause, when
	// the callback is a *messaging.Client (see messaging.WithCallStats).
	Calls messaging.CallStats
	// Refusal is the error code (messaging.APIError.Code) of a callback
	// the service refused, when it was not a duplicate; "" otherwise.
	Refusal string
	// ColdStart is true for the first event the Handler handled: in
	// Lambda, the first of the execution environment.
	ColdStart bool
}

// Sentinels matched by the errors Handle returns, besides ErrInvalidEvent.
var (
	// ErrCallback matches a callback the service did not accept.
	ErrCallback = errors.New("channel flow callback failed")
)

// Invoke implements aws-lambda-go's lambda.Handler. It returns an error only
// when the message could not be answered, so that Lambda retries the event
// and, in the end, sends it to the function's on-failure destination.
//
// Before it returns, it flushes the metrics and the decision trail (see
// Flush): the execution environment may be frozen, or ended, afterwards.
// A flush that fails is logged at warn level and changes nothing else.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	_, err := h.Handle(ctx, payload)
	if ferr := h.Flush(ctx); ferr != nil {
		h.logger.Warn().Err(ferr).Msg("flush of metrics or decision trail failed")
	}
	return nil, err
}

// Handle processes one invocation payload and sends exactly one callback,
// or returns an error saying why none was accepted. It never panics on any
// input.
//
// After the log line it records the message into the metrics and queues
// its decision-trail records, when the Handler has them (WithMetrics,
// WithTrail); it does not flush them (Invoke does; see Flush).
func (h *Handler) Handle(ctx context.Context, payload []byte) (Result, error) {
	start := time.Now()
	cold := h.started.CompareAndSwap(false, true)
	res, err := h.handle(ctx, payload)
	res.Duration = time.Since(start)
	res.ColdStart = cold
	if err != nil {
		res.Outcome.Action = ActionError
	}
	h.log(ctx, &res, err)
	h.debugLine(ctx, &res)
	h.observe(ctx, &res, err)
	return res, err
}

// errNotBuilt is returned by a Handler not built by NewHandler.
var errNotBuilt = errors.New("processor: the handler was not built with NewHandler")

func (h *Handler) handle(ctx context.Context, payload []byte) (Result, error) {
	var res Result
	if h.router == nil || h.callback == nil {
		return res, errNotBuilt
	}
	ev, err := Decode(payload)
	if err != nil {
		return res, err
	}
	res.Event = ev
	// The one check of the event's parts of the callback.
	if err := ev.Validate(); err != nil {
		return res, err
	}
	p := h.router.Route(&ev.ChannelMessage)
	if p == nil {
		return res, fmt.Errorf("no pipeline for channel %s", ev.ChannelMessage.ChannelArn)
	}
	// The pipeline checks each part a rule changes when the rule returns.
	began := time.Now()
	res.Outcome = p.Run(ctx, ev)
	res.DecidedAt = time.Now()
	res.PipelineDuration = res.DecidedAt.Sub(began)
	if err := res.Outcome.hold(); err != nil {
		return res, err
	}
	if res.Outcome.answeredEarlier() {
		// An earlier delivery's decision was recorded and its callback
		// accepted: this is a duplicate, answered already.
		res.Duplicate = true
		return res, nil
	}
	in := newCallback(ev, &res.Outcome)
	res.Callback = in
	// Every part of in has been checked: the client need not check again.
	// The client counts its attempts and retries into res.Calls.
	// (A variable of its own: a pointer into res would move res to the heap.)
	calls := new(messaging.CallStats)
	cctx := messaging.WithCallStats(messaging.WithCheckedCallback(ctx, in), calls)
	_, err = h.callback.ChannelFlowCallback(cctx, in)
	res.CallbackDuration = time.Since(res.DecidedAt)
	res.Calls = *calls
	if err != nil {
		if messaging.MaybeResolved(err) {
			// Know, don't guess: a duplicate delivery answered before, or a
			// real refusal? Only the message's status tells.
			_, cerr := messaging.ConfirmResolved(ctx, h.status, in, ev.ChannelMessage.Sender.Arn, err)
			if cerr == nil {
				res.Duplicate = true
				if res.Outcome.state != nil {
					res.Outcome = finishState(ctx, res.Outcome)
				}
				return res, nil
			}
			err = cerr
		}
		var apiErr *messaging.APIError
		if errors.As(err, &apiErr) {
			res.Refusal = apiErr.Code
		}
		return res, fmt.Errorf("%w: %w", ErrCallback, err)
	}
	if res.Outcome.state != nil {
		res.Outcome = finishState(ctx, res.Outcome)
	}
	return res, nil
}

// newCallback builds the ChannelFlowCallback request for an outcome: the
// original message for ALLOW, the rewritten one for REWRITE, and a delete
// of the message for DENY.
func newCallback(ev *Event, out *Outcome) *messaging.ChannelFlowCallbackInput {
	cm := &ev.ChannelMessage
	in := &messaging.ChannelFlowCallbackInput{CallbackID: ev.CallbackID, ChannelArn: cm.ChannelArn}
	switch {
	case out.Action == ActionDeny:
		in.DeleteResource = true
		in.ChannelMessage = &messaging.ChannelMessageCallback{MessageID: cm.MessageID, SubChannelID: cm.SubChannelID}
	case out.Action == ActionRewrite && out.Message != nil:
		m := out.Message
		in.ChannelMessage = callbackMessage(cm, m.Content, m.Metadata, m.PushNotification, m.MessageAttributes)
	default:
		in.ChannelMessage = callbackMessage(cm, cm.Content, cm.Metadata, cm.PushNotification, cm.MessageAttributes)
	}
	return in
}

// log writes the one structured line for a message: the event's ids, the
// outcome (which logs itself), the duration. Content is never logged.
func (h *Handler) log(ctx context.Context, res *Result, err error) {
	l := &h.logger
	var e *zerolog.Event
	switch {
	case err != nil:
		e = l.Error().Err(err)
	case len(res.Outcome.Errors) > 0:
		e = l.Warn()
	default:
		e = l.Info()
	}
	if e == nil {
		return
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		e.Str("requestId", lc.AwsRequestID)
		if lc.InvokedFunctionArn != "" {
			e.Str("functionArn", lc.InvokedFunctionArn)
		}
	}
	if v := lambdacontext.FunctionVersion; v != "" {
		e.Str("functionVersion", v)
	}
	if id := traceID(ctx); id != "" {
		e.Str("traceId", id)
	}
	e.Bool("coldStart", res.ColdStart)
	if ev := res.Event; ev != nil {
		cm := &ev.ChannelMessage
		e.Str("callbackId", ev.CallbackID).Str("channelArn", cm.ChannelArn).Str("messageId", cm.MessageID)
		if cm.SubChannelID != "" {
			e.Str("subChannelId", cm.SubChannelID)
		}
		e.Str("senderArn", cm.Sender.Arn).Bool("edited", cm.Edited())
	}
	e.EmbedObject(&res.Outcome) // rulesVersion among its fields, when a pipeline ran
	if res.Outcome.RulesVersion == "" {
		if v := h.rulesVersion(res); v != "" {
			e.Str("rulesVersion", v) // no pipeline ran: the version active now
		}
	}
	if res.Duplicate {
		e.Bool("duplicate", true)
	}
	e.Float64("durationMs", float64(res.Duration.Microseconds())/1000).Msg("message processed")
}
