package messaging

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

// IsAlreadyResolved reports whether err is the service refusing a callback
// because the message is no longer pending: a 409 Conflict, or a 400/403
// whose message says the message is not pending or already processed. On a
// duplicate delivery of the same CallbackId this means "done", not "failed".
func IsAlreadyResolved(err error) bool {
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	switch apiErr.StatusCode {
	case 409:
		return true
	case 400, 403:
		msg := strings.ToLower(apiErr.Message)
		return strings.Contains(msg, "pending") || strings.Contains(msg, "already")
	}
	return false
}
