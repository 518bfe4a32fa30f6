// Package ratelimit is the ratelimit rule: at most Limit messages per
// Window per sender, per channel, or per sender in each channel, counted
// across every container of the processor in the state store (see
// processor/state). Over the limit, it denies the message, or flags it.
//
//	rules:
//	  - rule: ratelimit
//	    options: {per: sender, limit: 5, window: 10s}
//
// Windows are fixed: they start at multiples of Window since the Unix
// epoch, at the message's own time (processor.MessageTime), so a replay
// and a duplicate delivery count alike. A message the limit denies is not
// counted, nor is one the pipeline denies anyway; a flagged one is not
// counted either. docs/rules/ratelimit.md and docs/state.md say more.
package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
)

func init() { rules.Register("ratelimit", rules.Define(New)) }

// MaxLimit bounds Config.Limit.
const MaxLimit = 1_000_000

// Config configures the ratelimit rule.
type Config struct {
	// Per says whose messages count together: sender (the default),
	// channel or senderInChannel.
	Per rules.Per `yaml:"per"`
	// Limit is the most messages a window admits, 1 to MaxLimit; required.
	Limit int `yaml:"limit"`
	// Window is the window's length, 1s to 24h; required.
	Window time.Duration `yaml:"window"`
	// Action is deny (the default) or flag.
	Action rules.TripAction `yaml:"action"`
}

// Rule is a configured ratelimit rule; it keeps state
// (processor.StatefulRule) in the store it is provisioned with.
type Rule struct {
	rules.UsesState
	per    rules.Per
	limit  int64
	window time.Duration
	soft   bool
	suffix string // the configuration's part of the state key
	reason string
}

// New checks c and builds the rule.
func New(c Config) (*Rule, error) {
	var bad rules.Problems
	if c.Limit < 1 || c.Limit > MaxLimit {
		bad.Add("limit", "required: a number of messages from 1 to %d", MaxLimit)
	}
	rules.CheckWindow(&bad, "window", c.Window, rules.MaxWindow)
	rules.CheckStateOptions(&bad, "per", c.Per, "action", c.Action)
	if err := bad.Err(); err != nil {
		return nil, err
	}
	r := &Rule{per: c.Per, limit: int64(c.Limit), window: c.Window, soft: c.Action == rules.TripFlag}
	r.suffix = "|" + c.Window.String() + "|" + strconv.Itoa(c.Limit)
	r.reason = fmt.Sprintf("rate limit: more than %d messages per %v per %s", c.Limit, c.Window, c.Per)
	return r, nil
}

// StateChecks implements processor.StatefulRule: one counter, of m's
// sender, channel or both, in the window that holds t.
func (r *Rule) StateChecks(m *processor.Message, _ time.Time, dst []state.Check) []state.Check {
	return append(dst, state.Check{Kind: state.CheckLimit, Key: r.per.Key(m) + r.suffix, Limit: r.limit, Window: r.window, Soft: r.soft})
}

// Apply denies the message when its window was full.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if res := m.StateResults(); len(res) == 1 && res[0].Tripped {
		return processor.Deny(r.reason), nil
	}
	return processor.Continue, nil
}
