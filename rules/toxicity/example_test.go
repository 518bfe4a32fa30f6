package toxicity_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/chimeflow/chimeflow/internal/awsmodeltest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/toxicity"
)

// A toxicity rule built in Go, provisioned from a host, judging a message
// and its push notification in one Comprehend call. A local stand-in plays
// Comprehend here; a Lambda function's host offers the role's credentials.
func Example() {
	comprehend := awsmodeltest.NewServer(awsmodeltest.Config{})
	defer comprehend.Close()
	comprehend.Handle(awsmodeltest.OpDetectToxicContent, func(r *awsmodeltest.Request) awsmodeltest.Answer {
		results := make([]awsmodeltest.ToxicResult, len(r.Texts))
		for i, t := range r.Texts {
			if strings.Contains(t, "idiot") {
				results[i] = awsmodeltest.ToxicResult{Labels: map[string]float64{"INSULT": 0.97}, Toxicity: 0.91}
			}
		}
		return awsmodeltest.Answer{Output: awsmodeltest.ToxicOutput(results...)}
	})

	r, err := toxicity.New(toxicity.Config{Labels: map[string]float64{"HATE_SPEECH": 0.5}})
	if err != nil {
		fmt.Println(err)
		return
	}
	host := rules.NewHost(rules.WithAWSConfig(comprehend.AWSConfig()), rules.WithHostGetenv(func(string) string { return "" }))
	if err := r.Provision(context.Background(), host); err != nil {
		fmt.Println(err)
		return
	}
	p := processor.NewPipeline(processor.Stage{Name: "toxicity", Rule: r, OnError: processor.PolicyAllow})
	out := p.Run(context.Background(), processortest.NewEvent("lunch at noon?", processortest.WithPush("Alice", "lunch, idiot?")))
	fmt.Println(out.Action, out.Reason)
	fmt.Println(comprehend.Count(awsmodeltest.OpDetectToxicContent), "call")
	// Output:
	// DENY toxicity: score 0.91, INSULT 0.97 in PushNotification.Body
	// 1 call
}
