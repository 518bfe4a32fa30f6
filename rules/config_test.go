package rules_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/profanity" // the bundled default configuration uses it
)

// testOptions exercises every kind of option the decoder supports.
type testOptions struct {
	Word     string            `yaml:"word"`
	Count    int               `yaml:"count"`
	Ratio    float64           `yaml:"ratio"`
	Enabled  bool              `yaml:"enabled"`
	Wait     time.Duration     `yaml:"wait"`
	Words    []string          `yaml:"words"`
	Labels   map[string]string `yaml:"labels"`
	Pattern  string            `yaml:"pattern"`
	Senders  []string          `yaml:"senders"`
	Nested   *nested           `yaml:"nested"`
	Small    uint8             `yaml:"small"`
	Anything any               `yaml:"anything"`
}

type nested struct {
	Level int
}

// testRule appends its word to the content.
type testRule struct {
	opts    testOptions
	pattern *regexp.Regexp
	senders []rules.Glob
}

func (r *testRule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if r.opts.Word == "deny" {
		return processor.Deny("test rule"), nil
	}
	m.Content += r.opts.Word
	return processor.Continue, nil
}

// newTestRule checks the options the way a rule's New function does,
// reporting every problem by its option's path.
func newTestRule(c testOptions) (*testRule, error) {
	var bad rules.Problems
	r := &testRule{opts: c}
	if c.Count < 0 {
		bad.Add("count", "must not be negative, got %d", c.Count)
	}
	if c.Pattern != "" {
		re, err := rules.CompileRegexp(c.Pattern)
		if err != nil {
			bad.Add("pattern", "%v", err)
		}
		r.pattern = re
	}
	for i, s := range c.Senders {
		g, err := rules.ParseARNGlob(s)
		if err != nil {
			bad.Add(fmt.Sprintf("senders.%d", i), "%v", err)
		}
		r.senders = append(r.senders, g)
	}
	switch c.Word {
	case "factory-error":
		return nil, errors.New("plain factory error")
	case "factory-panic":
		panic("factory exploded")
	case "no-rule":
		return nil, nil
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

func init() { rules.Register("test-append", rules.Define(newTestRule)) }

func TestParseBuildsPipelines(t *testing.T) {
	doc := `
onError: allow
rules:
  - rule: test-append
    options: {word: " one"}
  - rule: test-append
    name: second
    dryRun: true
    onError: deny
    options:
      word: " two"
      count: 3
      ratio: 0.5
      enabled: true
      wait: 250ms
      words: [a, b]
      labels: {k: v}
      pattern: "^h(i|ello)$"
      senders: ["arn:aws:chime:*:111122223333:app-instance/*/user/*"]
      nested: {level: 2}
      small: 255
      anything: [1, {x: y}]
channels:
  - channel: "arn:aws:chime:us-east-1:111122223333:app-instance/*/channel/support-*"
    subChannel: "vip-*"
    name: support-vip
    rules:
      - rule: test-append
        options: {word: " vip"}
  - channel: "arn:aws:chime:us-east-1:111122223333:app-instance/*/channel/support-*"
    rules: []
`
	cfg, err := rules.Parse([]byte(doc), "test.yaml")
	require.NoError(t, err)
	require.Len(t, cfg.Default.Stages, 2)
	assert.Equal(t, processor.PolicyAllow, cfg.Default.OnError)
	assert.Equal(t, "test-append", cfg.Default.Stages[0].Name)
	st := cfg.Default.Stages[1]
	assert.Equal(t, "second", st.Name)
	assert.True(t, st.DryRun)
	assert.Equal(t, processor.PolicyDeny, st.OnError)
	opts := st.Rule.(*testRule).opts
	assert.Equal(t, 3, opts.Count)
	assert.Equal(t, 0.5, opts.Ratio)
	assert.True(t, opts.Enabled)
	assert.Equal(t, 250*time.Millisecond, opts.Wait)
	assert.Equal(t, []string{"a", "b"}, opts.Words)
	assert.Equal(t, map[string]string{"k": "v"}, opts.Labels)
	assert.True(t, st.Rule.(*testRule).pattern.MatchString("hello"))
	assert.True(t, st.Rule.(*testRule).senders[0].Match("arn:aws:chime:eu-west-1:111122223333:app-instance/x/user/y"))
	assert.Equal(t, 2, opts.Nested.Level)
	assert.Equal(t, uint8(255), opts.Small)
	assert.Equal(t, []any{1, map[string]any{"x": "y"}}, opts.Anything)

	route := func(arn, sub string) string {
		return cfg.Route(&processor.ChannelMessage{ChannelArn: arn, SubChannelID: sub}).Name
	}
	support := "arn:aws:chime:us-east-1:111122223333:app-instance/abc/channel/support-42"
	assert.Equal(t, "support-vip", route(support, "vip-1"))
	assert.Equal(t, "arn:aws:chime:us-east-1:111122223333:app-instance/*/channel/support-*", route(support, "other"), "unnamed pipelines are named by their glob")
	assert.Equal(t, "default", route("arn:aws:chime:us-east-1:111122223333:app-instance/abc/channel/general", ""))
	assert.Empty(t, cfg.Channels[1].Pipeline.Stages)
	assert.Equal(t, processor.PolicyAllow, cfg.Channels[1].Pipeline.OnError, "channels inherit the top-level policy")
}

func TestParseJSON(t *testing.T) {
	cfg, err := rules.Parse([]byte(`{"rules":[{"rule":"test-append","options":{"word":"!"}}]}`), "$CHIMEFLOW_CONFIG")
	require.NoError(t, err)
	require.Len(t, cfg.Default.Stages, 1)
	assert.Equal(t, processor.PolicyDeny, cfg.Default.OnError)
}

func TestParseReportsEveryProblemWithItsPlace(t *testing.T) {
	doc := strings.Join([]string{
		/* 1 */ "onError: sometimes",
		/* 2 */ "rules:",
		/* 3 */ "  - rule: no-such-rule",
		/* 4 */ "  - rule: test-append",
		/* 5 */ "    options:",
		/* 6 */ "      wrod: typo",
		/* 7 */ "      count: many",
		/* 8 */ "      pattern: \"a(b\"",
		/* 9 */ "      senders: [\"not-an-arn\"]",
		/* 10 */ "      words: just-one",
		/* 11 */ "      enabled: maybe",
		/* 12 */ "      wait: forever",
		/* 13 */ "      small: 256",
		/* 14 */ "  - rule: test-append",
		/* 15 */ "    options: {count: -1}",
		/* 16 */ "  - name: nameless",
		/* 17 */ "  - rule: test-append",
		/* 18 */ "    dryrun: true",
		/* 19 */ "channels:",
		/* 20 */ "  - channel: \"arn:aws:chime:*\"",
		/* 21 */ "    subChannel: \"bad/sub\"",
		/* 22 */ "    rules:",
		/* 23 */ "      - rule: test-append",
		/* 24 */ "        options: {word: factory-error}",
		/* 25 */ "      - rule: test-append",
		/* 26 */ "        name: boom",
		/* 27 */ "        options: {word: factory-panic}",
		/* 28 */ "  - subChannel: x",
		/* 29 */ "extra: 1",
	}, "\n")
	_, err := rules.Parse([]byte(doc), "bad.yaml")
	var ce *rules.ConfigError
	require.ErrorAs(t, err, &ce)
	got := err.Error()
	for _, want := range []string{
		`bad.yaml:1:10: onError: "sometimes" is not deny or allow`,
		`bad.yaml:3:11: unknown rule "no-such-rule" (registered: `,
		`bad.yaml:6:7: rule test-append: unknown option "wrod" (known: word, count, ratio`,
		`bad.yaml:7:14: rule test-append: option count: "many" is not a whole number`,
		`bad.yaml:8:16: rule test-append: option pattern: bad regular expression (RE2 syntax)`,
		`bad.yaml:9:17: rule test-append: option senders.0: ARN glob "not-an-arn" must look like`,
		`bad.yaml:10:14: rule test-append: option words: want a list, got "just-one"`,
		`bad.yaml:11:16: rule test-append: option enabled: "maybe" is not true or false`,
		`bad.yaml:12:13: rule test-append: option wait: "forever" is not a duration`,
		`bad.yaml:13:14: rule test-append: option small: "256" is not a non-negative whole number`,
		`bad.yaml:15:22: rule test-append: option count: must not be negative, got -1`,
		`bad.yaml:16:5: rule entry: rule (the registered rule name) is required`,
		`bad.yaml:18:5: rule entry: unknown field "dryrun" (known: rule, name, dryRun, onError, skip, options)`,
		`bad.yaml:20:14: channels[0]: ARN glob "arn:aws:chime:*" has 4 of the 6 colon-separated parts`,
		`bad.yaml:21:17: channels[0]: id glob "bad/sub" may hold only`,
		`bad.yaml:24:18: rule test-append: plain factory error`,
		`bad.yaml:27:18: rule boom: factory panicked: factory exploded`,
		`bad.yaml:28:5: channels[1]: channel (an ARN glob) is required`,
		`bad.yaml:28:5: channels[1]: rules is required`,
		`bad.yaml:29:1: unknown field "extra" (known: onError, skip, rules, channels)`,
	} {
		assert.Contains(t, got, want)
	}
	assert.Len(t, ce.Problems, 22, got)
	// Problems come out in the order they were found, with positions.
	for _, p := range ce.Problems {
		assert.Equal(t, "bad.yaml", p.Source)
		assert.Positive(t, p.Line, p.String())
	}
}

func TestParseDocumentErrors(t *testing.T) {
	tests := map[string]string{
		"":                 "the document is empty",
		"rules: [":         "not valid YAML or JSON",
		"- a\n- b":         "want a mapping, got a list",
		"rules: {rule: x}": "want a list, got a mapping",
		"rules:\n  - rule: test-append\n  - rule: test-append\n": "two rules named \"test-append\"",
	}
	for doc, want := range tests {
		_, err := rules.Parse([]byte(doc), "d.yaml")
		require.Error(t, err, doc)
		assert.Contains(t, err.Error(), want, doc)
	}
}

func TestRegistry(t *testing.T) {
	assert.Contains(t, rules.Names(), "test-append")
	_, ok := rules.Lookup("test-append")
	assert.True(t, ok)
	assert.PanicsWithValue(t, "rules: Register called twice for rule test-append", func() {
		rules.Register("test-append", rules.Define(newTestRule))
	})
	assert.Panics(t, func() { rules.Register("", rules.Define(newTestRule)) })
	var zero rules.Factory
	assert.Panics(t, func() { rules.Register("zero-factory", zero) })
	assert.Panics(t, func() { rules.Define[testOptions, *testRule](nil) })

	r, err := rules.New("test-append", []byte("word: '!'"))
	require.NoError(t, err)
	out := processor.NewPipeline(processor.Stage{Name: "t", Rule: r}).Run(context.Background(), &processor.Event{ChannelMessage: processor.ChannelMessage{Content: "hi"}})
	assert.Equal(t, "hi!", out.Message.Content)

	_, err = rules.New("test-append", []byte("wrod: x"))
	assert.ErrorContains(t, err, `unknown option "wrod"`)
	_, err = rules.New("missing", nil)
	assert.ErrorContains(t, err, `unknown rule "missing" (registered: `)
	_, links := rules.Lookup("links")
	require.False(t, links, "this test binary must not register the links rule")
	_, err = rules.New("links", nil)
	assert.ErrorContains(t, err, `rule "links" is built in but not registered in this program: add import _ "github.com/chimeflow/chimeflow/rules/links"`)
	problems := configProblems(t, "rules:\n  - rule: links\n")
	assert.Equal(t, []string{`d.yaml:2:11: rule "links" is built in but not registered in this program: add import _ "github.com/chimeflow/chimeflow/rules/links" (or _ "github.com/chimeflow/chimeflow/rules/all" for every built-in rule)`}, problems)
}

func TestDefaultConfigLoads(t *testing.T) {
	def, err := rules.Default()
	require.NoError(t, err)
	assert.NotEmpty(t, rules.DefaultDocument())
	cfg, err := rules.Load("")
	require.NoError(t, err)
	assert.Equal(t, len(def.Default.Stages), len(cfg.Default.Stages), `Load("") is the bundled default`)
	_, err = rules.Load("testdata/missing.yaml")
	assert.ErrorContains(t, err, "missing.yaml")
}

func TestSetErrorPolicy(t *testing.T) {
	cfg, err := rules.Parse([]byte("rules: [{rule: test-append, onError: deny}]\nchannels:\n  - {channel: '*', onError: deny, rules: []}\n"), "p.yaml")
	require.NoError(t, err)
	cfg.SetErrorPolicy(processor.PolicyAllow)
	assert.Equal(t, processor.PolicyAllow, cfg.Default.OnError)
	assert.Equal(t, processor.PolicyAllow, cfg.Channels[0].Pipeline.OnError)
	assert.Equal(t, processor.PolicyDeny, cfg.Default.Stages[0].OnError, "a stage's own policy stands")
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything/at:all", true},
		{"a*", "", false},
		{"a*c", "abc", true},
		{"a*c", "abcd", false},
		{"a*b*c", "a-b-b-c", true},
		{"a?c", "abc", true},
		{"a?c", "aéc", true},
		{"a?c", "ac", false},
		{"arn:aws:chime:*:111122223333:app-instance/*/channel/*", "arn:aws:chime:us-east-1:111122223333:app-instance/x/channel/y", true},
		{"arn:aws:chime:*:111122223333:app-instance/*/channel/*", "arn:aws:chime:us-east-1:999999999999:app-instance/x/channel/y", false},
		{"*-vip", "room-vip", true},
		{"*-vip", "room-vip2", false},
		{strings.Repeat("*a", 20) + "b", strings.Repeat("a", 60), false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, rules.Glob(tt.pattern).Match(tt.s), fmt.Sprintf("%q ~ %q", tt.pattern, tt.s))
	}
	for _, bad := range []string{"channel/*", "arn:aws:chime:*", "arn:AWS:chime:r:a:x", "arn:aws:chime:r:a:"} {
		_, err := rules.ParseARNGlob(bad)
		assert.Error(t, err, bad)
	}
	_, err := rules.ParseIDGlob("")
	assert.Error(t, err)
}

// deep is a rule whose options nest without end.
type deep struct{ Next *deep }

func init() {
	rules.Register("test-deep", rules.Define(func(deep) (*testRule, error) { return &testRule{}, nil }))
}

func TestAliases(t *testing.T) {
	tests := []struct {
		name, rule, options string
		want                string // "" for no problem
	}{
		{"alias that holds itself", "test-deep", "next: &x {next: *x}", "1:17: rule test-deep: option next.next: alias *x refers to a value that holds it"},
		{"alias inside any", "test-append", "anything: &x [1, *x]", "1:18: rule test-append: option anything.1: alias *x refers to a value that holds it"},
		{"alias used twice", "test-append", "words: &w [a, b]\nlabels: {k: v}\nanything: [*w, *w]", ""},
		{"nested deep", "test-deep", "next: " + strings.Repeat("{next: ", 70) + "{}" + strings.Repeat("}", 70), "nested more than 64 levels deep"},
		{"null inside", "test-deep", "next: {next: {next: null}}", "option next.next.next: has no value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := rules.New(tt.rule, []byte(tt.options))
			if tt.want == "" {
				assert.NoError(t, err)
				return
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

func TestProblemPaths(t *testing.T) {
	type options struct{ Set map[string]any }
	rules.Register("test-dotted", rules.Define(func(o options) (*testRule, error) {
		var bad rules.Problems
		bad.Add("set.audit.by", "no")
		bad.Add("set.a.b.0", "no list")
		bad.Add("set.missing.x", "nearest")
		bad.Add("", "as a whole")
		return nil, bad.Err()
	}))
	problems := configProblems(t, "rules:\n  - rule: test-dotted\n    options:\n      set: {a: 1, audit.by: x, a.b: [y]}\n")
	assert.Equal(t, []string{
		"d.yaml:4:7: rule test-dotted: as a whole",
		"d.yaml:4:12: rule test-dotted: option set.missing.x: nearest",
		"d.yaml:4:29: rule test-dotted: option set.audit.by: no",
		"d.yaml:4:38: rule test-dotted: option set.a.b.0: no list",
	}, problems)
}

// configProblems parses doc, named d.yaml, and returns its problems.
func configProblems(t *testing.T, doc string) []string {
	t.Helper()
	_, err := rules.Parse([]byte(doc), "d.yaml")
	var ce *rules.ConfigError
	require.ErrorAs(t, err, &ce)
	var out []string
	for _, p := range ce.Problems {
		out = append(out, p.String())
	}
	return out
}

// limits is the options of a rule whose New complains about zero values.
type limits struct {
	Limit int
	Other []string
}

func init() {
	rules.Register("test-limit", rules.Define(func(c limits) (*testRule, error) {
		var bad rules.Problems
		if c.Limit < 1 {
			bad.Add("limit", "want 1 or more, got %d", c.Limit)
		}
		if len(c.Other) == 0 {
			bad.Add("", "give other")
		}
		return &testRule{}, bad.Err()
	}))
}

// New is called even when some options failed to decode, so that every
// mistake is reported at once; what it says about an option that failed,
// or about what holds one, is a consequence and is dropped.
func TestConsequencesAreDropped(t *testing.T) {
	tests := []struct {
		options string
		want    []string
	}{
		{"{limit: 0, other: [x]}", []string{"d.yaml:3:22: rule test-limit: option limit: want 1 or more, got 0"}},
		{"{limit: many, other: [x]}", []string{`d.yaml:3:22: rule test-limit: option limit: "many" is not a whole number (64-bit)`}},
		{"{limit: 0, other: x}", []string{
			"d.yaml:3:22: rule test-limit: option limit: want 1 or more, got 0",
			`d.yaml:3:32: rule test-limit: option other: want a list, got "x"`,
		}},
		{"{limit: 2, lmit: 3}", []string{ // "give other", about the options as a whole, follows from the unknown option
			`d.yaml:3:25: rule test-limit: unknown option "lmit" (known: limit, other)`,
		}},
		{"{limit: 0, othr: [x]}", []string{
			"d.yaml:3:22: rule test-limit: option limit: want 1 or more, got 0",
			`d.yaml:3:25: rule test-limit: unknown option "othr" (known: limit, other)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.options, func(t *testing.T) {
			assert.Equal(t, tt.want, configProblems(t, "rules:\n  - rule: test-limit\n    options: "+tt.options+"\n"))
		})
	}
}
