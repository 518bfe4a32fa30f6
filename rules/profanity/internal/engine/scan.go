package engine

import (
	"unicode/utf8"
)

const (
	// tokCap symbols of a token are buffered; a longer token is matched in
	// windows that overlap by tokKeep symbols.
	tokCap  = 64
	tokKeep = 32
	// runCap symbols of a spaced-out word are buffered.
	runCap = 32
	// maxThreads bounds the NFA's live threads; more are dropped, which
	// only an adversarial text can cause.
	maxThreads = 16
	// maxGap is the most separator characters allowed between the letters
	// of a spaced-out word ("f . u . c . k"); one of them may be a line
	// break, so that a word written down a column is read too.
	maxGap = 3
	// maxWild is the most masking symbols ('*', '#', '%', pictographs)
	// read as letters in one match.
	maxWild = 2
	// newlineGap ends a spaced-out word: a blank line, or a second line
	// break.
	newlineGap = 1 << 20
	// revCap matches found in text reversed by a bidi override wait to be
	// merged with the others; more are merged into their neighbours.
	revCap = 8
)

// Symbol flags.
const (
	fLetter   = 1 << iota // a letter of any script
	fLatin                // a Latin letter (ASCII, or folded to ASCII)
	fOther                // a letter of a script with Latin look-alikes
	fWild                 // a masking symbol: any one letter ('*', '#', '%')
	fSym                  // a leetspeak symbol such as '@' or '$'
	fTokStart             // a word may start here: no word character before it in its piece
	fTokEnd               // a word may end here: no word character after it in its piece
	fDigit                // a digit
	fWeak                 // punctuation that is leetspeak only inside a word: '!'
	fEmph                 // markdown emphasis or code ('*', '`', '~'): words run through it
	fJoin                 // joins the pieces of a word and bounds each: '_', a blank letter, a pictograph, "-\n"
	fPict                 // a pictograph (emoji): may also stand for one letter
	fNoConf               // a letter with no Latin reading and no Latin look-alike
	fForeign              // a look-alike that the major languages of its script do not use

	// fWordChar marks what bounds a word: a letter, a digit or a leetspeak
	// symbol, but not a masking symbol nor a weak one. "cl@ss" does not
	// hold "ass", and "+1t13" (title) does not hold "tit".
	fWordChar = fLetter | fDigit | fSym
	// fSolid marks the characters that count in a token's length: all but
	// emphasis and joiners.
	fSolid = fLetter | fDigit | fSym | fWild | fWeak
	// fPass marks the symbols a thread may pass over without reading.
	fPass = fEmph | fJoin
)

// sym is one character of a token, as the set of letters it may stand for.
type sym struct {
	start, end int32  // its bytes in the text, trailing combining marks included
	set        uint32 // letters (bit 0 = 'a') it always stands for
	conf       uint8  // 1 + the letter it looks like, if it is a look-alike of another script
	flags      uint16
}

// Character kinds of ASCII.
const (
	kSep     = iota // ends a token
	kTok            // part of a token
	kNewline        // ends a token; a second one ends a spaced-out word
)

var asciiKind, asciiFlags, asciiSet = asciiTables()

func asciiTables() (kind [128]uint8, flags [128]uint16, set [128]uint32) {
	for c := 0; c < 128; c++ {
		switch {
		case 'a' <= c && c <= 'z':
			kind[c], flags[c], set[c] = kTok, fLetter|fLatin, 1<<uint(c-'a')
		case 'A' <= c && c <= 'Z':
			kind[c], flags[c], set[c] = kTok, fLetter|fLatin, 1<<uint(c-'A')
		case '0' <= c && c <= '9':
			kind[c], flags[c] = kTok, fDigit
		case c == '\n' || c == '\v' || c == '\f':
			kind[c] = kNewline
		}
	}
	letters := func(s string) (m uint32) {
		for i := 0; i < len(s); i++ {
			m |= 1 << uint(s[i]-'a')
		}
		return m
	}
	// An upper-case I is often an l in disguise ("sIut").
	set['I'] |= letters("l")
	leet := map[byte]string{
		'0': "o", '1': "il", '3': "e", '4': "a", '5': "s", '6': "gb", '7': "t", '8': "b", '9': "g",
		'@': "ao", '$': "s", '!': "il", '|': "il", '+': "t", '(': "c",
	}
	for c, l := range leet {
		kind[c], set[c] = kTok, letters(l)
		if c < '0' || c > '9' {
			flags[c] = fSym
		}
		if c == '!' {
			flags[c] = fSym | fWeak
		}
	}
	for _, c := range []byte{'#', '%'} {
		kind[c], flags[c] = kTok, fWild
	}
	// '*' masks a letter ("f*ck") or is markdown emphasis ("f**u**ck");
	// '`' and '~' are markdown code and strike-through; '_' is markdown
	// emphasis that renders as itself inside a word ("f_u_ck") and the
	// separator of identifiers ("my_ass_file").
	kind['*'], flags['*'] = kTok, fWild|fEmph
	kind['`'], flags['`'] = kTok, fEmph
	kind['~'], flags['~'] = kTok, fEmph
	kind['_'], flags['_'] = kTok, fJoin
	return kind, flags, set
}

// isWordChar reports whether a symbol bounds a word (see fWordChar).
func isWordChar(flags uint16) bool { return flags&fWordChar != 0 && flags&fWeak == 0 }

// tokenClass reports whether a class of the class table is part of a token.
func tokenClass(c uint16) bool {
	switch c & classMask {
	case cFold, cLatin, cOther, cDigit, cBlank, cPict:
		return true
	}
	return false
}

// hyphenBreak returns the length of the line break at text[i:] that joins
// the two halves of a hyphenated word ("fu-\nck"), or 0: a hyphen, a line
// feed (after an optional carriage return) and a word character.
func hyphenBreak(text string, i int) int {
	j := i + 1
	if j < len(text) && text[j] == '\r' {
		j++
	}
	if j >= len(text) || text[j] != '\n' {
		return 0
	}
	j++
	if j >= len(text) {
		return 0
	}
	if c := text[j]; c < utf8.RuneSelf {
		if asciiKind[c] != kTok || asciiFlags[c]&fSolid == 0 {
			return 0
		}
	} else if r, _ := utf8.DecodeRuneInString(text[j:]); !tokenClass(classOf(r)) {
		return 0
	}
	return j - i
}

// scanner holds the state of one scan; it lives on the caller's stack.
type scanner struct {
	m     *Matcher
	f     Filter
	text  string
	visit func(Match) bool
	stop  bool

	// A reversed reading of a span under a right-to-left override reports
	// its matches to the scanner of the whole text.
	parent  *scanner
	reverse bool

	// the current token
	tok       [tokCap]sym
	ntok      int
	tokOpen   bool
	tokChars  int    // solid characters (not symbols) in the token
	tokFlags  uint16 // union of its symbols' flags
	tokSet    uint32 // union of the letters its symbols stand for
	tokConf   uint32 // union of the letters its look-alikes look like
	tokCut    bool   // a window slide dropped its first symbols
	tokCutLtr bool   // ... and the piece they ended in held a letter
	tokGap    int    // separators before it
	tokLines  int    // ... of which line breaks
	lazy      bool   // its symbols are not built yet
	lazyStart int    // the byte it starts at
	tokEnd    int    // the byte after it, so far
	tokWide   bool   // it holds bytes beyond ASCII
	gap       int    // separators since the last token
	gapLines  int    // ... of which line breaks
	runFlags  uint16 // union of the spaced-out word's flags
	run       [runCap]sym
	nrun      int
	runTokens int
	pend      Match
	hasPend   bool

	// matches of reversed readings, sorted, waiting for the forward ones
	revUntil int // the end of the last span read reversed
	revUsed  bool
	rev      [revCap]Match
	nrev     int
	out      Match // the last match, held to merge what overlaps it
	hasOut   bool

	// letters of the text: Latin, and of the scripts with look-alikes
	counted        bool
	nLatin, nOther int
}

// Scan reports, in order, the matches of the entries f selects in text,
// calling visit for each until it returns false. Overlapping matches are
// merged into one, reported with the most severe entry. Scan does not
// allocate.
func (m *Matcher) Scan(text string, f Filter, visit func(Match) bool) {
	var s scanner
	s.m, s.f, s.text, s.visit = m, f, text, visit
	s.scan()
}

// Contains reports whether text holds a match of the entries f selects.
func (m *Matcher) Contains(text string, f Filter) bool {
	found := false
	m.Scan(text, f, func(Match) bool { found = true; return false })
	return found
}

func (s *scanner) scan() {
	text := s.text
	for i := 0; i < len(text) && !s.stop; {
		c := text[i]
		if c < utf8.RuneSelf {
			switch asciiKind[c] {
			case kTok:
				if !s.tokOpen {
					s.open(i)
				}
				i = s.asciiRun(i)
				continue
			case kSep:
				if s.tokOpen {
					if c == '-' {
						if n := hyphenBreak(text, i); n > 0 {
							s.tokFlags |= fJoin
							i += n
							s.tokEnd = i
							continue
						}
					}
					s.endToken()
				}
				if s.gap < newlineGap {
					s.gap++
				}
			default:
				s.separator(true)
			}
			i++
			continue
		}
		r, size := decodeRune(text, i)
		s.char(r, classOf(r), i, i+size)
		if s.tokOpen {
			s.tokWide = true
		}
		i += size
	}
	s.finish()
}

// decodeRune decodes the character at text[i:], text[i] >= 0x80, with
// the two- and three-byte forms (Cyrillic, Greek, Arabic, Devanagari, Han,
// Hangul) decoded inline.
func decodeRune(text string, i int) (rune, int) {
	if c := text[i]; c < 0xe0 {
		if c >= 0xc2 && i+1 < len(text) {
			if c1 := text[i+1]; c1&0xc0 == 0x80 {
				return rune(c&0x1f)<<6 | rune(c1&0x3f), 2
			}
		}
	} else if c < 0xf0 && i+2 < len(text) {
		c1, c2 := text[i+1], text[i+2]
		if r := rune(c&0x0f)<<12 | rune(c1&0x3f)<<6 | rune(c2&0x3f); c1&0xc0 == 0x80 && c2&0xc0 == 0x80 && r >= 0x800 && (r < 0xd800 || r > 0xdfff) {
			return r, 3
		}
	}
	return utf8.DecodeRuneInString(text[i:])
}

// finish matches what is left at the end of the text and reports the
// matches still held.
func (s *scanner) finish() {
	if s.tokOpen {
		s.endToken()
	}
	s.flushRun()
	s.emit()
	if s.parent == nil {
		for s.nrev > 0 {
			s.deliver(s.popRev())
		}
		if s.hasOut && !s.stop {
			s.hasOut = false
			if !s.visit(s.out) {
				s.stop = true
			}
		}
	}
}

// asciiRun adds the ASCII word characters from text[i:] to the open token
// and returns the index after them. It only gathers what the token may
// stand for: its symbols are built if it turns out to need matching.
func (s *scanner) asciiRun(i int) int {
	text := s.text
	flags, set := s.tokFlags, s.tokSet
	j := i
	for ; j < len(text); j++ {
		c := text[j]
		if c >= utf8.RuneSelf || asciiKind[c] != kTok {
			break
		}
		flags |= asciiFlags[c]
		set |= asciiSet[c]
	}
	s.tokFlags, s.tokSet, s.tokEnd = flags, set, j
	s.tokChars += j - i // exact unless flags hold fPass: then recounted
	return j
}

// char takes a character at or above 0x80, of class table entry c, in the
// forward reading: it gathers what the open token may stand for.
func (s *scanner) char(r rune, c uint16, start, end int) {
	switch c & classMask {
	case cFold:
		v := foldVals[c>>classBits]
		s.open(start)
		if v&foldConfusable != 0 {
			s.tokFlags |= fLetter | fOther
			if v&foldForeign != 0 {
				s.tokFlags |= fForeign
			}
			s.tokConf |= 1 << (byte(v) - 'a')
		} else {
			for ; v != 0; v >>= 8 {
				s.tokFlags |= asciiFlags[byte(v)]
				s.tokSet |= asciiSet[byte(v)]
			}
		}
		s.tokChars++
	case cLatin:
		s.open(start)
		s.tokFlags |= fLetter | fNoConf
		s.tokChars++
	case cOther:
		s.open(start)
		s.tokFlags |= fLetter | fOther | fNoConf
		s.tokChars++
	case cDigit:
		s.open(start)
		s.tokFlags |= fDigit
		s.tokChars++
	case cBlank:
		s.open(start)
		s.tokFlags |= fJoin
	case cPict:
		s.open(start)
		s.tokFlags |= fJoin | fPict
	case cMark:
		if !s.tokOpen {
			return
		}
	case cFormat:
		if r == '\u202e' {
			s.override(start)
		}
		return
	case cNewline:
		s.separator(true)
		return
	default:
		s.separator(false)
		return
	}
	s.tokEnd = end
}

// build adds the symbols of one character of the token, of class table
// entry c (ASCII: c is ignored), spanning text[start:end].
func (s *scanner) build(r rune, c uint16, start, end int32) {
	if r < utf8.RuneSelf {
		fl := asciiFlags[r]
		s.add(start, end, asciiSet[r], 0, fl)
		if fl&fSolid != 0 {
			s.tokChars++
		}
		return
	}
	switch c & classMask {
	case cFold:
		v := foldVals[c>>classBits]
		if v&foldConfusable != 0 {
			fl := uint16(fLetter | fOther)
			if v&foldForeign != 0 {
				fl |= fForeign
			}
			s.add(start, end, 0, byte(v)-'a'+1, fl)
		} else {
			for ; v != 0; v >>= 8 {
				s.add(start, end, asciiSet[byte(v)], 0, asciiFlags[byte(v)])
			}
		}
	case cLatin:
		s.add(start, end, 0, 0, fLetter|fNoConf)
	case cOther:
		s.add(start, end, 0, 0, fLetter|fOther|fNoConf)
	case cDigit:
		s.add(start, end, 0, 0, fDigit)
	case cBlank:
		s.add(start, end, 0, 0, fJoin)
		return
	case cPict:
		s.add(start, end, 0, 0, fJoin|fPict)
		return
	case cMark:
		// A combining mark belongs to the character before it.
		if s.ntok > 0 {
			s.tok[s.ntok-1].end = end
		}
		return
	default:
		return // format characters are transparent
	}
	s.tokChars++
}

// materialize builds the symbols of a lazy token, reading its bytes again.
func (s *scanner) materialize() {
	if !s.lazy {
		return
	}
	s.lazy = false
	text := s.text
	if !s.tokWide && s.tokFlags&fPass == 0 {
		// ASCII letters, digits and symbols: tokChars is right.
		for k := s.lazyStart; k < s.tokEnd; k++ {
			c := text[k]
			s.add(int32(k), int32(k+1), asciiSet[c], 0, asciiFlags[c])
		}
		return
	}
	s.tokChars = 0
	for k := s.lazyStart; k < s.tokEnd; {
		c := text[k]
		if c < utf8.RuneSelf {
			if c == '-' { // only a hyphenated line break is inside a token
				n := max(hyphenBreak(text, k), 1)
				s.add(int32(k), int32(k+n), 0, 0, fJoin)
				k += n
				continue
			}
			fl := asciiFlags[c]
			s.add(int32(k), int32(k+1), asciiSet[c], 0, fl)
			if fl&fSolid != 0 {
				s.tokChars++
			}
			k++
			continue
		}
		r, size := decodeRune(text, k)
		s.build(r, classOf(r), int32(k), int32(k+size))
		k += size
	}
}

func (s *scanner) open(at int) {
	if s.tokOpen {
		return
	}
	s.tokOpen, s.lazy, s.tokWide = true, !s.reverse, false
	s.lazyStart, s.tokEnd = at, at
	s.ntok, s.tokChars, s.tokFlags, s.tokSet, s.tokConf = 0, 0, 0, 0, 0
	s.tokCut, s.tokCutLtr = false, false
	s.tokGap, s.tokLines = s.gap, s.gapLines
}

func (s *scanner) add(start, end int32, set uint32, conf uint8, flags uint16) {
	if s.ntok == tokCap {
		s.slide()
	}
	s.tok[s.ntok] = sym{start: start, end: end, set: set, conf: conf, flags: flags}
	s.ntok++
	s.tokFlags |= flags
	s.tokSet |= set
	if conf != 0 {
		s.tokConf |= 1 << (conf - 1)
	}
}

// slide matches a full token buffer and keeps its last tokKeep symbols.
func (s *scanner) slide() {
	s.matchWord(s.tokenWord(true))
	ltr := s.tokCutLtr
	for _, y := range s.tok[:s.ntok-tokKeep] {
		switch {
		case y.flags&fJoin != 0:
			ltr = false
		case isWordChar(y.flags):
			ltr = true
		}
	}
	s.tokCutLtr = ltr
	copy(s.tok[:], s.tok[s.ntok-tokKeep:s.ntok])
	s.ntok = tokKeep
	s.tokCut = true
}

// tokenWord returns the current token as a word to match.
func (s *scanner) tokenWord(cutEnd bool) word {
	w := word{s: s, syms: s.tok[:s.ntok], flags: s.tokFlags, cutEnd: cutEnd, cutLtr: s.tokCutLtr, cut: s.tokCut, rev: s.reverse}
	if s.tokCut {
		w.minEnd = tokKeep
	}
	return w
}

func (s *scanner) separator(newline bool) {
	if s.tokOpen {
		s.endToken()
	}
	if !newline && s.gap < newlineGap {
		s.gap++
		return
	}
	s.lineBreak(newline)
}

// lineBreak counts a line break (or a separator after a blank line) in
// the gap between two tokens: the first keeps a spaced-out word going, the
// second ends it.
func (s *scanner) lineBreak(newline bool) {
	switch {
	case s.gap >= newlineGap:
	case !newline:
		s.gap++
	case s.gapLines == 0:
		s.gap++
		s.gapLines++
	default:
		s.gap = newlineGap
	}
}

// confFlags reports, from a word's flags, whether its look-alikes read as
// Latin letters: in a word that mixes Latin letters with them, and in one
// written wholly in them (no letter without a Latin reading).
func confFlags(fl uint16) (mixed, wholly bool) {
	mixed = fl&fLatin != 0 && fl&fOther != 0
	wholly = fl&(fOther|fLatin|fNoConf) == fOther
	return mixed, wholly
}

func (s *scanner) endToken() {
	s.tokOpen = false
	s.gap, s.gapLines = 0, 0
	if s.tokFlags&fSolid == 0 {
		// Only joiners and emphasis ("_", "~~", an emoji): a separator.
		s.lazy = false
		s.gap, s.gapLines = s.tokGap+1, s.tokLines
		return
	}
	checked := false
	quick := s.lazy && s.tokChars > 1 && s.tokFlags&fPass == 0
	if quick && s.tokFlags&fWeak != 0 {
		quick = !s.weakTail()
	}
	if quick {
		// The quick test, before building symbols: can any entry be
		// spelt with the letters of this token?
		s.flushRun()
		if s.tokFlags&(fLetter|fSym) == 0 {
			s.lazy = false
			return
		}
		if s.tokFlags&fWild == 0 {
			set := s.tokSet
			var start, next uint32
			if !s.tokWide {
				// ASCII: the first word character and the weak
				// punctuation before it, and the character after it.
				text, k := s.text, s.lazyStart
				start, next = asciiSet[text[k]], ^uint32(0)
				for k < s.tokEnd-1 && !isWordChar(asciiFlags[text[k]]) {
					k++ // leading weak punctuation: "!!shit"
					start |= asciiSet[text[k]]
				}
				if k == s.lazyStart {
					next = asciiSet[text[k+1]]
				}
			} else {
				if mixed, wholly := confFlags(s.tokFlags); mixed || wholly {
					set |= s.tokConf
				}
				start, next = s.lazyStarts(set)
			}
			if !s.m.mayMatch(start, next, set) {
				s.lazy = false
				return
			}
			checked = true
		}
	}
	s.materialize()
	core := s.ntok // the token less its trailing weak punctuation: "k!!!"
	for core > 1 && s.tok[core-1].flags&fWeak != 0 {
		core--
	}
	if s.tokChars-(s.ntok-core) == 1 && !s.tokCut {
		// One character: perhaps a letter of a spaced-out word.
		if s.runTokens > 0 && (s.tokGap > maxGap || s.nrun+core > runCap) {
			s.flushRun()
		}
		first := true
		for i := 0; i < core; i++ {
			y := s.tok[i]
			if y.flags&fPass != 0 && y.flags&fWild == 0 {
				continue // "`f`": the letter only
			}
			y.flags &^= fTokStart | fTokEnd | fEmph | fJoin
			if first {
				y.flags |= fTokStart
				first = false
			}
			s.run[s.nrun] = y
			s.nrun++
			s.runFlags |= y.flags
		}
		if s.nrun > 0 {
			s.run[s.nrun-1].flags |= fTokEnd
		}
		s.runTokens++
		return
	}
	s.flushRun()
	w := s.tokenWord(false)
	w.checked = checked
	s.matchWord(w)
	s.emit()
}

// weakTail reports whether a lazy token is one character followed by weak
// punctuation only.
func (s *scanner) weakTail() bool {
	text := s.text
	k := s.lazyStart
	_, size := utf8.DecodeRuneInString(text[k:])
	k += size
	for k < s.tokEnd {
		c := text[k]
		if c < utf8.RuneSelf {
			if asciiFlags[c]&fWeak == 0 {
				return false
			}
			k++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[k:])
		if cl := classOf(r) & classMask; cl != cMark && cl != cFormat {
			return false
		}
		k += size
	}
	return true
}

// lazyStarts returns, for the quick test of a lazy token, the letters of
// its first word character and of the weak punctuation before it, and
// those of the character after it when nothing precedes it (otherwise
// every letter). conf says whether look-alikes count as letters.
func (s *scanner) lazyStarts(all uint32) (start, next uint32) {
	next = ^uint32(0)
	text := s.text
	if k := s.lazyStart; s.tokFlags&(fOther|fNoConf) == 0 && k+1 < s.tokEnd && text[k] < utf8.RuneSelf && text[k+1] < utf8.RuneSelf {
		// ASCII at its start: the common case.
		start = asciiSet[text[k]]
		if isWordChar(asciiFlags[text[k]]) {
			return start, asciiSet[text[k+1]]
		}
	}
	lead := false // a character before the first word character
	for k := s.lazyStart; k < s.tokEnd; {
		fl, set, size := s.peek(k)
		k += size
		if fl == 0 {
			continue // a mark or a format character
		}
		start |= set
		if !isWordChar(fl) {
			lead = true
			continue
		}
		if !lead {
			for k < s.tokEnd {
				fl, set, size := s.peek(k)
				k += size
				if fl != 0 {
					next = set
					break
				}
			}
		}
		break
	}
	return start & all, next
}

// peek returns the flags and letters of the character at text[k:] of a
// lazy token (look-alikes read as what they look like), and its size.
func (s *scanner) peek(k int) (flags uint16, set uint32, size int) {
	c := s.text[k]
	if c < utf8.RuneSelf {
		return asciiFlags[c], asciiSet[c], 1
	}
	r, size := decodeRune(s.text, k)
	cl := classOf(r)
	switch cl & classMask {
	case cFold:
		v := foldVals[cl>>classBits]
		if v&foldConfusable != 0 {
			return fLetter | fOther, 1 << (byte(v) - 'a'), size
		}
		for ; v != 0; v >>= 8 {
			flags |= asciiFlags[byte(v)]
			set |= asciiSet[byte(v)]
		}
		return flags, set, size
	case cLatin, cOther:
		return fLetter, 0, size
	case cDigit:
		return fDigit, 0, size
	}
	return 0, 0, size
}

// edgeLetters are the one-letter words of chat ("a", "I", "u" for you, "r"
// for are, "y" for why, "o"): a spaced-out word may start after them and
// end before them ("u r a b i t c h"), but nowhere else inside the run,
// so that "c l a s s" is not read as "ass".
const edgeLetters = 1<<('a'-'a') | 1<<('i'-'a') | 1<<('u'-'a') | 1<<('r'-'a') | 1<<('y'-'a') | 1<<('o'-'a')

// runBoundaries keeps fTokStart on the run's symbols where a word may start
// and fTokEnd where one may end: the ends of the run, and past its edge
// one-letter words.
func runBoundaries(run []sym) {
	var edge uint32 // bit i: run[i] is a one-letter word of edgeLetters
	for i := range run {
		y := &run[i]
		if y.flags&(fTokStart|fTokEnd|fLetter) == fTokStart|fTokEnd|fLetter && y.set&edgeLetters != 0 {
			edge |= 1 << uint(i)
		}
	}
	open := true
	for i := range run {
		if y := &run[i]; y.flags&fTokStart != 0 {
			if !open {
				y.flags &^= fTokStart
			}
			open = open && edge&(1<<uint(i)) != 0
		}
	}
	open = true
	for i := len(run) - 1; i >= 0; i-- {
		if y := &run[i]; y.flags&fTokEnd != 0 {
			if !open {
				y.flags &^= fTokEnd
			}
			open = open && edge&(1<<uint(i)) != 0
		}
	}
}

// markBounds sets fTokStart on the symbols of a token before or at the
// first word character of their piece, and fTokEnd on those at or after
// its last: joiners cut a token into pieces. cutLtr: the first piece
// started in a dropped window; cutEnd: the last piece goes on.
func markBounds(syms []sym, cutLtr, cutEnd bool) {
	open := !cutLtr
	for i := range syms {
		y := &syms[i]
		y.flags &^= fTokStart
		switch {
		case y.flags&fJoin != 0:
			open = true
		case open:
			y.flags |= fTokStart
			open = !isWordChar(y.flags)
		}
	}
	open = !cutEnd
	for i := len(syms) - 1; i >= 0; i-- {
		y := &syms[i]
		y.flags &^= fTokEnd
		switch {
		case y.flags&fJoin != 0:
			open = true
		case open:
			y.flags |= fTokEnd
			open = !isWordChar(y.flags)
		}
	}
}

func (s *scanner) flushRun() {
	if s.runTokens >= 2 && !s.stop {
		runBoundaries(s.run[:s.nrun])
		s.matchWord(word{s: s, syms: s.run[:s.nrun], flags: s.runFlags, joined: true, rev: s.reverse})
		s.emit()
	}
	s.nrun, s.runTokens, s.runFlags = 0, 0, 0
}

// latinAround reports whether the text around a word holds more Latin
// letters than letters of the scripts with Latin look-alikes, the word's
// own other letters (other) aside, and at least one.
func (s *scanner) latinAround(other int) bool {
	if !s.counted {
		s.counted = true
		text := s.text
		for i := 0; i < len(text); {
			c := text[i]
			if c < utf8.RuneSelf {
				if asciiFlags[c]&fLatin != 0 {
					s.nLatin++
				}
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(text[i:])
			i += size
			switch cl := classOf(r); cl & classMask {
			case cFold:
				v := foldVals[cl>>classBits]
				if v&foldConfusable != 0 {
					s.nOther++
				} else if asciiFlags[byte(v)]&fLatin != 0 {
					s.nLatin++
				}
			case cLatin:
				s.nLatin++
			case cOther:
				s.nOther++
			}
		}
	}
	return s.nLatin > 0 && s.nLatin >= s.nOther-other
}
