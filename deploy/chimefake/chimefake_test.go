package chimefake_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/chimeflow/chimeflow/deploy/chimefake"
	"github.com/chimeflow/chimeflow/messaging"
)

const (
	appInstance = "arn:aws:chime:us-east-1:111122223333:app-instance/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	admin       = appInstance + "/user/admin"
	channelA    = appInstance + "/channel/a"
	channelB    = appInstance + "/channel/b"
	channelC    = appInstance + "/channel/c"
	processor   = "arn:aws:lambda:us-east-1:111122223333:function:chimeflow-processor"
)

func newServer(t *testing.T) *chimefake.Server {
	t.Helper()
	s := chimefake.New()
	t.Cleanup(s.Close)
	s.AddBearers(admin)
	s.AddChannels(channelA, channelB, channelC)
	return s
}

func noViolations(t *testing.T, s *chimefake.Server) {
	t.Helper()
	if v := s.Violations(); len(v) > 0 {
		t.Errorf("requests broke the model:\n%s", strings.Join(v, "\n"))
	}
}

func processors(fallback messaging.FallbackAction) []messaging.Processor {
	return []messaging.Processor{{
		Name: "p", ExecutionOrder: 1, FallbackAction: fallback,
		Configuration: messaging.ProcessorConfiguration{Lambda: messaging.LambdaConfiguration{ResourceArn: processor, InvocationType: messaging.InvocationTypeAsync}},
	}}
}

// TestLifecycle drives every operation through the real client and checks
// the state the fake keeps.
func TestLifecycle(t *testing.T) {
	s := newServer(t)
	s.SetPageSize(2)
	c := s.Client()
	ctx := context.Background()

	created, err := c.CreateChannelFlow(ctx, &messaging.CreateChannelFlowInput{AppInstanceArn: appInstance, Name: "flow", Processors: processors(messaging.FallbackAbort), ClientRequestToken: "token-1"})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateChannelFlow(ctx, &messaging.CreateChannelFlowInput{AppInstanceArn: appInstance, Name: "flow", Processors: processors(messaging.FallbackAbort), ClientRequestToken: "token-1"})
	if err != nil {
		t.Fatal(err)
	}
	if again.ChannelFlowArn != created.ChannelFlowArn || len(s.Flows()) != 1 {
		t.Fatalf("a second Create with the same token made %s (first %s), %d flows", again.ChannelFlowArn, created.ChannelFlowArn, len(s.Flows()))
	}
	arn := created.ChannelFlowArn
	if !strings.HasPrefix(arn, appInstance+"/channel-flow/") {
		t.Fatalf("flow ARN %s is not under the app instance", arn)
	}
	if _, err := c.UpdateChannelFlow(ctx, &messaging.UpdateChannelFlowInput{ChannelFlowArn: arn, Name: "renamed", Processors: processors(messaging.FallbackContinue)}); err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeChannelFlow(ctx, &messaging.DescribeChannelFlowInput{ChannelFlowArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if desc.ChannelFlow.Name != "renamed" || desc.ChannelFlow.Processors[0].FallbackAction != messaging.FallbackContinue {
		t.Errorf("Describe after Update = %+v", desc.ChannelFlow)
	}
	for _, ch := range []string{channelA, channelB, channelC} {
		if _, err := c.AssociateChannelFlow(ctx, &messaging.AssociateChannelFlowInput{ChannelArn: ch, ChannelFlowArn: arn, ChimeBearer: admin}); err != nil {
			t.Fatal(err)
		}
	}
	page1, err := c.ListChannelsAssociatedWithChannelFlow(ctx, &messaging.ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: arn, MaxResults: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(page1.Channels) != 2 || page1.NextToken == "" {
		t.Fatalf("first page = %+v, want 2 channels and a NextToken", page1)
	}
	page2, err := c.ListChannelsAssociatedWithChannelFlow(ctx, &messaging.ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: arn, NextToken: page1.NextToken})
	if err != nil {
		t.Fatal(err)
	}
	if len(page2.Channels) != 1 || page2.Channels[0].ChannelArn != channelC || page2.NextToken != "" {
		t.Fatalf("second page = %+v, want only %s", page2, channelC)
	}
	_, err = c.DeleteChannelFlow(ctx, &messaging.DeleteChannelFlowInput{ChannelFlowArn: arn})
	if status(err) != http.StatusConflict {
		t.Fatalf("Delete of a flow with channels: %v, want 409", err)
	}
	for _, ch := range []string{channelA, channelB, channelC} {
		if _, err := c.DisassociateChannelFlow(ctx, &messaging.DisassociateChannelFlowInput{ChannelArn: ch, ChannelFlowArn: arn, ChimeBearer: admin}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteChannelFlow(ctx, &messaging.DeleteChannelFlowInput{ChannelFlowArn: arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeChannelFlow(ctx, &messaging.DescribeChannelFlowInput{ChannelFlowArn: arn}); status(err) != http.StatusNotFound {
		t.Fatalf("Describe of a deleted flow: %v, want 404", err)
	}
	want := []string{"CreateChannelFlow", "CreateChannelFlow", "UpdateChannelFlow", "DescribeChannelFlow",
		"AssociateChannelFlow", "AssociateChannelFlow", "AssociateChannelFlow",
		"ListChannelsAssociatedWithChannelFlow", "ListChannelsAssociatedWithChannelFlow", "DeleteChannelFlow",
		"DisassociateChannelFlow", "DisassociateChannelFlow", "DisassociateChannelFlow", "DeleteChannelFlow", "DescribeChannelFlow"}
	if got := s.Operations(); !reflect.DeepEqual(got, want) {
		t.Errorf("operations\n got %v\nwant %v", got, want)
	}
	noViolations(t, s)
}

func status(err error) int {
	var apiErr *messaging.APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// TestAssociationRules checks the fake refuses what the service refuses.
func TestAssociationRules(t *testing.T) {
	s := newServer(t)
	flow := s.PutFlow(chimefake.Flow{AppInstanceArn: appInstance, Name: "f", Processors: processors(messaging.FallbackAbort)})
	other := s.PutFlow(chimefake.Flow{AppInstanceArn: appInstance, Name: "g", Processors: processors(messaging.FallbackAbort), Channels: []string{channelB}})
	c := s.Client()
	tests := []struct {
		name    string
		channel string
		bearer  string
		want    int
		code    string
	}{
		{"not an admin", channelA, appInstance + "/user/member", 403, "ForbiddenException"},
		{"unknown channel", appInstance + "/channel/nope", admin, 404, "NotFoundException"},
		{"channel of another flow", channelB, admin, 409, "ConflictException"},
		{"ok", channelA, admin, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AssociateChannelFlow(context.Background(), &messaging.AssociateChannelFlowInput{ChannelArn: tt.channel, ChannelFlowArn: flow.Arn, ChimeBearer: tt.bearer})
			if status(err) != tt.want {
				t.Fatalf("err = %v, want status %d", err, tt.want)
			}
			var apiErr *messaging.APIError
			if tt.code != "" && (!errors.As(err, &apiErr) || apiErr.Code != tt.code) {
				t.Fatalf("err = %v, want code %s", err, tt.code)
			}
		})
	}
	if got, _ := s.Flow(other.Arn); !reflect.DeepEqual(got.Channels, []string{channelB}) {
		t.Errorf("the other flow's channels = %v", got.Channels)
	}
	noViolations(t, s)
}

// TestViolations sends requests that break the model and checks each is
// answered 400 and reported.
func TestViolations(t *testing.T) {
	flowPath := "/channel-flows/" + strings.ReplaceAll(strings.ReplaceAll(appInstance, ":", "%3A"), "/", "%2F") + "%2Fchannel-flow%2Fx"
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		want   string
	}{
		{"missing required member", "POST", "/channel-flows", `{"AppInstanceArn":"` + appInstance + `","Name":"n","ClientRequestToken":"tok"}`, "Processors: required"},
		{"unknown member", "PUT", flowPath, `{"Name":"n","Processors":[],"Bogus":1}`, "body member Bogus is not a body member"},
		{"bad enum", "POST", "/channel-flows", `{"AppInstanceArn":"` + appInstance + `","Name":"n","ClientRequestToken":"tok","Processors":[{"Name":"p","ExecutionOrder":1,"FallbackAction":"MAYBE","Configuration":{"Lambda":{"ResourceArn":"` + processor + `","InvocationType":"ASYNC"}}}]}`, `"MAYBE" is not one of`},
		{"out of range", "POST", "/channel-flows", `{"AppInstanceArn":"` + appInstance + `","Name":"n","ClientRequestToken":"tok","Processors":[{"Name":"p","ExecutionOrder":4,"FallbackAction":"ABORT","Configuration":{"Lambda":{"ResourceArn":"` + processor + `","InvocationType":"ASYNC"}}}]}`, "ExecutionOrder: 4 outside 1-3"},
		{"bad pattern", "POST", "/channel-flows", `{"AppInstanceArn":"not-an-arn","Name":"n","ClientRequestToken":"tok","Processors":[]}`, "does not match the pattern"},
		{"unescaped label", "DELETE", "/channel-flows/arn:aws:chime:us-east-1:111122223333:app-instance/x/channel-flow/y", "", "no operation of the model matches"},
		{"body on a bodiless operation", "DELETE", flowPath, `{"x":1}`, "has no body members"},
		{"unknown query", "GET", "/channels?scope=channel-flow-associations&channel-flow-arn=" + appInstance + "&bogus=1", "", "query bogus is not a member"},
		{"missing query", "GET", "/channels?scope=channel-flow-associations", "", "ChannelFlowArn: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			res := signedRequest(t, s, tt.method, tt.path, tt.body)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", res.StatusCode)
			}
			v := strings.Join(s.Violations(), "\n")
			if !strings.Contains(v, tt.want) {
				t.Errorf("violations %q do not mention %q", v, tt.want)
			}
		})
	}
}

// signedRequest sends a raw request, signed as the client signs.
func signedRequest(t *testing.T, s *chimefake.Server, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	sum := sha256.Sum256([]byte(body))
	creds := aws.Credentials{AccessKeyID: chimefake.AccessKeyID, SecretAccessKey: chimefake.SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "chime", chimefake.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

type staticCreds struct{ id, secret string }

func (c staticCreds) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret}, nil
}

func TestUnsignedRequest(t *testing.T) {
	s := newServer(t)
	req, _ := http.NewRequest("GET", s.URL+"/channels?scope=channel-flow-associations&channel-flow-arn="+appInstance, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 || !strings.Contains(strings.Join(s.Violations(), "\n"), "is not SigV4") {
		t.Errorf("status %d, violations %q", res.StatusCode, s.Violations())
	}
}

func TestBadSignature(t *testing.T) {
	s := newServer(t)
	c := messaging.New(s.Options(), func(o *messaging.Options) {
		o.Credentials = staticCreds{id: chimefake.AccessKeyID, secret: "wrong"}
	})
	_, err := c.DescribeChannelFlow(context.Background(), &messaging.DescribeChannelFlowInput{ChannelFlowArn: appInstance + "/channel-flow/x"})
	if status(err) != 400 || !strings.Contains(strings.Join(s.Violations(), "\n"), "signature does not verify") {
		t.Errorf("err %v, violations %q", err, s.Violations())
	}
}

func TestInject(t *testing.T) {
	s := newServer(t)
	s.Inject(messaging.OpCreateChannelFlow, chimefake.Fault{Code: "ThrottledClientException", Message: "slow down"})
	c := s.Client()
	in := &messaging.CreateChannelFlowInput{AppInstanceArn: appInstance, Name: "f", Processors: processors(messaging.FallbackAbort), ClientRequestToken: "tok"}
	_, err := c.CreateChannelFlow(context.Background(), in)
	var apiErr *messaging.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Code != "ThrottledClientException" || apiErr.Message != "slow down" {
		t.Fatalf("err = %v, want a 429 ThrottledClientException", err)
	}
	if len(s.Flows()) != 0 {
		t.Fatal("a failed Create made a flow")
	}
	if _, err := c.CreateChannelFlow(context.Background(), in); err != nil {
		t.Fatalf("the fault applied twice: %v", err)
	}
	noViolations(t, s)
}

// TestModelIsCurrent compares model.json with the official model, the
// verbatim copy the messaging package's tests read.
func TestModelIsCurrent(t *testing.T) {
	candidates := []string{
		filepath.Join("..", "..", "messaging", "testdata", "chime-sdk-messaging-2021-05-15.service.json"),
	}
	var ref map[string]json.RawMessage
	var source string
	for _, c := range candidates {
		data, err := os.ReadFile(c)
		if err != nil {
			continue
		}
		if err := json.Unmarshal(data, &ref); err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		source = c
		break
	}
	if ref == nil {
		t.Fatalf("no service model found at %v: restore one to check model.json", candidates)
	}
	var refOps, refShapes map[string]any
	mustJSON(t, ref["operations"], &refOps)
	mustJSON(t, ref["shapes"], &refShapes)
	var ours struct {
		Operations map[string]struct {
			HTTP   any      `json:"http"`
			Input  string   `json:"input"`
			Errors []string `json:"errors"`
		} `json:"operations"`
		Shapes map[string]any `json:"shapes"`
	}
	data, err := os.ReadFile("model.json")
	if err != nil {
		t.Fatal(err)
	}
	mustJSON(t, data, &ours)
	if len(ours.Operations) != 7 {
		t.Errorf("model.json has %d operations, want the 7 channel flow operations", len(ours.Operations))
	}
	for name, op := range ours.Operations {
		r, ok := refOps[name].(map[string]any)
		if !ok {
			t.Errorf("operation %s not in %s", name, source)
			continue
		}
		var errs []string
		for _, e := range r["errors"].([]any) {
			errs = append(errs, e.(map[string]any)["shape"].(string))
		}
		if !reflect.DeepEqual(op.HTTP, r["http"]) || op.Input != r["input"].(map[string]any)["shape"] || !reflect.DeepEqual(op.Errors, errs) {
			t.Errorf("operation %s differs from %s: regenerate with gen_model.py", name, source)
		}
	}
	for name, sh := range ours.Shapes {
		if want := withoutDocs(refShapes[name]); !reflect.DeepEqual(sh, want) {
			t.Errorf("shape %s differs from %s: regenerate with gen_model.py", name, source)
		}
	}
}

func withoutDocs(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			if k != "documentation" {
				out[k] = withoutDocs(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = withoutDocs(e)
		}
		return out
	}
	return v
}

func mustJSON(t *testing.T, data []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

func ExampleServer() {
	s := chimefake.New()
	defer s.Close()
	client := s.Client()

	out, err := client.CreateChannelFlow(context.Background(), &messaging.CreateChannelFlowInput{
		AppInstanceArn:     "arn:aws:chime:us-east-1:111122223333:app-instance/example",
		Name:               "moderation",
		ClientRequestToken: "example-token",
		Processors: []messaging.Processor{{
			Name: "chimeflow", ExecutionOrder: 1, FallbackAction: messaging.FallbackAbort,
			Configuration: messaging.ProcessorConfiguration{Lambda: messaging.LambdaConfiguration{
				ResourceArn:    "arn:aws:lambda:us-east-1:111122223333:function:processor",
				InvocationType: messaging.InvocationTypeAsync,
			}},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(out.ChannelFlowArn)
	fmt.Println(s.Operations(), len(s.Violations()), "violations")
	// Output:
	// arn:aws:chime:us-east-1:111122223333:app-instance/example/channel-flow/00000001-0000-4000-8000-000000000001
	// [CreateChannelFlow] 0 violations
}
