package redrive

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/rules/live/paramstore"
)

// FunctionConfigAPI is the part of *lambda.Client FunctionRules uses.
type FunctionConfigAPI interface {
	GetFunctionConfiguration(ctx context.Context, in *lambda.GetFunctionConfigurationInput, optFns ...func(*lambda.Options)) (*lambda.GetFunctionConfigurationOutput, error)
}

// FunctionRules returns the rules settings the deployed processor function
// runs with, as the variables package boot reads (CHIMEFLOW_CONFIG and
// CHIMEFLOW_ERROR_POLICY; none when it runs the bundled default), for
// boot.WithGetenv: answering here with them applies the same pipeline as
// the function. A function that reads its rules from an SSM parameter
// (CHIMEFLOW_CONFIG_PARAMETER) gets the parameter's current document,
// read through params, as CHIMEFLOW_CONFIG: the version the running
// processor reloads to. One that reads them only from a file of its own
// package (CHIMEFLOW_CONFIG_FILE) is an error naming that file, which
// cannot be read from here (sam build copied it from deploy/rules.yaml, or
// the file RULES named: pass it with -config).
//
// A function built with rules of its own (a team's own main) runs rules
// this program may not have registered; boot.NewHandler then fails with
// "unknown rule", and invoke mode is the way to answer with them.
func FunctionRules(ctx context.Context, api FunctionConfigAPI, params paramstore.API, function string) (map[string]string, error) {
	out, err := api.GetFunctionConfiguration(ctx, &lambda.GetFunctionConfigurationInput{FunctionName: aws.String(function)})
	if err != nil {
		return nil, fmt.Errorf("read the configuration of %s: %w", function, err)
	}
	vars := map[string]string{}
	if out.Environment != nil {
		vars = out.Environment.Variables
	}
	rules := map[string]string{}
	if p := vars[boot.EnvConfigParameter]; p != "" {
		if params == nil {
			return nil, fmt.Errorf("%s reads its rules from the SSM parameter %s=%s, and no SSM client was given to read it", function, boot.EnvConfigParameter, p)
		}
		doc, err := paramstore.Read(ctx, params, p)
		if err != nil {
			return nil, fmt.Errorf("%s reads its rules from the SSM parameter %s: %w", function, p, err)
		}
		rules[boot.EnvConfig] = doc.Value
		if v := strings.TrimSpace(vars[boot.EnvErrorPolicy]); v != "" {
			rules[boot.EnvErrorPolicy] = vars[boot.EnvErrorPolicy]
		}
		return rules, nil
	}
	if f := vars[boot.EnvConfigFile]; f != "" && strings.TrimSpace(vars[boot.EnvConfig]) == "" {
		return nil, fmt.Errorf("%s reads its rules from %s=%s, a file of its package: pass that file with -config (sam build copies it from deploy/rules.yaml, or from the file the RULES variable of make names)", function, boot.EnvConfigFile, f)
	}
	for _, k := range []string{boot.EnvConfig, boot.EnvErrorPolicy} {
		if v := strings.TrimSpace(vars[k]); v != "" {
			rules[k] = vars[k]
		}
	}
	return rules, nil
}
