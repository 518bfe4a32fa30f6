package models

import (
	"context"
	"errors"
	"sync"

	"github.com/chimeflow/chimeflow/rules"
)

// GuardrailClient applies an Amazon Bedrock guardrail to texts. Package
// rules/models/guardrail provides the one that calls Bedrock Runtime
// (ApplyGuardrail) with the official client, and registers it when
// imported: a program that configures no guardrail need not link Bedrock
// Runtime (its client's package init alone costs about 0.8 ms of cold
// start; see docs/perf/models.md).
type GuardrailClient interface {
	// Apply has the guardrail judge texts, one text block each, as a
	// user's input, and returns what it acted on, or found in detect mode.
	Apply(ctx context.Context, ref GuardrailRef, texts []string) (*Assessment, error)
}

// Assessment is what a guardrail acted on (BLOCKED, ANONYMIZED), or found
// in detect mode, in texts, by policy.
type Assessment struct {
	// Filters are content filter findings: Type (HATE, INSULTS, SEXUAL,
	// VIOLENCE, MISCONDUCT, PROMPT_ATTACK) and Confidence (LOW, MEDIUM,
	// HIGH).
	Filters []Finding
	// Topics are denied topics found: Name, as the guardrail names it.
	Topics []Finding
	// Words are word filter findings: Match for a custom word (the
	// sender's text: never log it), Type for a managed list (PROFANITY).
	Words []Finding
	// Entities are sensitive information findings: Type
	// (US_SOCIAL_SECURITY_NUMBER...) and Match, the data itself.
	Entities []Finding
	// Regexes are the guardrail's own regular expressions that matched:
	// Name and Match.
	Regexes []Finding
}

// Finding is one thing a guardrail found.
type Finding struct {
	Type, Name, Confidence, Match string
}

// NewGuardrailClient makes a GuardrailClient for a rule from its host and
// plan.
type NewGuardrailClient func(ctx context.Context, h *rules.Host, p *Plan) (GuardrailClient, error)

var (
	guardrailMu  sync.RWMutex
	newGuardrail NewGuardrailClient
)

// RegisterGuardrail makes f the maker of guardrail clients; package
// rules/models/guardrail calls it in its init. It panics when called twice
// or with nil, as rules.Register does.
func RegisterGuardrail(f NewGuardrailClient) {
	guardrailMu.Lock()
	defer guardrailMu.Unlock()
	if f == nil {
		panic("models: RegisterGuardrail with nil")
	}
	if newGuardrail != nil {
		panic("models: RegisterGuardrail called twice")
	}
	newGuardrail = f
}

// GuardrailLinked reports whether a guardrail client is registered.
func GuardrailLinked() bool {
	guardrailMu.RLock()
	defer guardrailMu.RUnlock()
	return newGuardrail != nil
}

// ErrGuardrailNotLinked is the problem of a rule configured with the
// provider guardrail in a program that does not link it.
var ErrGuardrailNotLinked = errors.New(`the provider guardrail is not linked into this program: import _ "github.com/chimeflow/chimeflow/rules/models/guardrail" (cmd/processor does, unless built with the tag chimeflow_noguardrail)`)

// NewGuardrail returns the registered guardrail client, built from the
// host's AWS configuration.
func NewGuardrail(ctx context.Context, h *rules.Host, p *Plan) (GuardrailClient, error) {
	guardrailMu.RLock()
	f := newGuardrail
	guardrailMu.RUnlock()
	if f == nil {
		return nil, ErrGuardrailNotLinked
	}
	return f(ctx, h, p)
}
