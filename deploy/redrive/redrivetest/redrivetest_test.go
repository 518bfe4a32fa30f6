package redrivetest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/deploy/redrive"
	"github.com/chimeflow/chimeflow/deploy/redrive/redrivetest"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

func TestRecordParses(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		opts      redrivetest.RecordOptions
		condition string
		invokes   int
		hasTime   bool
	}{
		{"defaults", redrivetest.RecordOptions{}, "RetriesExhausted", 3, true},
		{"event age", redrivetest.RecordOptions{Condition: "EventAgeExceeded", InvokeCount: -1, Time: at}, "EventAgeExceeded", 0, true},
		{"no time", redrivetest.RecordOptions{NoTime: true, ErrorType: "Runtime.ExitError", ErrorMessage: "exit status 2"}, "RetriesExhausted", 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			event := []byte(`{"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"x"}`)
			rec, err := redrive.ParseRecord([]byte(redrivetest.Record(t, event, tt.opts)))
			require.NoError(t, err)
			assert.Equal(t, tt.condition, rec.RequestContext.Condition)
			assert.Equal(t, tt.invokes, rec.RequestContext.ApproximateInvokeCount)
			assert.Equal(t, redrivetest.FunctionArn, rec.RequestContext.FunctionArn)
			assert.JSONEq(t, string(event), string(rec.RequestPayload))
			got, ok := rec.Time()
			assert.Equal(t, tt.hasTime, ok)
			if !tt.opts.Time.IsZero() {
				assert.True(t, got.Equal(tt.opts.Time))
			}
			typ, msg := rec.Failure()
			if tt.opts.ErrorType != "" {
				assert.Equal(t, tt.opts.ErrorType, typ)
				assert.Equal(t, tt.opts.ErrorMessage, msg)
			} else {
				assert.Contains(t, msg, "HTTP 503")
			}
		})
	}
}

func TestChime(t *testing.T) {
	c := redrivetest.NewChime(t, messagingtest.Config{Region: "eu-west-1"})
	client := c.Client(func(o *messaging.Options) { o.MaxAttempts = 1 })
	const channel = "arn:aws:chime:eu-west-1:111122223333:app-instance/a/channel/c"
	in := &messaging.ChannelFlowCallbackInput{CallbackID: "aaaaaaaa-0000-4000-8000-000000000001", ChannelArn: channel,
		ChannelMessage: &messaging.ChannelMessageCallback{MessageID: "m-1", Content: "hi"}}
	ctx := context.Background()
	_, err := client.ChannelFlowCallback(ctx, in)
	require.NoError(t, err, "the first answer is accepted")
	_, err = client.ChannelFlowCallback(ctx, in)
	var apiErr *messaging.APIError
	require.True(t, errors.As(err, &apiErr), "%v", err)
	assert.Equal(t, 409, apiErr.StatusCode, "a second answer is refused with 409 by default")
	assert.Equal(t, 2, redrivetest.Callbacks(c))
	require.Len(t, c.Accepted(), 1)
}

// tb records the errors and runs the cleanups of a test it stands for.
type tb struct {
	testing.TB
	errs     []string
	cleanups []func()
}

func (t *tb) Errorf(format string, args ...any) {
	t.errs = append(t.errs, fmt.Sprintf(format, args...))
}
func (t *tb) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

// TestChimeReportsNonconformingRequests: a request the service would
// refuse as malformed or badly signed fails the test that sent it.
func TestChimeReportsNonconformingRequests(t *testing.T) {
	rec := &tb{TB: t}
	c := redrivetest.NewChime(rec, messagingtest.Config{})
	resp, err := http.Post(c.URL+"/channels/arn%3Ax?operation=channel-flow-callback", "application/json", strings.NewReader(`{}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 403, resp.StatusCode, "unsigned")
	for _, f := range rec.cleanups {
		f()
	}
	require.NotEmpty(t, rec.errs)
	assert.Contains(t, rec.errs[0], "redrivetest: nonconforming request: ")
	assert.Empty(t, c.Accepted())
}
