package main

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// TestHandlerWithoutCredentials: a function that cannot build its client still
// answers every request, with the reason.
func TestHandlerWithoutCredentials(t *testing.T) {
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Setenv(k, "")
	}
	id, _, err := handler().Func(context.Background(), cfn.Event{RequestType: cfn.RequestDelete, PhysicalResourceID: "some-id"})
	if err == nil || !strings.Contains(err.Error(), "the function cannot call Chime SDK Messaging: messaging: environment lacks AWS_REGION") {
		t.Fatalf("err = %v", err)
	}
	if id != "some-id" {
		t.Errorf("physical id %q, want the request's", id)
	}
}

// TestHandlerFromEnvironment: in Lambda the client takes its region and
// credentials from the environment, and honours the endpoint variable.
func TestHandlerFromEnvironment(t *testing.T) {
	fake := messagingtest.NewServer(messagingtest.Config{})
	defer fake.Close()
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "")
	for _, kv := range fake.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	h := handler()
	if h.Undo == nil {
		t.Error("the handler does not undo what a failed request created")
	}
	id, data, err := h.Func(context.Background(), cfn.Event{
		RequestType: cfn.RequestCreate, StackID: "stack", LogicalResourceID: "ChannelFlow", RequestID: "r1",
		ResourceProperties: map[string]any{
			"AppInstanceArn": "arn:aws:chime:us-east-1:111122223333:app-instance/abc",
			"Name":           "moderation",
			"ProcessorArn":   "arn:aws:lambda:us-east-1:111122223333:function:proc",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if flows := fake.Flows(); len(flows) != 1 || flows[0].Arn != id || data["ChannelFlowArn"] != id {
		t.Errorf("created %s (%v), fake holds %v", id, data, flows)
	}
	if n := fake.Nonconforming(); n > 0 {
		t.Errorf("%d nonconforming requests: %q", n, fake.Problems())
	}
}
