package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
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

// EnvComprehendEndpoint is the SDKs' service-specific endpoint variable
// of Comprehend, honoured when the host's environment sets it (a local
// stand-in, a VPC endpoint) unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is
// true, as in the SDKs.
const EnvComprehendEndpoint = "AWS_ENDPOINT_URL_COMPREHEND"

// EndpointsIgnored reports whether the host's environment turns the
// endpoint variables off (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true).
func EndpointsIgnored(h *rules.Host) bool {
	return strings.EqualFold(h.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true")
}

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

// Config returns the host's AWS configuration, loaded now if no rule asked
// before, for a client of a provider; it must name a region.
func Config(ctx context.Context, h *rules.Host) (aws.Config, error) { return config(ctx, h) }

// Retryer is the retryer of a provider's client: the SDK's standard one
// (throttling, 5xx and connection errors are retried) with the plan's
// retries and a short backoff.
func (p *Plan) Retryer() aws.Retryer { return retryer(p.retries) }

// NewComprehend returns the official Comprehend client, built from the
// host's AWS configuration (loaded now if no rule asked before), retrying
// as the plan says.
func NewComprehend(ctx context.Context, h *rules.Host, p *Plan) (*comprehend.Client, error) {
	cfg, err := config(ctx, h)
	if err != nil {
		return nil, err
	}
	return comprehend.NewFromConfig(cfg, func(o *comprehend.Options) {
		if ep := h.Getenv(EnvComprehendEndpoint); ep != "" && !EndpointsIgnored(h) {
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
