package toxicity_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
	"github.com/chimeflow/chimeflow/rules/toxicity"
)

// TestOptionErrors loads whole configuration files, as the processor
// does, and checks that every mistake is reported at its place.
func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name, options string // the options start at line 4, column 7
		want          []string
	}{
		{"bad action", "action: mask", []string{`:4:15: rule toxicity: option action: "mask" is not deny or flag`}},
		{"bad provider", "provider: openai", []string{`:4:17: rule toxicity: option provider: "openai" is not comprehend or guardrail`}},
		{"threshold past 1", "threshold: 1.5", []string{`:4:18: rule toxicity: option threshold: 1.5 is not a score`}},
		{"unknown label", "labels: {RUDE: 0.5, INSULT: 2}", []string{`:4:22: rule toxicity: option labels.RUDE: not a label`, `:4:35: rule toxicity: option labels.INSULT: 2 is not a score`}},
		{"a language toxicity does not read", "language: fr", []string{`:4:17: rule toxicity: option language: "fr": Comprehend's toxicity detection reads en only`}},
		{"guardrail without id", "provider: guardrail", []string{`rule toxicity: option guardrail.id: the provider guardrail needs`, `rule toxicity: option guardrail.version: give the version`}},
		{"guardrail options on comprehend", "guardrail: {id: abc, version: \"1\"}", []string{`:4:18: rule toxicity: option guardrail: applies to the provider guardrail`}},
		{"comprehend options on a guardrail", "provider: guardrail\nguardrail: {id: abc, version: DRAFT}\nthreshold: 0.5", []string{`:6:18: rule toxicity: option threshold: applies to the provider comprehend`}},
		{"bad guardrail", "provider: guardrail\nguardrail: {id: \"Bad Id\", version: v2}", []string{`:5:23: rule toxicity: option guardrail.id: "Bad Id" is neither`, `:5:42: rule toxicity: option guardrail.version: "v2" is not a version`}},
		{"flag key without flag", "flagKey: mod", []string{`:4:16: rule toxicity: option flagKey: applies only with action: flag`}},
		{"budget", "budget: {timeout: 30s, sample: 0, retries: 9, minChars: -1}", []string{
			`rule toxicity: option budget.timeout: 30s is not a timeout`,
			`rule toxicity: option budget.sample: 0: want a share above 0`,
			`rule toxicity: option budget.retries: 9: want 0 to 5`,
			`rule toxicity: option budget.minChars: -1: want 0 or more`}},
		{"bad duration", "budget: {timeout: soon}", []string{`:4:25: rule toxicity: option budget.timeout: "soon" is not a duration`}},
		{"bad scope", "scope: {push: false, content: false}", []string{":4:14: rule toxicity: option scope: covers nothing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ruletest.ExpectProblems(t, ruletest.OptionProblems(t, "toxicity", "rules.yaml", tt.options), tt.want)
		})
	}
}

// TestNewFromGo: a Go program gets the same checks, by option path.
func TestNewFromGo(t *testing.T) {
	_, err := toxicity.New(toxicity.Config{Language: "de", Labels: map[string]float64{"MEAN": 1}})
	assert.EqualError(t, err, "option labels.MEAN: not a label (want one of GRAPHIC, HARASSMENT_OR_ABUSE, HATE_SPEECH, INSULT, PROFANITY, SEXUAL, VIOLENCE_OR_THREAT)\n"+
		`option language: "de": Comprehend's toxicity detection reads en only (API reference, DetectToxicContent: "Currently, English is the only supported language"); say auto to let other languages through unjudged`)
	_, err = toxicity.New(toxicity.Config{})
	assert.NoError(t, err)
}
