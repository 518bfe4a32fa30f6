package boot

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// errNoEnvCredentials is the start-up error of a rule that calls AWS in a
// process without Lambda's environment.
var errNoEnvCredentials = errors.New("a rule calls AWS, and AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the function's role)")

// envAWSConfig is the AWS configuration of the environment Lambda sets:
// AWS_REGION and the role's credentials, used as they are, without the
// config package's search of files and metadata services (which costs
// cold start); AWS_ENDPOINT_URL, when set, is every service's endpoint.
func (s *settings) envAWSConfig(context.Context) (aws.Config, error) {
	region := s.getenv("AWS_REGION")
	if region == "" {
		region = s.getenv("AWS_DEFAULT_REGION")
	}
	creds := aws.Credentials{
		AccessKeyID:     s.getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: s.getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    s.getenv("AWS_SESSION_TOKEN"),
		Source:          "EnvironmentVariables",
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		return aws.Config{}, errNoEnvCredentials
	}
	cfg := aws.Config{
		Region:      region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
	}
	if ep := s.getenv("AWS_ENDPOINT_URL"); ep != "" && !strings.EqualFold(s.getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		cfg.BaseEndpoint = aws.String(ep)
	}
	return cfg, nil
}
