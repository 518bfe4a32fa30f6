package pii_test

import (
	"context"
	"fmt"

	"github.com/chimeflow/chimeflow/internal/awsmodeltest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/pii"
)

// A pii rule that masks telephone numbers where the user typed them, emoji
// and invisible characters included. A local stand-in plays Comprehend,
// which counts its offsets in characters (code points).
func Example() {
	comprehend := awsmodeltest.NewServer(awsmodeltest.Config{})
	defer comprehend.Close()
	comprehend.Handle(awsmodeltest.OpDetectPiiEntities, func(r *awsmodeltest.Request) awsmodeltest.Answer {
		out, _ := awsmodeltest.PiiOutput(r.Texts[0], awsmodeltest.PiiEntity{Type: "PHONE", Text: "555-0100"})
		return awsmodeltest.Answer{Output: out}
	})

	r, err := pii.New(pii.Config{Entities: []string{"PHONE"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	host := rules.NewHost(rules.WithAWSConfig(comprehend.AWSConfig()), rules.WithHostGetenv(func(string) string { return "" }))
	if err := r.Provision(context.Background(), host); err != nil {
		fmt.Println(err)
		return
	}
	out := processor.NewPipeline(processor.Stage{Name: "pii", Rule: r}).
		Run(context.Background(), processortest.NewEvent("📞😀 call 555\u200b-0100 today"))
	fmt.Println(out.Action, out.Message.Content)
	// Output:
	// REWRITE 📞😀 call ********* today
}
