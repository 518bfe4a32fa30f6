package redact

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/chimeflow/chimeflow/processor"
)

// metadata redacts the selected string values of JSON metadata (or the
// whole metadata as text, with "*", when it is not JSON). Everything else
// in the document is kept byte for byte.
func (r *Rule) metadata(m *processor.Message) (processor.Verdict, bool) {
	doc := m.Metadata
	if strings.TrimSpace(doc) == "" {
		return processor.Continue, false
	}
	// The built-in detectors cannot match across a JSON string's quotes,
	// so a document without escapes in which they find nothing has nothing
	// to redact. Patterns (which may be anchored) need the real values.
	if len(r.patterns) == 0 && strings.IndexByte(doc, '\\') < 0 {
		if _, found := r.first(doc); !found {
			return processor.Continue, false
		}
	}
	if !json.Valid([]byte(doc)) {
		if !r.metaAll {
			return processor.Continue, false // not JSON: left intact
		}
		return r.text(&m.Metadata, "metadata", 0)
	}
	var (
		b      strings.Builder
		last   int
		denial processor.Verdict
		denied bool
	)
	w := jsonWalker{doc: doc, selected: r.selected}
	w.visit = func(start, end int, path []string) bool {
		value := unquote(doc[start:end])
		if r.deny {
			if sp, found := r.first(value); found {
				where := "metadata"
				if len(path) > 0 {
					where += " key " + strconv.Quote(strings.Join(path, "."))
				}
				denial, denied = r.denial(sp, where), true
				return false
			}
			return true
		}
		out, changed := r.redact(value)
		if changed {
			b.WriteString(doc[last:start])
			writeQuoted(&b, out)
			last = end
		}
		return true
	}
	w.walk()
	if denied {
		return denial, true
	}
	if last > 0 {
		b.WriteString(doc[last:])
		m.Metadata = b.String()
	}
	return processor.Continue, false
}

// selected reports whether the string values at path are to be redacted.
func (r *Rule) selected(path []string) bool {
	if r.metaAll {
		return true
	}
	for _, p := range r.metaPaths {
		if len(p) <= len(path) && equal(p, path[:len(p)]) {
			return true
		}
	}
	return false
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// jsonWalker walks a valid JSON document and calls visit with the extent
// (quotes included) and the path of every selected string value. Array
// elements share their array's path. It stops calling visit once visit
// returns false.
type jsonWalker struct {
	doc      string
	i        int
	path     []string
	selected func(path []string) bool
	visit    func(start, end int, path []string) bool
	stopped  bool
}

func (w *jsonWalker) walk() { w.value() }

func (w *jsonWalker) space() {
	for w.i < len(w.doc) && strings.IndexByte(" \t\r\n", w.doc[w.i]) >= 0 {
		w.i++
	}
}

func (w *jsonWalker) value() {
	w.space()
	switch w.doc[w.i] {
	case '{':
		w.i++
		for {
			w.space()
			if w.doc[w.i] == '}' {
				w.i++
				return
			}
			ks, ke := w.str()
			w.space()
			w.i++ // ':'
			w.path = append(w.path, unquote(w.doc[ks:ke]))
			w.value()
			w.path = w.path[:len(w.path)-1]
			w.space()
			if w.doc[w.i] == ',' {
				w.i++
			}
		}
	case '[':
		w.i++
		for {
			w.space()
			if w.doc[w.i] == ']' {
				w.i++
				return
			}
			w.value()
			w.space()
			if w.doc[w.i] == ',' {
				w.i++
			}
		}
	case '"':
		start, end := w.str()
		if !w.stopped && w.selected(w.path) {
			w.stopped = !w.visit(start, end, w.path)
		}
	default: // a number, true, false or null
		for w.i < len(w.doc) && strings.IndexByte(",}] \t\r\n", w.doc[w.i]) < 0 {
			w.i++
		}
	}
}

// str skips the string literal at w.i and returns its extent.
func (w *jsonWalker) str() (int, int) {
	start := w.i
	w.i++
	for {
		switch w.doc[w.i] {
		case '\\':
			w.i += 2
		case '"':
			w.i++
			return start, w.i
		default:
			w.i++
		}
	}
}

// unquote returns the value of a valid JSON string literal. A literal
// without escapes is its own value, invalid UTF-8 and all.
func unquote(lit string) string {
	if strings.IndexByte(lit, '\\') < 0 {
		return lit[1 : len(lit)-1]
	}
	var s string
	_ = json.Unmarshal([]byte(lit), &s) // valid: checked by json.Valid
	return s
}

// writeQuoted writes s as a JSON string literal, escaping only what JSON
// requires: quotes, backslashes and control characters. Other bytes ('<',
// '>' and '&', and invalid UTF-8 kept from the input) are written as they
// are.
func writeQuoted(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[last:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		}
		last = i + 1
	}
	b.WriteString(s[last:])
	b.WriteByte('"')
}
