package engine

import (
	"strings"
	"unicode/utf8"
)

// IsWordRune reports whether the matcher reads r as part of a word: a
// letter with a Latin reading or of a script with Latin look-alikes, a
// digit, a leetspeak or masking symbol, markdown markup ('_', '`', '~'), a
// pictograph or a blank letter. Masking replaces exactly these in a match.
func IsWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiKind[r] == kTok
	}
	return tokenClass(classOf(r))
}

// IsMark reports whether r belongs to the character before it when
// masking: a combining mark, a variation selector or an emoji modifier.
func IsMark(r rune) bool { return isMark(r) }

// IsPict reports whether r is a pictograph (an emoji or another symbol)
// that the matcher reads inside a word as a joiner or a masked letter.
func IsPict(r rune) bool { return r >= utf8.RuneSelf && classOf(r)&classMask == cPict }

// Mask returns text with the characters of every match replaced by mask,
// and the number of matches. Only the word characters of a match are
// replaced (see IsWordRune), with the combining marks that belong to them;
// an emoji sequence joined by zero-width joiners becomes one mask. The
// separators of a spaced-out word, zero-width and bidi characters and
// everything outside the matches are kept byte for byte. A text with no
// match is returned as it is, without allocating.
func (m *Matcher) Mask(text string, f Filter, mask rune) (string, int) {
	var b strings.Builder
	n, last := 0, 0
	m.Scan(text, f, func(mt Match) bool {
		if n == 0 {
			b.Grow(len(text))
		}
		n++
		b.WriteString(text[last:mt.Start])
		masked, pict := false, false
		for i := mt.Start; i < mt.End; {
			r, size := utf8.DecodeRuneInString(text[i:])
			switch {
			case masked && isMark(r):
				// a combining mark of a masked character goes with it
			case pict && r == '\u200d' && joinsPict(text[i+size:mt.End]):
				// a zero-width joiner and the emoji after it: one mask
				// for the whole sequence
				_, next := utf8.DecodeRuneInString(text[i+size:])
				size += next
			case IsWordRune(r):
				b.WriteRune(mask)
				masked, pict = true, IsPict(r)
			default:
				b.WriteString(text[i : i+size])
				masked, pict = false, false
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

// joinsPict reports whether s starts with a pictograph.
func joinsPict(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s != "" && IsPict(r)
}
