package messagingtest_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

func TestRecorder(t *testing.T) {
	var r messagingtest.Recorder
	assert.Nil(t, r.Last())
	assert.Zero(t, r.Len())

	in := callback(callbackID, channelA, "m-1", false)
	in.ChannelMessage.MessageAttributes = map[string]messaging.MessageAttributeValue{"k": {StringValues: []string{"v"}}}
	in.ChannelMessage.PushNotification = &messaging.PushNotificationConfiguration{Title: "t", Body: "b", Type: "DEFAULT"}
	out, err := r.ChannelFlowCallback(context.Background(), in)
	require.NoError(t, err)
	assert.Equal(t, callbackID, out.CallbackID)
	assert.Equal(t, channelA, out.ChannelArn)

	// The recorder keeps a copy: later changes to the input, or to what
	// Calls returned, do not reach it.
	in.ChannelMessage.Content = "changed"
	in.ChannelMessage.MessageAttributes["k"].StringValues[0] = "changed"
	in.ChannelMessage.PushNotification.Title = "changed"
	calls := r.Calls()
	require.Len(t, calls, 1)
	calls[0].ChannelMessage.Content = "changed too"
	last := r.Last()
	assert.Equal(t, "hello", last.ChannelMessage.Content)
	assert.Equal(t, "v", last.ChannelMessage.MessageAttributes["k"].StringValues[0])
	assert.Equal(t, "t", last.ChannelMessage.PushNotification.Title)

	// Like the client, it refuses what breaks the model, and records nothing.
	bad := callback("short", channelA, "m 1", false)
	_, err = r.ChannelFlowCallback(context.Background(), bad)
	assert.ErrorIs(t, err, messaging.ErrInvalidParams)
	_, err = r.ChannelFlowCallback(context.Background(), nil)
	assert.ErrorIs(t, err, messaging.ErrInvalidParams)
	assert.Equal(t, 1, r.Len())

	r.Reset()
	assert.Zero(t, r.Len())
	assert.Nil(t, r.Last())
}

func TestRecorderConcurrent(t *testing.T) {
	var r messagingtest.Recorder
	var api messaging.CallbackAPI = &r
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := strconv.Itoa(1000000 + i)
			_, err := api.ChannelFlowCallback(context.Background(), callback(id+id+id+id+id, channelA, "m-"+id, false))
			assert.NoError(t, err)
			_ = r.Last()
			_ = r.Calls()
		}()
	}
	wg.Wait()
	assert.Equal(t, 50, r.Len())
	seen := map[string]bool{}
	for _, c := range r.Calls() {
		seen[c.ChannelMessage.MessageID] = true
	}
	assert.Len(t, seen, 50)
}
