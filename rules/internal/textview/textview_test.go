package textview

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"ASCII is its own view", "call +1 (415) 555-2671, jo@example.com", "call +1 (415) 555-2671, jo@example.com"},
		{"other scripts stay", "Grüße, Москва, 東京, ﷺ, עִבְרִית, é", "Grüße, Москва, 東京, ﷺ, עִבְרִית, é"},
		{"invalid UTF-8 stays", "a\xffb\xc3", "a\xffb\xc3"},
		{"full-width forms", "ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ ＋４４（０）", "jo@example.com +44(0)"},
		{"decimal digits of other scripts", "٤١٥ ۴۱۵ ४१५ ৪১৫ ๔๑๕ ４１５ 𝟒𝟏𝟓 𝟺𝟷𝟻", "415 415 415 415 415 415 415 415"},
		{"superscript, subscript and circled digits", "⁴¹⁵ ₄₁₅ ④①⑤ ⓪ ❹ ➀ ➓", "415 415 415 0 4 1 ➓"},
		{"look-alikes of @", "a＠b a﹫b aⓐb", "a@b a@b a@b"},
		{"dots before letters and digits", "example。com example｡com a﹒b a․b 415·555•2671 ４・５", "example.com example.com a.b a.b 415.555.2671 4.5"},
		{"dots elsewhere stay", "谢谢。明天见 ジョン・スミス 。 end。", "谢谢。明天见 ジョン・スミス 。 end。"},
		{"a dot before an invisible character and a letter", "example。\u200bcom", "example.com"},
		{"spaces", "a\u00a0b\u2009c\u202fd\u3000e\u2003f\u1680g", "a b c d e f g"},
		{"blank-rendering letters", "a\u3164b\u115fc\u1160d\uffa0e\u2800f", "a b c d e f"},
		{"line and paragraph separators", "a\u2028b\u2029c", "a\nb\nc"},
		{"dashes and minus signs", "a\u2010b\u2011c\u2012d\u2013e\u2014f\u2212g\ufe63h\uff0di\u2796j", "a-b-c-d-e-f-g-h-i-j"},
		{"slashes and underscores", "a\u2044b\u2215c\uff0fd\uff3fe\ufe4df", "a/b/c/d_e_f"},
		{"plus signs and parentheses", "\u207a1 \ufe62\u2795 \ufe59\u207d\u208d\ufe5a", "+1 ++ ((()"},
		{"format characters are removed", "a\u200bb\u200cc\u200dd\u2060e\ufeff f\u00adg\u200eh\u202ei\u2066j\u180ek\U000e0041l\u2063m", "abcde fghijklm"},
		{"variation selectors are removed", "a\ufe0fb\ufe00c\U000e0100d\u180be", "abcde"},
		{"combining grapheme joiner and Khmer inherent vowels", "a\u034fb\u17b4c\u17b5d", "abcd"},
		{"marks on digits, spaces and punctuation are removed", "4\ufe0f\u20e3 1\u0332 @\u0301 \u0301x .\u20dd", "4 1 @ x ."},
		{"a mark at the start sits on nothing", "\u0301a", "a"},
		{"marks on letters stay", "e\u0301 a\u0332 \u0928\u093f \u05e9\u05c1", "e\u0301 a\u0332 \u0928\u093f \u05e9\u05c1"},
		{"marks on a letter after a removed character stay", "e\u200b\u0301", "e\u0301"},
		{"marks on other scripts' digits", "٤\u0651", "4"},
		{"markdown marks inside a word", "4**1**11 ~~2~~3 1`2`3 *jo*@ex**am**ple.com f**u**n", "4111 ~~23 123 *jo@example.com fun"},
		{"markdown marks elsewhere stay", "**4111** a* *b 4 * 5 1**. x**\u00a0", "**4111** a* *b 4 * 5 1**. x** "},
		{"markdown marks with invisible characters and marks among them", "1*\u200b*2 a*\u0301b", "12 ab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := New(tt.in)
			if v.Text() != tt.want {
				t.Errorf("New(%q).Text() = %q, want %q", tt.in, v.Text(), tt.want)
			}
			if v.Original() != tt.in {
				t.Errorf("Original() = %q, want %q", v.Original(), tt.in)
			}
			if v.Changed() != (tt.in != tt.want) {
				t.Errorf("Changed() = %v for %q", v.Changed(), tt.in)
			}
		})
	}
}

func TestSpan(t *testing.T) {
	tests := []struct {
		in   string
		find string // in the view
		want string // the original extent
	}{
		{"call 415-555-2671 now", "415-555-2671", "415-555-2671"},
		{"call ４１５\u200b５５５ now", "415555", "４１５\u200b５５５"},
		{"\u200b415\u200b", "415", "415"},                                      // invisible characters before and after are not part of it
		{"x 4\ufe0f\u20e31\ufe0f\u20e3 y", "41", "4\ufe0f\u20e31\ufe0f\u20e3"}, // marks on the last digit are
		{"x 41\u0332\u200b y", "41", "41\u0332"},                               // but not the invisible character after them
		{"jo＠example。com。", "jo@example.com", "jo＠example。com"},
		{"Grüße jo@bücher.de", "jo@bücher.de", "jo@bücher.de"},
		{"\xff4\u200b1", "41", "4\u200b1"},
		{"e\u0301x", "e\u0301x", "e\u0301x"},
	}
	for _, tt := range tests {
		v := New(tt.in)
		i := strings.Index(v.Text(), tt.find)
		if i < 0 {
			t.Errorf("New(%q).Text() = %q has no %q", tt.in, v.Text(), tt.find)
			continue
		}
		start, end := v.Span(i, i+len(tt.find))
		if got := tt.in[start:end]; got != tt.want {
			t.Errorf("New(%q): Span of %q is %q, want %q", tt.in, tt.find, got, tt.want)
		}
	}
	v := New("a\u200bb")
	if start, end := v.Span(1, 1); start != 4 || end != 4 {
		t.Errorf("empty Span(1, 1) of %q = %d, %d, want 4, 4", v.Original(), start, end)
	}
}

func TestGap(t *testing.T) {
	v := New("41\u200b11 ４1\u00ad1\ufe0f1 2")
	var gaps []int
	for i := range len(v.Text()) + 1 {
		if v.Gap(i) {
			gaps = append(gaps, i)
		}
	}
	// View "4111 4111 2": gaps before text[2] (after the zero-width space),
	// text[7] (soft hyphen) and text[8] (variation selector).
	if want := []int{2, 7, 8}; fmt.Sprint(gaps) != fmt.Sprint(want) {
		t.Errorf("gaps in %q at %v, want %v", v.Text(), gaps, want)
	}
	plain := New("41 11")
	for i := range 6 {
		if plain.Gap(i) {
			t.Errorf("gap at %d in an unchanged text", i)
		}
	}
}

func TestDigit(t *testing.T) {
	for r, want := range map[rune]int{
		'0': 0, '9': 9, '٠': 0, '٩': 9, '۷': 7, '७': 7, '৩': 3, '๕': 5, '４': 4, '𝟎': 0, '𝟗': 9, '𝟿': 9, '᠓': 3,
		'⁰': 0, '¹': 1, '²': 2, '³': 3, '⁹': 9, '₀': 0, '₉': 9, '①': 1, '⑨': 9, '⓪': 0, '⓿': 0, '⓽': 9, '❶': 1, '➈': 9, '➒': 9, '🄋': 0,
	} {
		if got, ok := Digit(r); !ok || got != want {
			t.Errorf("Digit(%q) = %d, %v, want %d", r, got, ok, want)
		}
	}
	for _, r := range "aZ.-⑩½Ⅳ十\u0300\ufffd" {
		if d, ok := Digit(r); ok {
			t.Errorf("Digit(%q) = %d, want none", r, d)
		}
	}
}

// TestDecimalRanges checks what decimal relies on: every range of the
// Unicode Nd table is a whole number of runs of ten digits, zero first.
func TestDecimalRanges(t *testing.T) {
	check := func(lo, hi, stride uint32) {
		if stride != 1 || (hi-lo+1)%10 != 0 {
			t.Errorf("Nd range %U-%U (stride %d) is not whole runs of ten", lo, hi, stride)
			return
		}
		for r := lo; r <= hi; r++ {
			if d, ok := Digit(rune(r)); !ok || d != int(r-lo)%10 {
				t.Errorf("Digit(%U) = %d, %v, want %d", r, d, ok, (r-lo)%10)
			}
		}
	}
	for _, r := range unicode.Nd.R16 {
		check(uint32(r.Lo), uint32(r.Hi), uint32(r.Stride))
	}
	for _, r := range unicode.Nd.R32 {
		check(r.Lo, r.Hi, r.Stride)
	}
}

func TestNewDoesNotAllocateWhenNothingChanges(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("A plain message: meet at 10:30 on 2024-01-15, order 123456789. ", 20),
		strings.Repeat("Grüße aus München, 東京で会いましょう, до встречи! ", 20),
	} {
		if n := testing.AllocsPerRun(50, func() { _ = New(s) }); n != 0 {
			t.Errorf("New allocates %v times on a text it does not change, want 0", n)
		}
	}
}

// FuzzNew checks that New never panics, that the view is no longer than
// the text, and valid and its own view where the text is valid UTF-8, and
// that the spans of its characters are in order, inside the text, and
// cover every character of the view.
func FuzzNew(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		v := New(s)
		text := v.Text()
		if len(text) > len(s) {
			t.Fatalf("New(%q) = %q is longer", s, text)
		}
		if utf8.ValidString(s) && !utf8.ValidString(text) {
			t.Fatalf("New(%q) = %q is not valid UTF-8", s, text)
		}
		// (Invalid bytes on either side of a removed character can make a
		// valid one in the view, which its own view removes.)
		if again := New(text); utf8.ValidString(s) && again.Text() != text {
			t.Fatalf("New(%q) = %q, but its view is %q", s, text, again.Text())
		}
		prev := 0
		for i := 0; i < len(text); {
			_, w := utf8.DecodeRuneInString(text[i:])
			start, end := v.Span(i, i+w)
			if start < prev || end <= start || end > len(s) {
				t.Fatalf("New(%q): Span(%d, %d) = %d, %d after %d", s, i, i+w, start, end, prev)
			}
			prev = end
			i += w
		}
		if len(text) > 0 {
			if start, end := v.Span(0, len(text)); start < 0 || end > len(s) || start >= end {
				t.Fatalf("New(%q): Span of the whole view = %d, %d", s, start, end)
			}
		}
	})
}

func ExampleNew() {
	text := "call ４１５\u200b５５５\u200b２６７１ or jo＠example。com"
	v := New(text)
	fmt.Println(v.Text())
	i := strings.Index(v.Text(), "415")
	start, end := v.Span(i, i+len("4155552671"))
	fmt.Printf("%q\n", text[start:end])
	// Output:
	// call 4155552671 or jo@example.com
	// "４１５\u200b５５５\u200b２６７１"
}
