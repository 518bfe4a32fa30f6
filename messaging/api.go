package messaging

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// CallbackAPI is the one operation a channel flow processor needs. *Client
// implements it; the official chimesdkmessaging client can stand in behind a
// one-line adapter, and a test fakes it with a func.
type CallbackAPI interface {
	ChannelFlowCallback(ctx context.Context, in *ChannelFlowCallbackInput, optFns ...func(*Options)) (*ChannelFlowCallbackOutput, error)
}

// CallbackFunc adapts a function to CallbackAPI.
type CallbackFunc func(ctx context.Context, in *ChannelFlowCallbackInput, optFns ...func(*Options)) (*ChannelFlowCallbackOutput, error)

// ChannelFlowCallback calls f.
func (f CallbackFunc) ChannelFlowCallback(ctx context.Context, in *ChannelFlowCallbackInput, optFns ...func(*Options)) (*ChannelFlowCallbackOutput, error) {
	return f(ctx, in, optFns...)
}

// FlowAPI holds the channel flow management operations used by the
// deployment custom resource and cmd/flowctl. *Client implements it.
type FlowAPI interface {
	CreateChannelFlow(ctx context.Context, in *CreateChannelFlowInput, optFns ...func(*Options)) (*CreateChannelFlowOutput, error)
	UpdateChannelFlow(ctx context.Context, in *UpdateChannelFlowInput, optFns ...func(*Options)) (*UpdateChannelFlowOutput, error)
	DeleteChannelFlow(ctx context.Context, in *DeleteChannelFlowInput, optFns ...func(*Options)) (*DeleteChannelFlowOutput, error)
	DescribeChannelFlow(ctx context.Context, in *DescribeChannelFlowInput, optFns ...func(*Options)) (*DescribeChannelFlowOutput, error)
	AssociateChannelFlow(ctx context.Context, in *AssociateChannelFlowInput, optFns ...func(*Options)) (*AssociateChannelFlowOutput, error)
	DisassociateChannelFlow(ctx context.Context, in *DisassociateChannelFlowInput, optFns ...func(*Options)) (*DisassociateChannelFlowOutput, error)
	ListChannelsAssociatedWithChannelFlow(ctx context.Context, in *ListChannelsAssociatedWithChannelFlowInput, optFns ...func(*Options)) (*ListChannelsAssociatedWithChannelFlowOutput, error)
}

// ErrInvalidParams is matched (errors.Is) by every *InvalidParamsError.
var ErrInvalidParams = errors.New("messaging: invalid parameters")

// ParamError is one field of a request that breaks the service model.
type ParamError struct {
	Field  string // dotted path, e.g. ChannelMessage.PushNotification.Title
	Reason string // e.g. "length 51 exceeds 50"
}

// String returns "Field: Reason".
func (e ParamError) String() string { return e.Field + ": " + e.Reason }

// InvalidParamsError lists every field of a request that breaks the service
// model. It is returned before anything is sent.
type InvalidParamsError struct {
	Operation string
	Params    []ParamError
}

// Error lists the operation and every invalid parameter.
func (e *InvalidParamsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "messaging: %s: %d invalid parameter(s): ", e.Operation, len(e.Params))
	for i, p := range e.Params {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Is reports whether target is ErrInvalidParams.
func (e *InvalidParamsError) Is(target error) bool { return target == ErrInvalidParams }

// APIError is an error answered by the service: an HTTP status, the error
// code (e.g. ThrottledClientException, from the x-amzn-ErrorType header or
// the body's Code), its message and the request id.
type APIError struct {
	Operation  string
	StatusCode int
	Code       string
	Message    string
	RequestID  string
}

// Error returns the operation, HTTP status, code, message and request id.
func (e *APIError) Error() string {
	return fmt.Sprintf("messaging: %s: HTTP %d %s: %s (request id %s)", e.Operation, e.StatusCode, e.Code, e.Message, e.RequestID)
}

// ErrorCode returns the service error code (smithy.APIError shape).
func (e *APIError) ErrorCode() string { return e.Code }

// ErrorMessage returns the service error message (smithy.APIError shape).
func (e *APIError) ErrorMessage() string { return e.Message }

// Retryable reports whether the error is worth another attempt: throttling
// (429) and server faults (5xx). Other 4xx never are.
func (e *APIError) Retryable() bool {
	return e.StatusCode == 429 || e.StatusCode >= 500
}

// TimeoutError is a call that got no answer in time: its attempt was cut by
// the per-attempt timeout or by the context's deadline less the margin
// (Options.DeadlineMargin), or no attempt could start before that. It is
// returned only when no attempt met a real error; otherwise the call
// returns that error, saying how many attempts were made. errors.Is(err,
// context.DeadlineExceeded) is true.
type TimeoutError struct {
	Operation string
	// Elapsed is how long the cut attempt ran; zero when none started.
	Elapsed time.Duration
	// Deadline is true when the context's deadline (less the margin) cut
	// the attempt or left no time for one; false for the attempt timeout.
	Deadline bool
	// Margin is the margin kept before the context's deadline.
	Margin time.Duration
	// Left is the time that was left before the deadline less the margin
	// when no attempt could start.
	Left time.Duration
	// Err is the transport error of the cut attempt, if any.
	Err error
}

// Error says what was cut, and when.
func (e *TimeoutError) Error() string {
	switch {
	case e.Elapsed == 0 && e.Deadline && e.Left <= 0 && e.Margin > 0:
		return fmt.Sprintf("messaging: %s: no time for an attempt: the deadline is less than the %s margin away", e.Operation, e.Margin)
	case e.Elapsed == 0 && e.Deadline && e.Left <= 0:
		return fmt.Sprintf("messaging: %s: no time for an attempt: the deadline has passed", e.Operation)
	case e.Elapsed == 0 && e.Deadline:
		return fmt.Sprintf("messaging: %s: no time for an attempt: %s left %s", e.Operation, e.Left.Round(time.Millisecond), beforeCutoff(e.Margin))
	case e.Deadline:
		return fmt.Sprintf("messaging: %s: no answer within %s, %s", e.Operation, e.Elapsed.Round(time.Millisecond), beforeCutoff(e.Margin))
	}
	return fmt.Sprintf("messaging: %s: no answer within the attempt timeout (%s)", e.Operation, e.Elapsed.Round(time.Millisecond))
}

// Is reports whether target is context.DeadlineExceeded.
func (e *TimeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// Unwrap returns the transport error of the cut attempt, if any.
func (e *TimeoutError) Unwrap() error { return e.Err }

// ErrRedirect is matched (errors.Is) by every *RedirectError.
var ErrRedirect = errors.New("messaging: redirect refused")

// RedirectError is a call answered with a redirect. The client never
// follows one (the body and the session token would go to another host);
// the call failed and is not retried.
type RedirectError struct {
	Operation  string
	StatusCode int
	// Location is where the answer pointed.
	Location string
	// Followed is true when an HTTPClient other than *http.Client followed
	// the redirect before the client could refuse it.
	Followed bool
}

// Error names the operation, the status and the host pointed to.
func (e *RedirectError) Error() string {
	host := e.Location
	if u, err := url.Parse(e.Location); err == nil && u.Host != "" {
		host = u.Host
	}
	if e.Followed {
		return fmt.Sprintf("messaging: %s: the HTTP client followed a redirect to %s (HTTP %d); redirects are refused: use an *http.Client or one that does not follow them", e.Operation, host, e.StatusCode)
	}
	return fmt.Sprintf("messaging: %s: refused a redirect (HTTP %d to %s): not a delivery", e.Operation, e.StatusCode, host)
}

// Is reports whether target is ErrRedirect.
func (e *RedirectError) Is(target error) bool { return target == ErrRedirect }
