package pii_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
	"github.com/chimeflow/chimeflow/rules/models"
	"github.com/chimeflow/chimeflow/rules/pii"
)

// TestOptionErrors loads whole configuration files, as the processor
// does, and checks that every mistake is reported at its place.
func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name, options string // the options start at line 4, column 7
		want          []string
	}{
		{"bad action", "action: redact", []string{`:4:15: rule pii: option action: "redact" is not mask, deny or flag`}},
		{"unknown entity", "entities: [PHONE, SOCIAL]", []string{`:4:25: rule pii: option entities.1: "SOCIAL" is not an entity type of the provider comprehend`}},
		{"guardrail names on comprehend", "entities: [US_SOCIAL_SECURITY_NUMBER]", []string{`:4:18: rule pii: option entities.0: "US_SOCIAL_SECURITY_NUMBER" is not an entity type of the provider comprehend`}},
		{"comprehend names on a guardrail", "provider: guardrail\nguardrail: {id: abc, version: \"1\"}\nentities: [SSN]", []string{`:6:18: rule pii: option entities.0: "SSN" is not an entity type of the provider guardrail`}},
		{"star with others", `entities: ["*", SSN]`, []string{`:4:18: rule pii: option entities.0: "*" stands for every type`}},
		{"twice", "entities: [SSN, SSN]", []string{`:4:23: rule pii: option entities.1: "SSN" given twice`}},
		{"min score", "minScore: -0.1", []string{`:4:17: rule pii: option minScore: -0.1 is not a score`}},
		{"mask char", "maskChar: x", []string{`:4:17: rule pii: option maskChar: "x": want one character`}},
		{"mask char with type style", "maskStyle: type\nmaskChar: '#'", []string{`:5:17: rule pii: option maskChar: applies only with maskStyle: chars`}},
		{"mask options on deny", "action: deny\nmaskStyle: type", []string{`:4:7: rule pii: maskChar and maskStyle apply only with action: mask`}},
		{"language", "language: de", []string{`:4:17: rule pii: option language: "de": DetectPiiEntities reads en, es only`}},
		{"min score on a guardrail", "provider: guardrail\nguardrail: {id: abc, version: \"1\"}\nminScore: 0.9", []string{`:6:17: rule pii: option minScore: applies to the provider comprehend`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ruletest.ExpectProblems(t, ruletest.OptionProblems(t, "pii", "rules.yaml", tt.options), tt.want)
		})
	}
}

func TestNewFromGo(t *testing.T) {
	_, err := pii.New(pii.Config{Provider: models.Guardrail})
	assert.EqualError(t, err, "option guardrail.id: the provider guardrail needs the guardrail's id or ARN\n"+`option guardrail.version: give the version to apply: a published version ("1") or "DRAFT"`)
	_, err = pii.New(pii.Config{Provider: models.Guardrail, Guardrail: models.GuardrailRef{ID: "arn:aws:bedrock:us-east-1:111122223333:guardrail/gr0abc123", Version: "12"}})
	assert.NoError(t, err)
}
