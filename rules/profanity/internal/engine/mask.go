package engine

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsWordRune reports whether the matcher reads r as part of a word: a
// letter, a digit, or a leetspeak or masking symbol. Masking replaces
// exactly these in a match.
func IsWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiKind[r] == kTok
	}
	if _, ok := lookupFold(r); ok {
		return true
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// Mask returns text with the characters of every match replaced by mask,
// and the number of matches. Only the word characters of a match are
// replaced, with the combining marks that belong to them: the separators
// of a spaced-out word, zero-width and bidi characters and everything
// outside the matches are kept byte for byte. A text with no match is
// returned as it is, without allocating.
func (m *Matcher) Mask(text string, f Filter, mask rune) (string, int) {
	var b strings.Builder
	n, last := 0, 0
	m.Scan(text, f, func(mt Match) bool {
		if n == 0 {
			b.Grow(len(text))
		}
		n++
		b.WriteString(text[last:mt.Start])
		masked := false
		for i := mt.Start; i < mt.End; {
			r, size := utf8.DecodeRuneInString(text[i:])
			switch {
			case IsWordRune(r):
				b.WriteRune(mask)
				masked = true
			case masked && isMark(r):
				// a combining mark of a masked character goes with it
			default:
				b.WriteString(text[i : i+size])
				masked = false
			}
			i += size
		}
		// Combining marks right after the match belong to its last letter.
		last = mt.End
		for last < len(text) {
			r, size := utf8.DecodeRuneInString(text[last:])
			if !isMark(r) {
				break
			}
			last += size
		}
		return true
	})
	if n == 0 {
		return text, 0
	}
	b.WriteString(text[last:])
	return b.String(), n
}
