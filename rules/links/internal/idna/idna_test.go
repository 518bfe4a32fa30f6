package idna

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEncode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"bücher", "bcher-kva"},
		{"münchen", "mnchen-3ya"},
		{"ü", "tda"},
		// RFC 3492, section 7.1, samples (A), (B) and (L).
		{"\u0644\u064A\u0647\u0645\u0627\u0628\u062A\u0643\u0644\u0645\u0648\u0634\u0639\u0631\u0628\u064A\u061F", "egbpdaj6bu4bxfgehfvwxn"},
		{"\u4ED6\u4EEC\u4E3A\u4EC0\u4E48\u4E0D\u8BF4\u4E2D\u6587", "ihqwcrb4cv8a8dqg056pqjye"},
		{"3\u5E74B\u7D44\u91D1\u516B\u5148\u751F", "3B-ww4c5e180e575a65lsy2b"},
		{"abc", "abc-"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Encode(tt.in); got != tt.want {
			t.Errorf("Encode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestToASCII(t *testing.T) {
	tests := []struct{ in, want string }{
		{"example.com", "example.com"},
		{"bücher.example", "xn--bcher-kva.example"},
		{"www.münchen.de", "www.xn--mnchen-3ya.de"},
		{"пример.рф", "xn--e1afmkfd.xn--p1ai"},
		{"a..ü.", "a..xn--tda."},
		{"\xff.com", "xn--zn7c.com"}, // invalid UTF-8 is encoded as U+FFFD
		{"", ""},
	}
	for _, tt := range tests {
		if got := ToASCII(tt.in); got != tt.want {
			t.Errorf("ToASCII(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestToASCIILongLabel(t *testing.T) {
	long := strings.Repeat("ü", MaxLabel+1) + ".com"
	if got := ToASCII(long); got != long {
		t.Errorf("a label over MaxLabel runes was encoded")
	}
}

// decode is the inverse of Encode, for round-trip tests.
func decode(s string) (string, error) {
	var out []rune
	rest := s
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		for _, r := range s[:i] {
			if r >= utf8.RuneSelf {
				return "", errors.New("non-ASCII basic code point")
			}
			out = append(out, r)
		}
		rest = s[i+1:]
	}
	n, i, bias := rune(initialN), 0, initialBias
	for len(rest) > 0 {
		old, w := i, 1
		for k := base; ; k += base {
			if len(rest) == 0 {
				return "", errors.New("truncated")
			}
			c := rest[0]
			rest = rest[1:]
			var d int
			switch {
			case c >= 'a' && c <= 'z':
				d = int(c - 'a')
			case c >= 'A' && c <= 'Z':
				d = int(c - 'A')
			case c >= '0' && c <= '9':
				d = int(c-'0') + 26
			default:
				return "", errors.New("bad digit")
			}
			i += d * w
			t := threshold(k, bias)
			if d < t {
				break
			}
			w *= base - t
		}
		bias = adapt(i-old, len(out)+1, old == 0)
		n += rune(i / (len(out) + 1))
		i %= len(out) + 1
		out = append(out[:i], append([]rune{n}, out[i:]...)...)
		i++
	}
	return string(out), nil
}

func FuzzEncode(f *testing.F) {
	for _, s := range []string{"bücher", "пример", "例え", "a-b", "ü\xff", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 256 {
			return
		}
		enc := Encode(s)
		if !isASCII(enc) {
			t.Fatalf("Encode(%q) = %q is not ASCII", s, enc)
		}
		dec, err := decode(enc)
		if err != nil {
			t.Fatalf("decode(Encode(%q) = %q): %v", s, enc, err)
		}
		if dec != s {
			t.Fatalf("round trip of %q: got %q via %q", s, dec, enc)
		}
	})
}
