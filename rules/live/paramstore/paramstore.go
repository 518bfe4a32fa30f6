// Package paramstore keeps a rules configuration document in an AWS Systems
// Manager Parameter Store parameter: Source reads it for a live.Router
// (the processor's side), Read and Publish are flowctl's side. It uses the
// official client, github.com/aws/aws-sdk-go-v2/service/ssm.
//
// The parameter holds the document as it is written (YAML or JSON), as a
// String or a SecureString (decrypted with its KMS key when read). A
// Standard parameter holds up to 4 KB, an Advanced one up to 8 KB: a larger
// document belongs in the rules file deployed with the processor.
//
// A version of the document is named after the parameter's own version
// number, "ssm:7", in the processor's log lines and decisions.
package paramstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/chimeflow/chimeflow/rules/live"
)

// Limits of a parameter's value, in bytes.
const (
	MaxStandard = 4096
	MaxAdvanced = 8192
)

// API is the part of the SSM client a Source uses; *ssm.Client has it.
type API interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, optFns ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// ErrNotFound matches the error of a parameter that does not exist.
var ErrNotFound = errors.New("parameter not found")

// Source reads the document from the parameter Name (a name or an ARN) at
// each Fetch.
type Source struct {
	API  API
	Name string
}

var _ live.Source = (*Source)(nil)

// Fetch reads the parameter, decrypted if it is a SecureString.
func (s *Source) Fetch(ctx context.Context) (live.Document, error) {
	p, err := Read(ctx, s.API, s.Name)
	if err != nil {
		return live.Document{}, err
	}
	return p.Document(), nil
}

// String names the source: "ssm:" and the parameter's name.
func (s *Source) String() string { return "ssm:" + s.Name }

// Parameter is one version of the parameter.
type Parameter struct {
	Name    string
	ARN     string
	Version int64
	Type    types.ParameterType
	Value   string
}

// VersionName is the name of the version in log lines and decisions:
// "ssm:" and the version number.
func (p *Parameter) VersionName() string { return "ssm:" + strconv.FormatInt(p.Version, 10) }

// Document returns the value as a live.Document.
func (p *Parameter) Document() live.Document {
	return live.Document{Data: []byte(p.Value), Version: p.VersionName(), Source: "ssm:" + p.Name + "@" + strconv.FormatInt(p.Version, 10)}
}

// Read reads the current version of the parameter name (a name or an
// ARN), decrypted if it is a SecureString. Its error matches ErrNotFound
// when the parameter does not exist.
func Read(ctx context.Context, api API, name string) (*Parameter, error) {
	out, err := api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		var nf *types.ParameterNotFound
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("ssm parameter %s: %w", name, ErrNotFound)
		}
		return nil, fmt.Errorf("ssm parameter %s: %w", name, err)
	}
	p := out.Parameter
	if p == nil || p.Value == nil {
		return nil, fmt.Errorf("ssm parameter %s: the answer holds no value", name)
	}
	if p.Type == types.ParameterTypeStringList {
		return nil, fmt.Errorf("ssm parameter %s is a StringList: a rules document is a String or a SecureString", name)
	}
	return &Parameter{Name: aws.ToString(p.Name), ARN: aws.ToString(p.ARN), Version: p.Version, Type: p.Type, Value: *p.Value}, nil
}

// Environment variables NewFromEnv reads.
const (
	EnvRegion          = "AWS_REGION"
	EnvDefaultRegion   = "AWS_DEFAULT_REGION"
	EnvAccessKeyID     = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken    = "AWS_SESSION_TOKEN"
	// EnvEndpointSSM and EnvEndpoint override the SSM endpoint, as the
	// AWS SDKs' service-specific endpoint variables do.
	EnvEndpointSSM = "AWS_ENDPOINT_URL_SSM"
	EnvEndpoint    = "AWS_ENDPOINT_URL"
)

// NewFromEnv returns a Source for the parameter name whose client signs
// with the credentials of the environment, as AWS Lambda sets them
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION):
// no shared configuration files are read, which keeps a cold start short.
// AWS_ENDPOINT_URL_SSM (or AWS_ENDPOINT_URL) overrides the endpoint.
func NewFromEnv(name string, getenv func(string) string) (*Source, error) {
	region := getenv(EnvRegion)
	if region == "" {
		region = getenv(EnvDefaultRegion)
	}
	creds := aws.Credentials{AccessKeyID: getenv(EnvAccessKeyID), SecretAccessKey: getenv(EnvSecretAccessKey),
		SessionToken: getenv(EnvSessionToken), Source: "environment"}
	var missing []string
	if region == "" {
		missing = append(missing, EnvRegion)
	}
	if creds.AccessKeyID == "" {
		missing = append(missing, EnvAccessKeyID)
	}
	if creds.SecretAccessKey == "" {
		missing = append(missing, EnvSecretAccessKey)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("ssm parameter %s: the environment lacks %s", name, strings.Join(missing, ", "))
	}
	cfg := aws.Config{Region: region, Credentials: credentials.StaticCredentialsProvider{Value: creds}}
	endpoint := getenv(EnvEndpointSSM)
	if endpoint == "" {
		endpoint = getenv(EnvEndpoint)
	}
	client := ssm.NewFromConfig(cfg, func(o *ssm.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return &Source{API: client, Name: name}, nil
}
