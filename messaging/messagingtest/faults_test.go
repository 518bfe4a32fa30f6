package messagingtest_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// TestFaults: each fault does what it says, seen through the real client
// with one attempt.
func TestFaults(t *testing.T) {
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("the redirect target got %s %s", r.Method, r.URL)
	}))
	defer elsewhere.Close()
	tests := []struct {
		name     string
		fault    messagingtest.Fault
		status   int    // of the *APIError; 0 for none
		code     string // of the *APIError
		errIs    error
		resolved bool // the message is resolved afterwards
	}{
		{"throttle", messagingtest.Throttle(), 429, "ThrottledClientException", nil, false},
		{"500", messagingtest.ServerError(), 500, "ServiceFailureException", nil, false},
		{"503 JSON", messagingtest.Unavailable(), 503, "ServiceUnavailableException", nil, false},
		{"503 HTML", messagingtest.UnavailableHTML(), 503, "UnknownError", nil, false},
		{"error after work", messagingtest.Fault{Status: 500, AfterWork: true}, 500, "ServiceFailureException", nil, true},
		{"refuse 403", messagingtest.Refuse(messagingtest.RefuseForbidden), 403, "ForbiddenException", nil, false},
		{"refuse 409", messagingtest.Refuse(messagingtest.RefuseConflict), 409, "ConflictException", nil, false},
		{"refuse 400", messagingtest.Refuse(messagingtest.RefuseNonPending), 400, "BadRequestException", nil, false},
		{"access denied", messagingtest.AccessDenied(), 403, "AccessDeniedException", nil, false},
		{"malformed 2xx", messagingtest.Malformed(), 0, "", nil, true},
		{"redirect", messagingtest.Redirect(elsewhere.URL + "/x"), 0, "", messaging.ErrRedirect, false},
		{"slow answer, work done", messagingtest.Slow(time.Millisecond), 0, "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, messagingtest.Config{})
			require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1", CallbackID: callbackID}))
			s.Inject(messaging.OpChannelFlowCallback, tt.fault)
			_, err := s.Client(func(o *messaging.Options) { o.MaxAttempts = 1 }).ChannelFlowCallback(context.Background(), callback(callbackID, channelA, "m-1", false))
			switch {
			case tt.status != 0:
				e := apiError(t, err)
				assert.Equal(t, tt.status, e.StatusCode)
				assert.Equal(t, tt.code, e.Code)
				assert.NotEmpty(t, e.Message)
			case tt.errIs != nil:
				assert.ErrorIs(t, err, tt.errIs)
			default:
				assert.NoError(t, err)
			}
			st, _ := s.MessageState(channelA, "m-1")
			assert.Equal(t, tt.resolved, st.Status != messaging.StatusPending, "status %s", st.Status)
			calls := s.Calls()
			require.Len(t, calls, 1)
			require.NotNil(t, calls[0].Fault)
			assert.Equal(t, tt.fault.String(), calls[0].Fault.String())
			conforming(t, s)
		})
	}
}

func TestFaultMessages(t *testing.T) {
	s := newServer(t, messagingtest.Config{})
	s.Inject(messaging.OpChannelFlowCallback, messagingtest.Refuse(messagingtest.RefuseNonPending), messagingtest.AccessDenied(), messagingtest.Refuse(0))
	c := s.Client(func(o *messaging.Options) { o.MaxAttempts = 1 })
	_, err := c.ChannelFlowCallback(context.Background(), callback(callbackID, channelA, "m-1", false))
	assert.Equal(t, "Unable to complete processing of non-pending message m-1", apiError(t, err).Message)
	_, err = c.ChannelFlowCallback(context.Background(), callback(callbackID, channelA, "m-1", false))
	assert.Equal(t, "User: "+messagingtest.Principal+" is not authorized to perform: chime:ChannelFlowCallback on resource: "+channelA+
		" because no identity-based policy allows the chime:ChannelFlowCallback action", apiError(t, err).Message)
	_, err = c.ChannelFlowCallback(context.Background(), callback(callbackID, channelA, "m-1", false))
	assert.Equal(t, "You do not have sufficient access to perform this action.", apiError(t, err).Message, "Refuse(0) is the Server's default form")
}

func TestResetAndHang(t *testing.T) {
	s := newServer(t, messagingtest.Config{})
	require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1", CallbackID: callbackID}))
	s.Inject(messaging.OpChannelFlowCallback, messagingtest.Reset(), messagingtest.Fault{Hang: true})
	c := s.Client(func(o *messaging.Options) { o.MaxAttempts = 1 })
	_, err := c.ChannelFlowCallback(context.Background(), callback(callbackID, channelA, "m-1", false))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "send request")
	var api *messaging.APIError
	assert.False(t, errors.As(err, &api))

	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	_, err = c.ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-1", false), func(o *messaging.Options) { o.DeadlineMargin = 200 * time.Millisecond })
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var te *messaging.TimeoutError
	assert.ErrorAs(t, err, &te)

	st, _ := s.MessageState(channelA, "m-1")
	assert.Equal(t, messaging.StatusPending, st.Status, "neither fault did the work")
	calls := s.Calls()
	require.Len(t, calls, 2)
	assert.Zero(t, calls[0].Status, "a reset answers nothing")
	conforming(t, s)
}

// TestFaultQueues: InjectCallback comes before Inject, each fault serves
// one request, then requests are answered normally.
func TestFaultQueues(t *testing.T) {
	s := newServer(t, messagingtest.Config{})
	s.Inject(messaging.OpChannelFlowCallback, messagingtest.ServerError())
	s.InjectCallback(callbackID2, messagingtest.Throttle(), messagingtest.Throttle())
	c := s.Client(func(o *messaging.Options) { o.MaxAttempts = 1 })
	ctx := context.Background()
	_, err := c.ChannelFlowCallback(ctx, callback(callbackID2, channelA, "m-2", false))
	assert.Equal(t, 429, apiError(t, err).StatusCode)
	_, err = c.ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-1", false))
	assert.Equal(t, 500, apiError(t, err).StatusCode)
	_, err = c.ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-1", false))
	assert.NoError(t, err)
	_, err = c.ChannelFlowCallback(ctx, callback(callbackID2, channelA, "m-2", false))
	assert.Equal(t, 429, apiError(t, err).StatusCode)
	_, err = c.ChannelFlowCallback(ctx, callback(callbackID2, channelA, "m-2", false))
	assert.NoError(t, err)
	conforming(t, s)
}

// TestSchedule: a Schedule sees each request's operation, CallbackId and
// attempt number, and is safe under concurrent callbacks.
func TestSchedule(t *testing.T) {
	var mu sync.Mutex
	seen := map[string][]int{}
	var statusAsked atomic.Int32
	s := newServer(t, messagingtest.Config{Schedule: func(r messagingtest.Request) (messagingtest.Fault, bool) {
		if r.Operation == messaging.OpGetChannelMessageStatus {
			statusAsked.Add(1)
			return messagingtest.Fault{}, false
		}
		mu.Lock()
		seen[r.CallbackID] = append(seen[r.CallbackID], r.Attempt)
		mu.Unlock()
		if r.Attempt <= 2 {
			return messagingtest.Unavailable(), true
		}
		return messagingtest.Fault{}, false
	}})
	c := s.Client(func(o *messaging.Options) { o.MaxAttempts = 5; o.MaxBackoff = time.Millisecond })
	ids := []string{"00000000000000000000000000000001", "00000000000000000000000000000002", "00000000000000000000000000000003", "00000000000000000000000000000004"}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.ChannelFlowCallback(context.Background(), callback(id, channelA, "m-"+string(rune('a'+i)), false))
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, []int{1, 2, 3}, seen[id], id)
	}
	assert.Len(t, s.Accepted(), len(ids))
	_, err := statusOf(context.Background(), c, channelA, "m-a", sender)
	require.NoError(t, err)
	assert.Equal(t, int32(1), statusAsked.Load())
	conforming(t, s)
}
