package messaging

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const okCallback = `{"ChannelArn":"` + testChannelArn + `","CallbackId":"` + testCallbackID + `"}`

// failure is how the fake service answers one attempt.
type failure func(w http.ResponseWriter, r *http.Request)

func status(code int, errType string) failure {
	return func(w http.ResponseWriter, _ *http.Request) {
		reply(w, code, `{"Code":"X","Message":"attempt failed"}`, "X-Amzn-ErrorType: "+errType, "X-Amzn-RequestId: req-fail")
	}
}

// dropConnection closes the connection without an answer.
func dropConnection(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// truncatedBody promises 100 bytes of body and sends 10.
func truncatedBody(w http.ResponseWriter, _ *http.Request) {
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"Channel\"")
	_ = buf.Flush()
	conn.Close()
}

// script answers the attempts in order, then succeeds.
func script(steps ...failure) func(n int, w http.ResponseWriter, r *http.Request) {
	return func(n int, w http.ResponseWriter, r *http.Request) {
		if n < len(steps) {
			steps[n](w, r)
			return
		}
		reply(w, 200, okCallback, "X-Amzn-RequestId: req-ok")
	}
}

func TestRetryThenSuccess(t *testing.T) {
	tests := []struct {
		name  string
		steps []failure
	}{
		{"429 throttled", []failure{status(429, "ThrottledClientException")}},
		{"500 service failure", []failure{status(500, "ServiceFailureException")}},
		{"503 unavailable", []failure{status(503, "ServiceUnavailableException")}},
		{"502 without body", []failure{func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(502) }}},
		{"connection dropped", []failure{dropConnection}},
		{"four mixed failures", []failure{status(429, "ThrottledClientException"), dropConnection, status(503, "ServiceUnavailableException"), status(500, "ServiceFailureException")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := newFakeServer(t, script(tt.steps...))
			out, err := newTestClient(t, fs.URL).ChannelFlowCallback(context.Background(), validCallback())
			require.NoError(t, err)
			assert.Equal(t, "req-ok", out.RequestID)
			assert.Equal(t, testCallbackID, out.CallbackID)
			reqs := fs.requests()
			require.Len(t, reqs, len(tt.steps)+1)
			for i, r := range reqs {
				assert.Equal(t, reqs[0].Body, r.Body, "attempt %d did not resend the body", i+1)
				assert.Equal(t, int64(len(reqs[0].Body)), r.ContentLength)
				assert.NotEmpty(t, r.Header.Get("Authorization"), "attempt %d unsigned", i+1)
			}
		})
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
	}{
		{400, "BadRequestException"},
		{401, "UnauthorizedClientException"},
		{403, "ForbiddenException"},
		{404, "NotFoundException"},
		{409, "ConflictException"},
		{413, "UnknownError"},
	} {
		t.Run(tc.code, func(t *testing.T) {
			fs := newFakeServer(t, script(status(tc.status, tc.code), status(tc.status, tc.code)))
			_, err := newTestClient(t, fs.URL).ChannelFlowCallback(context.Background(), validCallback())
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Same(t, apiErr, err, "a single attempt returns the *APIError itself")
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.False(t, apiErr.Retryable())
			assert.Equal(t, 1, fs.count())
		})
	}
}

func TestMaxAttempts(t *testing.T) {
	always503 := func(_ int, w http.ResponseWriter, r *http.Request) {
		status(503, "ServiceUnavailableException")(w, r)
	}
	for _, tc := range []struct {
		name      string
		client    []func(*Options)
		call      []func(*Options)
		wantCount int
	}{
		{"default", nil, nil, DefaultMaxAttempts},
		{"client option", []func(*Options){func(o *Options) { o.MaxAttempts = 3 }}, nil, 3},
		{"per-call option", []func(*Options){func(o *Options) { o.MaxAttempts = 3 }}, []func(*Options){func(o *Options) { o.MaxAttempts = 2 }}, 2},
		{"one attempt", nil, []func(*Options){func(o *Options) { o.MaxAttempts = 1 }}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := newFakeServer(t, always503)
			_, err := newTestClient(t, fs.URL, tc.client...).ChannelFlowCallback(context.Background(), validCallback(), tc.call...)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 503, apiErr.StatusCode)
			assert.Equal(t, tc.wantCount, fs.count())
			if tc.wantCount > 1 {
				assert.Contains(t, err.Error(), "max attempts reached")
			}
		})
	}
}

func TestTransportErrorsExhaustAttempts(t *testing.T) {
	fs := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) { dropConnection(w, r) })
	_, err := newTestClient(t, fs.URL, func(o *Options) { o.MaxAttempts = 3 }).ChannelFlowCallback(context.Background(), validCallback())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "messaging: ChannelFlowCallback: send request")
	assert.Contains(t, err.Error(), "after 3 attempts")
	assert.Equal(t, 3, fs.count())
}

// TestDeadlineBoundsRetries: with a 300 ms backoff, a 500 ms deadline and
// no margin, a service that always answers 503 gets two attempts; the call
// returns the last *APIError before the deadline instead of sleeping past it.
func TestDeadlineBoundsRetries(t *testing.T) {
	fs := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		status(503, "ServiceUnavailableException")(w, r)
	})
	c := newTestClient(t, fs.URL, func(o *Options) {
		o.MaxBackoff = 300 * time.Millisecond
		o.MaxAttempts = 10
		o.DeadlineMargin = -1
	})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	deadline, _ := ctx.Deadline()
	_, err := c.ChannelFlowCallback(ctx, validCallback())
	returned := time.Now()

	assert.True(t, returned.Before(deadline), "returned %v after the deadline", returned.Sub(deadline))
	assert.NoError(t, ctx.Err(), "the call waited for the deadline")
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.NotErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "deadline")
	assert.Equal(t, 2, fs.count())
}

func TestNoRetryOnCancel(t *testing.T) {
	t.Run("during an attempt", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		fs := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(50*time.Millisecond, cancel)
		_, err := newTestClient(t, fs.URL).ChannelFlowCallback(ctx, validCallback())
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, fs.count())
	})
	t.Run("during the backoff", func(t *testing.T) {
		// The context is canceled once the first answer is in, while the
		// client waits 900 ms before its next attempt.
		ctx, cancel := context.WithCancel(context.Background())
		fs := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) {
			status(503, "ServiceUnavailableException")(w, r)
		})
		cancelAfter := doFunc(func(r *http.Request) (*http.Response, error) {
			res, err := http.DefaultClient.Do(r)
			if err != nil {
				return nil, err
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			res.Body = io.NopCloser(bytes.NewReader(body))
			cancel()
			return res, nil
		})
		start := time.Now()
		_, err := newTestClient(t, fs.URL, func(o *Options) { o.MaxBackoff = 900 * time.Millisecond; o.HTTPClient = cancelAfter }).ChannelFlowCallback(ctx, validCallback())
		assert.Less(t, time.Since(start), 5*time.Second)
		assert.ErrorIs(t, err, context.Canceled)
		var apiErr *APIError
		assert.ErrorAs(t, err, &apiErr, "the last service error is kept")
		assert.Equal(t, 1, fs.count())
	})
	t.Run("already canceled", func(t *testing.T) {
		fs := newFakeServer(t, script())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := newTestClient(t, fs.URL).ChannelFlowCallback(ctx, validCallback())
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 0, fs.count())
	})
}

// doFunc adapts a function to HTTPClient.
type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

func TestAttemptTimeoutRetries(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	fs := newFakeServer(t, script(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	c := newTestClient(t, fs.URL)
	c.attemptTimeout = 100 * time.Millisecond
	out, err := c.ChannelFlowCallback(context.Background(), validCallback())
	require.NoError(t, err)
	assert.Equal(t, "req-ok", out.RequestID)
	assert.Equal(t, 2, fs.count())
}

// TestCredentialsPerAttempt: credentials are retrieved for every attempt,
// so a refreshed key signs the retry.
func TestCredentialsPerAttempt(t *testing.T) {
	var n atomic.Int32
	provider := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		i := n.Add(1)
		return aws.Credentials{AccessKeyID: "AKID" + strings.Repeat("X", int(i)), SecretAccessKey: "secret"}, nil
	})
	fs := newFakeServer(t, script(status(503, "ServiceUnavailableException"), status(429, "ThrottledClientException")))
	_, err := newTestClient(t, fs.URL, func(o *Options) { o.Credentials = provider }).ChannelFlowCallback(context.Background(), validCallback())
	require.NoError(t, err)
	assert.Equal(t, int32(3), n.Load())
	for i, r := range fs.requests() {
		assert.Contains(t, r.Header.Get("Authorization"), "Credential=AKID"+strings.Repeat("X", i+1)+"/")
		assert.Empty(t, r.Header.Get("X-Amz-Security-Token"))
	}
}

func TestCredentialsErrorIsNotRetried(t *testing.T) {
	boom := errors.New("no credentials here")
	fs := newFakeServer(t, script())
	c := newTestClient(t, fs.URL, func(o *Options) {
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, boom })
	})
	_, err := c.ChannelFlowCallback(context.Background(), validCallback())
	assert.ErrorIs(t, err, boom)
	assert.Equal(t, 0, fs.count())
}

// TestTwoXXIsDelivered: a callback answered 2xx is delivered whatever the
// body that follows; an operation whose answer is needed retries a body
// cut short.
func TestTwoXXIsDelivered(t *testing.T) {
	bodies := map[string]failure{
		"truncated body": truncatedBody,
		"not JSON":       func(w http.ResponseWriter, _ *http.Request) { reply(w, 200, "<html>ok</html>") },
		"wrong types":    func(w http.ResponseWriter, _ *http.Request) { reply(w, 200, `{"ChannelArn":42,"CallbackId":[]}`) },
		"empty 204":      func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) },
	}
	for name, answer := range bodies {
		t.Run(name, func(t *testing.T) {
			fs := newFakeServer(t, func(_ int, w http.ResponseWriter, r *http.Request) { answer(w, r) })
			out, err := newTestClient(t, fs.URL).ChannelFlowCallback(context.Background(), validCallback())
			require.NoError(t, err)
			assert.Equal(t, testChannelArn, out.ChannelArn)
			assert.Equal(t, testCallbackID, out.CallbackID)
			assert.Equal(t, 1, fs.count(), "a delivered callback is never sent again")
		})
	}
	t.Run("describe retries a truncated body", func(t *testing.T) {
		fs := newFakeServer(t, func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 0 {
				truncatedBody(w, r)
				return
			}
			reply(w, 200, `{"ChannelFlow":{"ChannelFlowArn":"`+testFlowArn+`","Name":"f","Processors":[]}}`)
		})
		out, err := newTestClient(t, fs.URL).DescribeChannelFlow(context.Background(), &DescribeChannelFlowInput{ChannelFlowArn: testFlowArn})
		require.NoError(t, err)
		assert.Equal(t, "f", out.ChannelFlow.Name)
		assert.Equal(t, 2, fs.count())
	})
}

func TestRetryableErrorStatuses(t *testing.T) {
	for code, want := range map[int]bool{400: false, 401: false, 403: false, 404: false, 409: false, 429: true, 500: true, 502: true, 503: true, 504: true} {
		assert.Equal(t, want, (&APIError{StatusCode: code}).Retryable(), "HTTP %d", code)
	}
}

// TestFuncHTTPClient: an HTTPClient of a type that cannot be compared (a
// func) works given to New and per call.
func TestFuncHTTPClient(t *testing.T) {
	fs := newFakeServer(t, script())
	var n int
	hc := doFunc(func(r *http.Request) (*http.Response, error) { n++; return http.DefaultClient.Do(r) })
	c := newTestClient(t, fs.URL, func(o *Options) { o.HTTPClient = hc })
	_, err := c.ChannelFlowCallback(context.Background(), validCallback())
	require.NoError(t, err)
	_, err = c.ChannelFlowCallback(context.Background(), validCallback(), func(o *Options) { o.HTTPClient = hc })
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}
