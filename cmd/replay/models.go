package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/chimeflow/chimeflow/internal/awsmodeltest"
	"github.com/chimeflow/chimeflow/rules"
)

// modelsHost returns the host the replayed rules get their AWS clients
// from (the model-based rules, toxicity and pii, need one). With a
// recording of model answers (-models FILE, see awsmodeltest.Recording),
// it is a stand-in for Comprehend and Bedrock Runtime on loopback that
// answers from the file: the replay stays offline and repeatable. Without
// one, it is the shared AWS configuration (config.LoadDefaultConfig),
// loaded only if a rule asks: the rules then call the real services. stop
// releases the stand-in.
func modelsHost(recording string, opts ...rules.HostOption) (h *rules.Host, stop func(), err error) {
	if recording == "" {
		return rules.NewHost(append(opts, rules.WithAWSConfigLoader(func(ctx context.Context) (aws.Config, error) {
			return config.LoadDefaultConfig(ctx)
		}))...), func() {}, nil
	}
	rec, err := awsmodeltest.LoadRecording(recording)
	if err != nil {
		return nil, nil, err
	}
	s := awsmodeltest.NewServer(awsmodeltest.Config{Recording: rec})
	// The stand-in is the endpoint whatever the environment says.
	noEnv := func(string) string { return "" }
	return rules.NewHost(append(opts, rules.WithAWSConfig(s.AWSConfig()), rules.WithHostGetenv(noEnv))...), s.Close, nil
}
