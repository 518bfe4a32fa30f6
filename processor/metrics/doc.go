// Package metrics writes the processor's metrics in CloudWatch embedded
// metric format (EMF): JSON log lines from which CloudWatch Logs extracts
// metrics, with no API call and no agent. In AWS Lambda they go to
// standard output, into the function's log group.
//
// The handler reports each message with Emitter.Record (a plain struct of
// numbers) and calls Emitter.Flush before the invocation returns:
//
//	em, err := metrics.New(os.Stdout, metrics.Options{})
//	...
//	em.Record(metrics.Record{Outcome: metrics.OutcomeDeny, Pipeline: "default", Rules: []string{"profanity"}, ...})
//	err = em.Flush()
//
// What is written (names in Catalog, exported as constants):
//
//   - per message, without dimensions and with the chosen subset of
//     Pipeline and Outcome: counts by outcome, pipeline and callback
//     durations, callback retries by cause, refusals, duplicates absorbed,
//     rule errors, dry-run hits and cold starts;
//   - per rule (dimension Rule, and Pipeline+Rule), when DimRule is chosen:
//     actions, denials, errors and dry-run hits;
//   - RuleErrors by ErrorKind and CallbackRefusals by Code, each a small
//     fixed set of values;
//   - TrailFailures, the decision-trail entries not delivered.
//
// Message ids, channel ARNs, callback ids and request ids are never
// dimensions (each would create a metric): they are written as plain
// members of the document when a Flush holds a single message, so that
// CloudWatch Logs Insights finds the message behind a data point.
//
// Every document keeps to the EMF specification: a millisecond Timestamp,
// at most 100 metrics per directive (more are split over several
// documents), at most 100 values per metric, dimension values of 1-1024
// printable ASCII characters, units from CloudWatch's list, values finite
// and within ±2^360.
package metrics
