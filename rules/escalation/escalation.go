// Package escalation is the escalation rule: a sender whose messages were
// denied Violations times within Within (by the rules it counts) is muted
// for Mute: every message they send in that time is denied. Violations
// and mutes are kept in the state store every container shares (see
// processor/state), and expire with it; `flowctl mutes list` shows the
// mutes and `flowctl mutes lift` ends one.
//
//	rules:
//	  - rule: escalation
//	    options: {violations: 3, within: 10m, mute: 1h, count: [ratelimit, repeat, profanity]}
//	  - rule: ratelimit
//	    options: {limit: 5, window: 10s}
//	  ...
//
// Put it first: a muted sender's messages are then denied before any other
// rule reads them. A violation is a deny by a counted stage (any stage but
// this one when Count is empty), not a dry-run's nor a failure's; the
// mute's own denies are not violations. The window slides, at the
// messages' own times. docs/rules/escalation.md says more.
package escalation

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
)

func init() { rules.Register("escalation", rules.Define(New)) }

// Bounds of the options.
const (
	MaxViolations = 1000
	MaxWithin     = 7 * 24 * time.Hour
	MaxMute       = 30 * 24 * time.Hour
)

// Config configures the escalation rule.
type Config struct {
	// Violations is how many violations within Within mute the sender,
	// 1 to MaxViolations; required.
	Violations int `yaml:"violations"`
	// Within is the window violations add up in, 1s to 7 days; required.
	Within time.Duration `yaml:"within"`
	// Mute is how long a mute lasts, 1s to 30 days; required.
	Mute time.Duration `yaml:"mute"`
	// Count names the stages whose denies are violations; empty means
	// every stage of the pipeline but this one.
	Count []string `yaml:"count"`
}

// Rule is a configured escalation rule; it keeps state
// (processor.ViolationRule) in the store it is provisioned with.
type Rule struct {
	rules.UsesState
	c      Config
	reason string
}

// New checks c and builds the rule.
func New(c Config) (*Rule, error) {
	var bad rules.Problems
	if c.Violations < 1 || c.Violations > MaxViolations {
		bad.Add("violations", "required: a number of denied messages from 1 to %d", MaxViolations)
	}
	rules.CheckWindow(&bad, "within", c.Within, MaxWithin)
	rules.CheckWindow(&bad, "mute", c.Mute, MaxMute)
	for i, name := range c.Count {
		if name == "" {
			bad.Add(fmt.Sprintf("count.%d", i), "empty stage name")
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	c.Count = slices.Clone(c.Count)
	return &Rule{c: c, reason: fmt.Sprintf("escalation: sender muted for %v after %d violations within %v", c.Mute, c.Violations, c.Within)}, nil
}

// StateChecks implements processor.StatefulRule: is the sender muted at t?
func (r *Rule) StateChecks(m *processor.Message, _ time.Time, dst []state.Check) []state.Check {
	return append(dst, state.Check{Kind: state.CheckMute, Key: m.Sender().Arn})
}

// StateViolations implements processor.ViolationRule: a deny by a counted
// stage is a violation of the sender.
func (r *Rule) StateViolations(stage string, m *processor.Message, out *processor.Outcome, _ time.Time, dst []state.Violation) []state.Violation {
	if out.Action != processor.ActionDeny || len(out.Rules) == 0 {
		return dst
	}
	denier := out.Rules[len(out.Rules)-1]
	switch {
	case denier == stage:
		return dst
	case len(r.c.Count) > 0 && !slices.Contains(r.c.Count, denier):
		return dst
	}
	for _, re := range out.Errors {
		if re.Rule == denier && re.Policy == processor.PolicyDeny {
			return dst // a rule that failed denied it: not the sender's doing
		}
	}
	return append(dst, state.Violation{
		Key: m.Sender().Arn, Subject: m.Sender().Arn,
		Within: r.c.Within, Threshold: int64(r.c.Violations), Mute: r.c.Mute,
	})
}

// Apply denies a muted sender's message.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if res := m.StateResults(); len(res) == 1 && res[0].Tripped {
		return processor.Deny(r.reason), nil
	}
	return processor.Continue, nil
}
