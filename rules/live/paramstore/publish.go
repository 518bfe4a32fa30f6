package paramstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// PublishAPI is the part of the SSM client Publish uses; *ssm.Client has
// it.
type PublishAPI interface {
	API
	PutParameter(ctx context.Context, in *ssm.PutParameterInput, optFns ...func(*ssm.Options)) (*ssm.PutParameterOutput, error)
	DescribeParameters(ctx context.Context, in *ssm.DescribeParametersInput, optFns ...func(*ssm.Options)) (*ssm.DescribeParametersOutput, error)
}

// ErrChanged matches the error of a Publish whose parameter is no longer
// at the version the caller compared the document with.
var ErrChanged = errors.New("the parameter changed since it was read")

// PublishInput is a document to publish.
type PublishInput struct {
	// Name is the parameter's name (not its ARN).
	Name string
	// Value is the document.
	Value string
	// Expect is the version the caller read and compared Value with; 0
	// when the parameter did not exist. Publish refuses to write over any
	// other version.
	Expect int64
	// Secure makes a new parameter a SecureString (an existing one keeps
	// its type).
	Secure bool
	// KeyID is the KMS key of a SecureString (an ID, ARN or alias); empty
	// keeps an existing parameter's key, or uses the account's default
	// key (alias/aws/ssm) for a new one.
	KeyID string
}

// Published is what Publish wrote.
type Published struct {
	Version int64
	Type    types.ParameterType
	Tier    types.ParameterTier
	KeyID   string
	// Raced is true when the new version is not Expect+1: someone else
	// published between the check and the write.
	Raced bool
}

// Publish writes in.Value as a new version of the parameter in.Name, if
// the parameter is still at version in.Expect. An existing parameter keeps
// its type, its KMS key (unless in.KeyID names another) and its tier,
// except that a value over MaxStandard bytes needs (and gets) the Advanced
// tier; a value over MaxAdvanced bytes is refused.
func Publish(ctx context.Context, api PublishAPI, in PublishInput) (*Published, error) {
	if n := len(in.Value); n > MaxAdvanced {
		return nil, fmt.Errorf("ssm parameter %s: the document is %d bytes, over the %d a parameter holds: deploy it as the rules file instead", in.Name, n, MaxAdvanced)
	}
	cur, err := Read(ctx, api, in.Name)
	switch {
	case errors.Is(err, ErrNotFound):
		if in.Expect != 0 {
			return nil, fmt.Errorf("ssm parameter %s: %w: it was at version %d and no longer exists", in.Name, ErrChanged, in.Expect)
		}
	case err != nil:
		return nil, err
	case cur.Version != in.Expect:
		return nil, fmt.Errorf("ssm parameter %s: %w: compared with version %d, it is now at version %d", in.Name, ErrChanged, in.Expect, cur.Version)
	}
	put := &ssm.PutParameterInput{Name: aws.String(in.Name), Value: aws.String(in.Value), Type: types.ParameterTypeString, Tier: types.ParameterTierStandard}
	if in.Secure {
		put.Type = types.ParameterTypeSecureString
	}
	if cur != nil {
		meta, err := describe(ctx, api, cur.Name)
		if err != nil {
			return nil, err
		}
		put.Overwrite = aws.Bool(true)
		put.Type = meta.Type
		if meta.Tier == types.ParameterTierAdvanced {
			put.Tier = types.ParameterTierAdvanced // an Advanced parameter cannot go back to Standard
		}
		if meta.Type == types.ParameterTypeSecureString && in.KeyID == "" && meta.KeyId != nil {
			put.KeyId = meta.KeyId
		}
	}
	if in.KeyID != "" {
		if put.Type != types.ParameterTypeSecureString {
			return nil, fmt.Errorf("ssm parameter %s: a KMS key applies to a SecureString, and the parameter is a %s", in.Name, put.Type)
		}
		put.KeyId = aws.String(in.KeyID)
	}
	if len(in.Value) > MaxStandard {
		put.Tier = types.ParameterTierAdvanced
	}
	out, err := api.PutParameter(ctx, put)
	if err != nil {
		return nil, fmt.Errorf("ssm parameter %s: publish: %w", in.Name, err)
	}
	return &Published{Version: out.Version, Type: put.Type, Tier: out.Tier, KeyID: aws.ToString(put.KeyId), Raced: out.Version != in.Expect+1}, nil
}

// describe returns the metadata of the parameter name.
func describe(ctx context.Context, api PublishAPI, name string) (*types.ParameterMetadata, error) {
	out, err := api.DescribeParameters(ctx, &ssm.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{
		{Key: aws.String("Name"), Option: aws.String("Equals"), Values: []string{name}},
	}})
	if err != nil {
		return nil, fmt.Errorf("ssm parameter %s: describe: %w", name, err)
	}
	for i := range out.Parameters {
		if aws.ToString(out.Parameters[i].Name) == name {
			return &out.Parameters[i], nil
		}
	}
	return nil, fmt.Errorf("ssm parameter %s: describe: %w", name, ErrNotFound)
}
