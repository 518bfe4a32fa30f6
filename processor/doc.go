// Package processor is the core of a channel flow processor: the
// invocation event and its decoding, the Rule interface and the Pipeline
// that runs rules on a working copy of a message, and the Handler that
// takes one message along the one path every run shares:
//
//	Decode -> Event.Validate -> Pipeline.Run -> one ChannelFlowCallback -> one log line
//
// The Lambda entry point, the replay harness and the tests all build a
// Handler with NewHandler; only the callback differs (a messaging.Client,
// or a recorder).
//
// # What operators see
//
// Besides its log line, the handler records every message into the
// metrics (WithMetrics, package metrics: CloudWatch embedded metric
// format) and, after the callback, queues a decision-trail record per
// DENY, REWRITE and dry-run hit (WithTrail, package trail); Invoke flushes
// both before the invocation returns, and Close on shutdown. A debug line
// per message, sampled (WithDebugSample), carries what the sender wrote
// only with WithLogContent. Nothing a sender wrote reaches a line at info
// level or above, a metrics document, an error, or a trail record without
// content.
//
// # Decoding
//
// Decode uses encoding/json and is tolerant where the service may vary
// (unknown fields, absent optional fields, timestamp formats) and strict
// where an answer would be wrong; see Decode. What encoding/json cannot
// report on its own (a member set twice, where invalid text was) is found
// by a walk of the payload it accepted. Text that is not valid Unicode, and
// the line breaks the service refuses in metadata and a push title, are
// repaired where that keeps what the message says, and every repair is
// recorded (see Repair): invalid input is never changed silently.
//
// # One check of the callback
//
// Every callback is checked against the service model once, with
// messaging.CheckCallback: the parts that come from the event by
// Event.Validate, each part a rule changes by the pipeline right after the
// rule returns, and nothing again before sending (the handler marks the
// request with messaging.WithCheckedCallback, so the client does not check
// it a second time). A rule whose rewrite the model would refuse is handled
// by its error policy (ErrLimit).
//
// # Errors
//
// An event that cannot be answered is returned as an error matching
// ErrInvalidEvent (a *DecodeError or a *ValidationError), so that Lambda
// retries it and then sends it to the function's on-failure destination.
// Errors and log lines name fields, lengths and positions, never the text a
// sender wrote.
package processor
