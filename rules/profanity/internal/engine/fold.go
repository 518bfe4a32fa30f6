package engine

//go:generate go run -C ../gen . -tables ../engine/zz_fold_table.go -allow ../engine/allowlist.txt

// Fold table values (foldVals in zz_fold_table.go): bytes 0 to 2 hold the
// ASCII characters a rune stands for (0 when unused); foldConfusable marks
// a letter of another script that looks like the Latin letter in byte 0,
// read as that letter only in a word that mixes scripts or in a word
// written wholly in look-alikes (see word.wholly); foldForeign marks the
// look-alikes that the major languages of their script do not use.
const (
	foldConfusable = 1 << 24
	foldForeign    = 1 << 25
)

// Character classes of the class table (zz_fold_table.go), below
// tableLimit; the generator (internal/gen) holds the same list.
const (
	cSep     = iota // ends a word: spaces, punctuation, letters of scripts with no Latin reading
	cNewline        // a line break
	cLatin          // a letter of the Latin script with no ASCII reading
	cOther          // a letter of Cyrillic, Greek, Armenian or Cherokee with no Latin look-alike
	cDigit          // a digit with no ASCII reading
	cMark           // a combining mark: belongs to the character before it
	cFormat         // an invisible format character: zero-width, bidi, tags
	cBlank          // a letter or symbol that renders blank: Hangul fillers, braille blank
	cPict           // a pictograph: emoji and other symbols
	cFold           // in the fold table; the value's index is in the high bits

	classBits  = 4
	classMask  = 1<<classBits - 1
	blockBits  = 7
	tableLimit = 0x30000
)

// classOf returns the class table entry of a rune at or above 0x80: its
// class in the low classBits bits and, for cFold, the index of its fold
// value above them.
func classOf(r rune) uint16 {
	if r < tableLimit {
		return classBlocks[int(classIndex[r>>blockBits])<<blockBits|int(r&(1<<blockBits-1))]
	}
	switch {
	case 0xE0000 <= r && r <= 0xE007F:
		return cFormat // tag characters
	case 0xE0100 <= r && r <= 0xE01EF:
		return cMark // variation selectors
	}
	return cSep
}

// lookupFold returns the fold table value of r.
func lookupFold(r rune) (uint32, bool) {
	if r < 0x80 {
		return 0, false
	}
	if c := classOf(r); c&classMask == cFold {
		return foldVals[c>>classBits], true
	}
	return 0, false
}

// isMark reports whether r is a combining mark (or an emoji modifier),
// which belongs to the character before it.
func isMark(r rune) bool {
	return r >= 0x80 && classOf(r)&classMask == cMark
}

// isIgnorable reports whether r is invisible to matching: a combining mark
// or a format character (zero-width space and joiners, soft hyphen, bidi
// controls, byte order mark, tag characters).
func isIgnorable(r rune) bool {
	if r < 0x80 {
		return false
	}
	c := classOf(r) & classMask
	return c == cMark || c == cFormat
}
