package processor

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
)

// This file holds the decoder Decode uses: a single pass over the payload,
// written for the shape of Event, without reflection. It gives the results
// encoding/json.Unmarshal(data, new(Event)) gives for every input, which
// FuzzDecodeDifferential checks:
//
//   - the same Event: keys matched to fields exactly, else by Unicode simple
//     case folding; later duplicate keys overwrite earlier ones, objects are
//     decoded into what is already there (struct fields and map entries
//     merge, a new map entry starts from zero); unknown keys are skipped;
//     null leaves a string or struct unchanged and sets a pointer, map or
//     slice to nil; an array decoded into a slice reuses its backing array
//     the way reflect.Value.Grow and SetLen do; strings are unescaped with
//     the same rules (unpaired surrogates and invalid UTF-8 become U+FFFD);
//     Timestamps follow Timestamp.UnmarshalJSON (null resets them);
//   - the same error: any syntax error wins (encoding/json validates the
//     whole input first), with its message and byte offset; then the first
//     Timestamp type error (encoding/json stops at an UnmarshalJSON error);
//     then the first other type error, with the same field path and kinds.
//
// Memory: the strings of the Event are substrings of one copy of the
// payload when the payload is at most sharedInputMax bytes, which is every
// real event (content is at most 4 KB, metadata 1 KB); this costs one
// allocation instead of one per field. Keeping any one of these strings
// keeps that copy (a few KB) alive; a rule that stores a field beyond the
// invocation should strings.Clone it. Above the limit each string is copied
// on its own, so a large payload made mostly of unknown fields is never
// kept alive by a small field. The payload itself is never aliased.

// sharedInputMax is the largest payload whose decoded strings share one
// copy of it.
const sharedInputMax = 32 << 10

// maxNestingDepth is encoding/json's limit on nested arrays and objects.
const maxNestingDepth = 10000

// Contexts of syntax errors, worded as encoding/json words them.
const (
	ctxBeginValue = "looking for beginning of value"
	ctxKeyString  = "looking for beginning of object key string"
	ctxAfterKey   = "after object key"
	ctxAfterPair  = "after object key:value pair"
	ctxAfterElem  = "after array element"
	ctxAfterTop   = "after top-level value"
	ctxString     = "in string literal"
	ctxEscape     = "in string escape code"
	ctxHex        = `in \u hexadecimal character escape`
	ctxNumber     = "in numeric literal"
	ctxDot        = "after decimal point in numeric literal"
	ctxExponent   = "in exponent of numeric literal"
	ctxDepth      = "exceeded max depth"
)

// Field paths of type errors, as encoding/json's UnmarshalTypeError.Field
// names them (JSON names, map keys left out).
const (
	pathChannelMessage = "ChannelMessage"
	pathSender         = "ChannelMessage.Sender"
	pathPush           = "ChannelMessage.PushNotification"
	pathAttributes     = "ChannelMessage.MessageAttributes"
	pathStringValues   = "ChannelMessage.MessageAttributes.StringValues"
)

// What a type error says the field wants, as malformed words it.
const (
	wantString    = "string"
	wantObject    = "object"
	wantArray     = "array"
	wantTimestamp = "string or number"
)

// decodeFast decodes data, a whole JSON document, into a new Event.
func decodeFast(data []byte) (*Event, error) {
	return decodeEvent(data, len(data) <= sharedInputMax)
}

// decodeEvent is decodeFast with the string sharing policy as a parameter,
// so that tests can run both policies on any input.
func decodeEvent(data []byte, shared bool) (*Event, error) {
	d := fastDecoder{data: data, shared: shared}
	if shared {
		d.str = string(data)
	}
	ev := new(Event)
	i := d.event(d.ws(0), ev)
	if i >= 0 {
		if i = d.ws(i); i < len(data) {
			d.fail(i, ctxAfterTop)
		}
	}
	switch {
	case d.syntax != nil:
		return nil, d.syntax
	case d.timestampErr.set:
		return nil, d.timestampErr.err()
	case d.typeErr.set:
		return nil, d.typeErr.err()
	}
	return ev, nil
}

// fastDecoder holds the state of one decodeEvent call. Its methods take the
// position of what they read and return the position after it, or -1 after
// a syntax error, which they record in syntax.
type fastDecoder struct {
	data   []byte
	str    string // string(data) when shared
	shared bool
	depth  int // open arrays and objects, as encoding/json counts them

	syntax       *DecodeError
	timestampErr typeError // the first Timestamp type error
	typeErr      typeError // the first other type error
}

// typeError is a wrong JSON kind for a field, kept until the end: a syntax
// error anywhere beats it.
type typeError struct {
	set              bool
	field, got, want string
}

func (t *typeError) record(field string, c byte, want string) {
	if !t.set {
		*t = typeError{set: true, field: field, got: kindOf(c), want: want}
	}
}

func (t *typeError) err() *DecodeError {
	field := t.field
	if field == "" {
		field = "(top level)"
	}
	return &DecodeError{Kind: ErrWrongType, Field: field, Detail: "got JSON " + t.got + ", want " + t.want}
}

// fail records the syntax error found at data[i], in context. At the end of
// the input it reports what encoding/json reports there: the end of input,
// as the scanner treats EOF as a space that the context accepts.
func (d *fastDecoder) fail(i int, context string) int {
	if i >= len(d.data) {
		return d.failAt(len(d.data), "unexpected end of JSON input")
	}
	return d.failAt(i+1, "invalid character "+quoteChar(d.data[i])+" "+context)
}

// failLit is fail inside a literal, where the scanner rejects the space it
// feeds itself at the end of the input.
func (d *fastDecoder) failLit(i int, context string) int {
	if i >= len(d.data) {
		return d.failAt(len(d.data), "invalid character ' ' "+context)
	}
	return d.fail(i, context)
}

func (d *fastDecoder) failAt(offset int, msg string) int {
	if d.syntax == nil {
		d.syntax = &DecodeError{Kind: ErrMalformedJSON, Offset: int64(offset), Detail: msg}
	}
	return -1
}

// quoteChar formats c as encoding/json's syntax errors do.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c)))
	return "'" + s[1:len(s)-1] + "'"
}

func isSpace(c byte) bool {
	return c <= ' ' && (c == ' ' || c == '\t' || c == '\r' || c == '\n')
}

// ws skips JSON white space.
func (d *fastDecoder) ws(i int) int {
	for i < len(d.data) && isSpace(d.data[i]) {
		i++
	}
	return i
}

// open counts the array or object opened at data[i].
func (d *fastDecoder) open(i int) bool {
	d.depth++
	if d.depth > maxNestingDepth {
		d.fail(i, ctxDepth)
		return false
	}
	return true
}

// sub returns data[start:end] as a string.
func (d *fastDecoder) sub(start, end int) string {
	if d.shared {
		return d.str[start:end]
	}
	return string(d.data[start:end])
}

// member reads the next key of the object being decoded, up to its value:
// i is just past '{' (first) or past the previous value. It returns the
// key's text data[ks:ke], whether that needs no unescaping (plain), and the
// position of the value; or done with the position past '}'.
func (d *fastDecoder) member(i int, first bool) (ks, ke int, plain bool, next int, done bool) {
	data := d.data
	i = d.ws(i)
	switch {
	case i < len(data) && data[i] == '}':
		d.depth--
		return 0, 0, false, i + 1, true
	case first:
	case i < len(data) && data[i] == ',':
		i = d.ws(i + 1)
	default:
		return 0, 0, false, d.fail(i, ctxAfterPair), false
	}
	if i >= len(data) || data[i] != '"' {
		return 0, 0, false, d.fail(i, ctxKeyString), false
	}
	end, plain := d.scanString(i)
	if end < 0 {
		return 0, 0, false, -1, false
	}
	j := d.ws(end)
	if j >= len(data) || data[j] != ':' {
		return 0, 0, false, d.fail(j, ctxAfterKey), false
	}
	return i + 1, end - 1, plain, d.ws(j + 1), false
}

// members decodes the members of an object whose '{' beginObject has just
// consumed, up to its '}': for each, value gets the key's bounds (see key)
// and the index of the value, and returns the index after the value, or -1
// on a syntax error, which ends the object. members returns the index after
// the '}', or -1.
func (d *fastDecoder) members(i int, value func(ks, ke int, plain bool, j int) int) int {
	for first := true; ; first = false {
		ks, ke, plain, j, done := d.member(i, first)
		if j < 0 || done {
			return j
		}
		if i = value(ks, ke, plain, j); i < 0 {
			return i
		}
	}
}

// key returns the unescaped key data[ks:ke] for matching.
func (d *fastDecoder) key(ks, ke int, plain bool) []byte {
	if plain {
		return d.data[ks:ke]
	}
	return []byte(d.unquote(ks, ke))
}

// Bytes of 0x01 and 0x80, for testing eight bytes at once.
const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// scanString validates the string at data[i] == '"' and returns the
// position past its closing quote, and whether its text is plain: no
// escapes and valid UTF-8, so usable without unescaping.
func (d *fastDecoder) scanString(i int) (end int, plain bool) {
	data := d.data
	j := i + 1
	var seen uint64 // the OR of the bytes of the text, to spot non-ASCII
	plain = true
	for {
		// Eight bytes at a time while none is a quote, a backslash or a
		// control character. Each test is exact for the word as a whole.
		for j+8 <= len(data) {
			x := binary.LittleEndian.Uint64(data[j:])
			q := x ^ (lsb * '"')
			b := x ^ (lsb * '\\')
			// The lowest flagged byte is a true match (a borrow only
			// flags bytes above one).
			if m := ((x-lsb*0x20)&^x | (q-lsb)&^q | (b-lsb)&^b) & msb; m != 0 {
				k := bits.TrailingZeros64(m) &^ 7
				seen |= x & (1<<k - 1)
				j += k >> 3
				break
			}
			seen |= x
			j += 8
		}
		if j >= len(data) {
			return d.fail(j, ctxString), false
		}
		switch c := data[j]; {
		case c == '"':
			if plain && seen&msb != 0 {
				plain = utf8.Valid(data[i+1 : j])
			}
			return j + 1, plain
		case c == '\\':
			plain = false
			j++
			if j >= len(data) {
				return d.failLit(j, ctxEscape), false
			}
			switch data[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j++
			case 'u':
				for k := 1; k <= 4; k++ {
					if j+k >= len(data) || !isHex(data[j+k]) {
						return d.failLit(j+k, ctxHex), false
					}
				}
				j += 5
			default:
				return d.fail(j, ctxEscape), false
			}
		case c < 0x20:
			return d.fail(j, ctxString), false
		default:
			seen |= uint64(c)
			j++
		}
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// stringValue decodes the string at data[i] == '"'.
func (d *fastDecoder) stringValue(i int) (string, int) {
	end, plain := d.scanString(i)
	switch {
	case end < 0:
		return "", -1
	case plain:
		return d.sub(i+1, end-1), end
	}
	return d.unquote(i+1, end-1), end
}

// unquote unescapes the text data[start:end] of a valid string literal as
// encoding/json does: an unpaired surrogate escape and each byte of invalid
// UTF-8 become U+FFFD.
func (d *fastDecoder) unquote(start, end int) string {
	s := d.data[start:end]
	var b strings.Builder
	b.Grow(len(s))
	for {
		// The run up to the next escape is copied as is, when valid.
		n := bytes.IndexByte(s, '\\')
		if n < 0 {
			n = len(s)
		}
		writeUTF8(&b, s[:n])
		if s = s[n:]; len(s) == 0 {
			return b.String()
		}
		c := s[1]
		switch c {
		case 'u':
			rr := hex4(s[2:6])
			s = s[6:]
			if utf16.IsSurrogate(rr) {
				if len(s) >= 6 && s[0] == '\\' && s[1] == 'u' {
					if dec := utf16.DecodeRune(rr, hex4(s[2:6])); dec != unicode.ReplacementChar {
						b.WriteRune(dec)
						s = s[6:]
						continue
					}
				}
				rr = unicode.ReplacementChar
			}
			b.WriteRune(rr)
			continue
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		} // else '"', '\\' or '/', as is
		b.WriteByte(c)
		s = s[2:]
	}
}

// writeUTF8 writes run with each byte of invalid UTF-8 replaced by U+FFFD.
func writeUTF8(b *strings.Builder, run []byte) {
	if utf8.Valid(run) {
		b.Write(run)
		return
	}
	for len(run) > 0 {
		r, size := utf8.DecodeRune(run)
		b.WriteRune(r)
		run = run[size:]
	}
}

// hex4 decodes four hex digits, already validated.
func hex4(s []byte) rune {
	var r rune
	for _, c := range s[:4] {
		switch {
		case c <= '9':
			c -= '0'
		case c <= 'F':
			c -= 'A' - 10
		default:
			c -= 'a' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}

// scanNumber validates the number at data[i] and returns the position
// past it.
func (d *fastDecoder) scanNumber(i int) int {
	data := d.data
	j := i
	if data[j] == '-' {
		j++
		if j >= len(data) || !isDigit(data[j]) {
			return d.failLit(j, ctxNumber)
		}
	}
	if data[j] == '0' {
		j++
	} else {
		for j++; j < len(data) && isDigit(data[j]); j++ {
		}
	}
	if j < len(data) && data[j] == '.' {
		j++
		if j >= len(data) || !isDigit(data[j]) {
			return d.failLit(j, ctxDot)
		}
		for j++; j < len(data) && isDigit(data[j]); j++ {
		}
	}
	if j < len(data) && (data[j] == 'e' || data[j] == 'E') {
		j++
		if j < len(data) && (data[j] == '+' || data[j] == '-') {
			j++
		}
		if j >= len(data) || !isDigit(data[j]) {
			return d.failLit(j, ctxExponent)
		}
		for j++; j < len(data) && isDigit(data[j]); j++ {
		}
	}
	return j
}

// scanLiteral validates true, false or null (word) at data[i].
func (d *fastDecoder) scanLiteral(i int, word string) int {
	if len(d.data)-i >= len(word) && string(d.data[i:i+len(word)]) == word {
		return i + len(word)
	}
	for k := 1; k < len(word); k++ {
		if j := i + k; j >= len(d.data) || d.data[j] != word[k] {
			return d.failLit(j, "in literal "+word+" (expecting '"+word[k:k+1]+"')")
		}
	}
	return i + len(word)
}

// null validates the null at data[i].
func (d *fastDecoder) null(i int) int { return d.scanLiteral(i, "null") }

// skip validates the value at data[i] and returns the position past it.
func (d *fastDecoder) skip(i int) int {
	const (
		stValue = iota // a value starts at i
		stAfter        // a value ended before i
		stKey          // an object key starts at i
	)
	data := d.data
	var buf [32]bool
	inArray := buf[:0] // for each open container: is it an array?
	for st := stValue; ; {
		switch st {
		case stValue:
			if i >= len(data) {
				return d.fail(i, ctxBeginValue)
			}
			switch c := data[i]; {
			case c == '{' || c == '[':
				if !d.open(i) {
					return -1
				}
				closer := byte('}')
				if c == '[' {
					closer = ']'
				}
				if i = d.ws(i + 1); i < len(data) && data[i] == closer {
					d.depth--
					i++
					st = stAfter
					continue
				}
				inArray = append(inArray, c == '[')
				if c == '{' {
					st = stKey
				}
				continue
			case c == '"':
				i, _ = d.scanString(i)
			case c == 't':
				i = d.scanLiteral(i, "true")
			case c == 'f':
				i = d.scanLiteral(i, "false")
			case c == 'n':
				i = d.null(i)
			case c == '-' || isDigit(c):
				i = d.scanNumber(i)
			default:
				return d.fail(i, ctxBeginValue)
			}
			if i < 0 {
				return -1
			}
			st = stAfter
		case stAfter:
			n := len(inArray)
			if n == 0 {
				return i
			}
			i = d.ws(i)
			closer, context := byte('}'), ctxAfterPair
			if inArray[n-1] {
				closer, context = ']', ctxAfterElem
			}
			switch {
			case i < len(data) && data[i] == ',':
				i = d.ws(i + 1)
				st = stValue
				if !inArray[n-1] {
					st = stKey
				}
			case i < len(data) && data[i] == closer:
				inArray = inArray[:n-1]
				d.depth--
				i++
			default:
				return d.fail(i, context)
			}
		case stKey:
			if i >= len(data) || data[i] != '"' {
				return d.fail(i, ctxKeyString)
			}
			if i, _ = d.scanString(i); i < 0 {
				return -1
			}
			if i = d.ws(i); i >= len(data) || data[i] != ':' {
				return d.fail(i, ctxAfterKey)
			}
			i = d.ws(i + 1)
			st = stValue
		}
	}
}

// beginObject handles a value at data[i] that must be an object: it
// reports whether one starts there and, when not, consumes the value: a
// null (no change, unless null is set), or anything else as a type error.
func (d *fastDecoder) beginObject(i int, path string, want string) (next int, isObject bool) {
	if i >= len(d.data) {
		return d.fail(i, ctxBeginValue), false
	}
	switch c := d.data[i]; c {
	case '{':
		if !d.open(i) {
			return -1, false
		}
		return i + 1, true
	case 'n':
		return d.null(i), false
	default:
		d.typeErr.record(path, c, want)
		return d.skip(i), false
	}
}

// stringField decodes a string field; null leaves it unchanged.
func (d *fastDecoder) stringField(i int, dst *string, path string) int {
	if i >= len(d.data) {
		return d.fail(i, ctxBeginValue)
	}
	switch c := d.data[i]; c {
	case '"':
		s, end := d.stringValue(i)
		if end >= 0 {
			*dst = s
		}
		return end
	case 'n':
		return d.null(i)
	default:
		d.typeErr.record(path, c, wantString)
		return d.skip(i)
	}
}

// timestampField decodes a Timestamp as Timestamp.UnmarshalJSON does.
func (d *fastDecoder) timestampField(i int, dst *Timestamp, path string) int {
	if i >= len(d.data) {
		return d.fail(i, ctxBeginValue)
	}
	switch c := d.data[i]; {
	case c == '"':
		s, end := d.stringValue(i)
		if end >= 0 {
			*dst = Timestamp{Raw: s, Time: parseTime(s)}
		}
		return end
	case c == 'n':
		*dst = Timestamp{}
		return d.null(i)
	case c == '-' || isDigit(c):
		end := d.scanNumber(i)
		if end < 0 {
			return -1
		}
		raw := d.sub(i, end)
		if !isNumber(raw) {
			// What UnmarshalJSON refuses, this refuses too: a type
			// error, as it reports it.
			d.timestampErr.record(path, c, wantTimestamp)
			return end
		}
		*dst = Timestamp{Raw: raw, Time: parseTime(raw)}
		return end
	default:
		d.timestampErr.record(path, c, wantTimestamp)
		return d.skip(i)
	}
}

// The fields of each struct of an Event, as eventField, channelMessageField,
// senderField and pushField number them.
const (
	fEventType = iota
	fCallbackID
	fChannelMessage
)

const (
	fMessageID = iota
	fChannelArn
	fContent
	fMetadata
	fSender
	fPersistence
	fType
	fCreatedTimestamp
	fLastEditedTimestamp
	fPushNotification
	fMessageAttributes
	fSubChannelID
	fContentType
)

const (
	fArn = iota
	fName
)

const (
	fTitle = iota
	fBody
	fPushType
)

func (d *fastDecoder) event(i int, ev *Event) int {
	i, ok := d.beginObject(i, "", wantObject)
	if !ok {
		return i
	}
	return d.members(i, func(ks, ke int, plain bool, j int) int {
		k := d.key(ks, ke, plain)
		switch eventField(k) {
		case fEventType:
			return d.stringField(j, &ev.EventType, "EventType")
		case fCallbackID:
			return d.stringField(j, &ev.CallbackID, "CallbackId")
		case fChannelMessage:
			return d.channelMessage(j, &ev.ChannelMessage)
		default:
			return d.skip(j)
		}
	})
}

func (d *fastDecoder) channelMessage(i int, cm *ChannelMessage) int {
	i, ok := d.beginObject(i, pathChannelMessage, wantObject)
	if !ok {
		return i
	}
	return d.members(i, func(ks, ke int, plain bool, j int) int {
		k := d.key(ks, ke, plain)
		switch channelMessageField(k) {
		case fMessageID:
			return d.stringField(j, &cm.MessageID, "ChannelMessage.MessageId")
		case fChannelArn:
			return d.stringField(j, &cm.ChannelArn, "ChannelMessage.ChannelArn")
		case fContent:
			return d.stringField(j, &cm.Content, "ChannelMessage.Content")
		case fMetadata:
			return d.stringField(j, &cm.Metadata, "ChannelMessage.Metadata")
		case fSender:
			return d.sender(j, &cm.Sender)
		case fPersistence:
			return d.stringField(j, &cm.Persistence, "ChannelMessage.Persistence")
		case fType:
			return d.stringField(j, &cm.Type, "ChannelMessage.Type")
		case fCreatedTimestamp:
			return d.timestampField(j, &cm.CreatedTimestamp, "ChannelMessage.CreatedTimestamp")
		case fLastEditedTimestamp:
			return d.timestampField(j, &cm.LastEditedTimestamp, "ChannelMessage.LastEditedTimestamp")
		case fPushNotification:
			return d.pushNotification(j, &cm.PushNotification)
		case fMessageAttributes:
			return d.attributes(j, &cm.MessageAttributes)
		case fSubChannelID:
			return d.stringField(j, &cm.SubChannelID, "ChannelMessage.SubChannelId")
		case fContentType:
			return d.stringField(j, &cm.ContentType, "ChannelMessage.ContentType")
		default:
			return d.skip(j)
		}
	})
}

func (d *fastDecoder) sender(i int, s *Sender) int {
	i, ok := d.beginObject(i, pathSender, wantObject)
	if !ok {
		return i
	}
	return d.members(i, func(ks, ke int, plain bool, j int) int {
		switch senderField(d.key(ks, ke, plain)) {
		case fArn:
			return d.stringField(j, &s.Arn, "ChannelMessage.Sender.Arn")
		case fName:
			return d.stringField(j, &s.Name, "ChannelMessage.Sender.Name")
		default:
			return d.skip(j)
		}
	})
}

// pushNotification decodes the pointer field: null sets it to nil, an
// object is decoded into what it points to, allocated when nil.
func (d *fastDecoder) pushNotification(i int, dst **messaging.PushNotificationConfiguration) int {
	if i < len(d.data) && d.data[i] == 'n' {
		*dst = nil
	}
	i, ok := d.beginObject(i, pathPush, wantObject)
	if !ok {
		return i
	}
	if *dst == nil {
		*dst = new(messaging.PushNotificationConfiguration)
	}
	p := *dst
	return d.members(i, func(ks, ke int, plain bool, j int) int {
		switch pushField(d.key(ks, ke, plain)) {
		case fTitle:
			return d.stringField(j, &p.Title, "ChannelMessage.PushNotification.Title")
		case fBody:
			return d.stringField(j, &p.Body, "ChannelMessage.PushNotification.Body")
		case fPushType:
			return d.stringField(j, &p.Type, "ChannelMessage.PushNotification.Type")
		default:
			return d.skip(j)
		}
	})
}

// attributes decodes the map field: null sets it to nil, an object adds
// its entries to the map, made when nil; each entry is decoded from a zero
// value and replaces any entry of the same name.
func (d *fastDecoder) attributes(i int, dst *map[string]messaging.MessageAttributeValue) int {
	if i < len(d.data) && d.data[i] == 'n' {
		*dst = nil
	}
	i, ok := d.beginObject(i, pathAttributes, wantObject)
	if !ok {
		return i
	}
	if *dst == nil {
		*dst = make(map[string]messaging.MessageAttributeValue)
	}
	m := *dst
	return d.members(i, func(ks, ke int, plain bool, j int) int {
		var v messaging.MessageAttributeValue
		next := d.attributeValue(j, &v)
		if next < 0 {
			return next
		}
		if plain {
			m[d.sub(ks, ke)] = v
		} else {
			m[d.unquote(ks, ke)] = v
		}
		return next
	})
}

func (d *fastDecoder) attributeValue(i int, v *messaging.MessageAttributeValue) int {
	i, ok := d.beginObject(i, pathAttributes, wantObject)
	if !ok {
		return i
	}
	return d.members(i, func(ks, ke int, plain bool, j int) int {
		if k := d.key(ks, ke, plain); string(k) == "StringValues" || foldEqual(k, "StringValues") {
			return d.stringValues(j, &v.StringValues)
		}
		return d.skip(j)
	})
}

// stringValues decodes a []string as encoding/json does, down to reusing
// the backing array of a slice decoded earlier from a duplicate key: it
// grows like reflect.Value.Grow(1) (which is append's growth), re-extends
// over old elements within capacity, and a null element leaves what is
// there. An empty array gives an empty, non-nil slice.
func (d *fastDecoder) stringValues(i int, dst *[]string) int {
	if i >= len(d.data) {
		return d.fail(i, ctxBeginValue)
	}
	switch c := d.data[i]; c {
	case '[':
	case 'n':
		*dst = nil
		return d.null(i)
	default:
		d.typeErr.record(pathStringValues, c, wantArray)
		return d.skip(i)
	}
	if !d.open(i) {
		return -1
	}
	s := *dst
	n := 0
	i = d.ws(i + 1)
	if i < len(d.data) && d.data[i] == ']' {
		d.depth--
		*dst = []string{}
		return i + 1
	}
	for {
		switch {
		case n >= cap(s):
			s = append(s[:n], "")
		case n >= len(s):
			s = s[:n+1]
		}
		if i = d.stringField(i, &s[n], pathStringValues); i < 0 {
			return -1
		}
		n++
		i = d.ws(i)
		switch {
		case i < len(d.data) && d.data[i] == ',':
			i = d.ws(i + 1)
			continue
		case i < len(d.data) && d.data[i] == ']':
			d.depth--
			*dst = s[:n]
			return i + 1
		}
		return d.fail(i, ctxAfterElem)
	}
}

// The field of each struct a key names: the exact name, else the name
// equal under Unicode simple case folding, as encoding/json matches keys
// (the names of one struct never fold alike). -1 for none.

func eventField(k []byte) int {
	switch string(k) {
	case "EventType":
		return fEventType
	case "CallbackId":
		return fCallbackID
	case "ChannelMessage":
		return fChannelMessage
	}
	return foldField(k, "EventType", "CallbackId", "ChannelMessage")
}

func channelMessageField(k []byte) int {
	switch string(k) {
	case "MessageId":
		return fMessageID
	case "ChannelArn":
		return fChannelArn
	case "Content":
		return fContent
	case "Metadata":
		return fMetadata
	case "Sender":
		return fSender
	case "Persistence":
		return fPersistence
	case "Type":
		return fType
	case "CreatedTimestamp":
		return fCreatedTimestamp
	case "LastEditedTimestamp":
		return fLastEditedTimestamp
	case "PushNotification":
		return fPushNotification
	case "MessageAttributes":
		return fMessageAttributes
	case "SubChannelId":
		return fSubChannelID
	case "ContentType":
		return fContentType
	}
	return foldField(k, "MessageId", "ChannelArn", "Content", "Metadata", "Sender", "Persistence", "Type",
		"CreatedTimestamp", "LastEditedTimestamp", "PushNotification", "MessageAttributes", "SubChannelId", "ContentType")
}

func senderField(k []byte) int {
	switch string(k) {
	case "Arn":
		return fArn
	case "Name":
		return fName
	}
	return foldField(k, "Arn", "Name")
}

func pushField(k []byte) int {
	switch string(k) {
	case "Title":
		return fTitle
	case "Body":
		return fBody
	case "Type":
		return fPushType
	}
	return foldField(k, "Title", "Body", "Type")
}

// foldField returns the index of the name k folds to, or -1.
func foldField(k []byte, names ...string) int {
	for n, name := range names {
		if foldEqual(k, name) {
			return n
		}
	}
	return -1
}

// foldEqual reports whether key folds to name, an ASCII field name, as
// encoding/json's foldName compares them.
func foldEqual(key []byte, name string) bool {
	if len(key) < len(name) { // folding never shortens a key below an ASCII name
		return false
	}
	j := 0
	for i := 0; i < len(key); j++ {
		if j >= len(name) {
			return false
		}
		r, size := rune(key[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(key[i:])
		}
		if foldRune(r) != foldRune(rune(name[j])) {
			return false
		}
		i += size
	}
	return j == len(name)
}

// foldRune maps r to the smallest rune of its simple case folding orbit:
// ASCII letters to upper case, 'ſ' to 'S', the Kelvin sign to 'K'.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			r -= 'a' - 'A'
		}
		return r
	}
	min := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < min {
			min = f
		}
	}
	return min
}
