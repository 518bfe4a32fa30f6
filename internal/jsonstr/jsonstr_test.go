package jsonstr

import (
	"bytes"
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// decoded is what Append(s) must decode to: s with each invalid byte
// replaced by U+FFFD.
func decoded(s string) string {
	var b []rune
	for _, r := range s {
		b = append(b, r)
	}
	return string(b)
}

// check reports what is wrong with Append(nil, s).
func check(t *testing.T, s string) {
	t.Helper()
	b := Append(nil, s)
	if bytes.ContainsAny(b, "\n\r") || bytes.Contains(b, []byte("\u0085")) || bytes.Contains(b, []byte("\u2028")) || bytes.Contains(b, []byte("\u2029")) {
		t.Fatalf("%q encoded with a raw line terminator: %s", s, b)
	}
	if !utf8.Valid(b) {
		t.Fatalf("%q encoded as invalid UTF-8: %q", s, b)
	}
	var got string
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%q encoded as invalid JSON %s: %v", s, b, err)
	}
	if want := decoded(s); got != want {
		t.Fatalf("%q round-trips to %q, want %q", s, got, want)
	}
}

func TestAppend(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"<&>", `"<&>"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001f` + "\x7f" + `"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"é😀日本語", `"é😀日本語"`},
		{"\u0085\u2028\u2029", `"\u0085\u2028\u2029"`},
		{"bad\xff\xfeutf8\xc3", `"bad\ufffd\ufffdutf8\ufffd"`},
		{"\xed\xa0\x80", `"\ufffd\ufffd\ufffd"`},
	}
	for _, tt := range tests {
		if got := string(Append([]byte("x"), tt.in)); got != "x"+tt.want {
			t.Errorf("Append(%q) = %s, want %s", tt.in, got[1:], tt.want)
		}
		check(t, tt.in)
	}
}

// FuzzAppend: whatever the input, the result is one line of valid UTF-8
// that encoding/json decodes back to the input, invalid bytes as U+FFFD.
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "plain", "\"\\\x00\n", "\u2028\u0085", "bad\xffutf8", "\xed\xa0\x80\xc3"} {
		f.Add(s)
	}
	f.Fuzz(check)
}
