package rules

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestUnknownRule(t *testing.T) {
	tests := []struct{ name, want string }{
		{"profanity", `rule "profanity" is built in but not registered in this program: add import _ "github.com/chimeflow/chimeflow/rules/profanity" (or _ "github.com/chimeflow/chimeflow/rules/all" for every built-in rule)`},
		{"links", `rule "links" is built in but not registered in this program: add import _ "github.com/chimeflow/chimeflow/rules/links" (or _ "github.com/chimeflow/chimeflow/rules/all" for every built-in rule)`},
		{"profanty", `unknown rule "profanty" (registered: deny, shout)`},
	}
	for _, tt := range tests {
		if got := unknownRule(tt.name, []string{"deny", "shout"}); got != tt.want {
			t.Errorf("unknownRule(%q) =\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

func TestChild(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("base: &b {x: 1}\nlist: [a, *b]\nk: ~\n"), &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	if got := child(child(root, "list"), "0").Value; got != "a" {
		t.Errorf("list.0 = %q", got)
	}
	if got := child(child(child(root, "list"), "1"), "x").Value; got != "1" {
		t.Errorf("list.1.x = %q: aliases are followed", got)
	}
	for _, missing := range []*yaml.Node{child(root, "missing"), child(child(root, "list"), "2"), child(nil, "x")} {
		if missing != nil {
			t.Errorf("found %v, want nothing", missing)
		}
	}
	if !isNull(child(root, "k")) || isNull(child(root, "base")) {
		t.Error("isNull")
	}
}
