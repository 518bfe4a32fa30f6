package metrics_test

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/chimeflow/chimeflow/processor/metrics"
)

// Report one denied message and flush, as the Lambda handler does at the
// end of an invocation. The document is one line; it is shown here cut at
// its members for reading.
func Example() {
	var out strings.Builder
	em, err := metrics.New(&out, metrics.Options{
		Namespace:  "chimeflow",
		Dimensions: []metrics.Dimension{metrics.DimRule},
		Now:        func() time.Time { return time.UnixMilli(1767225600000) },
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	em.Record(metrics.Record{
		Outcome:          metrics.OutcomeDeny,
		Pipeline:         "default",
		Rules:            []string{"profanity"},
		PipelineDuration: 180 * time.Microsecond,
		CallbackDuration: 41 * time.Millisecond,
		MessageID:        "msg-1",
	})
	if err := em.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		fmt.Println(strings.ReplaceAll(line, `,"`, ",\n  \""))
	}
	// Output:
	// {"_aws":{"Timestamp":1767225600000,
	//   "CloudWatchMetrics":[{"Namespace":"chimeflow",
	//   "Dimensions":[[]],
	//   "Metrics":[{"Name":"Messages",
	//   "Unit":"Count"},{"Name":"Allowed",
	//   "Unit":"Count"},{"Name":"Rewritten",
	//   "Unit":"Count"},{"Name":"Denied",
	//   "Unit":"Count"},{"Name":"Errored",
	//   "Unit":"Count"},{"Name":"CallbackRetriesThrottle",
	//   "Unit":"Count"},{"Name":"CallbackRetriesServerError",
	//   "Unit":"Count"},{"Name":"CallbackRetriesNetwork",
	//   "Unit":"Count"},{"Name":"CallbackRefusals",
	//   "Unit":"Count"},{"Name":"DuplicatesAbsorbed",
	//   "Unit":"Count"},{"Name":"RuleErrors",
	//   "Unit":"Count"},{"Name":"DryRunHits",
	//   "Unit":"Count"},{"Name":"ColdStart",
	//   "Unit":"Count"},{"Name":"PipelineDuration",
	//   "Unit":"Milliseconds"},{"Name":"CallbackDuration",
	//   "Unit":"Milliseconds"}]}]},
	//   "Pipeline":"default",
	//   "Outcome":"DENY",
	//   "messageId":"msg-1",
	//   "Messages":1,
	//   "Allowed":0,
	//   "Rewritten":0,
	//   "Denied":1,
	//   "Errored":0,
	//   "CallbackRetriesThrottle":0,
	//   "CallbackRetriesServerError":0,
	//   "CallbackRetriesNetwork":0,
	//   "CallbackRefusals":0,
	//   "DuplicatesAbsorbed":0,
	//   "RuleErrors":0,
	//   "DryRunHits":0,
	//   "ColdStart":0,
	//   "PipelineDuration":0.18,
	//   "CallbackDuration":41}
	// {"_aws":{"Timestamp":1767225600000,
	//   "CloudWatchMetrics":[{"Namespace":"chimeflow",
	//   "Dimensions":[["Rule"]],
	//   "Metrics":[{"Name":"RuleActions",
	//   "Unit":"Count"},{"Name":"RuleDenials",
	//   "Unit":"Count"},{"Name":"RuleErrors",
	//   "Unit":"Count"},{"Name":"DryRunDenials",
	//   "Unit":"Count"},{"Name":"DryRunRewrites",
	//   "Unit":"Count"},{"Name":"DryRunErrors",
	//   "Unit":"Count"}]}]},
	//   "Pipeline":"default",
	//   "Rule":"profanity",
	//   "messageId":"msg-1",
	//   "RuleActions":1,
	//   "RuleDenials":1,
	//   "RuleErrors":0,
	//   "DryRunDenials":0,
	//   "DryRunRewrites":0,
	//   "DryRunErrors":0}
}
