// Command liar is a processor that breaks the rules the soak checks, so
// that the soak's tests can see it fail. LIAR is what it does:
//
//	silent  answers every invocation with success and sends no callback
//	deny    sends a DENY callback for every event that has the ids
//	crash   behaves like silent, but exits on its third invocation
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/chimeflow/chimeflow/messaging"
)

type event struct {
	CallbackID     string `json:"CallbackId"`
	ChannelMessage struct {
		MessageID  string `json:"MessageId"`
		ChannelArn string `json:"ChannelArn"`
	} `json:"ChannelMessage"`
}

func main() {
	mode := os.Getenv("LIAR")
	opts, err := messaging.EnvOptions()
	if err != nil {
		panic(err)
	}
	client := messaging.New(opts)
	n := 0
	lambda.Start(func(ctx context.Context, payload json.RawMessage) error {
		n++
		switch mode {
		case "crash":
			if n == 3 {
				os.Exit(3)
			}
		case "deny":
			var ev event
			if json.Unmarshal(payload, &ev) == nil && ev.CallbackID != "" && ev.ChannelMessage.MessageID != "" {
				_, _ = client.ChannelFlowCallback(ctx, &messaging.ChannelFlowCallbackInput{
					CallbackID: ev.CallbackID, ChannelArn: ev.ChannelMessage.ChannelArn, DeleteResource: true,
					ChannelMessage: &messaging.ChannelMessageCallback{MessageID: ev.ChannelMessage.MessageID},
				})
			}
		}
		return nil
	})
}
