package redact

import (
	"strings"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/rules/internal/textview"
)

// span is a match of one detector. Inside the finder its offsets are in
// the normalised view of the text; first returns them in the text.
type span struct {
	start, end int
	det        int   // index into builtinNames, or numBuiltins+i for patterns[i]
	base       int   // for patterns: where the search started in the view,
	loc        []int // and the submatches, relative to base
}

// finder finds the matches of a rule's detectors in the normalised view of
// one text, in order, remembering each detector's next match so that no
// detector scans the same text twice.
type finder struct {
	r     *Rule
	v     textview.View
	small [8]cached // enough for the built-ins and a few patterns
	big   []cached
}

type cached struct {
	sp    span
	state uint8 // 0: not looked; 1: sp is the next match; 2: none left
}

// newFinder returns a finder for r's detectors in s. It does not allocate
// when s needs no normalisation.
func newFinder(r *Rule, s string) finder {
	return finder{r: r, v: textview.New(s)}
}

func (f *finder) slot(i int) *cached {
	if len(f.r.dets) <= len(f.small) {
		return &f.small[i]
	}
	if f.big == nil {
		f.big = make([]cached, len(f.r.dets))
	}
	return &f.big[i]
}

// next returns the first match at or after pos in the view: the earliest,
// then the longest, then the detector that comes first.
func (f *finder) next(pos int) (span, bool) {
	var best span
	found := false
	for i, d := range f.r.dets {
		c := f.slot(i)
		if c.state == 0 || c.state == 1 && c.sp.start < pos {
			if sp, ok := f.r.find(d, &f.v, pos); ok {
				c.sp, c.state = sp, 1
			} else {
				c.state = 2
			}
		}
		if c.state == 1 && (!found || c.sp.start < best.start || c.sp.start == best.start && c.sp.end > best.end) {
			best, found = c.sp, true
		}
	}
	return best, found
}

// find returns detector d's first match in the view v at or after pos.
// Patterns, too, see the normalised view.
func (r *Rule) find(d int, v *textview.View, pos int) (span, bool) {
	if d < numBuiltins {
		start, end, ok := findBuiltin(d, v, pos)
		return span{start: start, end: end, det: d}, ok
	}
	s := v.Text()
	p := &r.patterns[d-numBuiltins]
	for from := pos; from <= len(s); {
		loc := p.re.FindStringSubmatchIndex(s[from:])
		if loc == nil {
			break
		}
		if loc[0] < loc[1] {
			return span{start: from + loc[0], end: from + loc[1], det: d, base: from, loc: loc}, true
		}
		// An empty match (a pattern such as \b can make one): look past it.
		_, w := utf8.DecodeRuneInString(s[from+loc[1]:])
		if w == 0 {
			break
		}
		from += loc[1] + w
	}
	return span{}, false
}

// first returns the first match in s, with its offsets in s.
func (r *Rule) first(s string) (span, bool) {
	f := newFinder(r, s)
	sp, ok := f.next(0)
	if ok {
		sp.start, sp.end = f.v.Span(sp.start, sp.end)
	}
	return sp, ok
}

// redact returns s with every match replaced, and whether there was one.
// It returns s itself, and does not allocate for the built-in detectors,
// when there is none and s needs no normalisation.
func (r *Rule) redact(s string) (string, bool) { return r.redactAs(s, false) }

// redactAs is redact; with plain set, every match is masked as with
// StyleMask (StyleLast4 keeping its four digits), whatever the style and
// the patterns' replacements: the rule's fallback, which never makes a
// text longer in characters.
func (r *Rule) redactAs(s string, plain bool) (string, bool) {
	f := newFinder(r, s)
	sp, ok := f.next(0)
	if !ok {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	last := 0
	for ok {
		start, end := f.v.Span(sp.start, sp.end)
		b.WriteString(s[last:start])
		r.replace(&b, s[start:end], f.v.Text(), sp, plain)
		last = end
		sp, ok = f.next(sp.end)
	}
	b.WriteString(s[last:])
	return b.String(), true
}

// replace writes the replacement of the match sp: matched is what it
// covers of the original text, view the normalised text it was found in
// (a pattern's submatches are taken from there); plain masks it as
// redactAs says.
func (r *Rule) replace(b *strings.Builder, matched, view string, sp span, plain bool) {
	switch {
	case sp.det >= numBuiltins && !plain:
		p := &r.patterns[sp.det-numBuiltins]
		switch {
		case p.hasRepl && p.expand:
			b.Write(p.re.ExpandString(nil, p.repl, view[sp.base:], sp.loc))
		case p.hasRepl:
			b.WriteString(p.repl)
		case r.style == StyleLabel:
			b.WriteString(p.label)
		default:
			r.maskAll(b, matched)
		}
	case r.style == StyleLabel && !plain:
		b.WriteString(r.labels[sp.det])
	case sp.det >= numBuiltins || sp.det == detEmail:
		r.maskAll(b, matched)
	default:
		keep := 0
		if sp.det == detCard && r.style == StyleLast4 {
			keep = 4
		}
		r.maskDigits(b, matched, keep)
	}
}

// maskAll writes one mask character for each character of s.
func (r *Rule) maskAll(b *strings.Builder, s string) {
	for range utf8.RuneCountInString(s) {
		b.WriteRune(r.mask)
	}
}

// maskDigits writes s with its digits (of every script, as the
// normalised view reads them) masked but the last keep ones. Everything
// else, invisible characters included, is kept.
func (r *Rule) maskDigits(b *strings.Builder, s string, keep int) {
	n := 0
	for _, c := range s {
		if _, ok := textview.Digit(c); ok {
			n++
		}
	}
	for i, c := range s {
		_, digit := textview.Digit(c)
		switch {
		case !digit:
			_, w := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+w])
		case n > keep:
			b.WriteRune(r.mask)
			n--
		default:
			_, w := utf8.DecodeRuneInString(s[i:])
			b.WriteString(s[i : i+w])
		}
	}
}
