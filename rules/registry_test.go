package rules

import "testing"

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
