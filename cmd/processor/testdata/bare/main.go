// Command bare is the cold-start baseline: the smallest aws-lambda-go
// function, built exactly like the processor. It lives in testdata so that
// only the benchmark builds it.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	lambda.Start(func(context.Context, map[string]any) error { return nil })
}
