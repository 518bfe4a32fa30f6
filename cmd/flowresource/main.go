// Command flowresource is the Lambda function behind the
// Custom::ChimeChannelFlow resource of template.yaml: it creates, updates and
// deletes the stack's channel flow and always answers CloudFormation (see
// package deploy/flowresource).
//
// It reads its region and credentials from the Lambda environment and honours
// AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING (or AWS_ENDPOINT_URL) for another
// endpoint. Build it with `make build-ChannelFlowFunction` (sam build does).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/deploy/flowresource"
	"github.com/chimeflow/chimeflow/messaging"
)

func main() {
	h := handler()
	h.Logger = zerolog.New(os.Stdout).With().Timestamp().Logger()
	lambda.Start(h.Handle)
}

// handler returns the custom resource's Handler: the channel flow's work,
// and the undoing of what a failed request created. A configuration error
// does not stop the function: every request is then answered FAILED with
// it, so that the stack does not wait for an answer that never comes.
func handler() *flowresource.Handler {
	opts, err := messaging.EnvOptions()
	if err != nil {
		return &flowresource.Handler{Func: func(_ context.Context, e cfn.Event) (string, map[string]any, error) {
			return e.PhysicalResourceID, nil, fmt.Errorf("the function cannot call Chime SDK Messaging: %w", err)
		}}
	}
	return flowresource.NewHandler(&flowresource.ChannelFlow{API: messaging.New(opts)})
}
