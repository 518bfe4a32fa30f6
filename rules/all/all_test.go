package all_test

import (
	"slices"
	"testing"

	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/all"
)

// TestRegistersEveryBuiltInRule: rules/all registers the rules whose import
// path the loader's unknown-rule message gives, and nothing else.
func TestRegistersEveryBuiltInRule(t *testing.T) {
	want := []string{"deny", "escalation", "links", "mentions", "metadata", "pii", "profanity", "ratelimit", "redact", "repeat", "toxicity"}
	if got := rules.Names(); !slices.Equal(got, want) {
		t.Errorf("registered %v, want %v", got, want)
	}
	for _, name := range want {
		if _, err := rules.New(name, nil); err != nil && !isOptionsProblem(err) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// isOptionsProblem reports whether err is a configuration problem (some
// rules need options), rather than an unknown rule.
func isOptionsProblem(err error) bool {
	_, ok := err.(*rules.ConfigError)
	return ok
}
