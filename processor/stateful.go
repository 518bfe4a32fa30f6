package processor

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/processor/state"
)

// StatefulRule is a Rule that decides from state every container shares:
// how many messages a sender sent, what they sent recently, whether they
// are muted. It does not read the state itself: it declares, per message,
// the checks it needs; the pipeline runs the checks of all its stateful
// rules in one request to their store (see package state), before any rule
// runs, and each rule's Apply then reads its own results with
// Message.StateResults.
type StatefulRule interface {
	Rule
	// StateChecks appends to dst the checks the rule needs for m, the
	// message as it came (no rule has changed it), sent at t (see
	// MessageTime). The pipeline makes each key its own by prefixing the
	// stage's name, and runs a dry-run stage's checks as Soft.
	StateChecks(m *Message, t time.Time, dst []state.Check) []state.Check
	// StateStore returns the store the rule was provisioned with, nil if
	// none. Every stateful rule of a pipeline must share one.
	StateStore() state.Store
}

// ViolationRule is a StatefulRule that counts what the pipeline decided
// against the sender, after the callback: escalation.
type ViolationRule interface {
	StatefulRule
	// StateViolations appends to dst the violations out (the pipeline's
	// outcome for m, sent at t) gives rise to; stage is the rule's own
	// stage. Their keys are prefixed as the checks' keys are.
	StateViolations(stage string, m *Message, out *Outcome, t time.Time, dst []state.Violation) []state.Violation
}

// MessageTime returns the time a message's state is computed at: its
// LastEditedTimestamp for an edit, else its CreatedTimestamp, else (absent
// or unparsable) now. Every delivery and replay of an event with
// timestamps therefore decides at the same time.
func MessageTime(ev *Event, now func() time.Time) time.Time {
	cm := &ev.ChannelMessage
	if cm.Edited() && !cm.LastEditedTimestamp.Time.IsZero() {
		return cm.LastEditedTimestamp.Time
	}
	if !cm.CreatedTimestamp.Time.IsZero() {
		return cm.CreatedTimestamp.Time
	}
	return now().UTC()
}

// StateResults returns the results of the checks the current rule
// declared, in order, when the rule runs in a pipeline with its store; nil
// otherwise (the rule then lets the message pass). A result not known yet
// (a soft check, which runs after the callback) reads as passed.
func (m *Message) StateResults() []state.Result {
	if m.stateResults == nil {
		return nil
	}
	return *m.stateResults
}

// ErrState matches a RuleError of a stateful rule whose store failed, or
// that has none; the stage's error policy decides (deny fails closed,
// allow fails open).
var ErrState = errors.New("state store")

// errDecisionChanged holds back the answer to a duplicate delivery whose
// recorded REWRITE this delivery cannot rebuild (the configuration changed
// in between): Lambda retries it, by when the first delivery's answer is
// recorded.
var errDecisionChanged = errors.New("state: an earlier delivery recorded a rewrite this delivery cannot rebuild; not answering, so that Lambda retries")

// Flag is a rule in flag mode that would have denied the message: it was
// delivered, and the flag is reported in the log line.
type Flag struct {
	Rule   string `json:"rule"`
	Reason string `json:"reason,omitempty"`
}

// StateReport says what the state store did for one message.
type StateReport struct {
	// Checks is the number of checks run before the callback.
	Checks int `json:"checks"`
	// Tripped lists the stages whose checks tripped before the callback.
	Tripped []string `json:"tripped,omitempty"`
	// Earlier is true when an earlier delivery of the CallbackId had
	// recorded the decision, which this one repeats; Answered when that
	// delivery's callback was accepted too: no callback is sent.
	Earlier  bool `json:"earlier,omitempty"`
	Answered bool `json:"answered,omitempty"`
	// Finished says whether the work after the callback was done by this
	// delivery ("done"), by another ("duplicate"), or failed ("failed").
	Finished string `json:"finished,omitempty"`
	// Muted lists the escalation stages that muted the sender.
	Muted []string `json:"muted,omitempty"`
	// Error is what went wrong with the store, if anything.
	Error string `json:"error,omitempty"`
	// Fence says, when Decide failed, what claiming the CallbackId with
	// the error policy's decision found: "claimed" (the decision is
	// recorded), "earlier" (a record was there, the failed request's own
	// or another delivery's, and this delivery follows it) or "failed"
	// (the store failed again: the policy's decision stands unrecorded).
	Fence string `json:"fence,omitempty"`
	// Decide and Finish are the times the two requests took.
	Decide time.Duration `json:"-"`
	Finish time.Duration `json:"-"`
}

// stateRun is the state work of one pipeline run.
type stateRun struct {
	p     *Pipeline
	ev    *Event
	store state.Store
	t     time.Time
	// checks are every stateful stage's checks, keys prefixed, each
	// stage's together in stage order; stage[i] is the stage of checks[i].
	checks  []state.Check
	stage   []int
	results []state.Result
	// hard lists the checks run by Decide (indexes into checks).
	hard []int
	// views holds, per stage, its slice of results (see stageResults).
	views [][]state.Result
	// err fails every stateful stage (no store, or Decide failed).
	err error
	// held holds the answer back (see errDecisionChanged).
	held     error
	answered bool
	report   StateReport
}

// stateful reports whether a stage of p keeps state.
func (p *Pipeline) stateful() bool {
	for i := range p.Stages {
		if _, ok := p.Stages[i].Rule.(StatefulRule); ok {
			return true
		}
	}
	return false
}

// stageView returns a pointer to the results of stage i's checks, for
// Message.stateResults; nil without state.
func (sr *stateRun) stageView(i int) *[]state.Result {
	if sr == nil {
		return nil
	}
	if sr.views == nil {
		sr.views = make([][]state.Result, len(sr.p.Stages))
	}
	sr.views[i] = sr.stageResults(i)
	return &sr.views[i]
}

// stageResults returns the results of stage i's checks.
func (sr *stateRun) stageResults(i int) []state.Result {
	if sr == nil {
		return nil
	}
	lo := slices.Index(sr.stage, i)
	if lo < 0 {
		return nil
	}
	hi := lo
	for hi < len(sr.stage) && sr.stage[hi] == i {
		hi++
	}
	return sr.results[lo:hi]
}

// stageErr returns the error that fails stage i, a stateful stage whose
// store is missing or failed.
func (sr *stateRun) stageErr(i int) error {
	if sr == nil || sr.err == nil {
		return nil
	}
	if _, ok := sr.p.Stages[i].Rule.(StatefulRule); ok {
		return sr.err
	}
	return nil
}

// newStateRun gathers the checks of p's stateful stages for ev.
func (p *Pipeline) newStateRun(ev *Event) *stateRun {
	sr := &stateRun{p: p, ev: ev, t: MessageTime(ev, time.Now)}
	m := NewMessage(ev)
	skipAll := p.Skip != nil && p.Skip.Skip(m)
	for i := range p.Stages {
		st := &p.Stages[i]
		r, ok := st.Rule.(StatefulRule)
		if !ok || skipAll || st.Skip != nil && st.Skip.Skip(m) {
			continue // a skipped stage counts nothing
		}
		s := r.StateStore()
		switch {
		case s == nil:
			sr.err = fmt.Errorf("%w: rule %q has no store (provision the configuration's rules: rules.Config.Provision)", ErrState, st.Name)
		case sr.store == nil:
			sr.store = s
		case sr.store != s:
			sr.err = fmt.Errorf("%w: the stateful rules of pipeline %q use different stores", ErrState, p.Name)
		}
		n := len(sr.checks)
		sr.checks = safeChecks(r, m, sr.t, sr.checks)
		for k := n; k < len(sr.checks); k++ {
			c := &sr.checks[k]
			c.Key = st.Name + "|" + c.Key
			c.Soft = c.Soft || st.DryRun
			sr.stage = append(sr.stage, i)
			if !c.Soft {
				sr.hard = append(sr.hard, k)
			}
		}
	}
	sr.results = make([]state.Result, len(sr.checks))
	return sr
}

// safeChecks calls r.StateChecks, dropping what a panicking rule declared.
func safeChecks(r StatefulRule, m *Message, t time.Time, dst []state.Check) (out []state.Check) {
	n := len(dst)
	defer func() {
		if recover() != nil {
			out = dst[:n]
		}
	}()
	return r.StateChecks(m, t, dst)
}

// runStateful runs a pipeline with stateful stages: the rules run once as
// if every check passed; a message they would deliver then goes through
// Decide (one request), and the rules run again with the results if a
// check tripped.
func (p *Pipeline) runStateful(ctx context.Context, ev *Event) Outcome {
	sr := p.newStateRun(ev)
	pass := p.run(ctx, ev, sr)
	pass.state = sr
	if sr.err != nil || len(sr.hard) == 0 || pass.Action == ActionDeny {
		// A message the rules deny whatever the state says is counted by
		// no limit: nothing to ask before the callback.
		return pass
	}
	d := &state.Decision{CallbackID: ev.CallbackID, MessageID: ev.ChannelMessage.MessageID, Time: sr.t, Record: record(ev, &pass)}
	for _, k := range sr.hard {
		d.Checks = append(d.Checks, sr.checks[k])
	}
	sr.report.Checks = len(d.Checks)
	start := time.Now()
	got, err := sr.store.Decide(ctx, d)
	sr.report.Decide = time.Since(start)
	switch {
	case err != nil:
		sr.err = fmt.Errorf("%w: %w", ErrState, err)
		sr.report.Error = err.Error()
	case got.Earlier != nil:
		return sr.repeat(ctx, got.Earlier, &pass)
	case got.Applied:
		return pass
	default:
		for j, k := range sr.hard {
			sr.results[k] = got.Results[j]
			if got.Results[j].Tripped {
				if name := p.Stages[sr.stage[k]].Name; !slices.Contains(sr.report.Tripped, name) {
					sr.report.Tripped = append(sr.report.Tripped, name)
				}
			}
		}
	}
	out := p.run(ctx, ev, sr)
	out.state = sr
	if err != nil {
		return sr.fence(ctx, d, &pass, out)
	}
	return out
}

// fence claims the message's CallbackId with out, the decision the error
// policy made after Decide failed. A request that failed may have been
// applied all the same (a client's timeout does not cancel a transaction
// the store has received): then its record is there, the claim is
// refused, and this delivery follows that record, as a duplicate would,
// so that no message is counted by a limit and denied, and no two
// deliveries decide differently. When the claim succeeds, it cancels the
// failed request if that is applied later. When the store fails again,
// out stands unrecorded. The request is made only on this failure path.
func (sr *stateRun) fence(ctx context.Context, d *state.Decision, pass *Outcome, out Outcome) Outcome {
	got, err := sr.store.Decide(ctx, &state.Decision{CallbackID: d.CallbackID, MessageID: d.MessageID, Time: d.Time, Record: record(sr.ev, &out)})
	switch {
	case err != nil:
		sr.report.Fence = "failed"
		return out
	case got.Earlier != nil:
		sr.report.Fence = "earlier"
		sr.err = nil
		return sr.repeat(ctx, got.Earlier, pass)
	}
	sr.report.Fence = "claimed"
	return out
}

// repeat answers a duplicate delivery with the decision an earlier one
// recorded: a deny as a deny, an ALLOW as the message as it came, a
// REWRITE as this delivery's rewrite when it is the same one (same digest).
func (sr *stateRun) repeat(_ context.Context, rec *state.Record, pass *Outcome) Outcome {
	sr.report.Earlier, sr.report.Answered = true, rec.Answered
	sr.answered = rec.Answered
	out := *pass
	out.state = sr
	switch {
	case rec.Action == string(ActionDeny):
		out = Outcome{Action: ActionDeny, Pipeline: sr.p.Name, Rules: slices.Clone(rec.Rules), Reason: rec.Reason, Message: NewMessage(sr.ev), state: sr}
	case record(sr.ev, pass).Digest == rec.Digest:
	case rec.Action == string(ActionAllow):
		out = Outcome{Action: ActionAllow, Pipeline: sr.p.Name, Rules: []string{}, Message: NewMessage(sr.ev), state: sr}
	default:
		if !rec.Answered {
			sr.held = errDecisionChanged
		}
	}
	if out.Rules == nil {
		out.Rules = []string{}
	}
	return out
}

// record is the record of an outcome.
func record(ev *Event, o *Outcome) state.Record {
	reason := o.Reason
	if len(reason) > maxRecordReason {
		reason = reason[:maxRecordReason]
	}
	return state.Record{Action: string(o.Action), Digest: digest(ev, o), Rules: slices.Clone(o.Rules), Reason: reason}
}

// maxRecordReason bounds the deny reason a record keeps.
const maxRecordReason = 512

// digest identifies the callback an outcome sends: its action and, unless
// it denies, every part of the message it sends. It is not the content.
func digest(ev *Event, o *Outcome) string {
	h := sha256.New()
	field(h, string(o.Action))
	if o.Action != ActionDeny {
		cm := &ev.ChannelMessage
		content, metadata, push, attrs := cm.Content, cm.Metadata, cm.PushNotification, cm.MessageAttributes
		if o.Action == ActionRewrite && o.Message != nil {
			content, metadata, push, attrs = o.Message.Content, o.Message.Metadata, o.Message.PushNotification, o.Message.MessageAttributes
		}
		field(h, content)
		field(h, metadata)
		if push != nil {
			field(h, "push")
			field(h, push.Title)
			field(h, push.Body)
			field(h, push.Type)
		}
		names := make([]string, 0, len(attrs))
		for k := range attrs {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			field(h, k)
			for _, v := range attrs[k].StringValues {
				field(h, v)
			}
			field(h, "")
		}
	}
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:16])
}

// field writes s to h, length first, so that no two sequences of fields
// write the same bytes.
func field(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// hold returns the error that keeps the handler from answering, if any.
func (o *Outcome) hold() error {
	if o.state == nil {
		return nil
	}
	return o.state.held
}

// answeredEarlier reports whether an earlier delivery's callback was
// accepted: this one sends none.
func (o *Outcome) answeredEarlier() bool { return o.state != nil && o.state.answered }

// finishState does the state work of o that needs no answer before the
// callback, and returns o with what it found: it records the decision as
// answered, runs the soft checks (flag mode, dry run) and reports what
// they would have done, and counts violations. The handler calls it once
// the callback is accepted (or found already resolved). It takes and
// returns the outcome by value, so that a handler without stateful rules
// keeps its result on the stack.
func finishState(ctx context.Context, o Outcome) Outcome {
	o.finish(ctx)
	return o
}

func (o *Outcome) finish(ctx context.Context) {
	sr := o.state
	if sr == nil || sr.store == nil || sr.answered {
		return
	}
	p, ev := sr.p, sr.ev
	f := &state.Finish{CallbackID: ev.CallbackID, MessageID: ev.ChannelMessage.MessageID, Time: sr.t, Record: record(ev, o)}
	var soft []int
	if o.Action != ActionDeny {
		for k := range sr.checks {
			if sr.checks[k].Soft {
				soft = append(soft, k)
				f.Checks = append(f.Checks, sr.checks[k])
			}
		}
	}
	m := NewMessage(ev)
	var owners []int
	for i := range p.Stages {
		st := &p.Stages[i]
		r, ok := st.Rule.(ViolationRule)
		if !ok {
			continue
		}
		n := len(f.Violations)
		f.Violations = safeViolations(r, st.Name, m, o, sr.t, f.Violations)
		for k := n; k < len(f.Violations); k++ {
			v := &f.Violations[k]
			v.Key, v.Stage = st.Name+"|"+v.Key, st.Name
			owners = append(owners, i)
		}
	}
	start := time.Now()
	got, err := sr.store.Finish(ctx, f)
	sr.report.Finish = time.Since(start)
	switch {
	case err != nil:
		sr.report.Finished = "failed"
		if sr.report.Error == "" {
			sr.report.Error = err.Error()
		}
		return
	case got.Duplicate:
		sr.report.Finished = "duplicate"
		return
	}
	sr.report.Finished = "done"
	for j, k := range soft {
		sr.results[k] = got.Results[j]
	}
	for j, until := range got.Muted {
		if !until.IsZero() {
			sr.report.Muted = append(sr.report.Muted, p.Stages[owners[j]].Name)
		}
	}
	// What the soft stages would have done: each runs again, on a copy of
	// the message, with its results.
	done := map[int]bool{}
	for _, k := range soft {
		i := sr.stage[k]
		if done[i] {
			continue
		}
		done[i] = true
		st := &p.Stages[i]
		w := NewMessage(ev)
		w.stateResults = sr.stageView(i)
		v, err := st.apply(ctx, w)
		if err != nil || !v.Deny {
			continue
		}
		if st.DryRun {
			o.DryRun = append(o.DryRun, DryRunResult{Rule: st.Name, Would: ActionDeny, Reason: v.Reason})
		} else {
			o.Flags = append(o.Flags, Flag{Rule: st.Name, Reason: v.Reason})
		}
	}
}

// safeViolations calls r.StateViolations, dropping what a panicking rule
// declared.
func safeViolations(r ViolationRule, stage string, m *Message, o *Outcome, t time.Time, dst []state.Violation) (out []state.Violation) {
	n := len(dst)
	defer func() {
		if recover() != nil {
			out = dst[:n]
		}
	}()
	return r.StateViolations(stage, m, o, t, dst)
}

// logState adds the flags and the state report to a log line.
func (o *Outcome) logState(e *zerolog.Event) {
	if len(o.Flags) > 0 {
		arr := zerolog.Arr()
		for _, f := range o.Flags {
			arr.Dict(zerolog.Dict().Str("rule", f.Rule).Str("reason", f.Reason))
		}
		e.Array("flags", arr)
	}
	s := o.State
	if s == nil {
		return
	}
	d := zerolog.Dict().Int("checks", s.Checks)
	if len(s.Tripped) > 0 {
		d.Strs("tripped", s.Tripped)
	}
	if s.Earlier {
		d.Bool("earlier", true).Bool("answered", s.Answered)
	}
	if s.Finished != "" {
		d.Str("finished", s.Finished)
	}
	if len(s.Muted) > 0 {
		d.Strs("muted", s.Muted)
	}
	if s.Error != "" {
		d.Str("error", s.Error)
	}
	if s.Fence != "" {
		d.Str("fence", s.Fence)
	}
	d.Float64("decideMs", float64(s.Decide.Microseconds())/1000).Float64("finishMs", float64(s.Finish.Microseconds())/1000)
	e.Dict("state", d)
}
