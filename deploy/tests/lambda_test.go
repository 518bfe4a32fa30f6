package tests

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// TestFlowResourceInLambda builds cmd/flowresource as SAM does, starts it
// against a local Lambda Runtime API with the environment Lambda gives it,
// and sends it CloudFormation requests: a create, a create that hangs until
// the invocation's deadline, and a delete.
func TestFlowResourceInLambda(t *testing.T) {
	bin, err := lambdatest.Build(t.TempDir(), "github.com/chimeflow/chimeflow/cmd/flowresource", "bootstrap")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	rt := lambdatest.NewRuntime()
	defer rt.Close()
	cmd := exec.Command(bin)
	cmd.Env = lambdatest.Env(rt.Addr(), e.fake.URL,
		"AWS_LAMBDA_FUNCTION_NAME=chat-ChannelFlowFunction-X",
		"AWS_LAMBDA_LOG_STREAM_NAME="+logStream,
	)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	invoke := func(ev cfn.Event, budget time.Duration) answer {
		t.Helper()
		payload, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		before := len(e.sink.all())
		ctx, cancel := context.WithTimeout(context.Background(), budget+10*time.Second)
		defer cancel()
		start := time.Now()
		res, err := rt.Invoke(ctx, payload, budget)
		if err != nil {
			t.Fatal(err)
		}
		if res.Error {
			t.Fatalf("the function failed: %s", res.Body)
		}
		got := e.sink.all()[before:]
		if len(got) != 1 {
			t.Fatalf("CloudFormation received %d answers, want 1", len(got))
		}
		if late := got[0].at.Sub(start.Add(budget)); late >= 0 {
			t.Errorf("answered %s after the invocation's deadline", late)
		}
		return checkDelivery(t, got[0], ev)
	}

	created := invoke(e.event(cfn.RequestCreate, "", props(nil), nil), 30*time.Second)
	wantStatus(t, created, "SUCCESS")
	if flows := e.fake.Flows(); len(flows) != 1 || flows[0].Arn != created.PhysicalResourceID {
		t.Fatalf("created %s, fake holds %v", created.PhysicalResourceID, flows)
	}

	e.inject(messaging.OpCreateChannelFlow, messagingtest.Fault{Hang: true})
	hung := invoke(e.event(cfn.RequestCreate, "", props(map[string]any{"Name": "second"}), nil), 4*time.Second)
	wantStatus(t, hung, "FAILED", "the custom resource did not finish within", "while creating channel flow \"second\"", "log stream "+logStream)

	deleted := invoke(e.event(cfn.RequestDelete, created.PhysicalResourceID, props(nil), nil), 30*time.Second)
	wantStatus(t, deleted, "SUCCESS")
	if len(e.fake.Flows()) != 0 {
		t.Errorf("flows left: %v", e.fake.Flows())
	}
}
