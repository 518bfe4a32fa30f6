package processor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/messaging"
)

// Handler is the one path a message takes: decode -> validate -> pipeline
// -> callback -> one log line. The Lambda entry point, the replay harness
// and the tests all use it; only Callback differs.
//
// A Handler is safe for concurrent use: it keeps no per-request state.
type Handler struct {
	// Router picks the pipeline for each message; a *Pipeline will do.
	Router Router
	// Callback receives exactly one ChannelFlowCallback per answered message.
	Callback messaging.CallbackAPI
	// Logger gets one line per message; the zero value logs nothing.
	Logger zerolog.Logger
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
	// Duplicate is true when the service said the message was already
	// resolved: a duplicate delivery, which counts as done.
	Duplicate bool
	// Duration is the time Handle took, callback included.
	Duration time.Duration
}

// Sentinels matched by the errors Handle returns, besides ErrInvalidEvent.
var (
	// ErrCallback matches a callback the service did not accept.
	ErrCallback = errors.New("channel flow callback failed")
)

// Invoke implements aws-lambda-go's lambda.Handler. It returns an error only
// when the message could not be answered, so that Lambda retries the event
// and, in the end, sends it to the function's on-failure destination.
func (h *Handler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	_, err := h.Handle(ctx, payload)
	return nil, err
}

// Handle processes one invocation payload and sends exactly one callback,
// or returns an error saying why none was accepted. It never panics on any
// input.
func (h *Handler) Handle(ctx context.Context, payload []byte) (Result, error) {
	start := time.Now()
	res, err := h.handle(ctx, payload)
	res.Duration = time.Since(start)
	if err != nil {
		res.Outcome.Action = ActionError
	}
	h.log(ctx, &res, err)
	return res, err
}

func (h *Handler) handle(ctx context.Context, payload []byte) (Result, error) {
	var res Result
	ev, err := Decode(payload)
	if err != nil {
		return res, err
	}
	res.Event = ev
	if err := ev.Validate(); err != nil {
		return res, err
	}
	p := h.Router.Route(&ev.ChannelMessage)
	if p == nil {
		return res, fmt.Errorf("no pipeline for channel %s", ev.ChannelMessage.ChannelArn)
	}
	res.Outcome = p.Run(ctx, ev)
	if err := res.Outcome.hold(); err != nil {
		return res, err
	}
	if res.Outcome.answeredEarlier() {
		// An earlier delivery's decision was recorded and its callback
		// accepted: this is a duplicate, answered already.
		res.Duplicate = true
		return res, nil
	}
	in := NewCallback(ev, &res.Outcome)
	if err := in.Validate(); err != nil {
		// The pipeline checks every rewrite against the same limits, so
		// this is a bug; never send what the service would refuse.
		return res, fmt.Errorf("refusing to send an invalid callback: %w", err)
	}
	res.Callback = in
	if _, err := h.Callback.ChannelFlowCallback(ctx, in); err != nil {
		if messaging.IsAlreadyResolved(err) {
			res.Duplicate = true
			res.Outcome.finish(ctx)
			return res, nil
		}
		return res, fmt.Errorf("%w: %w", ErrCallback, err)
	}
	res.Outcome.finish(ctx)
	return res, nil
}

// NewCallback builds the ChannelFlowCallback request for an outcome: the
// original message for ALLOW, the rewritten one for REWRITE, and a delete
// of the message for DENY.
func NewCallback(ev *Event, out *Outcome) *messaging.ChannelFlowCallbackInput {
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

// log writes the one structured line for a message. Content is never
// logged.
func (h *Handler) log(ctx context.Context, res *Result, err error) {
	l := &h.Logger
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
	}
	if ev := res.Event; ev != nil {
		cm := &ev.ChannelMessage
		e.Str("callbackId", ev.CallbackID).Str("channelArn", cm.ChannelArn).Str("messageId", cm.MessageID)
		if cm.SubChannelID != "" {
			e.Str("subChannelId", cm.SubChannelID)
		}
		e.Str("senderArn", cm.Sender.Arn).Bool("edited", cm.Edited())
	}
	o := &res.Outcome
	e.Str("outcome", string(o.Action))
	if o.Pipeline != "" {
		e.Str("pipeline", o.Pipeline)
	}
	e.Strs("rules", o.Rules)
	if len(o.Changed) > 0 {
		e.Strs("changed", o.Changed)
	}
	if o.Reason != "" {
		e.Str("reason", o.Reason)
	}
	if len(o.Errors) > 0 {
		arr := zerolog.Arr()
		for _, re := range o.Errors {
			d := zerolog.Dict().Str("rule", re.Rule).Str("error", re.Err.Error()).Str("policy", string(re.Policy))
			if re.Stack != nil {
				d.Bytes("stack", re.Stack)
			}
			arr.Dict(d)
		}
		e.Array("ruleErrors", arr)
	}
	if len(o.DryRun) > 0 {
		arr := zerolog.Arr()
		for _, dr := range o.DryRun {
			d := zerolog.Dict().Str("rule", dr.Rule).Str("would", string(dr.Would))
			if len(dr.Changed) > 0 {
				d.Strs("changed", dr.Changed)
			}
			if dr.Reason != "" {
				d.Str("reason", dr.Reason)
			}
			if dr.Error != "" {
				d.Str("error", dr.Error)
			}
			arr.Dict(d)
		}
		e.Array("dryRun", arr)
	}
	o.logState(e)
	if res.Duplicate {
		e.Bool("duplicate", true)
	}
	e.Float64("durationMs", float64(res.Duration.Microseconds())/1000).Msg("message processed")
}
