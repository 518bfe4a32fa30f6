package engine

import "math/bits"

// thread is one partial match: a trie node reached from a start symbol.
type thread struct {
	node  int32
	start int16
	wild  uint8 // masking symbols read as letters
	st    uint8 // tLastWild, tPassed...
}

// Thread states.
const (
	tLastWild = 1 << iota // the last symbol it read was a masking symbol
	tPassed               // it passed over the current symbol without reading it
	tMid                  // it started inside a word: only Anywhere entries count
	// In the current run of stars it read one as a letter (tTook) or
	// passed over one as markup (tSkipped). tOdd: it did both in one run
	// ("b**i**tch" read as "biatch"); tOddSkips: it passed over an odd
	// number of stars, which markdown cannot pair ("f*ck" read as "fck").
	// The merge ranks such readings last.
	tTook
	tSkipped
	tOdd
	tOddSkips
)

// matchWord runs the NFA over one word: a token, a window of a long token
// (cutEnd: the token goes on), or a spaced-out word (joined: every symbol
// is a one-character token of its own).
func (s *scanner) matchWord(w word) {
	if s.stop || w.flags&(fLetter|fSym) == 0 {
		return // nothing but digits and masks: "455", "****"
	}
	syms := w.syms
	w.first, w.last = -1, -1
	switch {
	case w.joined:
	case w.flags&fJoin != 0:
		w.seg = true
		markBounds(syms, w.cutLtr, w.cutEnd)
	default:
		for i := range syms {
			if isWordChar(syms[i].flags) {
				if w.first < 0 {
					w.first = i
				}
				w.last = i
			}
		}
		if w.first < 0 {
			w.first = len(syms)
		}
		if w.cutLtr {
			w.first = -1
		}
		if w.cutEnd {
			w.last = len(syms)
		}
	}
	w.mixed, w.wholly = confFlags(w.flags)
	w.conf = w.mixed || w.wholly
	w.allowKey = -1
	m := s.m
	if !w.joined && !w.cut && !w.checked && w.flags&(fWild|fPict) == 0 {
		// The quick test: can any entry be spelt with these letters?
		var start, all uint32
		next := ^uint32(0)
		for j := range syms {
			set := w.letters(j)
			all |= set
			if w.startOK(j) {
				start |= set
			}
		}
		if w.flags&fJoin == 0 && len(syms) > 1 && isWordChar(syms[0].flags) {
			for j := 1; j < len(syms); j++ {
				if syms[j].flags&fEmph == 0 {
					next = w.letters(j)
					break
				}
			}
		}
		if !m.mayMatch(start, next, all) {
			return
		}
	}
	nodes := m.words.nodes
	root := &nodes[0]
	var threads [2][maxThreads]thread
	cur, next := &threads[0], &threads[1]
	ncur := 0
	prevStart := false
	byFlags := w.joined || w.seg // fTokStart says where words start
	for j := range syms {
		y := &syms[j]
		set := y.set
		if w.conf && y.conf != 0 {
			set |= 1 << (y.conf - 1)
		}
		wild := y.flags&(fWild|fPict) != 0
		pass, join, reads, star := false, false, true, false
		// How reading this symbol changes a thread's state.
		var readClear, readSet uint8 = tPassed | tLastWild | tTook | tSkipped, 0
		if wild {
			readSet |= tLastWild
		}
		if y.flags&fPass != 0 {
			pass, join = true, y.flags&fJoin != 0
			reads = wild
			if star = wild; star { // a star or a pictograph: a letter, or passed over
				readClear &^= tSkipped
				readSet |= tTook
			}
		}
		startHere := j <= w.first
		if byFlags {
			startHere = y.flags&fTokStart != 0
		}
		nn := 0
		for _, th := range cur[:ncur] {
			if pass && !(join && th.st&tMid != 0) {
				// Over markup, a joiner or a pictograph: the thread
				// waits on the other side (a thread that started
				// inside a word stays in its piece).
				t := th
				t.st |= tPassed
				if star {
					if t.st&tTook != 0 {
						t.st |= tOdd
					}
					t.st = (t.st | tSkipped) ^ tOddSkips
				} else {
					t.st &^= tTook | tSkipped
				}
				nn = push(next, nn, t)
			}
			if !reads {
				continue
			}
			if star && th.st&tSkipped != 0 {
				th.st |= tOdd
			}
			th.st = th.st&^readClear | readSet
			nd := &nodes[th.node]
			mk := set & nd.mask
			if wild {
				if th.wild >= maxWild {
					continue
				}
				mk = nd.mask
				th.wild++
			}
			n := th.node
			for ; mk != 0; mk &= mk - 1 {
				th.node = nd.first + int32(bits.OnesCount32(nd.mask&(1<<uint(bits.TrailingZeros32(mk))-1)))
				if th.st&tMid != 0 && !nodes[th.node].anyBelow {
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
		if !wild && !pass && set != 0 && !(j > 0 && syms[j-1].set == y.set && syms[j-1].conf == y.conf && prevStart == startHere) {
			// Start a thread here, unless the previous symbol was the
			// same letter: its thread absorbs this one as a repeat.
			mk := set & root.mask
			if !startHere {
				mk &= m.hasAny
			}
			for ; mk != 0; mk &= mk - 1 {
				ch := root.first + int32(bits.OnesCount32(root.mask&(1<<uint(bits.TrailingZeros32(mk))-1)))
				t := thread{node: ch, start: int16(j)}
				if !startHere {
					t.st = tMid
				}
				nn = push(next, nn, t)
			}
		}
		prevStart = startHere
		cur, next = next, cur
		ncur = nn
		for _, th := range cur[:ncur] {
			if e := nodes[th.node].entry; e >= 0 && th.st&(tLastWild|tPassed) == 0 && j >= w.minEnd {
				w.accept(th, j, e)
				if s.stop {
					return
				}
			}
		}
	}
}

// push adds t to the generation next of n threads, once, and returns the
// new count. Of two threads at the same node from the same start, it keeps
// the one that read the last symbol, then the one whose reading of stars
// is consistent, then the one with fewer wildcards.
func push(next *[maxThreads]thread, n int, t thread) int {
	for i := range next[:n] {
		if o := &next[i]; o.node == t.node && o.start == t.start {
			if d := (o.st ^ t.st) & tPassed; d != 0 {
				if o.st&d != 0 {
					*o = t
				}
			} else if d := (o.st ^ t.st) & tOdd; d != 0 {
				if o.st&d != 0 {
					*o = t
				}
			} else if t.wild < o.wild {
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
	s       *scanner
	syms    []sym
	flags   uint16 // union of the symbols' flags
	joined  bool   // a spaced-out word: each symbol is a token
	mixed   bool   // Latin letters and look-alikes from other scripts
	wholly  bool   // look-alikes and no letter without a Latin reading
	conf    bool   // look-alikes read as Latin: mixed or wholly
	rev     bool   // read backwards: its symbols are in display order
	cut     bool   // a window of a long token that lost its start
	cutLtr  bool   // ... in a piece that held a letter
	cutEnd  bool   // a window of a long token that goes on
	checked bool   // the quick test passed already
	seg     bool   // joiners cut it into pieces: fTokStart and fTokEnd say where words start and end
	// without pieces, a word may start at a symbol up to first and end at
	// one from last on
	first, last int
	minEnd      int // matches must end at or after this symbol
	// the allow-list's verdict on the last piece range asked
	allowKey int32
	allowed  bool
}

// others returns how many letters of scripts with look-alikes the word
// holds.
func (w *word) others() int {
	n := 0
	for i := range w.syms {
		if w.syms[i].flags&fOther != 0 {
			n++
		}
	}
	return n
}

// startOK reports whether a word may start at symbol j: no word character
// before it in its piece.
func (w *word) startOK(j int) bool {
	if w.joined || w.seg {
		return w.syms[j].flags&fTokStart != 0
	}
	return j <= w.first
}

// endOK reports whether a word may end at symbol j: no word character
// after it in its piece.
func (w *word) endOK(j int) bool {
	if w.joined || w.seg {
		return w.syms[j].flags&fTokEnd != 0
	}
	return j >= w.last
}

// letters returns the letters symbol j stands for in this word.
func (w *word) letters(j int) uint32 {
	y := &w.syms[j]
	set := y.set
	if w.conf && y.conf != 0 {
		set |= 1 << (y.conf - 1)
	}
	return set
}

func (w *word) accept(th thread, j int, ei int32) {
	s := w.s
	e := &s.m.entries[ei]
	if !s.f.accepts(e) {
		return
	}
	start := int(th.start)
	sOK, eOK := w.startOK(start), w.endOK(j)
	switch {
	case w.wholly:
		// A word written wholly in look-alikes ("ѕһіт") is read as
		// English only whole, and only if it holds a look-alike that
		// its own script's major languages do not use, or if it has
		// four letters or more and the text around it is mostly Latin:
		// Russian or Greek text is left alone ("соска" is a pacifier),
		// and so is a short Russian word in English ("сим", SIM).
		if !sOK || !eOK {
			return
		}
		if n := w.others(); w.flags&fForeign == 0 && (n < 4 || !s.latinAround(n)) {
			return
		}
	case e.Mode == Word:
		if !sOK || !eOK {
			return
		}
	case e.Mode == Stem:
		if !sOK || !eOK && !s.m.ending(w, j+1) {
			return
		}
	}
	// Every match is checked against the allow-list, whole words too: a
	// repeated letter can make a lexicon word of an innocent one ("assess"
	// read as "asses").
	if w.allow(start, j) {
		return
	}
	st, en := w.syms[start].start, w.syms[j].end
	if w.rev {
		// In display order: the match covers what its symbols cover.
		for k := start; k <= j; k++ {
			st, en = min(st, w.syms[k].start), max(en, w.syms[k].end)
		}
	}
	s.found(Match{Start: int(st), End: int(en), Entry: ei, odd: th.st&(tOdd|tOddSkips) != 0, wild: th.wild})
}

// allow reports whether the word around symbols i to j, from the start of
// the piece of i to the end of the piece of j, is on the allow-list.
func (w *word) allow(i, j int) bool {
	a, b := i, j
	if !w.joined {
		for a > 0 && w.syms[a-1].flags&fJoin == 0 {
			a--
		}
		for b < len(w.syms)-1 && w.syms[b+1].flags&fJoin == 0 {
			b++
		}
	} else {
		a, b = 0, len(w.syms)-1
	}
	if a == 0 && w.cut || b == len(w.syms)-1 && w.cutEnd {
		return false
	}
	key := int32(a)<<16 | int32(b)
	if key != w.allowKey {
		w.allowKey, w.allowed = key, w.s.m.allowed(w, a, b)
	}
	return w.allowed
}

// found merges a match into the pending one or emits the pending one.
func (s *scanner) found(m Match) {
	if s.hasPend && m.Start < s.pend.End && m.End > s.pend.Start {
		s.pend = s.merge(s.pend, m)
		return
	}
	s.emit()
	s.pend, s.hasPend = m, true
}

// merge returns one match covering two overlapping ones, with the most
// severe entry, then one whose stars read as markdown or masks
// consistently, then one with fewer masking symbols read as letters
// ("bitch" rather than "biatch" for "b**i**tch"), then the longest
// ("fuck" rather than "fck" for "f*ck").
func (s *scanner) merge(a, b Match) Match {
	out := a
	out.Start, out.End = min(a.Start, b.Start), max(a.End, b.End)
	x, y := &s.m.entries[b.Entry], &s.m.entries[a.Entry]
	better := len(x.Word) > len(y.Word)
	switch {
	case x.Severity != y.Severity:
		better = x.Severity > y.Severity
	case a.odd != b.odd:
		better = a.odd
	case a.wild != b.wild:
		better = b.wild < a.wild
	}
	if better {
		out.Entry, out.odd, out.wild = b.Entry, b.odd, b.wild
	}
	return out
}

func (s *scanner) emit() {
	if !s.hasPend || s.stop {
		return
	}
	s.hasPend = false
	if s.parent != nil {
		s.parent.addRev(s.pend)
		return
	}
	// Matches of reversed readings that start first go first.
	for s.nrev > 0 && s.rev[0].Start <= s.pend.Start {
		s.deliver(s.popRev())
	}
	s.deliver(s.pend)
}

// deliver reports a match, in order; once reversed readings are involved,
// it holds the last one to merge what overlaps it.
func (s *scanner) deliver(m Match) {
	if s.stop {
		return
	}
	if !s.revUsed {
		if !s.visit(m) {
			s.stop = true
		}
		return
	}
	if s.hasOut && m.Start < s.out.End {
		s.out = s.merge(s.out, m)
		return
	}
	if s.hasOut && !s.visit(s.out) {
		s.stop = true
		return
	}
	s.out, s.hasOut = m, true
}

// ending reports whether the symbols of a word from i on, to the end of
// their piece and trailing non-letters aside, spell one of the Endings.
func (m *Matcher) ending(w *word, i int) bool {
	nodes := m.endings.nodes
	var buf [2][maxThreads]thread
	gen, ncur := 0, 1 // one thread, at the root
	for j := i; j < len(w.syms); j++ {
		y := &w.syms[j]
		if y.flags&fJoin != 0 {
			return false
		}
		if y.flags&fEmph != 0 {
			continue
		}
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
		if w.endOK(j) {
			for _, th := range buf[gen][:ncur] {
				if nodes[th.node].entry >= 0 {
					return true
				}
			}
		}
	}
	return false
}

// allowed reports whether symbols a to b of a word, leading and trailing
// non-letters aside, spell a word of the allow-list, read with the same
// tolerance as profanity (markup and joiners passed over).
func (m *Matcher) allowed(w *word, a, b int) bool {
	if len(m.allow.nodes) == 0 {
		return false
	}
	first, last := -1, -1
	for j := a; j <= b; j++ {
		if isWordChar(w.syms[j].flags) {
			if first < 0 {
				first = j
			}
			last = j
		}
	}
	if first < 0 {
		return false
	}
	nodes := m.allow.nodes
	var buf [2][maxThreads]thread
	gen, ncur := 0, 0
	for j := a; j <= b; j++ {
		y := &w.syms[j]
		set := w.letters(j)
		wild := y.flags&fWild != 0
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
			if y.flags&fPass != 0 {
				push(th)
				if !wild {
					continue
				}
			}
			nd := &nodes[th.node]
			if wild {
				if th.wild < maxWild {
					for mk := nd.mask; mk != 0; mk &= mk - 1 {
						push(thread{node: m.allow.child(nd, uint(bits.TrailingZeros32(mk))), start: th.start, wild: th.wild + 1, st: tLastWild})
					}
				}
				continue
			}
			for mk := set & nd.mask; mk != 0; mk &= mk - 1 {
				push(thread{node: m.allow.child(nd, uint(bits.TrailingZeros32(mk))), start: th.start, wild: th.wild})
			}
			if nd.letter < 26 && set&(1<<nd.letter) != 0 {
				th.st &^= tLastWild
				push(th)
			}
		}
		if j <= first && !wild && y.flags&fPass == 0 {
			for mk := set & nodes[0].mask; mk != 0; mk &= mk - 1 {
				push(thread{node: m.allow.child(&nodes[0], uint(bits.TrailingZeros32(mk))), start: int16(j)})
			}
		}
		gen ^= 1
		ncur = nn
		if j >= last {
			for _, th := range buf[gen][:ncur] {
				if nodes[th.node].entry >= 0 && th.st&tLastWild == 0 {
					return true
				}
			}
		}
	}
	return false
}
