package redrivetest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/deploy/redrive"
	"github.com/chimeflow/chimeflow/deploy/redrive/redrivetest"
	"github.com/chimeflow/chimeflow/messaging"
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
	c := redrivetest.NewChime(t)
	client := messaging.New(messaging.Options{
		Region: "eu-west-1", BaseEndpoint: c.URL, MaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret"}, nil
		}),
	})
	const channel = "arn:aws:chime:eu-west-1:111122223333:app-instance/a/channel/c"
	in := func(id string) *messaging.ChannelFlowCallbackInput {
		return &messaging.ChannelFlowCallbackInput{CallbackID: id, ChannelArn: channel,
			ChannelMessage: &messaging.ChannelMessageCallback{MessageID: "m-" + id[:4], Content: "hi"}}
	}
	const a, b, d = "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002", "dddddddd-0000-4000-8000-000000000004"
	c.Resolve(b)
	c.Fail(d, redrivetest.Failure{Status: 403, Message: "You do not have sufficient access to perform this action."})

	status := func(err error) int {
		var apiErr *messaging.APIError
		if errors.As(err, &apiErr) {
			return apiErr.StatusCode
		}
		if err != nil {
			return -1
		}
		return http.StatusOK
	}
	ctx := context.Background()
	_, err := client.ChannelFlowCallback(ctx, in(a))
	assert.Equal(t, 200, status(err), "first answer accepted: %v", err)
	_, err = client.ChannelFlowCallback(ctx, in(a))
	assert.Equal(t, 409, status(err), "second answer refused")
	assert.True(t, messaging.IsAlreadyResolved(err))
	_, err = client.ChannelFlowCallback(ctx, in(b))
	assert.Equal(t, 409, status(err), "resolved before")
	_, err = client.ChannelFlowCallback(ctx, in(d))
	assert.Equal(t, 403, status(err))
	assert.False(t, messaging.IsAlreadyResolved(err))

	accepted := c.Accepted()
	require.Len(t, accepted, 1)
	assert.Equal(t, a, accepted[0].CallbackID)
	assert.Equal(t, channel, accepted[0].ChannelArn)
	assert.Equal(t, 4, c.Requests())
	assert.Equal(t, []string{"eu-west-1", "eu-west-1", "eu-west-1", "eu-west-1"}, c.SigningRegions())
	assert.Empty(t, c.Problems())
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

func TestChimeReportsWhatIsNotACallback(t *testing.T) {
	rec := &tb{TB: t}
	c := redrivetest.NewChime(rec)
	for _, req := range []func() (*http.Response, error){
		func() (*http.Response, error) { return http.Get(c.URL + "/channels/x") },
		func() (*http.Response, error) {
			return http.Post(c.URL+"/channels/arn%3Ax?operation=channel-flow-callback", "application/json", strings.NewReader(`{}`))
		},
	} {
		resp, err := req()
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 400, resp.StatusCode)
	}
	for _, f := range rec.cleanups {
		f()
	}
	require.Len(t, rec.errs, 2)
	assert.Contains(t, rec.errs[0], "not a ChannelFlowCallback: GET /channels/x")
	assert.Contains(t, rec.errs[1], "unsigned request")
	assert.Empty(t, c.Accepted())
}
