package rules

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
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
// string keeps valid JSON valid, visits the values encoding/json sees,
// and leaves metadata that fitted the callback fitting it.
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
			if utf8.RuneCountInString(doc) <= messaging.MaxMetadataLen && m.Metadata != doc {
				if n := utf8.RuneCountInString(m.Metadata); n > messaging.MaxMetadataLen || messaging.LineBreak(m.Metadata) >= 0 || !utf8.ValidString(m.Metadata) {
					t.Fatalf("rewriting %q gave %q (%d characters), which does not fit", doc, m.Metadata, n)
				}
			}
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
		"plain <&> é":            `"plain <&> é"`,
		"q\"b\\":                 `"q\"b\\"`,
		"\n\r\t\x01":             `"\n\r\t\u0001"`,
		"\b\f\x1f":               `"\b\f\u001f"`,
		"a\u0085b\u2028c\u2029d": `"a\u0085b\u2028c\u2029d"`,
		"\xe2\x80":               "\"\xe2\x80\"",
		"":                       `""`,
		"\xff":                   "\"\xff\"",
	} {
		var b strings.Builder
		writeQuoted(&b, in)
		if b.String() != want {
			t.Errorf("writeQuoted(%q) = %s, want %s", in, b.String(), want)
		}
	}
}

func TestSetAndDeleteMetadataKey(t *testing.T) {
	tests := []struct {
		doc, set, del string // the results; "!" when the doc is refused
	}{
		{"", `{"k":1}`, ""},
		{"  ", `{"k":1}`, "  "},
		{`{}`, `{"k":1}`, `{}`},
		{` { } `, ` { "k":1} `, ` { } `},
		{`{"a":"<&>\u00e9"}`, `{"a":"<&>\u00e9","k":1}`, `{"a":"<&>\u00e9"}`},
		{`{"k":{"x":[1]}}`, `{"k":1}`, `{}`},
		{`{"a":1, "k":2, "b":3}`, `{"a":1,"b":3,"k":1}`, `{"a":1,"b":3}`},
		{`{"k":0,"a":1,"k":2}`, `{"a":1,"k":1}`, `{"a":1}`},
		{`{"\u006b":0, "a" : [ "k" ]}`, `{"a" : [ "k" ],"k":1}`, `{"a" : [ "k" ]}`},
		{"{\"a\":1}\n", "{\"a\":1,\"k\":1}\n", "{\"a\":1}\n"},
		{`[1]`, "!", "!"},
		{`"k"`, "!", "!"},
		{`not json`, "!", "!"},
		{`{"a":1`, "!", "!"},
	}
	for _, tt := range tests {
		for _, op := range []struct {
			name string
			want string
			do   func(string) (string, bool)
		}{
			{"set", tt.set, func(d string) (string, bool) { return SetMetadataKey(d, "k", []byte("1")) }},
			{"delete", tt.del, func(d string) (string, bool) { return DeleteMetadataKey(d, "k") }},
		} {
			got, ok := op.do(tt.doc)
			if op.want == "!" {
				if ok || got != tt.doc {
					t.Errorf("%s %q = %q, %v; want it refused", op.name, tt.doc, got, ok)
				}
				continue
			}
			if !ok || got != op.want {
				t.Errorf("%s %q = %q, %v; want %q", op.name, tt.doc, got, ok, op.want)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = DeleteMetadataKey(`{"a":"x","b":[1,{"k":2}]}`, "k") }); n != 0 {
		t.Errorf("deleting a key that is not there allocates %v times", n)
	}
}

// FuzzMetadataKey holds SetMetadataKey and DeleteMetadataKey to what
// encoding/json reads: the other members unchanged, the key set to the
// value or gone; a deletion never makes the document longer.
func FuzzMetadataKey(f *testing.F) {
	f.Add(`{"a":1,"k":"x"}`, "k")
	f.Add(`{"k":1,"k":2, "b" : {"k":3}}`, "k")
	f.Add(`{}`, "")
	f.Add(`{"\u00e9":1}`, "é")
	f.Fuzz(func(t *testing.T, doc, key string) {
		if !utf8.ValidString(doc) || !utf8.ValidString(key) {
			return // keys are compared as written; encoding/json reads invalid UTF-8 as U+FFFD
		}
		var before map[string]json.RawMessage
		isObject := json.Unmarshal([]byte(doc), &before) == nil && before != nil
		if strings.TrimSpace(doc) == "" {
			isObject, before = true, map[string]json.RawMessage{}
		}
		set, ok1 := SetMetadataKey(doc, key, []byte(`{"set":true}`))
		del, ok2 := DeleteMetadataKey(doc, key)
		if ok1 != isObject || ok2 != isObject {
			t.Fatalf("%q: set %v, delete %v; an object: %v", doc, ok1, ok2, isObject)
		}
		if !isObject {
			return
		}
		if len(del) > len(doc) {
			t.Fatalf("deleting %q from %q gave the longer %q", key, doc, del)
		}
		k := key
		for _, c := range []struct {
			out string
			set bool
		}{{set, true}, {del, false}} {
			after := map[string]json.RawMessage{}
			if strings.TrimSpace(c.out) == "" && !c.set {
				// blank stays blank: no members
			} else if err := json.Unmarshal([]byte(c.out), &after); err != nil {
				t.Fatalf("%q with %q: %q is not a JSON object: %v", doc, key, c.out, err)
			}
			want := map[string]json.RawMessage{}
			for name, v := range before {
				if name != k {
					want[name] = v
				}
			}
			if c.set {
				want[k] = json.RawMessage(`{"set":true}`)
			}
			if len(after) != len(want) {
				t.Fatalf("%q with %q: got %q, members %d, want %d", doc, key, c.out, len(after), len(want))
			}
			for name, v := range want {
				var a, b any
				_ = json.Unmarshal(after[name], &a)
				_ = json.Unmarshal(v, &b)
				if fmt.Sprint(a) != fmt.Sprint(b) {
					t.Fatalf("%q with %q: got %q, member %q is %s, want %s", doc, key, c.out, name, after[name], v)
				}
			}
		}
	})
}
