package rules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
)

func TestValidJSON(t *testing.T) {
	for _, doc := range []string{
		``, ` `, `{}`, `[]`, `{"a":1}`, ` {"a" : [1, -2.5e+3, true, false, null, "x"]} `, `"\u00e9\n\"\\\/"`,
		`{"a":{"b":[{}]}}`, `0`, `-0.0`, `1E5`, "\"\xff\"",
		`{`, `{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{a:1}`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
		`"\x"`, `"\u12"`, "\"a\nb\"", `tru`, `nul`, `{"a":1} x`, `{"a":1}{}`, `[`, `"`, `{"a":"b"`,
	} {
		if got, want := validJSON(doc), json.Valid([]byte(doc)); got != want {
			t.Errorf("validJSON(%q) = %v, encoding/json says %v", doc, got, want)
		}
	}
}

// FuzzValidJSON holds validJSON to encoding/json's judgement.
//
//	go test -run XXX -fuzz FuzzValidJSON ./rules
func FuzzValidJSON(f *testing.F) {
	f.Fuzz(func(t *testing.T, doc string) {
		if got, want := validJSON(doc), json.Valid([]byte(doc)); got != want {
			t.Errorf("validJSON(%q) = %v, encoding/json says %v", doc, got, want)
		}
	})
}

// FuzzRewrite checks the metadata walk on any metadata: a rewrite that
// changes nothing leaves the text byte for byte; one that changes every
// string keeps valid JSON valid, and visits the values encoding/json sees.
//
//	go test -run XXX -fuzz FuzzRewrite ./rules
func FuzzRewrite(f *testing.F) {
	var bad Problems
	all := Scope{Content: new(false), Push: new(false), Metadata: []string{"*"}}.Compile("scope", &bad)
	some := Scope{Content: new(false), Push: new(false), Metadata: []string{"a", "b.c"}}.Compile("scope", &bad)
	if err := bad.Err(); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, texts := range []*Texts{all, some} {
			m := &processor.Message{Metadata: doc}
			texts.Rewrite(m, func(_ Place, s string) string { return s })
			if m.Metadata != doc {
				t.Fatalf("an identity rewrite changed %q to %q", doc, m.Metadata)
			}
			var seen []string
			texts.Rewrite(m, func(_ Place, s string) string {
				seen = append(seen, s)
				return "<" + s + ">"
			})
			if !json.Valid([]byte(doc)) {
				continue
			}
			if !json.Valid([]byte(m.Metadata)) {
				t.Fatalf("rewriting %q gave invalid JSON %q", doc, m.Metadata)
			}
			if texts == all {
				for i := range seen {
					seen[i] = string([]rune(seen[i])) // as encoding/json reads invalid UTF-8
				}
				if want := collectStrings(doc); strings.Join(seen, "\x00") != strings.Join(want, "\x00") {
					t.Fatalf("visited %q in %q, want %q", seen, doc, want)
				}
			}
		}
	})
}

// collectStrings lists the string values (not the keys) of a valid JSON
// document in order, as encoding/json decodes them.
func collectStrings(doc string) []string {
	dec := json.NewDecoder(strings.NewReader(doc))
	var out []string
	var walk func()
	walk = func() {
		tok, _ := dec.Token()
		switch v := tok.(type) {
		case json.Delim:
			for dec.More() {
				if v == '{' {
					_, _ = dec.Token() // the key
				}
				walk()
			}
			_, _ = dec.Token() // the closing delimiter
		case string:
			out = append(out, v)
		}
	}
	walk()
	return out
}

func TestWriteQuoted(t *testing.T) {
	for in, want := range map[string]string{
		"plain <&> é": `"plain <&> é"`,
		"q\"b\\":      `"q\"b\\"`,
		"\n\r\t\x01":  `"\n\r\t\u0001"`,
		"":            `""`,
		"\xff":        "\"\xff\"",
	} {
		var b strings.Builder
		writeQuoted(&b, in)
		if b.String() != want {
			t.Errorf("writeQuoted(%q) = %s, want %s", in, b.String(), want)
		}
	}
}
