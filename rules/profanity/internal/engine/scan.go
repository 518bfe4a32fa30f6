package engine

import (
	"math/bits"
	"unicode"
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
	// of a spaced-out word ("f . u . c . k").
	maxGap = 3
	// maxWild is the most masking symbols ('*', '#', '%') in one match.
	maxWild = 2
	// newlineGap ends a spaced-out word at a line break.
	newlineGap = 1 << 20
)

// Symbol flags.
const (
	fLetter   = 1 << iota // a letter of any script
	fLatin                // a Latin letter (ASCII, or folded to ASCII)
	fOther                // a letter of a script with Latin look-alikes
	fWild                 // a masking symbol: any one letter
	fSym                  // a leetspeak symbol such as '@' or '$'
	fTokStart             // first symbol of a one-character token (joined words)
	fTokEnd               // last symbol of a one-character token (joined words)
	fDigit                // a digit
	fWeak                 // punctuation that is leetspeak only inside a word: '!'

	// fWordChar marks what bounds a word: a letter, a digit or a leetspeak
	// symbol, but not a masking symbol nor a weak one. "cl@ss" does not
	// hold "ass", and "+1t13" (title) does not hold "tit".
	fWordChar = fLetter | fDigit | fSym
)

// sym is one character of a token, as the set of letters it may stand for.
type sym struct {
	start, end int32  // its bytes in the text, trailing combining marks included
	set        uint32 // letters (bit 0 = 'a') it always stands for
	conf       uint8  // 1 + the letter it stands for in a mixed-script word, or 0
	flags      uint16
}

// Character kinds of ASCII.
const (
	kSep     = iota // ends a token
	kTok            // part of a token
	kNewline        // ends a token and a spaced-out word
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
		case c == '\n' || c == '\r' || c == '\v' || c == '\f':
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
	for _, c := range []byte{'*', '#', '%'} {
		kind[c], flags[c] = kTok, fWild
	}
	return kind, flags, set
}

// isWordChar reports whether a symbol bounds a word (see fWordChar).
func isWordChar(flags uint16) bool { return flags&fWordChar != 0 && flags&fWeak == 0 }

// thread is one partial match: a trie node reached from a start symbol.
type thread struct {
	node     int32
	start    int16
	wild     uint8
	lastWild bool // the last symbol it took was a masking symbol
	mid      bool // it started inside a word: only Anywhere entries count
}

// scanner holds the state of one scan; it lives on the caller's stack.
type scanner struct {
	m     *Matcher
	f     Filter
	text  string
	visit func(Match) bool
	stop  bool

	// the current token
	tok       [tokCap]sym
	ntok      int
	tokOpen   bool
	tokChars  int    // characters (not symbols) in the token
	tokFlags  uint16 // union of its symbols' flags
	tokSet    uint32 // union of the letters its symbols may stand for
	tokCut    bool   // a window slide dropped its first symbols
	tokCutLtr bool   // ... and they held a letter
	tokGap    int    // separators before it
	lazy      bool   // the token is ASCII only, its symbols not yet built
	lazyStart int    // ... and starts at this byte
	tokEnd    int    // the byte after the token so far
	gap       int    // separators since the last token
	runFlags  uint16 // union of the spaced-out word's flags
	run       [runCap]sym
	nrun      int
	runTokens int
	pend      Match
	hasPend   bool
	threads   [2][maxThreads]thread
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
					s.open()
					s.lazy, s.lazyStart = true, i
				}
				i = s.asciiRun(i)
				continue
			case kSep:
				s.separator(false)
			default:
				s.separator(true)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		s.nonASCII(r, int32(i), int32(i+size))
		i += size
	}
	if s.tokOpen {
		s.endToken()
	}
	s.flushRun()
	s.emit()
}

// asciiRun adds the ASCII word characters from text[i:] to the open token
// and returns the index after them. A token that is ASCII so far only
// gathers the letters it may stand for: its symbols are built if it turns
// out to need matching.
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
	s.tokChars += j - i
	if !s.lazy {
		for k := i; k < j; k++ {
			c := text[k]
			s.add(int32(k), int32(k+1), asciiSet[c], 0, asciiFlags[c])
		}
	}
	return j
}

// materialize builds the symbols of a lazy token.
func (s *scanner) materialize() {
	if !s.lazy {
		return
	}
	s.lazy = false
	for k := s.lazyStart; k < s.tokEnd; k++ {
		c := s.text[k]
		s.add(int32(k), int32(k+1), asciiSet[c], 0, asciiFlags[c])
	}
}

func (s *scanner) nonASCII(r rune, start, end int32) {
	if s.lazy {
		s.materialize()
	}
	if v, ok := lookupFold(r); ok {
		s.open()
		if v&foldConfusable != 0 {
			s.add(start, end, 0, byte(v)-'a'+1, fLetter|fOther)
		} else {
			for k := 0; k < 3; k++ {
				c := byte(v >> (8 * k))
				if c == 0 {
					break
				}
				s.add(start, end, asciiSet[c], 0, asciiFlags[c])
			}
		}
		s.tokChars++
		return
	}
	switch {
	case isMark(r):
		// A combining mark belongs to the character before it.
		if s.tokOpen && s.ntok > 0 {
			s.tok[s.ntok-1].end = end
		}
	case unicode.Is(unicode.Cf, r):
		// Zero-width and bidi characters, soft hyphens: transparent.
	case unicode.IsLetter(r):
		s.open()
		fl := uint16(fLetter)
		if isOtherScript(r) {
			fl |= fOther
		}
		s.add(start, end, 0, 0, fl)
		s.tokChars++
	case unicode.IsDigit(r):
		s.open()
		s.add(start, end, 0, 0, fDigit)
		s.tokChars++
	default:
		s.separator(r == '\u2028' || r == '\u2029' || r == '\u0085')
	}
}

func (s *scanner) open() {
	if s.tokOpen {
		return
	}
	s.tokOpen, s.lazy = true, false
	s.ntok, s.tokChars, s.tokFlags, s.tokSet = 0, 0, 0, 0
	s.tokCut, s.tokCutLtr = false, false
	s.tokGap = s.gap
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
		s.tokSet |= 1 << (conf - 1)
	}
}

// slide matches a full token buffer and keeps its last tokKeep symbols.
func (s *scanner) slide() {
	s.matchWord(s.tokenWord(true))
	for _, y := range s.tok[:s.ntok-tokKeep] {
		if isWordChar(y.flags) {
			s.tokCutLtr = true
		}
	}
	copy(s.tok[:], s.tok[s.ntok-tokKeep:s.ntok])
	s.ntok = tokKeep
	s.tokCut = true
}

// tokenWord returns the current token as a word to match.
func (s *scanner) tokenWord(cutEnd bool) word {
	w := word{s: s, syms: s.tok[:s.ntok], flags: s.tokFlags, set: s.tokSet, cutEnd: cutEnd, cutLtr: s.tokCutLtr, cut: s.tokCut}
	if s.tokCut {
		w.minEnd = tokKeep
	}
	return w
}

func (s *scanner) separator(newline bool) {
	if s.tokOpen {
		s.endToken()
	}
	if newline {
		s.gap = newlineGap
	} else if s.gap < newlineGap {
		s.gap++
	}
}

func (s *scanner) endToken() {
	s.tokOpen = false
	s.gap = 0
	if s.lazy && s.tokChars > 1 && !s.weakTail() {
		// The quick test, before building symbols: can any entry be
		// spelt with the letters of this ASCII token?
		s.lazy = false
		s.flushRun()
		if s.tokFlags&(fLetter|fSym) == 0 {
			return
		}
		if s.tokFlags&fWild == 0 {
			// The first word character and the one after it.
			k := s.lazyStart
			start, next := asciiSet[s.text[k]], ^uint32(0)
			for k < s.tokEnd-1 && !isWordChar(asciiFlags[s.text[k]]) {
				k++ // leading weak punctuation: "!!shit"
				start |= asciiSet[s.text[k]]
			}
			if k == s.lazyStart && k+1 < s.tokEnd {
				next = asciiSet[s.text[k+1]]
			}
			if !s.m.mayMatch(start, next, s.tokSet) {
				return
			}
		}
		s.lazy = true
		s.materialize()
		s.matchWord(s.tokenWord(false))
		s.emit()
		return
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
		for i := 0; i < core; i++ {
			y := s.tok[i]
			if i == 0 {
				y.flags |= fTokStart
			}
			if i == core-1 {
				y.flags |= fTokEnd
			}
			s.run[s.nrun] = y
			s.nrun++
			s.runFlags |= y.flags
		}
		s.runTokens++
		return
	}
	s.flushRun()
	s.matchWord(s.tokenWord(false))
	s.emit()
}

// weakTail reports whether a lazy token is one character followed by weak
// punctuation only.
func (s *scanner) weakTail() bool {
	for k := s.lazyStart + 1; k < s.tokEnd; k++ {
		if asciiFlags[s.text[k]]&fWeak == 0 {
			return false
		}
	}
	return true
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

func (s *scanner) flushRun() {
	if s.runTokens >= 2 && !s.stop {
		runBoundaries(s.run[:s.nrun])
		s.matchWord(word{s: s, syms: s.run[:s.nrun], flags: s.runFlags, joined: true})
		s.emit()
	}
	s.nrun, s.runTokens, s.runFlags = 0, 0, 0
}

// matchWord runs the NFA over one word: a token, a window of a long token
// (cutEnd: the token goes on), or a spaced-out word (joined: every symbol
// is a one-character token of its own).
func (s *scanner) matchWord(w word) {
	if s.stop || w.flags&(fLetter|fSym) == 0 {
		return // nothing but digits and masks: "455", "****"
	}
	syms := w.syms
	w.mixed = w.flags&fLatin != 0 && w.flags&fOther != 0
	w.first, w.last = -1, -1
	for i := range syms {
		if isWordChar(syms[i].flags) {
			if w.first < 0 {
				w.first = i
			}
			w.last = i
		}
	}
	// A word may start at j <= startMax (no letter before j); a spaced-out
	// word at the start of each of its tokens.
	startMax := w.first
	if w.first < 0 {
		startMax = len(syms)
	}
	if w.cutLtr {
		startMax = -1
	}
	m := s.m
	if w.set != 0 && !w.cut && w.flags&fWild == 0 {
		// The quick test: can any entry be spelt with these letters?
		var start uint32
		for k := 0; k <= max(w.first, 0); k++ {
			start |= w.letters(k)
		}
		next := ^uint32(0)
		if w.first == 0 && len(syms) > 1 {
			next = w.letters(1)
		}
		if !m.mayMatch(start, next, w.set) {
			return
		}
	}
	nodes := m.words.nodes
	root := &nodes[0]
	cur, next := &s.threads[0], &s.threads[1]
	ncur := 0
	prevStart := false
	for j := range syms {
		y := &syms[j]
		set := y.set
		if w.mixed && y.conf != 0 {
			set |= 1 << (y.conf - 1)
		}
		wild := y.flags&fWild != 0
		startHere := j <= startMax
		if w.joined {
			startHere = y.flags&fTokStart != 0
		}
		nn := 0
		for _, th := range cur[:ncur] {
			nd := &nodes[th.node]
			mk := set & nd.mask
			if wild {
				if th.wild >= maxWild {
					continue
				}
				mk = nd.mask
				th.wild++
			}
			th.lastWild = wild
			n := th.node
			for ; mk != 0; mk &= mk - 1 {
				th.node = nd.first + int32(bits.OnesCount32(nd.mask&(1<<uint(bits.TrailingZeros32(mk))-1)))
				if th.mid && !nodes[th.node].anyBelow {
					continue
				}
				nn = push(next, nn, th)
			}
			if !wild && nd.letter < 26 && set&(1<<nd.letter) != 0 {
				// A repeated letter: "fuuuck".
				th.node = n
				nn = push(next, nn, th)
			}
		}
		if !wild && set != 0 && !(j > 0 && syms[j-1].set == y.set && syms[j-1].conf == y.conf && prevStart == startHere) {
			// Start a thread here, unless the previous symbol was the
			// same letter: its thread absorbs this one as a repeat.
			mk := set & root.mask
			if !startHere {
				mk &= m.hasAny
			}
			for ; mk != 0; mk &= mk - 1 {
				ch := root.first + int32(bits.OnesCount32(root.mask&(1<<uint(bits.TrailingZeros32(mk))-1)))
				nn = push(next, nn, thread{node: ch, start: int16(j), mid: !startHere})
			}
		}
		prevStart = startHere
		cur, next = next, cur
		ncur = nn
		for _, th := range cur[:ncur] {
			if e := nodes[th.node].entry; e >= 0 && !th.lastWild && j >= w.minEnd {
				w.accept(th, j, e)
				if s.stop {
					return
				}
			}
		}
	}
}

// push adds t to the generation next of n threads, once, and returns the
// new count.
func push(next *[maxThreads]thread, n int, t thread) int {
	for i := range next[:n] {
		if o := &next[i]; o.node == t.node && o.start == t.start {
			if t.wild < o.wild {
				*o = t
			}
			return n
		}
	}
	if n < maxThreads {
		next[n] = t
		n++
	}
	return n
}

// word is the context of matchWord.
type word struct {
	s           *scanner
	syms        []sym
	flags       uint16 // union of the symbols' flags
	set         uint32 // union of the letters the symbols may stand for (0: unknown)
	joined      bool   // a spaced-out word: each symbol is a token
	mixed       bool   // Latin letters and look-alikes from other scripts
	cut         bool   // a window of a long token that lost its start
	cutLtr      bool   // ... and that start held a letter
	cutEnd      bool   // a window of a long token that goes on
	minEnd      int    // matches must end at or after this symbol
	first, last int    // indexes of the first and last letters, -1 if none
	allow       int8   // 0 unknown, 1 on the allow-list, -1 not
}

// letters returns the letters symbol j stands for in this word.
func (w *word) letters(j int) uint32 {
	y := &w.syms[j]
	set := y.set
	if w.mixed && y.conf != 0 {
		set |= 1 << (y.conf - 1)
	}
	return set
}

// startOK reports whether a word may start at symbol j: no letter before it.
func (w *word) startOK(j int) bool {
	if w.joined {
		return w.syms[j].flags&fTokStart != 0
	}
	return !w.cutLtr && (w.first < 0 || j <= w.first)
}

// endOK reports whether a word may end at symbol j: no letter after it.
func (w *word) endOK(j int) bool {
	if w.joined {
		return w.syms[j].flags&fTokEnd != 0
	}
	return !w.cutEnd && j >= w.last
}

func (w *word) accept(th thread, j int, ei int32) {
	s := w.s
	e := &s.m.entries[ei]
	if !s.f.accepts(e) {
		return
	}
	start := int(th.start)
	sOK, eOK := w.startOK(start), w.endOK(j)
	switch e.Mode {
	case Word:
		if !sOK || !eOK {
			return
		}
	case Stem:
		if !sOK || !eOK && !s.m.ending(w, j+1) {
			return
		}
	}
	// Every match is checked against the allow-list, whole words too: a
	// repeated letter can make a lexicon word of an innocent one ("assess"
	// read as "asses").
	{
		if w.allow == 0 {
			w.allow = -1
			if !w.cut && !w.cutEnd && s.m.allowed(w) {
				w.allow = 1
			}
		}
		if w.allow > 0 {
			return
		}
	}
	s.found(Match{Start: int(w.syms[start].start), End: int(w.syms[j].end), Entry: ei})
}

// found merges a match into the pending one or emits the pending one.
func (s *scanner) found(m Match) {
	if s.hasPend && m.Start < s.pend.End && m.End > s.pend.Start {
		s.pend.Start = min(s.pend.Start, m.Start)
		s.pend.End = max(s.pend.End, m.End)
		// Report the most severe entry, and of those the longest: "fuck"
		// rather than "fck" for "f*ck".
		a, b := &s.m.entries[m.Entry], &s.m.entries[s.pend.Entry]
		if a.Severity > b.Severity || a.Severity == b.Severity && len(a.Word) > len(b.Word) {
			s.pend.Entry = m.Entry
		}
		return
	}
	s.emit()
	s.pend, s.hasPend = m, true
}

func (s *scanner) emit() {
	if !s.hasPend || s.stop {
		return
	}
	s.hasPend = false
	if !s.visit(s.pend) {
		s.stop = true
	}
}

// ending reports whether the symbols of a word from i on, trailing
// non-letters aside, spell one of the Endings.
func (m *Matcher) ending(w *word, i int) bool {
	if w.cutEnd || i > w.last {
		return false
	}
	nodes := m.endings.nodes
	var buf [2][maxThreads]thread
	gen, ncur := 0, 1 // one thread, at the root
	for j := i; j < len(w.syms); j++ {
		set := w.letters(j)
		next, nn := &buf[gen^1], 0
		for _, th := range buf[gen][:ncur] {
			nd := &nodes[th.node]
			for mk := set & nd.mask; mk != 0; mk &= mk - 1 {
				nn = push(next, nn, thread{node: m.endings.child(nd, uint(bits.TrailingZeros32(mk)))})
			}
			if nd.letter < 26 && set&(1<<nd.letter) != 0 {
				nn = push(next, nn, th)
			}
		}
		gen ^= 1
		ncur = nn
		if ncur == 0 {
			return false
		}
		if j >= w.last {
			for _, th := range buf[gen][:ncur] {
				if nodes[th.node].entry >= 0 {
					return true
				}
			}
		}
	}
	return false
}

// allowed reports whether the whole word, leading and trailing non-letters
// aside, is on the allow-list, read with the same tolerance as profanity.
func (m *Matcher) allowed(w *word) bool {
	if w.first < 0 || len(m.allow.nodes) == 0 {
		return false
	}
	nodes := m.allow.nodes
	var buf [2][maxThreads]thread
	gen, ncur := 0, 0
	for j := range w.syms {
		set := w.letters(j)
		wild := w.syms[j].flags&fWild != 0
		next, nn := &buf[gen^1], 0
		push := func(t thread) {
			for i := range next[:nn] {
				if next[i].node == t.node && next[i].start == t.start {
					return
				}
			}
			if nn < maxThreads {
				next[nn] = t
				nn++
			}
		}
		for _, th := range buf[gen][:ncur] {
			nd := &nodes[th.node]
			if wild {
				if th.wild < maxWild {
					for mk := nd.mask; mk != 0; mk &= mk - 1 {
						push(thread{node: m.allow.child(nd, uint(bits.TrailingZeros32(mk))), start: th.start, wild: th.wild + 1, lastWild: true})
					}
				}
				continue
			}
			for mk := set & nd.mask; mk != 0; mk &= mk - 1 {
				push(thread{node: m.allow.child(nd, uint(bits.TrailingZeros32(mk))), start: th.start, wild: th.wild})
			}
			if nd.letter < 26 && set&(1<<nd.letter) != 0 {
				th.lastWild = false
				push(th)
			}
		}
		if j <= w.first && !wild {
			for mk := set & nodes[0].mask; mk != 0; mk &= mk - 1 {
				push(thread{node: m.allow.child(&nodes[0], uint(bits.TrailingZeros32(mk))), start: int16(j)})
			}
		}
		gen ^= 1
		ncur = nn
		if j >= w.last {
			for _, th := range buf[gen][:ncur] {
				if nodes[th.node].entry >= 0 && !th.lastWild {
					return true
				}
			}
		}
	}
	return false
}
