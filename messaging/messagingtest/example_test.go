package messagingtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// A duplicate delivery: the second callback of an answered message is
// refused with the generic 403, and asking the service for the message's
// status shows it is done.
func ExampleServer() {
	srv := messagingtest.NewServer(messagingtest.Config{Refusal: messagingtest.RefuseForbidden})
	defer srv.Close()
	const (
		channel = "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/channel/ch-1"
		sender  = "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/user/alice"
	)
	_ = srv.AddMessage(messagingtest.Message{ChannelArn: channel, MessageID: "msg-1", CallbackID: "0123456789abcdef0123456789abcdef", SenderArn: sender})

	client := srv.Client()
	in := &messaging.ChannelFlowCallbackInput{
		CallbackID:     "0123456789abcdef0123456789abcdef",
		ChannelArn:     channel,
		ChannelMessage: &messaging.ChannelMessageCallback{MessageID: "msg-1", Content: "hello"},
	}
	ctx := context.Background()
	if _, err := client.ChannelFlowCallback(ctx, in); err != nil {
		fmt.Println(err)
		return
	}
	_, err := client.ChannelFlowCallback(ctx, in) // the duplicate delivery
	fmt.Println(err)
	fmt.Println("might be resolved:", messaging.MaybeResolved(err))
	status, err := messaging.ConfirmResolved(ctx, client, in, sender, err)
	fmt.Println("status:", status, "duplicate:", err == nil)
	fmt.Println("nonconforming requests:", srv.Nonconforming())
	// Output:
	// messaging: ChannelFlowCallback: HTTP 403 ForbiddenException: You do not have sufficient access to perform this action. (request id messagingtest-2)
	// might be resolved: true
	// status: SENT duplicate: true
	// nonconforming requests: 0
}

// Faults and the role's policy: the callback is throttled once, then
// accepted; the status call is refused because the role does not grant it.
func ExampleServer_faults() {
	const channel = "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/channel/ch-1"
	srv := messagingtest.NewServer(messagingtest.Config{Policy: &messagingtest.Policy{Statements: []messagingtest.Statement{
		messagingtest.Allow([]string{"chime:ChannelFlowCallback"}, "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/channel/*"),
	}}})
	defer srv.Close()
	srv.Inject(messaging.OpChannelFlowCallback, messagingtest.Throttle())

	client := srv.Client()
	ctx := context.Background()
	_, err := client.ChannelFlowCallback(ctx, &messaging.ChannelFlowCallbackInput{
		CallbackID:     "0123456789abcdef0123456789abcdef",
		ChannelArn:     channel,
		ChannelMessage: &messaging.ChannelMessageCallback{MessageID: "msg-1", Content: "hello"},
	})
	fmt.Println("callback:", err)
	for _, c := range srv.Calls() {
		fmt.Println(c.Operation, c.Status)
	}
	_, err = client.GetChannelMessageStatus(ctx, &messaging.GetChannelMessageStatusInput{
		ChannelArn: channel, MessageID: "msg-1", ChimeBearer: "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/user/alice",
	})
	var apiErr *messaging.APIError
	if errors.As(err, &apiErr) {
		fmt.Println("status:", apiErr.StatusCode, apiErr.Code)
	}
	// Output:
	// callback: <nil>
	// ChannelFlowCallback 429
	// ChannelFlowCallback 200
	// status: 403 AccessDeniedException
}

// The Recorder stands in for the client where only the callback matters.
func ExampleRecorder() {
	var rec messagingtest.Recorder
	var api messaging.CallbackAPI = &rec // what a processor.Handler takes
	_, _ = api.ChannelFlowCallback(context.Background(), &messaging.ChannelFlowCallbackInput{
		CallbackID:     "0123456789abcdef0123456789abcdef",
		ChannelArn:     "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/channel/ch-1",
		DeleteResource: true,
		ChannelMessage: &messaging.ChannelMessageCallback{MessageID: "msg-1"},
	})
	fmt.Println(rec.Len(), "callback; deny:", rec.Last().DeleteResource)
	// Output: 1 callback; deny: true
}
