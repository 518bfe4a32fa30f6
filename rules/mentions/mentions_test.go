package mentions_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
	"github.com/chimeflow/chimeflow/rules/mentions"
)

func ptr[T any](v T) *T { return &v }

func newRule(t testing.TB, c mentions.Config) *mentions.Rule {
	t.Helper()
	r, err := mentions.New(c)
	require.NoError(t, err)
	return r
}

func member(i int) string {
	return fmt.Sprintf("arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/user/u%d", i)
}

func TestCap(t *testing.T) {
	three := mentions.Config{Max: ptr(3), Everyone: []string{"all", "here", "@channel"}}
	for _, tc := range []struct {
		name   string
		text   string
		attr   []string
		denied bool
	}{
		{"no mention", "hello", nil, false},
		{"three in the text", "@ann @bob @cy hi", nil, false},
		{"four in the text", "@ann @bob @cy @dee hi", nil, true},
		{"the same person, any case, counts once", "@ann @Ann @ANN @bob @cy", nil, false},
		{"punctuation ends a handle", "@ann, @bob. @cy! @ann.", nil, false},
		{"dotted handles", "@ann.lee @bob_k @cy-d @dee.", nil, true},
		{"e-mail addresses are not mentions", "ann@example.com bob@example.com cy@x.io dee@y.io", nil, false},
		{"three in the attribute", "hi", []string{member(1), member(2), member(3)}, false},
		{"four in the attribute", "hi", []string{member(1), member(2), member(3), member(4)}, true},
		{"duplicate and blank attribute values", "hi", []string{member(1), member(1), " ", member(2), member(2) + " "}, false},
		{"text and attribute name the same people", "@ann @bob @cy", []string{member(1), member(2), member(3)}, false},
		{"the larger count counts", "@ann", []string{member(1), member(2), member(3), member(4)}, true},
		{"@all mentions everyone", "hey @all", nil, true},
		{"@CHANNEL too, any case", "hey @CHANNEL", nil, true},
		{"@alligator is not @all", "hey @alligator", nil, false},
		{"a bare @ is nothing", "@ @ @ @ meet @ noon", nil, false},
		{"fullwidth at", "\uff20ann \uff20bob \uff20cy \uff20dee", nil, true},
		{"small commercial at", "\ufe6bann \ufe6bbob \ufe6bcy \ufe6bdee", nil, true},
		{"invisible characters do not make a new person", "@ann @a\u200bnn @an\u200dn @bob @cy", nil, false},
		{"invisible characters before the @", "x\u200b@ann x@bob", nil, false},
		{"markdown around mentions", "**@ann** _@bob_ `@cy` [@dee](https://example.com)", nil, true},
		{"non-Latin handles", "@Анна @Борис @Сергей @Дина", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := []processortest.Option{}
			if tc.attr != nil {
				opts = append(opts, processortest.WithAttribute(mentions.Attribute, tc.attr...))
			}
			out := processortest.RunRule(t, newRule(t, three), processortest.NewEvent(tc.text, opts...))
			assert.Equal(t, tc.denied, out.Action == processor.ActionDeny, out.Reason)
		})
	}
}

func TestReasonsNameConfigurationOnly(t *testing.T) {
	r := newRule(t, mentions.Config{Max: ptr(1), Everyone: []string{"Here"}})
	out := processortest.RunRule(t, r, processortest.NewEvent("@zed @yan"))
	assert.Equal(t, "mentions: more than 1 people mentioned", out.Reason)
	out = processortest.RunRule(t, r, processortest.NewEvent("@HERE now"))
	assert.Equal(t, "mentions: @Here mentions everyone", out.Reason, "the handle as configured, not as written")
}

func TestTextOff(t *testing.T) {
	r := newRule(t, mentions.Config{Max: ptr(0), Text: ptr(false)})
	assert.Equal(t, processor.ActionAllow, processortest.RunRule(t, r, processortest.NewEvent("@ann")).Action)
	out := processortest.RunRule(t, r, processortest.NewEvent("hi", processortest.WithAttribute(mentions.Attribute, member(1))))
	assert.Equal(t, processor.ActionDeny, out.Action)
}

func TestSizes(t *testing.T) {
	r := newRule(t, mentions.Config{Max: ptr(1000)})
	// 4096 characters of distinct handles: at most the cap, never slow.
	var b strings.Builder
	for i := 0; b.Len() < 4096; i++ {
		fmt.Fprintf(&b, "@u%d ", i)
	}
	text := b.String()[:4096]
	out := processortest.RunRule(t, r, processortest.NewEvent(text))
	assert.Equal(t, processor.ActionAllow, out.Action)
	small := newRule(t, mentions.Config{Max: ptr(100)})
	assert.Equal(t, processor.ActionDeny, processortest.RunRule(t, small, processortest.NewEvent(text)).Action)
	// An attribute value at its 512-character limit.
	long := strings.Repeat("a", 512)
	out = processortest.RunRule(t, newRule(t, mentions.Config{Max: ptr(1)}), processortest.NewEvent("hi", processortest.WithAttribute(mentions.Attribute, long, long+"")))
	assert.Equal(t, processor.ActionAllow, out.Action)
}

func TestOptions(t *testing.T) {
	ruletest.ExpectProblems(t, ruletest.OptionProblems(t, "mentions", "rules.yaml", `{}`),
		[]string{"4:7: rule mentions: option max: required"})
	ruletest.ExpectProblems(t, ruletest.OptionProblems(t, "mentions", "rules.yaml", `{max: -1}`),
		[]string{"4:13: rule mentions: option max: -1 is out of range"})
	ruletest.ExpectProblems(t, ruletest.OptionProblems(t, "mentions", "rules.yaml", `{max: 2, everyone: [all, "@", "two words"]}`),
		[]string{`option everyone.1: "@" is not a handle`, `option everyone.2: "two words" is not a handle`})
	_, err := rules.New("mentions", []byte(`{max: 0}`))
	assert.NoError(t, err)
}

func BenchmarkApply(b *testing.B) {
	r := newRule(b, mentions.Config{Max: ptr(10), Everyone: []string{"all"}})
	ruletest.BenchApply(b, r, strings.Repeat("hello @ann and @bob, see ann@example.com ", 40))
}

func FuzzApply(f *testing.F) {
	for _, s := range []string{"@ann @bob", "a@b", "\uff20x", "@\u200b", "@all", "@@@@", "\xff@\xfe"} {
		f.Add(s)
	}
	r := newRule(f, mentions.Config{Max: ptr(2), Everyone: []string{"all"}})
	f.Fuzz(func(t *testing.T, s string) {
		out := processortest.RunRule(t, r, processortest.NewEvent("x", func(ev *processor.Event) { ev.ChannelMessage.Content = s }))
		if out.Action == processor.ActionDeny {
			// Denied: at least three @ signs, or @all.
			ats := strings.Count(s, "@") + strings.Count(s, "\uff20") + strings.Count(s, "\ufe6b")
			assert.True(t, ats >= 3 || strings.Contains(strings.ToLower(s), "all"), "%q denied: %s", s, out.Reason)
		}
		assert.Empty(t, out.Errors)
	})
}
