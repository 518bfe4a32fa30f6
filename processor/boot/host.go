package boot

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// errNoEnvCredentials is the start-up error of a rule that calls AWS in a
// process without Lambda's environment.
var errNoEnvCredentials = errors.New("a rule calls AWS, and AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the function's role)")

// envAWSConfig is the AWS configuration of the environment Lambda sets:
// AWS_REGION and the role's credentials as they are, without the config
// package's search of files and metadata services (which costs cold
// start). The endpoint is the service's own variable (serviceEndpoint, when
// not empty), else AWS_ENDPOINT_URL, unless
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true. missing names the variables
// that are needed and not set. Each variable is read through WithGetenv's
// function, else from the process environment, as the callback client
// reads its own.
func (s *settings) envAWSConfig(serviceEndpoint string) (cfg aws.Config, missing []string) {
	getenv := func(name string) string {
		if v := s.getenv(name); v != "" {
			return v
		}
		return os.Getenv(name)
	}
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	creds := aws.Credentials{
		AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		Source:          "EnvironmentVariables",
	}
	if region == "" {
		missing = append(missing, "AWS_REGION")
	}
	if creds.AccessKeyID == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID")
	}
	if creds.SecretAccessKey == "" {
		missing = append(missing, "AWS_SECRET_ACCESS_KEY")
	}
	cfg = aws.Config{
		Region:      region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
	}
	if !strings.EqualFold(getenv(envIgnoreEndpoints), "true") {
		ep := ""
		if serviceEndpoint != "" {
			ep = getenv(serviceEndpoint)
		}
		if ep == "" {
			ep = getenv(envEndpoint)
		}
		if ep != "" {
			cfg.BaseEndpoint = aws.String(ep)
		}
	}
	return cfg, missing
}

// rulesAWSConfig is the AWS configuration the rules' host offers the rules
// that call AWS (toxicity, pii), loaded only when one asks.
func (s *settings) rulesAWSConfig(context.Context) (aws.Config, error) {
	cfg, missing := s.envAWSConfig("")
	if slices.Contains(missing, "AWS_ACCESS_KEY_ID") || slices.Contains(missing, "AWS_SECRET_ACCESS_KEY") {
		return aws.Config{}, errNoEnvCredentials
	}
	return cfg, nil
}
