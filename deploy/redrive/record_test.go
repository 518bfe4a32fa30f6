package redrive_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/deploy/redrive"
	"github.com/chimeflow/chimeflow/processor"
)

func TestParseRecord(t *testing.T) {
	tests := []struct {
		file                string
		condition           string
		invokes             int
		functionError       string
		errorType, errorMsg string
		time                string // RFC 3339, "" when absent
		wantErr             string // "" when the record parses
	}{
		{file: "records/retries-exhausted.json", condition: "RetriesExhausted", invokes: 3, functionError: "Handled", errorType: "wrapError",
			errorMsg: "channel flow callback failed: messaging: ChannelFlowCallback: HTTP 503 ServiceUnavailableException: Service unavailable (request id 4d3c2b1a)",
			time:     "2024-05-01T12:03:05.568Z"},
		{file: "records/timed-out.json", condition: "RetriesExhausted", invokes: 3, functionError: "Unhandled",
			errorMsg: "2024-05-01T12:03:05.500Z e4b46cbf-b738-4c1a-8880-a18cdf61200e Task timed out after 10.00 seconds", time: "2024-05-01T12:03:05.568Z"},
		{file: "records/event-age-exceeded.json", condition: "EventAgeExceeded", invokes: 0, time: "2024-05-01T18:00:01Z"},
		{file: "records/string-response.json", condition: "RetriesExhausted", invokes: 1, functionError: "Unhandled",
			errorMsg: "Process exited before completing request", time: "2024-05-01T12:03:05Z"},
		{file: "records/bad-not-json.txt", wantErr: "invalid character"},
		{file: "records/bad-truncated.json", wantErr: "in string literal"},
		{file: "records/bad-empty-object.json", wantErr: "no requestPayload"},
		{file: "records/bad-array.json", wantErr: "cannot unmarshal array"},
		{file: "records/bad-no-payload.json", wantErr: "no requestPayload"},
		{file: "records/bad-null-payload.json", wantErr: "no requestPayload"},
		{file: "records/bad-string-payload.json", wantErr: "requestPayload is not a JSON object"},
		{file: "records/bad-no-context.json", wantErr: "no requestContext"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rec, err := redrive.ParseRecord(readFile(t, tt.file))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.True(t, errors.Is(err, redrive.ErrUnparsable), "%v does not match ErrUnparsable", err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, rec)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "1.0", rec.Version)
			assert.Equal(t, tt.condition, rec.RequestContext.Condition)
			assert.Equal(t, tt.invokes, rec.RequestContext.ApproximateInvokeCount)
			assert.Equal(t, tt.functionError, rec.ResponseContext.FunctionError)
			assert.Contains(t, rec.RequestContext.FunctionArn, ":function:chat-moderation-processor")
			typ, msg := rec.Failure()
			assert.Equal(t, tt.errorType, typ)
			assert.Equal(t, tt.errorMsg, msg)
			at, ok := rec.Time()
			require.True(t, ok)
			want, _ := time.Parse(time.RFC3339Nano, tt.time)
			assert.True(t, at.Equal(want), "time %v, want %v", at, want)
			// The payload is the original event, byte for byte what the
			// processor was invoked with.
			ev, err := processor.Decode(rec.RequestPayload)
			require.NoError(t, err)
			assert.Equal(t, "00000000-0000-4000-8000-000000000001", ev.CallbackID)
			assert.Equal(t, "msg-0001", ev.ChannelMessage.MessageID)
		})
	}
}

func TestRecordFailureForms(t *testing.T) {
	tests := []struct {
		payload, typ, msg string
	}{
		{``, "", ""},
		{`null`, "", ""},
		{`{}`, "", ""},
		{`{"errorType":"Runtime.ExitError","errorMessage":"exit status 2"}`, "Runtime.ExitError", "exit status 2"},
		{`"plain"`, "", "plain"},
		{`42`, "", "42"},
	}
	for _, tt := range tests {
		r := redrive.Record{ResponsePayload: []byte(tt.payload)}
		typ, msg := r.Failure()
		assert.Equal(t, tt.typ, typ, "%s", tt.payload)
		assert.Equal(t, tt.msg, msg, "%s", tt.payload)
	}
	_, ok := (&redrive.Record{Timestamp: "yesterday"}).Time()
	assert.False(t, ok)
}
