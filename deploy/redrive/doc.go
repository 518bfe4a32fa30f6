// Package redrive recovers the events a channel flow processor could not
// answer: it reads the processor's asynchronous on-failure destination (an
// SQS queue of Lambda invocation records), shows why each event failed,
// and, while Chime SDK Messaging still accepts an answer (48 hours), either
// answers it again through the same pipeline the processor runs (a
// processor.Handler built by package boot, with a real callback client) or
// invokes the processor function again, asynchronously, with the original
// event. What was answered is deleted from the queue; everything else is
// kept, and nothing that cannot be parsed is ever deleted.
//
// cmd/flowctl's redrive command is its command line; docs/redrive.md is the
// operator's guide.
package redrive
