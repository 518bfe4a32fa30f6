package metadata_test

import (
	"testing"

	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
	"github.com/chimeflow/chimeflow/rules/metadata"
)

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name    string
		options string
		want    []string // substrings of each problem, in order
	}{
		{"nothing to do", `nonJSON: wrap`, []string{"md.yaml:4:7: rule metadata: nothing to do: give at least one of set, merge, delete, annotate"}},
		{"unknown option", `sett: {a: 1}`, []string{`md.yaml:4:7: rule metadata: unknown option "sett" (known: set, merge, delete, annotate, nonJSON, wrapKey, onOverflow)`}},
		{"bad delete paths", `delete: [ok, "a..b", "x.", 'a\b']`, []string{
			`md.yaml:4:20: rule metadata: option delete.1: key path "a..b" has an empty key`,
			`md.yaml:4:28: rule metadata: option delete.2: key path "x." ends with an empty key`,
			`md.yaml:4:34: rule metadata: option delete.3: key path "a\\b": a backslash may only escape`,
		}},
		{"delete not a list", `delete: a`, []string{`md.yaml:4:15: rule metadata: option delete: want a list, got "a"`}},
		{"merge not a mapping", `merge: [1]`, []string{"md.yaml:4:14: rule metadata: option merge: want a mapping, got a list"}},
		{"set not a mapping", `set: x`, []string{`md.yaml:4:12: rule metadata: option set: want a mapping, got "x"`}},
		{"set bad path", "set:\n  a..b: 1", []string{`md.yaml:5:15: rule metadata: option set.a..b: key path "a..b" has an empty key`}},
		{"non-JSON number", "set:\n  a: .nan\n  b: -.inf", []string{
			"md.yaml:5:12: rule metadata: option set.a: NaN is not a number JSON can hold",
			"md.yaml:6:12: rule metadata: option set.b: -Inf is not a number JSON can hold",
		}},
		{"templates", "set:\n  a: '{{sender.arn'\n  b: 'x {{}}'\n  c: '{{ bogus }}'", []string{
			"md.yaml:5:12: rule metadata: option set.a: unterminated {{ (write {{{{ for a literal {{) (at offset 0)",
			"md.yaml:6:12: rule metadata: option set.b: empty placeholder {{}} (at offset 2)",
			"md.yaml:7:12: rule metadata: option set.c: unknown placeholder {{bogus}} (known: channel.arn, message.contentType, message.created",
		}},
		{"template in a list", "merge:\n  tags: [ok, '{{sender.ARN}}']", []string{
			"md.yaml:5:20: rule metadata: option merge.tags.1: unknown placeholder {{sender.ARN}}; did you mean {{sender.arn}}? (at offset 0)",
		}},
		{"duplicate merge key", "merge:\n  a: {b: 1, b: 2}", []string{`md.yaml:5:19: rule metadata: option merge.a.b given twice`}},
		{"alias that holds itself", `set: &x {a: *x}`, []string{"md.yaml:4:19: rule metadata: option set.a: alias *x refers to a value that holds it"}},
		{"aliases that multiply", "merge:\n  a: &a [x, x, x, x, x, x, x, x, x, x]\n  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n  e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
			[]string{"rule metadata: the document is too large with its YAML aliases expanded: over 100000 values"}},
		{"bad annotation key", `annotate: {key: "a."}`, []string{`md.yaml:4:23: rule metadata: option annotate.key: key path "a." ends with an empty key`}},
		{"unknown annotate option", `annotate: {when: always, at: x}`, []string{`md.yaml:4:32: rule metadata: unknown option "annotate.at" (known: key, when)`}},
		{"wrapKey without wrap", "annotate: {}\nwrapKey: t", []string{"md.yaml:5:16: rule metadata: option wrapKey: applies only with nonJSON: wrap (nonJSON is keep)"}},
		{"bad enums", "annotate: {}\nnonJSON: drop\nonOverflow: truncate", []string{
			`md.yaml:5:16: rule metadata: option nonJSON: "drop" is not one of [keep wrap replace]`,
			`md.yaml:6:19: rule metadata: option onOverflow: "truncate" is not one of [keepOriginal dropAnnotation deny]`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ruletest.ExpectProblems(t, ruletest.OptionProblems(t, metadata.Name, "md.yaml", tt.options), tt.want)
		})
	}
}
