package ellipsis

import (
	"fmt"
	"testing"
)

func TestShorten(t *testing.T) {
	for _, tt := range []struct {
		in    string
		limit int
		want  string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"ünïcödé", 4, "ünï…"},
		{"日本語のテキスト", 5, "日本語の…"},
		{"ab", 1, "…"},
		{"", 1, ""},
		{"abc", 0, "abc"},
	} {
		if got := Shorten(tt.in, tt.limit); got != tt.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func ExampleShorten() {
	fmt.Println(Shorten("Alice: see [a link was removed here]", 20))
	// Output:
	// Alice: see [a link …
}
