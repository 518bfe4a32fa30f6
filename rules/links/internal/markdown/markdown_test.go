package markdown

import (
	"fmt"
	"strings"
	"testing"
)

func TestDestination(t *testing.T) {
	tests := []struct {
		s    string
		i    int
		want string // "" and ok false for none
		ok   bool
	}{
		{"https://example.com)", 0, "https://example.com", true},
		{"  https://example.com \"t\")", 0, "https://example.com", true},
		{"\nhttps://example.com)", 0, "https://example.com", true},
		{"\n\nhttps://example.com)", 0, "", false},
		{"<https://example.com/a b>)", 0, "https://example.com/a b", true},
		{"<>)", 0, "", true},
		{"<a\nb>", 0, "", false},
		{"<a<b>", 0, "", false},
		{`<a\>b>`, 0, `a\>b`, true},
		{"https://en.example.org/wiki/Go_(language))", 0, "https://en.example.org/wiki/Go_(language)", true},
		{`a\)b)`, 0, `a\)b`, true},
		{"(a", 0, "", false},
		{")", 0, "", false},
		{"", 0, "", false},
		{strings.Repeat("(", MaxNesting) + strings.Repeat(")", MaxNesting), 0, strings.Repeat("(", MaxNesting) + strings.Repeat(")", MaxNesting), true},
		{strings.Repeat("(", MaxNesting+1) + strings.Repeat(")", MaxNesting+1), 0, "", false},
	}
	for _, tt := range tests {
		start, end, ok := Destination(tt.s, tt.i)
		got := ""
		if ok {
			got = tt.s[start:end]
		}
		if ok != tt.ok || got != tt.want {
			t.Errorf("Destination(%q, %d) = %q, %v; want %q, %v", tt.s, tt.i, got, ok, tt.want, tt.ok)
		}
	}
}

func TestDecode(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.com", "https://example.com"},
		{`https://evil\.example`, "https://evil.example"},
		{`a\\b`, `a\b`},
		{`a\qb`, `a\qb`},
		{"https://evil&period;example", "https://evil.example"},
		{"&#101;&#x76;&#X69;l", "evil"},
		{"&escr;&vscr;", "ℯ𝓋"},
		{"&notanentity; &amp", "&notanentity; &amp"},
		{"&#0; &#x110000; &#xD800;", "\ufffd \ufffd \ufffd"},
		{"&#12345678;", "&#12345678;"},
		{"&amp;amp;", "&amp;"},
	}
	for _, tt := range tests {
		if got := Decode(tt.in); got != tt.want {
			t.Errorf("Decode(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodePlainDoesNotAllocate(t *testing.T) {
	s := "https://example.com/a/b?c=d"
	if n := testing.AllocsPerRun(100, func() { _ = Decode(s) }); n != 0 {
		t.Errorf("Decode without escapes allocates %v times", n)
	}
}

func ExampleDestination() {
	s := "[click](<https://evil&period;example/a b> \"title\")"
	start, end, ok := Destination(s, strings.Index(s, "(")+1)
	fmt.Println(s[start:end], ok)
	fmt.Println(Decode(s[start:end]))
	// Output:
	// https://evil&period;example/a b true
	// https://evil.example/a b
}
