package metadata

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
)

// FuzzTemplate checks that any template text either parses or is reported
// at an offset within it, and that a parsed template renders to valid JSON
// which, without placeholders, is the text itself.
func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"", "plain", "{{sender.arn}}", "{{ message.edited }}", "{{{{", "a{{b", "{{}}", "}}{{x}}{{time}}"} {
		f.Add(s)
	}
	m := processor.NewMessage(processortest.NewEvent("hi", processortest.WithSender(processortest.UserArn, "Al\"\x01é")))
	f.Fuzz(func(t *testing.T, s string) {
		tmpl, errs := parseTemplate(s)
		for _, e := range errs {
			if e.Offset < 0 || e.Offset >= len(s) || !strings.HasPrefix(s[e.Offset:], "{{") {
				t.Fatalf("error %q at offset %d of %q: not at a {{", e.Msg, e.Offset, s)
			}
		}
		if len(errs) > 0 {
			return
		}
		out := tmpl.appendJSON(nil, m)
		var v any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("template %q rendered invalid JSON %s: %v", s, out, err)
		}
		if !strings.Contains(s, "{{") && utf8.ValidString(s) && v != s {
			t.Fatalf("literal %q rendered as %q", s, v)
		}
	})
}

// fuzzRule deletes "gone" and "nested.gone", merges into "app", sets
// "moderation.by" and always annotates under "moderation.result".
const fuzzRule = `
delete: [gone, nested.gone]
merge: {app: {merged: true, dropped: null}}
set: {moderation.by: "{{sender.name}}"}
annotate: {key: moderation.result, when: always}
`

// FuzzRewrite checks the rule on arbitrary metadata: it never corrupts it.
// The result is either the metadata unchanged or a JSON object within the
// limit, which holds every key the rule did not touch, with its value.
func FuzzRewrite(f *testing.F) {
	for _, s := range []string{"", "text", `{}`, `{"a":1}`, `{"gone":1,"keep":[1,{"x":2}],"nested":{"gone":1,"x":"é"}}`,
		`{"app":5}`, `{"moderation":"forged"}`, `[1,2]`, `{"a":1,"a":{"b":2}}`, ` {"a" : "\u00e9"} `, `{"a":` + strings.Repeat("1", 1000) + `}`} {
		f.Add(s, false)
		f.Add(s, true)
	}
	keep := processortest.NewRule(f, Name, fuzzRule)
	wrap := processortest.NewRule(f, Name, fuzzRule+"nonJSON: wrap\n")
	f.Fuzz(func(t *testing.T, md string, wrapNonJSON bool) {
		if !utf8.ValidString(md) {
			return // event metadata is decoded from JSON: always valid UTF-8
		}
		r := keep
		if wrapNonJSON {
			r = wrap
		}
		m := processor.NewMessage(processortest.NewEvent("hi", processortest.WithMetadata(md)))
		v, err := r.Apply(context.Background(), m)
		if err != nil || v.Deny {
			t.Fatalf("Apply(%q) = %v, %v", md, v, err)
		}
		in, isObject := decodeObject(md)
		if isBlank(md) {
			isObject = true
		}
		if m.Metadata == md {
			return
		}
		if n := utf8.RuneCountInString(m.Metadata); n > MaxLength {
			t.Fatalf("result is %d characters", n)
		}
		if strings.ContainsAny(m.Metadata, "\n\r\u0085\u2028\u2029") {
			t.Fatalf("Apply(%q) = %q holds a line terminator", md, m.Metadata)
		}
		out, ok := decodeObject(m.Metadata)
		if !ok {
			t.Fatalf("Apply(%q) = %q: not a JSON object", md, m.Metadata)
		}
		if !isObject {
			if !wrapNonJSON {
				t.Fatalf("non-JSON %q changed to %q with nonJSON: keep", md, m.Metadata)
			}
			var text string
			if err := json.Unmarshal(out["text"], &text); err != nil || text != md {
				t.Fatalf("non-JSON %q wrapped as %q", md, m.Metadata)
			}
			return
		}
		for k, want := range in {
			switch k {
			case "gone", "moderation", "app":
				continue
			case "nested":
				if w, ok := decodeObject(string(want)); ok {
					g, _ := decodeObject(string(out[k]))
					delete(w, "gone")
					if !equalObjects(w, g) {
						t.Fatalf("Apply(%q) = %q: nested changed", md, m.Metadata)
					}
					continue
				}
			}
			if got, ok := out[k]; !ok || compact(got) != compact(want) {
				t.Fatalf("Apply(%q) = %q: key %q was %s, is %s", md, m.Metadata, k, want, got)
			}
		}
		if _, ok := out["gone"]; ok {
			t.Fatalf("Apply(%q) = %q: gone not deleted", md, m.Metadata)
		}
	})
}

// decodeObject decodes a JSON object into its members' raw values.
func decodeObject(s string) (map[string]json.RawMessage, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &obj); err != nil || obj == nil {
		return nil, false
	}
	return obj, true
}

func equalObjects(a, b map[string]json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || compact(v) != compact(w) {
			return false
		}
	}
	return true
}

func compact(raw []byte) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "invalid: " + string(raw)
	}
	return b.String()
}

// FuzzOptions checks that no options document makes the factory, or the
// rule it builds, panic, and that a rule built never corrupts metadata.
func FuzzOptions(f *testing.F) {
	for _, s := range []string{
		fuzzRule, `set: {a.b: 1}`, `merge: {a: {b: null}}`, `delete: [a]`, `annotate: {when: always}`, `{set: {x: 1}, nonJSON: wrap}`,
		`set: {a: [1, {b: "{{time}}"}]}`, `set: &x {a: *x}`, `merge: {<<: {a: 1}}`, `set: {a: .inf}`, `set: x`, `{}`,
	} {
		f.Add(s, `{"a":{"b":2},"c":"d"}`)
	}
	f.Fuzz(func(t *testing.T, doc, md string) {
		if !utf8.ValidString(md) {
			return
		}
		r, err := rules.New(Name, []byte(doc))
		if err != nil {
			return
		}
		m := processor.NewMessage(processortest.NewEvent("hi", processortest.WithMetadata(md)))
		if _, err := r.Apply(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if m.Metadata != md && !json.Valid([]byte(m.Metadata)) {
			t.Fatalf("options %q turned %q into invalid JSON %q", doc, md, m.Metadata)
		}
	})
}
