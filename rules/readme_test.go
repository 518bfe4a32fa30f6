package rules_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeRule: the custom rule the README shows is the one ExampleDefine
// runs, line for line, from its type to its registration.
func TestReadmeRule(t *testing.T) {
	rule := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		start := strings.Index(s, "type shoutConfig struct")
		end := strings.Index(s, `func init() { rules.Register("shout", rules.Define(newShout)) }`)
		if start < 0 || end < start {
			t.Fatalf("%s: no shout rule from its type to its registration", path)
		}
		return s[start:end]
	}
	readme, example := rule("../README.md"), rule("example_test.go")
	if readme != example {
		t.Errorf("the README's rule differs from ExampleDefine's:\nREADME:\n%s\nexample_test.go:\n%s", readme, example)
	}
	// From the type to the registration, that line included.
	if n := strings.Count(readme, "\n") + 1; n > 20 {
		t.Errorf("the README's rule takes %d lines, want at most 20", n)
	}
}
