package idna

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Map returns s mapped per UTS #46 (see the package comment) and
// normalised to NFC: ASCII letters lower-cased, compatibility forms
// (full-width letters, ligatures, circled letters, …) replaced by their
// plain form, letters case-folded, ignorable code points (soft hyphen,
// zero-width space and joiners, variation selectors, …) removed, and
// combining sequences composed. Invalid UTF-8 becomes U+FFFD. It does not
// allocate when s is ASCII without upper-case letters, and its work is
// bounded by O(n log n) in the length of s.
func Map(s string) string {
	ascii, upper := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if ascii {
		if !upper {
			return s
		}
		return strings.ToLower(s)
	}
	rs := make([]rune, 0, len(s))
	for _, r := range s {
		rs = appendMapped(rs, r)
	}
	rs = nfc(rs)
	return string(rs)
}

// appendMapped appends the UTS #46 mapping of r to rs, fully decomposed.
func appendMapped(rs []rune, r rune) []rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(rs, r)
	}
	if v, ok := lookup(mappingCP[:], mappingRef[:], mappingData, r); ok {
		for _, m := range v {
			rs = appendDecomposed(rs, m)
		}
		return rs
	}
	return appendDecomposed(rs, r)
}

// lookup returns the value of r in a table written by gen.go.
func lookup(cps []rune, refs []uint32, data string, r rune) (string, bool) {
	i, ok := slices.BinarySearch(cps, r)
	if !ok {
		return "", false
	}
	ref := refs[i]
	off, n := ref>>8, ref&0xff
	return data[off : off+n], true
}

// Hangul syllable constants (Unicode, section 3.12).
const (
	sBase  = 0xAC00
	lBase  = 0x1100
	vBase  = 0x1161
	tBase  = 0x11A7
	lCount = 19
	vCount = 21
	tCount = 28
	nCount = vCount * tCount
	sCount = lCount * nCount
)

// appendDecomposed appends the full canonical decomposition of r.
func appendDecomposed(rs []rune, r rune) []rune {
	if r < 0xC0 {
		return append(rs, r)
	}
	if s := r - sBase; s >= 0 && s < sCount {
		rs = append(rs, lBase+s/nCount, vBase+(s%nCount)/tCount)
		if t := s % tCount; t != 0 {
			rs = append(rs, tBase+t)
		}
		return rs
	}
	if v, ok := lookup(decompositionCP[:], decompositionRef[:], decompositionData, r); ok {
		for _, d := range v {
			rs = append(rs, d)
		}
		return rs
	}
	return append(rs, r)
}

// ccc returns the canonical combining class of r.
func ccc(r rune) int {
	if r < 0x300 {
		return 0
	}
	key := uint32(r) << 8
	i, _ := slices.BinarySearch(cccTable[:], key)
	if i < len(cccTable) && cccTable[i]>>8 == uint32(r) {
		return int(cccTable[i] & 0xff)
	}
	return 0
}

// nfc puts the fully decomposed rs in canonical order and composes it
// (Unicode, section 3.11), in place.
func nfc(rs []rune) []rune {
	// Canonical ordering: a stable sort of each run of non-starters.
	for i := 0; i < len(rs); {
		if ccc(rs[i]) == 0 {
			i++
			continue
		}
		j := i + 1
		for j < len(rs) && ccc(rs[j]) != 0 {
			j++
		}
		if j-i > 1 {
			slices.SortStableFunc(rs[i:j], func(a, b rune) int { return ccc(a) - ccc(b) })
		}
		i = j
	}
	if len(rs) < 2 {
		return rs
	}
	starter, starterPos := rs[0], 0
	last := ccc(starter)
	if last != 0 {
		last = 256 // no starter yet: nothing composes with it
	}
	out := 1
	for _, r := range rs[1:] {
		class := ccc(r)
		if c, ok := compose(starter, r); ok && (last < class || last == 0) {
			rs[starterPos], starter = c, c
			continue
		}
		if class == 0 {
			starter, starterPos = r, out
		}
		last = class
		rs[out] = r
		out++
	}
	return rs[:out]
}

// compose returns the primary composite of a and b, if there is one.
func compose(a, b rune) (rune, bool) {
	if l := a - lBase; l >= 0 && l < lCount {
		if v := b - vBase; v >= 0 && v < vCount {
			return sBase + (l*vCount+v)*tCount, true
		}
		return 0, false
	}
	if s := a - sBase; s >= 0 && s < sCount && s%tCount == 0 {
		if t := b - tBase; t > 0 && t < tCount {
			return a + t, true
		}
		return 0, false
	}
	key := uint64(a)<<21 | uint64(b)
	if i, ok := slices.BinarySearch(composePairs[:], key); ok {
		return composed[i], true
	}
	return 0, false
}
