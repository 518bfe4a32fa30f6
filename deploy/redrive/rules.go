package redrive

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/chimeflow/chimeflow/processor/boot"
)

// FunctionConfigAPI is the part of *lambda.Client FunctionRules uses.
type FunctionConfigAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
}

// FunctionRules returns the rules settings the deployed processor function
// runs with, as the variables package boot reads (CHIMEFLOW_CONFIG and
// CHIMEFLOW_ERROR_POLICY; none when it runs the bundled default), for
// boot.WithGetenv: answering here with them applies the same pipeline as
// the function. A function that reads its rules from a file of its own
// package (CHIMEFLOW_CONFIG_FILE) is an error naming that file, which
// cannot be read from here; one that reads them from an SSM parameter
// (CHIMEFLOW_CONFIG_PARAMETER) is an error saying how to fetch it.
//
// A function built with rules of its own (a team's own main) runs rules
// this program may not have registered; boot.NewHandler then fails with
// "unknown rule", and invoke mode is the way to answer with them.
func FunctionRules(ctx context.Context, api FunctionConfigAPI, function string) (map[string]string, error) {
	out, err := api.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(function)})
	if err != nil {
		return nil, fmt.Errorf("read the configuration of %s: %w", function, err)
	}
	vars := map[string]string{}
	if out.Environment != nil {
		vars = out.Environment.Variables
	}
	if p := vars[boot.EnvConfigParameter]; p != "" {
		return nil, fmt.Errorf("%s reads its rules from the SSM parameter %s=%s: pass -config with the document it holds (flowctl rules get -parameter %s > rules.yaml)",
			function, boot.EnvConfigParameter, p, p)
	}
	if f := vars[boot.EnvConfigFile]; f != "" {
		return nil, fmt.Errorf("%s reads its rules from %s=%s, a file of its package: pass that file instead", function, boot.EnvConfigFile, f)
	}
	rules := map[string]string{}
	for _, k := range []string{boot.EnvConfig, boot.EnvErrorPolicy} {
		if v := strings.TrimSpace(vars[k]); v != "" {
			rules[k] = vars[k]
		}
	}
	return rules, nil
}
