package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Errors of model calls, matched by errors.Is on a *CallError.
var (
	// ErrTimeout: the model did not answer within the rule's timeout.
	ErrTimeout = errors.New("models: no answer within the timeout")
	// ErrThrottled: the service refused the call for its rate, retries
	// included.
	ErrThrottled = errors.New("models: throttled")
	// ErrDenied: the role may not call the service (AccessDeniedException):
	// the template's parameters and the rule's configuration disagree.
	ErrDenied = errors.New("models: access denied")
)

// ErrNotProvisioned is returned by a model rule's Apply when its host did
// not provision it (rules.Provisioner): it has no client to call.
var ErrNotProvisioned = errors.New("models: the rule was not provisioned: the program must call Provision (rules.Config.Provision) before the first message")

// CallError is a failed model call. Its message names the service, the
// operation, the error code and the HTTP status, never what the service
// said, which may quote the message's text; it holds no time either, so
// that replays of the same failure read the same.
type CallError struct {
	Service   string // e.g. comprehend
	Operation string // e.g. DetectToxicContent
	Code      string // the service's error code, e.g. ThrottlingException; "" when none came
	Status    int    // the HTTP status; 0 when no answer came
	Timeout   bool   // the rule's timeout ran out
	Elapsed   time.Duration
	Limit     time.Duration // the rule's timeout
	Err       error         // the SDK's error
}

func newCallError(service, operation string, err error, timedOut bool, elapsed, limit time.Duration) *CallError {
	e := &CallError{Service: service, Operation: operation, Timeout: timedOut, Elapsed: elapsed, Limit: limit, Err: err}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code = ae.ErrorCode()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		e.Status = re.HTTPStatusCode()
	}
	return e
}

func (e *CallError) Error() string {
	switch {
	case e.Timeout:
		return fmt.Sprintf("%s %s: no answer within the timeout of %s", e.Service, e.Operation, e.Limit)
	case e.Code != "" && e.Status != 0:
		return fmt.Sprintf("%s %s: %s (HTTP %d)", e.Service, e.Operation, e.Code, e.Status)
	case e.Status != 0:
		return fmt.Sprintf("%s %s: HTTP %d", e.Service, e.Operation, e.Status)
	case e.Code != "":
		return fmt.Sprintf("%s %s: %s", e.Service, e.Operation, e.Code)
	}
	return fmt.Sprintf("%s %s: no answer (%s)", e.Service, e.Operation, connectionProblem(e.Err))
}

// connectionProblem names the kind of a failure that brought no answer,
// without its text.
func connectionProblem(err error) string {
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return "connection failed"
}

// Unwrap returns the SDK's error.
func (e *CallError) Unwrap() error { return e.Err }

// Is matches ErrTimeout, ErrThrottled and ErrDenied.
func (e *CallError) Is(target error) bool {
	switch target {
	case ErrTimeout:
		return e.Timeout
	case ErrThrottled:
		return e.Code == "ThrottlingException" || e.Code == "TooManyRequestsException" || e.Status == 429
	case ErrDenied:
		return e.Code == "AccessDeniedException"
	}
	return false
}
