package profanity

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/rules/profanity/internal/engine"
)

// FuzzMask checks the filter's invariants on any text: it never panics,
// its matches are ordered, disjoint and inside the text, Contains and Find
// agree with All, and Mask keeps every byte outside the matches, replaces
// the characters inside with the mask, and never makes the text longer in
// characters. The seed corpus is in testdata/fuzz/FuzzMask.
//
//	go test -run XXX -fuzz FuzzMask -fuzztime 1m ./rules/profanity
func FuzzMask(f *testing.F) {
	for _, s := range []string{"what the fuck", "f u c k", "ｆｕｃｋ", "fu\u200bck", "Scunthorpe", "c l a s s", "a$$", strings.Repeat("sh1t", 40)} {
		f.Add(s)
	}
	filter := Default()
	f.Fuzz(func(t *testing.T, text string) {
		var ms []Match
		for m := range filter.All(text) {
			ms = append(ms, m)
		}
		last := 0
		for _, m := range ms {
			if m.Start < last || m.End <= m.Start || m.End > len(text) {
				t.Fatalf("bad match %+v after %d in %q", m, last, text)
			}
			last = m.End
		}
		first, ok := filter.Find(text)
		if ok != (len(ms) > 0) || filter.Contains(text) != ok {
			t.Fatalf("Find/Contains disagree with All on %q", text)
		}
		if ok && first != ms[0] {
			t.Fatalf("Find = %+v, All starts with %+v", first, ms[0])
		}
		masked, n := filter.Mask(text, '*')
		if n != len(ms) {
			t.Fatalf("Mask counted %d, All found %d in %q", n, len(ms), text)
		}
		if n == 0 {
			if masked != text {
				t.Fatalf("Mask changed a clean text %q to %q", text, masked)
			}
			return
		}
		if want := maskReference(text, ms); masked != want {
			t.Fatalf("Mask(%q) = %q, want %q", text, masked, want)
		}
		if utf8.RuneCountInString(masked) > utf8.RuneCountInString(text) {
			t.Fatalf("Mask(%q) = %q is longer", text, masked)
		}
	})
}

// maskReference masks text as Mask documents it: within each match, every
// word character becomes '*' and the combining marks after it go with it,
// an emoji sequence joined by zero-width joiners becomes one '*'; every
// other byte is kept.
func maskReference(text string, ms []Match) string {
	var b strings.Builder
	prev := 0
	for _, m := range ms {
		b.WriteString(text[prev:m.Start])
		masked, emoji := false, false
		for i := m.Start; i < m.End; {
			r, size := utf8.DecodeRuneInString(text[i:])
			switch {
			case masked && engine.IsMark(r):
			case emoji && r == '\u200d' && i+size < m.End:
				next, n := utf8.DecodeRuneInString(text[i+size:])
				if !engine.IsPict(next) {
					b.WriteString(text[i : i+size])
					masked, emoji = false, false
					break
				}
				size += n
			case engine.IsWordRune(r):
				b.WriteRune('*')
				masked, emoji = true, engine.IsPict(r)
			default:
				b.WriteString(text[i : i+size])
				masked, emoji = false, false
			}
			i += size
		}
		prev = m.End
	}
	b.WriteString(text[prev:])
	return b.String()
}

// FuzzOverride checks the reading of right-to-left overrides: a text typed
// backwards after U+202E shows the text as it was, so whatever the filter
// finds in the text it must find in the override too. Texts with line
// breaks (which end an override), bidi controls and combining marks (which
// a reversal would move off their letters) are left out.
//
//	go test -run XXX -fuzz FuzzOverride -fuzztime 1m ./rules/profanity
func FuzzOverride(f *testing.F) {
	for _, s := range []string{"what the fuck", "f u c k", "sh1t happens", "ｆｕｃｋ", "a**hole", "you are a соск", "fu😀ck", "my_ass_file", "class"} {
		f.Add(s)
	}
	filter := Default()
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return
		}
		rs := []rune(text)
		for _, r := range rs {
			switch {
			case r == '\n' || r == '\r' || r == '\v' || r == '\f' || 0x1c <= r && r <= 0x1e || r == 0x85 || r == 0x2029:
				return
			case 0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069:
				return
			case engine.IsMark(r):
				return
			}
		}
		m, found := filter.Find(text)
		if !found {
			return
		}
		for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
			rs[i], rs[j] = rs[j], rs[i]
		}
		reversed := "\u202e" + string(rs)
		if !filter.Contains(reversed) {
			t.Fatalf("%q holds %q, but %q (shown the same) holds nothing", text, m.Word, reversed)
		}
	})
}
