package models

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/comprehend"

	"github.com/chimeflow/chimeflow/rules"
)

// ComprehendAPI is the part of the Amazon Comprehend client the rules
// call; *comprehend.Client implements it.
type ComprehendAPI interface {
	DetectToxicContent(ctx context.Context, in *comprehend.DetectToxicContentInput, optFns ...func(*comprehend.Options)) (*comprehend.DetectToxicContentOutput, error)
	DetectPiiEntities(ctx context.Context, in *comprehend.DetectPiiEntitiesInput, optFns ...func(*comprehend.Options)) (*comprehend.DetectPiiEntitiesOutput, error)
	DetectDominantLanguage(ctx context.Context, in *comprehend.DetectDominantLanguageInput, optFns ...func(*comprehend.Options)) (*comprehend.DetectDominantLanguageOutput, error)
}

// GuardrailAPI is the part of the Amazon Bedrock Runtime client the rules
// call; *bedrockruntime.Client implements it.
type GuardrailAPI interface {
	ApplyGuardrail(ctx context.Context, in *bedrockruntime.ApplyGuardrailInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.ApplyGuardrailOutput, error)
}

// The SDKs' service-specific endpoint variables, which the clients honour
// when the host's environment sets them (a local stand-in, a VPC
// endpoint).
const (
	EnvComprehendEndpoint     = "AWS_ENDPOINT_URL_COMPREHEND"
	EnvBedrockRuntimeEndpoint = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"
)

// Service names in errors and metrics.
const (
	ServiceComprehend     = "comprehend"
	ServiceBedrockRuntime = "bedrock-runtime"
)

// maxBackoff bounds the wait before a retry: the budget is short.
const maxBackoff = 100 * time.Millisecond

// ErrNoRegion is returned when the host's AWS configuration names no
// region.
var ErrNoRegion = errors.New("models: the AWS configuration names no region (set AWS_REGION)")

// NewComprehend returns the official Comprehend client, built from the
// host's AWS configuration (loaded now if no rule asked before), retrying
// as the plan says.
func NewComprehend(ctx context.Context, h *rules.Host, p *Plan) (*comprehend.Client, error) {
	cfg, err := config(ctx, h)
	if err != nil {
		return nil, err
	}
	return comprehend.NewFromConfig(cfg, func(o *comprehend.Options) {
		if ep := h.Getenv(EnvComprehendEndpoint); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
		o.Retryer = retryer(p.retries)
	}), nil
}

// NewGuardrail returns the official Bedrock Runtime client, built from the
// host's AWS configuration, retrying as the plan says.
func NewGuardrail(ctx context.Context, h *rules.Host, p *Plan) (*bedrockruntime.Client, error) {
	cfg, err := config(ctx, h)
	if err != nil {
		return nil, err
	}
	return bedrockruntime.NewFromConfig(cfg, func(o *bedrockruntime.Options) {
		if ep := h.Getenv(EnvBedrockRuntimeEndpoint); ep != "" {
			o.BaseEndpoint = aws.String(ep)
		}
		o.Retryer = retryer(p.retries)
	}), nil
}

func config(ctx context.Context, h *rules.Host) (aws.Config, error) {
	cfg, err := h.AWSConfig(ctx)
	if err != nil {
		return aws.Config{}, err
	}
	if cfg.Region == "" {
		return aws.Config{}, ErrNoRegion
	}
	return cfg, nil
}

// retryer is the SDK's standard retryer (throttling, 5xx and connection
// errors are retried) with retries retries and a short backoff.
func retryer(retries int) aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = retries + 1
		o.MaxBackoff = maxBackoff
	})
}
