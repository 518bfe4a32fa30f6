package processor

import (
	"maps"
	"slices"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor/state"
)

// Message is the working copy of a pending message that rules inspect and
// change. Content, Metadata, PushNotification and MessageAttributes are the
// caller-visible parts a rule may rewrite; the rest describes the message
// and is read-only by convention (the pipeline restores it after each rule).
//
// A Message belongs to one pipeline run: rules may change it freely without
// locking, and must not keep it after Apply returns.
type Message struct {
	Content           string
	Metadata          string
	PushNotification  *messaging.PushNotificationConfiguration
	MessageAttributes map[string]messaging.MessageAttributeValue

	event *Event
	acted []string
	// stateResults points at the current stateful rule's results (a
	// pointer, not a slice, to keep a Message of a stateless pipeline as
	// small as it was).
	stateResults *[]state.Result
}

// Event returns the invocation event the message came in; read-only.
func (m *Message) Event() *Event { return m.event }

// Sender returns who sent the message.
func (m *Message) Sender() Sender { return m.event.ChannelMessage.Sender }

// Edited reports whether the message is an edit of an earlier one.
func (m *Message) Edited() bool { return m.event.ChannelMessage.Edited() }

// Persistence returns PERSISTENT, NON_PERSISTENT or "".
func (m *Message) Persistence() string { return m.event.ChannelMessage.Persistence }

// ContentType returns the message's content type, or "".
func (m *Message) ContentType() string { return m.event.ChannelMessage.ContentType }

// Targeted reports whether the message is a targeted message, seen only by
// its sender and its target.
func (m *Message) Targeted() bool { return m.event.ChannelMessage.Targeted() }

// Target returns the member ARN a targeted message is for, or "".
func (m *Message) Target() string { return m.event.ChannelMessage.TargetArn() }

// Acted returns the names of the rules that changed the message so far, in
// order. A metadata annotation rule reads it; it must not be modified.
func (m *Message) Acted() []string { return m.acted }

// NewMessage returns a working copy of the event's message, deep enough that
// changing it never changes the event.
func NewMessage(ev *Event) *Message {
	m := &Message{event: ev}
	m.reset(&ev.ChannelMessage)
	return m
}

func (m *Message) reset(cm *ChannelMessage) {
	m.Content = cm.Content
	m.Metadata = cm.Metadata
	m.PushNotification = clonePush(cm.PushNotification)
	m.MessageAttributes = cloneAttributes(cm.MessageAttributes)
}

// snapshot is the mutable part of a Message, copied before a rule runs so a
// failed or dry-run rule can be undone.
type snapshot struct {
	content, metadata string
	push              messaging.PushNotificationConfiguration
	hasPush           bool
	attrs             map[string]messaging.MessageAttributeValue
}

// save copies the mutable part; it allocates only for message attributes.
func (m *Message) save() snapshot {
	s := snapshot{content: m.Content, metadata: m.Metadata, attrs: cloneAttributes(m.MessageAttributes)}
	if m.PushNotification != nil {
		s.push, s.hasPush = *m.PushNotification, true
	}
	return s
}

// restore puts a snapshot back. A snapshot is restored at most once (the
// pipeline takes a new one before each rule), so its attributes, already a
// copy, are handed over rather than copied again.
func (m *Message) restore(s *snapshot) {
	m.Content, m.Metadata, m.MessageAttributes = s.content, s.metadata, s.attrs
	m.PushNotification = nil
	if s.hasPush {
		p := s.push
		m.PushNotification = &p
	}
}

// Field names reported in Outcome.Changed, in the order it lists them.
const (
	FieldContent           = "Content"
	FieldMetadata          = "Metadata"
	FieldPushNotification  = "PushNotification"
	FieldMessageAttributes = "MessageAttributes"
	// FieldContentType changes only when Decode repaired invalid text in it.
	FieldContentType = "ContentType"
)

// fieldSet is a set of the callback's parts a rule or a repair changed.
type fieldSet uint8

const (
	fieldContent fieldSet = 1 << iota
	fieldMetadata
	fieldPush
	fieldAttributes
	fieldContentType
)

// names returns the Field names of the set, in order; nil for none.
func (s fieldSet) names() []string {
	if s == 0 {
		return nil
	}
	out := make([]string, 0, 5)
	for i, name := range [...]string{FieldContent, FieldMetadata, FieldPushNotification, FieldMessageAttributes, FieldContentType} {
		if s&(1<<i) != 0 {
			out = append(out, name)
		}
	}
	return out
}

// parts returns the set as parts of a callback request.
func (s fieldSet) parts() messaging.CallbackParts {
	var p messaging.CallbackParts
	if s&fieldContent != 0 {
		p |= messaging.PartContent
	}
	if s&fieldMetadata != 0 {
		p |= messaging.PartMetadata
	}
	if s&fieldPush != 0 {
		p |= messaging.PartPushNotification
	}
	if s&fieldAttributes != 0 {
		p |= messaging.PartMessageAttributes
	}
	if s&fieldContentType != 0 {
		p |= messaging.PartContentType
	}
	return p
}

// changed returns the fields that differ between s and m.
func (s *snapshot) changed(m *Message) fieldSet {
	var set fieldSet
	if s.content != m.Content {
		set |= fieldContent
	}
	if s.metadata != m.Metadata {
		set |= fieldMetadata
	}
	if s.hasPush != (m.PushNotification != nil) || s.hasPush && s.push != *m.PushNotification {
		set |= fieldPush
	}
	if !equalAttributes(s.attrs, m.MessageAttributes) {
		set |= fieldAttributes
	}
	return set
}

func clonePush(p *messaging.PushNotificationConfiguration) *messaging.PushNotificationConfiguration {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

func cloneAttributes(a map[string]messaging.MessageAttributeValue) map[string]messaging.MessageAttributeValue {
	if a == nil {
		return nil
	}
	c := make(map[string]messaging.MessageAttributeValue, len(a))
	for k, v := range a {
		c[k] = messaging.MessageAttributeValue{StringValues: slices.Clone(v.StringValues)}
	}
	return c
}

func equalAttributes(a, b map[string]messaging.MessageAttributeValue) bool {
	return maps.EqualFunc(a, b, func(x, y messaging.MessageAttributeValue) bool {
		return slices.Equal(x.StringValues, y.StringValues)
	})
}

// callbackMessage builds the ChannelMessage of a callback: ids and content
// type from the event, the parts rules may rewrite from the arguments.
func callbackMessage(cm *ChannelMessage, content, metadata string, push *messaging.PushNotificationConfiguration, attrs map[string]messaging.MessageAttributeValue) *messaging.ChannelMessageCallback {
	return &messaging.ChannelMessageCallback{
		MessageID:         cm.MessageID,
		Content:           content,
		Metadata:          metadata,
		PushNotification:  push,
		MessageAttributes: attrs,
		SubChannelID:      cm.SubChannelID,
		ContentType:       cm.ContentType,
	}
}
