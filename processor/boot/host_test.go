package boot_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/rules"
)

// awsRule is a rule that takes its host's AWS configuration at start-up,
// as the model-based rules do.
type awsRule struct {
	asked bool
	cfg   aws.Config
	creds aws.Credentials
}

func (r *awsRule) Apply(context.Context, *processor.Message) (processor.Verdict, error) {
	return processor.Continue, nil
}

func (r *awsRule) Provision(ctx context.Context, h *rules.Host) error {
	r.asked = true
	cfg, err := h.AWSConfig(ctx)
	if err != nil {
		return err
	}
	r.cfg = cfg
	r.creds, err = cfg.Credentials.Retrieve(ctx)
	return err
}

func routerOf(r processor.Rule) *rules.Config {
	return &rules.Config{Default: processor.NewPipeline(processor.Stage{Name: "aws", Rule: r})}
}

// TestProvisionFromLambdaEnvironment: a rule that needs AWS gets the
// region, the credentials and the endpoint Lambda's environment gives;
// without credentials the processor refuses to start, saying why.
func TestProvisionFromLambdaEnvironment(t *testing.T) {
	r := &awsRule{}
	_, err := newHandler(t, boot.WithRouter(routerOf(r)), env(map[string]string{
		"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
		"AWS_ENDPOINT_URL": "http://127.0.0.1:9",
	}))
	require.NoError(t, err)
	assert.Equal(t, "eu-west-1", r.cfg.Region)
	assert.Equal(t, aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret", SessionToken: "token", Source: "EnvironmentVariables"}, r.creds)
	assert.Equal(t, "http://127.0.0.1:9", aws.ToString(r.cfg.BaseEndpoint))

	r = &awsRule{}
	_, err = newHandler(t, boot.WithRouter(routerOf(r)), env(map[string]string{"AWS_REGION": "eu-west-1"}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "pipeline default: rule aws: rules: load the AWS configuration: a rule calls AWS, and AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")

	// A processor whose rules call no AWS needs no credentials for them.
	plain := processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) { return processor.Continue, nil })
	_, err = newHandler(t, boot.WithRouter(routerOf(plain)), env(map[string]string{}))
	assert.NoError(t, err)
}
