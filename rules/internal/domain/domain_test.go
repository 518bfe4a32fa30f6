package domain

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestIsLabelRune(t *testing.T) {
	for _, r := range "azAZ09-éßЖж日本ا\u0301" { // \u0301: a combining acute accent
		if !IsLabelRune(r) {
			t.Errorf("IsLabelRune(%q) = false, want true", r)
		}
	}
	for _, r := range "._@/:%+ \t\u00a0\u3002!¿€😀\ufffd\x00" {
		if IsLabelRune(r) {
			t.Errorf("IsLabelRune(%q) = true, want false", r)
		}
	}
}

func TestScan(t *testing.T) {
	tests := []struct {
		s      string
		start  int
		name   string // s[start:end]
		labels int
		tld    string // s[last:end]
	}{
		{"example.com", 0, "example.com", 2, "com"},
		{"see shop.example.co.uk/x now", 4, "shop.example.co.uk", 4, "uk"},
		{"I like example.com.", 7, "example.com", 2, "com"},
		{"example.com. Next", 0, "example.com", 2, "com"},
		{"a..b", 0, "a", 1, "a"},
		{"localhost:8080", 0, "localhost", 1, "localhost"},
		{"bob@example.org>", 4, "example.org", 2, "org"},
		{"bücher.de", 0, "bücher.de", 2, "de"},
		{"例え.jp。", 0, "例え.jp", 2, "jp"},
		{"e\u0301.fr", 0, "e\u0301.fr", 2, "fr"},
		{"1.2.3", 0, "1.2.3", 3, "3"},
		{"-a-.b-", 0, "-a-.b-", 2, "b-"},
		{"my_file.com", 0, "my", 1, "my"},
		{"my_file.com", 3, "file.com", 2, "com"},
		{"x.\xff", 0, "x", 1, "x"},
		{"x\xff.y", 0, "x", 1, "x"},
		{".com", 0, "", 0, ""},
		{"@example", 0, "", 0, ""},
		{"", 0, "", 0, ""},
		{"abc", 3, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s@%d", tt.s, tt.start), func(t *testing.T) {
			end, labels, last := Scan(tt.s, tt.start)
			if last < tt.start || last > end || end > len(tt.s) {
				t.Fatalf("Scan(%q, %d) = %d, %d, %d: out of order", tt.s, tt.start, end, labels, last)
			}
			if name, tld := tt.s[tt.start:end], tt.s[last:end]; name != tt.name || labels != tt.labels || tld != tt.tld {
				t.Errorf("Scan(%q, %d): name %q of %d labels, last %q; want %q of %d, last %q",
					tt.s, tt.start, name, labels, tld, tt.name, tt.labels, tt.tld)
			}
		})
	}
}

func TestHyphenAtEdge(t *testing.T) {
	for name, want := range map[string]bool{
		"example.com":      false,
		"my-host.example":  false,
		"xn--bcher-kva.de": false,
		"-example.com":     true,
		"example-.com":     true,
		"a.-b.com":         true,
		"example.com-":     true,
		"-":                true,
		"":                 false,
	} {
		if got := HyphenAtEdge(name); got != want {
			t.Errorf("HyphenAtEdge(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestScanDoesNotAllocate(t *testing.T) {
	s := strings.Repeat("shop.example.co.uk bücher.de ", 10)
	if n := testing.AllocsPerRun(100, func() { _, _, _ = Scan(s, 0) }); n != 0 {
		t.Errorf("Scan allocates %v times, want 0", n)
	}
}

// FuzzScan checks that Scan never panics, and that what it returns is a
// name: labels of label runes joined by single dots, as many as it says,
// the last starting at last, that cannot be extended by another label.
func FuzzScan(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string, pos uint16) {
		start := int(pos) % (len(s) + 1)
		end, labels, last := Scan(s, start)
		if start > last || last > end || end > len(s) {
			t.Fatalf("Scan(%q, %d) = %d, %d, %d: out of order", s, start, end, labels, last)
		}
		if labels == 0 {
			if end != start || last != start {
				t.Fatalf("Scan(%q, %d) = %d, %d, %d: no labels, but not empty", s, start, end, labels, last)
			}
		} else {
			parts := strings.Split(s[start:end], ".")
			if len(parts) != labels {
				t.Fatalf("Scan(%q, %d): name %q has %d labels, not %d", s, start, s[start:end], len(parts), labels)
			}
			for _, p := range parts {
				if p == "" || strings.IndexFunc(p, func(r rune) bool { return !IsLabelRune(r) }) >= 0 || !utf8.ValidString(p) {
					t.Fatalf("Scan(%q, %d): name %q has the label %q", s, start, s[start:end], p)
				}
			}
			if s[last:end] != parts[len(parts)-1] || last > start && s[last-1] != '.' {
				t.Fatalf("Scan(%q, %d): last label %q of %q", s, start, s[last:end], s[start:end])
			}
		}
		// The name cannot go on: no label rune follows, nor a dot and one.
		rest := s[end:]
		r, w := utf8.DecodeRuneInString(rest)
		switch {
		case rest == "":
		case IsLabelRune(r):
			t.Fatalf("Scan(%q, %d): name %q stops before the label rune %q", s, start, s[start:end], r)
		case labels > 0 && r == '.' && startsLabel(rest[w:]):
			t.Fatalf("Scan(%q, %d): name %q stops before another label in %q", s, start, s[start:end], rest)
		}
	})
}

func startsLabel(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return s != "" && IsLabelRune(r)
}

func ExampleScan() {
	text := "Write to jo@mail.example.co.uk. Thanks!"
	at := strings.IndexByte(text, '@')
	end, labels, last := Scan(text, at+1)
	fmt.Printf("domain %q: %d labels, top-level domain %q\n", text[at+1:end], labels, text[last:end])
	// Output:
	// domain "mail.example.co.uk": 4 labels, top-level domain "uk"
}
