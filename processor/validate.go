package processor

import (
	"errors"
	"strconv"
	"strings"

	"github.com/chimeflow/chimeflow/messaging"
)

// ErrUnanswerable is matched by a ValidationError that leaves the processor
// without what a callback needs (CallbackId, ChannelArn, MessageId,
// SubChannelId, as the service sent them). Such an
// event is returned to Lambda as an error, so it is retried and then
// dead-lettered, never dropped.
var ErrUnanswerable = errors.New("event cannot be answered with a callback")

// ValidationError lists what is wrong with a decoded event. It matches
// ErrInvalidEvent, and ErrUnanswerable when a field the callback needs is
// missing or malformed. Its problems name fields, lengths and positions,
// never the text a sender wrote.
type ValidationError struct {
	Problems []messaging.ParamError
	// Unanswerable is true when CallbackId, ChannelArn, MessageId or
	// SubChannelId is unusable.
	Unanswerable bool
}

// Error lists every problem, "Field: reason", separated by semicolons.
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
// callback needs, and returns a *ValidationError listing every problem:
//
//   - EventType CHANNEL_MESSAGE_EVENT (in that case), a STANDARD message
//     (when Type is given), PERSISTENT or NON_PERSISTENT (when given),
//     content that is not empty;
//   - a ChannelArn of a channel (arn:…:app-instance/ID/channel/ID);
//   - no ids Decode had to repair (see Repair);
//   - every part a callback echoes, as the ALLOW callback would carry it,
//     against the ChannelFlowCallback model with messaging.CheckCallback:
//     ids, lengths, patterns, enums.
//
// This is the one check of the callback's parts that come from the event:
// an ALLOW sends them as they are, a REWRITE sends them with the parts the
// pipeline checked after each rule, a DENY sends only the ids.
func (e *Event) Validate() error {
	var problems []messaging.ParamError
	add := func(field, reason string) {
		problems = append(problems, messaging.ParamError{Field: field, Reason: reason})
	}
	if e.EventType != EventTypeChannelMessage {
		switch {
		case e.EventType == "":
			add("EventType", "required, want "+EventTypeChannelMessage)
		case strings.EqualFold(e.EventType, EventTypeChannelMessage):
			add("EventType", "want "+EventTypeChannelMessage+" in upper case")
		default:
			add("EventType", quoteEnum(e.EventType)+" is not "+EventTypeChannelMessage)
		}
	}
	m := &e.ChannelMessage
	if m.Type != "" && m.Type != "STANDARD" {
		add("ChannelMessage.Type", quoteEnum(m.Type)+" is not STANDARD; channel flows only process STANDARD messages")
	}
	if m.Persistence != "" && m.Persistence != "PERSISTENT" && m.Persistence != "NON_PERSISTENT" {
		add("ChannelMessage.Persistence", quoteEnum(m.Persistence)+" is not PERSISTENT or NON_PERSISTENT")
	}
	if m.Content == "" {
		add(pathContent, "must not be empty")
	}
	unanswerable := false
	for _, r := range e.repairs {
		if isIDPath(r.Field) {
			add(r.Field, strings.TrimSuffix(r.What, " replaced by U+FFFD")+": a callback cannot name it as the service sent it")
			unanswerable = true
		}
	}
	in := messaging.ChannelFlowCallbackInput{
		CallbackID:     e.CallbackID,
		ChannelArn:     m.ChannelArn,
		ChannelMessage: callbackMessage(m, m.Content, m.Metadata, m.PushNotification, m.MessageAttributes),
	}
	arnOK := true
	if err := messaging.CheckCallback(&in, messaging.AllParts); err != nil {
		var ipe *messaging.InvalidParamsError
		if errors.As(err, &ipe) {
			for _, p := range ipe.Params {
				switch p.Field {
				case "ChannelArn":
					// The event's own name for it.
					p.Field, arnOK = pathChannelArn, false
					unanswerable = true
				case pathCallbackID, pathMessageID, pathSubChannelID, "ChannelMessage":
					unanswerable = true
				}
				problems = append(problems, p)
			}
		}
	}
	if arnOK && !isAppInstanceResource(m.ChannelArn, "channel") {
		add(pathChannelArn, "not the ARN of a channel (arn:PARTITION:SERVICE:REGION:ACCOUNT:app-instance/ID/channel/ID)")
		unanswerable = true
	}
	if len(problems) == 0 {
		return nil
	}
	return &ValidationError{Problems: problems, Unanswerable: unanswerable}
}

// quoteEnum quotes a value the service sets (an event type, a message type
// or persistence), cut to 40 bytes: enough to see what came instead.
func quoteEnum(s string) string {
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return strconv.QuoteToASCII(s)
}
