package processor

import (
	"context"
	"errors"
	"hash/fnv"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor/metrics"
	"github.com/chimeflow/chimeflow/processor/trail"
)

// This file holds what the handler tells operators besides its one log
// line: the metrics (processor/metrics), the decision trail
// (processor/trail) and the debug line. Handle feeds them for every
// message, whoever calls it (the Lambda, the replay harness, the tests),
// and Invoke flushes them before the invocation returns.

// WithMetrics records every message Handle processes into em (outcome,
// pipeline, rules that acted, dry-run hits, rule errors by kind, pipeline
// and callback durations, callback retries by cause, duplicates absorbed,
// refusals, cold start). Invoke flushes em before it returns; other callers
// call Handler.Flush.
func WithMetrics(em *metrics.Emitter) HandlerOption {
	return func(h *Handler) { h.metrics = em }
}

// WithTrail sends one decision-trail record per DENY, REWRITE and dry-run
// hit (FLAG) to t, after the message's callback; a duplicate delivery, or
// a message that was not answered, sends none. Invoke flushes t before it
// returns, within the invocation's deadline less TrailFlushMargin.
func WithTrail(t *trail.Trail) HandlerOption {
	return func(h *Handler) { h.trail = t }
}

// WithLogContent puts what the sender wrote (content, metadata, push
// title and body, attribute names and values, sender name, content type)
// and what was delivered instead into the handler's debug lines. It is off
// by default, and never reaches a line at info level or above, whatever it
// is set to.
func WithLogContent(on bool) HandlerOption {
	return func(h *Handler) { h.logContent = on }
}

// WithDebugSample writes the debug line for that fraction (0 to 1) of
// messages only, chosen by a hash of the message id, so that a message
// always or never gets one; an event without a message id always does.
// The default is 1: every message, when the logger's level is debug.
func WithDebugSample(fraction float64) HandlerOption {
	return func(h *Handler) { h.debugSample = min(max(fraction, 0), 1) }
}

// TrailFlushMargin is the time Invoke keeps free before the invocation's
// deadline when it waits for the decision trail: it never waits past the
// deadline less this margin, and not at all with less time left. What is
// still queued then is sent during a later invocation, or on SIGTERM.
const TrailFlushMargin = 250 * time.Millisecond

// maxTrailFlush bounds the wait for the trail when the context has no
// deadline (outside Lambda).
const maxTrailFlush = 10 * time.Second

// Flush writes the metrics recorded since the last Flush and waits for the
// decision trail to deliver what it holds: at most until ctx's deadline
// less TrailFlushMargin (at most 10 s without a deadline). The trail is
// flushed first, so that the metrics count its failures. It returns the
// errors of both, joined; neither changes any decision.
func (h *Handler) Flush(ctx context.Context) error {
	var errs []error
	if h.trail != nil {
		if err := h.flushTrail(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if h.metrics != nil {
		if err := h.metrics.Flush(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// errNoTimeForTrail is returned by Flush when too little time is left
// before the deadline to wait for the trail.
var errNoTimeForTrail = errors.New("decision trail: not flushed, less than the margin left before the deadline")

func (h *Handler) flushTrail(ctx context.Context) error {
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(maxTrailFlush + TrailFlushMargin)
	}
	until := deadline.Add(-TrailFlushMargin)
	if time.Until(until) <= 0 {
		return errNoTimeForTrail
	}
	fctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), until)
	defer cancel()
	if err := h.trail.Flush(fctx); err != nil {
		return errors.Join(errors.New("decision trail: flush"), err)
	}
	return nil
}

// observe records res into the metrics and the decision trail.
func (h *Handler) observe(ctx context.Context, res *Result, err error) {
	if h.metrics != nil {
		h.record(ctx, res)
	}
	if h.trail != nil && err == nil && !res.Duplicate && res.Event != nil {
		h.sendTrail(res)
	}
}

// record adds res to the metrics.
func (h *Handler) record(ctx context.Context, res *Result) {
	o := &res.Outcome
	r := metrics.Record{
		Outcome:          string(o.Action),
		Pipeline:         o.Pipeline,
		Rules:            o.Rules,
		PipelineDuration: res.PipelineDuration,
		CallbackDuration: res.CallbackDuration,
		Retries: metrics.Retries{
			Throttle:    res.Calls.RetriesThrottle,
			ServerError: res.Calls.RetriesServerError,
			Network:     res.Calls.RetriesNetwork,
		},
		Refusal:      res.Refusal,
		Duplicate:    res.Duplicate,
		ColdStart:    res.ColdStart,
		RulesVersion: h.rulesVersion(res),
	}
	var dry [4]metrics.DryRun
	r.DryRun = dry[:0]
	for _, d := range o.DryRun {
		r.DryRun = append(r.DryRun, metrics.DryRun{Rule: d.Rule, Would: string(d.Would)})
	}
	var errs [4]metrics.RuleError
	r.RuleErrors = errs[:0]
	for _, re := range o.Errors {
		r.RuleErrors = append(r.RuleErrors, metrics.RuleError{Rule: re.Rule, Kind: ErrorKind(re.Err)})
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.RequestID = lc.AwsRequestID
	}
	if ev := res.Event; ev != nil {
		r.CallbackID, r.MessageID, r.ChannelArn = ev.CallbackID, ev.ChannelMessage.MessageID, ev.ChannelMessage.ChannelArn
	}
	h.metrics.Record(r)
}

// ErrorKind classifies a rule's error for the metrics: a panic
// (ErrRulePanic), a rewrite beyond the callback's limits (ErrLimit), a
// rule out of time (context.DeadlineExceeded), or any other failure.
func ErrorKind(err error) metrics.ErrorKind {
	switch {
	case errors.Is(err, ErrRulePanic):
		return metrics.ErrorKindPanic
	case errors.Is(err, ErrLimit):
		return metrics.ErrorKindLimit
	case errors.Is(err, context.DeadlineExceeded):
		return metrics.ErrorKindTimeout
	}
	return metrics.ErrorKindFailure
}

// sendTrail queues the trail records of an answered message: its DENY or
// REWRITE, and one FLAG per dry-run hit.
func (h *Handler) sendTrail(res *Result) {
	o := &res.Outcome
	cm := &res.Event.ChannelMessage
	base := trail.Event{
		Pipeline:     o.Pipeline,
		RulesVersion: h.rulesVersion(res),
		CallbackID:   res.Event.CallbackID,
		MessageID:    cm.MessageID,
		ChannelArn:   cm.ChannelArn,
		SenderArn:    cm.Sender.Arn,
		SubChannelID: cm.SubChannelID,
		Edited:       cm.Edited(),
		DecidedAt:    res.DecidedAt,
	}
	content := h.trail.IncludeContent()
	switch o.Action {
	case ActionDeny, ActionRewrite:
		ev := base
		ev.Action, ev.Rules, ev.Reason = string(o.Action), o.Rules, o.Reason
		if ev.Rules == nil {
			ev.Rules = []string{}
		}
		if o.Action == ActionRewrite {
			ev.Changed = o.Changed
		}
		if content {
			ev.Content = &trail.Content{Original: cm.Content}
			if o.Action == ActionRewrite && o.Message != nil && o.Message.Content != cm.Content {
				ev.Content.Rewritten = o.Message.Content
			}
		}
		h.trail.Send(ev)
	}
	for _, d := range o.DryRun {
		ev := base
		ev.Action, ev.Rules, ev.Would, ev.Reason = trail.ActionFlag, []string{d.Rule}, string(d.Would), d.Reason
		if d.Would == ActionError && ev.Reason == "" {
			ev.Reason = d.Error
		}
		if content {
			ev.Content = &trail.Content{Original: cm.Content}
		}
		h.trail.Send(ev)
	}
}

// versioned is a Router that names the version of its rules (rules/live's
// Router does).
type versioned interface{ Version() string }

// rulesVersion is the version of the rules that decided: the outcome's,
// when a pipeline ran (Pipeline.Version), else the router's active one.
// The log line and the metrics both read it here.
func (h *Handler) rulesVersion(res *Result) string {
	if v := res.Outcome.RulesVersion; v != "" {
		return v
	}
	if v, ok := h.router.(versioned); ok {
		return v.Version()
	}
	return ""
}

// traceKey is the context key under which aws-lambda-go puts the
// invocation's X-Ray trace header (it also sets _X_AMZN_TRACE_ID when the
// function serves one invocation at a time).
const traceKey = "x-amzn-trace-id"

// envTraceID is the environment variable of the trace header.
const envTraceID = "_X_AMZN_TRACE_ID"

// traceID returns the invocation's trace header: from the context
// (aws-lambda-go sets it for every invocation), else from _X_AMZN_TRACE_ID.
func traceID(ctx context.Context) string {
	if v, ok := ctx.Value(any(traceKey)).(string); ok && v != "" {
		return v
	}
	return os.Getenv(envTraceID)
}

// sampled reports whether the message of res gets a debug line.
func (h *Handler) sampled(res *Result) bool {
	switch {
	case h.debugSample >= 1:
		return true
	case h.debugSample <= 0:
		return false
	case res.Event == nil || res.Event.ChannelMessage.MessageID == "":
		return true
	}
	f := fnv.New64a()
	_, _ = f.Write([]byte(res.Event.ChannelMessage.MessageID))
	return float64(mix(f.Sum64())>>11)/(1<<53) < h.debugSample
}

// mix spreads every bit of an FNV hash over the high bits (MurmurHash3's
// 64-bit finalizer): ids that differ in their last character must not
// fall on one side of the sampling threshold together.
func mix(x uint64) uint64 {
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// debugLine writes the message's debug line, when the logger writes debug
// lines and the message is sampled: the shape of what the sender wrote
// (sizes, counts) and, only with WithLogContent, the text itself and what
// was delivered instead.
func (h *Handler) debugLine(ctx context.Context, res *Result) {
	if h.logger.GetLevel() > zerolog.DebugLevel || zerolog.GlobalLevel() > zerolog.DebugLevel || !h.sampled(res) {
		return
	}
	e := h.logger.Debug()
	if e == nil {
		return
	}
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		e.Str("requestId", lc.AwsRequestID)
	}
	if ev := res.Event; ev != nil {
		cm := &ev.ChannelMessage
		e.Str("callbackId", ev.CallbackID).Str("messageId", cm.MessageID).Str("outcome", string(res.Outcome.Action))
		e.Dict("received", zerolog.Dict().EmbedObject(shape{cm.Content, cm.Metadata, cm.PushNotification, cm.MessageAttributes}))
		if h.logContent {
			e.Dict("sent", zerolog.Dict().EmbedObject(text{cm.Content, cm.Metadata, cm.PushNotification, cm.MessageAttributes}).
				Str("senderName", cm.Sender.Name).Str("contentType", cm.ContentType))
			if m := res.Outcome.Message; res.Outcome.Action == ActionRewrite && m != nil {
				e.Dict("delivered", zerolog.Dict().EmbedObject(text{m.Content, m.Metadata, m.PushNotification, m.MessageAttributes}))
			}
		}
		if in := res.Callback; in != nil {
			e.Bool("deleteResource", in.DeleteResource)
		}
	}
	e.Int("callbackAttempts", res.Calls.Attempts).
		Float64("pipelineMs", float64(res.PipelineDuration.Microseconds())/1000).
		Float64("callbackMs", float64(res.CallbackDuration.Microseconds())/1000).
		Msg("message detail")
}

// shape logs the size of each part of a message, never its text.
type shape struct {
	content, metadata string
	push              *messaging.PushNotificationConfiguration
	attrs             map[string]messaging.MessageAttributeValue
}

// MarshalZerologObject writes contentBytes, metadataBytes, push and
// attributes (the count).
func (s shape) MarshalZerologObject(e *zerolog.Event) {
	e.Int("contentBytes", len(s.content)).Int("metadataBytes", len(s.metadata)).
		Bool("push", s.push != nil).Int("attributes", len(s.attrs))
}

// text logs the parts of a message as they are: only ever at debug level,
// and only with WithLogContent.
type text shape

// MarshalZerologObject writes content, metadata, pushTitle, pushBody and
// attributes (name -> values).
func (t text) MarshalZerologObject(e *zerolog.Event) {
	e.Str("content", t.content).Str("metadata", t.metadata)
	if t.push != nil {
		e.Str("pushTitle", t.push.Title).Str("pushBody", t.push.Body)
	}
	if len(t.attrs) > 0 {
		d := zerolog.Dict()
		for name, v := range t.attrs {
			d.Strs(name, v.StringValues)
		}
		e.Dict("attributes", d)
	}
}

// NeedsClose reports whether Close has anything to do that Invoke may
// have left undone: the decision trail, whose flush is bounded by the
// invocation's deadline. The metrics are flushed whole before every
// invocation returns, so a handler without a trail needs no Close. boot
// registers for SIGTERM (an extension, which costs cold start) only when
// it is true.
func (h *Handler) NeedsClose() bool { return h.trail != nil }

// Close ends the handler's observability when the process is about to
// end (boot calls it on SIGTERM): the decision trail delivers what it
// still holds, until ctx is done, and stops; then the metrics recorded
// since the last flush are written, with the trail's last failures. It
// logs one line saying what it did, and returns the errors of both.
// Handle still works afterwards, without a trail.
func (h *Handler) Close(ctx context.Context) error {
	var errs []error
	if h.trail != nil {
		if err := h.trail.Close(ctx); err != nil {
			errs = append(errs, errors.Join(errors.New("decision trail: close"), err))
		}
	}
	if h.metrics != nil {
		if err := h.metrics.Flush(); err != nil {
			errs = append(errs, err)
		}
	}
	err := errors.Join(errs...)
	e := h.logger.Info()
	if err != nil {
		e = h.logger.Warn().Err(err)
	}
	if e != nil && h.trail != nil {
		e.Uint64("trailSent", h.trail.Sent()).Uint64("trailFailures", h.trail.Failures())
	}
	e.Msg("shut down: metrics flushed, decision trail closed")
	return err
}
