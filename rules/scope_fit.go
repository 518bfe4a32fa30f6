package rules

import (
	"strings"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/rules/internal/ellipsis"
)

// MaxContentLen is the most characters (code points) a rewrite may leave
// in a message's content, unless the content was longer to begin with:
// 4096, the length the service model gives the content of a channel
// message as the service keeps and returns it (the Content shape of
// ChannelMessage; STANDARD messages are "up to 4KB"). The callback's own
// shape for it (NonEmptyContent) sets no maximum, only a minimum of one
// character; a rule that grew a message past what the service keeps for
// any other message would be the first to find out what it does.
const MaxContentLen = 4096

// Limit returns the most characters (code points, not bytes) a text of
// the part may hold in a ChannelFlowCallback: MaxContentLen for the
// content, 50 for a push notification's title, 150 for its body, 1024 for
// the metadata (the whole document, not one value of it) and 512 for a
// message attribute's value.
func (p Part) Limit() int {
	switch p {
	case PartContent:
		return MaxContentLen
	case PartPushTitle:
		return messaging.MaxPushTitleLen
	case PartPushBody:
		return messaging.MaxPushBodyLen
	case PartMetadata:
		return messaging.MaxMetadataLen
	case PartAttribute:
		return messaging.MaxAttributeValueLen
	}
	return 0
}

// fits reports whether s, made clean (see clean), may stand as a whole
// text of the part in a callback: at most limit characters, and not empty
// where the service needs a character (the content, an attribute value).
func fits(part Part, s string, limit int) bool {
	if s == "" {
		return part != PartContent && part != PartAttribute
	}
	return len(s) <= limit || utf8.RuneCountInString(s) <= limit
}

// clean returns s as a callback may carry it as a text of the part:
// invalid UTF-8 replaced by U+FFFD, which is what encoding/json would
// send, and, where the model's pattern ".*" (Java) refuses them (the
// metadata, a push notification's title), line terminators replaced by
// spaces. It never makes s longer in characters, and returns s itself,
// without allocating, when there is nothing to replace.
func clean(part Part, s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if part == PartPushTitle || part == PartMetadata {
		s = noLineTerminators(s)
	}
	return s
}

// noLineTerminators returns s with each line terminator replaced by a
// space: as many characters, none of them a line terminator.
func noLineTerminators(s string) string {
	if messaging.LineBreak(s) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			return ' '
		}
		return r
	}, s)
}

// cutMark is what a text cut to fit ends with, and what stands for a text
// that may not be empty and was cut to nothing.
const cutMark = "…"

// limitFor returns the limit of the part for a rewrite of orig.
func limitFor(part Part, orig string) int {
	limit := part.Limit()
	if part == PartContent && len(orig) > limit {
		limit = max(limit, utf8.RuneCountInString(orig))
	}
	return limit
}

// fitText returns the rewrite out of the text orig at p, made clean (see
// clean) and fitting p's part: out itself if it fits; else what fallback
// makes of orig, if there is a fallback and that fits; else the last of
// the two, shortened to the limit with an ellipsis, or "…" for nothing
// where the part needs a character.
func fitText(p Place, orig, out string, fallback Rewriter) string {
	limit := limitFor(p.Part, orig)
	if out = clean(p.Part, out); fits(p.Part, out, limit) {
		return out
	}
	if fallback != nil {
		if out = clean(p.Part, fallback(p, orig)); fits(p.Part, out, limit) {
			return out
		}
	}
	if out == "" {
		return cutMark
	}
	return ellipsis.Shorten(out, limit)
}

// edit is a rewritten string value of JSON metadata.
type edit struct {
	start, end int    // its string literal in the document
	place      Place  // where it is
	text, out  string // its value, and what the rewrite made of it
}

// fitDocument returns the JSON document doc with the edits made, made
// clean (see clean) and fitting the metadata's limit: with each value's
// rewrite if the document then fits; else with what fallback makes of
// each rewritten value, if there is a fallback and the document then
// fits; else with the last of the two, each value cut, in document order,
// to what room the document has left (ending with an ellipsis; emptied
// when there is none). The values that were not rewritten are kept byte
// for byte (but for what clean replaces), so when doc fits, the result
// does.
func fitDocument(doc string, edits []edit, fallback Rewriter) string {
	return fitJSON(PartMetadata, messaging.MaxMetadataLen, doc, edits, fallback)
}

// fitJSON is fitDocument for a JSON document that is the whole text of a
// part (the metadata, or the content of a Lex reply), with that part's
// limit.
func fitJSON(part Part, limit int, doc string, edits []edit, fallback Rewriter) string {
	out := clean(part, splice(doc, edits))
	if fits(part, out, limit) {
		return out
	}
	if fallback != nil {
		for i := range edits {
			edits[i].out = fallback(edits[i].place, edits[i].text)
		}
		if out = clean(part, splice(doc, edits)); fits(part, out, limit) {
			return out
		}
	}
	// The room left: the document with every rewritten value empty ("").
	room := limit - utf8.RuneCountInString(doc)
	for _, e := range edits {
		room += utf8.RuneCountInString(doc[e.start:e.end]) - len(`""`)
	}
	for i := range edits {
		edits[i].out = cutQuoted(edits[i].out, &room)
	}
	return clean(part, splice(doc, edits))
}

// splice returns doc with the string literal of each edit replaced by its
// rewrite, quoted.
func splice(doc string, edits []edit) string {
	var b strings.Builder
	b.Grow(len(doc) + 16)
	last := 0
	for _, e := range edits {
		b.WriteString(doc[last:e.start])
		writeQuoted(&b, e.out)
		last = e.end
	}
	b.WriteString(doc[last:])
	return b.String()
}

// cutQuoted returns s if, quoted by writeQuoted, its characters between
// the quotes fit in *room, and otherwise its longest prefix that fits with
// an ellipsis after it ("" when not even the ellipsis fits); it takes what
// it uses from *room.
func cutQuoted(s string, room *int) string {
	n, cut, cutN := 0, -1, 0
	for i := 0; i < len(s); {
		r, w := utf8.DecodeRuneInString(s[i:])
		q := quotedLen(r)
		if w == 1 && r == utf8.RuneError {
			q = 1 // an invalid byte is written as it is
		}
		if cut < 0 && n+q+1 > *room { // 1: the ellipsis
			cut, cutN = i, n // where the text is cut if it does not fit
		}
		n += q
		i += w
	}
	if n <= *room {
		*room -= n
		return s
	}
	if cut < 0 || *room < 1 {
		return ""
	}
	*room -= cutN + 1
	return s[:cut] + cutMark
}

// quotedLen returns how many characters writeQuoted writes for r.
func quotedLen(r rune) int {
	switch {
	case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t' || r == '\b' || r == '\f':
		return 2
	case r < 0x20 || r == '\u0085' || r == '\u2028' || r == '\u2029':
		return 6
	}
	return 1
}
