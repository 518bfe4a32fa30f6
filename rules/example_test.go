package rules_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

// shoutOptions are the options of the "shout" rule.
type shoutOptions struct {
	Words []string `yaml:"words"` // the words to upper-case
}

// Register a rule under a name, then pick it, with its options, from a
// configuration document.
func ExampleRegister() {
	rules.Register("shout", func(o rules.Options) (processor.Rule, error) {
		var opts shoutOptions
		if err := o.Decode(&opts); err != nil {
			return nil, err
		}
		if len(opts.Words) == 0 {
			return nil, o.Errorf("words", "give at least one word")
		}
		return processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
			for _, w := range opts.Words {
				m.Content = strings.ReplaceAll(m.Content, w, strings.ToUpper(w))
			}
			return processor.Continue, nil
		}), nil
	})

	cfg, err := rules.Parse([]byte(`
rules:
  - rule: shout
    options:
      words: [urgent]
`), "example.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := &processor.Event{ChannelMessage: processor.ChannelMessage{Content: "this is urgent"}}
	out := cfg.Route(&ev.ChannelMessage).Run(context.Background(), ev)
	fmt.Println(out.Action, out.Message.Content)

	_, err = rules.Parse([]byte("rules:\n  - rule: shout\n    options: {wrds: [x]}\n"), "bad.yaml")
	fmt.Println(err)
	// Output:
	// REWRITE this is URGENT
	// rules configuration: 1 problem(s):
	//   bad.yaml:3:15: rule shout: unknown option "wrds" (known: words)
}
