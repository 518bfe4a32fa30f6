package rules_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

// provisioned is a rule that needs its host's AWS configuration.
type provisioned struct {
	region string
	fail   error
}

func (p *provisioned) Apply(context.Context, *processor.Message) (processor.Verdict, error) {
	return processor.Continue, nil
}

func (p *provisioned) Provision(ctx context.Context, h *rules.Host) error {
	if p.fail != nil {
		return p.fail
	}
	cfg, err := h.AWSConfig(ctx)
	p.region = cfg.Region
	return err
}

func TestHostLoadsOnceAndOnlyWhenAsked(t *testing.T) {
	loads := 0
	h := rules.NewHost(rules.WithAWSConfigLoader(func(context.Context) (aws.Config, error) {
		loads++
		return aws.Config{Region: "eu-west-1"}, nil
	}))
	plain := processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) { return processor.Continue, nil })
	require.NoError(t, rules.Provision(context.Background(), h, plain))
	assert.Zero(t, loads, "no rule asked")

	a, b := &provisioned{}, &provisioned{}
	cfg := &rules.Config{
		Default:  processor.NewPipeline(processor.Stage{Name: "a", Rule: a}, processor.Stage{Name: "plain", Rule: plain}),
		Channels: []rules.ChannelPipeline{{Channel: "*", Pipeline: &processor.Pipeline{Name: "vip", Stages: []processor.Stage{{Name: "b", Rule: b}}}}},
	}
	require.NoError(t, cfg.Provision(context.Background(), h))
	assert.Equal(t, 1, loads)
	assert.Equal(t, "eu-west-1", a.region)
	assert.Equal(t, "eu-west-1", b.region)
}

func TestHostErrors(t *testing.T) {
	boom := errors.New("boom")
	cfg := &rules.Config{Default: processor.NewPipeline(
		processor.Stage{Name: "first", Rule: &provisioned{}},
		processor.Stage{Name: "second", Rule: &provisioned{fail: boom}},
	)}
	err := cfg.Provision(context.Background(), rules.NewHost())
	assert.ErrorIs(t, err, rules.ErrNoAWSConfig)
	assert.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "pipeline default: rule first: rules: the host offers no AWS configuration")
	assert.Contains(t, err.Error(), "pipeline default: rule second: boom")

	failing := rules.NewHost(rules.WithAWSConfigLoader(func(context.Context) (aws.Config, error) { return aws.Config{}, boom }))
	_, err = failing.AWSConfig(context.Background())
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, "x", rules.NewHost(rules.WithHostGetenv(func(string) string { return "x" })).Getenv("ANY"))
}
