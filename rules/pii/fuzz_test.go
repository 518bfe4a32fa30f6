package pii

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/rules/internal/textmap"
)

// FuzzMask holds, for any two texts and any entity offsets a model could
// answer, what masking relies on: an entity outside the joined text is
// refused; one inside maps onto the texts it overlaps, never the
// separator; masking with characters keeps each text's length in
// characters, keeps every byte outside the entity, and keeps valid text
// valid; masking with the type never breaks valid text either.
func FuzzMask(f *testing.F) {
	f.Add("call 555-0100", "😀 mail ann@example.com", 5, 13)
	f.Add("a\u200bb", "é日本", 0, 9)
	f.Add("", "x", 0, 1)
	f.Fuzz(func(t *testing.T, a, b string, begin, end int) {
		texts := []textmap.Text{textmap.Prepare(a), textmap.Prepare(b)}
		j := textmap.Join(texts, separator)
		places, ok := j.Locate(begin, end)
		if !ok {
			if begin >= 0 && end <= j.Len() && begin < end {
				t.Fatalf("Locate(%d, %d) refused a range within %d characters", begin, end, j.Len())
			}
			return
		}
		orig := []string{a, b}
		spans := make([][]span, 2)
		for _, p := range places {
			if p.From < 0 || p.To > len(orig[p.Part]) || p.From >= p.To {
				t.Fatalf("place %+v of %q", p, orig[p.Part])
			}
			spans[p.Part] = append(spans[p.Part], span{from: p.From, to: p.To, kind: "PHONE"})
		}
		chars := &Rule{style: MaskChars, mask: "*"}
		typed := &Rule{style: MaskType}
		for k, s := range orig {
			if len(spans[k]) == 0 {
				continue
			}
			m := chars.maskText(s, append([]span(nil), spans[k]...))
			sp := spans[k][0]
			if !strings.HasPrefix(m, s[:sp.from]) || !strings.HasSuffix(m, s[sp.to:]) {
				t.Fatalf("masking %d..%d of %q changed bytes outside it: %q", sp.from, sp.to, s, m)
			}
			if utf8.ValidString(s) {
				if utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
					t.Fatalf("masking %q changed its length: %q", s, m)
				}
				if !utf8.ValidString(typed.maskText(s, append([]span(nil), spans[k]...))) {
					t.Fatalf("masking %q with the type broke it", s)
				}
			}
		}
	})
}
