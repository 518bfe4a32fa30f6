package processor

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/chimeflow/chimeflow/messaging"
)

// Action is the outcome of a pipeline run.
type Action string

// Outcomes. ActionError is never produced by a pipeline: it marks, in
// reports, an event that could not be answered.
const (
	ActionAllow   Action = "ALLOW"   // delivered unchanged
	ActionRewrite Action = "REWRITE" // delivered with changes
	ActionDeny    Action = "DENY"    // deleted
	ActionError   Action = "ERROR"   // not answered
)

// Stage is one named rule of a pipeline.
type Stage struct {
	// Name identifies the rule in outcomes and logs.
	Name string
	// Rule does the work.
	Rule Rule
	// DryRun evaluates the rule and records what it would have done,
	// without changing or denying the message.
	DryRun bool
	// OnError overrides the pipeline's error policy for this rule.
	OnError ErrorPolicy
	// Skip, when set, lets the messages it matches past the stage: the
	// rule does not run on them (a team's own bots, Lex replies).
	Skip Skipper
}

// Skipper says which messages go past a stage, or a whole pipeline,
// without its rules running; rules.Skip compiles to one. It must be safe
// for concurrent use.
type Skipper interface {
	Skip(m *Message) bool
}

// Pipeline runs rules in order on a working copy of a message. A Pipeline is
// immutable once built and safe for concurrent use.
type Pipeline struct {
	// Name identifies the pipeline in logs (e.g. "default" or a channel glob).
	Name   string
	Stages []Stage
	// OnError is the policy for a failing rule; "" means PolicyDeny.
	OnError ErrorPolicy
	// Version names the version of the rules configuration the pipeline
	// belongs to (see rules/live); it is copied into every Outcome.
	Version string
	// Skip, when set, lets the messages it matches through every stage
	// without running it: they are allowed unchanged (repairs aside).
	Skip Skipper
}

// NewPipeline returns a pipeline named "default" of the given stages with
// the default error policy.
func NewPipeline(stages ...Stage) *Pipeline {
	return &Pipeline{Name: "default", Stages: stages}
}

// Route returns p itself: a single pipeline serves every channel.
func (p *Pipeline) Route(*ChannelMessage) *Pipeline { return p }

// Router picks the pipeline for a message, e.g. by channel ARN. *Pipeline is
// a Router that always picks itself.
type Router interface {
	Route(m *ChannelMessage) *Pipeline
}

// Outcome is what a pipeline decided for one message.
type Outcome struct {
	Action Action `json:"outcome"`
	// Pipeline is the name of the pipeline that ran.
	Pipeline string `json:"pipeline,omitempty"`
	// RulesVersion names the version of the rules configuration that
	// decided (Pipeline.Version), when it has one.
	RulesVersion string `json:"rulesVersion,omitempty"`
	// Rules lists, in order, the rules that acted: changed the message,
	// denied it, or failed and so denied it.
	Rules []string `json:"rules"`
	// Changed lists the fields that differ from the message as it came
	// (see the Field constants).
	Changed []string `json:"changed,omitempty"`
	// Reason says why: the deny reason for DENY; for a REWRITE that is
	// (also) the processor's own, which repairs changed the message.
	Reason string `json:"reason,omitempty"`
	// Repairs lists what Decode changed in the event (see Repair).
	Repairs []Repair `json:"repairs,omitempty"`
	// Skipped lists, in order, the rules that did not run because the
	// message matched their stage's Skip or the pipeline's.
	Skipped []string `json:"skipped,omitempty"`
	// Errors records the rules that failed, with the policy applied.
	Errors []*RuleError `json:"-"`
	// DryRun records what dry-run rules would have done, when they would
	// have done something (denied, rewritten or failed).
	DryRun []DryRunResult `json:"dryRun,omitempty"`
	// Flags lists the rules in flag mode that would have denied the
	// message (see StatefulRule): found after the callback.
	Flags []Flag `json:"flags,omitempty"`
	// State says what the state store did, for a pipeline with stateful
	// rules.
	State *StateReport `json:"state,omitempty"`
	// Message is the final working copy.
	Message *Message `json:"-"`

	state *stateRun
}

// DryRunResult is what a dry-run rule would have done.
type DryRunResult struct {
	Rule    string   `json:"rule"`
	Would   Action   `json:"would"`
	Changed []string `json:"changed,omitempty"`
	Reason  string   `json:"reason,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// Run runs the pipeline's rules in order on a working copy of ev's message
// and returns the outcome. It never panics because of a rule: a rule that
// fails, panics, or rewrites the message into something the
// ChannelFlowCallback model refuses (a length, a pattern, invalid UTF-8,
// empty content) is handled by the error policy and recorded in
// Outcome.Errors. Only the parts a rule changed are checked, right after
// it returns; the rest were checked with the event (Event.Validate).
//
// Parts of the callback that Decode repaired (see Repair) make the outcome
// a REWRITE, with the repairs as its reason, unless a rule denies the
// message.
//
// A pipeline with stateful rules (StatefulRule) asks their store before
// the callback, in one request, and the handler finishes the state work
// after it; see package state.
func (p *Pipeline) Run(ctx context.Context, ev *Event) Outcome {
	if !p.stateful() {
		return p.run(ctx, ev, nil)
	}
	out := p.runStateful(ctx, ev)
	out.State = &out.state.report
	return out
}

// run runs the stages once, stateful ones with the results in sr.
func (p *Pipeline) run(ctx context.Context, ev *Event, sr *stateRun) Outcome {
	m := NewMessage(ev)
	out := Outcome{Action: ActionAllow, Pipeline: p.Name, RulesVersion: p.Version, Message: m, Repairs: ev.repairs}
	skipAll := p.Skip != nil && p.Skip.Skip(m)
	for i := range p.Stages {
		st := &p.Stages[i]
		if skipAll || st.Skip != nil && st.Skip.Skip(m) {
			out.Skipped = append(out.Skipped, st.Name)
			continue
		}
		before := m.save()
		var v Verdict
		err := sr.stageErr(i)
		if err == nil {
			m.stateResults = sr.stageView(i)
			v, err = st.apply(ctx, m)
			m.stateResults = nil
		}
		changed := before.changed(m)
		if err == nil && !v.Deny && changed != 0 {
			err = checkRewrite(m, changed)
		}
		if st.DryRun {
			if r := dryRun(st.Name, v, changed, err); r.Would != ActionAllow {
				out.DryRun = append(out.DryRun, r)
			}
			m.restore(&before)
			continue
		}
		if err != nil {
			re := &RuleError{Rule: st.Name, Err: err, Policy: p.policy(st)}
			var pe *panicError
			if errors.As(err, &pe) {
				re.Stack = pe.stack
			}
			out.Errors = append(out.Errors, re)
			m.restore(&before)
			if re.Policy == PolicyDeny {
				out.Rules = append(out.Rules, st.Name)
				out.Action, out.Reason = ActionDeny, re.Error()
				return out
			}
			continue
		}
		if v.Deny {
			out.Rules = append(out.Rules, st.Name)
			out.Action, out.Reason = ActionDeny, v.Reason
			return out
		}
		if changed != 0 {
			out.Rules = append(out.Rules, st.Name)
			m.acted = out.Rules
		}
	}
	orig := &ev.ChannelMessage
	base := snapshot{content: orig.Content, metadata: orig.Metadata, attrs: orig.MessageAttributes}
	if orig.PushNotification != nil {
		base.push, base.hasPush = *orig.PushNotification, true
	}
	changed := base.changed(m)
	if repaired := repairedFields(ev.repairs); repaired != 0 {
		changed |= repaired
		var b strings.Builder
		b.WriteString("repaired ")
		n := 0
		for _, r := range ev.repairs {
			if r.part() != 0 {
				if n > 0 {
					b.WriteString("; ")
				}
				b.WriteString(r.String())
				n++
			}
		}
		out.Reason = b.String()
	}
	if out.Changed = changed.names(); len(out.Changed) > 0 {
		out.Action = ActionRewrite
	}
	return out
}

func (p *Pipeline) policy(st *Stage) ErrorPolicy {
	if st.OnError != "" {
		return st.OnError
	}
	if p.OnError != "" {
		return p.OnError
	}
	return PolicyDeny
}

// apply runs the stage's rule, turning a panic into an error.
func (st *Stage) apply(ctx context.Context, m *Message) (v Verdict, err error) {
	defer func() {
		if r := recover(); r != nil {
			v, err = Verdict{}, &panicError{value: r, stack: debug.Stack()}
		}
	}()
	if st.Rule == nil {
		return Verdict{}, errors.New("stage has no rule")
	}
	return st.Rule.Apply(ctx, m)
}

func dryRun(name string, v Verdict, changed fieldSet, err error) DryRunResult {
	r := DryRunResult{Rule: name, Would: ActionAllow, Reason: v.Reason}
	switch {
	case err != nil:
		r.Would, r.Error = ActionError, err.Error()
	case v.Deny:
		r.Would = ActionDeny
	case changed != 0:
		r.Would, r.Changed = ActionRewrite, changed.names()
	}
	return r
}

// checkRewrite checks the parts of the working copy a rule changed against
// the ChannelFlowCallback model, with messaging.CheckCallback, and returns
// an error matching ErrLimit when one breaks it. A rewrite may not leave
// the content empty either: the message would go out without its text.
func checkRewrite(m *Message, changed fieldSet) error {
	if changed&fieldContent != 0 && m.Content == "" {
		return fmt.Errorf("%w: ChannelMessage.Content: a rewrite left it empty; the service needs at least one character", ErrLimit)
	}
	in := messaging.ChannelFlowCallbackInput{
		ChannelMessage: &messaging.ChannelMessageCallback{
			Content:           m.Content,
			Metadata:          m.Metadata,
			PushNotification:  m.PushNotification,
			MessageAttributes: m.MessageAttributes,
		},
	}
	if err := messaging.CheckCallback(&in, changed.parts()); err != nil {
		return fmt.Errorf("%w: %w", ErrLimit, err)
	}
	return nil
}
