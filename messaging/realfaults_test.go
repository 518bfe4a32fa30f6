package messaging_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// The client against the faults the service really gives, through the
// model- and signature-checking stand-in.

const (
	app        = "arn:aws:chime:us-east-1:111122223333:app-instance/app-1"
	channel    = app + "/channel/ch-1"
	sender     = app + "/user/alice"
	cbID       = "c0ffee00-aaaa-bbbb-cccc-0123456789ab"
	otherCbID  = "c0ffee01-aaaa-bbbb-cccc-0123456789ab"
	messageID  = "msg-1"
	otherMsgID = "msg-2"
)

func newStandIn(t *testing.T, cfg messagingtest.Config) *messagingtest.Server {
	t.Helper()
	s := messagingtest.NewServer(cfg)
	t.Cleanup(func() {
		s.Close()
		assert.Zero(t, s.Nonconforming(), "nonconforming requests: %q", s.Problems())
	})
	return s
}

func input(id, msg string) *messaging.ChannelFlowCallbackInput {
	return &messaging.ChannelFlowCallbackInput{
		CallbackID: id, ChannelArn: channel,
		ChannelMessage: &messaging.ChannelMessageCallback{MessageID: msg, Content: "hello"},
	}
}

var refusals = []messagingtest.Refusal{messagingtest.RefuseForbidden, messagingtest.RefuseConflict, messagingtest.RefuseNonPending}

// TestRefusalOfAResolvedMessageIsADuplicate: each refusal form, for a
// message a first callback resolved, is confirmed as a duplicate.
func TestRefusalOfAResolvedMessageIsADuplicate(t *testing.T) {
	for _, r := range refusals {
		t.Run(r.String(), func(t *testing.T) {
			s := newStandIn(t, messagingtest.Config{Refusal: r})
			require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channel, MessageID: messageID, CallbackID: cbID, SenderArn: sender}))
			c := s.Client()
			ctx := context.Background()
			in := input(cbID, messageID)
			_, err := c.ChannelFlowCallback(ctx, in)
			require.NoError(t, err)

			_, refusal := c.ChannelFlowCallback(ctx, in) // the duplicate delivery
			require.Error(t, refusal)
			assert.True(t, messaging.MaybeResolved(refusal))
			status, err := messaging.ConfirmResolved(ctx, c, in, sender, refusal)
			require.NoError(t, err)
			assert.Equal(t, messaging.StatusSent, status)
			assert.Equal(t, []string{"ChannelFlowCallback", "ChannelFlowCallback", "GetChannelMessageStatus"}, s.Operations(), "a refusal is not retried")
		})
	}
}

// TestRefusalOfAPendingMessageIsAFailure: the same refusals for a message
// still PENDING are real failures, which keep the refusal's *APIError.
func TestRefusalOfAPendingMessageIsAFailure(t *testing.T) {
	for _, r := range refusals {
		t.Run(r.String(), func(t *testing.T) {
			s := newStandIn(t, messagingtest.Config{})
			require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channel, MessageID: messageID, CallbackID: cbID, SenderArn: sender}))
			s.Inject(messaging.OpChannelFlowCallback, messagingtest.Refuse(r))
			c := s.Client()
			ctx := context.Background()
			in := input(cbID, messageID)
			_, refusal := c.ChannelFlowCallback(ctx, in)
			require.True(t, messaging.MaybeResolved(refusal), "%v", refusal)

			status, err := messaging.ConfirmResolved(ctx, c, in, sender, refusal)
			assert.Equal(t, messaging.StatusPending, status)
			assert.ErrorIs(t, err, messaging.ErrStillPending)
			var unresolved *messaging.UnresolvedError
			require.ErrorAs(t, err, &unresolved)
			var apiErr *messaging.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Same(t, refusal, error(apiErr), "the refusal's own error is kept")
			assert.Contains(t, err.Error(), "still PENDING")
		})
	}
}

// TestRealForbiddenIsNotSwallowed: a 403 for a missing permission is a
// failure, never a duplicate.
func TestRealForbiddenIsNotSwallowed(t *testing.T) {
	callbackOnly := &messagingtest.Policy{Statements: []messagingtest.Statement{
		messagingtest.Allow([]string{"chime:ChannelFlowCallback"}, app, app+"/channel/*"),
	}}
	ctx := context.Background()

	t.Run("IAM denies the callback", func(t *testing.T) {
		s := newStandIn(t, messagingtest.Config{Policy: &messagingtest.Policy{}})
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channel, MessageID: messageID, CallbackID: cbID, SenderArn: sender}))
		c := s.Client()
		in := input(cbID, messageID)
		_, refusal := c.ChannelFlowCallback(ctx, in)
		var apiErr *messaging.APIError
		require.ErrorAs(t, refusal, &apiErr)
		assert.Equal(t, "AccessDeniedException", apiErr.Code)
		assert.False(t, messaging.MaybeResolved(refusal))
		status, err := messaging.ConfirmResolved(ctx, c, in, sender, refusal)
		assert.Empty(t, status)
		assert.Same(t, refusal, err, "not a maybe-resolved refusal: returned as is, nothing asked")
		assert.Equal(t, []string{"ChannelFlowCallback"}, s.Operations())
	})
	t.Run("the generic 403 of a pending message, and no permission to ask", func(t *testing.T) {
		s := newStandIn(t, messagingtest.Config{Policy: callbackOnly})
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channel, MessageID: messageID, CallbackID: cbID, SenderArn: sender}))
		s.Inject(messaging.OpChannelFlowCallback, messagingtest.Refuse(messagingtest.RefuseForbidden))
		c := s.Client()
		in := input(cbID, messageID)
		_, refusal := c.ChannelFlowCallback(ctx, in)
		status, err := messaging.ConfirmResolved(ctx, c, in, sender, refusal)
		assert.Empty(t, status)
		assert.ErrorIs(t, err, messaging.ErrStatusUnavailable)
		assert.Contains(t, err.Error(), "AccessDeniedException")
		assert.Contains(t, err.Error(), "chime:GetChannelMessageStatus")
	})
	t.Run("the generic 403 of a resolved message, and no permission to ask", func(t *testing.T) {
		// The role as deployed today: the duplicate cannot be confirmed,
		// so it stays a failure (the role must gain the permission).
		s := newStandIn(t, messagingtest.Config{Policy: callbackOnly})
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channel, MessageID: messageID, CallbackID: cbID, SenderArn: sender}))
		c := s.Client()
		in := input(cbID, messageID)
		_, err := c.ChannelFlowCallback(ctx, in)
		require.NoError(t, err)
		_, refusal := c.ChannelFlowCallback(ctx, in)
		_, err = messaging.ConfirmResolved(ctx, c, in, sender, refusal)
		assert.ErrorIs(t, err, messaging.ErrStatusUnavailable)
	})
	t.Run("asked as someone else than the sender", func(t *testing.T) {
		s := newStandIn(t, messagingtest.Config{})
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channel, MessageID: messageID, CallbackID: cbID, SenderArn: sender}))
		c := s.Client()
		in := input(cbID, messageID)
		_, _ = c.ChannelFlowCallback(ctx, in)
		_, refusal := c.ChannelFlowCallback(ctx, in)
		_, err := messaging.ConfirmResolved(ctx, c, in, app+"/user/admin", refusal)
		assert.ErrorIs(t, err, messaging.ErrStatusUnavailable)
	})
	t.Run("a duplicate DENY: the service keeps no status for denied messages", func(t *testing.T) {
		s := newStandIn(t, messagingtest.Config{})
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channel, MessageID: messageID, CallbackID: cbID, SenderArn: sender}))
		c := s.Client()
		in := input(cbID, messageID)
		in.DeleteResource = true
		_, err := c.ChannelFlowCallback(ctx, in)
		require.NoError(t, err)
		_, refusal := c.ChannelFlowCallback(ctx, in)
		// The status call finds no message for its sender: denied by the
		// earlier delivery, so this DENY is a duplicate.
		status, err := messaging.ConfirmResolved(ctx, c, in, sender, refusal)
		require.NoError(t, err)
		assert.Equal(t, messaging.StatusDenied, status)
	})
	t.Run("a DENY whose status may not be asked stays a failure", func(t *testing.T) {
		s := newStandIn(t, messagingtest.Config{})
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channel, MessageID: messageID, CallbackID: cbID, SenderArn: sender}))
		c := s.Client()
		in := input(cbID, messageID)
		in.DeleteResource = true
		_, err := c.ChannelFlowCallback(ctx, in)
		require.NoError(t, err)
		_, refusal := c.ChannelFlowCallback(ctx, in)
		s.Inject(messaging.OpGetChannelMessageStatus, messagingtest.AccessDenied())
		_, err = messaging.ConfirmResolved(ctx, c, in, sender, refusal)
		assert.ErrorIs(t, err, messaging.ErrStatusUnavailable)
	})
}

// TestRetryableFaults: throttling, server faults (JSON or HTML) and reset
// connections are retried; each attempt conforms.
func TestRetryableFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults []messagingtest.Fault
	}{
		{"429 twice", []messagingtest.Fault{messagingtest.Throttle(), messagingtest.Throttle()}},
		{"500", []messagingtest.Fault{messagingtest.ServerError()}},
		{"503 JSON", []messagingtest.Fault{messagingtest.Unavailable()}},
		{"503 HTML", []messagingtest.Fault{messagingtest.UnavailableHTML()}},
		{"connection reset", []messagingtest.Fault{messagingtest.Reset()}},
		{"all four", []messagingtest.Fault{messagingtest.Throttle(), messagingtest.UnavailableHTML(), messagingtest.Reset(), messagingtest.ServerError()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, messagingtest.Config{})
			s.InjectCallback(cbID, tt.faults...)
			_, err := s.Client().ChannelFlowCallback(context.Background(), input(cbID, messageID))
			require.NoError(t, err)
			assert.Len(t, s.Calls(), len(tt.faults)+1)
			assert.Len(t, s.Accepted(), 1)
		})
	}
	t.Run("429 exhausts the attempts", func(t *testing.T) {
		s := newStandIn(t, messagingtest.Config{})
		for range 5 {
			s.Inject(messaging.OpChannelFlowCallback, messagingtest.Throttle())
		}
		_, err := s.Client(func(o *messaging.Options) { o.MaxAttempts = 3 }).ChannelFlowCallback(context.Background(), input(cbID, messageID))
		var apiErr *messaging.APIError
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, "ThrottledClientException", apiErr.Code)
		assert.Contains(t, err.Error(), "after 3 attempts")
		assert.Len(t, s.Calls(), 3)
	})
}

// TestTwoXXWithAMalformedBody: a delivered callback is not a failure.
func TestTwoXXWithAMalformedBody(t *testing.T) {
	s := newStandIn(t, messagingtest.Config{})
	require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channel, MessageID: messageID, CallbackID: cbID, SenderArn: sender}))
	s.Inject(messaging.OpChannelFlowCallback, messagingtest.Malformed())
	s.Inject(messaging.OpGetChannelMessageStatus, messagingtest.Malformed())
	c := s.Client()
	ctx := context.Background()
	out, err := c.ChannelFlowCallback(ctx, input(cbID, messageID))
	require.NoError(t, err)
	assert.Equal(t, cbID, out.CallbackID)
	assert.Equal(t, channel, out.ChannelArn)
	assert.Len(t, s.Calls(), 1, "not sent again")
	st, _ := s.MessageState(channel, messageID)
	assert.Equal(t, messaging.StatusSent, st.Status)

	// The status call needs its body: a malformed one is an error.
	_, err = c.GetChannelMessageStatus(ctx, &messaging.GetChannelMessageStatusInput{ChannelArn: channel, MessageID: messageID, ChimeBearer: sender})
	assert.ErrorContains(t, err, "decode response")
}

// TestRedirectsAreRefused: a redirect is a failed call; nothing reaches the
// other host, whatever HTTP client the options carry.
func TestRedirectsAreRefused(t *testing.T) {
	var reached atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		w.WriteHeader(200)
	}))
	defer elsewhere.Close()
	tests := []struct {
		name   string
		client messaging.HTTPClient
	}{
		{"default client", nil},
		{"an *http.Client that follows redirects", &http.Client{}},
		{"http.DefaultClient", http.DefaultClient},
	}
	for _, tt := range tests {
		for _, code := range []int{301, 302, 307, 308} {
			t.Run(tt.name+"/"+http.StatusText(code), func(t *testing.T) {
				s := newStandIn(t, messagingtest.Config{})
				f := messagingtest.Redirect(elsewhere.URL + "/steal")
				s.Inject(messaging.OpChannelFlowCallback, f)
				c := s.Client(func(o *messaging.Options) { o.HTTPClient = tt.client })
				_, err := c.ChannelFlowCallback(context.Background(), input(cbID, messageID))
				assert.ErrorIs(t, err, messaging.ErrRedirect)
				var re *messaging.RedirectError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, 307, re.StatusCode)
				assert.False(t, re.Followed)
				assert.Contains(t, err.Error(), strings.TrimPrefix(elsewhere.URL, "http://"))
				assert.Len(t, s.Calls(), 1, "a redirect is not retried")
				assert.Zero(t, reached.Load(), "nothing was sent to the other host")
				assert.Empty(t, s.Accepted())
			})
		}
	}
	t.Run("a custom HTTPClient that followed", func(t *testing.T) {
		s := newStandIn(t, messagingtest.Config{})
		s.Inject(messaging.OpChannelFlowCallback, messagingtest.Redirect(elsewhere.URL+"/steal"))
		before := reached.Load()
		c := s.Client(func(o *messaging.Options) { o.HTTPClient = following{} })
		_, err := c.ChannelFlowCallback(context.Background(), input(cbID, messageID))
		var re *messaging.RedirectError
		require.ErrorAs(t, err, &re)
		assert.True(t, re.Followed, "the answer came from another host: not a delivery")
		assert.Equal(t, before+1, reached.Load())
	})
}

// following is an HTTPClient that is not an *http.Client and follows
// redirects.
type following struct{}

func (following) Do(r *http.Request) (*http.Response, error) { return (&http.Client{}).Do(r) }

// TestPlainHTTPEndpoints: http:// only to loopback, unless allowed.
func TestPlainHTTPEndpoints(t *testing.T) {
	s := newStandIn(t, messagingtest.Config{})
	port := s.URL[strings.LastIndexByte(s.URL, ':')+1:]
	// Every host name is dialled to the stand-in, so that a refusal can only
	// come from the client's own rule.
	dialer := &net.Dialer{}
	toStandIn := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, "127.0.0.1:"+port)
	}}}
	tests := []struct {
		endpoint  string
		allowHTTP bool
		refused   bool
	}{
		{"http://127.0.0.1:" + port, false, false},
		{"http://127.9.9.9:" + port, false, false},
		{"http://localhost:" + port, false, false},
		{"http://[::1]:" + port, false, false},
		{"http://chime.example.com:" + port, false, true},
		{"http://10.0.0.1:" + port, false, true},
		{"http://localhost.example.com:" + port, false, true},
		{"http://[::ffff:10.0.0.1]:" + port, false, true},
		{"http://chime.example.com:" + port, true, false},
	}
	for i, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			before := len(s.Calls())
			c := messaging.New(s.Options(), func(o *messaging.Options) {
				o.BaseEndpoint, o.AllowHTTP, o.HTTPClient = tt.endpoint, tt.allowHTTP, toStandIn
			})
			id := strings.Repeat(string(rune('a'+i)), 32)
			_, err := c.ChannelFlowCallback(context.Background(), input(id, "m-"+id[:1]))
			if tt.refused {
				assert.ErrorIs(t, err, messaging.ErrInsecureEndpoint)
				assert.ErrorContains(t, err, "Options.AllowHTTP")
				assert.Len(t, s.Calls(), before, "nothing was sent")
				return
			}
			require.NoError(t, err)
			assert.Len(t, s.Calls(), before+1)
		})
	}
	t.Run("per-call endpoint too", func(t *testing.T) {
		_, err := s.Client().ChannelFlowCallback(context.Background(), input(otherCbID, otherMsgID), func(o *messaging.Options) {
			o.BaseEndpoint = "http://chime.example.com"
		})
		assert.ErrorIs(t, err, messaging.ErrInsecureEndpoint)
	})
}

// TestDeadlineMargin: no attempt and no backoff runs into the margin before
// the context's deadline; the error is the last real one.
func TestDeadlineMargin(t *testing.T) {
	const margin = 300 * time.Millisecond
	tests := []struct {
		name     string
		budget   time.Duration
		faults   []messagingtest.Fault
		backoff  time.Duration
		calls    int
		code     string // the *APIError returned; empty for a *TimeoutError
		contains string
	}{
		{
			name: "an answer slower than the deadline is cut before the margin", budget: 1200 * time.Millisecond,
			faults: []messagingtest.Fault{messagingtest.Slow(10 * time.Second)}, calls: 1,
			contains: "before the deadline less the 300ms margin",
		},
		{
			name: "the last real error, not the cut attempt", budget: 1200 * time.Millisecond,
			faults: []messagingtest.Fault{messagingtest.Unavailable(), messagingtest.Fault{Delay: 10 * time.Second}}, calls: 2,
			code: "ServiceUnavailableException", contains: "after 2 attempts: attempt 2 got no answer before the deadline less the 300ms margin",
		},
		{
			name: "no backoff into the margin", budget: 1500 * time.Millisecond, backoff: 1500 * time.Millisecond,
			faults: []messagingtest.Fault{messagingtest.Throttle(), messagingtest.Throttle()}, calls: 1,
			code: "ThrottledClientException", contains: "after 1 attempt: the next attempt would not finish before the deadline less the 300ms margin",
		},
		{
			name: "no time for a first attempt", budget: 350 * time.Millisecond, calls: 0,
			contains: "no time for an attempt",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStandIn(t, messagingtest.Config{})
			s.InjectCallback(cbID, tt.faults...)
			c := s.Client(func(o *messaging.Options) {
				o.DeadlineMargin = margin
				if tt.backoff > 0 {
					o.MaxBackoff = tt.backoff
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), tt.budget)
			defer cancel()
			deadline, _ := ctx.Deadline()
			_, err := c.ChannelFlowCallback(ctx, input(cbID, messageID))
			returned := time.Now()

			require.Error(t, err)
			assert.True(t, returned.Before(deadline), "returned %v after the deadline", returned.Sub(deadline))
			assert.NotEqual(t, context.DeadlineExceeded.Error(), err.Error())
			assert.Contains(t, err.Error(), tt.contains)
			if tt.code != "" {
				var apiErr *messaging.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, tt.code, apiErr.Code)
				assert.NotErrorIs(t, err, context.DeadlineExceeded, "a real error is not a timeout")
			} else {
				var te *messaging.TimeoutError
				require.ErrorAs(t, err, &te)
				assert.True(t, te.Deadline)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			}
			assert.Len(t, s.Calls(), tt.calls)
		})
	}
	t.Run("default margin", func(t *testing.T) {
		s := newStandIn(t, messagingtest.Config{})
		ctx, cancel := context.WithTimeout(context.Background(), messaging.DefaultDeadlineMargin)
		defer cancel()
		_, err := s.Client().ChannelFlowCallback(ctx, input(cbID, messageID))
		assert.ErrorContains(t, err, "no time for an attempt")
		assert.Empty(t, s.Calls())
	})
	t.Run("the status check keeps the margin too", func(t *testing.T) {
		s := newStandIn(t, messagingtest.Config{})
		s.Inject(messaging.OpGetChannelMessageStatus, messagingtest.Fault{Delay: 10 * time.Second})
		c := s.Client(func(o *messaging.Options) { o.DeadlineMargin = margin })
		in := input(cbID, messageID)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		deadline, _ := ctx.Deadline()
		_, err := messaging.ConfirmResolved(ctx, c, in, sender, &messaging.APIError{StatusCode: 409, Code: "ConflictException"})
		assert.True(t, time.Now().Before(deadline))
		assert.ErrorIs(t, err, messaging.ErrStatusUnavailable)
		var te *messaging.TimeoutError
		assert.True(t, errors.As(err, &te))
	})
}
