// Package state holds what a channel flow processor remembers across
// messages and containers: rate-limit counters, the messages a sender sent
// recently, mutes, violations, and the decision recorded for each
// CallbackId so that a duplicate delivery gets the same answer.
//
// A Store executes the state work of one message in two steps:
//
//   - Decide, before the callback, in one request: it claims the message's
//     CallbackId, runs every check the pipeline's stateful rules declared
//     (a counter under its limit, content not seen within a window, a sender
//     not muted) and, when every check passes, applies their counts and
//     records the decision, all or nothing. When a check trips nothing is
//     written, and the result says which checks tripped. When an earlier
//     delivery of the same CallbackId has recorded its decision, Decide
//     returns that record and does nothing else.
//   - Finish, after the callback: it marks the decision answered (recording
//     it if Decide could not), applies the checks that need no answer
//     before the callback (flag-mode and dry-run rules), records the
//     violations escalation counts, and mutes a sender who reached the
//     threshold. Exactly one delivery of a CallbackId finishes it.
//
// Every decision depends only on the message's own time (see
// processor.MessageTime) and on what earlier messages recorded, and every
// check is monotonic for a given message: once it trips, it trips for that
// message for as long as the state is kept (Horizon). A duplicate delivery
// therefore decides as the first one did, whether or not it sees the first
// one's record.
//
// Two implementations: NewMemory, in this package, keeps the state in the
// process (one container's view: the replay harness and tests), and package
// dynamostate keeps it in one DynamoDB table shared by every container.
// docs/state.md describes the items, the requests and the semantics.
package state

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Horizon is how long state outlives its use: a record, counter, mute or
// violation is kept (its TTL is set) this long after the last message time
// that can still read it. The service refuses a callback 48 hours after the
// message, so no delivery of a message comes later than that.
const Horizon = 49 * time.Hour

// Kind is what a Check tests.
type Kind uint8

// Kinds of check.
const (
	// CheckLimit passes while a counter of the messages in the check's window
	// is under Limit, and counts the message when it passes. Windows are
	// fixed: they start at multiples of Window since the Unix epoch.
	CheckLimit Kind = iota + 1
	// CheckRecent passes unless the key was seen within Window before the
	// message's time, or later than it (a copy of the same content, say),
	// and marks the key seen at the message's time when it passes. An edit
	// of the message that was seen passes.
	CheckRecent
	// CheckMute passes unless the key is muted at the message's time. It writes
	// nothing.
	CheckMute
)

// String names the kind.
func (k Kind) String() string {
	switch k {
	case CheckLimit:
		return "limit"
	case CheckRecent:
		return "recent"
	case CheckMute:
		return "mute"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Check is one condition a stateful rule needs for one message.
type Check struct {
	Kind Kind
	// Key names the counter, the content seen or the muted sender. Keys
	// of different kinds never collide.
	Key string
	// Limit is the most messages a Limit window admits.
	Limit int64
	// Window is a Limit check's window length, or how far back a Recent
	// check looks. It is at least a second, and whole milliseconds.
	Window time.Duration
	// Soft marks a check whose answer is not needed before the callback
	// (a rule in flag mode, a dry-run stage): it runs in Finish.
	Soft bool
}

// Result is the outcome of one check.
type Result struct {
	// Tripped is true when the check failed: over the limit, seen, muted.
	Tripped bool
	// Count is, for a Limit check that tripped, the count its window held.
	Count int64
	// Seen is, for a Recent check that tripped, when the key was seen.
	Seen time.Time
	// Until is, for a Mute check that tripped, when the mute ends.
	Until time.Time
}

// Record is the decision recorded for one CallbackId. It holds no message
// content: a duplicate delivery rebuilds the callback from its own copy of
// the event and checks it against Digest.
type Record struct {
	// Action is ALLOW, REWRITE or DENY.
	Action string
	// Digest identifies the callback the decision sends (see
	// processor's digest): equal digests, equal callbacks.
	Digest string
	// Rules are the stages that acted, in order.
	Rules []string
	// Reason is the deny reason, which names configuration only.
	Reason string
	// Answered is true once a delivery's callback was accepted (or found
	// already resolved) and its Finish done.
	Answered bool
}

// Violation is a deny that escalation counts against a sender.
type Violation struct {
	// Key names the sender's violations and mute.
	Key string
	// Stage and Subject describe the mute for operators: the escalation
	// stage and the sender's ARN.
	Stage, Subject string
	// Within is the window over which violations add up.
	Within time.Duration
	// Threshold is how many violations within Within mute the sender.
	Threshold int64
	// Mute is how long a mute lasts.
	Mute time.Duration
}

// Decision is the request Decide executes.
type Decision struct {
	// CallbackID identifies the message delivery; required.
	CallbackID string
	// MessageID identifies the message: an edit has the MessageID of the
	// message it edits (and a CallbackId of its own).
	MessageID string
	// Time is the message's time; every window is computed from it.
	Time time.Time
	// Record is recorded, with the counts, when every check passes.
	Record Record
	// Checks are the checks to run; none of them Soft.
	Checks []Check
}

// Decided is what Decide found.
type Decided struct {
	// Earlier is the record of an earlier delivery of the same CallbackId,
	// nil if there was none; when it is set nothing was written and
	// Results is nil.
	Earlier *Record
	// Applied is true when every check passed: the counts and the record
	// were written.
	Applied bool
	// Results holds one result per check, in order.
	Results []Result
}

// Finish is the request Finish executes.
type Finish struct {
	// CallbackID identifies the message delivery; required.
	CallbackID string
	// MessageID identifies the message, as in Decision.
	MessageID string
	// Time is the message's time.
	Time time.Time
	// Record is the decision: recorded if Decide did not, and marked
	// answered.
	Record Record
	// Checks are soft checks: each is applied if it passes.
	Checks []Check
	// Violations are recorded, and mute their sender at their threshold.
	Violations []Violation
}

// Finished is what Finish did.
type Finished struct {
	// Duplicate is true when another delivery of the CallbackId had
	// already finished it: nothing was written.
	Duplicate bool
	// Results holds one result per soft check, in order.
	Results []Result
	// Muted holds, per violation, the time the mute it started ends (zero
	// when it started none).
	Muted []time.Time
}

// Mute is a sender's mute, for operators.
type Mute struct {
	// Key identifies the mute for Lift.
	Key string
	// Stage is the escalation stage that muted, Subject the sender's ARN.
	Stage, Subject string
	// From and Until bound the message times the mute denies.
	From, Until time.Time
	// Lifted is when an operator lifted it (zero if not): messages from
	// then on pass.
	Lifted time.Time
}

// Active reports whether the mute denies a message sent at t.
func (m *Mute) Active(t time.Time) bool {
	return !t.Before(m.From) && t.Before(m.Until) && (m.Lifted.IsZero() || t.Before(m.Lifted))
}

// Store keeps the state of stateful rules. Implementations are safe for
// concurrent use.
type Store interface {
	// Decide runs the checks of one message and, if every one passes,
	// applies them and records the decision, atomically, in one round
	// trip; see the package documentation.
	Decide(ctx context.Context, d *Decision) (Decided, error)
	// Finish does the work of one message that needs no answer before the
	// callback; see the package documentation.
	Finish(ctx context.Context, f *Finish) (Finished, error)
}

// Admin lists and lifts mutes: what flowctl mutes does.
type Admin interface {
	// Mutes lists the mutes the store holds (lifted and expired ones
	// included, until their state expires), ordered by Stage and Subject.
	Mutes(ctx context.Context) ([]Mute, error)
	// Lift ends the mute of key for the messages sent from at on; it
	// returns ErrNoMute when there is no such mute.
	Lift(ctx context.Context, key string, at time.Time) error
}

// Errors.
var (
	// ErrNoMute is returned by Lift for a key that is not muted.
	ErrNoMute = errors.New("state: no such mute")
	// ErrInvalid matches a Decision or Finish the store cannot execute.
	ErrInvalid = errors.New("state: invalid request")
)

// validateChecks checks a request's checks: kinds, keys and windows.
func validateChecks(checks []Check) error {
	for i := range checks {
		c := &checks[i]
		switch {
		case c.Kind < CheckLimit || c.Kind > CheckMute:
			return fmt.Errorf("%w: check %d: unknown kind %d", ErrInvalid, i, c.Kind)
		case c.Key == "":
			return fmt.Errorf("%w: check %d: empty key", ErrInvalid, i)
		case c.Kind == CheckLimit && c.Limit < 1:
			return fmt.Errorf("%w: check %d: limit %d < 1", ErrInvalid, i, c.Limit)
		case c.Kind != CheckMute && (c.Window < time.Second || c.Window%time.Millisecond != 0):
			return fmt.Errorf("%w: check %d: window %v: want whole milliseconds, at least 1s", ErrInvalid, i, c.Window)
		}
		for j := range i {
			if checks[j].Kind == c.Kind && checks[j].Key == c.Key {
				return fmt.Errorf("%w: checks %d and %d test the same state", ErrInvalid, j, i)
			}
		}
	}
	return nil
}

// ValidateDecision reports a Decision a store cannot execute.
func ValidateDecision(d *Decision) error {
	if d.CallbackID == "" {
		return fmt.Errorf("%w: no CallbackID", ErrInvalid)
	}
	for i := range d.Checks {
		if d.Checks[i].Soft {
			return fmt.Errorf("%w: check %d is soft: soft checks run in Finish", ErrInvalid, i)
		}
	}
	return validateChecks(d.Checks)
}

// ValidateFinish reports a Finish a store cannot execute.
func ValidateFinish(f *Finish) error {
	if f.CallbackID == "" {
		return fmt.Errorf("%w: no CallbackID", ErrInvalid)
	}
	for i, v := range f.Violations {
		switch {
		case v.Key == "":
			return fmt.Errorf("%w: violation %d: empty key", ErrInvalid, i)
		case v.Threshold < 1:
			return fmt.Errorf("%w: violation %d: threshold %d < 1", ErrInvalid, i, v.Threshold)
		case v.Within < time.Second || v.Mute < time.Second:
			return fmt.Errorf("%w: violation %d: windows under a second", ErrInvalid, i)
		}
		for j := range i {
			if f.Violations[j].Key == v.Key {
				return fmt.Errorf("%w: violations %d and %d have one key", ErrInvalid, j, i)
			}
		}
	}
	return validateChecks(f.Checks)
}

// WindowStart returns the start of the fixed window of length w that holds
// t: the last multiple of w since the Unix epoch at or before t.
func WindowStart(t time.Time, w time.Duration) time.Time {
	ms := t.UnixMilli()
	wm := w.Milliseconds()
	start := ms - ms%wm
	if ms < 0 && ms%wm != 0 {
		start -= wm
	}
	return time.UnixMilli(start).UTC()
}
