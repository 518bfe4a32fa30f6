package messaging

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// StatusAPI is the one call that tells whether a message is still pending.
// *Client implements it; a test fakes it with a StatusFunc.
type StatusAPI interface {
	GetChannelMessageStatus(ctx context.Context, in *GetChannelMessageStatusInput, optFns ...func(*Options)) (*GetChannelMessageStatusOutput, error)
}

// StatusFunc adapts a function to StatusAPI.
type StatusFunc func(ctx context.Context, in *GetChannelMessageStatusInput, optFns ...func(*Options)) (*GetChannelMessageStatusOutput, error)

// GetChannelMessageStatus calls f.
func (f StatusFunc) GetChannelMessageStatus(ctx context.Context, in *GetChannelMessageStatusInput, optFns ...func(*Options)) (*GetChannelMessageStatusOutput, error) {
	return f(ctx, in, optFns...)
}

// Validate checks the request against the service model and returns an
// *InvalidParamsError listing every violation, or nil.
func (in *GetChannelMessageStatusInput) Validate() error {
	var v validator
	v.arn("ChannelArn", in.ChannelArn)
	v.id("MessageId", in.MessageID, true)
	v.arn("ChimeBearer", in.ChimeBearer)
	v.id("SubChannelId", in.SubChannelID, false)
	return v.err(OpGetChannelMessageStatus)
}

// Errors matched (errors.Is) by the *UnresolvedError of ConfirmResolved.
var (
	// ErrStillPending: the service says the message is still PENDING, so
	// the refused callback is a real failure.
	ErrStillPending = errors.New("messaging: the message is still pending")
	// ErrStatusUnavailable: the message's status could not be had, so the
	// refusal is taken as a real failure.
	ErrStatusUnavailable = errors.New("messaging: the message's status could not be had")
)

// genericForbidden is the text of the 403 the service gives, among other
// things, for a second callback of an answered message.
const genericForbidden = "you do not have sufficient access to perform this action"

// MaybeResolved reports whether err is a refusal of a callback that might
// mean the message is already resolved (a duplicate delivery answered
// before): a 409, a 400 that speaks of a pending message ("Unable to
// complete processing of non-pending message ..."), or a 403
// ForbiddenException without a specific reason (the generic "You do not
// have sufficient access to perform this action.", or no message).
//
// It is a question, not an answer: the same refusals can be real failures,
// so ask the service with ConfirmResolved. Anything else (an IAM
// AccessDeniedException, a signature error, a 400 about a field, throttling,
// a 5xx, a transport error) is false.
func MaybeResolved(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	msg := strings.ToLower(strings.TrimSpace(e.Message))
	switch e.StatusCode {
	case 409:
		return true
	case 400:
		return strings.Contains(msg, "pending")
	case 403:
		switch e.Code {
		case "ForbiddenException", "Forbidden", "UnknownError":
		default:
			return false
		}
		msg = strings.TrimSuffix(msg, ".")
		return msg == genericForbidden || msg == "" || msg == "forbidden" || strings.Contains(msg, "pending")
	}
	return false
}

// UnresolvedError is a refused callback that ConfirmResolved could not
// confirm as a duplicate: a real failure, which Lambda should retry.
// errors.As finds the refusal's *APIError first; errors.Is matches
// ErrStillPending or ErrStatusUnavailable.
type UnresolvedError struct {
	// Refusal is the callback's error.
	Refusal error
	// Status is StatusPending when the service said so; empty when the
	// status could not be had.
	Status ChannelMessageStatus
	// Cause is ErrStillPending, or why the status could not be had
	// (wrapping ErrStatusUnavailable and the status call's error).
	Cause error
}

// Error gives the refusal, then what the status check found.
func (e *UnresolvedError) Error() string {
	if e.Status == StatusPending {
		return fmt.Sprintf("%v; the message is still PENDING", e.Refusal)
	}
	return fmt.Sprintf("%v; %v", e.Refusal, e.Cause)
}

// Unwrap returns the refusal and the cause.
func (e *UnresolvedError) Unwrap() []error { return []error{e.Refusal, e.Cause} }

// ConfirmResolved asks the service, through api, whether the message of a
// refused callback is still pending, and so whether the refusal is a
// duplicate delivery (done) or a real failure.
//
// in is the callback that was refused, refusal its error, and bearer the
// ARN of the message's sender (the event's ChannelMessage.Sender.Arn): the
// service lets only the sender ask for a message's status. The call obeys
// ctx and its deadline like any other.
//
//   - The status is SENT, FAILED or DENIED: the message is no longer
//     pending, the callback was a duplicate. ConfirmResolved returns that
//     status and nil.
//   - The status is PENDING: it returns StatusPending and an
//     *UnresolvedError matching ErrStillPending.
//   - The status cannot be had (the call failed, was denied, answered no
//     or an unknown status, or the bearer is missing): it returns "" and an
//     *UnresolvedError matching ErrStatusUnavailable.
//
// When MaybeResolved(refusal) is false, ConfirmResolved asks nothing and
// returns "" and refusal as it is.
//
// The service does not keep the status of a message its processor denied
// (the documentation of GetChannelMessageStatus says so). So when in is a
// DENY (DeleteResource) and the status call is refused in a way that says
// the message is not there for its sender (404, or a 400 or 403 that is not
// an IAM denial, a signature or a token problem), the message was denied by
// an earlier delivery: ConfirmResolved returns StatusDenied and nil. An IAM
// denial of the status call itself, throttling, a 5xx or a transport error
// stay ErrStatusUnavailable.
func ConfirmResolved(ctx context.Context, api StatusAPI, in *ChannelFlowCallbackInput, bearer string, refusal error) (ChannelMessageStatus, error) {
	if !MaybeResolved(refusal) {
		return "", refusal
	}
	unavailable := func(err error) (ChannelMessageStatus, error) {
		return "", &UnresolvedError{Refusal: refusal, Cause: fmt.Errorf("%w: %w", ErrStatusUnavailable, err)}
	}
	switch {
	case api == nil:
		return unavailable(errors.New("no StatusAPI to ask"))
	case in == nil || in.ChannelMessage == nil:
		return unavailable(errors.New("the refused callback names no message"))
	case bearer == "":
		return unavailable(errors.New("no bearer: the message's sender ARN is needed to ask"))
	}
	out, err := api.GetChannelMessageStatus(ctx, &GetChannelMessageStatusInput{
		ChannelArn:   in.ChannelArn,
		MessageID:    in.ChannelMessage.MessageID,
		ChimeBearer:  bearer,
		SubChannelID: in.ChannelMessage.SubChannelID,
	})
	if err != nil {
		if in.DeleteResource && messageGone(err) {
			// The service keeps no status for a message its processor
			// denied: a refused DENY whose message the sender can no longer
			// see was denied by an earlier delivery.
			return StatusDenied, nil
		}
		return unavailable(err)
	}
	if out == nil || out.Status == nil || out.Status.Value == "" {
		return unavailable(errors.New("the answer carried no status"))
	}
	switch v := out.Status.Value; v {
	case StatusPending:
		return v, &UnresolvedError{Refusal: refusal, Status: v, Cause: ErrStillPending}
	case StatusSent, StatusFailed, StatusDenied:
		return v, nil
	default:
		return unavailable(fmt.Errorf("unknown status %q", v))
	}
}

// messageGone reports whether a refused GetChannelMessageStatus says the
// message is not there for its sender, rather than that the caller may not
// ask (IAM, signature, token) or that the service could not answer.
func messageGone(err error) bool {
	var e *APIError
	if !errors.As(err, &e) {
		return false
	}
	switch e.StatusCode {
	case 404:
		return true
	case 400, 403:
		switch e.Code {
		case "AccessDeniedException", "InvalidSignatureException", "SignatureDoesNotMatch",
			"UnrecognizedClientException", "ExpiredTokenException", "InvalidClientTokenId",
			"IncompleteSignatureException", "MissingAuthenticationTokenException", "UnauthorizedClientException":
			return false
		}
		return true
	}
	return false
}
