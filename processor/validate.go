package processor

import (
	"errors"
	"strconv"
	"strings"

	"github.com/chimeflow/chimeflow/messaging"
)

// ErrUnanswerable is matched by a ValidationError that leaves the processor
// without what a callback needs (CallbackId, ChannelArn, MessageId). Such an
// event is returned to Lambda as an error, so it is retried and then
// dead-lettered, never dropped.
var ErrUnanswerable = errors.New("event cannot be answered with a callback")

// ValidationError lists what is wrong with a decoded event. It matches
// ErrInvalidEvent, and ErrUnanswerable when a field the callback needs is
// missing or malformed.
type ValidationError struct {
	Problems []messaging.ParamError
	// Unanswerable is true when CallbackId, ChannelArn or MessageId is unusable.
	Unanswerable bool
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid event: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Is matches ErrInvalidEvent, and ErrUnanswerable when it applies.
func (e *ValidationError) Is(target error) bool {
	return target == ErrInvalidEvent || target == ErrUnanswerable && e.Unanswerable
}

// Validate checks the event against what the service promises and what a
// callback needs: EventType CHANNEL_MESSAGE_EVENT, a 32-64 character
// CallbackId, a MessageId and ChannelArn as the service model shapes them, a
// STANDARD message with content, and the callback limits of every field a
// callback echoes. It returns a *ValidationError listing every problem.
func (e *Event) Validate() error {
	var problems []messaging.ParamError
	add := func(field, reason string) {
		problems = append(problems, messaging.ParamError{Field: field, Reason: reason})
	}
	if e.EventType != EventTypeChannelMessage {
		if e.EventType == "" {
			add("EventType", "required, want "+EventTypeChannelMessage)
		} else {
			add("EventType", strconv.Quote(e.EventType)+" is not "+EventTypeChannelMessage)
		}
	}
	m := &e.ChannelMessage
	if m.Type != "" && m.Type != "STANDARD" {
		add("ChannelMessage.Type", strconv.Quote(m.Type)+" is not STANDARD; channel flows only process STANDARD messages")
	}
	if m.Persistence != "" && m.Persistence != "PERSISTENT" && m.Persistence != "NON_PERSISTENT" {
		add("ChannelMessage.Persistence", strconv.Quote(m.Persistence)+" is not PERSISTENT or NON_PERSISTENT")
	}
	if m.Content == "" {
		add("ChannelMessage.Content", "must not be empty")
	}
	// The fields a callback echoes must already be within the callback's
	// limits; one check serves the event and the outgoing request.
	in := messaging.ChannelFlowCallbackInput{
		CallbackID:     e.CallbackID,
		ChannelArn:     m.ChannelArn,
		ChannelMessage: callbackMessage(m, m.Content, m.Metadata, m.PushNotification, m.MessageAttributes),
	}
	unanswerable := false
	if err := in.Validate(); err != nil {
		var ipe *messaging.InvalidParamsError
		if errors.As(err, &ipe) {
			for _, p := range ipe.Params {
				switch p.Field {
				case "CallbackId", "ChannelArn", "ChannelMessage.MessageId":
					unanswerable = true
				}
				problems = append(problems, p)
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: problems, Unanswerable: unanswerable}
}
