package guardrail_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/awsmodeltest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/models"
	"github.com/chimeflow/chimeflow/rules/models/guardrail"
)

// TestApply calls ApplyGuardrail on the stand-in with the official client
// and keeps the findings that count: acted on, or found in detect mode.
func TestApply(t *testing.T) {
	s := awsmodeltest.NewServer(awsmodeltest.Config{})
	defer s.Close()
	s.Handle(awsmodeltest.OpApplyGuardrail, func(r *awsmodeltest.Request) awsmodeltest.Answer {
		return awsmodeltest.Answer{Output: awsmodeltest.GuardrailOutput(r.Texts, awsmodeltest.GuardrailResult{
			Filters: []awsmodeltest.GuardrailFilter{{Type: "HATE", Confidence: "HIGH", Action: "BLOCKED"}, {Type: "SEXUAL", Confidence: "NONE", Action: "NONE"}, {Type: "INSULTS", Confidence: "LOW", Action: "NONE"}},
			Topics:  []awsmodeltest.GuardrailTopic{{Name: "investment advice", Action: "BLOCKED"}},
			Words:   []string{"darn"},
			Pii:     []awsmodeltest.GuardrailPii{{Type: "EMAIL", Match: "a@example.com", Action: "ANONYMIZED"}},
		})}
	})
	var bad rules.Problems
	plan := models.Budget{}.Compile("budget", "x", &bad)
	require.NoError(t, bad.Err())
	h := rules.NewHost(rules.WithAWSConfig(s.AWSConfig()), rules.WithHostGetenv(func(string) string { return "" }))
	c, err := models.NewGuardrail(context.Background(), h, plan)
	require.NoError(t, err)
	a, err := c.Apply(context.Background(), models.GuardrailRef{ID: "gr0abc", Version: "DRAFT"}, []string{"one", "two"})
	require.NoError(t, err)
	assert.Equal(t, []models.Finding{{Type: "HATE", Confidence: "HIGH"}, {Type: "INSULTS", Confidence: "LOW"}}, a.Filters, "SEXUAL at NONE found nothing")
	assert.Equal(t, []models.Finding{{Name: "investment advice"}}, a.Topics)
	assert.Equal(t, []models.Finding{{Match: "darn"}}, a.Words)
	assert.Equal(t, []models.Finding{{Type: "EMAIL", Match: "a@example.com"}}, a.Entities)
	calls := s.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, []string{"one", "two"}, calls[0].Texts)
	assert.Equal(t, "INTERVENTIONS", calls[0].Params["outputScope"])
	assert.Zero(t, s.Nonconforming(), "%q", s.Problems())

	// The endpoint variable of the host's environment wins, unless the
	// environment turns endpoint variables off.
	env := map[string]string{guardrail.EnvEndpoint: "http://127.0.0.1:1"}
	h = rules.NewHost(rules.WithAWSConfig(s.AWSConfig()), rules.WithHostGetenv(func(k string) string { return env[k] }))
	c, err = models.NewGuardrail(context.Background(), h, plan)
	require.NoError(t, err)
	_, err = c.Apply(context.Background(), models.GuardrailRef{ID: "gr0abc", Version: "1"}, []string{"x"})
	assert.Error(t, err, "sent to the closed port")
	env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
	c, err = models.NewGuardrail(context.Background(), h, plan)
	require.NoError(t, err)
	_, err = c.Apply(context.Background(), models.GuardrailRef{ID: "gr0abc", Version: "1"}, []string{"x"})
	assert.NoError(t, err)
}
