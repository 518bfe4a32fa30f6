package modelrule

import (
	"context"
	"sync"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/models"
)

// Model is what a model-based rule calls: its provider, the client of that
// provider (made once, by Provision), its budget and the texts it reads.
type Model struct {
	Provider models.Provider
	Plan     *models.Plan
	Texts    *rules.Texts

	// Comprehend or Bedrock is set by Provision, after the provider.
	Comprehend models.ComprehendAPI
	Bedrock    models.GuardrailClient

	once sync.Once
	err  error
}

// Provision makes the provider's client from the host, once; later calls
// return the first one's error.
func (md *Model) Provision(ctx context.Context, h *rules.Host) error {
	md.once.Do(func() {
		switch md.Provider {
		case models.Guardrail:
			md.Bedrock, md.err = models.NewGuardrail(ctx, h, md.Plan)
		default:
			md.Comprehend, md.err = models.NewComprehend(ctx, h, md.Plan)
		}
	})
	return md.err
}

// Run reads the covered texts of m with the provider's call, detect for
// Comprehend and guardrail for Bedrock, within the budget's timeout. A
// message outside the sample, or with no text worth a call, costs no call:
// Run returns the zero T. Before Provision it returns an error matching
// models.ErrNotProvisioned.
func Run[T any](ctx context.Context, md *Model, m *processor.Message, detect, guardrail func(context.Context, []Item) (T, error)) (T, error) {
	var zero T
	if md.Comprehend == nil && md.Bedrock == nil {
		return zero, models.ErrNotProvisioned
	}
	if !md.Plan.Sampled(m.Event().ChannelMessage.MessageID) {
		return zero, nil
	}
	items := Collect(m, md.Texts, md.Plan)
	if len(items) == 0 {
		return zero, nil
	}
	ctx, cancel := md.Plan.Context(ctx)
	defer cancel()
	if md.Provider == models.Guardrail {
		return guardrail(ctx, items)
	}
	return detect(ctx, items)
}
