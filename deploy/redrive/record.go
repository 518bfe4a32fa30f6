package redrive

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Conditions Lambda writes in an on-failure record's
// requestContext.condition.
const (
	// ConditionRetriesExhausted: every attempt of the invocation failed.
	ConditionRetriesExhausted = "RetriesExhausted"
	// ConditionEventAgeExceeded: the event stayed queued longer than the
	// function's MaximumEventAgeInSeconds (throttling, a function that
	// could not start), often without any attempt.
	ConditionEventAgeExceeded = "EventAgeExceeded"
)

// ErrUnparsable is matched (errors.Is) by the error of a queue message that
// is not an on-failure record of a channel flow event.
var ErrUnparsable = errors.New("not a Lambda on-failure record of a channel flow event")

// Record is the invocation record Lambda sends to a function's
// asynchronous on-failure destination (an SQS message body), as the Lambda
// developer guide documents it ("Capturing records of Lambda asynchronous
// invocations", example invocation record):
//
//	{"version": "1.0", "timestamp": "2019-11-14T18:16:05.568Z",
//	 "requestContext": {"requestId": "...", "functionArn": "...:function:NAME:$LATEST",
//	                    "condition": "RetriesExhausted", "approximateInvokeCount": 3},
//	 "requestPayload": {the original event},
//	 "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
//	 "responsePayload": {"errorMessage": "...", "errorType": "..."}}
type Record struct {
	Version string `json:"version"`
	// Timestamp is when Lambda wrote the record, after the last attempt.
	Timestamp       string          `json:"timestamp"`
	RequestContext  RequestContext  `json:"requestContext"`
	RequestPayload  json.RawMessage `json:"requestPayload"`
	ResponseContext ResponseContext `json:"responseContext"`
	// ResponsePayload is what the last attempt returned: for a failed
	// attempt an error object ({"errorMessage", "errorType", ...}); it may
	// be absent, null or a string.
	ResponsePayload json.RawMessage `json:"responsePayload"`
}

// RequestContext says which invocation failed and why.
type RequestContext struct {
	RequestID   string `json:"requestId"`
	FunctionArn string `json:"functionArn"`
	// Condition is RetriesExhausted or EventAgeExceeded.
	Condition              string `json:"condition"`
	ApproximateInvokeCount int    `json:"approximateInvokeCount"`
}

// ResponseContext is Lambda's answer to the last attempt.
type ResponseContext struct {
	StatusCode      int    `json:"statusCode"`
	ExecutedVersion string `json:"executedVersion"`
	// FunctionError is Handled (the function returned an error) or
	// Unhandled (the runtime failed it: a time-out, a crash).
	FunctionError string `json:"functionError"`
}

// ParseRecord parses an on-failure record. Its error matches ErrUnparsable
// when body is not JSON of the documented shape or its requestPayload is
// not a JSON object; the event itself is decoded by the caller.
func ParseRecord(body []byte) (*Record, error) {
	var r Record
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnparsable, err)
	}
	switch p := bytes.TrimSpace(r.RequestPayload); {
	case len(p) == 0 || string(p) == "null":
		return nil, fmt.Errorf("%w: no requestPayload", ErrUnparsable)
	case p[0] != '{':
		return nil, fmt.Errorf("%w: requestPayload is not a JSON object", ErrUnparsable)
	}
	if r.RequestContext.Condition == "" && r.RequestContext.RequestID == "" {
		return nil, fmt.Errorf("%w: no requestContext", ErrUnparsable)
	}
	return &r, nil
}

// Time returns the record's timestamp, and whether it could be parsed.
func (r *Record) Time() (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, r.Timestamp)
	return t.UTC(), err == nil
}

// Failure returns the error of the last attempt: errorType and
// errorMessage from an error object, or the payload itself when it is a
// string. Both are empty when the record holds none.
func (r *Record) Failure() (errorType, errorMessage string) {
	p := bytes.TrimSpace(r.ResponsePayload)
	if len(p) == 0 || string(p) == "null" {
		return "", ""
	}
	var obj struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if p[0] == '{' && json.Unmarshal(p, &obj) == nil {
		return obj.ErrorType, obj.ErrorMessage
	}
	var s string
	if p[0] == '"' && json.Unmarshal(p, &s) == nil {
		return "", s
	}
	return "", strings.ToValidUTF8(string(p), "\uFFFD")
}
