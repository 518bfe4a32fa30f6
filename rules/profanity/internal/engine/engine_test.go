package engine

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

var all = Filter{MinSeverity: Mild, Categories: AllCategories}

func scan(m *Matcher, text string) []string {
	var got []string
	m.Scan(text, all, func(mt Match) bool {
		got = append(got, m.entries[mt.Entry].Word+"="+text[mt.Start:mt.End])
		return true
	})
	return got
}

func TestNormalizeWord(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"Fuck", "fuck", ""},
		{"ÇÃFÉ", "cafe", ""},
		{"ｆｒａｋ", "frak", ""},
		{"ﬁsh", "fish", ""},
		{"straße", "strasse", ""},
		{"a\u200bb", "ab", ""},
		{"b4d", "", "only letters"},
		{"hot water", "", "only letters"},
		{"сок", "", "not a Latin letter"},
		{"x", "", "at least two"},
		{strings.Repeat("a", 31), "", "longer than 30"},
	}
	for _, tt := range tests {
		got, err := NormalizeWord(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrBadWord) {
				t.Errorf("NormalizeWord(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeWord(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestCompile(t *testing.T) {
	m, err := Compile([]Entry{
		{Word: "frak", Category: Custom, Severity: Mild, Mode: Word},
		{Word: "FRAK", Category: Custom, Severity: Severe, Mode: Stem}, // overrides
		{Word: "smeg", Category: Profanity, Severity: Moderate, Mode: Anywhere},
	}, []string{"smegmatic"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Entries()); n != 2 || m.Entry(0).Severity != Severe || m.Entry(0).Mode != Stem {
		t.Fatalf("entries = %+v", m.Entries())
	}
	for text, want := range map[string]string{
		"frakking":        "[frak=frakk]",
		"frakenstein":     "[]",
		"total smeghead":  "[smeg=smeg]",
		"so smegmatic":    "[]",
		"s m e g":         "[smeg=s m e g]",
		"frak and smeg":   "[frak=frak smeg=smeg]",
		"nothing at all!": "[]",
	} {
		if got := fmt.Sprint(scan(m, text)); got != want {
			t.Errorf("Scan(%q) = %s, want %s", text, got, want)
		}
	}
	for _, bad := range [][]Entry{
		{{Word: "ok", Severity: 0}},
		{{Word: "ok", Severity: Mild, Category: NumCategories}},
		{{Word: "no way", Severity: Mild}},
	} {
		if _, err := Compile(bad, nil); err == nil {
			t.Errorf("Compile(%+v) succeeded", bad)
		}
	}
	if _, err := Compile(nil, []string{"n0pe"}); err == nil {
		t.Error("Compile accepted a bad allow word")
	}
}

func TestBuiltins(t *testing.T) {
	lex := BuiltinLexicon()
	if len(lex) < 100 {
		t.Fatalf("built-in lexicon has %d words", len(lex))
	}
	seen := map[string]bool{}
	for _, e := range lex {
		if seen[e.Word] {
			t.Errorf("%q listed twice in words.txt", e.Word)
		}
		seen[e.Word] = true
	}
	allow := BuiltinAllowList()
	if len(allow) < 50 {
		t.Fatalf("allow-list has %d words", len(allow))
	}
	// Every allow-listed word would be a false positive without the list.
	bare, err := Compile(lex, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range allow {
		if !bare.Contains(w, all) {
			t.Errorf("allow-list word %q is not matched without the list: regenerate", w)
		}
		if Default().Contains(w, all) {
			t.Errorf("allow-list word %q is matched", w)
		}
	}
	if _, err := ParseLexicon("fuck profanity moderate"); err == nil {
		t.Error("ParseLexicon accepted three fields")
	}
	if _, err := ParseLexicon("fuck rude moderate word"); err == nil {
		t.Error("ParseLexicon accepted a bad category")
	}
}

func TestScanBehaviour(t *testing.T) {
	m := Default()
	tests := []struct{ text, want string }{
		// spaced-out words and their boundaries
		{"u r a b i t c h", "[bitch=b i t c h]"},
		{"f u c k u", "[fuck=f u c k]"},
		{"c l a s s", "[]"},
		{"a s s a s s i n", "[]"},
		{"t i t l e", "[]"},
		{"a s s", "[ass=a s s]"},
		{"c o c k t a i l", "[]"},
		{"f u c k\nyou", "[fuck=f u c k]"},
		{"f\nu\nc\nk", "[fuck=f\nu\nc\nk]"},
		{"f\n\nu\n\nc\n\nk", "[]"},
		{"f     u     c     k", "[]"},
		// leetspeak boundaries
		{"cl@ss", "[]"},
		{"+1t13", "[]"},
		{"@ss!", "[ass=@ss]"},
		{"$h!t!!", "[shit=$h!t]"},
		// scripts
		{"ѕһіт", "[shit=ѕһіт]"},
		{"сосок", "[]"},
		{"ѕhit", "[shit=ѕhit]"},
		// repeats and masks
		{"a**", "[]"},
		{"*uck", "[]"},
		{"f***", "[]"},
		{"sh**", "[]"},
		{"fuuuuck", "[fuck=fuuuuck]"},
		// stems and endings
		{"cunty", "[cunt=cunt]"},
		{"twattt", "[twat=twattt]"},
		{"cuntface", "[cunt=cunt]"},
		{"cocktails", "[]"},
		{"dicky", "[]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(scan(m, tt.text)); got != tt.want {
			t.Errorf("Scan(%q) = %s, want %s", tt.text, got, tt.want)
		}
	}
}

func TestScanStops(t *testing.T) {
	n := 0
	Default().Scan("fuck shit cunt", all, func(Match) bool { n++; return n < 2 })
	if n != 2 {
		t.Errorf("visit called %d times, want 2", n)
	}
}

func TestManyThreads(t *testing.T) {
	// Wildcards open many threads at once; the matcher must stay bounded
	// and still find what it can.
	m := Default()
	text := strings.Repeat("f**k ", 50) + strings.Repeat("#", 100) + " s%%t " + strings.Repeat("@", 70)
	got := scan(m, text)
	if len(got) == 0 {
		t.Errorf("no match in %q", text[:40])
	}
}

func TestMask(t *testing.T) {
	m := Default()
	tests := []struct{ text, want string }{
		{"fück you", "**** you"},
		{"fu\u0308ck", "****"},
		{"f\u200bu\u200bck", "*\u200b*\u200b**"},
		{"f u c k", "* * * *"},
		{"clean", "clean"},
	}
	for _, tt := range tests {
		if got, _ := m.Mask(tt.text, all, '*'); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
	if !IsWordRune('a') || !IsWordRune('é') || !IsWordRune('$') || IsWordRune(' ') || IsWordRune('\u200b') || IsWordRune('.') {
		t.Error("IsWordRune misclassifies")
	}
}

func TestFoldTable(t *testing.T) {
	if len(foldVals) < 200 {
		t.Fatalf("fold table: %d values", len(foldVals))
	}
	for r, want := range map[rune]string{'ｆ': "f", '𝐟': "f", 'ⓕ': "f", 'é': "e", 'ß': "ss", 'ﬁ': "fi", 'ꜰ': "f", '１': "1", '＄': "$"} {
		v, ok := lookupFold(r)
		got := ""
		for k := 0; k < 3 && byte(v>>(8*k)) != 0; k++ {
			got += string(rune(byte(v >> (8 * k))))
		}
		if !ok || strings.ToLower(got) != want {
			t.Errorf("fold %q = %q, %v; want %q", r, got, ok, want)
		}
	}
	for r, want := range map[rune]byte{'с': 'c', 'С': 'c', 'Һ': 'h', 'ο': 'o'} {
		if v, ok := lookupFold(r); !ok || v&foldConfusable == 0 || byte(v) != want {
			t.Errorf("confusable %q = %#x, %v", r, v, ok)
		}
	}
}

// TestScanAllocs holds Scan to no allocation on any text, the reversed
// reading of a right-to-left override included, and Mask to none on a
// clean text.
func TestScanAllocs(t *testing.T) {
	m := Default()
	for _, text := range []string{
		"a clean line of chat",
		"fuck this, sh1t and f u c k",
		"大家好，今天中午的发布已经完成 Привет, как дела?",
		"what the \u202ekcuf\u202c and \u2067\u202etihs\u2069 " + strings.Repeat("\u202ekcuf ", 20),
		"f**u**ck f_u_ck fu😀ck fu\u3164ck f\nu\nc\nk ѕһіт you are a соск",
	} {
		if n := testing.AllocsPerRun(50, func() { m.Scan(text, all, func(Match) bool { return true }) }); n != 0 {
			t.Errorf("Scan(%.20q...): %v allocations", text, n)
		}
	}
	for _, text := range []string{"a clean line", "\u202eolleh and the class", "**bold** text 😀 ㅤ Привет"} {
		if n := testing.AllocsPerRun(50, func() { m.Mask(text, all, '*') }); n != 0 {
			t.Errorf("Mask(%q): %v allocations", text, n)
		}
	}
}

// TestDecodeRune holds the scanner's inline UTF-8 decoding to the
// standard library's on every sequence of up to three bytes.
func TestDecodeRune(t *testing.T) {
	buf := make([]byte, 3)
	for c := 0x80; c < 0x100; c++ {
		for c1 := 0; c1 < 0x100; c1++ {
			for _, c2 := range []int{0x00, 0x41, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xff} {
				buf[0], buf[1], buf[2] = byte(c), byte(c1), byte(c2)
				for n := 1; n <= 3; n++ {
					s := string(buf[:n])
					r, size := decodeRune(s, 0)
					wr, wsize := utf8.DecodeRuneInString(s)
					if r != wr || size != wsize {
						t.Fatalf("decodeRune(% x) = %U, %d; want %U, %d", s, r, size, wr, wsize)
					}
				}
			}
		}
	}
}
