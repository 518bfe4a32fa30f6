package deny_test

import (
	"context"
	"fmt"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/deny" // registers "deny"
)

// The rule denies a message when one of its conditions holds; the reason
// names the condition.
func Example() {
	r, err := rules.New("deny", []byte(`
any:
  - keywords: [free money, casino]
  - longerThan: 280
  - sender: ["arn:aws:chime:*:111122223333:app-instance/*/user/banned-*"]
    reason: sender is banned
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, content := range []string{"Lunch at noon?", "Get FREE MONEY at the casino!"} {
		v, err := r.Apply(context.Background(), processor.NewMessage(processortest.NewEvent(content)))
		fmt.Printf("%q: deny=%v reason=%q err=%v\n", content, v.Deny, v.Reason, err)
	}
	// Output:
	// "Lunch at noon?": deny=false reason="" err=<nil>
	// "Get FREE MONEY at the casino!": deny=true reason="Content contains keyword \"free money\"" err=<nil>
}

// Conditions nest: here only admins may post to announcement channels, and
// bots may not send persistent messages.
func Example_nested() {
	r, err := rules.New("deny", []byte(`
any:
  - all:
      - channel: ["arn:aws:chime:*:*:app-instance/*/channel/announcements"]
      - not: {sender: ["arn:aws:chime:*:*:app-instance/*/user/admin-*"]}
    reason: only admins post announcements
  - all: [{bot: true}, {persistence: PERSISTENT}]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	announcements := "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/channel/announcements"
	admin := "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/user/admin-bob"
	events := []*processor.Event{
		processortest.NewEvent("hello", processortest.WithChannel(announcements)),
		processortest.NewEvent("hello", processortest.WithChannel(announcements), processortest.WithSender(admin, "Bob")),
		processortest.NewEvent("beep", processortest.WithSender(processortest.BotArn, "Helper")),
		processortest.NewEvent("beep", processortest.WithSender(processortest.BotArn, "Helper"), processortest.NonPersistent()),
	}
	for _, ev := range events {
		out := processor.NewPipeline(processor.Stage{Name: "deny", Rule: r}).Run(context.Background(), ev)
		fmt.Printf("%s %q\n", out.Action, out.Reason)
	}
	// Output:
	// DENY "only admins post announcements"
	// ALLOW ""
	// DENY "sender is a bot and message is PERSISTENT"
	// ALLOW ""
}

// Mistakes in the options are reported with their place in the file.
func Example_errors() {
	_, err := rules.Parse([]byte(`
rules:
  - rule: deny
    options:
      any:
        - regex: '(unclosed'
        - longerThan: lots
`), "rules.yaml")
	fmt.Println(err)
	// Output:
	// rules configuration: 2 problem(s):
	//   rules.yaml:6:18: rule deny: option any.0.regex: bad regular expression (RE2 syntax): error parsing regexp: missing closing ): `(unclosed`
	//   rules.yaml:7:23: rule deny: option any.1.longerThan: "lots" is not a whole number (64-bit)
}
