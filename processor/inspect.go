package processor

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
)

// This file holds what encoding/json (v1) does not report: a member of the
// event set twice, and where the text it replaced with U+FFFD was. inspect
// walks a payload json.Unmarshal has already accepted into an Event, so the
// JSON is known to be well formed and the walk needs no error handling of
// its own. It follows only the members that decode into the Event (their
// shape is read from the Event type itself, once) and skips the rest.

// nodeKind is what a member of the event decodes into.
type nodeKind uint8

const (
	nodeSkip      nodeKind = iota // a value the Event does not keep
	nodeText                      // a string
	nodeObject                    // a struct: keys matched as encoding/json matches them
	nodeMap                       // a map with string keys
	nodeList                      // a slice
	nodeTimestamp                 // a Timestamp: string or number
)

// node is the shape of one member.
type node struct {
	kind   nodeKind
	fields []nodeField // nodeObject
	elem   *node       // nodeMap and nodeList
}

type nodeField struct {
	name string // the JSON name
	node *node
}

// eventShape is the shape of Event, read from its type.
var eventShape = shapeOf(reflect.TypeFor[Event]())

// shapeOf reads the JSON shape of t: strings, Timestamps, structs (their
// exported fields with a JSON name), pointers to them, maps with string
// keys and slices.
func shapeOf(t reflect.Type) *node {
	switch {
	case t == timestampType:
		return &node{kind: nodeTimestamp}
	case t.Kind() == reflect.String:
		return &node{kind: nodeText}
	case t.Kind() == reflect.Pointer:
		return shapeOf(t.Elem())
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		return &node{kind: nodeMap, elem: shapeOf(t.Elem())}
	case t.Kind() == reflect.Slice:
		return &node{kind: nodeList, elem: shapeOf(t.Elem())}
	case t.Kind() == reflect.Struct:
		n := &node{kind: nodeObject}
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			n.fields = append(n.fields, nodeField{name: name, node: shapeOf(f.Type)})
		}
		return n
	}
	return &node{kind: nodeSkip}
}

// textFault is a string of the payload that was not valid Unicode.
type textFault struct {
	field  string // where, e.g. ChannelMessage.Content
	offset int64  // byte offset of the first invalid byte or escape in the payload
	what   string // "invalid UTF-8" or "an unpaired surrogate escape"
}

// inspect walks body (at offset in the payload) and returns the text faults
// it finds, or a *DecodeError for a member set twice.
func inspect(body []byte, offset int64) ([]textFault, error) {
	w := walker{data: body, base: offset}
	w.path = w.pathBuf[:0]
	w.value(eventShape)
	return w.faults, w.err
}

// walker walks well-formed JSON.
type walker struct {
	data    []byte
	base    int64
	i       int
	path    []pathSeg
	pathBuf [8]pathSeg
	faults  []textFault
	err     error
}

// pathSeg is one step of the path to the current value: a field name, an
// attribute name, or an index.
type pathSeg struct {
	name  string // a field name
	key   []byte // a map key (decoded), when name is ""
	index int    // -1 unless a list index
}

// field renders the current path as messages name fields:
// ChannelMessage.MessageAttributes[#9f86d081].StringValues[0], the
// attribute named by a digest of its name (see quoteName).
func (w *walker) field() string {
	var b strings.Builder
	for _, s := range w.path {
		switch {
		case s.index >= 0:
			b.WriteString("[" + strconv.Itoa(s.index) + "]")
		case s.name == "":
			b.WriteString("[" + quoteName(string(s.key)) + "]")
		default:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(s.name)
		}
	}
	return b.String()
}

// quoteName names a map key (an attribute name) in a field path as
// messaging names attributes in its errors: by messaging.AttributeRef, a
// digest, never by the name a sender wrote.
func quoteName(name string) string { return messaging.AttributeRef(name) }

func (w *walker) space() {
	for w.i < len(w.data) {
		switch w.data[w.i] {
		case ' ', '\t', '\r', '\n':
			w.i++
		default:
			return
		}
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (w *walker) peek() byte {
	w.space()
	if w.i < len(w.data) {
		return w.data[w.i]
	}
	return 0
}

// str reads the string at w.i and returns its text between the quotes.
func (w *walker) str() []byte {
	start := w.i + 1
	j := start
	for {
		k := bytes.IndexByte(w.data[j:], '"')
		if k < 0 {
			w.i = len(w.data)
			return w.data[start:]
		}
		j += k
		// The quote ends the string unless an odd number of backslashes
		// escapes it.
		n := 0
		for n < j-start && w.data[j-1-n] == '\\' {
			n++
		}
		if n%2 == 0 {
			w.i = j + 1
			return w.data[start:j]
		}
		j++
	}
}

// skip reads past one value of any kind.
func (w *walker) skip() {
	depth := 0
	for w.i < len(w.data) {
		switch w.peek() {
		case '"':
			w.str()
		case '{', '[':
			depth++
			w.i++
		case '}', ']':
			depth--
			w.i++
		case ',', ':':
			w.i++
			continue
		default: // a number, true, false or null
			for w.i < len(w.data) && !endsLiteral(w.data[w.i]) {
				w.i++
			}
		}
		if depth <= 0 {
			return
		}
	}
}

// endsLiteral reports whether c ends a number or a literal.
func endsLiteral(c byte) bool {
	switch c {
	case ',', ':', ']', '}', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// value walks one value of the shape n.
func (w *walker) value(n *node) {
	if w.err != nil {
		return
	}
	c := w.peek()
	switch {
	case c == '"' && (n.kind == nodeText || n.kind == nodeTimestamp):
		start := w.i + 1
		w.checkText(w.str(), start)
	case c == '{' && n.kind == nodeObject:
		w.object(n)
	case c == '{' && n.kind == nodeMap:
		w.mapping(n)
	case c == '[' && n.kind == nodeList:
		w.list(n)
	default:
		w.skip()
	}
}

// key reads an object key and returns its text between the quotes, which
// is the key itself unless it needs decoding (an escape or invalid UTF-8),
// and the offset of its opening quote.
func (w *walker) key() (raw []byte, plain bool, at int) {
	w.peek()
	at = w.i
	raw = w.str()
	return raw, bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw), at
}

// decodeKey returns the key as encoding/json decodes it.
func (w *walker) decodeKey(raw []byte, plain bool, at int) string {
	if plain {
		return string(raw)
	}
	var s string
	_ = json.Unmarshal(w.data[at:at+len(raw)+2], &s) // well formed: cannot fail
	return s
}

// next moves to the next member of the object being walked and reads its
// key, leaving w.i on the value; ok is false at the end of the object.
func (w *walker) next() (raw []byte, plain bool, at int, ok bool) {
	for w.err == nil {
		switch w.peek() {
		case '}':
			w.i++
			return nil, false, 0, false
		case ',':
			w.i++
			continue
		case 0:
			return nil, false, 0, false
		}
		raw, plain, at = w.key()
		w.peek()
		w.i++ // :
		return raw, plain, at, true
	}
	return nil, false, 0, false
}

// object walks a struct: each key goes to the field encoding/json gives it
// (an exact match, else one that differs only in case); a field set twice
// is a duplicate.
func (w *walker) object(n *node) {
	var seen uint64 // fields already set; an Event has far fewer than 64
	w.i++           // {
	for {
		raw, plain, at, ok := w.next()
		if !ok {
			return
		}
		var f int
		if plain {
			f = matchField(n.fields, raw)
		} else {
			f = matchField(n.fields, []byte(w.decodeKey(raw, plain, at)))
		}
		if f < 0 {
			w.skip()
			continue
		}
		w.path = append(w.path, pathSeg{name: n.fields[f].name, index: -1})
		if seen&(1<<f) != 0 {
			detail := "the member is set twice"
			if !plain || string(raw) != n.fields[f].name {
				detail += ", the second time by a key that differs in case or escapes (encoding/json matches it to the same member)"
			}
			w.duplicate(at, detail)
			return
		}
		seen |= 1 << f
		w.value(n.fields[f].node)
		w.path = w.path[:len(w.path)-1]
	}
}

// matchField returns the index of the field key sets, or -1.
func matchField(fields []nodeField, key []byte) int {
	for i := range fields {
		if fields[i].name == string(key) {
			return i
		}
	}
	for i := range fields {
		if bytes.EqualFold([]byte(fields[i].name), key) {
			return i
		}
	}
	return -1
}

// mapping walks a map: its keys are the decoded names, compared exactly.
func (w *walker) mapping(n *node) {
	var names [][]byte
	var set map[string]struct{}
	w.i++ // {
	for {
		raw, plain, at, ok := w.next()
		if !ok {
			return
		}
		name := raw
		if !plain {
			name = []byte(w.decodeKey(raw, plain, at))
		}
		dup := false
		if set != nil {
			_, dup = set[string(name)]
			set[string(name)] = struct{}{}
		} else {
			for _, s := range names {
				dup = dup || bytes.Equal(s, name)
			}
			names = append(names, name)
			if len(names) > 16 {
				set = make(map[string]struct{}, 2*len(names))
				for _, s := range names {
					set[string(s)] = struct{}{}
				}
			}
		}
		w.path = append(w.path, pathSeg{key: name, index: -1})
		if dup {
			w.duplicate(at, "the name is set twice")
			return
		}
		w.checkText(raw, at+1)
		w.value(n.elem)
		w.path = w.path[:len(w.path)-1]
	}
}

// list walks an array.
func (w *walker) list(n *node) {
	w.i++ // [
	for index := 0; w.err == nil; {
		switch w.peek() {
		case ']':
			w.i++
			return
		case ',':
			w.i++
			continue
		case 0:
			return
		}
		w.path = append(w.path, pathSeg{index: index})
		w.value(n.elem)
		w.path = w.path[:len(w.path)-1]
		index++
	}
}

func (w *walker) duplicate(at int, detail string) {
	w.err = &DecodeError{Kind: ErrDuplicateKey, Field: w.field(), Offset: w.base + int64(at), Detail: detail}
}

// checkText records a fault when raw, the text of a string at start,
// holds invalid UTF-8 or an unpaired surrogate escape.
func (w *walker) checkText(raw []byte, start int) {
	if i := invalidUTF8(raw); i >= 0 {
		w.fault(start+i, "invalid UTF-8")
		return
	}
	if i := loneSurrogate(raw); i >= 0 {
		w.fault(start+i, "an unpaired surrogate escape")
	}
}

func (w *walker) fault(at int, what string) {
	w.faults = append(w.faults, textFault{field: w.field(), offset: w.base + int64(at), what: what})
}

// invalidUTF8 returns the offset of the first byte of b that is not part
// of valid UTF-8, or -1.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// loneSurrogate returns the offset in raw (a JSON string's text) of the
// first \uXXXX escape of a UTF-16 surrogate that is not half of a pair,
// or -1.
func loneSurrogate(raw []byte) int {
	for j := 0; ; {
		k := bytes.IndexByte(raw[j:], '\\')
		if k < 0 || j+k+1 >= len(raw) {
			return -1
		}
		j += k
		if raw[j+1] != 'u' {
			j += 2 // \" \\ \/ \b \f \n \r \t
			continue
		}
		r := hex4(raw[j+2:])
		switch {
		case r >= 0xD800 && r < 0xDC00:
			if j+12 <= len(raw) && raw[j+6] == '\\' && raw[j+7] == 'u' {
				if lo := hex4(raw[j+8:]); lo >= 0xDC00 && lo < 0xE000 {
					j += 12
					continue
				}
			}
			return j
		case r >= 0xDC00 && r < 0xE000:
			return j
		}
		j += 6
	}
}

// hex4 decodes the four hexadecimal digits at the start of b, or returns
// -1.
func hex4(b []byte) rune {
	if len(b) < 4 {
		return -1
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}
