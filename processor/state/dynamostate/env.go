package dynamostate

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Environment variables FromEnv reads.
const (
	// EnvTable names the table; required.
	EnvTable = "CHIMEFLOW_STATE_TABLE"
	// EnvTimeout bounds each Decide and Finish ("300ms"); optional.
	EnvTimeout = "CHIMEFLOW_STATE_TIMEOUT"
	// EnvEndpoint overrides the DynamoDB endpoint (then AWS_ENDPOINT_URL).
	EnvEndpoint = "AWS_ENDPOINT_URL_DYNAMODB"
)

// FromEnv returns a store on the table CHIMEFLOW_STATE_TABLE names, with a
// DynamoDB client signed with the credentials Lambda puts in the
// environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
// AWS_REGION), read through getenv: no shared configuration is loaded, so a
// cold start pays nothing for it. AWS_ENDPOINT_URL_DYNAMODB (or
// AWS_ENDPOINT_URL) overrides the endpoint, CHIMEFLOW_STATE_TIMEOUT the
// timeout.
func FromEnv(getenv func(string) string) (*Store, error) {
	var missing []string
	table := getenv(EnvTable)
	if table == "" {
		missing = append(missing, EnvTable+" (the state table)")
	}
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	if region == "" {
		missing = append(missing, "AWS_REGION")
	}
	creds := aws.Credentials{
		AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		Source:          "environment",
	}
	if creds.AccessKeyID == "" || creds.SecretAccessKey == "" {
		missing = append(missing, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("dynamostate: the environment lacks %s", strings.Join(missing, ", "))
	}
	o := Options{Table: table}
	if v := getenv(EnvTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("dynamostate: %s=%q: want a positive duration such as 300ms", EnvTimeout, v)
		}
		o.Timeout = d
	}
	endpoint := getenv(EnvEndpoint)
	if endpoint == "" {
		endpoint = getenv("AWS_ENDPOINT_URL")
	}
	client := dynamodb.New(dynamodb.Options{
		Region:      region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
		HTTPClient:  &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
	}, func(do *dynamodb.Options) {
		if endpoint != "" {
			do.BaseEndpoint = aws.String(endpoint)
		}
	})
	return New(client, o)
}
