package tests

import (
	"fmt"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"
)

// Stack statuses the simulated stack ends in.
const (
	createComplete         = "CREATE_COMPLETE"
	rollbackComplete       = "ROLLBACK_COMPLETE"
	updateComplete         = "UPDATE_COMPLETE"
	updateRollbackComplete = "UPDATE_ROLLBACK_COMPLETE"
	updateRollbackFailed   = "UPDATE_ROLLBACK_FAILED"
	deleteComplete         = "DELETE_COMPLETE"
	deleteFailed           = "DELETE_FAILED"
)

// replacementRollback is how CloudFormation rolls back a custom resource
// whose update answered a new physical id (a replacement), when the stack
// update then fails. CloudFormation documents that the new id is deleted
// in UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS; the review of issue 10
// assumed an Update back to the old properties instead. The tests run
// both: the custom resource must end clean under either.
type replacementRollback int

const (
	// deleteNew keeps the old physical id (the old resource was never
	// changed) and deletes the new one, with the new properties, in the
	// rollback's clean-up.
	deleteNew replacementRollback = iota
	// updateBack sends the new physical id an Update back to the old
	// properties, then deletes, in the clean-up, whichever of the old and
	// the new id is not the one that Update answered.
	updateBack
)

func (r replacementRollback) String() string {
	if r == updateBack {
		return "rollback by an Update back"
	}
	return "rollback by deleting the new id"
}

// stack plays CloudFormation for the ChannelFlow resource of template.yaml:
// it sends the requests CloudFormation sends, in its order, and before each
// phase sets the stand-in's policy to ChannelFlowRole as CloudFormation has
// deployed it by then (ChannelFlow depends on ChannelFlowFunction, which
// depends on ChannelFlowRole: the role is updated before the resource, and
// rolled back before the resource's rollback).
type stack struct {
	e *env
	// id and props are the resource's physical id and properties as the
	// stack records them.
	id    string
	props map[string]any
	// status is the stack's status after the last operation.
	status string
	// history says what CloudFormation did, for failure messages.
	history []string
	// answers are the custom resource's answers, in order.
	answers []answer
}

// appOf returns the AppInstanceArn of properties.
func appOf(props map[string]any) string { s, _ := props["AppInstanceArn"].(string); return s }

// setRole deploys ChannelFlowRole for the app instance.
func (s *stack) setRole(app string) {
	s.e.fake.SetPolicy(rolePolicy(s.e.t, "ChannelFlowRole", app))
	s.logf("ChannelFlowRole scoped to %s", app)
}

func (s *stack) logf(format string, args ...any) {
	s.history = append(s.history, fmt.Sprintf(format, args...))
}

// send sends one request and records its answer.
func (s *stack) send(ev cfn.Event) answer {
	s.e.t.Helper()
	a := s.e.run(ev)
	s.answers = append(s.answers, a)
	reason := ""
	if a.Reason != "" {
		reason = ": " + a.Reason
	}
	s.logf("%s %s (physical id %s) -> %s %s%s", ev.RequestType, logicalID, ev.PhysicalResourceID, a.Status, a.PhysicalResourceID, reason)
	return a
}

// String is the stack's history.
func (s *stack) String() string {
	return "status " + s.status + ", physical id " + s.id + "\n  " + strings.Join(s.history, "\n  ")
}

// createStack creates a stack with the resource's properties.
func (e *env) createStack(props map[string]any) *stack {
	e.t.Helper()
	s := &stack{e: e, props: props}
	s.setRole(appOf(props))
	a := s.send(e.event(cfn.RequestCreate, "", props, nil))
	s.id = a.PhysicalResourceID
	if a.Status == "SUCCESS" {
		s.status = createComplete
		return s
	}
	s.send(e.event(cfn.RequestDelete, a.PhysicalResourceID, props, nil))
	s.status = rollbackComplete
	return s
}

// cleanupDelete is a Delete of CloudFormation's clean-up phase: its failure
// does not fail the stack operation, whatever it leaves behind.
func (s *stack) cleanupDelete(id string, props map[string]any) {
	s.e.t.Helper()
	if a := s.send(s.e.event(cfn.RequestDelete, id, props, nil)); a.Status != "SUCCESS" {
		s.logf("(CloudFormation ignores a failed delete in the clean-up phase)")
	}
}

// update updates the stack to the resource's new properties. When
// laterFailure is set, another resource of the stack fails after this one
// was updated, and the whole update rolls back; form says how CloudFormation
// rolls back a replacement.
func (s *stack) update(props map[string]any, laterFailure bool, form replacementRollback) {
	s.e.t.Helper()
	oldID, oldProps := s.id, s.props
	s.setRole(appOf(props))
	a := s.send(s.e.event(cfn.RequestUpdate, oldID, props, oldProps))
	if a.Status == "SUCCESS" && !laterFailure {
		s.id, s.props = a.PhysicalResourceID, props
		if a.PhysicalResourceID != oldID {
			s.logf("UPDATE_COMPLETE_CLEANUP_IN_PROGRESS")
			s.cleanupDelete(oldID, oldProps)
		}
		s.status = updateComplete
		return
	}
	if laterFailure {
		s.logf("another resource failed: UPDATE_ROLLBACK_IN_PROGRESS")
	} else {
		s.logf("UPDATE_ROLLBACK_IN_PROGRESS")
	}
	s.setRole(appOf(oldProps))
	type pending struct {
		id    string
		props map[string]any
	}
	var cleanup []pending
	newID := a.PhysicalResourceID
	switch {
	case newID == oldID || form == updateBack:
		r := s.send(s.e.event(cfn.RequestUpdate, newID, oldProps, props))
		if r.Status != "SUCCESS" {
			s.id = newID
			s.status = updateRollbackFailed
			return
		}
		s.id = r.PhysicalResourceID
		if newID != s.id {
			cleanup = append(cleanup, pending{newID, props})
		}
		if oldID != newID && oldID != s.id {
			cleanup = append(cleanup, pending{oldID, oldProps})
		}
	default: // a replacement, rolled back by deleting the new id
		s.id = oldID
		cleanup = append(cleanup, pending{newID, props})
	}
	s.props = oldProps
	if len(cleanup) > 0 {
		s.logf("UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS")
	}
	for _, c := range cleanup {
		s.cleanupDelete(c.id, c.props)
	}
	s.status = updateRollbackComplete
}

// delete deletes the stack.
func (s *stack) delete() {
	s.e.t.Helper()
	s.setRole(appOf(s.props))
	if a := s.send(s.e.event(cfn.RequestDelete, s.id, s.props, nil)); a.Status != "SUCCESS" {
		s.status = deleteFailed
		return
	}
	s.status = deleteComplete
}
