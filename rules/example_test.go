package rules_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
)

// A rule of your own: its options, its New function, its Apply method and
// its registration.

type shoutConfig struct{ Words []string } // option "words"
type shout struct{ words []string }

func newShout(c shoutConfig) (*shout, error) {
	var bad rules.Problems
	if len(c.Words) == 0 {
		bad.Add("words", "give at least one word")
	}
	return &shout{words: c.Words}, bad.Err()
}

func (r *shout) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	for _, w := range r.words {
		m.Content = strings.ReplaceAll(m.Content, w, strings.ToUpper(w))
	}
	return processor.Continue, nil
}

func init() { rules.Register("shout", rules.Define(newShout)) }

// Define a rule, register it, and pick it, with its options, from a
// configuration document; a mistake in the options is reported at its
// line and column.
func ExampleDefine() {
	cfg, err := rules.Parse([]byte("rules:\n  - rule: shout\n    options: {words: [urgent]}\n"), "example.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := processortest.NewEvent("this is urgent")
	out := cfg.Route(&ev.ChannelMessage).Run(context.Background(), ev)
	fmt.Println(out.Action, out.Message.Content)

	_, err = rules.Parse([]byte("rules:\n  - rule: shout\n    options: {wrds: [x]}\n"), "bad.yaml")
	fmt.Println(err)
	// Output:
	// REWRITE this is URGENT
	// rules configuration: 2 problem(s):
	//   bad.yaml:3:14: rule shout: option words: give at least one word
	//   bad.yaml:3:15: rule shout: unknown option "wrds" (known: words)
}

// The options of a rule as a Go program gives them: the same checks, the
// same messages.
func ExampleProblems() {
	_, err := newShout(shoutConfig{})
	fmt.Println(err)
	// Output:
	// option words: give at least one word
}

// A rule that rewrites text takes a Scope and walks the texts it covers.
func ExampleTexts_Rewrite() {
	var bad rules.Problems
	texts := rules.Scope{Metadata: []string{"note"}}.Compile("scope", &bad)
	if err := bad.Err(); err != nil {
		fmt.Println(err)
		return
	}
	m := processor.NewMessage(processortest.NewEvent("call me", processortest.WithPush("Alice", "call me"),
		processortest.WithMetadata(`{"note": "call me", "id": "call me"}`)))
	texts.Rewrite(m, func(p rules.Place, s string) string {
		fmt.Println(p)
		return strings.ToUpper(s)
	})
	fmt.Println(m.Content, "|", m.PushNotification.Body, "|", m.Metadata)
	// Output:
	// Content
	// PushNotification.Title
	// PushNotification.Body
	// Metadata.note
	// CALL ME | CALL ME | {"note": "CALL ME", "id": "call me"}
}
