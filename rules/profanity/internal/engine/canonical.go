package engine

import (
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// AppendCanonical appends to dst the canonical form of text: each
// character read as the scanner reads it, one letter for each (the first
// letter a leetspeak digit stands for; a leetspeak symbol such as '@' or
// '$' only at or inside a word, '!' only inside one; the Latin letter a look-alike of another script
// stands for, whatever its word), in lower case, with diacritics and
// compatibility forms folded; invisible characters, spacing, punctuation
// and masking symbols dropped; letters of scripts with no Latin reading,
// other digits and pictographs kept; runs of one character collapsed to
// one. Two texts a reader takes for the same have the same canonical form,
// whatever their spacing, case, accents, leetspeak or look-alikes. It
// allocates only to grow dst.
func AppendCanonical(dst []byte, text string) []byte {
	last := rune(-1)
	emit := func(r rune) {
		if r != last {
			dst = utf8.AppendRune(dst, r)
			last = r
		}
	}
	ascii := func(c byte, inWord bool) bool {
		set := asciiSet[c]
		switch {
		case set != 0 && (asciiFlags[c]&fSym == 0 || inWord):
			emit('a' + rune(bits.TrailingZeros32(set)))
		case '0' <= c && c <= '9':
			emit(rune(c))
		default:
			return false
		}
		return true
	}
	word := false // the last visible character was part of a word
	for i, r := range text {
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			inWord := word
			switch fl := asciiFlags[c]; {
			case fl&fWeak != 0: // '!': a letter only between two
				inWord = word && wordNext(text[i+1:])
			case fl&fSym != 0 && !inWord:
				inWord = wordNext(text[i+1:])
			}
			word = ascii(c, inWord)
		case r == utf8.RuneError:
			word = false
		case isIgnorable(r):
		default:
			r = unicode.ToLower(r)
			if v, ok := lookupFold(r); ok {
				word = false
				for k := range 3 {
					if c := byte(v >> (8 * k)); c != 0 && c < utf8.RuneSelf && ascii(c, true) {
						word = true
					}
				}
				continue
			}
			word = unicode.In(r, unicode.Letter, unicode.Digit)
			if word || unicode.Is(unicode.So, r) {
				emit(r)
			}
		}
	}
	return dst
}

// wordNext reports whether the next visible character of s is a letter or
// a digit.
func wordNext(s string) bool {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			return asciiSet[c] != 0 && asciiFlags[c]&fSym == 0 || '0' <= c && c <= '9'
		case isIgnorable(r):
		default:
			_, folded := lookupFold(r)
			return folded || unicode.In(r, unicode.Letter, unicode.Digit)
		}
	}
	return false
}
