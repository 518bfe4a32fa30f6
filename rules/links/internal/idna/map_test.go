package idna

import (
	"bufio"
	"compress/bzip2"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMap(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"ASCII lower case", "example.com", "example.com"},
		{"ASCII upper case", "EXAMPLE.Com", "example.com"},
		{"full-width letters", "ｅｖｉｌ.ｃｏｍ", "evil.com"},
		{"full-width and ideographic full stops", "a．b。c｡d", "a.b.c.d"},
		{"soft hyphen, zero-width space and joiners removed", "e\u00advi\u200bl\u200c\u200d\u2060.com", "evil.com"},
		{"variation selectors removed", "evi\ufe0fl\U000E0100.com", "evil.com"},
		{"circled and mathematical letters", "ⓔ𝐯𝒾𝔩.com", "evil.com"},
		{"ligature", "ﬁle", "file"},
		{"decomposed umlaut composed", "bu\u0308cher", "bücher"},
		{"upper-case non-ASCII", "BÜCHER", "bücher"},
		{"sharp s kept (nontransitional)", "STRAßE", "straße"},
		{"capital sharp s to ss", "STRAẞE", "strasse"},
		{"final sigma kept", "ΣΟΦΟΣ ς", "σοφοσ ς"},
		{"dotted capital I", "İ", "i\u0307"},
		{"Hangul jamo composed", "\u1100\u1161\u11a8", "각"},
		{"marks reordered and composed", "a\u0301\u0323", "ạ́"},
		{"compatibility digits", "①②⑦", "127"},
		{"parenthesised digit", "⑴", "(1)"},
		{"square word", "㍿", "株式会社"},
		{"invalid UTF-8", "\xff", "\ufffd"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		if got := Map(tt.in); got != tt.want {
			t.Errorf("%s: Map(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

func TestMapASCIIDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = Map("www.example.com") }); n != 0 {
		t.Errorf("Map on lower-case ASCII allocates %v times", n)
	}
}

// ucdDir returns the Unicode Character Database directory to read test
// data from: $CHIMEFLOW_UCD, or Debian's unicode-data package's.
func ucdDir() string {
	if d := os.Getenv("CHIMEFLOW_UCD"); d != "" {
		return d
	}
	return "/usr/share/unicode"
}

// TestNormalizationConformance runs the NFC step against the Unicode
// Character Database's NormalizationTest.txt (Debian's unicode-data
// package installs it; .ci/steps/20-links-oracle.sh does, and sets
// CHIMEFLOW_UCD): NFC(c1) == NFC(c2) == NFC(c3) == c2 and NFC(c4) ==
// NFC(c5) == c4 on every line, and Map maps what it mapped to itself.
func TestNormalizationConformance(t *testing.T) {
	path := filepath.Join(ucdDir(), "NormalizationTest.txt.bz2")
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CHIMEFLOW_UCD") != "" {
			t.Fatalf("CHIMEFLOW_UCD is set but: %v", err)
		}
		t.Skipf("no Unicode test data (install unicode-data or set CHIMEFLOW_UCD): %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(bzip2.NewReader(f))
	lines := 0
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' || line[0] == '@' {
			continue
		}
		fields := strings.Split(line, ";")
		if len(fields) < 5 {
			continue
		}
		var c [5]string
		for i := range c {
			c[i] = parseCodePoints(t, fields[i])
		}
		lines++
		for _, k := range []int{0, 1, 2} {
			if got := nfcString(c[k]); got != c[1] {
				t.Fatalf("NFC(c%d %+q) = %+q, want c2 %+q", k+1, c[k], got, c[1])
			}
		}
		for _, k := range []int{3, 4} {
			if got := nfcString(c[k]); got != c[3] {
				t.Fatalf("NFC(c%d %+q) = %+q, want c4 %+q", k+1, c[k], got, c[3])
			}
		}
		// UTS #46 maps code point by code point before it normalises,
		// so canonically equivalent strings may map apart (U+0345 folds
		// to a starter): what must hold is that a mapped string maps to
		// itself.
		for k := range c {
			if m := Map(c[k]); Map(m) != m {
				t.Fatalf("Map is not idempotent on c%d %+q: %+q, then %+q", k+1, c[k], m, Map(m))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if lines < 10000 {
		t.Fatalf("only %d test lines in %s", lines, path)
	}
	t.Logf("%d lines of %s", lines, path)
}

// nfcString is NFC alone, without the UTS #46 mapping.
func nfcString(s string) string {
	var rs []rune
	for _, r := range s {
		rs = appendDecomposed(rs, r)
	}
	return string(nfc(rs))
}

func parseCodePoints(t *testing.T, field string) string {
	t.Helper()
	var b strings.Builder
	for _, f := range strings.Fields(field) {
		v, err := strconv.ParseUint(f, 16, 32)
		if err != nil || !utf8.ValidRune(rune(v)) {
			t.Fatalf("bad code point %q", f)
		}
		b.WriteRune(rune(v))
	}
	return b.String()
}

func BenchmarkMap(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"ascii", "www.example.com"},
		{"upper", "WWW.EXAMPLE.COM"},
		{"unicode", "ｗｗｗ.bu\u0308cher.ΣΟΦΟΣ.example"},
		{"marks-4KB", "a" + strings.Repeat("\u0301\u0323", 1024)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.in)))
			for b.Loop() {
				_ = Map(bc.in)
			}
		})
	}
}

func ExampleMap() {
	fmt.Println(Map("ＥＶ\u00adＩＬ.ⓔⓧⓐⓜⓟⓛⓔ"))
	fmt.Println(ToASCII("BU\u0308CHER.example"))
	// Output:
	// evil.example
	// xn--bcher-kva.example
}
