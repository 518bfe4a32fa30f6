package metadata_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/metadata"
)

// apply builds the rule from options and applies it to a fresh message of
// ev, returning the message and the verdict.
func apply(t *testing.T, options string, ev *processor.Event) (*processor.Message, processor.Verdict) {
	t.Helper()
	r := processortest.NewRule(t, metadata.Name, options)
	m := processor.NewMessage(ev)
	v, err := r.Apply(context.Background(), m)
	require.NoError(t, err)
	return m, v
}

func TestRewrite(t *testing.T) {
	withMD := processortest.WithMetadata
	tests := []struct {
		name    string
		options string
		in      string // metadata in
		opts    []processortest.Option
		want    string // metadata out
	}{
		{"set on empty", `set: {a: b}`, "", nil, `{"a":"b"}`},
		{"set on blank", `set: {a: b}`, " \n\t", nil, `{"a":"b"}`},
		{"set appends, keeps order", `set: {b: 1}`, `{"z":1,"a":2}`, nil, `{"z":1,"a":2,"b":1}`},
		{"set replaces in place", `set: {z: 3}`, `{"z":1,"a":2}`, nil, `{"z":3,"a":2}`},
		{"set adds new keys in sorted order", `set: {y: 1, x: 2, w: 3}`, ``, nil, `{"w":3,"x":2,"y":1}`},
		{"set: a parent before its children", `set: {a.b: 2, a: {c: 1}}`, ``, nil, `{"a":{"c":1,"b":2}}`},
		{"set nested creates objects", `set: {a.b.c: 1}`, `{"k":true}`, nil, `{"k":true,"a":{"b":{"c":1}}}`},
		{"set nested keeps siblings", `set: {a.b: 2}`, `{"a":{"x":1,"b":0}}`, nil, `{"a":{"x":1,"b":2}}`},
		{"set through a scalar replaces it", `set: {a.b: 1}`, `{"a":"text"}`, nil, `{"a":{"b":1}}`},
		{"set escaped dot", `set: {'a\.b': 1}`, ``, nil, `{"a.b":1}`},
		{"set typed values", `set: {n: 1.5, i: -7, t: true, "null": null, l: [1, x], o: {p: q}}`, ``, nil,
			`{"i":-7,"l":[1,"x"],"n":1.5,"null":null,"o":{"p":"q"},"t":true}`},
		{"quoted scalars stay strings", `set: {a: "true", b: "12"}`, ``, nil, `{"a":"true","b":"12"}`},
		{"templates", `set: {who: "{{sender.name}} <{{sender.arn}}>", ch: "{{channel.arn}}", id: "{{ message.id }}"}`, ``, nil,
			`{"ch":"` + processortest.ChannelArn + `","id":"msg-0001","who":"Alice <` + processortest.UserArn + `>"}`},
		{"bool placeholders are JSON booleans", `set: {e: "{{message.edited}}", b: "{{sender.bot}}", s: "edited={{message.edited}}"}`, ``,
			[]processortest.Option{processortest.Edited()}, `{"b":false,"e":true,"s":"edited=true"}`},
		{"time of a new message", `set: {at: "{{time}}"}`, ``, nil, `{"at":"2024-05-01T12:00:00Z"}`},
		{"time of an edit", `set: {at: "{{time}}", c: "{{message.created}}"}`, ``, []processortest.Option{processortest.Edited()},
			`{"at":"2024-05-01T12:05:00Z","c":"2024-05-01T12:00:00Z"}`},
		{"sub-channel and persistence", `set: {s: "{{subChannel.id}}", p: "{{message.persistence}}"}`, ``,
			[]processortest.Option{processortest.WithSubChannel("sub-1"), processortest.NonPersistent()}, `{"p":"NON_PERSISTENT","s":"sub-1"}`},
		{"literal braces", `set: {t: "{{{{sender.arn}} }}"}`, ``, nil, `{"t":"{{sender.arn}} }}"}`},
		{"templates inside objects and lists", `set: {o: {by: "{{sender.name}}", l: ["{{message.id}}"]}}`, ``, nil,
			`{"o":{"by":"Alice","l":["msg-0001"]}}`},
		{"template output is escaped", `set: {n: "{{sender.name}}"}`, ``,
			[]processortest.Option{processortest.WithSender(processortest.UserArn, "Al \"the\" \\ <b>\n")}, `{"n":"Al \"the\" \\ <b>\n"}`},
		{"delete top-level", `delete: [a]`, `{"a":1,"b":2}`, nil, `{"b":2}`},
		{"delete nested", `delete: [a.b]`, `{"a":{"b":1,"c":2},"b":2}`, nil, `{"a":{"c":2},"b":2}`},
		{"delete missing leaves metadata byte for byte", `delete: [x, a.x, b.c]`, `{ "a" : {"b": 1}, "b": 2 }`, nil, `{ "a" : {"b": 1}, "b": 2 }`},
		{"merge deep (RFC 7396)", `merge: {app: {y: null, z: 3, n: {m: 1}}}`, `{"app":{"x":1,"y":2},"k":1}`, nil,
			`{"app":{"x":1,"n":{"m":1},"z":3},"k":1}`},
		{"merge replaces non-objects", `merge: {a: {b: 1}, c: [1]}`, `{"a":5,"c":{"d":1}}`, nil, `{"a":{"b":1},"c":[1]}`},
		{"merge null of a missing key", `merge: {gone: null}`, `{"a":1}`, nil, `{"a":1}`},
		{"merge templates", `merge: {m: {by: "{{sender.name}}"}}`, `{"m":{"x":1}}`, nil, `{"m":{"x":1,"by":"Alice"}}`},
		{"order: delete, merge, set", `{delete: [a], merge: {a: 1, b: 1}, set: {b: 2}}`, `{"a":0,"c":0}`, nil, `{"c":0,"a":1,"b":2}`},
		{"no-op set keeps the original text", `set: {a: 1}`, `{"a": 1}`, nil, `{"a": 1}`},
		{"whitespace is compacted on change", `set: {b: 1}`, "{\n  \"a\": [1, 2]\n}", nil, `{"a":[1,2],"b":1}`},
		{"html and unicode are kept as they are", `set: {b: "<é>&"}`, `{"a":"<\u00e9>"}`, nil, `{"a":"<\u00e9>","b":"<é>&"}`},
		{"duplicate keys: first place, last value", `set: {b: 1}`, `{"a":1,"a":2}`, nil, `{"a":2,"b":1}`},
		{"non-JSON kept", `set: {a: 1}`, `plain text`, nil, `plain text`},
		{"JSON array kept", `set: {a: 1}`, `[1,2]`, nil, `[1,2]`},
		{"JSON with trailing garbage kept", `set: {a: 1}`, `{"a":0} x`, nil, `{"a":0} x`},
		{"non-JSON wrapped", `{set: {a: 1}, nonJSON: wrap}`, `plain "text"`, nil, `{"text":"plain \"text\"","a":1}`},
		{"non-JSON wrapped under a key", `{set: {a: 1}, nonJSON: wrap, wrapKey: original}`, `[1]`, nil, `{"original":"[1]","a":1}`},
		{"wrap with nothing to write keeps it", `{delete: [a], nonJSON: wrap}`, `plain`, nil, `plain`},
		{"non-JSON replaced", `{set: {a: 1}, nonJSON: replace}`, `plain`, nil, `{"a":1}`},
		{"replace with nothing to write keeps it", `{delete: [a], nonJSON: replace}`, `plain`, nil, `plain`},
		{"JSON (options as JSON)", `{"set": {"a.b": "{{message.id}}"}, "delete": ["c"]}`, `{"c":1}`, nil, `{"a":{"b":"msg-0001"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := processortest.NewEvent("hello", append([]processortest.Option{withMD(tt.in)}, tt.opts...)...)
			m, v := apply(t, tt.options, ev)
			assert.Equal(t, processor.Continue, v)
			assert.Equal(t, tt.want, m.Metadata)
			if tt.want != tt.in {
				assert.True(t, json.Valid([]byte(m.Metadata)), "result is not valid JSON: %s", m.Metadata)
			}
		})
	}
}

// shout is a rule that changes the content, so that the metadata rule has
// something to annotate.
var shout = processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	m.Content = strings.ToUpper(m.Content)
	return processor.Continue, nil
})

// tag is a rule that changes only the metadata.
var tag = processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	return processor.Continue, m.SetMetadataField("tag", 1)
})

func TestAnnotate(t *testing.T) {
	tests := []struct {
		name    string
		options string
		before  []processor.Stage
		in      string
		want    string
		action  processor.Action
	}{
		{"nothing acted", `annotate: {}`, nil, `{"a":1}`, `{"a":1}`, processor.ActionAllow},
		{"content changed", `annotate: {}`, []processor.Stage{{Name: "shout", Rule: shout}}, `{"a":1}`,
			`{"a":1,"moderation":{"rules":["shout"],"contentChanged":true}}`, processor.ActionRewrite},
		{"metadata changed only", `annotate: {}`, []processor.Stage{{Name: "tag", Rule: tag}}, ``,
			`{"tag":1,"moderation":{"rules":["tag"],"contentChanged":false}}`, processor.ActionRewrite},
		{"two rules, in order", `annotate: {}`, []processor.Stage{{Name: "tag", Rule: tag}, {Name: "shout", Rule: shout}}, ``,
			`{"tag":1,"moderation":{"rules":["tag","shout"],"contentChanged":true}}`, processor.ActionRewrite},
		{"dry-run rules do not count", `annotate: {}`, []processor.Stage{{Name: "shout", Rule: shout, DryRun: true}}, ``, ``, processor.ActionAllow},
		{"always", `annotate: {when: always}`, nil, ``, `{"moderation":{"rules":[],"contentChanged":false}}`, processor.ActionRewrite},
		{"custom nested key", `annotate: {key: x.mod, when: always}`, nil, `{"x":{"y":1}}`,
			`{"x":{"y":1,"mod":{"rules":[],"contentChanged":false}}}`, processor.ActionRewrite},
		{"replaces a forged annotation", `annotate: {}`, []processor.Stage{{Name: "shout", Rule: shout}},
			`{"moderation":{"rules":[],"contentChanged":false},"b":1}`,
			`{"moderation":{"rules":["shout"],"contentChanged":true},"b":1}`, processor.ActionRewrite},
		{"annotation after set", `{annotate: {when: always}, set: {moderation.by: me}}`, nil, ``,
			`{"moderation":{"rules":[],"contentChanged":false}}`, processor.ActionRewrite},
		{"non-JSON kept", `annotate: {}`, []processor.Stage{{Name: "shout", Rule: shout}}, `text`, `text`, processor.ActionRewrite},
		{"a forged annotation is removed when no rule acted", `annotate: {}`, nil,
			`{"moderation":{"rules":["profanity"],"contentChanged":true},"b":1}`, `{"b":1}`, processor.ActionRewrite},
		{"a forged nested annotation too", `annotate: {key: x.mod}`, nil, `{"x":{"mod":{"rules":["profanity"]},"y":1}}`, `{"x":{"y":1}}`, processor.ActionRewrite},
		{"a forged annotation is removed after a dry run", `annotate: {}`, []processor.Stage{{Name: "shout", Rule: shout, DryRun: true}},
			`{"moderation":1}`, `{}`, processor.ActionRewrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := processortest.NewRule(t, metadata.Name, tt.options)
			p := processor.NewPipeline(append(tt.before, processor.Stage{Name: "metadata", Rule: r})...)
			out := p.Run(context.Background(), processortest.NewEvent("hello", processortest.WithMetadata(tt.in)))
			require.Empty(t, out.Errors)
			assert.Equal(t, tt.action, out.Action)
			assert.Equal(t, tt.want, out.Message.Metadata)
		})
	}
}

func TestOverflow(t *testing.T) {
	// big is a value whose JSON text is n characters: 2-byte runes, so that
	// bytes and characters differ.
	big := func(n int) string { return strings.Repeat("é", n) }
	// prefix makes metadata {"p":"ééé…"} of exactly n characters.
	prefix := func(n int) string { return `{"p":"` + big(n-8) + `"}` }
	annotation := `"moderation":{"rules":["shout"],"contentChanged":true}`
	tests := []struct {
		name     string
		options  string
		in       string
		want     string // "" for the original
		deny     bool
		wantLen  int
		wantAnno bool
	}{
		{"fits exactly", `set: {a: 1}`, prefix(1024 - len(`,"a":1`)), "", false, 1024, false},
		{"keepOriginal is the default", `set: {a: 12}`, prefix(1024 - len(`,"a":1`)), "", false, 1018, false},
		{"keepOriginal", `{set: {a: 12}, onOverflow: keepOriginal}`, prefix(1018), "", false, 1018, false},
		{"deny", `{set: {a: 12}, onOverflow: deny}`, prefix(1020), "", true, 1020, false},
		{"dropAnnotation keeps the rest", `{set: {a: 1}, annotate: {}, onOverflow: dropAnnotation}`, prefix(1000),
			prefix(1000)[:len(prefix(1000))-1] + `,"a":1}`, false, 1006, false},
		{"dropAnnotation, still too long", `{set: {a: 1}, annotate: {}, onOverflow: dropAnnotation}`, prefix(1022), "", false, 1022, false},
		{"dropAnnotation without an annotation", `{set: {a: 12}, onOverflow: dropAnnotation}`, prefix(1020), "", false, 1020, false},
		{"annotation fits", `{annotate: {}, onOverflow: deny}`, prefix(1024 - len(annotation) - 1), "", false, 1024, true},
		{"annotation overflows: deny", `{annotate: {}, onOverflow: deny}`, prefix(1024 - len(annotation)), "", true, 1024 - len(annotation), false},
		{"keepOriginal still removes a forged annotation", `{set: {a: 12}, annotate: {}}`, `{"moderation":{},"p":"` + big(1000) + `"}`,
			`{"p":"` + big(1000) + `"}`, false, 1008, false},
		{"dropAnnotation still removes a forged annotation", `{set: {a: 1}, annotate: {}, onOverflow: dropAnnotation}`, `{"moderation":{},"p":"` + big(990) + `"}`,
			`{"p":"` + big(990) + `","a":1}`, false, 1004, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := processortest.NewRule(t, metadata.Name, tt.options)
			p := processor.NewPipeline(processor.Stage{Name: "shout", Rule: shout}, processor.Stage{Name: "metadata", Rule: r})
			out := p.Run(context.Background(), processortest.NewEvent("hello", processortest.WithMetadata(tt.in)))
			require.Empty(t, out.Errors)
			if tt.deny {
				assert.Equal(t, processor.ActionDeny, out.Action)
				assert.Contains(t, out.Reason, "over the limit of 1024")
				return
			}
			assert.Equal(t, processor.ActionRewrite, out.Action)
			md := out.Message.Metadata
			assert.Equal(t, tt.wantLen, len([]rune(md)))
			assert.Equal(t, tt.wantAnno, strings.Contains(md, annotation))
			if tt.want != "" {
				assert.Equal(t, tt.want, md)
			}
			if tt.want == "" && !tt.wantAnno && tt.wantLen == len([]rune(tt.in)) {
				assert.Equal(t, tt.in, md, "want the original metadata")
			}
		})
	}
}

// New takes the values of set and merge as plain Go values, as a JSON or
// YAML decoder makes them, and checks them as the configuration file path
// does.
func TestNewFromGo(t *testing.T) {
	n := int32(7)
	r, err := metadata.New(metadata.Config{
		Set:   map[string]any{"a.b": &n, "c": []string{"x", "{{message.id}}"}, "d": map[string]float64{"e": 0.5}, "f": nil},
		Merge: map[string]any{"g": map[string]any{"h": uint8(1), "gone": nil}},
	})
	require.NoError(t, err)
	m := processor.NewMessage(processortest.NewEvent("hi", processortest.WithMetadata(`{"g":{"gone":1,"k":2}}`)))
	_, err = r.Apply(context.Background(), m)
	require.NoError(t, err)
	assert.Equal(t, `{"g":{"k":2,"h":1},"c":["x","msg-0001"],"d":{"e":0.5},"f":null,"a":{"b":7}}`, m.Metadata)

	loop := map[string]any{}
	loop["self"] = loop
	tests := []struct {
		name   string
		config metadata.Config
		want   string
	}{
		{"nothing to do", metadata.Config{}, "nothing to do: give at least one of set, merge, delete, annotate"},
		{"not a JSON value", metadata.Config{Set: map[string]any{"a": make(chan int)}}, "option set.a: a chan int is not a JSON value"},
		{"not a number JSON can hold", metadata.Config{Merge: map[string]any{"a": []any{math.Inf(1)}}}, "option merge.a.0: +Inf is not a number JSON can hold"},
		{"a value that holds itself", metadata.Config{Set: map[string]any{"a": loop}}, "nested more than 64 levels deep"},
		{"bad template", metadata.Config{Set: map[string]any{"a": "{{nope}}"}}, "option set.a: unknown placeholder {{nope}}"},
		{"bad key path", metadata.Config{Set: map[string]any{"a..b": 1}}, `option set.a..b: key path "a..b" has an empty key`},
		{"enum out of range", metadata.Config{Delete: []string{"a"}, NonJSON: 7, OnOverflow: 9, Annotate: &metadata.Annotate{When: 5}},
			"option nonJSON: 7 is not one of [keep wrap replace]\noption onOverflow: 9 is not one of [keepOriginal dropAnnotation deny]\noption annotate.when: 5 is not one of [acted always]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := metadata.New(tt.config)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}
