package processor

import (
	"context"
	"errors"
	"fmt"

	"github.com/rs/zerolog"
)

// Rule inspects one message and may rewrite its Content, Metadata,
// PushNotification or MessageAttributes in place, or deny it.
//
// Apply must be safe for concurrent use by several pipeline runs (each run
// has its own *Message), must not keep m after it returns, and should
// return promptly when ctx is done. An error (or a panic) is handled by the
// pipeline's error policy; it never escapes the pipeline.
type Rule interface {
	Apply(ctx context.Context, m *Message) (Verdict, error)
}

// RuleFunc adapts a function to Rule.
type RuleFunc func(ctx context.Context, m *Message) (Verdict, error)

// Apply calls f.
func (f RuleFunc) Apply(ctx context.Context, m *Message) (Verdict, error) { return f(ctx, m) }

// Verdict is what a rule decided. The zero value, Continue, lets the
// message go on to the next rule, with whatever changes the rule made.
type Verdict struct {
	// Deny stops the pipeline and denies the message.
	Deny bool
	// Reason says why, for the log; it is never shown to the sender.
	Reason string
}

// Continue lets the message go on, changed or not.
var Continue = Verdict{}

// Deny returns a Verdict that denies the message for the given reason.
func Deny(reason string) Verdict { return Verdict{Deny: true, Reason: reason} }

// ErrorPolicy decides what happens to a message when a rule fails (returns
// an error, panics, or rewrites the message beyond the callback's limits).
type ErrorPolicy string

// Error policies. PolicyDeny, the default, fails closed: the message is
// denied. PolicyAllow fails open: the failing rule's changes are undone and
// the pipeline goes on as if the rule had let the message through.
const (
	PolicyDeny  ErrorPolicy = "deny"
	PolicyAllow ErrorPolicy = "allow"
)

// ParseErrorPolicy parses "deny" or "allow"; "" means PolicyDeny.
func ParseErrorPolicy(s string) (ErrorPolicy, error) {
	switch ErrorPolicy(s) {
	case "", PolicyDeny:
		return PolicyDeny, nil
	case PolicyAllow:
		return PolicyAllow, nil
	}
	return "", fmt.Errorf("error policy %q: want %q or %q", s, PolicyDeny, PolicyAllow)
}

// Sentinels matched by RuleError.
var (
	// ErrRulePanic matches a RuleError whose rule panicked.
	ErrRulePanic = errors.New("rule panicked")
	// ErrLimit matches a RuleError whose rule rewrote the message into
	// something the ChannelFlowCallback model refuses: a length, a pattern
	// (a line break in Metadata or a push title), invalid UTF-8, or empty
	// content.
	ErrLimit = errors.New("rewrite breaks the callback's limits")
)

// RuleError records a rule that failed and how the error policy handled it.
type RuleError struct {
	Rule   string      // the stage name
	Err    error       // what went wrong
	Policy ErrorPolicy // what was done about it
	Stack  []byte      // the goroutine stack, for a panic
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("rule %q: %v (error policy %s)", e.Rule, e.Err, e.Policy)
}

// MarshalZerologObject logs the error as {"rule", "error", "policy"} and,
// for a panic, "stack".
func (e *RuleError) MarshalZerologObject(z *zerolog.Event) {
	z.Str("rule", e.Rule).AnErr("error", e.Err).Str("policy", string(e.Policy))
	if e.Stack != nil {
		z.Bytes("stack", e.Stack)
	}
}

// Unwrap returns the rule's error.
func (e *RuleError) Unwrap() error { return e.Err }

// panicError is the error a recovered panic becomes.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string   { return fmt.Sprintf("panic: %v", e.value) }
func (e *panicError) Is(t error) bool { return t == ErrRulePanic }
