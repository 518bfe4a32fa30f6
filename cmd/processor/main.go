// Command processor is the channel flow processor's AWS Lambda entry point
// (the bootstrap binary of a provided.al2023 function), with every built-in
// rule. Build it with
//
//	make build-ProcessorFunction ARTIFACTS_DIR=build/ProcessorFunction
//
// which runs GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -tags
// lambda.norpc -trimpath -ldflags='-s -w' -o bootstrap ./cmd/processor.
//
// Its configuration comes from the environment; see package boot. A team
// with rules of its own writes a main like this one that imports them:
// see examples/customrule and docs/custom-processor.md.
package main

import (
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/processor/state/dynamostate"
	_ "github.com/chimeflow/chimeflow/rules/all" // the built-in rules
)

// The stateful rules (ratelimit, repeat, escalation) keep their state in
// the DynamoDB table CHIMEFLOW_STATE_TABLE names, opened only when the
// configuration has one of them.
func main() { boot.Main(boot.WithState(dynamostate.FromEnv)) }
