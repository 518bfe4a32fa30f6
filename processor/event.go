package processor

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
)

// EventTypeChannelMessage is the only event type Chime sends to a channel
// flow processor.
const EventTypeChannelMessage = "CHANNEL_MESSAGE_EVENT"

// Event is the invocation event Chime SDK Messaging sends, asynchronously,
// to a channel flow processor for every STANDARD message sent or edited.
type Event struct {
	EventType      string         `json:"EventType"`
	CallbackID     string         `json:"CallbackId"`
	ChannelMessage ChannelMessage `json:"ChannelMessage"`

	// repairs lists what Decode changed so that the event can be answered.
	repairs []Repair
}

// Repairs returns what Decode changed in the event's text so that it can
// be answered (see Repair); nil for an event taken as it came, or built by
// hand. It must not be modified.
func (e *Event) Repairs() []Repair { return e.repairs }

// ChannelMessage is the pending message carried by an Event. Optional fields
// may be absent; unknown fields are ignored.
type ChannelMessage struct {
	MessageID  string `json:"MessageId"`
	ChannelArn string `json:"ChannelArn"`
	Content    string `json:"Content"`
	Metadata   string `json:"Metadata,omitempty"`
	Sender     Sender `json:"Sender"`
	// Persistence is PERSISTENT or NON_PERSISTENT.
	Persistence string `json:"Persistence,omitempty"`
	// Type is STANDARD for every message a flow sees.
	Type                string    `json:"Type,omitempty"`
	CreatedTimestamp    Timestamp `json:"CreatedTimestamp"`
	LastEditedTimestamp Timestamp `json:"LastEditedTimestamp"`
	// PushNotification is present when the sender asked for one.
	PushNotification  *messaging.PushNotificationConfiguration   `json:"PushNotification,omitempty"`
	MessageAttributes map[string]messaging.MessageAttributeValue `json:"MessageAttributes,omitempty"`
	// SubChannelID is set for messages of elastic channels.
	SubChannelID string `json:"SubChannelId,omitempty"`
	// ContentType is the sender's description of Content: free text, or
	// ContentTypeLex and ContentTypeLexError for the replies of an
	// AppInstanceBot backed by Amazon Lex.
	ContentType string `json:"ContentType,omitempty"`
	// Target is set on a targeted message: one member of the channel (a
	// user or a bot) who, with the sender, is the only one to see it. The
	// service model allows at most one. The callback has no Target: a
	// processor can neither set nor clear it (docs/targeted-and-bots.md).
	Target TargetList `json:"Target,omitempty"`
}

// Content types of the replies of an AppInstanceBot backed by Amazon Lex
// V2, from the service model (ChannelMessage.ContentType): Content is then
// JSON, {"Messages":[{"Content":"...","ContentType":"PlainText"},...]} for a
// reply and {"Code":...} for an error.
const (
	ContentTypeLex      = "application/amz-chime-lex-msgs"
	ContentTypeLexError = "application/amz-chime-lex-error"
)

// Target names the member a targeted message is for.
type Target struct {
	// MemberArn is the ARN of an AppInstanceUser or AppInstanceBot.
	MemberArn string `json:"MemberArn"`
}

// TargetList is the Target of a message: empty, or one member. It decodes
// the model's list of at most one {MemberArn}, null, and, tolerantly, a
// single {MemberArn} object.
type TargetList []Target

// UnmarshalJSON decodes a list of targets, one target object, or null.
func (t *TargetList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var one Target
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*t = TargetList{one}
		return nil
	}
	var list []Target
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*t = list
	return nil
}

// Targeted reports whether the message is a targeted message.
func (m *ChannelMessage) Targeted() bool { return len(m.Target) > 0 }

// TargetArn returns the member ARN of a targeted message's (first) target,
// or "".
func (m *ChannelMessage) TargetArn() string {
	if len(m.Target) == 0 {
		return ""
	}
	return m.Target[0].MemberArn
}

// IsLex reports whether the content type says the content is a reply, or
// an error reply, of an AppInstanceBot backed by Amazon Lex (a JSON body).
func (m *ChannelMessage) IsLex() bool {
	return m.ContentType == ContentTypeLex || m.ContentType == ContentTypeLexError
}

// Sender identifies who sent a message: an app instance user or bot.
type Sender struct {
	Arn  string `json:"Arn"`
	Name string `json:"Name,omitempty"`
}

// IsBot reports whether the sender is an app instance bot, whose ARN's
// resource is exactly app-instance/ID/bot/ID, rather than a user
// (app-instance/ID/user/ID). An ARN with more or fewer path segments is not
// a bot's.
func (s Sender) IsBot() bool { return isAppInstanceResource(s.Arn, "bot") }

// isAppInstanceResource reports whether arn's resource (after its fifth
// colon) is exactly app-instance/ID/kind/ID with non-empty IDs.
func isAppInstanceResource(arn, kind string) bool {
	rest := arn
	for range 5 {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return false
		}
		rest = rest[i+1:]
	}
	instance, ok := strings.CutPrefix(rest, "app-instance/")
	if !ok {
		return false
	}
	id, rest, ok := strings.Cut(instance, "/")
	if !ok || id == "" {
		return false
	}
	rest, ok = strings.CutPrefix(rest, kind+"/")
	return ok && rest != "" && !strings.Contains(rest, "/")
}

// Edited reports whether the event is for an edit of an earlier message:
// Chime has no distinct event type for edits, LastEditedTimestamp is the
// signal.
func (m *ChannelMessage) Edited() bool { return !m.LastEditedTimestamp.IsZero() }

// Timestamp is a timestamp of the event whose format Chime does not
// document. Raw keeps the text as received; Time is its parsed value when it
// is RFC 3339 or an epoch number (seconds or milliseconds), else zero.
type Timestamp struct {
	Raw  string
	Time time.Time
}

// NewTimestamp returns the Timestamp for raw text, parsed as UnmarshalJSON
// parses a string.
func NewTimestamp(raw string) Timestamp { return Timestamp{Raw: raw, Time: parseTime(raw)} }

// IsZero reports whether the timestamp was absent (or null, or empty).
func (t Timestamp) IsZero() bool { return t.Raw == "" }

// MarshalJSON writes Raw back as it came: a string, or a number when it
// was one.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.Raw == "" {
		return []byte(`null`), nil
	}
	if isNumber(t.Raw) {
		return []byte(t.Raw), nil
	}
	return json.Marshal(t.Raw)
}

// UnmarshalJSON accepts a string or a number, and never fails on a format
// it does not know: the raw text is kept and Time stays zero.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*t = Timestamp{}
		return nil
	case b[0] == '"':
		var s string
		if plainJSONString(b) {
			// The usual case: no escape to undo, nothing to replace.
			s = string(b[1 : len(b)-1])
		} else if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Timestamp{Raw: s, Time: parseTime(s)}
		return nil
	case isNumber(string(b)):
		*t = Timestamp{Raw: string(b), Time: parseTime(string(b))}
		return nil
	}
	return &json.UnmarshalTypeError{Value: kindOf(b[0]), Type: timestampType}
}

// Epoch numbers parseTime reads as milliseconds, and the largest it reads
// at all (the end of year 9999, in milliseconds).
const (
	epochMillisFrom = 1e11
	epochMillisMax  = 253402300799999
)

// plainJSONString reports whether b is a JSON string literal whose text is
// its content as it stands: quoted, valid UTF-8, with no escape, quote or
// control character inside.
func plainJSONString(b []byte) bool {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return false
	}
	inner := b[1 : len(b)-1]
	for _, c := range inner {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(inner)
}

// parseTime parses RFC 3339 (with or without fractional seconds) or an
// epoch number: seconds below 1e11, milliseconds from there. A negative
// number, one past year 9999 and anything else give the zero time.
func parseTime(s string) time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}
	}
	if isNumber(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < 0 || f > epochMillisMax {
			return time.Time{}
		}
		if f >= epochMillisFrom {
			return time.UnixMilli(int64(f)).UTC()
		}
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
	}
	for _, layout := range [...]string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00"} {
		if tm, err := time.Parse(layout, s); err == nil {
			return tm.UTC()
		}
	}
	return time.Time{}
}

// isNumber reports whether s has the characters of a JSON number (digits,
// a leading minus, a fraction, an exponent with its sign). UnmarshalJSON
// only sees text encoding/json has already checked to be a number.
func isNumber(s string) bool {
	if s == "" {
		return false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' || c == 'e' || c == 'E':
		case c == '-' || c == '+':
			if i > 0 && s[i-1] != 'e' && s[i-1] != 'E' || i == 0 && c == '+' {
				return false
			}
		default:
			return false
		}
	}
	return digits > 0
}
