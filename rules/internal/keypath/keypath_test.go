package keypath

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  string // the whole error message
	}{
		{in: "a", want: []string{"a"}},
		{in: "a.b.c", want: []string{"a", "b", "c"}},
		{in: `a\.b.c`, want: []string{"a.b", "c"}},
		{in: `a\\.b`, want: []string{`a\`, "b"}},
		{in: `a\\\.b`, want: []string{`a\.b`}},
		{in: "é.ü", want: []string{"é", "ü"}},
		{in: " . ", want: []string{" ", " "}},
		{in: "", err: "empty key path"},
		{in: ".a", err: `key path ".a" has an empty key (write \. for a dot within a key)`},
		{in: "a..b", err: `key path "a..b" has an empty key (write \. for a dot within a key)`},
		{in: "a.", err: `key path "a." ends with an empty key`},
		{in: `a\b`, err: `key path "a\\b": a backslash may only escape '.' or '\'`},
		{in: `a\`, err: `key path "a\\": a backslash may only escape '.' or '\'`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("Parse(%q) = %q, %v; want the error %q", tt.in, got, err, tt.err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Fatalf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzParse checks that Parse never panics and that a path it accepts
// has no empty key and, escaped again, is the text it came from.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"a", "a.b", `a\.b`, `a\\.b`, "a..b", `\`, "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		path, err := Parse(s)
		if err != nil {
			return
		}
		parts := make([]string, len(path))
		for i, p := range path {
			if p == "" {
				t.Fatalf("%q: empty key in %q", s, path)
			}
			parts[i] = strings.ReplaceAll(strings.ReplaceAll(p, `\`, `\\`), ".", `\.`)
		}
		if got := strings.Join(parts, "."); got != s {
			t.Fatalf("%q parsed to %q, which escapes back to %q", s, path, got)
		}
	})
}

func ExampleParse() {
	for _, s := range []string{"app.priority", `com\.example.flag`, "a..b"} {
		path, err := Parse(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%q\n", path)
	}
	// Output:
	// ["app" "priority"]
	// ["com.example" "flag"]
	// key path "a..b" has an empty key (write \. for a dot within a key)
}
