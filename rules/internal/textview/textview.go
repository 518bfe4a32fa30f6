// Package textview builds a normalised view of a text for the rules that
// look for things people write, such as e-mail addresses and telephone
// numbers, so that writing them with look-alike or invisible characters
// does not hide them. The view keeps a map back to the original text:
// what is found in the view is acted on in what the user typed.
//
// The view applies a focused part of Unicode compatibility normalisation
// (NFKC) and of the confusable mappings, to the characters that matter
// for digits, addresses and separators, and leaves every other character
// as it is:
//
//   - decimal digits of every script (Unicode category Nd: Arabic-Indic,
//     Devanagari, full-width, mathematical...), superscript, subscript and
//     circled digits become ASCII digits;
//   - full-width forms (U+FF01 to U+FF5E) become their ASCII characters;
//   - the small and other compatibility forms of '@', '.', '+', '(', ')',
//     '_', '-', '/', ',', ':' and '#' become ASCII; so does the circled
//     small a (U+24D0), a look-alike of '@';
//   - the ideographic full stops (which host names read as dots), middle
//     dots and bullets become '.' before an ASCII letter or a digit
//     ("example。com", "415·555·2671"); elsewhere they end a sentence or
//     join words, and stay;
//   - every space (category Zs) and the blank-rendering letters (Hangul
//     fillers, the Braille blank) become ' '; line and paragraph
//     separators become '\n';
//   - every dash (category Pd) and the minus signs become '-';
//   - invisible characters are removed: format characters (category Cf:
//     zero-width spaces and joiners, the soft hyphen, bidirectional marks
//     and controls, the byte order mark, invisible operators, tags),
//     variation selectors, the combining grapheme joiner, combining marks
//     on a digit, a space or punctuation (a keycap "4️⃣" reads 4), and the
//     markdown emphasis, strikethrough and code marks '*', '~' and '`'
//     inside a word, between an ASCII letter, digit or '@' and a letter,
//     digit or '@' ("4**1**11" renders as 4111, "*jo*@example.com" as
//     *jo@example.com).
//
// Every character that is kept or replaced maps to one character of the
// view, and every replacement is one ASCII byte, so the view is never
// longer than the text. A text that needs no change is its own view, and
// building it does not allocate.
package textview

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// View is a normalised view of a text with a map back to the text.
type View struct {
	text string // the normalised text
	orig string // the text it was made from
	// src[i] is the offset in orig of the character that gave text[i] (for
	// a character copied as it is, every one of its bytes maps to its
	// first byte); src[len(text)] is len(orig). Nil when text == orig.
	src []int32
}

// New returns the view of s. A text longer than math.MaxInt32 bytes is
// its own view, unnormalised.
func New(s string) View {
	v := View{text: s, orig: s}
	if len(s) > math.MaxInt32 {
		return v
	}
	// Find the first character that changes; until then the view is s.
	i := 0
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if isMarkup(c) && i > 0 && joins(s[i-1]) && markupRun(s, i) > 0 {
				break
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if act, _ := fold(r, prevByte(s, i), s[i+w:]); act != keep {
			break
		}
		i += w
	}
	if i == len(s) {
		return v
	}
	var buf strings.Builder
	buf.Grow(len(s)) // the view is never longer than s
	buf.WriteString(s[:i])
	src := make([]int32, len(s)+1)
	for k := 0; k < i; {
		// Copied characters map every byte to their first one.
		w := 1
		if s[k] >= utf8.RuneSelf {
			_, w = utf8.DecodeRuneInString(s[k:])
		}
		for j := range w {
			src[k+j] = int32(k)
		}
		k += w
	}
	n := i        // bytes of the view written
	var prev byte // the last byte written to the view, 0 at its start
	if n > 0 {
		prev = s[n-1]
	}
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if isMarkup(c) && joins(prev) {
				if m := markupRun(s, i); m > 0 {
					i += m // emphasis inside a word renders as nothing
					continue
				}
			}
			buf.WriteByte(c)
			src[n], prev = int32(i), c
			n++
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch act, b := fold(r, prev, s[i+w:]); act {
		case keep:
			buf.WriteString(s[i : i+w])
			for j := range w {
				src[n+j] = int32(i)
			}
			n += w
			prev = s[i+w-1]
		case replace:
			buf.WriteByte(b)
			src[n], prev = int32(i), b
			n++
		case remove:
			// prev stays: a mark after a removed mark sits on the same
			// character.
		}
		i += w
	}
	src[n] = int32(len(s))
	v.text, v.src = buf.String(), src[:n+1]
	return v
}

// prevByte returns the byte before s[i], or 0 at the start: what fold
// needs to know of the character before (a combining mark is removed after
// an ASCII character that is not a letter).
func prevByte(s string, i int) byte {
	if i == 0 {
		return 0
	}
	return s[i-1]
}

// Text returns the normalised text.
func (v *View) Text() string { return v.text }

// Original returns the text the view was made from.
func (v *View) Original() string { return v.orig }

// Changed reports whether the view differs from the text.
func (v *View) Changed() bool { return v.src != nil }

// Span returns the extent in the original text of the view's
// text[start:end], which must start and end on character boundaries: from
// the first byte of the character that gave text[start] to the end of the
// one that gave text[end-1], with the combining marks and variation
// selectors that follow it (and were removed from the view). Invisible
// characters inside the extent are part of it; those before and after it
// are not.
func (v *View) Span(start, end int) (int, int) {
	if v.src == nil {
		return start, end
	}
	if start >= end {
		o := int(v.src[start])
		return o, o
	}
	ostart := int(v.src[start])
	e := v.charEnd(end - 1)
	limit := int(v.src[end])
	for e < limit {
		r, w := utf8.DecodeRuneInString(v.orig[e:])
		if !attached(r) {
			break
		}
		e += w
	}
	return ostart, e
}

// charEnd returns the end in the original text of the character that gave
// text[i].
func (v *View) charEnd(i int) int {
	o := int(v.src[i])
	if v.orig[o] < utf8.RuneSelf {
		return o + 1
	}
	_, w := utf8.DecodeRuneInString(v.orig[o:])
	return o + w
}

// Gap reports whether characters of the original text were removed from
// the view just before text[i] (0 < i < len(text)): "4111\u200b1111" has
// a gap before its fifth digit. Writers who hide a separator leave one.
func (v *View) Gap(i int) bool {
	if v.src == nil || i <= 0 || i >= len(v.text) {
		return false
	}
	return int(v.src[i]) > v.charEnd(i-1)
}

// Digit returns the value of r if the view reads r as a decimal digit:
// an ASCII digit, a decimal digit of another script (category Nd), or a
// superscript, subscript or circled digit.
func Digit(r rune) (int, bool) {
	if r < utf8.RuneSelf {
		if r >= '0' && r <= '9' {
			return int(r - '0'), true
		}
		return 0, false
	}
	if d, ok := otherDigit(r); ok {
		return d, true
	}
	return decimal(r)
}

// decimal returns the value of a decimal digit (category Nd). Unicode
// encodes each script's digits as a run of ten from zero to nine, so a
// range of the Nd table that starts at a zero gives each digit's value as
// its distance from the start, modulo ten (checked for every range by the
// tests).
func decimal(r rune) (int, bool) {
	if r <= 0xFFFF {
		t := unicode.Nd.R16
		i := sort.Search(len(t), func(i int) bool { return rune(t[i].Hi) >= r })
		if i < len(t) && rune(t[i].Lo) <= r {
			return int(r-rune(t[i].Lo)) % 10, true
		}
		return 0, false
	}
	t := unicode.Nd.R32
	i := sort.Search(len(t), func(i int) bool { return rune(t[i].Hi) >= r })
	if i < len(t) && rune(t[i].Lo) <= r {
		return int(r-rune(t[i].Lo)) % 10, true
	}
	return 0, false
}

// What fold does with a character.
const (
	keep    = iota // copy it as it is
	replace        // write the ASCII byte fold returns
	remove         // leave it out
)

// fold tells what the view does with r (not ASCII), given the last byte
// written to the view before it (0 at the start) and the text after it.
func fold(r rune, prev byte, rest string) (int, byte) {
	switch {
	case r == utf8.RuneError:
		return keep, 0
	case r >= 0xFF01 && r <= 0xFF5E: // full-width forms
		return replace, byte(r - 0xFEE0)
	case r >= 0x4E00 && r <= 0x9FFF, r >= 0xAC00 && r <= 0xD7A3:
		return keep, 0 // CJK ideographs and Hangul syllables, for speed
	case r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0, r == 0x2800:
		// Hangul fillers and the Braille blank render as blanks.
		return replace, ' '
	case unicode.IsLetter(r):
		return keep, 0
	}
	if b, ok := lookalike(r); ok {
		return replace, b
	}
	if isDot(r) {
		if beforeAlnum(rest) {
			return replace, '.'
		}
		return keep, 0
	}
	if d, ok := Digit(r); ok {
		return replace, byte('0' + d)
	}
	switch {
	case unicode.Is(unicode.Zs, r):
		return replace, ' '
	case r == '\u2028' || r == '\u2029': // line and paragraph separators
		return replace, '\n'
	case unicode.Is(unicode.Pd, r):
		return replace, '-'
	case invisible(r):
		return remove, 0
	case prev < utf8.RuneSelf && !isASCIILetter(prev) && unicode.In(r, unicode.Mn, unicode.Me):
		// A mark on a digit, a space or punctuation (prev is 0 at the
		// start of the text, where a mark sits on nothing).
		return remove, 0
	}
	return keep, 0
}

// beforeAlnum reports whether s starts with a letter or digit that the
// view reads as ASCII, invisible characters skipped.
func beforeAlnum(s string) bool {
	r, w := utf8.DecodeRuneInString(s)
	for w > 0 && r >= utf8.RuneSelf && invisible(r) {
		s = s[w:]
		r, w = utf8.DecodeRuneInString(s)
	}
	switch {
	case r < utf8.RuneSelf:
		return isASCIILetter(byte(r)) || r >= '0' && r <= '9'
	case r >= 0xFF10 && r <= 0xFF19, r >= 0xFF21 && r <= 0xFF3A, r >= 0xFF41 && r <= 0xFF5A:
		return true
	}
	_, ok := Digit(r)
	return ok
}

// invisible reports whether r is a character the view removes wherever it
// is: a format character, a variation selector, the combining grapheme
// joiner, or a Khmer inherent vowel (which renders as nothing).
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) ||
		r == '\u034F' || r == '\u17B4' || r == '\u17B5'
}

// attached reports whether r sits on the character before it: a combining
// mark or a variation selector.
func attached(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me) || unicode.Is(unicode.Variation_Selector, r)
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isMarkup reports whether c marks emphasis, strikethrough or code in
// markdown, where it may sit inside a word: "4**1**11" renders as 4111.
// (An underscore inside a word renders as itself.)
func isMarkup(c byte) bool { return c == '*' || c == '~' || c == '`' }

// joins reports whether c, an ASCII letter, digit or '@', makes a word
// with what follows a markup character after it.
func joins(c byte) bool { return isASCIILetter(c) || isDigit(c) || c == '@' }

// markupRun returns the length of the run of markup characters at s[i:]
// (with the invisible characters and marks among them, which the view
// removes there anyway) if a letter, a digit or an '@' follows it, and 0
// otherwise.
func markupRun(s string, i int) int {
	k := i
	for k < len(s) {
		if isMarkup(s[k]) {
			k++
			continue
		}
		if s[k] < utf8.RuneSelf {
			break
		}
		r, w := utf8.DecodeRuneInString(s[k:])
		if !invisible(r) && !unicode.In(r, unicode.Mn, unicode.Me) {
			break
		}
		k += w
	}
	if k == len(s) {
		return 0
	}
	if c := s[k]; c < utf8.RuneSelf {
		if joins(c) {
			return k - i
		}
		return 0
	}
	r, _ := utf8.DecodeRuneInString(s[k:])
	if _, ok := Digit(r); ok || unicode.IsLetter(r) || r == '\uFF20' || r == '\uFE6B' {
		return k - i
	}
	return 0
}

// lookalike maps compatibility forms and look-alikes of ASCII characters
// (outside the full-width block, which maps by offset) to them.
func lookalike(r rune) (byte, bool) {
	switch r {
	case '\uFE6B', // small commercial at
		'\u24D0': // circled latin small letter a
		return '@', true
	case '\u2024', // one dot leader
		'\uFE52': // small full stop
		return '.', true
	case '\u207A', '\u208A', // superscript and subscript plus
		'\uFB29', // hebrew letter alternative plus sign
		'\uFE62', // small plus sign
		'\u2795': // heavy plus sign
		return '+', true
	case '\u2212', // minus sign (the dashes of category Pd are mapped by category)
		'\u2796',           // heavy minus sign
		'\u207B', '\u208B': // superscript and subscript minus
		return '-', true
	case '\u207D', '\u208D', '\uFE59', '\uFE35':
		return '(', true
	case '\u207E', '\u208E', '\uFE5A', '\uFE36':
		return ')', true
	case '\u2044', // fraction slash
		'\u2215': // division slash
		return '/', true
	case '\uFE33', '\uFE34', '\uFE4D', '\uFE4E', '\uFE4F':
		return '_', true
	case '\uFE50', '\uFE10':
		return ',', true
	case '\uFE55', '\uFE13':
		return ':', true
	case '\uFE5F':
		return '#', true
	}
	return 0, false
}

// isDot reports whether r reads as a dot between letters or digits
// written in ASCII (or as digits): in "example。com" and "415·555·2671".
// Elsewhere these characters end a sentence (the ideographic full stops)
// or join words ("col·legi", "ジョン・スミス"), and stay.
func isDot(r rune) bool {
	switch r {
	case '\u3002', // ideographic full stop (a dot in host names)
		'\uFF61', // halfwidth ideographic full stop
		'\u00B7', // middle dot
		'\u2027', // hyphenation point
		'\u2022', // bullet
		'\u2219', // bullet operator
		'\u22C5', // dot operator
		'\u30FB', // katakana middle dot
		'\uFF65': // halfwidth katakana middle dot
		return true
	}
	return false
}

// otherDigit returns the value of a digit that is not a decimal digit
// (category No) but reads as one: superscripts, subscripts and circled
// digits.
func otherDigit(r rune) (int, bool) {
	switch {
	case r == '\u2070', r == '\u24EA', r == '\u24FF', r == '\U0001F10B', r == '\U0001F10C':
		return 0, true // superscript and circled zeros
	case r == '\u00B9':
		return 1, true
	case r == '\u00B2', r == '\u00B3':
		return int(r-'\u00B2') + 2, true
	case r >= '\u2074' && r <= '\u2079': // superscripts 4 to 9
		return int(r - '\u2070'), true
	case r >= '\u2080' && r <= '\u2089': // subscripts
		return int(r - '\u2080'), true
	case r >= '\u2460' && r <= '\u2468': // circled
		return int(r-'\u2460') + 1, true
	case r >= '\u24F5' && r <= '\u24FD': // double circled
		return int(r-'\u24F5') + 1, true
	case r >= '\u2776' && r <= '\u277E': // dingbat negative circled
		return int(r-'\u2776') + 1, true
	case r >= '\u2780' && r <= '\u2788': // dingbat circled sans-serif
		return int(r-'\u2780') + 1, true
	case r >= '\u278A' && r <= '\u2792': // dingbat negative circled sans-serif
		return int(r-'\u278A') + 1, true
	}
	return 0, false
}
