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

// jsonWalk visits the covered string values of a valid JSON document
// and, when its walker writes, records the values rewritten. Array items
// share their array's key path.
type jsonWalk struct {
	doc     string
	i       int
	texts   *Texts
	stopped bool
	edits   []edit // the values rewritten, in document order
}

// value walks the value at jw.i, depth keys down, handing each covered
// string to w. (w is passed down rather than kept in jw, so that escape
// analysis sees it does not escape.) live has a bit for each key path of the scope that matches the
// keys so far and goes deeper; sel is the first key path that the keys so
// far complete, or -1.
func (jw *jsonWalk) value(w *walker, depth int, live uint64, sel int) {
	jw.i = skipSpace(jw.doc, jw.i)
	switch c := jw.doc[jw.i]; c {
	case '{', '[':
		keyed, closing := c == '{', c+2 // '}' and ']' follow '{' and '[' by two
		jw.i++
		for {
			jw.i = skipSpace(jw.doc, jw.i)
			if jw.doc[jw.i] == closing {
				jw.i++
				return
			}
			itemDepth, itemLive, itemSel := depth, live, sel // array items share the array's path
			if keyed {
				ks := jw.i
				jw.i, _ = skipString(jw.doc, jw.i)
				itemLive, itemSel = jw.key(jw.doc[ks:jw.i], depth, live, sel)
				itemDepth++
				jw.i = skipSpace(jw.doc, jw.i) + 1 // ':'
			}
			jw.value(w, itemDepth, itemLive, itemSel)
			if jw.i = skipSpace(jw.doc, jw.i); jw.doc[jw.i] == ',' {
				jw.i++
			}
		}
	case '"':
		start := jw.i
		jw.i, _ = skipString(jw.doc, jw.i)
		jw.visit(w, start, jw.i, sel)
	default:
		jw.i, _ = skipValue(jw.doc, jw.i)
	}
}

// key narrows live and sel to the key whose literal is lit, depth keys
// down.
func (jw *jsonWalk) key(lit string, depth int, live uint64, sel int) (uint64, int) {
	if live == 0 {
		return 0, sel
	}
	k := unquote(lit)
	var next uint64
	for i, p := range jw.texts.metaPaths {
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

// visit hands the string literal doc[start:end] to the walker if it is
// covered, and records a rewrite.
func (jw *jsonWalk) visit(w *walker, start, end, sel int) {
	if jw.stopped {
		return
	}
	p := Place{Part: PartMetadata, Name: "*"}
	switch {
	case sel >= 0:
		p.Name = jw.texts.metaNames[sel]
	case !jw.texts.metaAll:
		return
	}
	s := unquote(jw.doc[start:end])
	out, more := w.visit(p, s)
	jw.stopped = !more
	if w.write != nil && out != s {
		jw.edits = append(jw.edits, edit{start: start, end: end, place: p, text: s, out: out})
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

// writeQuoted writes s as a JSON string literal, escaping what JSON
// requires (quotes, backslashes and control characters, with the short
// escapes where JSON has one) and the line terminators U+0085, U+2028 and
// U+2029, which the metadata's pattern refuses. Other bytes ('<', '>' and
// '&', and invalid UTF-8 kept from the input) are written as they are.
// No character is written longer than in any JSON literal that holds it,
// but for those three line terminators, which JSON may hold raw.
func writeQuoted(b *strings.Builder, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	last := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var esc string
		switch {
		case c == '"':
			esc = `\"`
		case c == '\\':
			esc = `\\`
		case c == '\n':
			esc = `\n`
		case c == '\r':
			esc = `\r`
		case c == '\t':
			esc = `\t`
		case c == '\b':
			esc = `\b`
		case c == '\f':
			esc = `\f`
		case c < 0x20:
			b.WriteString(s[last:i])
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
			last = i + 1
			continue
		case c == 0xC2 && i+1 < len(s) && s[i+1] == 0x85:
			esc = `\u0085`
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0xA8:
			esc = `\u2028`
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2] == 0xA9:
			esc = `\u2029`
		default:
			continue
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		switch c {
		case 0xC2:
			i++ // the rest of U+0085
		case 0xE2:
			i += 2 // the rest of U+2028 or U+2029
		}
		last = i + 1
	}
	b.WriteString(s[last:])
	b.WriteByte('"')
}

// SetMetadataKey returns the metadata doc with its top-level key set to
// raw, a JSON value: every member named key is removed, and key is added
// after the others. The rest of the document is kept byte for byte (the
// white space between members aside, when a member is removed), so that
// annotating metadata never re-encodes what the sender wrote, which could
// make it longer. Blank metadata counts as an empty object. It reports
// false, and returns doc, when doc is neither blank nor a JSON object.
// raw is written as it is: it must be valid JSON without line terminators
// (encoding/json's output is).
func SetMetadataKey(doc, key string, raw []byte) (string, bool) {
	return spliceKey(doc, key, raw, true)
}

// DeleteMetadataKey returns the metadata doc without its top-level
// members named key, the rest kept byte for byte (as SetMetadataKey keeps
// it): never longer than doc. It returns doc itself, without allocating,
// when there is no such member. It reports false, and returns doc, when
// doc is neither blank nor a JSON object.
func DeleteMetadataKey(doc, key string) (string, bool) {
	return spliceKey(doc, key, nil, false)
}

func spliceKey(doc, key string, raw []byte, set bool) (string, bool) {
	if strings.TrimSpace(doc) == "" {
		if !set {
			return doc, true
		}
		var b strings.Builder
		b.WriteByte('{')
		writeMember(&b, key, raw)
		b.WriteByte('}')
		return b.String(), true
	}
	open := skipSpace(doc, 0)
	if doc[open] != '{' || !validJSON(doc) {
		return doc, false
	}
	// head is the document up to the end of the last member before the
	// first one named key (byte for byte); after it, the members kept.
	head, headMembers := -1, 0
	var kept []string
	n := 0 // members so far
	lastEnd := open + 1
	i := skipSpace(doc, open+1)
	for doc[i] != '}' {
		start := i
		i, _ = skipString(doc, i)
		named := unquote(doc[start:i]) == key
		i = skipSpace(doc, skipSpace(doc, i)+1) // past ':'
		i, _ = skipValue(doc, i)
		switch {
		case named && head < 0:
			head, headMembers = lastEnd, n
		case named:
		case head >= 0:
			kept = append(kept, doc[start:i])
		}
		if !named {
			n++
		}
		lastEnd = i
		if i = skipSpace(doc, i); doc[i] == ',' {
			i = skipSpace(doc, i+1)
		}
	}
	closing := i
	if head < 0 && !set {
		return doc, true
	}
	var b strings.Builder
	b.Grow(len(doc) + len(key) + len(raw) + 4)
	if head < 0 { // nothing removed: add the member before the brace
		b.WriteString(doc[:closing])
	} else {
		b.WriteString(doc[:head])
		for k, mb := range kept {
			if k > 0 || headMembers > 0 {
				b.WriteByte(',')
			}
			b.WriteString(mb)
		}
	}
	if set {
		if n > 0 {
			b.WriteByte(',')
		}
		writeMember(&b, key, raw)
	}
	if head >= 0 {
		b.WriteByte('}')
		closing++
	}
	b.WriteString(doc[closing:])
	return b.String(), true
}

func writeMember(b *strings.Builder, key string, raw []byte) {
	writeQuoted(b, key)
	b.WriteByte(':')
	b.Write(raw)
}
