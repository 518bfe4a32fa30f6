package deny_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/deny"
)

const (
	app     = "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555"
	spammer = app + "/user/spammer"
)

func TestConditions(t *testing.T) {
	pt := processortest.WithMetadata
	tests := []struct {
		name    string
		options string
		content string
		opts    []processortest.Option
		reason  string // "" when the message is not denied
	}{
		// sender
		{"sender exact", `sender: ["` + spammer + `"]`, "hi", []processortest.Option{processortest.WithSender(spammer, "S")}, `sender is "` + spammer + `"`},
		{"sender exact, other user", `sender: ["` + spammer + `"]`, "hi", nil, ""},
		{"sender glob", `sender: ["arn:aws:chime:*:111122223333:app-instance/*/user/spam*"]`, "hi",
			[]processortest.Option{processortest.WithSender(spammer, "S")}, `sender matches "arn:aws:chime:*:111122223333:app-instance/*/user/spam*"`},
		{"sender glob, second of the list", `sender: ["arn:aws:chime:*:999999999999:*", "arn:aws:chime:*:*:*/user/alice"]`, "hi", nil,
			`sender matches "arn:aws:chime:*:*:*/user/alice"`},
		{"sender glob, other account", `sender: ["arn:aws:chime:*:999999999999:*"]`, "hi", nil, ""},
		// bot
		{"bot", `bot: true`, "hi", []processortest.Option{processortest.WithSender(processortest.BotArn, "B")}, "sender is a bot"},
		{"bot, user", `bot: true`, "hi", nil, ""},
		{"not a bot", `bot: false`, "hi", nil, "sender is not a bot"},
		// channel
		{"channel", `channel: ["arn:aws:chime:*:*:app-instance/*/channel/general"]`, "hi", nil, `channel matches "arn:aws:chime:*:*:app-instance/*/channel/general"`},
		{"channel, other", `channel: ["arn:aws:chime:*:*:app-instance/*/channel/random"]`, "hi", nil, ""},
		// regex
		{"regex", `regex: '\d{4}-\d{4}'`, "call 1234-5678", nil, `Content matches regex "\\d{4}-\\d{4}"`},
		{"regex, no match", `regex: '\d{4}-\d{4}'`, "call me", nil, ""},
		{"regex is case-sensitive unless asked", `regex: 'SPAM'`, "spam", nil, ""},
		{"regex (?i)", `regex: '(?i)SPAM'`, "spam", nil, `Content matches regex "(?i)SPAM"`},
		// keywords
		{"keyword", `keywords: [spam]`, "this is spam", nil, `Content contains keyword "spam"`},
		{"keyword any case", `keywords: [spam]`, "SpAm!", nil, `Content contains keyword "spam"`},
		{"keyword inside a word", `keywords: [spam]`, "spammer antispam spam_", nil, ""},
		{"keyword with digits next", `keywords: [spam]`, "spam2", nil, ""},
		{"keyword between punctuation", `keywords: [spam]`, "(spam)", nil, `Content contains keyword "spam"`},
		{"phrase", `keywords: [free money]`, "get FREE MONEY now", nil, `Content contains keyword "free money"`},
		{"phrase split", `keywords: [free money]`, "free  money", nil, ""},
		{"second keyword, earliest place", `keywords: [foo, bar]`, "bar then foo", nil, `Content contains keyword "bar"`},
		{"unicode keyword", `keywords: [straße]`, "Die STRASSE und die STRAßE", nil, `Content contains keyword "straße"`},
		{"unicode word boundary", `keywords: [мат]`, "это МАТ!", nil, `Content contains keyword "мат"`},
		{"unicode inside a word", `keywords: [мат]`, "математика", nil, ""},
		{"kelvin sign folds to k", `keywords: [kilo]`, "\u212Ailo", nil, `Content contains keyword "kilo"`},
		{"combining mark continues a word", `keywords: [cafe]`, "cafe\u0301", nil, ""},
		{"keyword with symbols", `keywords: ["c++"]`, "I like C++.", nil, `Content contains keyword "c++"`},
		// where regex and keywords look: the scope
		{"keyword in the push notification", `keywords: [spam]`, "hi", []processortest.Option{processortest.WithPush("t", "spam!")}, `PushNotification.Body contains keyword "spam"`},
		{"regex in the push title", `regex: '^\d+$'`, "hi", []processortest.Option{processortest.WithPush("123", "b")}, `PushNotification.Title matches regex "^\\d+$"`},
		{"push left out", `{keywords: [spam], scope: {push: false}}`, "hi", []processortest.Option{processortest.WithPush("t", "spam")}, ""},
		{"keyword in metadata", `{keywords: [spam], scope: {metadata: [note]}}`, "hi", []processortest.Option{pt(`{"note":["ok","spam"]}`)}, `Metadata.note contains keyword "spam"`},
		{"keyword in an attribute", `{keywords: [spam], scope: {attributes: ["*"]}}`, "hi", []processortest.Option{processortest.WithAttribute("x", "spam")}, `MessageAttributes contains keyword "spam"`},
		{"content left out", `{keywords: [spam], scope: {content: false}}`, "spam", nil, ""},
		// longerThan
		{"longer", `longerThan: 5`, "123456", nil, "content is longer than 5 characters"},
		{"exactly N", `longerThan: 5`, "12345", nil, ""},
		{"characters, not bytes", `longerThan: 5`, "ééééé", nil, ""},
		{"longer in characters", `longerThan: 4`, "ééééé", nil, "content is longer than 4 characters"},
		// metadata
		{"metadata key present", `metadata: {key: flag}`, "hi", []processortest.Option{pt(`{"flag":null}`)}, `metadata key "flag" is present`},
		{"metadata key absent", `metadata: {key: flag}`, "hi", []processortest.Option{pt(`{"flags":1}`)}, ""},
		{"metadata nested key", `metadata: {key: a.b, value: x}`, "hi", []processortest.Option{pt(`{"a":{"b":"x"}}`)}, `metadata key "a.b" is "x"`},
		{"metadata nested other value", `metadata: {key: a.b, value: x}`, "hi", []processortest.Option{pt(`{"a":{"b":"y"}}`)}, ""},
		{"metadata escaped value", `metadata: {key: a, value: "é\"x"}`, "hi", []processortest.Option{pt(`{"a":"\u00e9\"x"}`)}, `metadata key "a" is "é\"x"`},
		{"metadata escaped key", `metadata: {key: a, value: "1"}`, "hi", []processortest.Option{pt(`{"\u0061":1}`)}, `metadata key "a" is "1"`},
		{"metadata dotted key", `metadata: {key: 'a\.b'}`, "hi", []processortest.Option{pt(`{"a.b":1}`)}, `metadata key "a\\.b" is present`},
		{"metadata non-string value", `metadata: {key: n, value: "true"}`, "hi", []processortest.Option{pt(`{"n": true}`)}, `metadata key "n" is "true"`},
		{"metadata value regex", `metadata: {key: url, regex: '^http:'}`, "hi", []processortest.Option{pt(`{"url":"http://x"}`)}, `metadata key "url" matches regex "^http:"`},
		{"metadata duplicate key: last wins", `metadata: {key: a, value: "2"}`, "hi", []processortest.Option{pt(`{"a":1,"a":2}`)}, `metadata key "a" is "2"`},
		{"metadata not JSON", `metadata: {key: a}`, "hi", []processortest.Option{pt(`a`)}, ""},
		{"metadata broken JSON", `metadata: {key: a}`, "hi", []processortest.Option{pt(`{"a":1`)}, ""},
		{"metadata text regex", `metadata: {regex: legacy}`, "hi", []processortest.Option{pt(`legacy:1`)}, `metadata matches regex "legacy"`},
		{"metadata text value", `metadata: {value: ""}`, "hi", nil, `metadata is ""`},
		// attributes
		{"attribute present", `attribute: {name: priority}`, "hi", []processortest.Option{processortest.WithAttribute("priority", "1")}, `attribute "priority" is present`},
		{"attribute absent", `attribute: {name: priority}`, "hi", []processortest.Option{processortest.WithAttribute("other", "1")}, ""},
		{"attribute glob and value", `attribute: {name: "x-*", value: bad}`, "hi",
			[]processortest.Option{processortest.WithAttribute("x-a", "ok"), processortest.WithAttribute("x-b", "ok", "bad")}, `attribute "x-*" has a value that is "bad"`},
		{"attribute value elsewhere", `attribute: {name: "x-*", value: bad}`, "hi", []processortest.Option{processortest.WithAttribute("y", "bad")}, ""},
		{"any attribute regex", `attribute: {regex: '^https?://'}`, "hi", []processortest.Option{processortest.WithAttribute("link", "https://x")}, `an attribute value matches regex "^https?://"`},
		// persistence, content type
		{"persistence", `persistence: NON_PERSISTENT`, "hi", []processortest.Option{processortest.NonPersistent()}, "message is NON_PERSISTENT"},
		{"persistence other", `persistence: NON_PERSISTENT`, "hi", nil, ""},
		{"content type", `contentType: ["application/*"]`, "hi", []processortest.Option{processortest.WithContentType("application/json")}, `content type matches "application/*"`},
		{"content type exact", `contentType: [text/x-a, text/plain]`, "hi", []processortest.Option{processortest.WithContentType("text/plain")}, `content type is "text/plain"`},
		{"content type other", `contentType: ["application/*"]`, "hi", []processortest.Option{processortest.WithContentType("text/plain")}, ""},
		{"content type absent", `contentType: ["application/*"]`, "hi", nil, ""},
		// composition and reasons
		{"any: first that holds", `any: [{keywords: [a]}, {bot: false}, {longerThan: 0}]`, "hi", nil, "sender is not a bot"},
		{"any: none", `any: [{keywords: [a]}, {bot: true}]`, "hi", nil, ""},
		{"all", `all: [{bot: false}, {keywords: [hi]}]`, "hi", nil, `sender is not a bot and Content contains keyword "hi"`},
		{"all: one fails", `all: [{bot: true}, {keywords: [hi]}]`, "hi", nil, ""},
		{"not", `not: {channel: ["arn:aws:chime:*:*:*/channel/allowed"]}`, "hi", nil, `not (channel in ["arn:aws:chime:*:*:*/channel/allowed"])`},
		{"not: holds inside", `not: {bot: false}`, "hi", nil, ""},
		{"nested", `any: [{all: [{bot: false}, {any: [{keywords: [x]}, {longerThan: 1}]}]}]`, "hi", nil,
			"sender is not a bot and content is longer than 1 characters"},
		{"reason", `{keywords: [hi], reason: greeting}`, "hi", nil, "greeting"},
		{"inner reason wins", `{reason: outer, any: [{keywords: [hi], reason: inner}]}`, "hi", nil, "inner"},
		{"outer reason when inner has none", `{reason: outer, any: [{keywords: [x], reason: inner}, {bot: false}]}`, "hi", nil, "outer"},
		{"all: a reason inside wins", `all: [{bot: false}, {keywords: [hi], reason: said hi}]`, "hi", nil, "said hi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := processortest.NewRule(t, deny.Name, tt.options)
			m := processor.NewMessage(processortest.NewEvent(tt.content, tt.opts...))
			v, err := r.Apply(context.Background(), m)
			require.NoError(t, err)
			assert.Equal(t, tt.reason != "", v.Deny, "deny")
			assert.Equal(t, tt.reason, v.Reason)
		})
	}
}

// The rule sees the content as earlier rules left it.
func TestWorkingCopy(t *testing.T) {
	r := processortest.NewRule(t, deny.Name, `keywords: [darn]`)
	censor := processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		m.Content = strings.ReplaceAll(m.Content, "darn", "d**n")
		return processor.Continue, nil
	})
	ev := processortest.NewEvent("oh darn")
	out := processor.NewPipeline(processor.Stage{Name: "deny", Rule: r}).Run(context.Background(), ev)
	assert.Equal(t, processor.ActionDeny, out.Action)
	out = processor.NewPipeline(processor.Stage{Name: "censor", Rule: censor}, processor.Stage{Name: "deny", Rule: r}).Run(context.Background(), ev)
	assert.Equal(t, processor.ActionRewrite, out.Action)
}

func TestString(t *testing.T) {
	r := processortest.NewRule(t, deny.Name, `any: [{bot: true}, {not: {keywords: [a, b]}}, {all: [{persistence: PERSISTENT}, {longerThan: 3}]}]`)
	s, ok := r.(interface{ String() string })
	require.True(t, ok)
	assert.Equal(t, `deny when any of (sender is a bot; not (Content, PushNotification contain one of the keywords ["a", "b"]); all of (message is PERSISTENT; content is longer than 3 characters))`, s.String())
}
