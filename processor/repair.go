package processor

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/messaging"
)

// Repair is one change Decode made to an event so that it can be answered.
// Invalid input is never changed silently: an event Decode repaired in a
// part the callback sends back is answered as a REWRITE whose reason lists
// the repairs, or refused when the part is one of its ids.
//
// Decode repairs three things:
//
//   - text that is not valid Unicode (invalid UTF-8, or a \uXXXX escape of
//     an unpaired UTF-16 surrogate): encoding/json has put U+FFFD in its
//     place, and no callback could carry the original;
//   - metadata that is JSON with line breaks (pretty-printed): the model's
//     pattern for Metadata, `.*`, allows no line terminator, so it is
//     written compactly, with U+0085, U+2028 and U+2029 inside its strings
//     escaped; the JSON value stays the same (should the escapes take it
//     past 1024 characters, Validate refuses the event);
//   - a push notification title with line breaks (same pattern): each one
//     (CR LF counting as one) becomes a space, as a one-line title shows it.
//
// Metadata with line breaks that is not JSON cannot be made acceptable
// without changing what it says, so it is not repaired: Validate refuses
// the event, which goes back to Lambda and, after its retries, to the
// dead-letter destination.
type Repair struct {
	// Field is the member repaired, named as in errors:
	// ChannelMessage.Content, ChannelMessage.MessageAttributes["name"].StringValues[0], ...
	Field string `json:"field"`
	// What says what was changed and where, never the text itself.
	What string `json:"what"`
}

// String returns "Field: What".
func (r Repair) String() string { return r.Field + ": " + r.What }

// MarshalZerologObject logs the repair as {"field": ..., "what": ...}.
func (r Repair) MarshalZerologObject(e *zerolog.Event) { e.Str("field", r.Field).Str("what", r.What) }

// Paths of the event's members that repairs name.
const (
	pathCallbackID   = "CallbackId"
	pathChannelArn   = "ChannelMessage.ChannelArn"
	pathMessageID    = "ChannelMessage.MessageId"
	pathSubChannelID = "ChannelMessage.SubChannelId"
	pathContent      = "ChannelMessage.Content"
	pathMetadata     = "ChannelMessage.Metadata"
	pathPush         = "ChannelMessage.PushNotification"
	pathPushTitle    = "ChannelMessage.PushNotification.Title"
	pathAttributes   = "ChannelMessage.MessageAttributes"
	pathContentType  = "ChannelMessage.ContentType"
)

// isIDPath reports whether a repaired member is one a callback must name
// exactly as the service sent it.
func isIDPath(field string) bool {
	switch field {
	case pathCallbackID, pathChannelArn, pathMessageID, pathSubChannelID:
		return true
	}
	return false
}

// repairedFields returns the parts of the callback that repairs changed.
func repairedFields(repairs []Repair) fieldSet {
	var set fieldSet
	for _, r := range repairs {
		set |= r.part()
	}
	return set
}

// part returns the part of the callback the repair changed, if any.
func (r Repair) part() fieldSet {
	f := r.Field
	switch {
	case f == pathContent:
		return fieldContent
	case f == pathMetadata:
		return fieldMetadata
	case strings.HasPrefix(f, pathPush+"."):
		return fieldPush
	case strings.HasPrefix(f, pathAttributes+"["):
		return fieldAttributes
	case f == pathContentType:
		return fieldContentType
	}
	return 0
}

// repair turns the text faults inspect found into repairs, makes the two
// pattern repairs Decode documents, and returns every repair, or nil.
func repair(ev *Event, faults []textFault) []Repair {
	var repairs []Repair
	for _, f := range faults {
		repairs = append(repairs, Repair{Field: f.field, What: f.what + " at byte " + strconv.FormatInt(f.offset, 10) + " replaced by U+FFFD"})
	}
	cm := &ev.ChannelMessage
	if messaging.LineBreak(cm.Metadata) >= 0 {
		if compact, ok := compactJSON(cm.Metadata); ok {
			cm.Metadata = compact
			repairs = append(repairs, Repair{Field: pathMetadata, What: "JSON with line breaks written compactly, the same JSON value (the model's pattern .* allows no line break)"})
		}
	}
	if p := cm.PushNotification; p != nil && messaging.LineBreak(p.Title) >= 0 {
		title, n := oneLine(p.Title)
		p.Title = title
		repairs = append(repairs, Repair{Field: pathPushTitle, What: strconv.Itoa(n) + " line break(s) replaced by spaces (the model's pattern .* allows none)"})
	}
	return repairs
}

// jsonLineTerminators escapes the line terminators JSON allows raw inside
// strings and the model's pattern `.*` does not.
var jsonLineTerminators = strings.NewReplacer("\u0085", `\u0085`, "\u2028", `\u2028`, "\u2029", `\u2029`)

// compactJSON returns s, when it is JSON, without white space between its
// tokens and with U+0085, U+2028 and U+2029 escaped: the same JSON value
// on one line.
func compactJSON(s string) (string, bool) {
	if !json.Valid([]byte(s)) {
		return "", false
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(s)); err != nil {
		return "", false
	}
	// Outside strings JSON allows no other white space than space, tab,
	// CR and LF, which Compact removed: what is left is inside strings.
	return jsonLineTerminators.Replace(b.String()), true
}

// oneLine replaces each line terminator of s (CR LF counting as one) with a
// space and returns the result and how many it replaced.
func oneLine(s string) (string, int) {
	var b strings.Builder
	n := 0
	prevCR := false
	for _, r := range s {
		switch r {
		case '\n':
			if prevCR {
				prevCR = false
				continue
			}
			fallthrough
		case '\r', '\u0085', '\u2028', '\u2029':
			b.WriteByte(' ')
			n++
			prevCR = r == '\r'
			continue
		}
		prevCR = false
		b.WriteRune(r)
	}
	return b.String(), n
}
