package engine

// A right-to-left override (U+202E) shows the Latin letters after it in
// reverse order: "\u202ekcuf" is displayed as "fuck". The scanner reads
// such a span as typed, like any text, and a second time backwards, with a
// scanner of its own whose matches wait, sorted, to be merged with those
// of the forward reading. Embeddings and overrides nested inside the span
// are read as part of it: the full reordering of the Unicode bidi
// algorithm is not modelled.

import "unicode/utf8"

// addRev keeps a match of a reversed reading, sorted by start, merged with
// those it overlaps.
func (s *scanner) addRev(m Match) {
	i := 0
	for i < s.nrev && s.rev[i].End <= m.Start {
		i++
	}
	k := i
	for k < s.nrev && s.rev[k].Start < m.End {
		m = s.merge(s.rev[k], m)
		k++
	}
	if k == i && s.nrev == revCap {
		// Full: merge it into a neighbour (only an adversarial text
		// holds this many matches in reversed text).
		if i == s.nrev {
			i--
		}
		s.rev[i] = s.merge(s.rev[i], m)
		return
	}
	// Replace rev[i:k] by m.
	d := 1 - (k - i)
	copy(s.rev[k+d:s.nrev+d], s.rev[k:s.nrev])
	s.rev[i] = m
	s.nrev += d
}

func (s *scanner) popRev() Match {
	m := s.rev[0]
	copy(s.rev[:], s.rev[1:s.nrev])
	s.nrev--
	return m
}

// override reads the span that a right-to-left override starting at
// text[at:] reverses on screen ("\u202ekcuf" shows as "fuck") a second
// time, in display order.
func (s *scanner) override(at int) {
	if s.reverse || at < s.revUntil {
		return
	}
	from := at + len("\u202e")
	to := overrideEnd(s.text, from)
	s.revUntil = to
	if to <= from {
		return
	}
	// What forward matches can still come starts at or after the open
	// token or spaced-out word: reversed matches before that can go.
	safe := at
	if s.tokOpen {
		safe = min(safe, s.lazyStart)
		if s.ntok > 0 {
			safe = min(safe, int(s.tok[0].start))
		}
	}
	if s.nrun > 0 {
		safe = min(safe, int(s.run[0].start))
	}
	if s.hasPend {
		safe = min(safe, s.pend.Start)
	}
	for s.nrev > 0 && s.rev[0].End <= safe {
		s.deliver(s.popRev())
	}
	s.revUsed = true
	r := scanner{m: s.m, f: s.f, text: s.text, parent: s, reverse: true, counted: s.counted, nLatin: s.nLatin, nOther: s.nOther}
	r.scanReverse(from, to)
	s.counted, s.nLatin, s.nOther = r.counted, r.nLatin, r.nOther
}

// overrideEnd returns where the override whose text starts at text[from:]
// ends: at its pop directional formatting character, at the pop of an
// isolate it is in, at the end of the paragraph, or at the end of text.
func overrideEnd(text string, from int) int {
	depth, isolates := 1, 0
	for i := from; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			if c == '\n' || c == '\r' || 0x1c <= c && c <= 0x1e {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		switch r {
		case '\u202a', '\u202b', '\u202d', '\u202e': // LRE, RLE, LRO, RLO
			depth++
		case '\u202c': // PDF
			if depth--; depth == 0 {
				return i
			}
		case '\u2066', '\u2067', '\u2068': // LRI, RLI, FSI
			isolates++
		case '\u2069': // PDI
			if isolates == 0 {
				return i
			}
			isolates--
		case '\u0085', '\u2029':
			return i
		}
		i += size
	}
	return len(text)
}

// scanReverse reads text[from:to] backwards, as a right-to-left override
// displays it; combining marks stay with their base character.
func (s *scanner) scanReverse(from, to int) {
	text := s.text
	markEnd := -1
	for i := to; i > from && !s.stop; {
		r, size := utf8.DecodeLastRuneInString(text[from:i])
		st := i - size
		end := i
		var cl uint16
		if r >= utf8.RuneSelf {
			cl = classOf(r)
			if cl&classMask == cMark {
				if markEnd < 0 {
					markEnd = i
				}
				i = st
				continue
			}
		}
		if markEnd >= 0 {
			end, markEnd = markEnd, -1
		}
		i = st
		if r < utf8.RuneSelf {
			switch asciiKind[r] {
			case kTok:
				s.open(st)
				s.build(r, 0, int32(st), int32(end))
			case kSep:
				s.separator(false)
			default:
				s.separator(true)
			}
			continue
		}
		switch cl & classMask {
		case cNewline:
			s.separator(true)
		case cSep:
			s.separator(false)
		case cFormat:
		default:
			s.open(st)
			s.build(r, cl, int32(st), int32(end))
		}
	}
	s.finish()
}
