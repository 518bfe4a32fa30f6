package messagingtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
)

// recordingClient keeps the bodies of the answers the Server sends.
type recordingClient struct {
	bodies map[string][]byte // by operation of the last answer
	op     string
}

func (r *recordingClient) Do(req *http.Request) (*http.Response, error) {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	r.bodies[r.op] = b
	res.Body = io.NopCloser(bytes.NewReader(b))
	return res, nil
}

// TestAnswersConform checks that what the Server answers to every operation
// matches the model's output shape.
func TestAnswersConform(t *testing.T) {
	s := NewServer(Config{})
	defer s.Close()
	const app = "arn:aws:chime:us-east-1:111122223333:app-instance/a"
	admin, channel, sender := app+"/user/admin", app+"/channel/c", app+"/user/alice"
	s.AddBearers(admin)
	s.AddChannels(channel)
	rc := &recordingClient{bodies: map[string][]byte{}}
	c := s.Client(func(o *messaging.Options) { o.HTTPClient = rc })
	ctx := context.Background()
	do := func(op string, call func() error) {
		t.Helper()
		rc.op = op
		require.NoError(t, call(), op)
	}
	procs := []messaging.Processor{{Name: "p", ExecutionOrder: 1, FallbackAction: messaging.FallbackAbort,
		Configuration: messaging.ProcessorConfiguration{Lambda: messaging.LambdaConfiguration{ResourceArn: "arn:aws:lambda:us-east-1:111122223333:function:f", InvocationType: "ASYNC"}}}}
	var flow string
	require.NoError(t, s.AddMessage(Message{ChannelArn: channel, MessageID: "m-1", CallbackID: "00000000000000000000000000000001", SenderArn: sender}))
	do("ChannelFlowCallback", func() error {
		_, err := c.ChannelFlowCallback(ctx, &messaging.ChannelFlowCallbackInput{CallbackID: "00000000000000000000000000000001", ChannelArn: channel, ChannelMessage: &messaging.ChannelMessageCallback{MessageID: "m-1", Content: "x"}})
		return err
	})
	do("GetChannelMessageStatus", func() error {
		_, err := c.GetChannelMessageStatus(ctx, &messaging.GetChannelMessageStatusInput{ChannelArn: channel, MessageID: "m-1", ChimeBearer: sender})
		return err
	})
	do("CreateChannelFlow", func() error {
		out, err := c.CreateChannelFlow(ctx, &messaging.CreateChannelFlowInput{AppInstanceArn: app, Name: "f", Processors: procs, ClientRequestToken: "tok"})
		if out != nil {
			flow = out.ChannelFlowArn
		}
		return err
	})
	do("UpdateChannelFlow", func() error {
		_, err := c.UpdateChannelFlow(ctx, &messaging.UpdateChannelFlowInput{ChannelFlowArn: flow, Name: "g", Processors: procs})
		return err
	})
	do("DescribeChannelFlow", func() error {
		_, err := c.DescribeChannelFlow(ctx, &messaging.DescribeChannelFlowInput{ChannelFlowArn: flow})
		return err
	})
	do("AssociateChannelFlow", func() error {
		_, err := c.AssociateChannelFlow(ctx, &messaging.AssociateChannelFlowInput{ChannelArn: channel, ChannelFlowArn: flow, ChimeBearer: admin})
		return err
	})
	do("ListChannelsAssociatedWithChannelFlow", func() error {
		_, err := c.ListChannelsAssociatedWithChannelFlow(ctx, &messaging.ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: flow})
		return err
	})
	do("DisassociateChannelFlow", func() error {
		_, err := c.DisassociateChannelFlow(ctx, &messaging.DisassociateChannelFlowInput{ChannelArn: channel, ChannelFlowArn: flow, ChimeBearer: admin})
		return err
	})
	do("DeleteChannelFlow", func() error {
		_, err := c.DeleteChannelFlow(ctx, &messaging.DeleteChannelFlowInput{ChannelFlowArn: flow})
		return err
	})
	require.Len(t, rc.bodies, len(served))
	for _, name := range served {
		op := s.model.Operations[name]
		body := rc.bodies[name]
		if op.Output == nil {
			assert.Empty(t, bytes.TrimSpace(body), name)
			continue
		}
		var v map[string]any
		require.NoError(t, json.Unmarshal(body, &v), name)
		assert.Empty(t, s.model.CheckOutput(op, v), name)
		assert.NotEmpty(t, v, name)
	}
	assert.Zero(t, s.Nonconforming(), s.Problems())
}
