package processor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
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
)

// DecodeError reports an event that could not be decoded. It matches
// ErrInvalidEvent and its Kind (one of ErrEmptyEvent, ErrEventTooLarge,
// ErrMalformedJSON, ErrWrongType) with errors.Is.
type DecodeError struct {
	Kind   error
	Field  string // the JSON field with the wrong type, when known
	Offset int64  // byte offset of a syntax error, when known
	Detail string
}

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

// Decode parses an invocation payload. It is tolerant where the service may
// vary (unknown fields, absent optional fields, timestamp formats) and
// strict where an answer would be wrong (empty or oversized input, broken
// JSON, a field of the wrong type). Decode does not validate; see
// Event.Validate.
//
// Decode is a hand-written single-pass decoder that gives exactly the
// results of encoding/json.Unmarshal into an Event, several times faster
// (FuzzDecodeDifferential holds it to that). The strings of the returned
// Event may share one copy of the payload: strings.Clone a field that is
// kept beyond the invocation.
func Decode(payload []byte) (*Event, error) {
	object, err := jsonObject(payload)
	if err != nil {
		return nil, err
	}
	return decodeFast(object)
}

// jsonObject returns the payload without surrounding white space, or the
// error for a payload that is too large, empty, or not a JSON object.
func jsonObject(payload []byte) ([]byte, error) {
	if len(payload) > MaxEventSize {
		return nil, &DecodeError{Kind: ErrEventTooLarge, Detail: fmt.Sprintf("%d bytes, limit %d", len(payload), MaxEventSize)}
	}
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 {
		return nil, &DecodeError{Kind: ErrEmptyEvent, Detail: "the payload holds no JSON"}
	}
	if trimmed[0] != '{' {
		if !json.Valid(trimmed) {
			return nil, malformed(json.Unmarshal(trimmed, new(any)))
		}
		return nil, &DecodeError{Kind: ErrWrongType, Detail: "the event is JSON " + kindOf(trimmed[0]) + ", want an object"}
	}
	return trimmed, nil
}

func malformed(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &DecodeError{Kind: ErrMalformedJSON, Offset: syn.Offset, Detail: syn.Error()}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(top level)"
		}
		want := typ.Type.String()
		if typ.Type == timestampType {
			want = "string or number"
		} else if typ.Type.Kind() == reflect.Struct || typ.Type.Kind() == reflect.Map {
			want = "object"
		} else if typ.Type.Kind() == reflect.Slice {
			want = "array"
		}
		return &DecodeError{Kind: ErrWrongType, Field: field, Detail: "got JSON " + typ.Value + ", want " + want}
	}
	return &DecodeError{Kind: ErrMalformedJSON, Detail: err.Error()}
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
