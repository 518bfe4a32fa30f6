package tests

import (
	"context"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// flowView is what a test expects of a channel flow in Chime; flowViews
// lists them by app instance and name.
type flowView struct {
	App      string
	Name     string
	Channels []string
}

func (e *env) flowViews() []flowView {
	var out []flowView
	for _, f := range e.fake.Flows() {
		out = append(out, flowView{App: f.AppInstanceArn, Name: f.Name, Channels: f.Channels})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].App+" "+out[i].Name < out[j].App+" "+out[j].Name })
	return out
}

// denied returns the requests the role's policy refused.
func (e *env) denied() []string {
	var out []string
	for _, c := range e.fake.Calls() {
		if c.Denied {
			out = append(out, c.Operation+" "+c.Path)
		}
	}
	return out
}

// asOperator runs f with the rights of an operator (no role policy), as
// when someone changes Chime outside the stack, then restores the role.
func (s *stack) asOperator(f func(c *messaging.Client)) {
	s.e.t.Helper()
	s.e.fake.SetPolicy(nil)
	f(s.e.client())
	s.setRole(appOf(s.props))
}

// TestStackLifecycle plays whole stack operations as CloudFormation runs
// them (the role updated and rolled back around the resource, clean-up
// deletes whose failure CloudFormation ignores), against a stand-in that
// enforces ChannelFlowRole as deployed in each phase, and checks that each
// ends clean: the stack's status, exactly the expected flows and channels
// in Chime, no request the role refuses, and nothing left once the stack
// is deleted.
func TestStackLifecycle(t *testing.T) {
	withChannels := props(map[string]any{"ChannelArns": channels(channelA), "ChimeBearerArn": admin})
	otherApp := props(map[string]any{"AppInstanceArn": appInstance2, "ChannelArns": channels(appInstance2 + "/channel/x"), "ChimeBearerArn": admin2})
	renamed := props(map[string]any{"Name": "renamed", "ChannelArns": channels(channelA), "ChimeBearerArn": admin})
	stolen := props(map[string]any{"ChannelArns": channels(channelA, channelB), "ChimeBearerArn": admin})
	bystander := flowView{App: appInstance, Name: "bystander", Channels: []string{channelB}}
	type scenario struct {
		name         string
		before       func(s *stack) // after the create, outside the stack
		update       map[string]any
		laterFailure bool
		form         replacementRollback
		status       string
		reason       []string // in the reason of the first Update's answer, when it fails
		flows        []flowView
		afterDelete  []flowView
	}
	tests := []scenario{
		{name: "AppInstanceArn changed", update: otherApp, status: updateRollbackComplete,
			reason: []string{"AppInstanceArn cannot change", appInstance, appInstance2, "deploy a new stack", "sam delete --stack-name chat"},
			flows:  []flowView{{appInstance, "moderation", []string{channelA}}}},
		{name: "name changed, then another resource fails", update: renamed, laterFailure: true, status: updateRollbackComplete,
			flows: []flowView{{appInstance, "moderation", []string{channelA}}}},
		{name: "a channel held by another flow added", update: stolen, status: updateRollbackComplete,
			before: func(s *stack) {
				s.asOperator(func(*messaging.Client) {
					s.e.fake.PutFlow(messagingtest.Flow{AppInstanceArn: appInstance, Name: "bystander", Channels: []string{channelB}})
				})
			},
			reason:      []string{"associate channel " + channelB, "ConflictException"},
			flows:       []flowView{{appInstance, "bystander", []string{channelB}}, {appInstance, "moderation", []string{channelA}}},
			afterDelete: []flowView{bystander}},
	}
	for _, form := range []replacementRollback{deleteNew, updateBack} {
		tests = append(tests,
			scenario{name: "AppInstanceArn changed, then another resource fails, " + form.String(), update: otherApp, laterFailure: true, form: form,
				status: updateRollbackComplete, reason: []string{"AppInstanceArn cannot change"},
				flows: []flowView{{appInstance, "moderation", []string{channelA}}}},
			scenario{name: "flow deleted outside the stack, renamed, then another resource fails, " + form.String(), update: renamed, laterFailure: true, form: form,
				before: func(s *stack) {
					s.asOperator(func(c *messaging.Client) {
						ctx := context.Background()
						if _, err := c.DisassociateChannelFlow(ctx, &messaging.DisassociateChannelFlowInput{ChannelArn: channelA, ChannelFlowArn: s.id, ChimeBearer: admin}); err != nil {
							s.e.t.Fatal(err)
						}
						if _, err := c.DeleteChannelFlow(ctx, &messaging.DeleteChannelFlowInput{ChannelFlowArn: s.id}); err != nil {
							s.e.t.Fatal(err)
						}
					})
				},
				status: updateRollbackComplete,
				// Deleting the new flow leaves the stack on the flow that is
				// gone (its next update makes one again); updating it back
				// keeps it, with the old name.
				flows: map[replacementRollback][]flowView{deleteNew: nil, updateBack: {{appInstance, "moderation", []string{channelA}}}}[form]},
		)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.fake.AddChannels(appInstance2 + "/channel/x")
			s := e.createStack(withChannels)
			if s.status != createComplete {
				t.Fatalf("create: %s", s)
			}
			if tt.before != nil {
				tt.before(s)
			}
			first := len(s.answers)
			s.update(tt.update, tt.laterFailure, tt.form)
			if s.status != tt.status {
				t.Fatalf("stack %s, want %s", s, tt.status)
			}
			if len(tt.reason) > 0 {
				wantStatus(t, s.answers[first], "FAILED", tt.reason...)
			}
			if got := e.flowViews(); !reflect.DeepEqual(got, tt.flows) {
				t.Errorf("flows in Chime:\n  %v\nwant\n  %v\n%s", got, tt.flows, s)
			}
			if f, ok := e.fake.Flow(s.id); ok && (f.Name != "moderation" || f.AppInstanceArn != appInstance) {
				t.Errorf("the stack's flow is %+v, want the one of its properties", f)
			}
			if d := e.denied(); len(d) > 0 {
				t.Errorf("the role refused %s\n%s", strings.Join(d, ", "), s)
			}
			s.delete()
			if s.status != deleteComplete {
				t.Fatalf("delete: %s", s)
			}
			if got := e.flowViews(); !reflect.DeepEqual(got, tt.afterDelete) {
				t.Errorf("flows left once the stack is deleted: %v, want %v\n%s", got, tt.afterDelete, s)
			}
			if d := e.denied(); len(d) > 0 {
				t.Errorf("the role refused %s\n%s", strings.Join(d, ", "), s)
			}
		})
	}
}

// TestRoleAsDeployedRefusesTheOldFlow shows why an AppInstanceArn change
// cannot be carried out by a replacement: once CloudFormation has updated
// ChannelFlowRole to the new app instance, the old flow can be neither
// listed nor deleted.
func TestRoleAsDeployedRefusesTheOldFlow(t *testing.T) {
	e := newEnv(t)
	s := e.createStack(props(map[string]any{"ChannelArns": channels(channelA), "ChimeBearerArn": admin}))
	s.setRole(appInstance2)
	_, err := e.client().DeleteChannelFlow(context.Background(), &messaging.DeleteChannelFlowInput{ChannelFlowArn: s.id})
	if err == nil || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), fmt.Sprintf("chime:DeleteChannelFlow on resource: %s", s.id)) {
		t.Fatalf("DeleteChannelFlow under the new role: %v, want AccessDeniedException", err)
	}
}
