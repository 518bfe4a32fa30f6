package rules

import (
	"strings"

	"github.com/chimeflow/chimeflow/processor"
)

// The content of a reply of an AppInstanceBot backed by Amazon Lex V2
// (ContentType application/amz-chime-lex-msgs) is JSON, the messages of the
// Lex V2 RecognizeText response:
//
//	{"Messages": [
//	  {"Content": "Hello!", "ContentType": "PlainText"},
//	  {"ContentType": "ImageResponseCard", "ImageResponseCard": {
//	    "Title": "...", "Subtitle": "...", "ImageUrl": "...",
//	    "Buttons": [{"Text": "Check balance", "Value": "balance"}]}}]}
//
// and that of an error reply (application/amz-chime-lex-error) is
// {"Code": ...}. A client parses it: a rule that rewrote the raw text would
// break it. Texts therefore covers, in a Lex reply, the texts people read
// (the Content of a message whose ContentType is not CustomPayload or SSML,
// whose content is structured data or markup; a card's Title and Subtitle;
// each button's Text) and writes each back as a JSON string, the rest of
// the document byte for byte; and nothing of an error reply. Keys are
// matched in any case, and a key given twice is visited each time, so that
// no client's reading of the JSON hides a text from the rules.
//
// A content that says it is a Lex reply and is not (not JSON, or not an
// object with a Messages list; for an error, not an object) has no
// structure to break: it is covered as plain text, so that a wrong content
// type cannot carry text past the rules.

// LexMode says what a scope does with the content of a Lex reply.
type LexMode string

// Lex modes.
const (
	// LexText covers the texts people read in a Lex reply (the default).
	LexText LexMode = "text"
	// LexSkip covers nothing of a Lex reply.
	LexSkip LexMode = "skip"
)

// lexBody reports whether doc, the content of a message of content type
// ct, is a Lex reply with its structure: a JSON object, holding a Messages
// list for ContentTypeLex.
func lexBody(doc, ct string) bool {
	if ct != processor.ContentTypeLex && ct != processor.ContentTypeLexError || !validJSON(doc) {
		return false
	}
	i := skipSpace(doc, 0)
	if doc[i] != '{' {
		return false
	}
	if ct == processor.ContentTypeLexError {
		return true
	}
	found := false
	members(doc, i, func(k string, vs, _ int) bool {
		found = strings.EqualFold(k, "Messages") && doc[vs] == '['
		return !found
	})
	return found
}

// lexSpans calls yield with the start and end of each string literal of
// the Lex reply doc (for which lexBody holds) that holds a text people
// read, in document order, until yield returns false; it reports whether
// yield stopped it.
func lexSpans(doc string, yield func(start, end int) bool) (stopped bool) {
	text := func(vs, ve int) bool {
		if doc[vs] != '"' {
			return true
		}
		stopped = !yield(vs, ve)
		return !stopped
	}
	members(doc, skipSpace(doc, 0), func(k string, vs, _ int) bool {
		if !strings.EqualFold(k, "Messages") || doc[vs] != '[' {
			return true
		}
		return items(doc, vs, func(ms, _ int) bool {
			if doc[ms] != '{' {
				return true
			}
			// The message's content type: its last ContentType, as
			// encoding/json and JavaScript read a key given twice.
			ct := ""
			members(doc, ms, func(k string, vs, ve int) bool {
				if strings.EqualFold(k, "ContentType") && doc[vs] == '"' {
					ct = unquote(doc[vs:ve])
				}
				return true
			})
			structured := strings.EqualFold(ct, "CustomPayload") || strings.EqualFold(ct, "SSML")
			return members(doc, ms, func(k string, vs, ve int) bool {
				switch {
				case strings.EqualFold(k, "Content"):
					return structured || text(vs, ve)
				case strings.EqualFold(k, "ImageResponseCard") && doc[vs] == '{':
					return members(doc, vs, func(k string, vs, ve int) bool {
						switch {
						case strings.EqualFold(k, "Title"), strings.EqualFold(k, "Subtitle"):
							return text(vs, ve)
						case strings.EqualFold(k, "Buttons") && doc[vs] == '[':
							return items(doc, vs, func(bs, _ int) bool {
								if doc[bs] != '{' {
									return true
								}
								return members(doc, bs, func(k string, vs, ve int) bool {
									return !strings.EqualFold(k, "Text") || text(vs, ve)
								})
							})
						}
						return true
					})
				}
				return true
			})
		})
	})
	return stopped
}

// members calls fn with the key and the extent of the value of each member
// of the object at doc[i] (valid JSON), in order, until fn returns false;
// it reports whether it went through them all.
func members(doc string, i int, fn func(key string, vs, ve int) bool) bool {
	i++
	for {
		i = skipSpace(doc, i)
		if doc[i] == '}' {
			return true
		}
		ks := i
		i, _ = skipString(doc, i)
		key := unquote(doc[ks:i])
		vs := skipSpace(doc, skipSpace(doc, i)+1) // past ':'
		ve, _ := skipValue(doc, vs)
		if !fn(key, vs, ve) {
			return false
		}
		if i = skipSpace(doc, ve); doc[i] == ',' {
			i++
		}
	}
}

// items calls fn with the extent of each item of the array at doc[i]
// (valid JSON), in order, until fn returns false; it reports whether it
// went through them all.
func items(doc string, i int, fn func(vs, ve int) bool) bool {
	i++
	for {
		i = skipSpace(doc, i)
		if doc[i] == ']' {
			return true
		}
		ve, _ := skipValue(doc, i)
		if !fn(i, ve) {
			return false
		}
		if i = skipSpace(doc, ve); doc[i] == ',' {
			i++
		}
	}
}

// content reads or rewrites the content of m: the texts of a Lex reply
// (nothing in LexSkip mode), else the whole content; it reports whether the
// walk stops. The texts of a Lex reply are rewritten as JSON metadata's
// values are: each written back as a JSON string, the document then made
// to fit the content's limit (fitJSON).
func (w *walker) content(t *Texts, m *processor.Message) bool {
	doc := m.Content
	if !lexBody(doc, m.ContentType()) {
		return w.text(Place{Part: PartContent}, &m.Content)
	}
	if t.lexSkip {
		return false
	}
	var edits []edit
	p := Place{Part: PartContent}
	stopped := lexSpans(doc, func(start, end int) bool {
		s := unquote(doc[start:end])
		out, more := w.visit(p, s)
		if w.write != nil && out != s {
			edits = append(edits, edit{start: start, end: end, place: p, text: s, out: out})
		}
		return more
	})
	if len(edits) > 0 {
		m.Content = fitJSON(PartContent, limitFor(PartContent, doc), doc, edits, w.fallback)
	}
	return stopped
}
