// Command fn is a Lambda function for the tests of package lambdatest. Its
// event says what to do: {"sleepMs": N} sleeps first, {"fail": "text"}
// returns that error, {"exit": N} exits with status N, {"panic": true}
// panics (aws-lambda-go then reports the error and exits). Otherwise it
// answers what Lambda told it: its request id, function ARN, deadline and
// process id. Every invocation writes a line "fn REQUEST-ID PID" to
// standard output.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	SleepMs int    `json:"sleepMs"`
	Fail    string `json:"fail"`
	Exit    int    `json:"exit"`
	Panic   bool   `json:"panic"`
}

type answer struct {
	RequestID   string `json:"requestId"`
	FunctionArn string `json:"functionArn"`
	DeadlineMs  int64  `json:"deadlineMs"`
	PID         int    `json:"pid"`
}

func handle(ctx context.Context, ev event) (answer, error) {
	lc, _ := lambdacontext.FromContext(ctx)
	fmt.Printf("fn %s %d\n", lc.AwsRequestID, os.Getpid())
	time.Sleep(time.Duration(ev.SleepMs) * time.Millisecond)
	switch {
	case ev.Exit != 0:
		os.Exit(ev.Exit)
	case ev.Panic:
		panic("fn was asked to panic")
	case ev.Fail != "":
		return answer{}, errors.New(ev.Fail)
	}
	deadline, _ := ctx.Deadline()
	return answer{RequestID: lc.AwsRequestID, FunctionArn: lc.InvokedFunctionArn, DeadlineMs: deadline.UnixMilli(), PID: os.Getpid()}, nil
}

func main() { lambda.Start(handle) }
