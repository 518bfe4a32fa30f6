package models_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/models"
	"github.com/chimeflow/chimeflow/rules/pii"
	"github.com/chimeflow/chimeflow/rules/toxicity"
)

// TestGuardrailNotLinked: this test binary does not import
// rules/models/guardrail, so a rule configured with the provider guardrail
// says what to import, at start-up.
func TestGuardrailNotLinked(t *testing.T) {
	assert.False(t, models.GuardrailLinked())
	var bad rules.Problems
	_, err := models.NewGuardrail(context.Background(), rules.NewHost(), models.Budget{}.Compile("budget", "x", &bad))
	assert.ErrorIs(t, err, models.ErrGuardrailNotLinked)

	ref := models.GuardrailRef{ID: "gr0abc", Version: "1"}
	_, err = toxicity.New(toxicity.Config{Provider: models.Guardrail, Guardrail: ref})
	assert.ErrorContains(t, err, `option provider: the provider guardrail is not linked into this program: import _ "github.com/chimeflow/chimeflow/rules/models/guardrail"`)
	_, err = pii.New(pii.Config{Provider: models.Guardrail, Guardrail: ref})
	assert.ErrorContains(t, err, "option provider: the provider guardrail is not linked")
	_, err = toxicity.New(toxicity.Config{})
	assert.NoError(t, err, "Comprehend needs nothing more")
}
