package ruletest

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
)

// Part is a part of a message that a rule may rewrite, for tests that fill
// it to its limit.
type Part struct {
	// Name names the part in test names.
	Name string
	// Limit is the most characters a text of the part may hold: for a
	// value of JSON metadata, what the document {"a":"…"} leaves it.
	Limit int
	// Scope is the rule's scope option that covers the part alone, as
	// YAML.
	Scope string
	// Set puts text in the part of an event.
	Set func(ev *processor.Event, text string)
	// Get reads the text of the part of a message.
	Get func(m *processor.Message) string
}

// JSONValueOverhead is what the metadata document {"a":"…"} holds besides
// the value of "a".
const JSONValueOverhead = len(`{"a":""}`)

// Parts are the parts of a message a rule may rewrite, each with its limit
// (see rules.Part.Limit): the content, the push notification's title and
// body, metadata that is not JSON (as one text), a value of JSON metadata
// and an attribute's value.
var Parts = []Part{
	{"Content", rules.MaxContentLen, "{push: false}",
		func(ev *processor.Event, s string) { ev.ChannelMessage.Content = s },
		func(m *processor.Message) string { return m.Content }},
	{"Title", messaging.MaxPushTitleLen, "{content: false}",
		func(ev *processor.Event, s string) {
			ev.ChannelMessage.PushNotification = &messaging.PushNotificationConfiguration{Title: s, Body: "b", Type: "DEFAULT"}
		},
		func(m *processor.Message) string { return m.PushNotification.Title }},
	{"Body", messaging.MaxPushBodyLen, "{content: false}",
		func(ev *processor.Event, s string) {
			ev.ChannelMessage.PushNotification = &messaging.PushNotificationConfiguration{Title: "t", Body: s, Type: "DEFAULT"}
		},
		func(m *processor.Message) string { return m.PushNotification.Body }},
	{"MetadataText", messaging.MaxMetadataLen, `{content: false, push: false, metadata: ["*"]}`,
		func(ev *processor.Event, s string) { ev.ChannelMessage.Metadata = s },
		func(m *processor.Message) string { return m.Metadata }},
	{"MetadataValue", messaging.MaxMetadataLen - JSONValueOverhead, `{content: false, push: false, metadata: [a]}`,
		func(ev *processor.Event, s string) { ev.ChannelMessage.Metadata = MetadataWith(s) },
		func(m *processor.Message) string {
			var v struct{ A string }
			if err := json.Unmarshal([]byte(m.Metadata), &v); err != nil {
				return "not JSON: " + m.Metadata
			}
			return v.A
		}},
	{"Attribute", messaging.MaxAttributeValueLen, `{content: false, push: false, attributes: [a]}`,
		func(ev *processor.Event, s string) {
			ev.ChannelMessage.MessageAttributes = map[string]messaging.MessageAttributeValue{"a": {StringValues: []string{s}}}
		},
		func(m *processor.Message) string { return m.MessageAttributes["a"].StringValues[0] }},
}

// MetadataWith returns the JSON document {"a":s}, s escaped as
// encoding/json escapes it but for '<', '>' and '&', kept as they are.
func MetadataWith(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(map[string]string{"a": s})
	return strings.TrimSuffix(b.String(), "\n")
}

// Event returns an event whose part p holds text, with "x" for content
// when p is not the content.
func (p Part) Event(text string) *processor.Event {
	ev := processortest.NewEvent("x")
	p.Set(ev, text)
	return ev
}

// Pad returns n copies of the four-byte character 😀: padding that a
// limit counted in bytes would get wrong.
func Pad(n int) string { return strings.Repeat("😀", max(n, 0)) }

// Deltas are the sizes the size tests aim a rewrite at, relative to a
// limit: one below it, at it, one past it.
var Deltas = []int{-1, 0, 1}

// DeltaName names a delta in test names: "limit-1", "limit", "limit+1".
func DeltaName(d int) string {
	switch {
	case d < 0:
		return "limit" + strconv.Itoa(d)
	case d > 0:
		return "limit+" + strconv.Itoa(d)
	}
	return "limit"
}

// RunBothPolicies runs r as the one stage of a pipeline on ev, under each
// error policy, and fails the test if the rule failed under either (or
// the two outcomes differ), or if the message the pipeline left breaks the
// callback's model (see CheckCallback). It returns the outcome.
func RunBothPolicies(t testing.TB, r processor.Rule, ev *processor.Event) processor.Outcome {
	t.Helper()
	if err := ev.Validate(); err != nil {
		t.Fatalf("the test's event is not valid: %v", err)
	}
	var outs [2]processor.Outcome
	for i, policy := range []processor.ErrorPolicy{processor.PolicyDeny, processor.PolicyAllow} {
		p := &processor.Pipeline{Name: "sizes", OnError: policy, Stages: []processor.Stage{{Name: "rule", Rule: r}}}
		outs[i] = p.Run(context.Background(), ev)
		if len(outs[i].Errors) > 0 {
			t.Fatalf("onError %s: the rule failed: %v", policy, outs[i].Errors)
		}
		if outs[i].Action != processor.ActionDeny {
			CheckCallback(t, outs[i].Message)
		}
	}
	if outs[0].Action != outs[1].Action || outs[0].Reason != outs[1].Reason {
		t.Fatalf("the outcome depends on the error policy: %s %q, %s %q", outs[0].Action, outs[0].Reason, outs[1].Action, outs[1].Reason)
	}
	return outs[0]
}

// CheckCallback fails the test unless m is what a ChannelFlowCallback may
// carry: the model's lengths (counted in characters), content, metadata
// and push title without what the model refuses (no content, line
// terminators in the metadata and the title), and valid UTF-8 everywhere.
func CheckCallback(t testing.TB, m *processor.Message) {
	t.Helper()
	in := messaging.ChannelFlowCallbackInput{
		CallbackID: processortest.CallbackID,
		ChannelArn: processortest.ChannelArn,
		ChannelMessage: &messaging.ChannelMessageCallback{
			MessageID: "m", Content: m.Content, Metadata: m.Metadata,
			PushNotification: m.PushNotification, MessageAttributes: m.MessageAttributes,
		},
	}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	texts := []string{m.Content, m.Metadata}
	if m.Content == "" {
		t.Fatal("the content is empty")
	}
	if strings.ContainsAny(m.Metadata, lineTerminators) {
		t.Fatalf("the metadata holds a line terminator: %q", m.Metadata)
	}
	if p := m.PushNotification; p != nil {
		if strings.ContainsAny(p.Title, lineTerminators) {
			t.Fatalf("the push title holds a line terminator: %q", p.Title)
		}
		texts = append(texts, p.Title, p.Body)
	}
	for _, a := range m.MessageAttributes {
		texts = append(texts, a.StringValues...)
	}
	for _, s := range texts {
		if !utf8.ValidString(s) {
			t.Fatalf("invalid UTF-8: %q", s)
		}
	}
}

// lineTerminators are the characters Java's '.' does not match, which
// the model's pattern ".*" refuses in the metadata and the push title.
const lineTerminators = "\n\r\u0085\u2028\u2029"
