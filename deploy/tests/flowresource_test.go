package tests

import (
	"context"
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/chimeflow/chimeflow/deploy/flowresource"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// escaped is how an ARN travels as one path segment.
func escaped(arn string) string {
	return strings.NewReplacer(":", "%3A", "/", "%2F").Replace(arn)
}

// wantProcessor checks the Processors member of a Create or Update body.
func wantProcessor(t *testing.T, c messagingtest.Call, fallback, lambdaARN string) {
	t.Helper()
	var body struct {
		Processors []map[string]any
	}
	if err := json.Unmarshal(c.Body, &body); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{{
		"Name":           flowresource.DefaultProcessorName,
		"ExecutionOrder": float64(1),
		"FallbackAction": fallback,
		"Configuration":  map[string]any{"Lambda": map[string]any{"ResourceArn": lambdaARN, "InvocationType": "ASYNC"}},
	}}
	if !reflect.DeepEqual(body.Processors, want) {
		t.Errorf("Processors = %v, want %v", body.Processors, want)
	}
}

func TestCreate(t *testing.T) {
	e := newEnv(t)
	ev := e.event(cfn.RequestCreate, "", props(nil), nil)
	a := e.run(ev)
	wantStatus(t, a, "SUCCESS")

	calls := wantOps(t, e.fake, 0, messaging.OpCreateChannelFlow)
	c := calls[0]
	if c.Method != "POST" || c.Path != "/channel-flows" || c.Status != 201 {
		t.Errorf("Create sent %s %s (answered %d), want POST /channel-flows (201)", c.Method, c.Path, c.Status)
	}
	token := flowresource.ClientRequestToken(ev)
	if c.Params["AppInstanceArn"] != appInstance || c.Params["Name"] != "moderation" || c.Params["ClientRequestToken"] != token {
		t.Errorf("Create params %v, want the app instance, the name and token %s", c.Params, token)
	}
	wantProcessor(t, c, "ABORT", processor)

	flows := e.fake.Flows()
	if len(flows) != 1 || a.PhysicalResourceID != flows[0].Arn {
		t.Fatalf("PhysicalResourceId %s, flows %v: want the new flow's ARN", a.PhysicalResourceID, flows)
	}
	if a.Data[flowresource.DataChannelFlowArn] != flows[0].Arn || a.Data[flowresource.DataName] != "moderation" {
		t.Errorf("Data = %v", a.Data)
	}
}

func TestCreateWithChannels(t *testing.T) {
	e := newEnv(t)
	a := e.run(e.event(cfn.RequestCreate, "", props(map[string]any{
		"ChannelArns":    channels(channelA, channelB),
		"ChimeBearerArn": admin,
		"FallbackAction": "CONTINUE",
	}), nil))
	wantStatus(t, a, "SUCCESS")
	calls := wantOps(t, e.fake, 0, messaging.OpCreateChannelFlow, messaging.OpListChannelsAssociatedWithChannelFlow,
		messaging.OpAssociateChannelFlow, messaging.OpAssociateChannelFlow)
	wantProcessor(t, calls[0], "CONTINUE", processor)
	list := calls[1]
	if list.Method != "GET" || list.Path != "/channels" || list.Query.Get("scope") != "channel-flow-associations" || list.Query.Get("channel-flow-arn") != a.PhysicalResourceID {
		t.Errorf("List sent %s %s?%s", list.Method, list.Path, list.Query.Encode())
	}
	for i, ch := range []string{channelA, channelB} {
		c := calls[2+i]
		if c.Method != "PUT" || c.Path != "/channels/"+escaped(ch)+"/channel-flow" || c.Bearer != admin || c.Params["ChannelFlowArn"] != a.PhysicalResourceID {
			t.Errorf("Associate sent %s %s as %q with %v", c.Method, c.Path, c.Bearer, c.Params)
		}
	}
	f, _ := e.fake.Flow(a.PhysicalResourceID)
	if !reflect.DeepEqual(f.Channels, []string{channelA, channelB}) {
		t.Errorf("flow channels = %v", f.Channels)
	}
}

// TestCreateRetried sends the same Create twice, as Lambda does when an
// asynchronous invocation is retried: one flow, one ARN.
func TestCreateRetried(t *testing.T) {
	e := newEnv(t)
	ev := e.event(cfn.RequestCreate, "", props(map[string]any{"ChannelArns": channels(channelA), "ChimeBearerArn": admin}), nil)
	first := e.run(ev)
	second := e.run(ev)
	wantStatus(t, first, "SUCCESS")
	wantStatus(t, second, "SUCCESS")
	if first.PhysicalResourceID != second.PhysicalResourceID || len(e.fake.Flows()) != 1 {
		t.Fatalf("retried Create: %s then %s, %d flows", first.PhysicalResourceID, second.PhysicalResourceID, len(e.fake.Flows()))
	}
	// The retry finds the channel already associated and does not ask again.
	wantOps(t, e.fake, 3, messaging.OpCreateChannelFlow, messaging.OpListChannelsAssociatedWithChannelFlow)

	// Another request (another stack update, another stack) gets another flow.
	third := e.run(e.event(cfn.RequestCreate, "", props(nil), nil))
	if third.PhysicalResourceID == first.PhysicalResourceID {
		t.Error("a new request reused the token of another")
	}
}

func TestCreateInvalidProperties(t *testing.T) {
	tests := []struct {
		name    string
		changes map[string]any
		want    []string
	}{
		{"missing app instance", map[string]any{"AppInstanceArn": nil}, []string{"AppInstanceArn is required"}},
		{"channel flow instead of app instance", map[string]any{"AppInstanceArn": appInstance + "/channel-flow/x"}, []string{"is not an app instance ARN"}},
		{"bad fallback", map[string]any{"FallbackAction": "RETRY"}, []string{`FallbackAction "RETRY" must be ABORT or CONTINUE`}},
		{"processor elsewhere", map[string]any{"ProcessorArn": "arn:aws:lambda:eu-west-1:111122223333:function:p"}, []string{"deploy the stack in us-east-1"}},
		{"channels without bearer", map[string]any{"ChannelArns": channels(channelA)}, []string{"ChannelArns needs ChimeBearerArn"}},
		{"channel of another app instance", map[string]any{"ChannelArns": channels(appInstance2 + "/channel/x"), "ChimeBearerArn": admin}, []string{"is not a channel of " + appInstance}},
		{"misspelt property", map[string]any{"ChannelArn": channelA}, []string{"unknown property ChannelArn"}},
		{"several problems", map[string]any{"Name": "", "ProcessorArn": "nope"}, []string{"Name must be 1-256", `ProcessorArn "nope" is not a Lambda function ARN`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ev := e.event(cfn.RequestCreate, "", props(tt.changes), nil)
			a := e.run(ev)
			wantStatus(t, a, "FAILED", append([]string{"Create failed: invalid properties"}, tt.want...)...)
			if a.PhysicalResourceID != ev.RequestID {
				t.Errorf("PhysicalResourceId %s, want the request id", a.PhysicalResourceID)
			}
			wantOps(t, e.fake, 0)
		})
	}
}

// TestCreateAssociationFails: the flow exists when an association fails;
// the answer names it, so CloudFormation's rollback Delete removes it.
func TestCreateAssociationFails(t *testing.T) {
	e := newEnv(t)
	other := e.fake.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "other", Channels: []string{channelB}})
	a := e.run(e.event(cfn.RequestCreate, "", props(map[string]any{"ChannelArns": channels(channelA, channelB), "ChimeBearerArn": admin}), nil))
	wantStatus(t, a, "FAILED", "associate channel "+channelB, "ConflictException", "disassociate it first")
	if !flowresource.IsChannelFlowARN(a.PhysicalResourceID) || a.PhysicalResourceID == other.Arn {
		t.Fatalf("PhysicalResourceId %q, want the new flow's ARN", a.PhysicalResourceID)
	}

	// The rollback.
	n := len(e.fake.Calls())
	d := e.run(e.event(cfn.RequestDelete, a.PhysicalResourceID, props(map[string]any{"ChannelArns": channels(channelA, channelB), "ChimeBearerArn": admin}), nil))
	wantStatus(t, d, "SUCCESS")
	calls := wantOps(t, e.fake, n, messaging.OpListChannelsAssociatedWithChannelFlow, messaging.OpDisassociateChannelFlow, messaging.OpDeleteChannelFlow)
	if c := calls[1]; c.Method != "DELETE" || c.Path != "/channels/"+escaped(channelA)+"/channel-flow/"+escaped(a.PhysicalResourceID) || c.Bearer != admin {
		t.Errorf("Disassociate sent %s %s as %q", c.Method, c.Path, c.Bearer)
	}
	if c := calls[2]; c.Method != "DELETE" || c.Path != "/channel-flows/"+escaped(a.PhysicalResourceID) || c.Status != 204 {
		t.Errorf("Delete sent %s %s (answered %d)", c.Method, c.Path, c.Status)
	}
	if flows := e.fake.Flows(); len(flows) != 1 || flows[0].Arn != other.Arn || !reflect.DeepEqual(flows[0].Channels, []string{channelB}) {
		t.Errorf("after the rollback: %v, want only the other flow, untouched", flows)
	}
}

func TestUpdateInPlace(t *testing.T) {
	tests := []struct {
		name    string
		changes map[string]any
		ops     []string
	}{
		{"name", map[string]any{"Name": "renamed"}, []string{messaging.OpUpdateChannelFlow}},
		{"fallback", map[string]any{"FallbackAction": "CONTINUE"}, []string{messaging.OpUpdateChannelFlow}},
		{"processor", map[string]any{"ProcessorArn": processor2}, []string{messaging.OpUpdateChannelFlow}},
		{"nothing of the flow", map[string]any{"ServiceTimeout": "900"}, nil},
		{"bearer only", map[string]any{"ChimeBearerArn": admin}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			created := e.run(e.event(cfn.RequestCreate, "", props(nil), nil))
			n := len(e.fake.Calls())
			a := e.run(e.event(cfn.RequestUpdate, created.PhysicalResourceID, props(tt.changes), props(nil)))
			wantStatus(t, a, "SUCCESS")
			if a.PhysicalResourceID != created.PhysicalResourceID {
				t.Fatalf("PhysicalResourceId changed to %s: CloudFormation would replace the flow", a.PhysicalResourceID)
			}
			calls := wantOps(t, e.fake, n, tt.ops...)
			want := props(tt.changes)
			if len(calls) == 1 {
				c := calls[0]
				if c.Method != "PUT" || c.Path != "/channel-flows/"+escaped(created.PhysicalResourceID) || c.Params["Name"] != want["Name"] {
					t.Errorf("Update sent %s %s with %v", c.Method, c.Path, c.Params)
				}
				wantProcessor(t, c, want["FallbackAction"].(string), want["ProcessorArn"].(string))
			}
			f, _ := e.fake.Flow(created.PhysicalResourceID)
			if f.Name != want["Name"] || string(f.Processors[0].FallbackAction) != want["FallbackAction"] || f.Processors[0].Configuration.Lambda.ResourceArn != want["ProcessorArn"] {
				t.Errorf("flow after the update: %+v", f)
			}
			if a.Data[flowresource.DataChannelFlowArn] != created.PhysicalResourceID {
				t.Errorf("Data = %v", a.Data)
			}
		})
	}
}

func TestUpdateChannels(t *testing.T) {
	e := newEnv(t)
	old := props(map[string]any{"ChannelArns": channels(channelA, channelB), "ChimeBearerArn": admin})
	created := e.run(e.event(cfn.RequestCreate, "", old, nil))
	// A channel the team associated with flowctl, outside the stack.
	if _, err := e.client().AssociateChannelFlow(context.Background(), &messaging.AssociateChannelFlowInput{ChannelArn: channelC, ChannelFlowArn: created.PhysicalResourceID, ChimeBearer: admin}); err != nil {
		t.Fatal(err)
	}
	n := len(e.fake.Calls())
	a := e.run(e.event(cfn.RequestUpdate, created.PhysicalResourceID, props(map[string]any{"ChannelArns": channels(channelB), "ChimeBearerArn": admin}), old))
	wantStatus(t, a, "SUCCESS")
	calls := wantOps(t, e.fake, n, messaging.OpDisassociateChannelFlow, messaging.OpListChannelsAssociatedWithChannelFlow)
	if calls[0].Path != "/channels/"+escaped(channelA)+"/channel-flow/"+escaped(created.PhysicalResourceID) {
		t.Errorf("disassociated %s", calls[0].Path)
	}
	f, _ := e.fake.Flow(created.PhysicalResourceID)
	if !reflect.DeepEqual(f.Channels, []string{channelB, channelC}) {
		t.Errorf("channels after the update = %v, want B kept, A removed, C (not the stack's) left alone", f.Channels)
	}

	// Removing every channel from the stack, and the bearer with them: the
	// old bearer disassociates.
	n = len(e.fake.Calls())
	prev := props(map[string]any{"ChannelArns": channels(channelB), "ChimeBearerArn": admin})
	a = e.run(e.event(cfn.RequestUpdate, created.PhysicalResourceID, props(nil), prev))
	wantStatus(t, a, "SUCCESS")
	calls = wantOps(t, e.fake, n, messaging.OpDisassociateChannelFlow)
	if calls[0].Bearer != admin {
		t.Errorf("disassociated as %q, want the old bearer", calls[0].Bearer)
	}
}

// TestUpdateAppInstanceRefused: a new AppInstanceArn is refused before
// any call to Chime, with what to do instead, and the rollback's Update
// back changes nothing either.
func TestUpdateAppInstanceRefused(t *testing.T) {
	e := newEnv(t)
	old := props(map[string]any{"ChannelArns": channels(channelA), "ChimeBearerArn": admin})
	created := e.run(e.event(cfn.RequestCreate, "", old, nil))
	n := len(e.fake.Calls())
	moved := props(map[string]any{"AppInstanceArn": appInstance2, "Name": "moved", "ChannelArns": channels(appInstance2 + "/channel/x"), "ChimeBearerArn": admin2})
	a := e.run(e.event(cfn.RequestUpdate, created.PhysicalResourceID, moved, old))
	wantStatus(t, a, "FAILED", "AppInstanceArn cannot change in a deployed stack (from "+appInstance+" to "+appInstance2+")",
		"sam deploy --stack-name NEW_STACK --parameter-overrides AppInstanceArn="+appInstance2, "sam delete --stack-name chat")
	if a.PhysicalResourceID != created.PhysicalResourceID {
		t.Errorf("PhysicalResourceId %s, want the flow's", a.PhysicalResourceID)
	}
	back := e.run(e.event(cfn.RequestUpdate, created.PhysicalResourceID, old, moved))
	wantStatus(t, back, "SUCCESS")
	if back.PhysicalResourceID != created.PhysicalResourceID || back.Data[flowresource.DataChannelFlowArn] != created.PhysicalResourceID {
		t.Errorf("rollback answered %s %v", back.PhysicalResourceID, back.Data)
	}
	wantOps(t, e.fake, n)
	if f, _ := e.fake.Flow(created.PhysicalResourceID); f.Name != "moderation" || !reflect.DeepEqual(f.Channels, []string{channelA}) {
		t.Errorf("the flow changed: %+v", f)
	}
}

// TestUpdateUnreadableOldProperties: old properties this version cannot
// read (an earlier version's) say nothing reliable: the update applies
// everything and disassociates nothing.
func TestUpdateUnreadableOldProperties(t *testing.T) {
	e := newEnv(t)
	created := e.run(e.event(cfn.RequestCreate, "", props(map[string]any{"ChannelArns": channels(channelA, channelB), "ChimeBearerArn": admin}), nil))
	n := len(e.fake.Calls())
	unreadable := props(map[string]any{"RetiredProperty": "x", "ChannelArns": channels(channelA, channelB), "ChimeBearerArn": admin})
	a := e.run(e.event(cfn.RequestUpdate, created.PhysicalResourceID, props(map[string]any{"ChannelArns": channels(channelC), "ChimeBearerArn": admin}), unreadable))
	wantStatus(t, a, "SUCCESS")
	wantOps(t, e.fake, n, messaging.OpUpdateChannelFlow, messaging.OpListChannelsAssociatedWithChannelFlow, messaging.OpAssociateChannelFlow)
	if f, _ := e.fake.Flow(created.PhysicalResourceID); !reflect.DeepEqual(f.Channels, []string{channelA, channelB, channelC}) {
		t.Errorf("channels %v, want C added and none removed", f.Channels)
	}
}

// TestUpdateReplacementFails: when the flow deleted outside the stack is
// made again and its channels cannot be associated, the new flow is
// removed and the old id answered.
func TestUpdateReplacementFails(t *testing.T) {
	e := newEnv(t)
	created := e.run(e.event(cfn.RequestCreate, "", props(nil), nil))
	if _, err := e.client().DeleteChannelFlow(context.Background(), &messaging.DeleteChannelFlowInput{ChannelFlowArn: created.PhysicalResourceID}); err != nil {
		t.Fatal(err)
	}
	newProps := props(map[string]any{"Name": "again", "ChannelArns": channels(appInstance + "/channel/missing"), "ChimeBearerArn": admin})
	a := e.run(e.event(cfn.RequestUpdate, created.PhysicalResourceID, newProps, props(nil)))
	wantStatus(t, a, "FAILED", "Update failed: associate channel "+appInstance+"/channel/missing", "NotFoundException", "check that the app instance, channel and bearer exist", "which it had created, was deleted")
	if a.PhysicalResourceID != created.PhysicalResourceID {
		t.Errorf("PhysicalResourceId %s, want the old flow's", a.PhysicalResourceID)
	}
	if flows := e.fake.Flows(); len(flows) != 0 {
		t.Errorf("flows: %v, want none", flows)
	}
}

// TestUpdateFlowGone: a flow deleted outside CloudFormation is made again.
func TestUpdateFlowGone(t *testing.T) {
	e := newEnv(t)
	created := e.run(e.event(cfn.RequestCreate, "", props(nil), nil))
	if _, err := e.client().DeleteChannelFlow(context.Background(), &messaging.DeleteChannelFlowInput{ChannelFlowArn: created.PhysicalResourceID}); err != nil {
		t.Fatal(err)
	}
	n := len(e.fake.Calls())
	a := e.run(e.event(cfn.RequestUpdate, created.PhysicalResourceID, props(map[string]any{"Name": "again"}), props(nil)))
	wantStatus(t, a, "SUCCESS")
	wantOps(t, e.fake, n, messaging.OpUpdateChannelFlow, messaging.OpCreateChannelFlow)
	if f, ok := e.fake.Flow(a.PhysicalResourceID); !ok || f.Name != "again" || a.PhysicalResourceID == created.PhysicalResourceID {
		t.Errorf("after the update: %s %+v", a.PhysicalResourceID, f)
	}
}

func TestDelete(t *testing.T) {
	e := newEnv(t)
	p := props(map[string]any{"ChannelArns": channels(channelA), "ChimeBearerArn": admin})
	created := e.run(e.event(cfn.RequestCreate, "", p, nil))
	// Channels associated outside the stack are disassociated too: a flow
	// with channels cannot be deleted.
	if _, err := e.client().AssociateChannelFlow(context.Background(), &messaging.AssociateChannelFlowInput{ChannelArn: channelC, ChannelFlowArn: created.PhysicalResourceID, ChimeBearer: admin}); err != nil {
		t.Fatal(err)
	}
	e.fake.SetPageSize(1) // make the listing page
	n := len(e.fake.Calls())
	a := e.run(e.event(cfn.RequestDelete, created.PhysicalResourceID, p, nil))
	wantStatus(t, a, "SUCCESS")
	if a.PhysicalResourceID != created.PhysicalResourceID {
		t.Errorf("PhysicalResourceId %s, want %s", a.PhysicalResourceID, created.PhysicalResourceID)
	}
	calls := wantOps(t, e.fake, n, messaging.OpListChannelsAssociatedWithChannelFlow, messaging.OpListChannelsAssociatedWithChannelFlow,
		messaging.OpDisassociateChannelFlow, messaging.OpDisassociateChannelFlow, messaging.OpDeleteChannelFlow)
	if calls[1].Query.Get("next-token") == "" {
		t.Error("the second page was asked without the NextToken")
	}
	if len(e.fake.Flows()) != 0 {
		t.Errorf("flows left: %v", e.fake.Flows())
	}
}

func TestDeleteWithoutBearer(t *testing.T) {
	e := newEnv(t)
	flow := e.fake.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "f", Channels: []string{channelA, channelB}})
	a := e.run(e.event(cfn.RequestDelete, flow.Arn, props(nil), nil))
	wantStatus(t, a, "FAILED", "Delete failed: channel flow "+flow.Arn+" is still associated with 2 channel(s) ("+channelA+", "+channelB+")",
		"ChimeBearerArn", "flowctl disassociate -flow "+flow.Arn)
	wantOps(t, e.fake, 0, messaging.OpListChannelsAssociatedWithChannelFlow)
	if _, ok := e.fake.Flow(flow.Arn); !ok {
		t.Error("the flow is gone")
	}

	// Without channels, no bearer is needed.
	lone := e.fake.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "g"})
	wantStatus(t, e.run(e.event(cfn.RequestDelete, lone.Arn, props(nil), nil)), "SUCCESS")
	if _, ok := e.fake.Flow(lone.Arn); ok {
		t.Error("the flow without channels was not deleted")
	}
}

// TestDeleteAfterFailedCreate: a Create that failed before the flow
// existed answered a physical id that is not a flow ARN; its Delete has
// nothing to do and must not call Chime.
func TestDeleteAfterFailedCreate(t *testing.T) {
	e := newEnv(t)
	ev := e.event(cfn.RequestCreate, "", props(map[string]any{"FallbackAction": "NOPE"}), nil)
	failed := e.run(ev)
	wantStatus(t, failed, "FAILED")
	e.fake.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "bystander"})
	for _, id := range []string{failed.PhysicalResourceID, "chat-ChannelFlow-1A2B3C", appInstance} {
		a := e.run(e.event(cfn.RequestDelete, id, props(map[string]any{"FallbackAction": "NOPE"}), nil))
		wantStatus(t, a, "SUCCESS")
		if a.PhysicalResourceID != id {
			t.Errorf("PhysicalResourceId %s, want %s", a.PhysicalResourceID, id)
		}
	}
	wantOps(t, e.fake, 0)
	if len(e.fake.Flows()) != 1 {
		t.Error("a Delete of nothing deleted something")
	}
}

func TestDeleteNotFound(t *testing.T) {
	gone := appInstance + "/channel-flow/00000000-dead-4000-8000-000000000000"
	tests := []struct {
		name   string
		setup  func(*messagingtest.Server) string
		faults map[string]messagingtest.Fault
		ops    []string
	}{
		{"flow unknown", func(*messagingtest.Server) string { return gone }, nil,
			[]string{messaging.OpListChannelsAssociatedWithChannelFlow}},
		{"gone between list and delete", func(s *messagingtest.Server) string {
			return s.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "f"}).Arn
		}, map[string]messagingtest.Fault{messaging.OpDeleteChannelFlow: {Code: "NotFoundException", Message: "Channel flow not found"}},
			[]string{messaging.OpListChannelsAssociatedWithChannelFlow, messaging.OpDeleteChannelFlow}},
		{"answered as a bad request", func(s *messagingtest.Server) string {
			return s.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "f"}).Arn
		}, map[string]messagingtest.Fault{messaging.OpDeleteChannelFlow: {Code: "BadRequestException", Message: "The channel flow does not exist"}},
			[]string{messaging.OpListChannelsAssociatedWithChannelFlow, messaging.OpDeleteChannelFlow}},
		{"channel already disassociated", func(s *messagingtest.Server) string {
			return s.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "f", Channels: []string{channelA}}).Arn
		}, map[string]messagingtest.Fault{messaging.OpDisassociateChannelFlow: {Code: "NotFoundException", Message: "not associated", AfterWork: true}},
			[]string{messaging.OpListChannelsAssociatedWithChannelFlow, messaging.OpDisassociateChannelFlow, messaging.OpDeleteChannelFlow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			arn := tt.setup(e.fake)
			for op, f := range tt.faults {
				e.inject(op, f)
			}
			a := e.run(e.event(cfn.RequestDelete, arn, props(map[string]any{"ChimeBearerArn": admin}), nil))
			wantStatus(t, a, "SUCCESS")
			if a.PhysicalResourceID != arn {
				t.Errorf("PhysicalResourceId %s, want %s", a.PhysicalResourceID, arn)
			}
			wantOps(t, e.fake, 0, tt.ops...)
		})
	}
}

func TestAPIErrors(t *testing.T) {
	tests := []struct {
		name  string
		typ   cfn.RequestType
		op    string
		fault messagingtest.Fault
		want  []string
	}{
		{"create forbidden", cfn.RequestCreate, messaging.OpCreateChannelFlow, messagingtest.Fault{Code: "ForbiddenException", Message: "User is not authorized"},
			[]string{"Create failed: create channel flow \"moderation\" in " + appInstance, "HTTP 403 ForbiddenException: User is not authorized", "check that the function's role allows"}},
		{"create over quota", cfn.RequestCreate, messaging.OpCreateChannelFlow, messagingtest.Fault{Code: "ResourceLimitExceededException", Message: "limit"},
			[]string{"HTTP 400 ResourceLimitExceededException", "as many channel flows as allowed"}},
		{"create throttled", cfn.RequestCreate, messaging.OpCreateChannelFlow, messagingtest.Fault{Code: "ThrottledClientException", Message: "Rate exceeded"},
			[]string{"HTTP 429 ThrottledClientException", "retry the deployment in a minute"}},
		{"update service failure", cfn.RequestUpdate, messaging.OpUpdateChannelFlow, messagingtest.Fault{Code: "ServiceFailureException", Message: "internal"},
			[]string{"Update failed: update channel flow", "HTTP 500 ServiceFailureException", "request id messagingtest-"}},
		{"delete conflict", cfn.RequestDelete, messaging.OpDeleteChannelFlow, messagingtest.Fault{Code: "ConflictException", Message: "channel flow in use"},
			[]string{"Delete failed: delete channel flow", "HTTP 409 ConflictException", "conflicting change"}},
		{"list unavailable", cfn.RequestDelete, messaging.OpListChannelsAssociatedWithChannelFlow, messagingtest.Fault{Code: "ServiceUnavailableException", Message: "try later"},
			[]string{"list the channels associated with channel flow", "HTTP 503 ServiceUnavailableException"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			existing := e.fake.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "moderation"})
			e.inject(tt.op, tt.fault)
			var ev cfn.Event
			switch tt.typ {
			case cfn.RequestCreate:
				ev = e.event(tt.typ, "", props(nil), nil)
			case cfn.RequestUpdate:
				ev = e.event(tt.typ, existing.Arn, props(map[string]any{"Name": "renamed"}), props(nil))
			default:
				ev = e.event(tt.typ, existing.Arn, props(nil), nil)
			}
			a := e.run(ev)
			wantStatus(t, a, "FAILED", tt.want...)
			want := existing.Arn
			if tt.typ == cfn.RequestCreate {
				want = ev.RequestID
			}
			if a.PhysicalResourceID != want {
				t.Errorf("PhysicalResourceId %s, want %s", a.PhysicalResourceID, want)
			}
		})
	}
}

// TestRetriesThenSucceeds: with the client's retries on, a throttled call
// is retried and the request succeeds.
func TestRetriesThenSucceeds(t *testing.T) {
	e := newEnv(t)
	e.flow.API = e.client(func(o *messaging.Options) { o.MaxAttempts = 3; o.MaxBackoff = 10 * time.Millisecond })
	e.inject(messaging.OpCreateChannelFlow, messagingtest.Fault{Code: "ThrottledClientException", Message: "Rate exceeded"})
	wantStatus(t, e.run(e.event(cfn.RequestCreate, "", props(nil), nil)), "SUCCESS")
	wantOps(t, e.fake, 0, messaging.OpCreateChannelFlow, messaging.OpCreateChannelFlow)
}

// TestCreateAnswerLost: Chime created the flow but its answer was lost; the
// client's retry sends the same ClientRequestToken and gets the same flow.
func TestCreateAnswerLost(t *testing.T) {
	e := newEnv(t)
	e.flow.API = e.client(func(o *messaging.Options) { o.MaxAttempts = 2; o.MaxBackoff = 10 * time.Millisecond })
	e.inject(messaging.OpCreateChannelFlow, messagingtest.Fault{Code: "ServiceUnavailableException", Message: "lost", AfterWork: true})
	a := e.run(e.event(cfn.RequestCreate, "", props(nil), nil))
	wantStatus(t, a, "SUCCESS")
	calls := wantOps(t, e.fake, 0, messaging.OpCreateChannelFlow, messaging.OpCreateChannelFlow)
	if calls[0].Params["ClientRequestToken"] != calls[1].Params["ClientRequestToken"] {
		t.Error("the retry sent another token")
	}
	if flows := e.fake.Flows(); len(flows) != 1 || flows[0].Arn != a.PhysicalResourceID {
		t.Errorf("flows %v, answer %s: want one flow", flows, a.PhysicalResourceID)
	}
}

func TestPanic(t *testing.T) {
	t.Run("before the flow exists", func(t *testing.T) {
		e := newEnv(t)
		e.flow.API = panicking{FlowAPI: e.client(), op: messaging.OpCreateChannelFlow}
		ev := e.event(cfn.RequestCreate, "", props(nil), nil)
		a := e.run(ev)
		wantStatus(t, a, "FAILED", "panic: unexpected state", "while creating channel flow \"moderation\"", "log stream "+logStream)
		if a.PhysicalResourceID != ev.RequestID {
			t.Errorf("PhysicalResourceId %s, want the request id", a.PhysicalResourceID)
		}
	})
	t.Run("after the flow exists", func(t *testing.T) {
		e := newEnv(t)
		e.flow.API = panicking{FlowAPI: e.client(), op: messaging.OpAssociateChannelFlow}
		a := e.run(e.event(cfn.RequestCreate, "", props(map[string]any{"ChannelArns": channels(channelA), "ChimeBearerArn": admin}), nil))
		wantStatus(t, a, "FAILED", "panic: assignment to entry in nil map", "while associating channel "+channelA)
		flows := e.fake.Flows()
		if len(flows) != 1 || a.PhysicalResourceID != flows[0].Arn {
			t.Errorf("PhysicalResourceId %s, want the created flow (%v) so that the rollback deletes it", a.PhysicalResourceID, flows)
		}
	})
	t.Run("update keeps the resource", func(t *testing.T) {
		e := newEnv(t)
		flow := e.fake.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "moderation"})
		e.flow.API = panicking{FlowAPI: e.client(), op: messaging.OpAssociateChannelFlow}
		a := e.run(e.event(cfn.RequestUpdate, flow.Arn, props(map[string]any{"ChannelArns": channels(channelA), "ChimeBearerArn": admin}), props(nil)))
		wantStatus(t, a, "FAILED", "Update failed: internal error")
		if a.PhysicalResourceID != flow.Arn {
			t.Errorf("PhysicalResourceId %s, want %s", a.PhysicalResourceID, flow.Arn)
		}
	})
}

// TestTimeout: Chime hangs; the answer goes out Margin before the
// invocation's deadline, saying what was under way.
func TestTimeout(t *testing.T) {
	tests := []struct {
		name     string
		op       string
		changes  map[string]any
		step     string
		createID bool
	}{
		{"create hangs", messaging.OpCreateChannelFlow, nil, "while creating channel flow \"moderation\" in " + appInstance, false},
		{"association hangs", messaging.OpAssociateChannelFlow, map[string]any{"ChannelArns": channels(channelA), "ChimeBearerArn": admin}, "while associating channel " + channelA, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			// Generous times: the steps before the hang must finish well
			// within the budget even on a loaded machine under -race.
			e.handler.Margin = 2 * time.Second
			e.inject(tt.op, messagingtest.Fault{Hang: true})
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel()
			deadline, _ := ctx.Deadline()
			ev := e.event(cfn.RequestCreate, "", props(tt.changes), nil)
			a := e.runCtx(ctx, ev)
			at := e.sink.all()[0].at
			if !at.Before(deadline) {
				t.Errorf("answered %s after the deadline", at.Sub(deadline))
			}
			if left := deadline.Sub(at); left > e.handler.Margin+time.Second {
				t.Errorf("answered %s before the deadline: the work was cut short", left)
			}
			wantStatus(t, a, "FAILED", "Create failed: the custom resource did not finish within 6", tt.step, "raise the ChannelFlowFunction Timeout", "log stream "+logStream)
			flows := e.fake.Flows()
			switch {
			case tt.createID && (len(flows) != 1 || a.PhysicalResourceID != flows[0].Arn):
				t.Errorf("PhysicalResourceId %s, want the created flow (%v)", a.PhysicalResourceID, flows)
			case !tt.createID && a.PhysicalResourceID != ev.RequestID:
				t.Errorf("PhysicalResourceId %s, want the request id", a.PhysicalResourceID)
			}
		})
	}
}

func TestUnknownRequestType(t *testing.T) {
	e := newEnv(t)
	a := e.run(e.event("Upsert", "x", props(nil), nil))
	wantStatus(t, a, "FAILED", `unknown RequestType "Upsert"`)
	wantOps(t, e.fake, 0)
}

// TestResponseDelivery: the answer is retried on a 5xx from S3 and given up
// on a 4xx, which Handle reports.
func TestResponseDelivery(t *testing.T) {
	e := newEnv(t)
	e.sink.fail = []int{503, 500}
	ev := e.event(cfn.RequestCreate, "", props(nil), nil)
	if err := e.handler.Handle(context.Background(), ev); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	got := e.sink.all()
	if len(got) != 3 {
		t.Fatalf("%d deliveries, want 3 (two 5xx, then 200)", len(got))
	}
	for _, d := range got {
		checkDelivery(t, d, ev)
	}

	e.sink.fail = []int{403}
	err := e.handler.Handle(context.Background(), e.event(cfn.RequestDelete, "nothing", props(nil), nil))
	if err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Fatalf("Handle = %v, want the 403 of the ResponseURL", err)
	}
	if n := len(e.sink.all()); n != 4 {
		t.Errorf("%d deliveries, want a 4xx not retried", n)
	}
}

// TestLongReason: a reason too long for CloudFormation is shortened.
func TestLongReason(t *testing.T) {
	e := newEnv(t)
	e.inject(messaging.OpCreateChannelFlow, messagingtest.Fault{Code: "BadRequestException", Message: strings.Repeat("é too long ", 600)})
	a := e.run(e.event(cfn.RequestCreate, "", props(nil), nil))
	wantStatus(t, a, "FAILED", "HTTP 400 BadRequestException", "[...]")
}

// TestEndToEndURL checks the ResponseURL is used as given, query included.
func TestEndToEndURL(t *testing.T) {
	e := newEnv(t)
	var got *url.URL
	e.handler.HTTPClient = recorder{f: func(u *url.URL) { got = u }}
	ev := e.event(cfn.RequestDelete, "nothing", props(nil), nil)
	if err := e.handler.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if got == nil || got.String() != ev.ResponseURL {
		t.Errorf("answered at %v, want %s", got, ev.ResponseURL)
	}
}
