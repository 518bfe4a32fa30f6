package flowresource_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/chimeflow/chimeflow/deploy/flowresource"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

const (
	app  = "arn:aws:chime:us-east-1:111122223333:app-instance/abc"
	fn   = "arn:aws:lambda:us-east-1:111122223333:function:proc"
	user = app + "/user/admin"
)

func base(changes map[string]any) map[string]any {
	p := map[string]any{"ServiceToken": "x", "AppInstanceArn": app, "Name": "flow", "ProcessorArn": fn}
	for k, v := range changes {
		if v == nil {
			delete(p, k)
		} else {
			p[k] = v
		}
	}
	return p
}

func TestParseProperties(t *testing.T) {
	tests := []struct {
		name    string
		raw     map[string]any
		want    *flowresource.Properties
		problem string
	}{
		{"defaults", base(nil), &flowresource.Properties{AppInstanceArn: app, Name: "flow", FallbackAction: messaging.FallbackAbort, ProcessorArn: fn}, ""},
		{"channels as a list, deduplicated, blanks dropped",
			base(map[string]any{"ChannelArns": []any{app + "/channel/a", "", app + "/channel/a", " " + app + "/channel/b "}, "ChimeBearerArn": user, "FallbackAction": "CONTINUE"}),
			&flowresource.Properties{AppInstanceArn: app, Name: "flow", FallbackAction: messaging.FallbackContinue, ProcessorArn: fn, ChannelArns: []string{app + "/channel/a", app + "/channel/b"}, ChimeBearerArn: user}, ""},
		{"channels as one string", base(map[string]any{"ChannelArns": app + "/channel/a," + app + "/channel/b", "ChimeBearerArn": app + "/bot/b1"}),
			&flowresource.Properties{AppInstanceArn: app, Name: "flow", FallbackAction: messaging.FallbackAbort, ProcessorArn: fn, ChannelArns: []string{app + "/channel/a", app + "/channel/b"}, ChimeBearerArn: app + "/bot/b1"}, ""},
		{"empty channel list of a CommaDelimitedList", base(map[string]any{"ChannelArns": []any{""}}),
			&flowresource.Properties{AppInstanceArn: app, Name: "flow", FallbackAction: messaging.FallbackAbort, ProcessorArn: fn}, ""},
		{"not a string", base(map[string]any{"Name": 3.0}), nil, "Name must be a string, not float64"},
		{"list of non-strings", base(map[string]any{"ChannelArns": []any{1.0}}), nil, "ChannelArns item 0 must be a string"},
		{"bearer of another app instance", base(map[string]any{"ChimeBearerArn": "arn:aws:chime:us-east-1:111122223333:app-instance/other/user/u"}), nil, "is not a user or bot of " + app},
		{"bearer is a channel", base(map[string]any{"ChimeBearerArn": app + "/channel/c"}), nil, "is not a user or bot"},
		{"processor of another account", base(map[string]any{"ProcessorArn": "arn:aws:lambda:us-east-1:999999999999:function:p"}), nil, "is in 999999999999/us-east-1 but the app instance is in 111122223333/us-east-1"},
		{"name too long", base(map[string]any{"Name": strings.Repeat("n", 257)}), nil, "Name must be 1-256 characters, not 257"},
		{"nested channel path", base(map[string]any{"ChannelArns": []any{app + "/channel/a/b"}, "ChimeBearerArn": user}), nil, "is not a channel of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := flowresource.ParseProperties(tt.raw)
			if tt.problem != "" {
				if !errors.Is(err, flowresource.ErrInvalidProperties) || !strings.Contains(err.Error(), tt.problem) {
					t.Fatalf("err = %v, want ErrInvalidProperties mentioning %q", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestClientRequestToken(t *testing.T) {
	ev := cfn.Event{StackID: "stack", LogicalResourceID: "ChannelFlow", RequestID: "req-1"}
	tok := flowresource.ClientRequestToken(ev)
	if !regexp.MustCompile(`^[-_a-zA-Z0-9]{43}$`).MatchString(tok) || !messaging.ValidClientRequestToken(tok) {
		t.Fatalf("token %q is not 43 characters of [-_a-zA-Z0-9]", tok)
	}
	if flowresource.ClientRequestToken(ev) != tok {
		t.Error("the same request gave another token")
	}
	for _, other := range []cfn.Event{
		{StackID: "stack2", LogicalResourceID: "ChannelFlow", RequestID: "req-1"},
		{StackID: "stack", LogicalResourceID: "ChannelFlow2", RequestID: "req-1"},
		{StackID: "stack", LogicalResourceID: "ChannelFlow", RequestID: "req-2"},
		{StackID: "stack\nChannelFlow", LogicalResourceID: "", RequestID: "req-1"},
	} {
		if flowresource.ClientRequestToken(other) == tok {
			t.Errorf("%+v gave the same token", other)
		}
	}
}

func TestIsChannelFlowARN(t *testing.T) {
	tests := map[string]bool{
		app + "/channel-flow/1234": true,
		"arn:aws-cn:chime:cn-north-1:111122223333:app-instance/a/channel-flow/b": true,
		app:                                    false,
		app + "/channel/1234":                  false,
		app + "/channel-flow/":                 false,
		app + "/channel-flow/a/b":              false,
		"d8b5e1a2-0000-4000-8000-000000000001": false,
		"chat-ChannelFlow-1A2B3C":              false,
		"":                                     false,
	}
	for arn, want := range tests {
		if got := flowresource.IsChannelFlowARN(arn); got != want {
			t.Errorf("IsChannelFlowARN(%q) = %v, want %v", arn, got, want)
		}
	}
}

// TestNilFunc: a Handler without work still answers.
func TestNilFunc(t *testing.T) {
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		body = string(b)
	}))
	defer srv.Close()
	h := &flowresource.Handler{}
	if err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate, RequestID: "r", ResponseURL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, `"Status":"FAILED"`) || !strings.Contains(body, "Handler.Func is nil") {
		t.Errorf("answer %s", body)
	}
}

func ExampleClientRequestToken() {
	ev := cfn.Event{
		StackID:           "arn:aws:cloudformation:us-east-1:111122223333:stack/chat/1",
		LogicalResourceID: "ChannelFlow",
		RequestID:         "5f8f1c9e-1f0e-4a53-9d49-6f0cbd9e2a10",
	}
	tok := flowresource.ClientRequestToken(ev)
	fmt.Println(len(tok), tok == flowresource.ClientRequestToken(ev))
	// Output: 43 true
}

func ExampleParseProperties() {
	p, err := flowresource.ParseProperties(map[string]any{
		"ServiceToken":   "arn:aws:lambda:us-east-1:111122223333:function:chat-ChannelFlowFunction",
		"AppInstanceArn": "arn:aws:chime:us-east-1:111122223333:app-instance/abc",
		"Name":           "moderation",
		"ProcessorArn":   "arn:aws:lambda:us-east-1:111122223333:function:chat-ProcessorFunction",
		"ChannelArns":    []any{"arn:aws:chime:us-east-1:111122223333:app-instance/abc/channel/general"},
	})
	fmt.Println(p, err)
	// Output: <nil> invalid properties of the channel flow resource: ChannelArns needs ChimeBearerArn: only an AppInstanceAdmin or a channel moderator may associate a channel with a flow
}

func ExampleHandler() {
	// CloudFormation's pre-signed ResponseURL.
	cloudFormation := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Println(r.Method, string(b))
	}))
	defer cloudFormation.Close()

	h := &flowresource.Handler{
		Func: func(ctx context.Context, e cfn.Event) (string, map[string]any, error) {
			return "", nil, errors.New("something went wrong")
		},
	}
	err := h.Handle(context.Background(), cfn.Event{
		RequestType:       cfn.RequestCreate,
		RequestID:         "req-1",
		StackID:           "stack-1",
		LogicalResourceID: "ChannelFlow",
		ResponseURL:       cloudFormation.URL,
	})
	fmt.Println(err)
	// Output:
	// PUT {"Status":"FAILED","RequestId":"req-1","LogicalResourceId":"ChannelFlow","StackId":"stack-1","PhysicalResourceId":"req-1","Reason":"Create failed: something went wrong"}
	// <nil>
}

// TestLongReasons: however a long reason escapes in JSON, the answer fits
// CloudFormation's limit and keeps the reason's start.
func TestLongReasons(t *testing.T) {
	for _, unit := range []string{"x", "é", "<&>", "\u2028", "\x01"} {
		var body []byte
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ = io.ReadAll(r.Body)
		}))
		h := &flowresource.Handler{Func: func(context.Context, cfn.Event) (string, map[string]any, error) {
			return "", nil, errors.New("start " + strings.Repeat(unit, 5000))
		}}
		err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate, RequestID: "r", ResponseURL: srv.URL})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(body) > flowresource.MaxResponseBytes || len(body) < flowresource.MaxResponseBytes-64 {
			t.Errorf("%q: answer of %d bytes, want just under %d", unit, len(body), flowresource.MaxResponseBytes)
		}
		if !strings.Contains(string(body), `"Reason":"Create failed: start `) || !strings.Contains(string(body), ` [...]"`) {
			t.Errorf("%q: reason not shortened from its end: %.80s...", unit, body)
		}
	}
}

func ExampleNewHandler() {
	// A stand-in for Chime SDK Messaging, and CloudFormation's pre-signed
	// ResponseURL.
	chime := messagingtest.NewServer(messagingtest.Config{})
	defer chime.Close()
	cloudFormation := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var answer cfn.Response
		_ = json.NewDecoder(r.Body).Decode(&answer)
		fmt.Println(answer.Status, answer.PhysicalResourceID == answer.Data[flowresource.DataChannelFlowArn])
	}))
	defer cloudFormation.Close()

	h := flowresource.NewHandler(&flowresource.ChannelFlow{API: chime.Client()})
	err := h.Handle(context.Background(), cfn.Event{
		RequestType:       cfn.RequestCreate,
		RequestID:         "req-1",
		StackID:           "arn:aws:cloudformation:us-east-1:111122223333:stack/chat/1",
		LogicalResourceID: "ChannelFlow",
		ResponseURL:       cloudFormation.URL,
		ResourceProperties: map[string]any{
			"AppInstanceArn": "arn:aws:chime:us-east-1:111122223333:app-instance/abc",
			"Name":           "moderation",
			"ProcessorArn":   "arn:aws:lambda:us-east-1:111122223333:function:chat-ProcessorFunction",
		},
	})
	fmt.Println(err, len(chime.Flows()))
	// Output:
	// SUCCESS true
	// <nil> 1
}
