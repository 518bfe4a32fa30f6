package processor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// MaxEventSize bounds the invocation payload Decode accepts. A channel
// message is at most a few kilobytes (4 KB of content, 1 KB of metadata,
// attributes); Lambda's own asynchronous payload limit is far above it.
const MaxEventSize = 256 << 10

// Sentinel errors for events that cannot be answered. Every error Decode and
// Validate return matches ErrInvalidEvent and, where it applies, one of the
// narrower sentinels.
var (
	ErrInvalidEvent  = errors.New("invalid channel flow event")
	ErrEmptyEvent    = errors.New("empty event")
	ErrEventTooLarge = errors.New("event too large")
	ErrMalformedJSON = errors.New("malformed JSON")
	ErrWrongType     = errors.New("wrong JSON type")
	// ErrDuplicateKey matches an event that sets a member twice: the same
	// key twice in one object, or two keys that encoding/json matches to
	// the same field (they differ only in case), or two attribute names
	// that decode to the same text. Which one counts is not the
	// processor's to guess, so the event is refused.
	ErrDuplicateKey = errors.New("duplicate key")
)

// DecodeError reports an event that could not be decoded. It matches
// ErrInvalidEvent and its Kind (one of ErrEmptyEvent, ErrEventTooLarge,
// ErrMalformedJSON, ErrWrongType, ErrDuplicateKey) with errors.Is. Its text
// names the field and byte offset, never the text the sender wrote.
type DecodeError struct {
	Kind   error
	Field  string // the JSON field with the wrong type or the duplicate key, when known
	Offset int64  // byte offset in the payload of the problem, when known
	Detail string
}

// Error describes the problem: its kind, the field and byte offset when
// known, and the detail.
func (e *DecodeError) Error() string {
	s := "decode event: " + e.Kind.Error()
	if e.Field != "" {
		s += " at " + e.Field
	}
	if e.Offset > 0 {
		s += " (byte " + strconv.FormatInt(e.Offset, 10) + ")"
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is matches ErrInvalidEvent and the error's Kind.
func (e *DecodeError) Is(target error) bool { return target == ErrInvalidEvent || target == e.Kind }

var timestampType = reflect.TypeFor[Timestamp]()

// utf8BOM is the byte order mark some writers put before JSON text.
var utf8BOM = []byte("\xef\xbb\xbf")

// Decode parses an invocation payload with encoding/json. It is tolerant
// where the service may vary: unknown fields, absent optional fields, null
// for an absent object, keys in another case (as encoding/json matches
// them), timestamps as RFC 3339 text or epoch numbers (the raw text is
// kept), white space and a UTF-8 byte order mark around the object. It is
// strict where an answer would be wrong: an empty or oversized payload,
// broken JSON, a field of the wrong type, a member set twice.
//
// Text that is not valid Unicode (invalid UTF-8, an unpaired surrogate
// escape such as \ud800) cannot be echoed as it came: encoding/json puts
// U+FFFD in its place, and Decode records each such field as a Repair, as
// it does the two changes it makes so that the service accepts a callback
// (see Event.Repairs and Repair). Validate refuses an event whose ids needed
// one; the pipeline reports any other as a REWRITE.
//
// Decode does not validate; see Event.Validate.
func Decode(payload []byte) (*Event, error) {
	if len(payload) > MaxEventSize {
		return nil, &DecodeError{Kind: ErrEventTooLarge, Detail: fmt.Sprintf("%d bytes, limit %d", len(payload), MaxEventSize)}
	}
	body, offset := trimPayload(payload)
	if len(body) == 0 {
		return nil, &DecodeError{Kind: ErrEmptyEvent, Detail: "the payload holds no JSON"}
	}
	if body[0] != '{' {
		if err := json.Unmarshal(body, new(any)); err != nil {
			return nil, malformed(err, offset)
		}
		return nil, &DecodeError{Kind: ErrWrongType, Detail: "the event is JSON " + kindOf(body[0]) + ", want an object"}
	}
	ev := new(Event)
	if err := json.Unmarshal(body, ev); err != nil {
		return nil, malformed(err, offset)
	}
	faults, err := inspect(body, offset)
	if err != nil {
		return nil, err
	}
	ev.repairs = repair(ev, faults)
	return ev, nil
}

// trimPayload returns the payload without the white space and byte order
// mark around it, and the offset of what it returns in the payload.
func trimPayload(payload []byte) ([]byte, int64) {
	body := bytes.TrimLeft(payload, " \t\r\n")
	if rest, ok := bytes.CutPrefix(body, utf8BOM); ok {
		body = bytes.TrimLeft(rest, " \t\r\n")
	}
	offset := int64(len(payload) - len(body))
	return bytes.TrimRight(body, " \t\r\n"), offset
}

// malformed turns an encoding/json error into a DecodeError; offset is where
// the JSON text given to encoding/json starts in the payload.
func malformed(err error, offset int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &DecodeError{Kind: ErrMalformedJSON, Offset: syn.Offset + offset, Detail: syntaxDetail(syn)}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		want := typ.Type.String()
		if typ.Type == timestampType {
			want = "string or number"
		} else if k := typ.Type.Kind(); k == reflect.Struct || k == reflect.Map || k == reflect.Pointer {
			want = "object"
		} else if k == reflect.Slice {
			want = "array"
		}
		return &DecodeError{Kind: ErrWrongType, Field: field, Offset: typ.Offset + offset, Detail: "got JSON " + typ.Value + ", want " + want}
	}
	return &DecodeError{Kind: ErrMalformedJSON, Detail: err.Error()}
}

// syntaxDetail is encoding/json's description of a syntax error without
// the character it quotes: that character may be part of what the sender
// wrote, and the byte offset already says where the problem is.
func syntaxDetail(syn *json.SyntaxError) string {
	msg := syn.Error()
	const char = "invalid character "
	rest, ok := strings.CutPrefix(msg, char)
	if !ok {
		return msg
	}
	// The character is quoted as 'x', '\'' or '\x01' (encoding/json's
	// quoteChar), then comes the context.
	end := strings.Index(rest[min(1, len(rest)):], "' ")
	if end < 0 {
		return "invalid character"
	}
	switch context := rest[end+3:]; context {
	case "exceeded max depth":
		return "nested deeper than encoding/json's limit of 10000 arrays and objects"
	default:
		return "invalid character " + context
	}
}

func kindOf(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}
