package rules_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
)

// compile compiles a scope, failing the test on a problem.
func compile(t testing.TB, s rules.Scope) *rules.Texts {
	t.Helper()
	var bad rules.Problems
	texts := s.Compile("scope", &bad)
	require.NoError(t, bad.Err())
	return texts
}

// visits lists "PLACE=TEXT" for each text Each visits.
func visits(texts *rules.Texts, m *processor.Message) []string {
	var out []string
	texts.Each(m, func(p rules.Place, s string) bool {
		out = append(out, p.String()+"="+s)
		return true
	})
	return out
}

func TestTextsEach(t *testing.T) {
	off := new(false)
	event := processortest.NewEvent("the content",
		processortest.WithPush("the title", "the body"),
		processortest.WithMetadata(`{"note":"n1","profile":{"tel":["t1","t2"],"age":3,"mail":"m1"},"a.b":"dotted","x":{"note":"deep"}}`),
		processortest.WithAttribute("subject", "s1", "s2"),
		processortest.WithAttribute("CHIME.mentions", "@bot"),
		processortest.WithAttribute("CHIME.LEX.x", "lex"),
		processortest.WithAttribute("alpha", "a1"))
	tests := []struct {
		name  string
		scope rules.Scope
		want  []string
	}{
		{"default: content and push", rules.Scope{}, []string{"Content=the content", "PushNotification.Title=the title", "PushNotification.Body=the body"}},
		{"content only", rules.Scope{Push: off}, []string{"Content=the content"}},
		{"push only", rules.Scope{Content: off}, []string{"PushNotification.Title=the title", "PushNotification.Body=the body"}},
		{"metadata paths, in document order", rules.Scope{Content: off, Push: off, Metadata: []string{"profile", "note"}},
			[]string{"Metadata.note=n1", "Metadata.profile=t1", "Metadata.profile=t2", "Metadata.profile=m1"}},
		{"a nested path", rules.Scope{Content: off, Push: off, Metadata: []string{"profile.tel"}}, []string{"Metadata.profile.tel=t1", "Metadata.profile.tel=t2"}},
		{"an escaped dot", rules.Scope{Content: off, Push: off, Metadata: []string{`a\.b`}}, []string{`Metadata.a\.b=dotted`}},
		{"the shortest path that covers names the value", rules.Scope{Content: off, Push: off, Metadata: []string{"profile.mail", "profile", "*"}},
			[]string{"Metadata=n1", "Metadata.profile=t1", "Metadata.profile=t2", "Metadata.profile=m1", "Metadata=dotted", "Metadata=deep"}},
		{"every metadata value", rules.Scope{Content: off, Push: off, Metadata: []string{"*"}},
			[]string{"Metadata=n1", "Metadata=t1", "Metadata=t2", "Metadata=m1", "Metadata=dotted", "Metadata=deep"}},
		{"named attributes", rules.Scope{Content: off, Push: off, Attributes: []string{"subject"}},
			[]string{"MessageAttributes.subject=s1", "MessageAttributes.subject=s2"}},
		{"every attribute but the service's own, by name", rules.Scope{Content: off, Push: off, Attributes: []string{"*"}},
			[]string{"MessageAttributes=a1", "MessageAttributes=s1", "MessageAttributes=s2"}},
		{"the service's own attributes only when named", rules.Scope{Content: off, Push: off, Attributes: []string{"*", "CHIME.mentions"}},
			[]string{"MessageAttributes.CHIME.mentions=@bot", "MessageAttributes=a1", "MessageAttributes=s1", "MessageAttributes=s2"}},
		{"everything, in message order", rules.Scope{Metadata: []string{"note"}, Attributes: []string{"alpha"}},
			[]string{"Content=the content", "PushNotification.Title=the title", "PushNotification.Body=the body", "Metadata.note=n1", "MessageAttributes.alpha=a1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, visits(compile(t, tt.scope), processor.NewMessage(event)))
		})
	}
}

func TestTextsMetadataForms(t *testing.T) {
	all := rules.Scope{Content: new(false), Push: new(false), Metadata: []string{"*"}}
	note := rules.Scope{Content: new(false), Push: new(false), Metadata: []string{"note"}}
	tests := []struct {
		name     string
		scope    rules.Scope
		metadata string
		want     []string
	}{
		{"empty", all, "", nil},
		{"blank", all, " \n", nil},
		{"not JSON: one text for *", all, "plain note", []string{"Metadata=plain note"}},
		{"not JSON: no keys", note, "plain note", nil},
		{"truncated JSON is not JSON", all, `{"note":"x"`, []string{`Metadata={"note":"x"`}},
		{"trailing text is not JSON", all, `{"note":"x"} y`, []string{`Metadata={"note":"x"} y`}},
		{"a JSON string", all, `"hi"`, []string{"Metadata=hi"}},
		{"a JSON array", all, `["a", 1, {"b": "c"}]`, []string{"Metadata=a", "Metadata=c"}},
		{"keys are not values", note, `{"x": "note", "note": {"note": "y"}}`, []string{"Metadata.note=y"}},
		{"escapes in values and keys", note, `{"n\u006fte": "\u0066oo \"q\""}`, []string{`Metadata.note=foo "q"`}},
		{"duplicate keys: each one", note, `{"note":"1","note":"2"}`, []string{"Metadata.note=1", "Metadata.note=2"}},
		{"numbers, booleans, null", all, `{"a":-1.5e3,"b":true,"c":null,"d":0}`, nil},
		{"white space everywhere", note, " { \"note\" :\t[ \"a\" , \"b\" ] } ", []string{"Metadata.note=a", "Metadata.note=b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := processor.NewMessage(processortest.NewEvent("c", processortest.WithMetadata(tt.metadata)))
			assert.Equal(t, tt.want, visits(compile(t, tt.scope), m))
		})
	}
}

func TestTextsEachStops(t *testing.T) {
	texts := compile(t, rules.Scope{Metadata: []string{"*"}, Attributes: []string{"*"}})
	m := processor.NewMessage(processortest.NewEvent("content", processortest.WithPush("t", "b"),
		processortest.WithMetadata(`{"a":"x","b":"stop","c":"y"}`), processortest.WithAttribute("z", "never")))
	var seen []string
	stopped := texts.Each(m, func(p rules.Place, s string) bool {
		seen = append(seen, s)
		return s != "stop"
	})
	assert.True(t, stopped)
	assert.Equal(t, []string{"content", "t", "b", "x", "stop"}, seen)
	assert.False(t, texts.Each(m, func(rules.Place, string) bool { return true }))
}

func TestTextsRewrite(t *testing.T) {
	upper := func(_ rules.Place, s string) string { return strings.ToUpper(s) }
	long := func(p rules.Place, s string) string { return strings.Repeat("é", 200) }
	tests := []struct {
		name    string
		scope   rules.Scope
		fn      func(rules.Place, string) string
		in, out *processor.Event
	}{
		{"content and push", rules.Scope{}, upper,
			processortest.NewEvent("hi", processortest.WithPush("t", "b"), processortest.WithMetadata(`{"m":"x"}`)),
			processortest.NewEvent("HI", processortest.WithPush("T", "B"), processortest.WithMetadata(`{"m":"x"}`))},
		{"push texts are cut to the limits", rules.Scope{Content: new(false)}, long,
			processortest.NewEvent("hi", processortest.WithPush("t", "b")),
			processortest.NewEvent("hi", processortest.WithPush(strings.Repeat("é", messaging.MaxPushTitleLen-1)+"…", strings.Repeat("é", messaging.MaxPushBodyLen-1)+"…"))},
		{"metadata values, the rest kept byte for byte", rules.Scope{Push: new(false), Metadata: []string{"note"}}, upper,
			processortest.NewEvent("hi", processortest.WithMetadata("{ \"note\" : [\"a\\\"b\", 1, \"<é>\"], \"other\": \"x\" }")),
			processortest.NewEvent("HI", processortest.WithMetadata("{ \"note\" : [\"A\\\"B\", 1, \"<É>\"], \"other\": \"x\" }"))},
		{"an unchanged escaped value keeps its escapes", rules.Scope{Metadata: []string{"*"}}, func(_ rules.Place, s string) string { return s },
			processortest.NewEvent("hi", processortest.WithMetadata(`{"a":"\u0041"}`)),
			processortest.NewEvent("hi", processortest.WithMetadata(`{"a":"\u0041"}`))},
		{"replacements are escaped as JSON needs", rules.Scope{Content: new(false), Metadata: []string{"*"}}, func(_ rules.Place, s string) string { return s + "\"\\\n" },
			processortest.NewEvent("hi", processortest.WithMetadata(`{"a":"x"}`)),
			processortest.NewEvent("hi", processortest.WithMetadata(`{"a":"x\"\\\n"}`))},
		{"metadata that is not JSON, with *", rules.Scope{Content: new(false), Metadata: []string{"*"}}, upper,
			processortest.NewEvent("hi", processortest.WithMetadata(`note: x`)),
			processortest.NewEvent("hi", processortest.WithMetadata(`NOTE: X`))},
		{"attributes", rules.Scope{Content: new(false), Attributes: []string{"*"}}, upper,
			processortest.NewEvent("hi", processortest.WithAttribute("a", "x", "y"), processortest.WithAttribute("CHIME.mentions", "m")),
			processortest.NewEvent("hi", processortest.WithAttribute("a", "X", "Y"), processortest.WithAttribute("CHIME.mentions", "m"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := processor.NewMessage(tt.in)
			compile(t, tt.scope).Rewrite(m, tt.fn)
			want := processor.NewMessage(tt.out)
			assert.Equal(t, want.Content, m.Content)
			assert.Equal(t, want.Metadata, m.Metadata)
			assert.Equal(t, want.PushNotification, m.PushNotification)
			assert.Equal(t, want.MessageAttributes, m.MessageAttributes)
		})
	}
}

// Rewrite never writes through to an attribute's values: the working copy
// may share them with whoever made the message.
func TestTextsRewriteCopiesAttributes(t *testing.T) {
	m := processor.NewMessage(processortest.NewEvent("hi"))
	shared := []string{"a", "b"}
	m.MessageAttributes = map[string]messaging.MessageAttributeValue{"x": {StringValues: shared}}
	compile(t, rules.Scope{Attributes: []string{"x"}}).Rewrite(m, func(_ rules.Place, s string) string { return strings.ToUpper(s) })
	assert.Equal(t, []string{"a", "b"}, shared)
	assert.Equal(t, []string{"A", "B"}, m.MessageAttributes["x"].StringValues)
}

func TestTextsDoNotAllocate(t *testing.T) {
	texts := compile(t, rules.Scope{Metadata: []string{"note", "profile.tel", "*"}, Attributes: []string{"*", "CHIME.mentions"}})
	m := processor.NewMessage(processortest.NewEvent("a clean message", processortest.WithPush("Alice", "a clean message"),
		processortest.WithMetadata(`{"note":"x","profile":{"tel":["1","2"]},"n":[1,{"a":true}]}`),
		processortest.WithAttribute("topic", "lunch"), processortest.WithAttribute("CHIME.mentions", "@x"), processortest.WithAttribute("b", "c")))
	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		texts.Each(m, func(_ rules.Place, s string) bool { n += len(s); return true })
		texts.Rewrite(m, func(_ rules.Place, s string) string { return s })
	})
	assert.Zero(t, allocs)
}

func TestScopeCompileProblems(t *testing.T) {
	tests := []struct {
		name  string
		scope rules.Scope
		want  string
	}{
		{"covers nothing", rules.Scope{Content: new(false), Push: new(false)}, "option scope: covers nothing: turn on content or push, or list metadata key paths or attributes"},
		{"bad key path", rules.Scope{Metadata: []string{"ok", "a..b", ""}}, "option scope.metadata.1: key path \"a..b\" has an empty key (write \\. for a dot within a key)\noption scope.metadata.2: empty key path"},
		{"path twice", rules.Scope{Metadata: []string{"a", "a"}}, `option scope.metadata.1: "a" given twice`},
		{"attribute names", rules.Scope{Attributes: []string{"", strings.Repeat("x", 65), "ok", "ok"}},
			"option scope.attributes.0: attribute names have 1 to 64 characters, \"\" has 0\n" +
				"option scope.attributes.1: attribute names have 1 to 64 characters, \"" + strings.Repeat("x", 65) + "\" has 65\n" +
				`option scope.attributes.3: "ok" given twice`},
		{"too many paths", rules.Scope{Metadata: manyPaths(65)}, "option scope.metadata: 65 key paths, over the bound of 64 (use a shorter path that covers several)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var bad rules.Problems
			tt.scope.Compile("scope", &bad)
			assert.EqualError(t, bad.Err(), tt.want)
		})
	}
}

func manyPaths(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "k" + strings.Repeat("x", i)
	}
	return out
}

func TestPlaceString(t *testing.T) {
	for place, want := range map[rules.Place]string{
		{Part: rules.PartContent}:                         "Content",
		{Part: rules.PartPushTitle}:                       "PushNotification.Title",
		{Part: rules.PartPushBody}:                        "PushNotification.Body",
		{Part: rules.PartMetadata, Name: "*"}:             "Metadata",
		{Part: rules.PartMetadata, Name: "profile.tel"}:   "Metadata.profile.tel",
		{Part: rules.PartAttribute, Name: "*"}:            "MessageAttributes",
		{Part: rules.PartAttribute, Name: "subject"}:      "MessageAttributes.subject",
		{Part: rules.PartAttribute + 1, Name: "whatever"}: "Part(5).whatever",
	} {
		assert.Equal(t, want, place.String())
	}
	assert.Equal(t, "Content, PushNotification, Metadata.a, MessageAttributes, MessageAttributes.CHIME.mentions",
		compile(t, rules.Scope{Metadata: []string{"a"}, Attributes: []string{"*", "CHIME.mentions"}}).String())
}

// A rule built on Texts, end to end: masks digits in what its scope
// covers.
func TestScopeInARule(t *testing.T) {
	type config struct {
		Scope rules.Scope `yaml:"scope"`
	}
	rules.Register("test-digits", rules.Define(func(c config) (processor.Rule, error) {
		var bad rules.Problems
		texts := c.Scope.Compile("scope", &bad)
		if err := bad.Err(); err != nil {
			return nil, err
		}
		return processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
			texts.Rewrite(m, func(_ rules.Place, s string) string {
				return strings.Map(func(r rune) rune {
					if r >= '0' && r <= '9' {
						return '#'
					}
					return r
				}, s)
			})
			return processor.Continue, nil
		}), nil
	}))
	r, err := rules.New("test-digits", []byte(`scope: {push: false, metadata: [pin]}`))
	require.NoError(t, err)
	out := processortest.RunRule(t, r, processortest.NewEvent("call 555", processortest.WithPush("t", "555"), processortest.WithMetadata(`{"pin":"1234","n":"9"}`)))
	assert.Equal(t, "call ###", out.Message.Content)
	assert.Equal(t, "555", out.Message.PushNotification.Body)
	assert.Equal(t, `{"pin":"####","n":"9"}`, out.Message.Metadata)

	problems := configProblems(t, "rules:\n  - rule: test-digits\n    options:\n      scope: {metadata: [ok, 'a..b'], attributes: ['']}\n")
	assert.Equal(t, []string{
		`d.yaml:4:30: rule test-digits: option scope.metadata.1: key path "a..b" has an empty key (write \. for a dot within a key)`,
		`d.yaml:4:52: rule test-digits: option scope.attributes.0: attribute names have 1 to 64 characters, "" has 0`,
	}, problems)
}
