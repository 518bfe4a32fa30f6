package textmap

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrepare(t *testing.T) {
	tests := []struct {
		name, in, sent string
	}{
		{"plain", "hello", "hello"},
		{"zero-width space", "id\u200biot", "idiot"},
		{"soft hyphen", "id\u00adiot", "idiot"},
		{"bidi override", "\u202eto\u202c", "to"},
		{"joiners and BOM", "a\u200c\u200db\ufeffc\u2060d", "abcd"},
		{"variation selector", "\u2764\ufe0f", "\u2764"},
		{"tag characters", "\U0001F3F4\U000E0067\U000E0062\U000E007F", "\U0001F3F4"},
		{"full-width digits", "\uff15\uff15\uff15-0100", "555-0100"},
		{"whitespace kept", "a\tb\nc", "a\tb\nc"},
		{"astral kept", "😀𝐢𝐝𝐢𝐨𝐭", "😀𝐢𝐝𝐢𝐨𝐭"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Prepare(tt.in)
			assert.Equal(t, tt.sent, p.Sent)
			assert.Equal(t, utf8.RuneCountInString(tt.sent), p.Len())
		})
	}
}

// TestSpanMultiByte maps code point ranges of the sent text back onto the
// original in text of one-, two-, three- and four-byte characters, with
// invisible characters removed between them.
func TestSpanMultiByte(t *testing.T) {
	orig := "😀 é 日本 call 5\u200b55-0100 😀"
	p := Prepare(orig)
	require.Equal(t, "😀 é 日本 call 555-0100 😀", p.Sent)
	// "555-0100" starts at code point 12 of the sent text: 😀=1 char.
	begin := strings.Index(p.Sent, "555")
	b := utf8.RuneCountInString(p.Sent[:begin])
	require.Equal(t, 12, b)
	from, to, ok := p.Span(b, b+8)
	require.True(t, ok)
	assert.Equal(t, "5\u200b55-0100", orig[from:to], "the invisible character inside the range is covered")

	from, to, ok = p.Span(0, 1)
	require.True(t, ok)
	assert.Equal(t, "😀", orig[from:to])
	from, to, ok = p.Span(p.Len()-1, p.Len())
	require.True(t, ok)
	assert.Equal(t, "😀", orig[from:to])

	for _, bad := range [][2]int{{-1, 2}, {3, 3}, {4, 2}, {0, p.Len() + 1}} {
		_, _, ok := p.Span(bad[0], bad[1])
		assert.False(t, ok, "%v", bad)
	}
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		in   string
		max  int
		want []string
	}{
		{"fits", "short text", 100, []string{"short text"}},
		{"exactly max", strings.Repeat("a", 10), 10, []string{strings.Repeat("a", 10)}},
		{"one past", strings.Repeat("a", 11), 10, []string{strings.Repeat("a", 10), "a"}},
		{"before a space", "aaaa bbbbb ccc", 10, []string{"aaaa bbbbb", " ccc"}},
		{"after a space", "aaaaaaaa bbbbbbb", 10, []string{"aaaaaaaa ", "bbbbbbb"}},
		{"space too early", "a bbbbbbbbbbbb", 10, []string{"a bbbbbbbb", "bbbb"}},
		{"never inside a character", strings.Repeat("é", 6), 5, []string{"éé", "éé", "éé"}},
		{"astral", strings.Repeat("😀", 3), 6, []string{"😀", "😀", "😀"}},
		{"empty", "", 10, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			from := 0
			for _, end := range Split(tt.in, tt.max) {
				got = append(got, tt.in[from:end])
				from = end
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestJoinLocate(t *testing.T) {
	var texts []Text
	for _, s := range []string{"call 😀 Ann", "Smith\u200b at 555-0100", "", "é"} {
		texts = append(texts, Prepare(s))
	}
	j := Join(texts, "\n\n")
	require.Equal(t, "call 😀 Ann\n\nSmith at 555-0100\n\n\n\né", j.Sent)
	assert.Equal(t, utf8.RuneCountInString(j.Sent), j.Len())

	at := func(s string) (int, int) {
		i := strings.Index(j.Sent, s)
		require.GreaterOrEqual(t, i, 0, s)
		b := utf8.RuneCountInString(j.Sent[:i])
		return b, b + utf8.RuneCountInString(s)
	}
	b, e := at("555-0100")
	places, ok := j.Locate(b, e)
	require.True(t, ok)
	assert.Equal(t, []Place{{Part: 1, From: 12, To: 20}}, places)

	// A name across two texts maps onto both, the separator left out.
	b, e = at("Ann\n\nSmith")
	places, ok = j.Locate(b, e)
	require.True(t, ok)
	assert.Equal(t, []Place{{Part: 0, From: 10, To: 13}, {Part: 1, From: 0, To: 5}}, places)

	b, e = at("é")
	places, ok = j.Locate(b, e)
	require.True(t, ok)
	assert.Equal(t, []Place{{Part: 3, From: 0, To: 2}}, places)

	_, ok = j.Locate(0, j.Len()+1)
	assert.False(t, ok)
	assert.Zero(t, Join(nil, "\n").Len())
}

// decodeBoundary reports whether i is where a character starts when s is
// decoded, an invalid byte counting as one character.
func decodeBoundary(s string, i int) bool {
	for j := 0; j < len(s); {
		if j == i {
			return true
		}
		_, n := utf8.DecodeRuneInString(s[j:])
		j += n
	}
	return i == len(s)
}

// FuzzTextmap holds, for any text and any range, what the rules rely on:
// the sent text of valid UTF-8 is valid UTF-8; a range maps
// to byte offsets of the original on character boundaries, in order;
// masking them keeps the original valid where it was; the pieces of Split
// are at most max bytes, on character boundaries, and together the text.
func FuzzTextmap(f *testing.F) {
	f.Add("hello world", 0, 5, 4)
	f.Add("😀 é\u200b日本 555-0100", 2, 9, 5)
	f.Add("a\xffb\u202ec", 1, 3, 4)
	f.Fuzz(func(t *testing.T, s string, b, e, max int) {
		p := Prepare(s)
		if utf8.ValidString(s) && !utf8.ValidString(p.Sent) {
			t.Fatalf("sent text is not valid UTF-8: %q", p.Sent)
		}
		if p.Len() != utf8.RuneCountInString(p.Sent) {
			t.Fatalf("Len() = %d, want %d", p.Len(), utf8.RuneCountInString(p.Sent))
		}
		if from, to, ok := p.Span(b, e); ok {
			if from < 0 || to > len(s) || from >= to {
				t.Fatalf("Span(%d, %d) = %d, %d of %d bytes", b, e, from, to, len(s))
			}
			if !decodeBoundary(s, from) || !decodeBoundary(s, to) {
				t.Fatalf("Span(%d, %d) = %d, %d: not character boundaries", b, e, from, to)
			}
			masked := s[:from] + strings.Repeat("*", utf8.RuneCountInString(s[from:to])) + s[to:]
			if utf8.ValidString(s) && !utf8.ValidString(masked) {
				t.Fatalf("masking %d..%d broke the text", from, to)
			}
		} else if b >= 0 && e <= p.Len() && b < e {
			t.Fatalf("Span(%d, %d) refused a range within %d characters", b, e, p.Len())
		}
		if max < 0 || max > 4096 {
			return
		}
		ends := Split(p.Sent, max)
		from, limit := 0, max
		if limit < utf8.UTFMax {
			limit = utf8.UTFMax
		}
		for _, end := range ends {
			if end <= from || end-from > limit || !decodeBoundary(p.Sent, end) {
				t.Fatalf("Split(%q, %d): piece %d..%d", p.Sent, max, from, end)
			}
			from = end
		}
		if from != len(p.Sent) {
			t.Fatalf("Split(%q, %d) ends at %d", p.Sent, max, from)
		}
	})
}
