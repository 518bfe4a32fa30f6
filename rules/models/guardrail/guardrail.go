// Package guardrail is the Amazon Bedrock guardrail provider of the
// model-based rules (toxicity, pii): a models.GuardrailClient that calls
// ApplyGuardrail with the official Bedrock Runtime client. Importing it
// registers it (cmd/processor and cmd/replay do; rules/all does not, so that a
// program of its own links Bedrock only when it asks for it):
//
//	import _ "github.com/chimeflow/chimeflow/rules/models/guardrail"
//
// A program that configures no guardrail can leave it out, and with it
// the Bedrock Runtime client, whose package init costs cold start.
package guardrail

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/models"
)

func init() { models.RegisterGuardrail(New) }

// EnvEndpoint is the SDKs' service-specific endpoint variable of Bedrock
// Runtime, honoured when the host's environment sets it.
const EnvEndpoint = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"

// API is the part of the Bedrock Runtime client the provider calls;
// *bedrockruntime.Client implements it.
type API interface {
	ApplyGuardrail(ctx context.Context, in *bedrockruntime.ApplyGuardrailInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.ApplyGuardrailOutput, error)
}

// Client is a models.GuardrailClient on Bedrock Runtime.
type Client struct {
	api API
}

// New builds the client of a rule from its host's AWS configuration,
// retrying as its plan says.
func New(ctx context.Context, h *rules.Host, p *models.Plan) (models.GuardrailClient, error) {
	cfg, err := models.Config(ctx, h)
	if err != nil {
		return nil, err
	}
	api := bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		if ep := h.Getenv(EnvEndpoint); ep != "" && !models.EndpointsIgnored(h) {
			o.BaseEndpoint = aws.String(ep)
		}
		o.Retryer = p.Retryer()
	})
	return &Client{api: api}, nil
}

// NewFromAPI returns a Client that calls api.
func NewFromAPI(api API) *Client { return &Client{api: api} }

// Input returns the ApplyGuardrail request that has the guardrail judge
// texts as a user's input, one text block each, and report only what it
// acts on.
func Input(ref models.GuardrailRef, texts []string) *bedrockruntime.ApplyGuardrailInput {
	in := &bedrockruntime.ApplyGuardrailInput{
		GuardrailIdentifier: aws.String(ref.ID),
		GuardrailVersion:    aws.String(ref.Version),
		Source:              brtypes.GuardrailContentSourceInput,
		OutputScope:         brtypes.GuardrailOutputScopeInterventions,
	}
	for _, t := range texts {
		in.Content = append(in.Content, &brtypes.GuardrailContentBlockMemberText{Value: brtypes.GuardrailTextBlock{Text: aws.String(t)}})
	}
	return in
}

// Apply calls ApplyGuardrail and returns what the guardrail acted on, or
// found in detect mode.
func (c *Client) Apply(ctx context.Context, ref models.GuardrailRef, texts []string) (*models.Assessment, error) {
	out, err := c.api.ApplyGuardrail(ctx, Input(ref, texts))
	if err != nil {
		return nil, err
	}
	return Assess(out), nil
}

// counts reports whether a finding counts: the guardrail acted on it
// (BLOCKED, ANONYMIZED), or, in detect mode, found it.
func counts(action string, detected *bool) bool {
	return action != "" && action != "NONE" || aws.ToBool(detected)
}

// Assess keeps, from an ApplyGuardrail answer, the findings that count.
func Assess(out *bedrockruntime.ApplyGuardrailOutput) *models.Assessment {
	a := &models.Assessment{}
	for _, as := range out.Assessments {
		if p := as.ContentPolicy; p != nil {
			for _, f := range p.Filters {
				if counts(string(f.Action), f.Detected) {
					a.Filters = append(a.Filters, models.Finding{Type: string(f.Type), Confidence: string(f.Confidence)})
				}
			}
		}
		if p := as.TopicPolicy; p != nil {
			for _, t := range p.Topics {
				if counts(string(t.Action), t.Detected) {
					a.Topics = append(a.Topics, models.Finding{Name: aws.ToString(t.Name)})
				}
			}
		}
		if p := as.WordPolicy; p != nil {
			for _, w := range p.CustomWords {
				if counts(string(w.Action), w.Detected) {
					a.Words = append(a.Words, models.Finding{Match: aws.ToString(w.Match)})
				}
			}
			for _, w := range p.ManagedWordLists {
				if counts(string(w.Action), w.Detected) {
					a.Words = append(a.Words, models.Finding{Type: string(w.Type), Match: aws.ToString(w.Match)})
				}
			}
		}
		if p := as.SensitiveInformationPolicy; p != nil {
			for _, e := range p.PiiEntities {
				if counts(string(e.Action), e.Detected) {
					a.Entities = append(a.Entities, models.Finding{Type: string(e.Type), Match: aws.ToString(e.Match)})
				}
			}
			for _, r := range p.Regexes {
				if counts(string(r.Action), r.Detected) {
					a.Regexes = append(a.Regexes, models.Finding{Name: aws.ToString(r.Name), Match: aws.ToString(r.Match)})
				}
			}
		}
	}
	return a
}
