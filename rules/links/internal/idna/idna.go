// Package idna maps internationalised host names the way browsers do
// (UTS #46 with the WHATWG URL standard's settings: nontransitional, no
// STD3 rules) and turns them into their ASCII (Punycode, RFC 3492) form,
// so that a host written in Unicode, full-width letters, with invisible
// characters or in decomposed form compares equal to the same host written
// as ASCII or xn--….
//
// Map applies the UTS #46 mapping (generated from the Unicode Character
// Database by gen.go: NFKC_Casefold, with ß and final sigma kept and the
// ideographic full stop read as a dot) and normalises the result to NFC.
// Unlike a browser it never fails: code points UTS #46 disallows are kept,
// and the zero-width joiners, which a browser refuses in most hosts, are
// removed, so the result is what a deny list should be matched against.
package idna

//go:generate go run gen.go

import (
	"strings"
	"unicode/utf8"
)

// Punycode parameters (RFC 3492, section 5).
const (
	base        = 36
	tMin        = 1
	tMax        = 26
	skew        = 38
	damp        = 700
	initialBias = 72
	initialN    = 128
)

// MaxLabel bounds the labels ToASCII encodes, in runes: a longer label
// is returned mapped but unencoded. No label that long can be a real one
// (DNS labels hold at most 63 bytes once encoded), and Punycode's cost
// grows with the square of a label's length.
const MaxLabel = 63

// ToASCII returns host mapped (see Map), with every non-ASCII label
// replaced by "xn--" and its Punycode encoding. It never fails: invalid
// UTF-8 is encoded as U+FFFD. It does not allocate when host is ASCII
// without upper-case letters.
func ToASCII(host string) string {
	host = Map(host)
	if isASCII(host) {
		return host
	}
	var b strings.Builder
	b.Grow(len(host) + 8)
	for i := 0; ; i++ {
		label, rest, more := strings.Cut(host, ".")
		if i > 0 {
			b.WriteByte('.')
		}
		if isASCII(label) || utf8.RuneCountInString(label) > MaxLabel {
			b.WriteString(label)
		} else {
			b.WriteString("xn--")
			b.WriteString(Encode(label))
		}
		if !more {
			return b.String()
		}
		host = rest
	}
}

// Encode returns the Punycode encoding of label (without the "xn--"
// prefix).
func Encode(label string) string {
	runes := []rune(label)
	out := make([]byte, 0, len(label)+4)
	for _, r := range runes {
		if r < utf8.RuneSelf {
			out = append(out, byte(r))
		}
	}
	basic := len(out)
	handled := basic
	if basic > 0 {
		out = append(out, '-')
	}
	n, delta, bias := rune(initialN), 0, initialBias
	for handled < len(runes) {
		m := rune(utf8.MaxRune + 1)
		for _, r := range runes {
			if r >= n && r < m {
				m = r
			}
		}
		delta += int(m-n) * (handled + 1)
		n = m
		for _, r := range runes {
			if r < n {
				delta++
			}
			if r != n {
				continue
			}
			q := delta
			for k := base; ; k += base {
				t := threshold(k, bias)
				if q < t {
					break
				}
				out = append(out, digit(t+(q-t)%(base-t)))
				q = (q - t) / (base - t)
			}
			out = append(out, digit(q))
			bias = adapt(delta, handled+1, handled == basic)
			delta = 0
			handled++
		}
		delta++
		n++
	}
	return string(out)
}

func threshold(k, bias int) int {
	switch t := k - bias; {
	case t < tMin:
		return tMin
	case t > tMax:
		return tMax
	default:
		return t
	}
}

func adapt(delta, points int, first bool) int {
	if first {
		delta /= damp
	} else {
		delta /= 2
	}
	delta += delta / points
	k := 0
	for delta > (base-tMin)*tMax/2 {
		delta /= base - tMin
		k += base
	}
	return k + (base-tMin+1)*delta/(delta+skew)
}

func digit(d int) byte {
	if d < 26 {
		return byte('a' + d)
	}
	return byte('0' + d - 26)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
