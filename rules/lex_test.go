package rules

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
)

// FuzzLexRewrite checks the walk of a Lex reply on any content: a rewrite
// that changes nothing leaves it byte for byte; one that changes every
// text keeps a Lex reply valid JSON and its shape, puts each rewritten
// text where the original was, and keeps every byte outside the texts;
// a content that is not a Lex reply is covered whole, as plain text.
//
//	go test -run XXX -fuzz FuzzLexRewrite ./rules
func FuzzLexRewrite(f *testing.F) {
	for _, s := range []string{
		`{"Messages":[{"Content":"Hello!","ContentType":"PlainText"}]}`,
		`{"Messages":[{"ContentType":"ImageResponseCard","ImageResponseCard":{"Title":"t","Subtitle":"s","Buttons":[{"Text":"b","Value":"v"}]}}]}`,
		`{"messages":[{"content":"a\"b\\c\u00e9\n","contentType":"plaintext"},{"Content":"{\"x\":1}","ContentType":"CustomPayload"}]}`,
		`{"Messages":[]}`, `{"Code":"LexBotError"}`, `not json`, `[]`, `{"Messages":{}}`,
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	var bad Problems
	texts := Scope{Push: new(false)}.Compile("scope", &bad)
	if err := bad.Err(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc string, errorType bool) {
		ct := processor.ContentTypeLex
		if errorType {
			ct = processor.ContentTypeLexError
		}
		ev := &processor.Event{ChannelMessage: processor.ChannelMessage{Content: doc, ContentType: ct}}
		m := processor.NewMessage(ev)
		texts.Rewrite(m, func(_ Place, s string) string { return s })
		if m.Content != doc {
			t.Fatalf("an identity rewrite changed %q to %q", doc, m.Content)
		}
		var seen []string
		texts.Rewrite(m, func(_ Place, s string) string {
			seen = append(seen, s)
			return "<\"" + s + "\\>"
		})
		if !lexBody(doc, ct) {
			if len(seen) != 1 || seen[0] != doc {
				t.Fatalf("%q is not a Lex reply: visited %q, want it whole", doc, seen)
			}
			return
		}
		out := m.Content
		if !json.Valid([]byte(out)) || !lexBody(out, ct) {
			t.Fatalf("rewriting %q gave %q, not a Lex reply", doc, out)
		}
		var got []string
		rest := func(d string) string { // d without its texts
			var b strings.Builder
			last := 0
			lexSpans(d, func(s, e int) bool {
				b.WriteString(d[last:s])
				last = e
				return true
			})
			return b.String() + d[last:]
		}
		lexSpans(out, func(s, e int) bool {
			got = append(got, unquote(out[s:e]))
			return true
		})
		if len(got) != len(seen) {
			t.Fatalf("rewriting %q gave %q: %d texts, want %d", doc, out, len(got), len(seen))
		}
		for i := range got {
			// Compared with invalid UTF-8 read as U+FFFD, one for each
			// run of invalid bytes (encoding/json reads one per byte).
			if want := "<\"" + seen[i] + "\\>"; replaced(got[i]) != replaced(want) {
				t.Fatalf("text %d of %q is %q, want %q", i, out, got[i], want)
			}
		}
		// Outside the texts, only invalid UTF-8 may change (to U+FFFD, when
		// a text was rewritten: the callback must be valid UTF-8 throughout).
		if r := rest(out); r != rest(doc) && replaced(r) != replaced(rest(doc)) {
			t.Fatalf("rewriting %q changed what is not a text: %q", doc, out)
		}
	})
}

// replaced returns s with invalid UTF-8 and U+FFFD read alike: each run of
// them one U+FFFD.
func replaced(s string) string {
	var b strings.Builder
	prev := false
	for _, r := range s { // an invalid byte reads as U+FFFD
		if r == utf8.RuneError {
			if !prev {
				b.WriteRune(r)
			}
			prev = true
			continue
		}
		prev = false
		b.WriteRune(r)
	}
	return b.String()
}
