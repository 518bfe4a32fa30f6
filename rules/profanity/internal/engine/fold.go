package engine

import (
	"sort"
	"unicode"
)

//go:generate go run -C ../gen . -tables ../engine/zz_fold_table.go -allow ../engine/allowlist.txt

// Fold table values (see zz_fold_table.go): bytes 0 to 2 hold the ASCII
// characters a rune stands for (0 when unused); foldConfusable marks a
// letter of another script that looks like the Latin letter in byte 0 and
// stands for it only in a word that mixes scripts.
const foldConfusable = 1 << 24

// lookupFold returns the fold table value of r.
func lookupFold(r rune) (uint32, bool) {
	i := sort.Search(len(foldKeys), func(i int) bool { return foldKeys[i] >= uint32(r) })
	if i < len(foldKeys) && foldKeys[i] == uint32(r) {
		return foldVals[i], true
	}
	return 0, false
}

// isMark reports whether r is a combining mark, which belongs to the
// character before it.
func isMark(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me)
}

// isIgnorable reports whether r is invisible to matching: a combining mark
// or a format character (zero-width space and joiners, soft hyphen, bidi
// controls, byte order mark, tag characters).
func isIgnorable(r rune) bool {
	return isMark(r) || unicode.Is(unicode.Cf, r)
}

// isOtherScript reports whether r is a letter of a script whose look-alikes
// the matcher maps in mixed-script words.
func isOtherScript(r rune) bool {
	return unicode.In(r, unicode.Cyrillic, unicode.Greek, unicode.Armenian, unicode.Cherokee)
}
