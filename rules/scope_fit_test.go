package rules_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
)

// part says how to put a text in one part of a message, and read it back.
type part struct {
	name  string
	place rules.Part
	scope rules.Scope
	limit int // characters
	set   func(ev *processor.Event, s string)
	get   func(m *processor.Message) string
}

// jsonOverhead is what the document {"a":"…"} holds besides the value.
const jsonOverhead = len(`{"a":""}`)

var off = new(false)

// parts lists every part a rule may rewrite, each with its limit: one
// value of JSON metadata is limited by the document around it.
var parts = []part{
	{"content", rules.PartContent, rules.Scope{Push: off}, rules.MaxContentLen,
		func(ev *processor.Event, s string) { ev.ChannelMessage.Content = s },
		func(m *processor.Message) string { return m.Content }},
	{"push title", rules.PartPushTitle, rules.Scope{Content: off}, messaging.MaxPushTitleLen,
		func(ev *processor.Event, s string) {
			ev.ChannelMessage.PushNotification = &messaging.PushNotificationConfiguration{Title: s, Body: "b"}
		},
		func(m *processor.Message) string { return m.PushNotification.Title }},
	{"push body", rules.PartPushBody, rules.Scope{Content: off}, messaging.MaxPushBodyLen,
		func(ev *processor.Event, s string) {
			ev.ChannelMessage.PushNotification = &messaging.PushNotificationConfiguration{Title: "t", Body: s}
		},
		func(m *processor.Message) string { return m.PushNotification.Body }},
	{"metadata text", rules.PartMetadata, rules.Scope{Content: off, Push: off, Metadata: []string{"*"}}, messaging.MaxMetadataLen,
		func(ev *processor.Event, s string) { ev.ChannelMessage.Metadata = s },
		func(m *processor.Message) string { return m.Metadata }},
	{"metadata value", rules.PartMetadata, rules.Scope{Content: off, Push: off, Metadata: []string{"a"}}, messaging.MaxMetadataLen - jsonOverhead,
		func(ev *processor.Event, s string) {
			b, _ := json.Marshal(map[string]string{"a": s})
			ev.ChannelMessage.Metadata = string(b)
		},
		func(m *processor.Message) string {
			var v map[string]string
			if err := json.Unmarshal([]byte(m.Metadata), &v); err != nil {
				return "invalid JSON: " + m.Metadata
			}
			return v["a"]
		}},
	{"attribute value", rules.PartAttribute, rules.Scope{Content: off, Push: off, Attributes: []string{"a"}}, messaging.MaxAttributeValueLen,
		func(ev *processor.Event, s string) {
			ev.ChannelMessage.MessageAttributes = map[string]messaging.MessageAttributeValue{"a": {StringValues: []string{s}}}
		},
		func(m *processor.Message) string { return m.MessageAttributes["a"].StringValues[0] }},
}

// rewriteTo returns a message with "x" in the part, rewritten by a rule
// that makes it out, with the fallback fb (nil for none).
func rewriteTo(t *testing.T, p part, out string, fb rules.Rewriter) *processor.Message {
	t.Helper()
	ev := processortest.NewEvent("x")
	p.set(ev, "x")
	m := processor.NewMessage(ev)
	compile(t, p.scope).RewriteOr(m, func(rules.Place, string) string { return out }, fb)
	return m
}

// checkFits checks m against the callback's model.
func checkFits(t *testing.T, m *processor.Message) {
	t.Helper()
	in := messaging.ChannelFlowCallbackInput{
		CallbackID: strings.Repeat("c", 32),
		ChannelArn: "arn:aws:chime:us-east-1:111122223333:app-instance/i/channel/c",
		ChannelMessage: &messaging.ChannelMessageCallback{
			MessageID: "m", Content: m.Content, Metadata: m.Metadata,
			PushNotification: m.PushNotification, MessageAttributes: m.MessageAttributes,
		},
	}
	require.NoError(t, in.Validate())
	for what, s := range map[string]string{"content": m.Content, "metadata": m.Metadata} {
		assert.True(t, utf8.ValidString(s), "%s is not valid UTF-8", what)
	}
	assert.NotEmpty(t, m.Content)
	assert.False(t, strings.ContainsAny(m.Metadata, "\n\r\u0085\u2028\u2029"), "line terminator in the metadata %q", m.Metadata)
	if p := m.PushNotification; p != nil {
		assert.False(t, strings.ContainsAny(p.Title, "\n\r\u0085\u2028\u2029"), "line terminator in the title %q", p.Title)
	}
	for _, a := range m.MessageAttributes {
		for _, v := range a.StringValues {
			assert.True(t, utf8.ValidString(v) && v != "", "attribute value %q", v)
		}
	}
}

// TestRewriteFitsEveryPart rewrites each part to one character below,
// at and past its limit, in characters of one, two and four bytes: up to
// the limit the rewrite stands; past it, without a fallback, it is cut to
// the limit with an ellipsis, and with one, the fallback's text stands.
func TestRewriteFitsEveryPart(t *testing.T) {
	mask := func(_ rules.Place, s string) string { return strings.Repeat("*", utf8.RuneCountInString(s)) }
	for _, p := range parts {
		for _, char := range []string{"a", "é", "😀"} {
			for _, n := range []int{p.limit - 1, p.limit, p.limit + 1} {
				long := strings.Repeat(char, n)
				t.Run(p.name+"/"+char+"/"+itoa(n), func(t *testing.T) {
					want := long
					if n > p.limit {
						want = strings.Repeat(char, p.limit-1) + "…"
					}
					m := rewriteTo(t, p, long, nil)
					assert.Equal(t, want, p.get(m))
					checkFits(t, m)

					if n > p.limit {
						want = "*"
					}
					m = rewriteTo(t, p, long, mask)
					assert.Equal(t, want, p.get(m), "with a fallback")
					checkFits(t, m)
				})
			}
		}
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestRewriteCleans: what no callback may carry is replaced in a
// rewritten text, whatever the rule wrote: invalid UTF-8 everywhere, line
// terminators in the metadata and the push title; an emptied content or
// attribute value is "…".
func TestRewriteCleans(t *testing.T) {
	byName := map[string]part{}
	for _, p := range parts {
		byName[p.name] = p
	}
	tests := []struct {
		part, out, want string
	}{
		{"content", "a\xffb", "a\uFFFDb"},
		{"content", "a\nb\u2028c", "a\nb\u2028c"},
		{"content", "", "…"},
		{"push title", "a\nb\r\nc\u0085d\u2028e\u2029f", "a b  c d e f"},
		{"push title", "", ""},
		{"push title", "\xff\xfe", "\uFFFD"},
		{"push body", "a\nb\u2028c", "a\nb\u2028c"},
		{"push body", "", ""},
		{"metadata text", "a\nb\u2028c\xff", "a b c\uFFFD"},
		{"metadata value", "a\nb\u2028c\u0085d\u2029e\xff", "a\nb\u2028c\u0085d\u2029e\uFFFD"}, // escaped in the JSON
		{"attribute value", "", "…"},
		{"attribute value", "a\n\xffb", "a\n\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.part+"/"+tt.out, func(t *testing.T) {
			m := rewriteTo(t, byName[tt.part], tt.out, nil)
			assert.Equal(t, tt.want, byName[tt.part].get(m))
			checkFits(t, m)
		})
	}
	m := rewriteTo(t, byName["metadata value"], "a\u2028b", nil)
	assert.Equal(t, `{"a":"a\u2028b"}`, m.Metadata)
}

// TestRewriteLongContent: content the sender made longer than
// MaxContentLen (which the service does not let happen) may stay as long.
func TestRewriteLongContent(t *testing.T) {
	long := strings.Repeat("é", rules.MaxContentLen+10)
	m := processor.NewMessage(processortest.NewEvent(long))
	compile(t, rules.Scope{}).Rewrite(m, func(_ rules.Place, s string) string { return strings.ReplaceAll(s, "é", "e") })
	assert.Equal(t, strings.Repeat("e", rules.MaxContentLen+10), m.Content)
	compile(t, rules.Scope{}).Rewrite(m, func(_ rules.Place, s string) string { return s + "!" })
	assert.Equal(t, strings.Repeat("e", rules.MaxContentLen+9)+"…", m.Content)
}

// TestRewriteFallbackOnlyWhenNeeded: the fallback runs only for a text
// that does not fit, or, in JSON metadata, for every rewritten value of a
// document that does not.
func TestRewriteFallbackOnlyWhenNeeded(t *testing.T) {
	var calls []string
	fb := func(p rules.Place, s string) string { calls = append(calls, p.String()+"="+s); return "#" }
	texts := compile(t, rules.Scope{Metadata: []string{"*"}})
	m := processor.NewMessage(processortest.NewEvent("short", processortest.WithPush("title", "body"),
		processortest.WithMetadata(`{"a":"one","b":"two","c":7,"d":"three"}`)))
	grow := func(p rules.Place, s string) string {
		if p.Part == rules.PartMetadata && s != "two" {
			return strings.Repeat(s, 200)
		}
		if p.Part == rules.PartPushTitle {
			return strings.Repeat(s, 20)
		}
		return strings.ToUpper(s)
	}
	texts.RewriteOr(m, grow, fb)
	assert.Equal(t, []string{"PushNotification.Title=title", "Metadata=one", "Metadata=two", "Metadata=three"}, calls)
	assert.Equal(t, "SHORT", m.Content)
	assert.Equal(t, "#", m.PushNotification.Title)
	assert.Equal(t, "BODY", m.PushNotification.Body)
	assert.Equal(t, `{"a":"#","b":"#","c":7,"d":"#"}`, m.Metadata)
}

// TestRewriteCutsMetadataInOrder: when neither the rewrites nor the
// fallback fit, the rewritten values are cut in document order to the
// room the document has left; the others are kept byte for byte.
func TestRewriteCutsMetadataInOrder(t *testing.T) {
	doc := `{"keep": "\u00e9 kept as written", "a": "1", "b": "2", "c": "3"}`
	texts := compile(t, rules.Scope{Content: off, Push: off, Metadata: []string{"*"}})
	for _, fb := range []rules.Rewriter{nil, func(_ rules.Place, s string) string { return strings.Repeat(`"`, 400) }} {
		m := processor.NewMessage(processortest.NewEvent("x", processortest.WithMetadata(doc)))
		texts.RewriteOr(m, func(_ rules.Place, s string) string {
			if s == "é kept as written" {
				return s
			}
			return strings.Repeat(`"`, 400) // 800 characters once escaped
		}, fb)
		checkFits(t, m)
		n := utf8.RuneCountInString(m.Metadata)
		var v map[string]string
		require.NoError(t, json.Unmarshal([]byte(m.Metadata), &v), m.Metadata)
		assert.Equal(t, messaging.MaxMetadataLen, n, "the document is filled to the limit: %s", m.Metadata)
		assert.True(t, strings.HasPrefix(m.Metadata, `{"keep": "\u00e9 kept as written", "a": "`+strings.Repeat(`\"`, 400)+`"`), m.Metadata)
		assert.True(t, strings.HasSuffix(v["b"], "…") && strings.Trim(v["b"], `"…`) == "", "b %q", v["b"])
		assert.Equal(t, "", v["c"])
	}
}

// TestRewriteKeepsShortEscapes: a rewritten value is written in no more
// characters than any JSON text that holds it (\b and \f keep their
// short escapes), so a rewrite that does not lengthen a value does not
// lengthen the document.
func TestRewriteKeepsShortEscapes(t *testing.T) {
	doc := `{"a":"\b\f\n\r\t\"\\\/\u0001 x"}`
	m := processor.NewMessage(processortest.NewEvent("x", processortest.WithMetadata(doc)))
	compile(t, rules.Scope{Content: off, Push: off, Metadata: []string{"a"}}).Rewrite(m, func(_ rules.Place, s string) string {
		return strings.Replace(s, "x", "y", 1)
	})
	assert.Equal(t, `{"a":"\b\f\n\r\t\"\\/\u0001 y"}`, m.Metadata)
}
