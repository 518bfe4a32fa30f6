package processor_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
)

const validEvent = `{"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"0123456789abcdef0123456789abcdef","ChannelMessage":{"MessageId":"m-1","ChannelArn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c","Content":"hi","Sender":{"Arn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/user/u","Name":"U"},"CreatedTimestamp":"2024-05-01T12:00:00Z"}}`

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		kind    error
		msg     string
	}{
		{"empty", "", processor.ErrEmptyEvent, "empty event"},
		{"whitespace", " \n\t", processor.ErrEmptyEvent, "empty event"},
		{"not json", "hello", processor.ErrMalformedJSON, "malformed JSON (byte 1): invalid character looking for beginning of value"},
		{"truncated", validEvent[:50], processor.ErrMalformedJSON, "unexpected end of JSON input"},
		{"trailing garbage", validEvent + "x", processor.ErrMalformedJSON, "after top-level value"},
		{"array", "[1]", processor.ErrWrongType, "JSON array, want an object"},
		{"null", "null", processor.ErrWrongType, "JSON null, want an object"},
		{"string", `"x"`, processor.ErrWrongType, "JSON string, want an object"},
		{"number", `12`, processor.ErrWrongType, "JSON number, want an object"},
		{"content number", `{"ChannelMessage":{"Content":1}}`, processor.ErrWrongType, "at ChannelMessage.Content (byte 30): got JSON number, want string"},
		{"message string", `{"ChannelMessage":"x"}`, processor.ErrWrongType, "at ChannelMessage (byte 21): got JSON string, want object"},
		{"attributes list", `{"ChannelMessage":{"MessageAttributes":[]}}`, processor.ErrWrongType, "want object"},
		{"string values", `{"ChannelMessage":{"MessageAttributes":{"a":{"StringValues":"x"}}}}`, processor.ErrWrongType, "want array"},
		{"timestamp bool", `{"ChannelMessage":{"CreatedTimestamp":true}}`, processor.ErrWrongType, "got JSON bool, want string or number"},
		{"timestamp object", `{"ChannelMessage":{"LastEditedTimestamp":{}}}`, processor.ErrWrongType, "want string or number"},
		{"too large", `{"x":"` + strings.Repeat("a", processor.MaxEventSize) + `"}`, processor.ErrEventTooLarge, "limit 262144"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := processor.Decode([]byte(tt.payload))
			require.Error(t, err)
			assert.Nil(t, ev)
			assert.ErrorIs(t, err, tt.kind)
			assert.ErrorIs(t, err, processor.ErrInvalidEvent)
			assert.Contains(t, err.Error(), tt.msg)
			var de *processor.DecodeError
			assert.True(t, errors.As(err, &de))
		})
	}
}

func TestDecodeTolerant(t *testing.T) {
	ev, err := processor.Decode([]byte(`  {"EventType":"CHANNEL_MESSAGE_EVENT","New":1,"CallbackId":"x","ChannelMessage":{"Unknown":{"a":[1]},"Content":"c","LastEditedTimestamp":null}}  `))
	require.NoError(t, err)
	assert.Equal(t, "c", ev.ChannelMessage.Content)
	assert.False(t, ev.ChannelMessage.Edited())
	assert.Nil(t, ev.ChannelMessage.PushNotification)
	assert.Nil(t, ev.ChannelMessage.MessageAttributes)
}

func TestTimestamp(t *testing.T) {
	tests := []struct {
		json string
		raw  string
		want time.Time
	}{
		{`"2024-05-01T12:00:00Z"`, "2024-05-01T12:00:00Z", time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)},
		{`"2024-05-01T12:00:00.250+02:00"`, "2024-05-01T12:00:00.250+02:00", time.Date(2024, 5, 1, 10, 0, 0, 250e6, time.UTC)},
		{`1714564800`, "1714564800", time.Unix(1714564800, 0).UTC()},
		{`1714564800.5`, "1714564800.5", time.Unix(1714564800, 5e8).UTC()},
		{`"1714564800123"`, "1714564800123", time.UnixMilli(1714564800123).UTC()},
		{`"Wed May 1 2024"`, "Wed May 1 2024", time.Time{}},
		{`""`, "", time.Time{}},
		{`null`, "", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.json, func(t *testing.T) {
			var ts processor.Timestamp
			require.NoError(t, ts.UnmarshalJSON([]byte(tt.json)))
			assert.Equal(t, tt.raw, ts.Raw)
			assert.True(t, tt.want.Equal(ts.Time), "got %v want %v", ts.Time, tt.want)
			out, err := ts.MarshalJSON()
			require.NoError(t, err)
			if tt.raw != "" {
				var back processor.Timestamp
				require.NoError(t, back.UnmarshalJSON(out))
				assert.Equal(t, ts, back, "round trip keeps the raw form")
			}
		})
	}
}

func TestSenderIsBot(t *testing.T) {
	assert.True(t, processor.Sender{Arn: "arn:aws:chime:us-east-1:111122223333:app-instance/a/bot/b"}.IsBot())
	assert.False(t, processor.Sender{Arn: "arn:aws:chime:us-east-1:111122223333:app-instance/a/user/b"}.IsBot())
}

func TestValidate(t *testing.T) {
	base := func() *processor.Event {
		ev, err := processor.Decode([]byte(validEvent))
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	require.NoError(t, base().Validate())
	tests := []struct {
		name         string
		mutate       func(*processor.Event)
		field        string
		unanswerable bool
	}{
		{"event type", func(e *processor.Event) { e.EventType = "OTHER" }, "EventType", false},
		{"no event type", func(e *processor.Event) { e.EventType = "" }, "EventType", false},
		{"callback short", func(e *processor.Event) { e.CallbackID = strings.Repeat("a", 31) }, "CallbackId", true},
		{"callback long", func(e *processor.Event) { e.CallbackID = strings.Repeat("a", 65) }, "CallbackId", true},
		{"no callback", func(e *processor.Event) { e.CallbackID = "" }, "CallbackId", true},
		{"message id chars", func(e *processor.Event) { e.ChannelMessage.MessageID = "a b" }, "ChannelMessage.MessageId", true},
		{"message id long", func(e *processor.Event) { e.ChannelMessage.MessageID = strings.Repeat("a", 129) }, "ChannelMessage.MessageId", true},
		{"no arn", func(e *processor.Event) { e.ChannelMessage.ChannelArn = "" }, "ChannelMessage.ChannelArn", true},
		{"bad arn", func(e *processor.Event) { e.ChannelMessage.ChannelArn = "arn:aws" }, "ChannelMessage.ChannelArn", true},
		{"type", func(e *processor.Event) { e.ChannelMessage.Type = "CONTROL" }, "ChannelMessage.Type", false},
		{"persistence", func(e *processor.Event) { e.ChannelMessage.Persistence = "FOREVER" }, "ChannelMessage.Persistence", false},
		{"empty content", func(e *processor.Event) { e.ChannelMessage.Content = "" }, "ChannelMessage.Content", false},
		{"metadata", func(e *processor.Event) { e.ChannelMessage.Metadata = strings.Repeat("é", 1025) }, "ChannelMessage.Metadata", false},
		{"sub-channel", func(e *processor.Event) { e.ChannelMessage.SubChannelID = "a/b" }, "ChannelMessage.SubChannelId", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := base()
			tt.mutate(ev)
			err := ev.Validate()
			var ve *processor.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, processor.ErrInvalidEvent)
			assert.Equal(t, tt.unanswerable, errors.Is(err, processor.ErrUnanswerable))
			fields := []string{}
			for _, p := range ve.Problems {
				fields = append(fields, p.Field)
			}
			assert.Contains(t, fields, tt.field)
		})
	}
	// Every problem is listed, not only the first.
	ev := base()
	ev.EventType, ev.CallbackID, ev.ChannelMessage.Content = "", "", ""
	var ve *processor.ValidationError
	require.ErrorAs(t, ev.Validate(), &ve)
	assert.Len(t, ve.Problems, 3)
}

func TestTimestampExponents(t *testing.T) {
	for _, in := range []string{`1e-3`, `0E-0`, `1.5e+9`, `-1`} {
		var ts processor.Timestamp
		require.NoError(t, ts.UnmarshalJSON([]byte(in)), in)
		assert.Equal(t, in, ts.Raw)
		ev, err := processor.Decode([]byte(`{"ChannelMessage":{"CreatedTimestamp":` + in + `}}`))
		require.NoError(t, err, in)
		assert.Equal(t, in, ev.ChannelMessage.CreatedTimestamp.Raw)
	}
	assert.Equal(t, time.Unix(1500000000, 0).UTC(), processor.NewTimestamp("1.5e+9").Time)
}
