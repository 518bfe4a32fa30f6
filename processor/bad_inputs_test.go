package processor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
)

// The words senders wrote carry this marker in the events below: no error
// string and no log line may show it.
const secret = "SENDERTEXT"

const (
	badCallbackID = "c0ffee00-aaaa-bbbb-cccc-0123456789ab"
	badChannelArn = "arn:aws:chime:us-east-1:111122223333:app-instance/87654321-4321-4321-4321-210987654321/channel/general"
	badSenderArn  = "arn:aws:chime:us-east-1:111122223333:app-instance/87654321-4321-4321-4321-210987654321/user/alice"
)

// event returns an event payload whose ChannelMessage holds the given
// members (raw JSON, without braces) after MessageId, ChannelArn, Sender,
// Persistence, Type and CreatedTimestamp. A member given twice is what the
// test means.
func event(members string) string {
	return eventWith(`"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"`+badCallbackID+`"`, members)
}

// eventWith is event with the given top-level members before
// ChannelMessage.
func eventWith(top, members string) string {
	cm := `"MessageId":"msg-1","ChannelArn":"` + badChannelArn + `","Sender":{"Arn":"` + badSenderArn + `","Name":"Alice"},` +
		`"Persistence":"PERSISTENT","Type":"STANDARD","CreatedTimestamp":"2024-05-01T12:00:00Z"`
	if members != "" {
		cm += "," + members
	}
	return "{" + top + `,"ChannelMessage":{` + cm + "}}"
}

// content is a message member holding sender text.
const content = `"Content":"hello ` + secret + `"`

// badInput is one kind of bad input of docs/bad-inputs.md and what must
// become of it: refused (ActionError, with the sentinel it matches), or
// answered with one callback (ALLOW, REWRITE) that the model accepts.
type badInput struct {
	name    string
	payload string
	action  processor.Action
	is      []error  // ERROR: sentinels the error matches
	text    string   // ERROR: in the error; REWRITE: in the reason
	changed []string // REWRITE: Outcome.Changed
	check   func(t *testing.T, ev *processor.Event, cb *messaging.ChannelMessageCallback)
}

func badInputs() []badInput {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	pad := func(payload string, size int) string {
		return strings.Replace(payload, `{`, `{"Padding":"`+strings.Repeat("p", size-len(payload)-len(`"Padding":"",`))+`",`, 1)
	}
	attrs := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"attr` + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("0", i/26) + `":{"StringValues":["v"]}`)
		}
		return `"MessageAttributes":{` + b.String() + `}`
	}
	content4k := `"Content":"` + strings.Repeat("é", 4096) + `"`
	text := func(key, value string) string { return event(content + `,"` + key + `":"` + value + `"`) }
	push := func(title, body string) string {
		return event(content + `,"PushNotification":{"Title":"` + title + `","Body":"` + body + `","Type":"DEFAULT"}`)
	}
	attr := func(name, value string) string {
		return event(content + `,"MessageAttributes":{"` + name + `":{"StringValues":["` + value + `"]}}`)
	}
	ok := processor.ActionAllow
	refused := processor.ActionError
	return []badInput{
		// Framing and size.
		{name: "empty payload", payload: "", action: refused, is: []error{processor.ErrEmptyEvent}},
		{name: "white space only", payload: " \n\t ", action: refused, is: []error{processor.ErrEmptyEvent}},
		{name: "not JSON", payload: "hello " + secret, action: refused, is: []error{processor.ErrMalformedJSON}, text: "byte 1"},
		{name: "truncated JSON", payload: event(content)[:120], action: refused, is: []error{processor.ErrMalformedJSON}, text: "unexpected end of JSON input"},
		{name: "text after the object", payload: event(content) + `{}`, action: refused, is: []error{processor.ErrMalformedJSON}, text: "after top-level value"},
		{name: "top-level array", payload: `[` + event(content) + `]`, action: refused, is: []error{processor.ErrWrongType}, text: "JSON array, want an object"},
		{name: "top-level null", payload: `null`, action: refused, is: []error{processor.ErrWrongType}, text: "JSON null"},
		{name: "event at exactly 256 KiB", payload: pad(event(content), processor.MaxEventSize), action: ok},
		{name: "event over 256 KiB", payload: pad(event(content), processor.MaxEventSize+1), action: refused, is: []error{processor.ErrEventTooLarge}, text: "262145 bytes, limit 262144"},
		{name: "byte order mark before the object", payload: "\xef\xbb\xbf" + event(content), action: ok},
		{name: "byte order mark inside content", payload: event(`"Content":"\ufeffhi ` + secret + `"`), action: ok, check: func(t *testing.T, _ *processor.Event, cb *messaging.ChannelMessageCallback) {
			assert.Equal(t, "\ufeffhi "+secret, cb.Content, "kept: U+FEFF is a valid character")
		}},
		{name: "deep nesting in an unknown field (1000 levels)", payload: event(content + `,"Extra":` + deep(1000)), action: ok},
		{name: "deep nesting past encoding/json's limit (10001 levels)", payload: event(content + `,"Extra":` + deep(10001)), action: refused, is: []error{processor.ErrMalformedJSON}, text: "nested deeper than encoding/json's limit of 10000"},

		// Text that is not valid Unicode.
		{name: "invalid UTF-8 in content", payload: event(`"Content":"bad ` + "\xff" + ` ` + secret + `"`), action: processor.ActionRewrite, changed: []string{"Content"},
			text: "repaired ChannelMessage.Content: invalid UTF-8 at byte", check: func(t *testing.T, _ *processor.Event, cb *messaging.ChannelMessageCallback) {
				assert.Equal(t, "bad \ufffd "+secret, cb.Content)
			}},
		{name: "invalid UTF-8 in the push title", payload: push("Al\xc3ce", "b"), action: processor.ActionRewrite, changed: []string{"PushNotification"},
			text: "ChannelMessage.PushNotification.Title: invalid UTF-8"},
		{name: "lone high surrogate escape in content", payload: event(`"Content":"x\ud800 ` + secret + `"`), action: processor.ActionRewrite, changed: []string{"Content"},
			text: "an unpaired surrogate escape at byte"},
		{name: "lone low surrogate escape in metadata", payload: text("Metadata", `{\"k\":\"\udc00\"}`), action: processor.ActionRewrite, changed: []string{"Metadata"},
			text: "ChannelMessage.Metadata: an unpaired surrogate escape"},
		{name: "high surrogate escape followed by a non-surrogate", payload: event(`"Content":"\ud83d\u0041"`), action: processor.ActionRewrite, changed: []string{"Content"}},
		{name: "surrogate pair escape", payload: event(`"Content":"\ud83d\ude00 ` + secret + `"`), action: ok, check: func(t *testing.T, _ *processor.Event, cb *messaging.ChannelMessageCallback) {
			assert.Equal(t, "😀 "+secret, cb.Content)
		}},
		{name: "escaped backslash before u", payload: event(`"Content":"\\ud800 ` + secret + `"`), action: ok, check: func(t *testing.T, _ *processor.Event, cb *messaging.ChannelMessageCallback) {
			assert.Equal(t, `\ud800 `+secret, cb.Content, "text, not an escape")
		}},
		{name: "invalid UTF-8 in an attribute value", payload: attr("topic", "sp\xe2rt"), action: processor.ActionRewrite, changed: []string{"MessageAttributes"},
			text: "ChannelMessage.MessageAttributes[" + messaging.AttributeRef("topic") + "].StringValues[0]: invalid UTF-8"},
		{name: "invalid UTF-8 in an attribute name", payload: attr("to\xffpic", "sport"), action: processor.ActionRewrite, changed: []string{"MessageAttributes"},
			text: "ChannelMessage.MessageAttributes[" + messaging.AttributeRef("to\ufffdpic") + "]: invalid UTF-8"},
		{name: "invalid UTF-8 in the content type", payload: text("ContentType", "text/pl\xffin"), action: processor.ActionRewrite, changed: []string{"ContentType"}},
		{name: "invalid UTF-8 in the sender's name", payload: strings.Replace(event(content), `"Name":"Alice"`, "\"Name\":\"Al\xffce\"", 1), action: ok,
			check: func(t *testing.T, ev *processor.Event, _ *messaging.ChannelMessageCallback) {
				assert.Equal(t, "Al\ufffdce", ev.ChannelMessage.Sender.Name, "not sent back: nothing the callback carries changed")
				require.Len(t, ev.Repairs(), 1)
				assert.Equal(t, "ChannelMessage.Sender.Name", ev.Repairs()[0].Field)
			}},
		{name: "invalid UTF-8 in the callback id", payload: eventWith(`"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"c0ffee00-aaaa-bbbb-cccc-0123456789a`+"\xff"+`"`, content),
			action: refused, is: []error{processor.ErrInvalidEvent, processor.ErrUnanswerable}, text: "CallbackId: invalid UTF-8 at byte"},
		{name: "lone surrogate escape in the channel ARN", payload: strings.Replace(event(content), "channel/general", `channel/gen\udbffral`, 1),
			action: refused, is: []error{processor.ErrUnanswerable}, text: "ChannelMessage.ChannelArn: an unpaired surrogate escape"},
		{name: "NUL in content", payload: event(`"Content":"a\u0000b ` + secret + `"`), action: ok, check: func(t *testing.T, _ *processor.Event, cb *messaging.ChannelMessageCallback) {
			assert.Equal(t, "a\x00b "+secret, cb.Content, "the model's [\\s\\S]* takes NUL: sent back as it came")
		}},
		{name: "NUL in metadata", payload: text("Metadata", `a\u0000b`), action: ok},
		{name: "NUL in the message id", payload: strings.Replace(event(content), `"msg-1"`, `"msg\u00001"`, 1), action: refused, is: []error{processor.ErrUnanswerable},
			text: "ChannelMessage.MessageId: byte 3 is outside"},

		// Keys.
		{name: "duplicate key", payload: event(content + `,"Content":"other"`), action: refused, is: []error{processor.ErrDuplicateKey}, text: "duplicate key at ChannelMessage.Content"},
		{name: "duplicate key in another case", payload: event(content + `,"content":"other"`), action: refused, is: []error{processor.ErrDuplicateKey}, text: "at ChannelMessage.Content"},
		{name: "duplicate top-level key", payload: `{"CallbackId":"` + badCallbackID + `",` + event(content)[1:], action: refused, is: []error{processor.ErrDuplicateKey}, text: "at CallbackId"},
		{name: "duplicate attribute name", payload: event(content + `,"MessageAttributes":{"a":{"StringValues":["1"]},"a":{"StringValues":["2"]}}`),
			action: refused, is: []error{processor.ErrDuplicateKey}, text: "at ChannelMessage.MessageAttributes[#ca978112]"},
		{name: "attribute names that decode to the same text", payload: event(content + `,"MessageAttributes":{"a":{"StringValues":["1"]},"\u0061":{"StringValues":["2"]}}`),
			action: refused, is: []error{processor.ErrDuplicateKey}},
		{name: "attribute names differing in case", payload: event(content + `,"MessageAttributes":{"a":{"StringValues":["1"]},"A":{"StringValues":["2"]}}`), action: ok},
		{name: "duplicate key inside an unknown field", payload: event(content + `,"Extra":{"x":1,"x":2}`), action: ok},
		{name: "keys in another case", payload: `{"eventtype":"CHANNEL_MESSAGE_EVENT","callbackid":"` + badCallbackID + `","channelmessage":{"messageid":"msg-1","channelarn":"` + badChannelArn + `","content":"hi ` + secret + `"}}`,
			action: ok, check: func(t *testing.T, ev *processor.Event, _ *messaging.ChannelMessageCallback) {
				assert.Equal(t, "msg-1", ev.ChannelMessage.MessageID, "encoding/json matches keys without regard to case")
			}},
		{name: "escaped key", payload: event(`"Con\u0074ent":"hi ` + secret + `"`), action: ok},

		// Values the service would never send.
		{name: "EventType in another case", payload: eventWith(`"EventType":"channel_message_event","CallbackId":"`+badCallbackID+`"`, content), action: refused,
			is: []error{processor.ErrInvalidEvent}, text: "EventType: want CHANNEL_MESSAGE_EVENT in upper case"},
		{name: "unknown EventType", payload: eventWith(`"EventType":"CHANNEL_MEMBERSHIP_EVENT","CallbackId":"`+badCallbackID+`"`, content), action: refused,
			is: []error{processor.ErrInvalidEvent}, text: `"CHANNEL_MEMBERSHIP_EVENT" is not CHANNEL_MESSAGE_EVENT`},
		{name: "CONTROL message", payload: strings.Replace(event(content), `"STANDARD"`, `"CONTROL"`, 1), action: refused, is: []error{processor.ErrInvalidEvent}, text: "is not STANDARD"},
		{name: "null ChannelMessage", payload: `{"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"` + badCallbackID + `","ChannelMessage":null}`, action: refused,
			is: []error{processor.ErrUnanswerable}, text: "ChannelMessage.ChannelArn: required"},
		{name: "null PushNotification and MessageAttributes", payload: event(content + `,"PushNotification":null,"MessageAttributes":null,"Metadata":null`), action: ok},
		{name: "null attribute value", payload: event(content + `,"MessageAttributes":{"a":null}`), action: ok},
		{name: "content a number", payload: event(`"Content":42`), action: refused, is: []error{processor.ErrWrongType}, text: "at ChannelMessage.Content (byte"},
		{name: "ChannelMessage a string", payload: `{"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"` + badCallbackID + `","ChannelMessage":"` + secret + `"}`, action: refused,
			is: []error{processor.ErrWrongType}, text: "want object"},
		{name: "MessageAttributes an array", payload: event(content + `,"MessageAttributes":["` + secret + `"]`), action: refused, is: []error{processor.ErrWrongType}, text: "want object"},
		{name: "StringValues a string", payload: event(content + `,"MessageAttributes":{"a":{"StringValues":"` + secret + `"}}`), action: refused, is: []error{processor.ErrWrongType}, text: "want array"},
		{name: "StringValues holding a number", payload: event(content + `,"MessageAttributes":{"a":{"StringValues":[1]}}`), action: refused, is: []error{processor.ErrWrongType}, text: "want string"},
		{name: "timestamp an object", payload: event(content + `,"LastEditedTimestamp":{}`), action: refused, is: []error{processor.ErrWrongType}, text: "want string or number"},
		{name: "huge timestamp", payload: strings.Replace(event(content), `"2024-05-01T12:00:00Z"`, `1e400`, 1), action: ok, check: func(t *testing.T, ev *processor.Event, _ *messaging.ChannelMessageCallback) {
			assert.Equal(t, "1e400", ev.ChannelMessage.CreatedTimestamp.Raw)
			assert.True(t, ev.ChannelMessage.CreatedTimestamp.Time.IsZero())
		}},
		{name: "timestamp past year 9999", payload: strings.Replace(event(content), `"2024-05-01T12:00:00Z"`, `253402300800000`, 1), action: ok, check: func(t *testing.T, ev *processor.Event, _ *messaging.ChannelMessageCallback) {
			assert.True(t, ev.ChannelMessage.CreatedTimestamp.Time.IsZero())
		}},
		{name: "negative timestamp", payload: strings.Replace(event(content), `"2024-05-01T12:00:00Z"`, `-1714564800`, 1), action: ok, check: func(t *testing.T, ev *processor.Event, _ *messaging.ChannelMessageCallback) {
			assert.Equal(t, "-1714564800", ev.ChannelMessage.CreatedTimestamp.Raw)
			assert.True(t, ev.ChannelMessage.CreatedTimestamp.Time.IsZero())
		}},
		{name: "timestamp in an unknown format", payload: strings.Replace(event(content), `"2024-05-01T12:00:00Z"`, `"May 1st"`, 1), action: ok},
		{name: "edit with a null LastEditedTimestamp", payload: event(content + `,"LastEditedTimestamp":null`), action: ok, check: func(t *testing.T, ev *processor.Event, _ *messaging.ChannelMessageCallback) {
			assert.False(t, ev.ChannelMessage.Edited())
		}},

		// ARNs and ids.
		{name: "channel ARN with a sub-path", payload: strings.Replace(event(content), "channel/general", "channel/general/extra", 1), action: refused,
			is: []error{processor.ErrUnanswerable}, text: "not the ARN of a channel"},
		{name: "channel ARN of a user", payload: strings.Replace(event(content), "channel/general", "user/alice", 1), action: refused, is: []error{processor.ErrUnanswerable}},
		{name: "channel ARN with a line break", payload: strings.Replace(event(content), "channel/general", `channel/gen\neral`, 1), action: refused,
			is: []error{processor.ErrUnanswerable}, text: "line break (U+000A)"},
		{name: "channel ARN with an upper-case partition", payload: strings.Replace(event(content), "arn:aws:chime", "arn:AWS:chime", 1), action: refused, is: []error{processor.ErrUnanswerable}},
		{name: "sender ARN with a sub-path", payload: strings.Replace(event(content), "user/alice", "user/alice/bot/b", 1), action: ok, check: func(t *testing.T, ev *processor.Event, _ *messaging.ChannelMessageCallback) {
			assert.False(t, ev.ChannelMessage.Sender.IsBot(), "a user ARN with a /bot/ sub-path is not a bot's")
		}},
		{name: "callback id of 31 characters", payload: eventWith(`"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"`+badCallbackID[:31]+`"`, content), action: refused,
			is: []error{processor.ErrUnanswerable}, text: "CallbackId: length 31 is below the minimum 32"},
		{name: "callback id of 64 multi-byte characters", payload: eventWith(`"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"`+strings.Repeat("ü", 64)+`"`, content), action: ok},
		{name: "message id of 129 characters", payload: strings.Replace(event(content), `"msg-1"`, `"`+strings.Repeat("m", 129)+`"`, 1), action: refused, is: []error{processor.ErrUnanswerable}},
		{name: "sub-channel id with a slash", payload: event(content + `,"SubChannelId":"sub/1"`), action: refused, is: []error{processor.ErrUnanswerable}, text: "ChannelMessage.SubChannelId: byte 3"},

		// Patterns.
		{name: "pretty-printed JSON metadata", payload: text("Metadata", `{\n  \"k\": \"`+secret+`\",\n  \"n\": [1, 2]\n}`), action: processor.ActionRewrite, changed: []string{"Metadata"},
			text: "repaired ChannelMessage.Metadata: JSON with line breaks written compactly", check: func(t *testing.T, _ *processor.Event, cb *messaging.ChannelMessageCallback) {
				assert.Equal(t, `{"k":"`+secret+`","n":[1,2]}`, cb.Metadata)
			}},
		{name: "JSON metadata with U+2028 in a string", payload: text("Metadata", `{\"k\":\"a\u2028b\"}`), action: processor.ActionRewrite, changed: []string{"Metadata"},
			check: func(t *testing.T, _ *processor.Event, cb *messaging.ChannelMessageCallback) {
				assert.Equal(t, `{"k":"a\u2028b"}`, cb.Metadata, "the same JSON value, escaped")
			}},
		{name: "text metadata with a line break", payload: text("Metadata", `line one\nline two `+secret), action: refused, is: []error{processor.ErrInvalidEvent},
			text: "ChannelMessage.Metadata: line break (U+000A) at character 9"},
		{name: "metadata with U+0085", payload: text("Metadata", `a\u0085b`), action: refused, is: []error{processor.ErrInvalidEvent}, text: "line break (U+0085)"},
		{name: "push title with a line break", payload: push(`Alice\r\nin #general`, "b"), action: processor.ActionRewrite, changed: []string{"PushNotification"},
			text: "1 line break(s) replaced by spaces", check: func(t *testing.T, _ *processor.Event, cb *messaging.ChannelMessageCallback) {
				assert.Equal(t, "Alice in #general", cb.PushNotification.Title)
			}},
		{name: "push body with a line break", payload: push("t", `line one\nline two`), action: ok},
		{name: "content with line breaks", payload: event(`"Content":"line one\nline two\u2028` + secret + `"`), action: ok},
		{name: "push type in lower case", payload: event(content + `,"PushNotification":{"Title":"t","Body":"b","Type":"default"}`), action: refused, is: []error{processor.ErrInvalidEvent},
			text: "PushNotification.Type: must be DEFAULT or VOIP"},

		// Lengths, in characters.
		{name: "empty content", payload: event(`"Content":""`), action: refused, is: []error{processor.ErrInvalidEvent}, text: "ChannelMessage.Content: must not be empty"},
		{name: "content over 4 KB", payload: event(content4k), action: ok},
		{name: "metadata of 1024 two-byte characters", payload: text("Metadata", strings.Repeat("é", 1024)), action: ok},
		{name: "metadata of 1025 characters", payload: text("Metadata", strings.Repeat("é", 1025)), action: refused, is: []error{processor.ErrInvalidEvent},
			text: "ChannelMessage.Metadata: length 1025 exceeds the maximum 1024"},
		{name: "push title of 50 four-byte characters", payload: push(strings.Repeat("😀", 50), "b"), action: ok},
		{name: "push title of 51 characters", payload: push(strings.Repeat("😀", 51), "b"), action: refused, is: []error{processor.ErrInvalidEvent}, text: "length 51 exceeds the maximum 50"},
		{name: "push body of 150 three-byte characters", payload: push("t", strings.Repeat("語", 150)), action: ok},
		{name: "push body of 151 characters", payload: push("t", strings.Repeat("語", 151)), action: refused, is: []error{processor.ErrInvalidEvent}, text: "length 151 exceeds the maximum 150"},
		{name: "attribute name of 64 characters", payload: attr(strings.Repeat("ñ", 64), "v"), action: ok},
		{name: "attribute name of 65 characters", payload: attr(strings.Repeat("ñ", 65), "v"), action: refused, is: []error{processor.ErrInvalidEvent}, text: "length 65 exceeds the maximum 64"},
		{name: "attribute value of 512 characters", payload: attr("a", strings.Repeat("ß", 512)), action: ok},
		{name: "attribute value of 513 characters", payload: attr("a", strings.Repeat("ß", 513)), action: refused, is: []error{processor.ErrInvalidEvent},
			text: "MessageAttributes[#ca978112].StringValues[0]: length 513 exceeds the maximum 512"},
		{name: "empty attribute value", payload: attr("a", ""), action: refused, is: []error{processor.ErrInvalidEvent}, text: "must not be empty"},
		{name: "empty attribute name", payload: attr("", "v"), action: refused, is: []error{processor.ErrInvalidEvent}, text: `MessageAttributes[""]: must not be empty`},
		{name: "attribute without values", payload: event(content + `,"MessageAttributes":{"a":{}}`), action: ok},
		{name: "100 attributes", payload: event(content + "," + attrs(100)), action: ok, check: func(t *testing.T, _ *processor.Event, cb *messaging.ChannelMessageCallback) {
			assert.Len(t, cb.MessageAttributes, 100, "the model sets no count; every one is sent back")
		}},
		{name: "content type of 45 characters", payload: text("ContentType", strings.Repeat("ç", 45)), action: ok},
		{name: "content type of 46 characters", payload: text("ContentType", strings.Repeat("ç", 46)), action: refused, is: []error{processor.ErrInvalidEvent}, text: "length 46 exceeds the maximum 45"},
	}
}

// TestBadInputs runs each kind of bad input of docs/bad-inputs.md through
// the handler: a refused event gets its error and no callback; any other
// gets exactly one callback the model accepts, with the outcome the table
// says. Neither the error nor the log line shows what the sender wrote.
func TestBadInputs(t *testing.T) {
	rows := badInputs()
	require.GreaterOrEqual(t, len(rows), 30)
	names := map[string]bool{}
	for _, tt := range rows {
		require.False(t, names[tt.name], "row %q twice", tt.name)
		names[tt.name] = true
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			rec := &messagingtest.Recorder{}
			h, err := processor.NewHandler(processor.NewPipeline(), rec, processor.WithLogger(zerolog.New(&logs).Level(zerolog.InfoLevel)))
			require.NoError(t, err)
			res, err := h.Handle(context.Background(), []byte(tt.payload))
			assert.NotContains(t, logs.String(), secret, "the log line shows sender text")
			assert.Equal(t, 1, strings.Count(logs.String(), "\n"), "one log line")
			assert.Equal(t, tt.action, res.Outcome.Action)
			if tt.action == processor.ActionError {
				require.Error(t, err)
				assert.Empty(t, rec.Calls(), "a refused event gets no callback")
				assert.ErrorIs(t, err, processor.ErrInvalidEvent)
				for _, target := range tt.is {
					assert.ErrorIs(t, err, target)
				}
				assert.Contains(t, err.Error(), tt.text)
				assert.NotContains(t, err.Error(), secret, "the error shows sender text")
				return
			}
			require.NoError(t, err)
			calls := rec.Calls()
			require.Len(t, calls, 1)
			require.NoError(t, calls[0].Validate(), "the callback must be one the service accepts")
			assert.Equal(t, tt.changed, res.Outcome.Changed)
			if tt.action == processor.ActionRewrite {
				assert.Contains(t, res.Outcome.Reason, tt.text)
				assert.NotEmpty(t, res.Event.Repairs())
			}
			if tt.check != nil {
				tt.check(t, res.Event, calls[0].ChannelMessage)
			}
		})
	}
}

// TestRepairsAreLogged: the repairs of a REWRITE are in its log line, by
// field and position.
func TestRepairsAreLogged(t *testing.T) {
	var logs bytes.Buffer
	h, err := processor.NewHandler(processor.NewPipeline(), &messagingtest.Recorder{}, processor.WithLogger(zerolog.New(&logs).Level(zerolog.InfoLevel)))
	require.NoError(t, err)
	_, err = h.Handle(context.Background(), []byte(event(`"Content":"bad `+"\xff"+` `+secret+`","Sender":{"Name":"x"}`)))
	// Sender is given twice: a duplicate.
	require.ErrorIs(t, err, processor.ErrDuplicateKey)

	logs.Reset()
	payload := eventWith(`"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"`+badCallbackID+`"`, `"Content":"bad `+"\xff"+` `+secret+`"`)
	payload = strings.Replace(payload, `"Name":"Alice"`, "\"Name\":\"Al\xffce\"", 1)
	res, err := h.Handle(context.Background(), []byte(payload))
	require.NoError(t, err)
	assert.Equal(t, processor.ActionRewrite, res.Outcome.Action)
	assert.Equal(t, []string{"Content"}, res.Outcome.Changed, "the sender's name is not sent back")
	require.Len(t, res.Event.Repairs(), 2)
	assert.Equal(t, "ChannelMessage.Sender.Name", res.Event.Repairs()[0].Field)
	assert.Equal(t, "ChannelMessage.Content", res.Event.Repairs()[1].Field)
	var line struct {
		Outcome string             `json:"outcome"`
		Changed []string           `json:"changed"`
		Repairs []processor.Repair `json:"repairs"`
		Reason  string             `json:"reason"`
	}
	require.NoError(t, json.Unmarshal(logs.Bytes(), &line), logs.String())
	assert.Equal(t, "REWRITE", line.Outcome)
	assert.Equal(t, res.Event.Repairs(), line.Repairs)
	assert.Contains(t, line.Reason, "repaired ChannelMessage.Content: invalid UTF-8 at byte ")
	assert.NotContains(t, line.Reason, "Sender", "only the repairs that changed the callback are the reason")
}

// TestRepairThenRuleDenies: a rule may still deny a repaired message; the
// repairs stay in the outcome for the log.
func TestRepairThenRuleDenies(t *testing.T) {
	ev, err := processor.Decode([]byte(event(`"Content":"bad ` + "\xff" + `"`)))
	require.NoError(t, err)
	require.NoError(t, ev.Validate())
	out := processor.NewPipeline(processor.Stage{Name: "d", Rule: deny}).Run(context.Background(), ev)
	assert.Equal(t, processor.ActionDeny, out.Action)
	assert.Equal(t, "no", out.Reason)
	assert.Len(t, out.Repairs, 1)
}

// TestTimestampLimits: epoch numbers are read up to the end of year 9999.
func TestTimestampLimits(t *testing.T) {
	last := processor.NewTimestamp("253402300799999")
	assert.Equal(t, 9999, last.Time.Year())
	assert.True(t, processor.NewTimestamp("253402300800000").Time.IsZero())
	assert.True(t, processor.NewTimestamp("9223372036854775808").Time.IsZero(), "no int64 overflow")
	assert.Equal(t, time.Unix(99999999999, 0).UTC(), processor.NewTimestamp("99999999999").Time, "seconds below 1e11")
}

// TestDecodeErrorOffsetsArePayloadOffsets: offsets count the white space
// and byte order mark before the object.
func TestDecodeErrorOffsetsArePayloadOffsets(t *testing.T) {
	payload := []byte(event(content + `,"Content":"x"`))
	_, err := processor.Decode(payload)
	var de *processor.DecodeError
	require.True(t, errors.As(err, &de))
	at := bytes.LastIndex(payload, []byte(`"Content"`))
	assert.Equal(t, int64(at), de.Offset)

	prefixed := append([]byte("\xef\xbb\xbf \n"), payload...)
	_, err = processor.Decode(prefixed)
	require.True(t, errors.As(err, &de))
	assert.Equal(t, int64(at+5), de.Offset)
}

// TestBadInputsDocumented ties docs/bad-inputs.md to the tests: every row
// of TestBadInputs is named in the table, every name in the table is a
// row or a test, and every fixture it names exists and replays (golden
// file, default rules) to an outcome its row announces.
func TestBadInputsDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/bad-inputs.md")
	require.NoError(t, err)
	rows := map[string]bool{}
	for _, r := range badInputs() {
		rows[r.name] = true
	}
	tests := map[string]bool{}
	for _, p := range []string{"*_test.go"} {
		files, _ := filepath.Glob(p)
		for _, f := range files {
			b, err := os.ReadFile(f)
			require.NoError(t, err)
			for _, m := range regexp.MustCompile(`(?m)^func (Test\w+|Fuzz\w+)\(`).FindAllSubmatch(b, -1) {
				tests[string(m[1])] = true
			}
		}
	}
	named := map[string]bool{}
	kinds := 0
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, " | ")
		if len(cells) != 4 || !regexp.MustCompile(`^\| \d+$`).MatchString(cells[0]) {
			continue
		}
		kinds++
		cells[0] = strings.TrimPrefix(cells[0], "| ")
		happens, test := cells[2], strings.TrimSuffix(cells[3], " |")
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(test, -1) {
			named[m[1]] = true
			assert.True(t, rows[m[1]] || tests[m[1]], "row %s names %q, which is neither a TestBadInputs row nor a test", cells[0], m[1])
		}
		want := map[string]bool{}
		for word, outcome := range map[string]string{"refused": "ERROR", "ALLOW": "ALLOW", "accepted": "ALLOW", "REWRITE": "REWRITE"} {
			if strings.Contains(happens, word) {
				want[outcome] = true
			}
		}
		require.NotEmpty(t, want, "row %s says neither refused, accepted, ALLOW nor REWRITE", cells[0])
		for _, m := range regexp.MustCompile(`[\w-]+\.json`).FindAllString(test, -1) {
			golden, err := os.ReadFile("../testdata/events/" + strings.TrimSuffix(m, ".json") + ".golden.json")
			require.NoError(t, err, "row %s: fixture %s", cells[0], m)
			var report struct{ Outcome string }
			require.NoError(t, json.Unmarshal(golden, &report))
			assert.True(t, want[report.Outcome], "row %s: %s replays to %s", cells[0], m, report.Outcome)
		}
	}
	assert.GreaterOrEqual(t, kinds, 30, "at least 30 kinds of bad input")
	for name := range rows {
		assert.True(t, named[name], "TestBadInputs row %q is not in docs/bad-inputs.md", name)
	}
}
