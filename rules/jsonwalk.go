package rules

import (
	"encoding/json"
	"strings"
)

// validJSON reports whether doc is one JSON value, with white space around
// it allowed. Like encoding/json, it accepts any bytes inside strings
// (invalid UTF-8 included). It does not allocate.
func validJSON(doc string) bool {
	i, ok := skipValue(doc, skipSpace(doc, 0))
	return ok && skipSpace(doc, i) == len(doc)
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the JSON value at s[i:], and whether there
// is one.
func skipValue(s string, i int) (int, bool) {
	if i >= len(s) {
		return i, false
	}
	switch c := s[i]; {
	case c == '{':
		return skipList(s, i+1, '}', true)
	case c == '[':
		return skipList(s, i+1, ']', false)
	case c == '"':
		return skipString(s, i)
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(s, i)
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if strings.HasPrefix(s[i:], lit) {
			return i + len(lit), true
		}
	}
	return i, false
}

// skipList skips the members of an object (keyed) or the items of an
// array, from just after the opening bracket to just after the closing one.
func skipList(s string, i int, closing byte, keyed bool) (int, bool) {
	i = skipSpace(s, i)
	if i < len(s) && s[i] == closing {
		return i + 1, true
	}
	for {
		var ok bool
		if keyed {
			if i >= len(s) || s[i] != '"' {
				return i, false
			}
			if i, ok = skipString(s, i); !ok {
				return i, false
			}
			if i = skipSpace(s, i); i >= len(s) || s[i] != ':' {
				return i, false
			}
			i = skipSpace(s, i+1)
		}
		if i, ok = skipValue(s, i); !ok {
			return i, false
		}
		switch i = skipSpace(s, i); {
		case i < len(s) && s[i] == ',':
			i = skipSpace(s, i+1)
		case i < len(s) && s[i] == closing:
			return i + 1, true
		default:
			return i, false
		}
	}
}

func skipString(s string, i int) (int, bool) {
	for i++; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			if i++; i >= len(s) {
				return i, false
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) {
					return i, false
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f' }

func skipNumber(s string, i int) (int, bool) {
	digits := func(i int) (int, bool) {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i, i > start
	}
	if s[i] == '-' {
		i++
	}
	if i < len(s) && s[i] == '0' {
		i++
	} else if j, ok := digits(i); ok {
		i = j
	} else {
		return i, false
	}
	if i < len(s) && s[i] == '.' {
		j, ok := digits(i + 1)
		if !ok {
			return j, false
		}
		i = j
	}
	if i < len(s) && s[i]|0x20 == 'e' {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j, ok := digits(i)
		if !ok {
			return j, false
		}
		i = j
	}
	return i, true
}

// jsonWalk visits the covered string values of a valid JSON document and,
// when it writes, rebuilds the document with what the visitor returns.
// Array items share their array's key path.
type jsonWalk struct {
	doc     string
	i       int
	texts   *Texts
	write   bool
	stopped bool
	out     *strings.Builder // the document so far, once a value changed
	last    int              // doc[:last] is in out
}

// value walks the value at w.i, depth keys down, calling fn for each
// covered string. (fn is passed down rather than kept in w, so that escape
// analysis sees it does not escape.) live has a bit for each
// key path of the scope that matches the keys so far and goes deeper; sel
// is the first key path that the keys so far complete, or -1.
func (w *jsonWalk) value(fn visitor, depth int, live uint64, sel int) {
	w.i = skipSpace(w.doc, w.i)
	switch c := w.doc[w.i]; c {
	case '{', '[':
		keyed, closing := c == '{', c+2 // '}' and ']' follow '{' and '[' by two
		w.i++
		for {
			w.i = skipSpace(w.doc, w.i)
			if w.doc[w.i] == closing {
				w.i++
				return
			}
			itemDepth, itemLive, itemSel := depth, live, sel // array items share the array's path
			if keyed {
				ks := w.i
				w.i, _ = skipString(w.doc, w.i)
				itemLive, itemSel = w.key(w.doc[ks:w.i], depth, live, sel)
				itemDepth++
				w.i = skipSpace(w.doc, w.i) + 1 // ':'
			}
			w.value(fn, itemDepth, itemLive, itemSel)
			if w.i = skipSpace(w.doc, w.i); w.doc[w.i] == ',' {
				w.i++
			}
		}
	case '"':
		start := w.i
		w.i, _ = skipString(w.doc, w.i)
		w.visit(fn, start, w.i, sel)
	default:
		w.i, _ = skipValue(w.doc, w.i)
	}
}

// key narrows live and sel to the key whose literal is lit, depth keys
// down.
func (w *jsonWalk) key(lit string, depth int, live uint64, sel int) (uint64, int) {
	if live == 0 {
		return 0, sel
	}
	k := unquote(lit)
	var next uint64
	for i, p := range w.texts.metaPaths {
		if live&(1<<i) == 0 || p[depth] != k {
			continue
		}
		if len(p) > depth+1 {
			next |= 1 << i
		} else if sel < 0 {
			sel = i
		}
	}
	if sel >= 0 {
		next = 0 // covered already: the keys below do not matter
	}
	return next, sel
}

// visit hands the string literal doc[start:end] to the visitor if it is
// covered, and writes back what the visitor returns.
func (w *jsonWalk) visit(fn visitor, start, end, sel int) {
	if w.stopped {
		return
	}
	p := Place{Part: PartMetadata, Name: "*"}
	switch {
	case sel >= 0:
		p.Name = w.texts.metaNames[sel]
	case !w.texts.metaAll:
		return
	}
	s := unquote(w.doc[start:end])
	out, more := fn(p, s)
	w.stopped = !more
	if w.write && out != s {
		if w.out == nil {
			w.out = new(strings.Builder)
		}
		w.out.WriteString(w.doc[w.last:start])
		writeQuoted(w.out, out)
		w.last = end
	}
}

// unquote returns the value of a valid JSON string literal. A literal
// without escapes is its own value, invalid UTF-8 and all, and costs no
// allocation.
func unquote(lit string) string {
	if strings.IndexByte(lit, '\\') < 0 {
		return lit[1 : len(lit)-1]
	}
	var s string
	_ = json.Unmarshal([]byte(lit), &s) // valid: checked by validJSON
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
