package metadata_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/metadata" // registers "metadata"
)

// The rule deletes, merges and sets keys; templated values come from the
// message.
func Example() {
	r, err := rules.New("metadata", []byte(`
delete: [debug]
merge: {app: {theme: dark}}
set:
  audit.by: "{{sender.name}}"
  audit.edited: "{{message.edited}}"
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := processortest.NewEvent("hello", processortest.WithMetadata(`{"app":{"lang":"en"},"debug":true}`))
	out := processor.NewPipeline(processor.Stage{Name: "metadata", Rule: r}).Run(context.Background(), ev)
	fmt.Println(out.Action, out.Message.Metadata)
	// Output:
	// REWRITE {"app":{"lang":"en","theme":"dark"},"audit":{"by":"Alice","edited":false}}
}

// Placed last in a pipeline, the rule tells clients which rules changed a
// message.
func Example_annotate() {
	md, err := rules.New("metadata", []byte(`annotate: {key: moderation}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	upper := processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		m.Content = strings.ToUpper(m.Content)
		return processor.Continue, nil
	})
	p := processor.NewPipeline(
		processor.Stage{Name: "upper", Rule: upper},
		processor.Stage{Name: "metadata", Rule: md},
	)
	out := p.Run(context.Background(), processortest.NewEvent("hello", processortest.WithMetadata(`{"app":1}`)))
	fmt.Println(out.Message.Content, out.Message.Metadata)
	// Output:
	// HELLO {"app":1,"moderation":{"rules":["upper"],"contentChanged":true}}
}

// Metadata that is not a JSON object is kept as it is, unless nonJSON says
// to wrap or replace it.
func Example_nonJSON() {
	for _, mode := range []string{"keep", "wrap", "replace"} {
		r, err := rules.New("metadata", []byte(`{set: {v: 2}, nonJSON: `+mode+`}`))
		if err != nil {
			fmt.Println(err)
			return
		}
		m := processor.NewMessage(processortest.NewEvent("hi", processortest.WithMetadata("legacy text")))
		if _, err := r.Apply(context.Background(), m); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-7s %s\n", mode, m.Metadata)
	}
	// Output:
	// keep    legacy text
	// wrap    {"text":"legacy text","v":2}
	// replace {"v":2}
}

// With onOverflow: deny, a rewrite that would break the 1024-character
// limit denies the message.
func Example_overflow() {
	r, err := rules.New("metadata", []byte(`{set: {note: "{{sender.name}}"}, onOverflow: deny}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	full := `{"blob":"` + strings.Repeat("x", 1010) + `"}`
	m := processor.NewMessage(processortest.NewEvent("hi", processortest.WithMetadata(full)))
	v, err := r.Apply(context.Background(), m)
	fmt.Println(v.Deny, v.Reason, err)
	// Output:
	// true metadata: the rewritten metadata would be 1036 characters, over the limit of 1024 <nil>
}
