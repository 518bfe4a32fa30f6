package rules_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/rules"
)

// tree is the options of a rule whose conditions nest, as the deny rule's
// do.
type tree struct {
	Any      []tree `yaml:"any"`
	Keywords []string
}

func init() {
	rules.Register("test-tree", rules.Define(func(tree) (*testRule, error) { return &testRule{}, nil }))
}

// aliasBomb returns a document of a few hundred bytes whose options stand
// for 8^levels conditions once its aliases are expanded.
func aliasBomb(rule, leaf string, levels int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rules:\n  - rule: %s\n    options:\n      any:\n        - &l0 {any: [%s]}\n", rule, strings.TrimSuffix(strings.Repeat(leaf+", ", 8), ", "))
	for i := 1; i < levels; i++ {
		fmt.Fprintf(&b, "        - &l%d {any: [%s]}\n", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*l%d, ", i-1), 8), ", "))
	}
	return b.String()
}

// TestAliasBomb: nested aliases may not stand for more values than
// MaxValues, in a rule's typed options or in free-form ones; the loader
// stops at the bound and says where. Before the bound, the first document
// loaded 2 million conditions.
func TestAliasBomb(t *testing.T) {
	tests := []struct {
		name, doc string
		at        string // where the bound is reached: the alias being expanded
	}{
		{"typed options", aliasBomb("test-tree", "{keywords: [x]}", 7), "bomb.yaml:6:37: rule test-tree: "},
		{"free-form options", strings.Replace(aliasBomb("test-append", "[x]", 7), "      any:\n", "      anything:\n", 1), "bomb.yaml:5:22: rule test-append: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Less(t, len(tt.doc), 700)
			_, err := rules.Parse([]byte(tt.doc), "bomb.yaml")
			var ce *rules.ConfigError
			require.ErrorAs(t, err, &ce)
			require.Len(t, ce.Problems, 1, err.Error())
			assert.Contains(t, ce.Problems[0].String(), tt.at)
			assert.Contains(t, ce.Problems[0].Msg, fmt.Sprintf("the document is too large with its YAML aliases expanded: over %d values", rules.MaxValues))
		})
	}
	// Aliases used a sane number of times are fine.
	_, err := rules.Parse([]byte(aliasBomb("test-tree", "{keywords: [x]}", 3)), "ok.yaml")
	assert.NoError(t, err)
}

func TestCompileRegexp(t *testing.T) {
	tests := []struct {
		expr string
		want string // "" when it compiles
	}{
		{`(?i)\bcrypto\s*giveaway\b`, ""},
		{`\bEMP-\d{6}\b`, ""},
		{`[\w.+-]+@[\w-]+(\.[\w-]+)+`, ""},
		{`(?s)(((.)|(.)|(.)|(.)){0,27})X`, ""},
		{`(?s).{0,100}.{0,100}X`, ""},
		{`a{100}`, ""},
		{`(a`, "bad regular expression (RE2 syntax): error parsing regexp: missing closing )"},
		{`(?=a)`, "bad regular expression (RE2 syntax)"},
		{`a{101}`, "regular expression too costly: it repeats a part 101 times, over the bound of 100"},
		{`(?:x{2,}){0,500}`, "it repeats a part 500 times, over the bound of 100"},
		{`(?s)(((.)|(.)|(.)|(.)|(.)|(.)|(.)){0,1000})X`, "it repeats a part 1000 times, over the bound of 100"},
		{`(?s)(((.)|(.)|(.)|(.)){0,28})X`, "regular expression too costly: it compiles to 509 instructions, over the bound of 500"},
		{`(?s).{0,100}.{0,100}.{0,100}X`, "compiles to 603 instructions, over the bound of 500"},
		{`[\w.+-]{1,64}@[\w-]{1,63}(\.[\w-]{1,63}){1,3}`, "compiles to 641 instructions, over the bound of 500"},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			re, err := rules.CompileRegexp(tt.expr)
			if tt.want == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.expr, re.String())
				return
			}
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// BenchmarkRegexpCost compares, on a 4 KB message, an ordinary expression,
// the costliest shape within the bounds, and the 41-character expression
// the bounds refuse (compiled here without them).
//
//	go test -run XXX -bench RegexpCost ./rules
func BenchmarkRegexpCost(b *testing.B) {
	text := strings.Repeat("hello world, this is a fairly normal chat message with words. ", 70)[:4096]
	for _, bc := range []struct{ name, expr string }{
		{"ordinary", `(?i)\bcrypto\s*giveaway\b`},
		{"bounded-worst", `(?s)(((.)|(.)|(.)|(.)){0,27})X`},
		{"refused", `(?s)(((.)|(.)|(.)|(.)|(.)|(.)|(.)){0,1000})X`},
	} {
		re := regexp.MustCompile(bc.expr)
		if bc.name != "refused" {
			re = mustCompile(b, bc.expr)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				re.MatchString(text)
			}
		})
	}
}

func mustCompile(b *testing.B, expr string) *regexp.Regexp {
	re, err := rules.CompileRegexp(expr)
	if err != nil {
		b.Fatal(err)
	}
	return re
}
