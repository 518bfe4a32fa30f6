package messaging_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

const (
	exampleChannel  = "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/channel/ch-1"
	exampleFlow     = "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/channel-flow/flow-1"
	exampleCallback = "0123456789abcdef0123456789abcdef"
)

// exampleCredentials stand for the function's credentials.
var exampleCredentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
})

// fakeChime stands in for the service: it prints what it receives and
// answers with status and body.
func fakeChime(status int, body string) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Printf("%s %s\n", r.Method, r.RequestURI)
		if len(b) > 0 {
			fmt.Printf("%s\n", b)
		}
		w.Header().Set("X-Amzn-RequestId", "example-request-id")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
}

// A processor lets a rewritten message through.
func ExampleClient_ChannelFlowCallback() {
	srv := fakeChime(200, `{"ChannelArn":"`+exampleChannel+`","CallbackId":"`+exampleCallback+`"}`)
	defer srv.Close()

	client := messaging.New(messaging.Options{
		Region:       "us-east-1",
		Credentials:  exampleCredentials,
		BaseEndpoint: srv.URL, // leave empty for https://messaging-chime.us-east-1.amazonaws.com
	})
	out, err := client.ChannelFlowCallback(context.Background(), &messaging.ChannelFlowCallbackInput{
		CallbackID: exampleCallback,
		ChannelArn: exampleChannel,
		ChannelMessage: &messaging.ChannelMessageCallback{
			MessageID: "msg-1",
			Content:   "hello ****",
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("accepted", out.CallbackID, out.RequestID)
	// Output:
	// POST /channels/arn%3Aaws%3Achime%3Aus-east-1%3A111122223333%3Aapp-instance%2Fapp-1%2Fchannel%2Fch-1?operation=channel-flow-callback
	// {"CallbackId":"0123456789abcdef0123456789abcdef","DeleteResource":false,"ChannelMessage":{"MessageId":"msg-1","Content":"hello ****"}}
	// accepted 0123456789abcdef0123456789abcdef example-request-id
}

// A duplicate delivery of an invocation finds its message already answered:
// the service refuses the second callback, most often with a generic 403.
// MaybeResolved recognises such a refusal; ConfirmResolved asks the service
// whether the message is still pending, as its sender.
func ExampleConfirmResolved() {
	srv := messagingtest.NewServer(messagingtest.Config{})
	defer srv.Close()
	const sender = "arn:aws:chime:us-east-1:111122223333:app-instance/app-1/user/alice"
	client := srv.Client()
	in := &messaging.ChannelFlowCallbackInput{
		CallbackID:     exampleCallback,
		ChannelArn:     exampleChannel,
		ChannelMessage: &messaging.ChannelMessageCallback{MessageID: "msg-1", Content: "hello"},
	}
	ctx := context.Background()
	for delivery := 1; delivery <= 2; delivery++ {
		_, err := client.ChannelFlowCallback(ctx, in)
		if messaging.MaybeResolved(err) {
			status, cerr := messaging.ConfirmResolved(ctx, client, in, sender, err)
			if cerr == nil {
				fmt.Printf("delivery %d: duplicate, the message is %s\n", delivery, status)
				continue
			}
			err = cerr
		}
		if err != nil {
			fmt.Printf("delivery %d: failed: %v\n", delivery, err)
			continue
		}
		fmt.Printf("delivery %d: answered\n", delivery)
	}
	// Output:
	// delivery 1: answered
	// delivery 2: duplicate, the message is SENT
}

// Validate lists every limit of the model a request breaks; the client
// calls it before sending.
func ExampleChannelFlowCallbackInput_Validate() {
	in := &messaging.ChannelFlowCallbackInput{
		CallbackID: "too-short",
		ChannelArn: exampleChannel,
		ChannelMessage: &messaging.ChannelMessageCallback{
			MessageID:        "msg 1",
			PushNotification: &messaging.PushNotificationConfiguration{Title: "t", Body: "b", Type: "LOUD"},
		},
	}
	err := in.Validate()
	fmt.Println(errors.Is(err, messaging.ErrInvalidParams))
	var invalid *messaging.InvalidParamsError
	if errors.As(err, &invalid) {
		for _, p := range invalid.Params {
			fmt.Println(p.Field)
		}
	}
	// Output:
	// true
	// CallbackId
	// ChannelMessage.MessageId
	// ChannelMessage.PushNotification.Type
}

// CallbackFunc fakes the service in a test of code that depends on
// CallbackAPI.
func ExampleCallbackFunc() {
	var api messaging.CallbackAPI = messaging.CallbackFunc(func(_ context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
		fmt.Println("deny:", in.DeleteResource)
		return &messaging.ChannelFlowCallbackOutput{CallbackID: in.CallbackID}, nil
	})
	_, _ = api.ChannelFlowCallback(context.Background(), &messaging.ChannelFlowCallbackInput{DeleteResource: true})
	// Output: deny: true
}

// NewFromConfig takes region, credentials and endpoint from an aws.Config,
// usually from config.LoadDefaultConfig.
func ExampleNewFromConfig() {
	srv := fakeChime(200, `{"ChannelFlow":{"ChannelFlowArn":"`+exampleFlow+`","Name":"moderation","Processors":[],"CreatedTimestamp":1715949296.5}}`)
	defer srv.Close()

	cfg := aws.Config{Region: "us-east-1", Credentials: exampleCredentials, BaseEndpoint: aws.String(srv.URL)}
	client := messaging.NewFromConfig(cfg, func(o *messaging.Options) { o.MaxAttempts = 3 })
	out, err := client.DescribeChannelFlow(context.Background(), &messaging.DescribeChannelFlowInput{ChannelFlowArn: exampleFlow})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.ChannelFlow.Name, out.ChannelFlow.CreatedTimestamp.Format("2006-01-02T15:04:05.000Z07:00"))
	// Output:
	// GET /channel-flows/arn%3Aaws%3Achime%3Aus-east-1%3A111122223333%3Aapp-instance%2Fapp-1%2Fchannel-flow%2Fflow-1
	// moderation 2024-05-17T12:34:56.500Z
}

// Pages of associated channels follow NextToken.
func ExampleClient_ListChannelsAssociatedWithChannelFlow() {
	pages := []string{
		`{"Channels":[{"Name":"general","ChannelArn":"` + exampleChannel + `","Mode":"RESTRICTED","Privacy":"PRIVATE"}],"NextToken":"page-2"}`,
		`{"Channels":[{"Name":"random","ChannelArn":"` + exampleChannel + `2","Mode":"UNRESTRICTED","Privacy":"PUBLIC"}]}`,
	}
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.URL.Query().Get("next-token"))
		io.WriteString(w, pages[n])
		n++
	}))
	defer srv.Close()

	client := messaging.New(messaging.Options{Region: "us-east-1", Credentials: exampleCredentials, BaseEndpoint: srv.URL})
	in := &messaging.ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: exampleFlow, MaxResults: 50}
	for {
		page, err := client.ListChannelsAssociatedWithChannelFlow(context.Background(), in)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, ch := range page.Channels {
			fmt.Println(" ", ch.Name, ch.Privacy)
		}
		if page.NextToken == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	// Output:
	//
	//   general PRIVATE
	// page-2
	//   random PUBLIC
}
