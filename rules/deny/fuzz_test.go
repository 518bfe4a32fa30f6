package deny

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
)

// FuzzKeywords checks the keyword search against a regular expression that
// says the same thing: the keyword, in any case, with no letter, mark,
// number or underscore right before or after it.
func FuzzKeywords(f *testing.F) {
	for _, seed := range [][2]string{
		{"spam", "this is SPAM!"}, {"spam", "spammer"}, {"free money", "Free Money"}, {"c++", "C++ rocks"},
		{"straße", "STRAßE"}, {"мат", "это мат"}, {"kilo", "\u212Ailo"}, {"cafe", "cafe\u0301"}, {"_x", "a _x b"}, {"ǅ", "ǆ ǲ"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, kw, content string) {
		if !utf8.ValidString(kw) || !utf8.ValidString(content) || strings.TrimSpace(kw) == "" {
			return
		}
		const notWord = `[^\p{L}\p{M}\p{N}_]`
		re := regexp.MustCompile(`(?i)(?:^|` + notWord + `)` + regexp.QuoteMeta(kw) + `(?:$|` + notWord + `)`)
		want := re.MatchString(content)
		got := newKeywordSet([]string{kw}).find(content) >= 0
		if got != want {
			t.Fatalf("keyword %q in %q: found %v, the regexp says %v", kw, content, got, want)
		}
	})
}

// FuzzLookup checks the metadata scanner against encoding/json: the same
// texts are JSON objects, and a key path finds the same value.
func FuzzLookup(f *testing.F) {
	for _, seed := range [][2]string{
		{`{"a":1}`, "a"}, {`{"a":{"b":"x"}}`, "a.b"}, {` {"a" : [1, {"b":2}], "c": null } `, "c"}, {`{"a":1,"a":2}`, "a"},
		{`{"\u0061":"\n"}`, "a"}, {`{"a":1`, "a"}, {`[]`, "a"}, {`{"a":1} x`, "a"}, {`{"a":-0.5e+3}`, "a"}, {`{"a":01}`, "a"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, doc, key string) {
		if !utf8.ValidString(doc) || key == "" || strings.Contains(key, ".") {
			return
		}
		var obj map[string]json.RawMessage
		isObject := json.Unmarshal([]byte(doc), &obj) == nil && obj != nil
		raw, found := lookup(doc, []string{key})
		want, wantFound := obj[key]
		if !isObject {
			if found {
				t.Fatalf("%q is not a JSON object, yet key %q was found", doc, key)
			}
			// Deeper documents: the scanner must still agree on validity.
			if _, ok := member(doc, key); ok {
				t.Fatalf("%q is not a JSON object, yet member found", doc)
			}
			return
		}
		if found != wantFound {
			t.Fatalf("%q key %q: found %v, encoding/json says %v", doc, key, found, wantFound)
		}
		if !found {
			return
		}
		if raw != strings.TrimSpace(string(want)) {
			t.Fatalf("%q key %q: value %q, encoding/json says %q", doc, key, raw, want)
		}
		var s string
		if want[0] == '"' && json.Unmarshal(want, &s) == nil && stringValue(raw) != s {
			t.Fatalf("%q key %q: string %q, encoding/json says %q", doc, key, stringValue(raw), s)
		}
	})
}

// FuzzOptions checks that no options document makes the factory, or the
// rule it builds, panic.
func FuzzOptions(f *testing.F) {
	for _, s := range []string{
		`keywords: [spam]`, `any: [{bot: true}, {not: {regex: a}}]`, `all: [{metadata: {key: a.b, value: x}}, {attribute: {name: "x*"}}]`,
		`{}`, `any: [3, ~, {}]`, `not: ~`, `regex: '('`, `longerThan: -1`, `{sender: [x], bot: true}`, `metadata: {regex: "[["}`,
	} {
		f.Add(s)
	}
	ev := newTestEvent()
	f.Fuzz(func(t *testing.T, doc string) {
		r, err := rules.New(Name, []byte(doc))
		if err != nil {
			return
		}
		_, _ = r.Apply(context.Background(), processor.NewMessage(ev))
	})
}

func newTestEvent() *processor.Event {
	return processortest.NewEvent("hello SPAM world", processortest.WithMetadata(`{"a":{"b":"x"}}`),
		processortest.WithAttribute("x-a", "v"), processortest.WithContentType("text/plain"))
}
