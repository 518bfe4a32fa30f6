// Package models holds what the model-based rules (toxicity, pii) share:
// the choice of provider (Amazon Comprehend or an Amazon Bedrock
// guardrail), the guardrail they name, their latency and cost budget, the
// official SDK clients they call, built from their rules.Host at start-up
// and only when such a rule is configured, and the errors of those calls.
//
// It registers no rule. docs/rules/models.md is the user's guide.
package models

import (
	"regexp"
	"sync"

	"github.com/chimeflow/chimeflow/rules"
)

// Provider names the service that decides.
type Provider string

// Providers.
const (
	// Comprehend is Amazon Comprehend (DetectToxicContent,
	// DetectPiiEntities, DetectDominantLanguage). The default.
	Comprehend Provider = "comprehend"
	// Guardrail is an Amazon Bedrock guardrail (ApplyGuardrail), named by
	// Config.Guardrail; its own policies decide what it finds.
	Guardrail Provider = "guardrail"
)

// UnmarshalText accepts "comprehend" or "guardrail".
func (p *Provider) UnmarshalText(b []byte) (err error) {
	*p, err = rules.ParseEnum(b, Comprehend, Guardrail)
	return err
}

// Check records in bad, under option, a provider that is neither "" (the
// default, Comprehend) nor a known one, and returns the provider to use.
func (p Provider) Check(option string, bad *rules.Problems) Provider {
	if p == "" {
		return Comprehend
	}
	if err := (&p).UnmarshalText([]byte(p)); err != nil {
		bad.Add(option, "%v", err)
	}
	return p
}

// GuardrailRef names a Bedrock guardrail and the version to apply.
type GuardrailRef struct {
	// ID is the guardrail's id (e.g. "gr0abc123def") or its ARN.
	ID string `yaml:"id"`
	// Version is a published version ("1", "2", ...) or "DRAFT", the
	// working copy (not for production: it changes when someone edits the
	// guardrail).
	Version string `yaml:"version"`
}

// guardrailPatterns are the patterns of the Bedrock Runtime model
// (GuardrailIdentifier, GuardrailVersion) a request must match, compiled
// when a guardrail is first checked rather than at every program's start.
var guardrailPatterns = sync.OnceValues(func() (id, version *regexp.Regexp) {
	return regexp.MustCompile(`^(?:[a-z0-9]+|arn:aws(?:-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:guardrail/[a-z0-9]+)$`),
		regexp.MustCompile(`^(?:[1-9][0-9]{0,7}|DRAFT)$`)
})

// Check records what is wrong with g in bad, under option ("guardrail").
func (g GuardrailRef) Check(option string, bad *rules.Problems) {
	guardrailID, guardrailVersion := guardrailPatterns()
	switch {
	case g.ID == "":
		bad.Add(join(option, "id"), "the provider guardrail needs the guardrail's id or ARN")
	case len(g.ID) > 2048 || !guardrailID.MatchString(g.ID):
		bad.Add(join(option, "id"), "%q is neither a guardrail id (lower-case letters and digits) nor a guardrail ARN", g.ID)
	}
	switch {
	case g.Version == "":
		bad.Add(join(option, "version"), `give the version to apply: a published version ("1") or "DRAFT"`)
	case !guardrailVersion.MatchString(g.Version):
		bad.Add(join(option, "version"), `%q is not a version: want a number from 1 to 99999999 or "DRAFT"`, g.Version)
	}
}

// IsZero reports whether g names no guardrail.
func (g GuardrailRef) IsZero() bool { return g == GuardrailRef{} }

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
