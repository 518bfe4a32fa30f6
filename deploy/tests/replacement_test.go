package tests

import (
	"context"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// deleteOutside disassociates the flow's channels and deletes it, as an
// operator would outside the stack.
func (s *stack) deleteOutside() {
	s.e.t.Helper()
	s.asOperator(func(c *messaging.Client) {
		ctx := context.Background()
		f, _ := s.e.fake.Flow(s.id)
		for _, ch := range f.Channels {
			if _, err := c.DisassociateChannelFlow(ctx, &messaging.DisassociateChannelFlowInput{ChannelArn: ch, ChannelFlowArn: s.id, ChimeBearer: admin}); err != nil {
				s.e.t.Fatal(err)
			}
		}
		if _, err := c.DeleteChannelFlow(ctx, &messaging.DeleteChannelFlowInput{ChannelFlowArn: s.id}); err != nil {
			s.e.t.Fatal(err)
		}
	})
}

// TestReplacementCutShort: an update that replaces the flow (here because
// the flow was deleted outside the stack) and then panics, or runs into
// the invocation's deadline, leaves nothing behind. The Handler deletes
// what the request created and answers with the old physical id; when that
// delete fails too, it answers with the new flow's ARN, which
// CloudFormation's rollback then deletes. Run under both forms of the
// rollback.
func TestReplacementCutShort(t *testing.T) {
	oldProps := props(map[string]any{"ChannelArns": channels(channelA), "ChimeBearerArn": admin})
	renamed := props(map[string]any{"Name": "renamed", "ChannelArns": channels(channelA), "ChimeBearerArn": admin})
	type scenario struct {
		name  string
		setup func(e *env)
		// answeredNew: the failed Update answers the new flow's ARN (the
		// Handler could not delete it); otherwise the old physical id.
		answeredNew bool
		reason      []string
		// flows are the flows left once the rollback is over.
		flows map[replacementRollback][]flowView
	}
	// A failed Update that answers the old id is updated back; the old flow
	// being gone, that Update makes it again with the old properties (a
	// replacement CloudFormation accepts: the stack holds the new flow).
	recreated := []flowView{{appInstance, "moderation", []string{channelA}}}
	back := map[replacementRollback][]flowView{deleteNew: recreated, updateBack: recreated}
	tests := []scenario{
		{name: "panic while associating",
			setup: func(e *env) {
				e.flow.API = panicking{FlowAPI: e.client(), op: messaging.OpAssociateChannelFlow, once: new(atomic.Int32)}
				e.flow.API.(panicking).once.Store(1)
			},
			reason: []string{"panic: assignment to entry in nil map", "while associating channel " + channelA, "was deleted"},
			flows:  back},
		{name: "association hangs until the deadline",
			setup:  func(e *env) { e.inject(messaging.OpAssociateChannelFlow, messagingtest.Fault{Hang: true}) },
			reason: []string{"did not finish within", "while associating channel " + channelA, "was deleted"},
			flows:  back},
		{name: "the answer of the create is lost at the deadline",
			setup: func(e *env) {
				e.inject(messaging.OpCreateChannelFlow, messagingtest.Fault{AfterWork: true, Hang: true})
			},
			reason: []string{"did not finish within", "while creating channel flow \"renamed\"", "looked for and deleted"},
			flows:  back},
		{name: "association hangs and the new flow cannot be deleted",
			setup: func(e *env) {
				e.inject(messaging.OpAssociateChannelFlow, messagingtest.Fault{Hang: true})
				e.inject(messaging.OpDeleteChannelFlow, messagingtest.ServerError())
			},
			answeredNew: true,
			reason:      []string{"did not finish within", "HTTP 500 ServiceFailureException", "CloudFormation's rollback deletes it"},
			// Updated back, the new flow becomes the stack's, with the old
			// properties; deleted, nothing is left (the stack holds the
			// old flow, which is gone: its next update makes one again).
			flows: map[replacementRollback][]flowView{updateBack: recreated}},
	}
	for _, tt := range tests {
		for _, form := range []replacementRollback{deleteNew, updateBack} {
			t.Run(tt.name+", "+form.String(), func(t *testing.T) {
				t.Parallel() // most wait for a deadline
				e := newEnv(t)
				// Generous times: the steps before the hang must finish well
				// within the budget even on a loaded machine under -race.
				e.budget, e.handler.Margin = 8*time.Second, 2*time.Second
				s := e.createStack(oldProps)
				oldID := s.id
				s.deleteOutside()
				tt.setup(e)
				first := len(s.answers)
				s.update(renamed, false, form)
				a := s.answers[first]
				wantStatus(t, a, "FAILED", tt.reason...)
				switch {
				case tt.answeredNew && a.PhysicalResourceID == oldID:
					t.Errorf("answered the old id %s, want the new flow's, which could not be deleted", oldID)
				case !tt.answeredNew && a.PhysicalResourceID != oldID:
					t.Errorf("answered %s, want the old id %s", a.PhysicalResourceID, oldID)
				}
				if s.status != updateRollbackComplete {
					t.Fatalf("stack %s", s)
				}
				if got := e.flowViews(); !reflect.DeepEqual(got, tt.flows[form]) {
					t.Errorf("flows after the rollback: %v, want %v\n%s", got, tt.flows[form], s)
				}
				s.delete()
				if s.status != deleteComplete || len(e.fake.Flows()) != 0 {
					t.Errorf("after deleting the stack: %v\n%s", e.fake.Flows(), s)
				}
			})
		}
	}
}

// TestCreateCutShortBeforeTheAnswer: a Create whose CreateChannelFlow was
// carried out but whose answer never came before the deadline cannot know
// the flow's ARN; the Handler finds the flow by the request's
// ClientRequestToken and deletes it, so the rollback's Delete of the
// request id leaves nothing behind.
func TestCreateCutShortBeforeTheAnswer(t *testing.T) {
	e := newEnv(t)
	e.budget, e.handler.Margin = 8*time.Second, 2*time.Second
	e.inject(messaging.OpCreateChannelFlow, messagingtest.Fault{AfterWork: true, Hang: true})
	ev := e.event(cfn.RequestCreate, "", props(map[string]any{"ChannelArns": channels(channelA), "ChimeBearerArn": admin}), nil)
	s := &stack{e: e}
	a := s.send(ev)
	wantStatus(t, a, "FAILED", "did not finish within", "while creating channel flow", "looked for and deleted")
	if a.PhysicalResourceID != ev.RequestID {
		t.Errorf("PhysicalResourceId %s, want the request id", a.PhysicalResourceID)
	}
	s.send(e.event(cfn.RequestDelete, a.PhysicalResourceID, ev.ResourceProperties, nil))
	if flows := e.fake.Flows(); len(flows) != 0 {
		t.Errorf("flows left after the rollback: %v\n%s", flows, s)
	}
}
