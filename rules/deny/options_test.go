package deny_test

import (
	"testing"

	"github.com/chimeflow/chimeflow/rules/deny"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
)

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name    string
		options string
		want    []string // substrings of each problem, in order
	}{
		{"empty", `{}`, []string{"deny.yaml:4:7: rule deny: no condition: want one of sender, bot"}},
		{"two tests in one condition", "bot: true\nkeywords: [a]", []string{"deny.yaml:4:7: rule deny: a condition tests one thing, this one has bot and keywords: combine them with all"}},
		{"unknown option", `frob: 1`, []string{ // "no condition" follows from it
			`deny.yaml:4:7: rule deny: unknown option "frob" (known: reason, any, all, not, sender`,
		}},
		{"empty any", `any: []`, []string{"deny.yaml:4:12: rule deny: option any: the list of conditions is empty"}},
		{"wrong type", "any:\n  - longerThan: many", []string{`deny.yaml:5:23: rule deny: option any.0.longerThan: "many" is not a whole number`}},
		{"negative length", `longerThan: -1`, []string{"deny.yaml:4:19: rule deny: option longerThan: want a number of characters, 0 or more, got -1"}},
		{"bad regex", `regex: '(a'`, []string{"deny.yaml:4:14: rule deny: option regex: bad regular expression (RE2 syntax)"}},
		{"no lookaround in RE2", `regex: '(?=a)'`, []string{"deny.yaml:4:14: rule deny: option regex: bad regular expression"}},
		{"bad sender glob", "sender:\n  - arn:aws:chime:*\n  - not-an-arn", []string{
			`deny.yaml:5:11: rule deny: option sender.0: ARN glob "arn:aws:chime:*" has 4 of the 6 colon-separated parts`,
			`deny.yaml:6:11: rule deny: option sender.1: ARN glob "not-an-arn" must look like arn:`,
		}},
		{"bad channel glob", `channel: ["arn:aws:chime:US-EAST-1:1:x"]`, []string{"deny.yaml:4:17: rule deny: option channel.0: ARN glob"}},
		{"empty lists", "any:\n  - sender: []\n  - keywords: []\n  - contentType: []", []string{
			"deny.yaml:5:19: rule deny: option any.0.sender: the list is empty",
			"deny.yaml:6:21: rule deny: option any.1.keywords: the list is empty",
			"deny.yaml:7:24: rule deny: option any.2.contentType: the list is empty",
		}},
		{"empty keyword", `keywords: [ok, " "]`, []string{"deny.yaml:4:22: rule deny: option keywords.1: an empty keyword would match everywhere"}},
		{"keywords not a list", `keywords: spam`, []string{`deny.yaml:4:17: rule deny: option keywords: want a list, got "spam"`}},
		{"bad persistence", `persistence: sometimes`, []string{`deny.yaml:4:20: rule deny: option persistence: "sometimes" is not PERSISTENT or NON_PERSISTENT`}},
		{"metadata with nothing", `metadata: {}`, []string{"deny.yaml:4:17: rule deny: option metadata: want a key, a value or a regex"}},
		{"metadata value and regex", `metadata: {key: a, value: x, regex: y}`, []string{"deny.yaml:4:17: rule deny: option metadata: give value or regex, not both"}},
		{"metadata bad key", `metadata: {key: a..b}`, []string{`deny.yaml:4:23: rule deny: option metadata.key: key path "a..b" has an empty key`}},
		{"attribute with nothing", `attribute: {}`, []string{"deny.yaml:4:18: rule deny: option attribute: want a name, a value or a regex"}},
		{"null not", `not: ~`, []string{"deny.yaml:4:12: rule deny: option not: has no value"}},
		{"scope on a non-text condition", "bot: true\nscope: {push: false}", []string{"deny.yaml:5:14: rule deny: option scope: applies only to regex and keywords conditions, not to bot"}},
		{"bad scope", "keywords: [x]\nscope: {metadata: ['a..b']}", []string{`deny.yaml:5:26: rule deny: option scope.metadata.0: key path "a..b" has an empty key`}},
		{"too costly a regex", `regex: '(?s).{0,100}.{0,100}.{0,100}X'`, []string{"deny.yaml:4:14: rule deny: option regex: regular expression too costly: it compiles to 603 instructions, over the bound of 500"}},
		{"metadata regex", `metadata: {key: a, regex: '('}`, []string{"deny.yaml:4:33: rule deny: option metadata.regex: bad regular expression"}},
		{"not a mapping", "any:\n  - 3", []string{`deny.yaml:5:11: rule deny: option any.0: want a mapping, got "3"`}},
		{"mistakes everywhere, all reported", "any:\n  - bot: 3\n  - regex: '['\n  - all:\n      - {}\n      - persistence: x", []string{
			`deny.yaml:5:16: rule deny: option any.0.bot: "3" is not true or false`,
			"deny.yaml:6:18: rule deny: option any.1.regex: bad regular expression",
			"deny.yaml:8:15: rule deny: option any.2.all.0: no condition",
			`deny.yaml:9:28: rule deny: option any.2.all.1.persistence: "x" is not PERSISTENT`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ruletest.ExpectProblems(t, ruletest.OptionProblems(t, deny.Name, "deny.yaml", tt.options), tt.want)
		})
	}
}

func TestNoOptions(t *testing.T) {
	problems := ruletest.ConfigProblems(t, "rules:\n  - rule: deny\n", "deny.yaml")
	ruletest.ExpectProblems(t, problems, []string{"deny.yaml:2:5: rule deny: no condition"})
}
