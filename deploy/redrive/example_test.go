package redrive_test

import (
	"fmt"
	"os"

	"github.com/chimeflow/chimeflow/deploy/redrive"
	"github.com/chimeflow/chimeflow/processor"
)

// A record from the processor's dead-letter queue: why Lambda gave up, and
// the original event, ready to be answered again.
func ExampleParseRecord() {
	body, err := os.ReadFile("testdata/records/timed-out.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	rec, err := redrive.ParseRecord(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	_, msg := rec.Failure()
	fmt.Println(rec.RequestContext.Condition, "after", rec.RequestContext.ApproximateInvokeCount, "attempts:", rec.ResponseContext.FunctionError)
	fmt.Println(msg)
	ev, err := processor.Decode(rec.RequestPayload)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.CallbackID, ev.ChannelMessage.MessageID)
	// Output:
	// RetriesExhausted after 3 attempts: Unhandled
	// 2024-05-01T12:03:05.500Z e4b46cbf-b738-4c1a-8880-a18cdf61200e Task timed out after 10.00 seconds
	// 00000000-0000-4000-8000-000000000001 msg-0001
}
