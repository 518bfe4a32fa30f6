// Package domain finds domain names written in text, for the rules that
// look for hosts: links (bare domains and www. hosts) and redact (the
// domain of an e-mail address).
//
// It reads names as people write them, not as DNS transmits them: a label
// is a run of ASCII letters, digits and hyphens, or of non-ASCII letters,
// digits and combining marks (internationalised names, before their
// Punycode form), and labels are joined by single dots.
package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// IsLabelRune reports whether r may appear in a domain name label as
// written in text: an ASCII letter, digit or '-', or a non-ASCII letter,
// digit or combining mark. utf8.RuneError, which stands for invalid UTF-8,
// may not.
func IsLabelRune(r rune) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return c|0x20 >= 'a' && c|0x20 <= 'z' || c >= '0' && c <= '9' || c == '-'
	}
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

// Scan reads the domain name that starts at s[start]: one or more labels
// of label runes (see IsLabelRune) joined by single dots. It returns where
// the name ends, how many labels it has, and where its last label starts:
// s[last:end] is the top-level domain when labels >= 2.
//
// A dot belongs to the name only when a label follows it, so the full stop
// that ends "see example.com." and the dots of "a..b" end the name. When
// s[start] starts no label (or start == len(s)), Scan returns start,
// 0, start. The name is not checked any further: "1.2.3" and "-a-.b" are
// names of three and two labels (see HyphenAtEdge). Scan does not
// allocate.
func Scan(s string, start int) (end, labels, last int) {
	return ScanFunc(s, start, IsLabelRune)
}

// ScanFunc is Scan with labels made of the runes isLabel accepts: the
// links rule reads host names as browsers do, whose labels take more runes
// than a domain name's.
func ScanFunc(s string, start int, isLabel func(rune) bool) (end, labels, last int) {
	end, last = start, start
	for {
		k := end
		for k < len(s) {
			r, w := utf8.DecodeRuneInString(s[k:])
			if !isLabel(r) {
				break
			}
			k += w
		}
		if k == end {
			return end, labels, last
		}
		labels++
		last, end = end, k
		if end+1 < len(s) && s[end] == '.' {
			if r, _ := utf8.DecodeRuneInString(s[end+1:]); isLabel(r) {
				end++
				continue
			}
		}
		return end, labels, last
	}
}

// HyphenAtEdge reports whether one of the labels of the dotted name starts
// or ends with '-', which no host name label may: "-example.com",
// "example-.com".
func HyphenAtEdge(name string) bool {
	return strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") ||
		strings.Contains(name, "-.") || strings.Contains(name, ".-")
}
