package engine

import (
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// AppendCanonical appends to dst the canonical form of text: each
// character read as the scanner reads it, in lower case, with diacritics
// and compatibility forms folded, a look-alike letter of another script
// read as the Latin letter it stands for (whatever its word), and
// leetspeak read as the first letter it may stand for: a digit next to a
// letter ("n0w"), a symbol such as '@' or '$' at or inside a word, '!'
// only inside one. Invisible characters, spacing, punctuation and masking
// symbols are dropped; numbers ("1001"), letters of scripts with no Latin
// reading and pictographs are kept; a run of one letter is collapsed to
// one. Two texts a reader takes for the same have the same canonical form,
// whatever their spacing, case, accents, leetspeak or look-alikes. It
// allocates only to grow dst.
func AppendCanonical(dst []byte, text string) []byte {
	last := rune(-1)
	emit := func(r rune, letter bool) {
		if !letter || r != last {
			dst = utf8.AppendRune(dst, r)
		}
		last = -1
		if letter {
			last = r
		}
	}
	// kind of the last visible character: 0 none or separator, 1 letter,
	// 2 digit (kept as a digit).
	prev := 0
	ascii := func(c byte, next string) int {
		set, fl := asciiSet[c], asciiFlags[c]
		switch {
		case 'a' <= c|0x20 && c|0x20 <= 'z':
		case '0' <= c && c <= '9':
			if set == 0 || prev != 1 && nextVisible(next) != 1 {
				emit(rune(c), false)
				return 2
			}
		case set == 0:
			return 0
		case fl&fWeak != 0: // '!': a letter only between two
			if prev == 0 || nextVisible(next) == 0 {
				return 0
			}
		case prev == 0 && nextVisible(next) == 0:
			return 0
		}
		emit('a'+rune(bits.TrailingZeros32(set)), true)
		return 1
	}
	for i, r := range text {
		switch {
		case r < utf8.RuneSelf:
			prev = ascii(byte(r), text[i+1:])
		case r == utf8.RuneError:
			prev = 0
		case isIgnorable(r):
		default:
			r = unicode.ToLower(r)
			if v, ok := lookupFold(r); ok {
				k := 0
				for ; k < 3; k++ {
					c := byte(v >> (8 * k))
					if c == 0 || c >= utf8.RuneSelf {
						continue
					}
					if asciiSet[c] != 0 && ('a' <= c|0x20 && c|0x20 <= 'z') {
						emit('a'+rune(bits.TrailingZeros32(asciiSet[c])), true)
						prev = 1
					} else if '0' <= c && c <= '9' {
						emit(rune(c), false)
						prev = 2
					}
				}
				continue
			}
			switch {
			case unicode.IsLetter(r):
				emit(r, true)
				prev = 1
			case unicode.IsDigit(r):
				emit(r, false)
				prev = 2
			case unicode.Is(unicode.So, r):
				emit(r, true)
				prev = 0
			default:
				prev = 0
			}
		}
	}
	return dst
}

// nextVisible returns the kind of the next visible character of s: 1 a
// letter, 2 a digit, 0 anything else or nothing.
func nextVisible(s string) int {
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			c := byte(r)
			switch {
			case 'a' <= c|0x20 && c|0x20 <= 'z':
				return 1
			case '0' <= c && c <= '9':
				return 2
			}
			return 0
		case isIgnorable(r):
		default:
			r = unicode.ToLower(r)
			if v, ok := lookupFold(r); ok {
				if c := byte(v); '0' <= c && c <= '9' {
					return 2
				}
				return 1
			}
			switch {
			case unicode.IsLetter(r):
				return 1
			case unicode.IsDigit(r):
				return 2
			}
			return 0
		}
	}
	return 0
}
