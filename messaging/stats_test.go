package messaging_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// TestCallStats: each retry is counted by its cause, against the
// model-checking stand-in's faults; a call without retries counts its one
// attempt, a refusal that is not retried counts no retry.
func TestCallStats(t *testing.T) {
	tests := []struct {
		name   string
		faults []messagingtest.Fault
		opts   []func(*messaging.Options)
		ok     bool
		want   messaging.CallStats
	}{
		{name: "accepted at once", ok: true, want: messaging.CallStats{Attempts: 1}},
		{name: "throttled twice", faults: []messagingtest.Fault{messagingtest.Throttle(), messagingtest.Throttle()}, ok: true,
			want: messaging.CallStats{Attempts: 3, RetriesThrottle: 2}},
		{name: "500 and 503", faults: []messagingtest.Fault{messagingtest.ServerError(), messagingtest.Unavailable()}, ok: true,
			want: messaging.CallStats{Attempts: 3, RetriesServerError: 2}},
		{name: "503 page without a code", faults: []messagingtest.Fault{messagingtest.UnavailableHTML()}, ok: true,
			want: messaging.CallStats{Attempts: 2, RetriesServerError: 1}},
		{name: "reset connection", faults: []messagingtest.Fault{messagingtest.Reset()}, ok: true,
			want: messaging.CallStats{Attempts: 2, RetriesNetwork: 1}},
		{name: "one of each", faults: []messagingtest.Fault{messagingtest.Throttle(), messagingtest.UnavailableHTML(), messagingtest.Reset(), messagingtest.ServerError()}, ok: true,
			want: messaging.CallStats{Attempts: 5, RetriesThrottle: 1, RetriesServerError: 2, RetriesNetwork: 1}},
		{name: "refused, not retried", faults: []messagingtest.Fault{messagingtest.AccessDenied()},
			want: messaging.CallStats{Attempts: 1}},
		{name: "throttled until the attempts run out", faults: []messagingtest.Fault{messagingtest.Throttle(), messagingtest.Throttle(), messagingtest.Throttle()},
			opts: []func(*messaging.Options){func(o *messaging.Options) { o.MaxAttempts = 3 }},
			want: messaging.CallStats{Attempts: 3, RetriesThrottle: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, messagingtest.Config{})
			s.InjectCallback(cbID, tt.faults...)
			var st messaging.CallStats
			_, err := s.Client(tt.opts...).ChannelFlowCallback(messaging.WithCallStats(context.Background(), &st), input(cbID, messageID))
			if tt.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
			assert.Equal(t, tt.want, st)
			assert.Equal(t, tt.want.Attempts, len(s.Calls()), "one attempt counted per request the server saw")
			assert.Equal(t, tt.want.Attempts-1, st.Retries())
		})
	}
}

// TestCallStatsNotSent: a call refused before sending counts no attempt;
// one without WithCallStats counts nothing anywhere; a CallStats sums the
// calls made with it.
func TestCallStatsNotSent(t *testing.T) {
	s := newStandIn(t, messagingtest.Config{})
	c := s.Client()
	var st messaging.CallStats
	ctx := messaging.WithCallStats(context.Background(), &st)
	bad := input(cbID, messageID)
	bad.CallbackID = "short"
	_, err := c.ChannelFlowCallback(ctx, bad)
	require.ErrorIs(t, err, messaging.ErrInvalidParams)
	assert.Zero(t, st)

	dl, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	_, err = c.ChannelFlowCallback(dl, input(cbID, messageID))
	require.Error(t, err, "less than the 500 ms margin left: no attempt")
	assert.Zero(t, st)

	s.InjectCallback(cbID, messagingtest.Throttle())
	_, err = c.ChannelFlowCallback(ctx, input(cbID, messageID))
	require.NoError(t, err)
	_, err = c.ChannelFlowCallback(context.Background(), input(otherCbID, otherMsgID))
	require.NoError(t, err)
	assert.Equal(t, messaging.CallStats{Attempts: 2, RetriesThrottle: 1}, st, "the call without stats counted nowhere")
	s.InjectCallback(otherCbID, messagingtest.ServerError())
	_, err = c.ChannelFlowCallback(ctx, input(otherCbID, otherMsgID))
	require.Error(t, err, "already answered")
	assert.Equal(t, messaging.CallStats{Attempts: 4, RetriesThrottle: 1, RetriesServerError: 1}, st, "summed over calls")
}
