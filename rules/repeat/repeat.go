// Package repeat is the repeat rule: it denies (or flags) a message whose
// content the same sender (or the channel, or the sender in that channel)
// sent within a window, comparing a canonical form of the text so that
// case, spacing, punctuation, accents, invisible characters, look-alike
// letters and leetspeak do not make a copy new (profanity.AppendCanonical).
// The state is shared by every container (see processor/state).
//
//	rules:
//	  - rule: repeat
//	    options: {window: 1m}
//
// The window slides: a copy is a repeat when the last copy that passed is
// less than Window older than it (or newer: a late delivery of an older
// copy). An edit of the message that was seen is not a repeat of it.
// Content shorter than MinLength canonical characters ("ok", "thanks") is
// never a repeat. The state holds a hash of the canonical form, never the
// text. docs/rules/repeat.md says more.
package repeat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/profanity"
)

func init() { rules.Register("repeat", rules.Define(New)) }

// DefaultMinLength is MinLength when it is not given: short replies
// ("thank you", "see you") are said twice in ordinary chat.
const DefaultMinLength = 10

// Config configures the repeat rule.
type Config struct {
	// Window is how far back a copy counts, 1s to 24h; required.
	Window time.Duration `yaml:"window"`
	// Per says whose copies count: sender (the default), channel (a copy
	// of anyone's message in the channel: a raid) or senderInChannel.
	Per rules.Per `yaml:"per"`
	// MinLength is the least content length, in canonical characters, the
	// rule checks; DefaultMinLength when not given, 1 to 4096.
	MinLength *int `yaml:"minLength"`
	// Action is deny (the default) or flag.
	Action rules.TripAction `yaml:"action"`
}

// Rule is a configured repeat rule; it keeps state
// (processor.StatefulRule) in the store it is provisioned with.
type Rule struct {
	rules.UsesState
	per    rules.Per
	window time.Duration
	min    int
	soft   bool
	suffix string
	reason string
}

// New checks c and builds the rule.
func New(c Config) (*Rule, error) {
	var bad rules.Problems
	rules.CheckWindow(&bad, "window", c.Window, rules.MaxWindow)
	rules.CheckStateOptions(&bad, "per", c.Per, "action", c.Action)
	min := DefaultMinLength
	if c.MinLength != nil {
		if min = *c.MinLength; min < 1 || min > 4096 {
			bad.Add("minLength", "%d is out of range: from 1 to 4096", min)
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return &Rule{
		per: c.Per, window: c.Window, min: min, soft: c.Action == rules.TripFlag,
		suffix: "|" + c.Window.String(),
		reason: fmt.Sprintf("repeat: the same content within %v per %s", c.Window, c.Per),
	}, nil
}

// StateChecks implements processor.StatefulRule: one check, of the
// canonical content's hash, unless the content is too short.
func (r *Rule) StateChecks(m *processor.Message, _ time.Time, dst []state.Check) []state.Check {
	var buf [256]byte
	canon := profanity.AppendCanonical(buf[:0], m.Content)
	if utf8.RuneCount(canon) < r.min {
		return dst
	}
	sum := sha256.Sum256(canon)
	key := r.per.Key(m) + "|" + hex.EncodeToString(sum[:16]) + r.suffix
	return append(dst, state.Check{Kind: state.CheckRecent, Key: key, Window: r.window, Soft: r.soft})
}

// Apply denies the message when it is a repeat.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if res := m.StateResults(); len(res) == 1 && res[0].Tripped {
		return processor.Deny(r.reason), nil
	}
	return processor.Continue, nil
}
