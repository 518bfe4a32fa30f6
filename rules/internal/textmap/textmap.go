// Package textmap prepares message texts for a text model and maps what
// the model says back onto them: it removes the invisible characters that
// hide words from a model (format characters such as U+200B ZERO WIDTH
// SPACE, U+00AD SOFT HYPHEN and the bidirectional controls, variation
// selectors, control characters other than tab and line breaks) while
// remembering where each kept character came from; splits a text into
// pieces of at most so many bytes, at spaces where it can; joins several
// texts into one; and maps a model's character offsets (Unicode code
// points, as Amazon Comprehend counts them) back to byte ranges of the
// original texts.
package textmap

import (
	"unicode"
	"unicode/utf8"
)

// Text is a text prepared for a model: Sent is what the model gets, and
// each of its characters remembers its place in the original.
type Text struct {
	// Sent is the original without invisible characters; always valid
	// UTF-8 (an invalid byte of the original becomes U+FFFD).
	Sent string
	// Orig is the original text.
	Orig string
	// start[i] is the byte offset in Orig of the i-th character (code
	// point) of Sent; start[len] is len(Orig).
	start []int
	// size[i] is the length in bytes, in Orig, of the i-th character.
	size []int
}

// Invisible reports whether r is a character Prepare removes: a format
// character (Unicode category Cf: zero-width spaces and joiners, soft
// hyphen, bidirectional controls, tags), a variation selector, or a
// control character other than tab, line feed and carriage return.
func Invisible(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Cc, r), unicode.Is(unicode.Variation_Selector, r):
		return true
	}
	return false
}

// Prepare prepares s for a model.
func Prepare(s string) Text {
	t := Text{Orig: s}
	sent := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			r = utf8.RuneError // an invalid byte stands for U+FFFD
		}
		if !Invisible(r) {
			sent = utf8.AppendRune(sent, r)
			t.start = append(t.start, i)
			t.size = append(t.size, n)
		}
		i += n
	}
	t.start = append(t.start, len(s))
	t.Sent = string(sent)
	return t
}

// Len returns the number of characters (code points) of Sent.
func (t *Text) Len() int { return len(t.size) }

// Span maps the characters [begin, end) of Sent (code point offsets, end
// exclusive) to the bytes [from, to) of Orig that hold them, invisible
// characters between them included. ok is false when the range is not
// within Sent or is empty.
func (t *Text) Span(begin, end int) (from, to int, ok bool) {
	if begin < 0 || end > t.Len() || begin >= end {
		return 0, 0, false
	}
	return t.start[begin], t.start[end-1] + t.size[end-1], true
}

// ByteSpan maps the bytes [begin, end) of Sent to the bytes of Orig that
// hold them; begin and end must be character boundaries of Sent.
func (t *Text) ByteSpan(begin, end int) (from, to int, ok bool) {
	if begin < 0 || end > len(t.Sent) || begin >= end || !boundary(t.Sent, begin) || !boundary(t.Sent, end) {
		return 0, 0, false
	}
	b := utf8.RuneCountInString(t.Sent[:begin])
	e := b + utf8.RuneCountInString(t.Sent[begin:end])
	return t.Span(b, e)
}

func boundary(s string, i int) bool { return i == len(s) || utf8.RuneStart(s[i]) }

// Split cuts s into pieces of at most max bytes each (max at least
// utf8.UTFMax), in order, that together are s: never inside a character,
// and, when a piece must end early, after the last space within the last
// quarter of the piece if there is one, so that words stay whole. It
// returns the byte offsets where the pieces end.
func Split(s string, max int) []int {
	if max < utf8.UTFMax {
		max = utf8.UTFMax
	}
	var ends []int
	for from := 0; from < len(s); {
		if len(s)-from <= max {
			ends = append(ends, len(s))
			break
		}
		cut := from + max
		for cut > from && !utf8.RuneStart(s[cut]) {
			cut--
		}
		// Prefer to cut after a space in the last quarter of the piece.
		for i := cut; i > from+max*3/4; {
			r, n := utf8.DecodeLastRuneInString(s[from:i])
			if unicode.IsSpace(r) {
				cut = i
				break
			}
			i -= n
		}
		ends = append(ends, cut)
		from = cut
	}
	return ends
}

// Joined is several texts prepared and joined into one for a model that
// takes one text, with a separator between them.
type Joined struct {
	// Sent is what the model gets.
	Sent  string
	parts []Text
	first []int // first[k] is the code point offset of part k in Sent
}

// Join prepares the texts and joins them with sep between each two.
func Join(texts []string, sep string) *Joined {
	j := &Joined{parts: make([]Text, len(texts)), first: make([]int, len(texts))}
	buf := make([]byte, 0, 64)
	pos := 0
	sepLen := utf8.RuneCountInString(sep)
	for k, s := range texts {
		if k > 0 {
			buf = append(buf, sep...)
			pos += sepLen
		}
		j.parts[k] = Prepare(s)
		j.first[k] = pos
		buf = append(buf, j.parts[k].Sent...)
		pos += j.parts[k].Len()
	}
	j.Sent = string(buf)
	return j
}

// Len returns the number of characters (code points) of Sent.
func (j *Joined) Len() int {
	if len(j.parts) == 0 {
		return 0
	}
	k := len(j.parts) - 1
	return j.first[k] + j.parts[k].Len()
}

// Place is a byte range of one of the joined texts.
type Place struct {
	Part     int // the index of the text
	From, To int // bytes of the original text
}

// Locate maps the characters [begin, end) of Sent (code point offsets, end
// exclusive) onto the original texts: one Place for each text the range
// overlaps, the separators left out. ok is false when the range is not
// within Sent or is empty.
func (j *Joined) Locate(begin, end int) (places []Place, ok bool) {
	if begin < 0 || end > j.Len() || begin >= end {
		return nil, false
	}
	for k := range j.parts {
		lo, hi := max(begin, j.first[k]), min(end, j.first[k]+j.parts[k].Len())
		if lo >= hi {
			continue
		}
		from, to, _ := j.parts[k].Span(lo-j.first[k], hi-j.first[k])
		places = append(places, Place{Part: k, From: from, To: to})
	}
	return places, true
}
