package awsmodeltest

import (
	"fmt"
	"time"
)

// Fault is what the Server does to a request instead of answering it
// normally. Delay holds any answer back; then the answer is, in this order
// of precedence, a reset connection (Reset), no answer at all (Hang), an
// error (Code or Status), or the normal answer (a slow answer: Delay
// alone).
type Fault struct {
	// Delay holds the answer back this long; the wait ends early, with no
	// answer, when the client goes away or the Server closes.
	Delay time.Duration
	// Reset closes the connection without an answer.
	Reset bool
	// Hang holds the request until the client goes away or the Server
	// closes.
	Hang bool
	// Code is the error code (an error shape, or a code every AWS service
	// answers such as ThrottlingException).
	Code string
	// Status is the HTTP status of the error; zero means the model's for
	// the code, else 400 (500 for a server fault), as the services answer.
	Status int
	// Message is the error message; empty means the status text.
	Message string
	// HTML answers the error with an HTML page (a load balancer's) instead
	// of the protocol's JSON body.
	HTML bool
}

// String describes the fault in a few words, for logs and test names.
func (f Fault) String() string {
	var s string
	switch {
	case f.Reset:
		s = "connection reset"
	case f.Hang:
		s = "no answer"
	case f.Code != "" && f.Status != 0:
		s = fmt.Sprintf("%d %s", f.Status, f.Code)
	case f.Code != "":
		s = f.Code
	case f.Status != 0:
		s = fmt.Sprintf("%d", f.Status)
	default:
		s = "normal answer"
	}
	if f.Delay > 0 {
		s += fmt.Sprintf(" after %s", f.Delay)
	}
	return s
}

// Throttle is the ThrottlingException every AWS service answers when a
// caller goes over its rate: status 400 from Comprehend (json protocol),
// 429 from Bedrock Runtime (its model says so).
func Throttle() Fault { return Fault{Code: "ThrottlingException", Message: "Rate exceeded"} }

// ServerError is a 500 InternalServerException.
func ServerError() Fault {
	return Fault{Status: 500, Code: "InternalServerException", Message: "An internal server error occurred. Retry your request."}
}

// Unavailable is a 503 ServiceUnavailableException.
func Unavailable() Fault {
	return Fault{Status: 503, Code: "ServiceUnavailableException", Message: "The service is unavailable. Try your request again later."}
}

// UnavailableHTML is a 503 with an HTML page, as a load balancer answers.
func UnavailableHTML() Fault { return Fault{Status: 503, HTML: true} }

// AccessDenied is the 403 AccessDeniedException a role without the action
// gets, as IAM answers it (its message names no resource here).
func AccessDenied() Fault {
	return Fault{Status: 403, Code: "AccessDeniedException", Message: "User is not authorized to perform this action"}
}

// Slow answers normally after d.
func Slow(d time.Duration) Fault { return Fault{Delay: d} }

// Hang never answers.
func Hang() Fault { return Fault{Hang: true} }

// Reset closes the connection without an answer.
func Reset() Fault { return Fault{Reset: true} }
