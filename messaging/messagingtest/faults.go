package messagingtest

import (
	"fmt"
	"time"
)

// Fault is what the Server does to one request instead of, or besides,
// answering it normally. The zero Fault changes nothing. A fault applies
// only to a request that conforms to the model and its signature and that
// the role's policy allows.
//
// The fields combine: Delay holds any answer back; AfterWork does the
// operation's work (a callback resolves its message) before the fault's
// answer, as when the service acted but its answer was lost or late; then
// the answer is, in this order of precedence, a reset connection (Reset),
// a hang (Hang), a redirect (RedirectTo), an error (Status), a malformed
// 2xx (Malformed), or the normal answer.
type Fault struct {
	// Delay holds the answer back this long; the wait ends early when the
	// client goes away or the Server closes, and then nothing is answered
	// (and, without AfterWork, nothing is done).
	Delay time.Duration
	// AfterWork does the operation's work before answering the fault.
	AfterWork bool
	// Reset closes the connection without an answer.
	Reset bool
	// Hang holds the request until the client goes away or the Server
	// closes.
	Hang bool
	// RedirectTo answers 307 Temporary Redirect to this URL.
	RedirectTo string
	// Status answers an error with this HTTP status, Code in the
	// x-amzn-ErrorType header and a {"Code", "Message"} body, as the
	// rest-json protocol does.
	Status int
	// Code is the error code (an error shape such as
	// ThrottledClientException); empty means the model's error of Status.
	Code string
	// Message is the error message; empty means one fitting the code.
	Message string
	// HTML answers the error with an HTML page (a load balancer's) and no
	// x-amzn-ErrorType header, instead of the JSON body.
	HTML bool
	// Malformed answers the operation's success status with a body that is
	// not JSON, after doing the work.
	Malformed bool

	// refuse makes the error the refusal form refusal (zero: the Server's
	// default), naming the request's message.
	refuse  bool
	refusal Refusal
}

// String describes the fault in a few words, for logs and test names.
func (f Fault) String() string {
	var s string
	switch {
	case f.Reset:
		s = "connection reset"
	case f.Hang:
		s = "hang"
	case f.RedirectTo != "":
		s = "redirect"
	case f.Status != 0 && f.HTML:
		s = fmt.Sprintf("%d (HTML)", f.Status)
	case f.Status != 0 && f.Code != "":
		s = fmt.Sprintf("%d %s", f.Status, f.Code)
	case f.Status != 0:
		s = fmt.Sprintf("%d", f.Status)
	case f.Malformed:
		s = "2xx malformed body"
	default:
		s = "normal answer"
	}
	if f.Delay > 0 {
		s += fmt.Sprintf(" after %s", f.Delay)
	}
	if f.AfterWork {
		s += " (work done)"
	}
	return s
}

// Throttle is a 429 ThrottledClientException.
func Throttle() Fault {
	return Fault{Status: 429, Code: "ThrottledClientException", Message: "Rate exceeded"}
}

// ServerError is a 500 ServiceFailureException.
func ServerError() Fault {
	return Fault{Status: 500, Code: "ServiceFailureException", Message: "The service encountered an unexpected error."}
}

// Unavailable is a 503 ServiceUnavailableException with a JSON body.
func Unavailable() Fault {
	return Fault{Status: 503, Code: "ServiceUnavailableException", Message: "The service is currently unavailable."}
}

// UnavailableHTML is a 503 with an HTML body and no error type, as a load
// balancer in front of the service answers.
func UnavailableHTML() Fault { return Fault{Status: 503, HTML: true} }

// Reset closes the connection without an answer, before doing anything.
func Reset() Fault { return Fault{Reset: true} }

// Slow does the work, then answers normally after d: a client that gives up
// sooner loses an answer for work that was done.
func Slow(d time.Duration) Fault { return Fault{Delay: d, AfterWork: true} }

// Malformed does the work and answers the success status with a body that
// is not JSON.
func Malformed() Fault { return Fault{Malformed: true} }

// Redirect answers 307 Temporary Redirect to url.
func Redirect(url string) Fault { return Fault{RedirectTo: url} }

// Refuse answers the refusal the service gives a callback for a message
// that is no longer pending, in form r (zero: the Server's default form),
// whatever the message's state.
func Refuse(r Refusal) Fault {
	f := r.fault("")
	f.refuse, f.refusal = true, r
	return f
}

// AccessDenied is the 403 AccessDeniedException IAM answers when the role
// lacks the permission; its message names the action and the resource.
func AccessDenied() Fault { return Fault{Status: 403, Code: "AccessDeniedException"} }

// Refusal is a form in which the service refuses a second callback for a
// message that is no longer pending. All three are seen in production.
type Refusal int

// Refusal forms. The zero value stands for the Server's default.
const (
	// RefuseForbidden is 403 ForbiddenException "You do not have
	// sufficient access to perform this action." (the most frequent).
	RefuseForbidden Refusal = iota + 1
	// RefuseConflict is 409 ConflictException.
	RefuseConflict
	// RefuseNonPending is 400 BadRequestException "Unable to complete
	// processing of non-pending message ...".
	RefuseNonPending
)

// String names the form.
func (r Refusal) String() string {
	switch r {
	case RefuseForbidden:
		return "403 ForbiddenException"
	case RefuseConflict:
		return "409 ConflictException"
	case RefuseNonPending:
		return "400 BadRequestException (non-pending message)"
	}
	return "default refusal"
}

// fault returns the error answer of the refusal for message messageID.
func (r Refusal) fault(messageID string) Fault {
	switch r {
	case RefuseConflict:
		return Fault{Status: 409, Code: "ConflictException", Message: "The request could not be processed because of conflict in the current state of the resource."}
	case RefuseNonPending:
		return Fault{Status: 400, Code: "BadRequestException", Message: "Unable to complete processing of non-pending message " + messageID}
	}
	return Fault{Status: 403, Code: "ForbiddenException", Message: "You do not have sufficient access to perform this action."}
}

// Request is what a Schedule decides on: one request of an operation.
type Request struct {
	// Operation is the model operation, e.g. ChannelFlowCallback.
	Operation string
	// CallbackID is the callback's CallbackId (ChannelFlowCallback only).
	CallbackID string
	// ChannelArn and MessageID name the message, when the operation has one.
	ChannelArn string
	MessageID  string
	// Attempt counts the requests of this operation for this CallbackId
	// (ChannelFlowCallback), this message (GetChannelMessageStatus) or at
	// all (the flow operations), from 1.
	Attempt int
}

// Schedule decides the fault of a request: ok false leaves it alone. It is
// called for requests the queues of Inject and InjectCallback leave alone,
// from the Server's goroutines (it must be safe for concurrent use).
type Schedule func(r Request) (f Fault, ok bool)
