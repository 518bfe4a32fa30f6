package processor_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
)

// A rule is one method. This one hides a project's code name and denies
// messages that leak a password.
func Example() {
	codeName := processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		if strings.Contains(m.Content, "password:") {
			return processor.Deny("looks like a credential"), nil
		}
		m.Content = strings.ReplaceAll(m.Content, "Bluebird", "[project]")
		return processor.Continue, nil
	})
	p := processor.NewPipeline(processor.Stage{Name: "code-name", Rule: codeName})

	h, err := processor.NewHandler(p, &messagingtest.Recorder{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, content := range []string{"Bluebird ships Friday", "see you", "password: hunter2"} {
		payload := fmt.Sprintf(`{"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"0123456789abcdef0123456789abcdef",
			"ChannelMessage":{"MessageId":"m-1","Content":%q,
			"ChannelArn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c"}}`, content)
		res, err := h.Handle(context.Background(), []byte(payload))
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%-7s delete=%-5v content=%q reason=%q\n", res.Outcome.Action, res.Callback.DeleteResource, res.Callback.ChannelMessage.Content, res.Outcome.Reason)
	}
	// Output:
	// REWRITE delete=false content="[project] ships Friday" reason=""
	// ALLOW   delete=false content="see you" reason=""
	// DENY    delete=true  content="" reason="looks like a credential"
}

// Decode and Validate report what is wrong with an event, each problem
// with its field.
func ExampleDecode() {
	ev, err := processor.Decode([]byte(`{"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"short","ChannelMessage":{"MessageId":"m 1","Content":"hi"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ev.Validate())
	// Output:
	// invalid event: CallbackId: length 5 is below the minimum 32; ChannelMessage.ChannelArn: required; ChannelMessage.MessageId: byte 1 is outside [-_a-zA-Z0-9]
}
