package metadata

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
)

func TestParseTemplate(t *testing.T) {
	m := processor.NewMessage(processortest.NewEvent("hi", processortest.Edited(), processortest.WithSubChannel("sub-9"),
		processortest.WithContentType("text/markdown")))
	tests := []struct {
		in      string
		want    string // rendered JSON
		errs    []string
		offsets []int
	}{
		{in: "", want: `""`},
		{in: "plain", want: `"plain"`},
		{in: "}} alone", want: `"}} alone"`},
		{in: "{{sender.arn}}", want: `"` + processortest.UserArn + `"`},
		{in: "{{ sender.name }}!", want: `"Alice!"`},
		{in: "{{message.edited}}", want: `true`},
		{in: " {{message.edited}}", want: `" true"`},
		{in: "{{sender.bot}}", want: `false`},
		{in: "{{subChannel.id}}/{{message.contentType}}", want: `"sub-9/text/markdown"`},
		{in: "{{message.lastEdited}}", want: `"2024-05-01T12:05:00Z"`},
		{in: "{{{{", want: `"{{"`},
		{in: "a{{{{b}}", want: `"a{{b}}"`},
		{in: "{{message.id}}{{message.id}}", want: `"msg-0001msg-0001"`},
		{in: "{{", errs: []string{"unterminated {{"}, offsets: []int{0}},
		{in: "ok {{sender.arn", errs: []string{"unterminated {{"}, offsets: []int{3}},
		{in: "{{}}", errs: []string{"empty placeholder"}, offsets: []int{0}},
		{in: "{{  }}", errs: []string{"empty placeholder"}, offsets: []int{0}},
		{in: "{{Sender.Arn}}", errs: []string{"unknown placeholder {{Sender.Arn}}; did you mean {{sender.arn}}?"}, offsets: []int{0}},
		{in: "x {{sender.nmae}} {{bogus}}", errs: []string{
			"did you mean {{sender.name}}?",
			"unknown placeholder {{bogus}} (known: channel.arn, message.contentType",
		}, offsets: []int{2, 18}},
		{in: "{{{sender.arn}}", errs: []string{"unknown placeholder {{{sender.arn}}"}, offsets: []int{0}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			tmpl, errs := parseTemplate(tt.in)
			require.Len(t, errs, len(tt.errs), "errors: %v", errs)
			for i, e := range errs {
				assert.Contains(t, e.Msg, tt.errs[i])
				assert.Equal(t, tt.offsets[i], e.Offset)
			}
			if len(tt.errs) == 0 {
				assert.Equal(t, tt.want, string(tmpl.appendJSON(nil, m)))
			}
		})
	}
}

func TestTimePlaceholder(t *testing.T) {
	tests := []struct {
		created, edited, want string
	}{
		{"2024-05-01T12:00:00Z", "", "2024-05-01T12:00:00Z"},
		{"2024-05-01T14:00:00.250+02:00", "", "2024-05-01T12:00:00.25Z"},
		{"1714564800000", "", "2024-05-01T12:00:00Z"},
		{"2024-05-01T12:00:00Z", "1714565100", "2024-05-01T12:05:00Z"},
		{"yesterday", "", "yesterday"},
		{"", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.created+"/"+tt.edited, func(t *testing.T) {
			var ev processor.Event
			doc := `{"ChannelMessage":{"CreatedTimestamp":` + jsonString(tt.created) + `,"LastEditedTimestamp":` + jsonString(tt.edited) + `}}`
			require.NoError(t, json.Unmarshal([]byte(doc), &ev))
			assert.Equal(t, tt.want, phTime.value(processor.NewMessage(&ev)))
		})
	}
}

func jsonString(s string) string {
	if s == "" {
		return "null"
	}
	if strings.Trim(s, "0123456789") == "" {
		return s
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func TestParseObject(t *testing.T) {
	tests := []struct {
		in   string
		keys []string
		err  bool
	}{
		{in: `{}`, keys: nil},
		{in: ` { "b" : 1 , "a" : [ 1 , 2 ] } `, keys: []string{"b", "a"}},
		{in: `{"a":1,"b":2,"a":3}`, keys: []string{"a", "b"}},
		{in: `{"\u0061":1}`, keys: []string{"a"}},
		{in: `[]`, err: true},
		{in: `"s"`, err: true},
		{in: `null`, err: true},
		{in: `{"a":1}{}`, err: true},
		{in: `{"a":}`, err: true},
		{in: `text`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			o, err := parseObject([]byte(tt.in))
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.keys, o.keys)
		})
	}
}
