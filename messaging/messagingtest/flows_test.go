package messagingtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

func processors(fallback messaging.FallbackAction) []messaging.Processor {
	return []messaging.Processor{{
		Name: "p", ExecutionOrder: 1, FallbackAction: fallback,
		Configuration: messaging.ProcessorConfiguration{Lambda: messaging.LambdaConfiguration{ResourceArn: lambdaArn, InvocationType: messaging.InvocationTypeAsync}},
	}}
}

func newFlowServer(t *testing.T) *messagingtest.Server {
	t.Helper()
	s := newServer(t, messagingtest.Config{})
	s.AddBearers(admin)
	s.AddChannels(channelA, channelB, channelC)
	return s
}

// TestFlowLifecycle drives every flow operation through the real client and
// checks the state the Server keeps.
func TestFlowLifecycle(t *testing.T) {
	s := newFlowServer(t)
	s.SetPageSize(2)
	c := s.Client(func(o *messaging.Options) { o.MaxAttempts = 1 })
	ctx := context.Background()

	in := &messaging.CreateChannelFlowInput{AppInstanceArn: appInstance, Name: "flow", Processors: processors(messaging.FallbackAbort), ClientRequestToken: "token-1"}
	created, err := c.CreateChannelFlow(ctx, in)
	require.NoError(t, err)
	again, err := c.CreateChannelFlow(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, created.ChannelFlowArn, again.ChannelFlowArn, "one flow per ClientRequestToken")
	require.Len(t, s.Flows(), 1)
	arn := created.ChannelFlowArn
	assert.Regexp(t, "^"+appInstance+"/channel-flow/", arn)

	_, err = c.UpdateChannelFlow(ctx, &messaging.UpdateChannelFlowInput{ChannelFlowArn: arn, Name: "renamed", Processors: processors(messaging.FallbackContinue)})
	require.NoError(t, err)
	desc, err := c.DescribeChannelFlow(ctx, &messaging.DescribeChannelFlowInput{ChannelFlowArn: arn})
	require.NoError(t, err)
	assert.Equal(t, "renamed", desc.ChannelFlow.Name)
	assert.Equal(t, processors(messaging.FallbackContinue), desc.ChannelFlow.Processors)
	require.NotNil(t, desc.ChannelFlow.CreatedTimestamp)

	for _, ch := range []string{channelA, channelB, channelC} {
		_, err := c.AssociateChannelFlow(ctx, &messaging.AssociateChannelFlowInput{ChannelArn: ch, ChannelFlowArn: arn, ChimeBearer: admin})
		require.NoError(t, err)
	}
	page1, err := c.ListChannelsAssociatedWithChannelFlow(ctx, &messaging.ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: arn, MaxResults: 50})
	require.NoError(t, err)
	require.Len(t, page1.Channels, 2)
	require.NotEmpty(t, page1.NextToken)
	page2, err := c.ListChannelsAssociatedWithChannelFlow(ctx, &messaging.ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: arn, NextToken: page1.NextToken})
	require.NoError(t, err)
	require.Len(t, page2.Channels, 1)
	assert.Equal(t, channelC, page2.Channels[0].ChannelArn)
	assert.Empty(t, page2.NextToken)

	_, err = c.DeleteChannelFlow(ctx, &messaging.DeleteChannelFlowInput{ChannelFlowArn: arn})
	assert.Equal(t, 409, apiError(t, err).StatusCode, "a flow with channels cannot be deleted")
	for _, ch := range []string{channelA, channelB, channelC} {
		_, err := c.DisassociateChannelFlow(ctx, &messaging.DisassociateChannelFlowInput{ChannelArn: ch, ChannelFlowArn: arn, ChimeBearer: admin})
		require.NoError(t, err)
	}
	_, err = c.DeleteChannelFlow(ctx, &messaging.DeleteChannelFlowInput{ChannelFlowArn: arn})
	require.NoError(t, err)
	_, err = c.DescribeChannelFlow(ctx, &messaging.DescribeChannelFlowInput{ChannelFlowArn: arn})
	assert.Equal(t, 404, apiError(t, err).StatusCode)

	assert.Equal(t, []string{"CreateChannelFlow", "CreateChannelFlow", "UpdateChannelFlow", "DescribeChannelFlow",
		"AssociateChannelFlow", "AssociateChannelFlow", "AssociateChannelFlow",
		"ListChannelsAssociatedWithChannelFlow", "ListChannelsAssociatedWithChannelFlow", "DeleteChannelFlow",
		"DisassociateChannelFlow", "DisassociateChannelFlow", "DisassociateChannelFlow", "DeleteChannelFlow", "DescribeChannelFlow"}, s.Operations())
	conforming(t, s)
}

func TestAssociationRules(t *testing.T) {
	s := newFlowServer(t)
	flow := s.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "f", Processors: processors(messaging.FallbackAbort)})
	other := s.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "g", Processors: processors(messaging.FallbackAbort), Channels: []string{channelB}})
	c := s.Client(func(o *messaging.Options) { o.MaxAttempts = 1 })
	tests := []struct {
		name    string
		channel string
		bearer  string
		want    int
		code    string
	}{
		{"not an admin", channelA, appInstance + "/user/member", 403, "ForbiddenException"},
		{"unknown channel", appInstance + "/channel/nope", admin, 404, "NotFoundException"},
		{"channel of another flow", channelB, admin, 409, "ConflictException"},
		{"ok", channelA, admin, 0, ""},
		{"again is fine", channelA, admin, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AssociateChannelFlow(context.Background(), &messaging.AssociateChannelFlowInput{ChannelArn: tt.channel, ChannelFlowArn: flow.Arn, ChimeBearer: tt.bearer})
			if tt.want == 0 {
				require.NoError(t, err)
				return
			}
			e := apiError(t, err)
			assert.Equal(t, tt.want, e.StatusCode)
			assert.Equal(t, tt.code, e.Code)
		})
	}
	got, _ := s.Flow(other.Arn)
	assert.Equal(t, []string{channelB}, got.Channels)
	got, _ = s.Flow(flow.Arn)
	assert.Equal(t, []string{channelA}, got.Channels)
	conforming(t, s)
}
