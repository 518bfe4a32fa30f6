// Package textmap prepares message texts for a text model and maps what
// the model says back onto them. A text is prepared as the normalised view
// of rules/internal/textview (invisible characters removed, digits and
// look-alike punctuation folded to ASCII, so that "5\u200b55-0100" reads
// 555-0100 to the model too). The package splits a prepared text into
// pieces of at most so many bytes, at spaces where it can; joins several
// texts into one; and maps a model's character offsets (Unicode code
// points, as Amazon Comprehend counts them) back to byte ranges of what
// the user typed.
package textmap

import (
	"unicode"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/rules/internal/textview"
)

// Text is a text prepared for a model: Sent is what the model gets, and
// each of its characters remembers its place in the original.
type Text struct {
	// Sent is the normalised view of the original.
	Sent string
	// Orig is the original text.
	Orig string
	view textview.View
	// at[i] is the byte offset in Sent of its i-th character (code point;
	// an invalid byte counts as one, as it becomes U+FFFD on the wire);
	// at[len] is len(Sent). Nil when Sent is ASCII: then the i-th
	// character is the i-th byte.
	at []int
}

// Prepare prepares s for a model.
func Prepare(s string) Text {
	v := textview.New(s)
	t := Text{Sent: v.Text(), Orig: s, view: v}
	for i := 0; i < len(t.Sent); i++ {
		if t.Sent[i] >= utf8.RuneSelf {
			t.at = make([]int, 0, len(t.Sent)+1)
			for j := 0; j < len(t.Sent); {
				t.at = append(t.at, j)
				_, n := utf8.DecodeRuneInString(t.Sent[j:])
				j += n
			}
			t.at = append(t.at, len(t.Sent))
			break
		}
	}
	return t
}

// Len returns the number of characters (code points) of Sent.
func (t *Text) Len() int {
	if t.at == nil {
		return len(t.Sent)
	}
	return len(t.at) - 1
}

// offset returns the byte offset in Sent of its i-th character.
func (t *Text) offset(i int) int {
	if t.at == nil {
		return i
	}
	return t.at[i]
}

// Span maps the characters [begin, end) of Sent (code point offsets, end
// exclusive) to the bytes [from, to) of Orig that hold them, invisible
// characters between them included. ok is false when the range is not
// within Sent or is empty.
func (t *Text) Span(begin, end int) (from, to int, ok bool) {
	if begin < 0 || end > t.Len() || begin >= end {
		return 0, 0, false
	}
	from, to = t.view.Span(t.offset(begin), t.offset(end))
	return from, to, true
}

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
		cut, space := from, 0
		for i := from; i < len(s); {
			r, n := utf8.DecodeRuneInString(s[i:])
			if i+n > from+max {
				break
			}
			i += n
			cut = i
			if unicode.IsSpace(r) && i > from+max*3/4 {
				space = i
			}
		}
		if space > 0 {
			cut = space
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

// Join joins prepared texts with sep between each two.
func Join(texts []Text, sep string) *Joined {
	j := &Joined{parts: texts, first: make([]int, len(texts))}
	buf := make([]byte, 0, 64)
	pos := 0
	sepLen := utf8.RuneCountInString(sep)
	for k := range texts {
		if k > 0 {
			buf = append(buf, sep...)
			pos += sepLen
		}
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
