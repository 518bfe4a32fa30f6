// Package markdown reads link destinations the way CommonMark renderers
// (markdown-it among them) do: the target of [text](target),
// ![alt](src) and of a reference definition [id]: target, with its
// backslash escapes and HTML character references decoded.
//
// It reads one destination at a time, at a position the caller chose; it
// does not parse documents. Its work is bounded by the length of the
// destination it reads, and parentheses nest at most MaxNesting deep, as
// in markdown-it, so scanning a text for destinations stays linear.
package markdown

//go:generate sh -c "python3 -c 'import html.entities, json, sys; json.dump(html.entities.html5, sys.stdout)' > entities.json && go run genentities.go -json entities.json && rm entities.json"

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// MaxNesting is how deep parentheses may nest in a destination without
// angle brackets.
const MaxNesting = 32

// Destination reads the link destination that follows s[i:], after
// optional spaces or tabs and at most one line ending: either <…> (no
// line ending or unescaped '<' inside) or a run of non-space, non-control
// characters with balanced parentheses. It returns the destination's
// extent in s, without the angle brackets, and whether there is one. An
// empty <> destination is reported with start == end.
func Destination(s string, i int) (start, end int, ok bool) {
	i = skipSpace(s, i)
	if i >= len(s) {
		return 0, 0, false
	}
	if s[i] == '<' {
		for j := i + 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				if j+1 < len(s) && isPunct(s[j+1]) {
					j++
				}
			case '\n', '\r', '<':
				return 0, 0, false
			case '>':
				return i + 1, j, true
			}
		}
		return 0, 0, false
	}
	depth := 0
	j := i
loop:
	for j < len(s) {
		c := s[j]
		switch {
		case c == '\\' && j+1 < len(s) && isPunct(s[j+1]):
			j += 2
			continue
		case c <= ' ' || c == 0x7f:
			break loop
		case c == '(':
			depth++
			if depth > MaxNesting {
				return 0, 0, false
			}
		case c == ')':
			if depth == 0 {
				break loop
			}
			depth--
		}
		j++
	}
	if j == i || depth != 0 {
		return 0, 0, false
	}
	return i, j, true
}

// skipSpace skips spaces and tabs, and at most one line ending with the
// spaces and tabs after it.
func skipSpace(s string, i int) int {
	newline := false
	for i < len(s) {
		switch s[i] {
		case ' ', '\t':
		case '\n', '\r':
			if newline {
				return i
			}
			newline = true
			if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
		default:
			return i
		}
		i++
	}
	return i
}

// NeedsDecoding reports whether Decode would change s.
func NeedsDecoding(s string) bool { return strings.ContainsAny(s, `\&`) }

// Decode returns s with its backslash escapes (a backslash before ASCII
// punctuation) and HTML character references (&name;, &#123;, &#x7b;)
// decoded, as a renderer does before it writes a destination into a link.
// A reference to U+0000, a surrogate or a code point past U+10FFFF reads
// as U+FFFD; an unknown name is left as it is. It returns s itself when
// there is nothing to decode.
func Decode(s string) string {
	if !NeedsDecoding(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && isPunct(s[i+1]):
			b.WriteByte(s[i+1])
			i++
		case c == '&':
			if r, v, n := reference(s[i:]); n > 0 {
				if v != "" {
					b.WriteString(v)
				} else {
					b.WriteRune(r)
				}
				i += n - 1
				continue
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// reference decodes the character reference that starts s ("&…;") and
// returns its characters (a numeric reference's as r, a named one's as v)
// and its length, or n == 0 if there is none.
func reference(s string) (r rune, v string, n int) {
	end := strings.IndexByte(s[:min(len(s), 34)], ';')
	if end < 2 {
		return 0, "", 0
	}
	body := s[1:end]
	if body[0] == '#' {
		num := body[1:]
		base := 10
		if num != "" && num[0]|0x20 == 'x' {
			num, base = num[1:], 16
		}
		if num == "" || base == 10 && len(num) > 7 || base == 16 && len(num) > 6 {
			return 0, "", 0
		}
		var x uint32
		for i := 0; i < len(num); i++ {
			d, ok := digitValue(num[i])
			if !ok || int(d) >= base {
				return 0, "", 0
			}
			x = x*uint32(base) + uint32(d)
		}
		r = rune(x)
		if r == 0 || !utf8.ValidRune(r) {
			r = utf8.RuneError
		}
		return r, "", end + 1
	}
	for i := 0; i < len(body); i++ {
		if c := body[i]; !(c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9') {
			return 0, "", 0
		}
	}
	if k, ok := slices.BinarySearch(entityNames[:], body); ok {
		return 0, entityValues[k], end + 1
	}
	return 0, "", 0
}

func digitValue(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return c | 0x20 - 'a' + 10, true
	}
	return 0, false
}

// isPunct reports whether c is ASCII punctuation, which a backslash
// escapes.
func isPunct(c byte) bool {
	return c >= '!' && c <= '/' || c >= ':' && c <= '@' || c >= '[' && c <= '`' || c >= '{' && c <= '~'
}
