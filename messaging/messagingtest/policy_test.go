package messagingtest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// processorPolicy is the processor role's chime statement as template.yaml
// grants it today, resolved for appInstance.
const processorPolicy = `{
  "Version": "2012-10-17",
  "Statement": [{
    "Sid": "ChannelFlowCallback",
    "Effect": "Allow",
    "Action": "chime:ChannelFlowCallback",
    "Resource": ["` + appInstance + `", "` + appInstance + `/channel/*"]
  }]
}`

// TestRoleScope: the Server refuses what the role as deployed would not be
// allowed, as IAM does.
func TestRoleScope(t *testing.T) {
	deployed, err := messagingtest.ParsePolicy([]byte(processorPolicy))
	require.NoError(t, err)
	withStatus := &messagingtest.Policy{Statements: append(deployed.Statements,
		messagingtest.Allow([]string{"chime:GetChannelMessageStatus"}, appInstance+"/channel/*", appInstance+"/user/*", appInstance+"/bot/*"))}
	withDeny := &messagingtest.Policy{Statements: append(withStatus.Statements,
		messagingtest.Deny([]string{"chime:*"}, appInstance+"/channel/b"))}
	otherInstance := "arn:aws:chime:us-east-1:111122223333:app-instance/other/channel/a"

	tests := []struct {
		name    string
		policy  *messagingtest.Policy
		call    func(ctx context.Context, c *messaging.Client) error
		wantErr string // in the AccessDeniedException message; empty: allowed
	}{
		{"callback allowed", deployed, callbackTo(channelA), ""},
		{"callback on another app instance", deployed, callbackTo(otherInstance),
			"is not authorized to perform: chime:ChannelFlowCallback on resource: " + otherInstance + " because no identity-based policy allows"},
		{"status not granted today", deployed, statusAs(sender),
			"chime:GetChannelMessageStatus on resource: " + channelA},
		{"status granted", withStatus, statusAs(sender), ""},
		{"status for a bearer of another app instance", withStatus, statusAs("arn:aws:chime:us-east-1:111122223333:app-instance/other/user/alice"),
			"on resource: arn:aws:chime:us-east-1:111122223333:app-instance/other/user/alice"},
		{"explicit deny wins", withDeny, callbackTo(channelB), "with an explicit deny"},
		{"flow operations not granted", deployed, func(ctx context.Context, c *messaging.Client) error {
			_, err := c.DescribeChannelFlow(ctx, &messaging.DescribeChannelFlowInput{ChannelFlowArn: appInstance + "/channel-flow/f"})
			return err
		}, "chime:DescribeChannelFlow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, messagingtest.Config{Policy: tt.policy})
			require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1", CallbackID: callbackID, SenderArn: sender}))
			err := tt.call(context.Background(), s.Client())
			calls := s.Calls()
			require.Len(t, calls, 1, "an access denial is not retried")
			if tt.wantErr == "" {
				assert.NoError(t, err)
				assert.False(t, calls[0].Denied)
			} else {
				e := apiError(t, err)
				assert.Equal(t, 403, e.StatusCode)
				assert.Equal(t, "AccessDeniedException", e.Code)
				assert.Contains(t, e.Message, tt.wantErr)
				assert.Contains(t, e.Message, "User: "+messagingtest.Principal)
				assert.False(t, messaging.MaybeResolved(err), "an IAM denial never looks resolved")
				assert.True(t, calls[0].Denied)
				st, _ := s.MessageState(channelA, "m-1")
				assert.Equal(t, messaging.StatusPending, st.Status, "a denied callback changes nothing")
			}
			conforming(t, s)
		})
	}

	t.Run("SetPolicy", func(t *testing.T) {
		s := newServer(t, messagingtest.Config{})
		send := func(msgID string) error {
			_, err := s.Client().ChannelFlowCallback(context.Background(), callback(callbackID, otherInstance, msgID, false))
			return err
		}
		s.SetPolicy(deployed)
		assert.Equal(t, "AccessDeniedException", apiError(t, send("m-1")).Code)
		s.SetPolicy(nil)
		assert.NoError(t, send("m-1"), "the denied callback left the message pending")
	})
}

func callbackTo(channel string) func(ctx context.Context, c *messaging.Client) error {
	return func(ctx context.Context, c *messaging.Client) error {
		id := callbackID
		if channel != channelA {
			id = callbackID2
		}
		_, err := c.ChannelFlowCallback(ctx, callback(id, channel, "m-1", false))
		return err
	}
}

func statusAs(bearer string) func(ctx context.Context, c *messaging.Client) error {
	return func(ctx context.Context, c *messaging.Client) error {
		_, err := statusOf(ctx, c, channelA, "m-1", bearer)
		return err
	}
}

func TestPolicyDecide(t *testing.T) {
	p := &messagingtest.Policy{Statements: []messagingtest.Statement{
		messagingtest.Allow([]string{"chime:Channel*"}, "arn:aws:chime:*:111122223333:app-instance/a/*"),
		messagingtest.Allow([]string{"chime:Get?hannelMessageStatus"}, "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c"),
		messagingtest.Deny([]string{"CHIME:channelflowcallback"}, "*/channel/secret"),
	}}
	tests := []struct {
		action, resource string
		want             messagingtest.Decision
	}{
		{"chime:ChannelFlowCallback", "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c", messagingtest.Allowed},
		{"chime:channelflowcallback", "arn:aws:chime:eu-west-1:111122223333:app-instance/a/channel/c", messagingtest.Allowed},
		{"chime:ChannelFlowCallback", "arn:aws:chime:us-east-1:111122223333:app-instance/a", messagingtest.ImplicitDeny},
		{"chime:ChannelFlowCallback", "arn:aws:chime:us-east-1:111122223333:app-instance/b/channel/c", messagingtest.ImplicitDeny},
		{"chime:ChannelFlowCallback", "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/secret", messagingtest.ExplicitDeny},
		{"chime:GetChannelMessageStatus", "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c", messagingtest.Allowed},
		{"chime:GetChannelMessageStatus", "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/cc", messagingtest.ImplicitDeny},
		{"chime:SendChannelMessage", "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c", messagingtest.ImplicitDeny},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, p.Decide(tt.action, tt.resource), "%s on %s", tt.action, tt.resource)
	}
}

func TestParsePolicy(t *testing.T) {
	one, err := messagingtest.ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["chime:A","chime:B"],"Resource":"*"}}`))
	require.NoError(t, err)
	assert.Equal(t, []messagingtest.Statement{{Effect: "Allow", Actions: []string{"chime:A", "chime:B"}, Resources: []string{"*"}}}, one.Statements)

	for name, doc := range map[string]string{
		"not JSON":         `{`,
		"bad effect":       `{"Statement":[{"Effect":"Maybe","Action":"a","Resource":"*"}]}`,
		"no resource":      `{"Statement":[{"Effect":"Allow","Action":"a"}]}`,
		"NotAction":        `{"Statement":[{"Effect":"Allow","NotAction":"a","Resource":"*"}]}`,
		"Condition":        `{"Statement":[{"Effect":"Allow","Action":"a","Resource":"*","Condition":{}}]}`,
		"action not text":  `{"Statement":[{"Effect":"Allow","Action":1,"Resource":"*"}]}`,
		"statement string": `{"Statement":"x"}`,
	} {
		_, err := messagingtest.ParsePolicy([]byte(doc))
		assert.Error(t, err, name)
	}
}
