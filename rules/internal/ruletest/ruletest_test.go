package ruletest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

// fussy is a rule that reports a problem at each of its options that is
// not "ok".
const fussy = "ruletest-fussy"

// fussyConfig is the options of the fussy rule.
type fussyConfig struct{ A, B, C string }

func init() {
	rules.Register(fussy, rules.Define(func(c fussyConfig) (processor.Rule, error) {
		var bad rules.Problems
		for _, o := range []struct{ name, value string }{{"a", c.A}, {"b", c.B}, {"c", c.C}} {
			if o.value != "" && o.value != "ok" {
				bad.Add(o.name, "%q is not ok", o.value)
			}
		}
		if err := bad.Err(); err != nil {
			return nil, err
		}
		return processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) {
			return processor.Continue, nil
		}), nil
	}))
}

func TestOptionProblems(t *testing.T) {
	tests := []struct {
		name, options string
		want          []string
	}{
		{"one line", "{a: x, b: ok, c: y}", []string{
			`f.yaml:4:11: rule ruletest-fussy: option a: "x" is not ok`,
			`f.yaml:4:24: rule ruletest-fussy: option c: "y" is not ok`,
		}},
		{"lines, trimmed and indented", "\n  a: x\nb: y\n", []string{
			`f.yaml:4:10: rule ruletest-fussy: option a: "x" is not ok`,
			`f.yaml:5:10: rule ruletest-fussy: option b: "y" is not ok`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := OptionProblems(t, fussy, "f.yaml", tt.options); !slices.Equal(got, tt.want) {
				t.Errorf("problems\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(tt.want, "\n\t"))
			}
		})
	}
}

func TestConfigProblems(t *testing.T) {
	got := ConfigProblems(t, "rules:\n  - rule: ruletest-nosuch\n  - rule: "+fussy+"\n    options: {b: x}\n", "c.yaml")
	if len(got) != 2 || !strings.HasPrefix(got[0], "c.yaml:2:") || !strings.Contains(got[0], "ruletest-nosuch") ||
		got[1] != `c.yaml:4:18: rule ruletest-fussy: option b: "x" is not ok` {
		t.Errorf("problems %q", got)
	}
}

func TestMatchProblems(t *testing.T) {
	problems := []string{"f.yaml:4:7: rule x: option a: bad", "f.yaml:5:7: rule x: option b: bad"}
	tests := []struct {
		name string
		want []string
		ok   bool
	}{
		{"each contains its want", []string{":4:7: rule x", "option b"}, true},
		{"whole problems", problems, true},
		{"out of order", []string{"option b", "option a"}, false},
		{"one missing", []string{"option a"}, false},
		{"one too many", []string{"option a", "option b", "option c"}, false},
		{"not contained", []string{"option a", "option c"}, false},
	}
	for _, tt := range tests {
		if got := matchProblems(problems, tt.want); got != tt.ok {
			t.Errorf("%s: matchProblems = %v, want %v", tt.name, got, tt.ok)
		}
	}
	if !matchProblems(nil, nil) {
		t.Error("no problems do not match no wants")
	}
}
