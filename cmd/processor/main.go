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
//
// Three features link an AWS service client whose package initialisation
// costs every cold start, configured or not (about 0.4 to 0.6 ms each):
// the state store of the stateful rules (DynamoDB, state.go), the Bedrock
// guardrail provider of the model-based rules (guardrail.go) and the
// decision trail (EventBridge, trail.go). A processor that uses none of
// them can leave them out at build time, each with its tag:
//
//	make build-ProcessorFunction TAGS=chimeflow_nostate,chimeflow_noguardrail,chimeflow_notrail
//
// A configuration that then asks for them (a stateful rule, the guardrail
// provider, CHIMEFLOW_TRAIL_BUS) is refused at start-up, saying what is
// missing.
package main

import (
	"github.com/chimeflow/chimeflow/processor/boot"
	_ "github.com/chimeflow/chimeflow/rules/all" // the built-in rules
)

// options are boot's options, added to by the optional features' files.
var options []boot.Option

func main() { boot.Main(options...) }
