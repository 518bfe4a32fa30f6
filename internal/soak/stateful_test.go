package soak

import (
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
)

// TestGenerateStateful: valid, unique, reproducible events in one hour,
// from senders over and under the limit, with copies.
func TestGenerateStateful(t *testing.T) {
	events := GenerateStateful(1000, 7)
	require.Len(t, events, 1000)
	perSender := map[int]int{}
	callbacks, copies := map[string]bool{}, 0
	for i, ev := range events {
		decoded, err := processor.Decode(ev.Payload)
		require.NoError(t, err, "event %d", i)
		require.NoError(t, decoded.Validate(), "event %d", i)
		require.False(t, callbacks[ev.CallbackID], "CallbackId %s repeats", ev.CallbackID)
		callbacks[ev.CallbackID] = true
		at := decoded.ChannelMessage.CreatedTimestamp.Time
		assert.Equal(t, stateBase.Add(time.Duration(i)*time.Millisecond), at)
		perSender[ev.state.sender]++
		if ev.state.copy {
			copies++
		}
	}
	over, under := 0, 0
	for _, n := range perSender {
		if n > StateLimit {
			over++
		} else {
			under++
		}
	}
	assert.Positive(t, over, "senders over the limit")
	assert.Positive(t, under, "senders under it")
	assert.InDelta(t, 0.3, float64(copies)/1000, 0.1, "copies")
	again := GenerateStateful(1000, 7)
	for i := range events {
		require.Equal(t, events[i].Payload, again[i].Payload, "the same seed, the same events")
	}
}

// TestCheckStateSeesInexactTables: each way a table can disagree with
// what was accepted is counted, and an exact one passes.
func TestCheckStateSeesInexactTables(t *testing.T) {
	// One sender, five messages: contents 0, 1, 0 (a copy), 2, 3; a limit
	// of 8 admits the four distinct ones; the copy is denied by repeat.
	var sent []sentEvent
	accepted := map[string]messagingtest.MessageState{}
	exact := &tableState{records: map[string]stateRecord{}, counters: map[string]int64{}, violations: map[string][]string{}, muted: map[string]bool{}}
	arn := senderArn(0)
	for i, g := range []int{0, 1, 0, 2, 3} {
		ev := &Event{Seq: i, Source: "test", CallbackID: fmt.Sprintf("cb-%d", i), ChannelArn: "channel", MessageID: fmt.Sprintf("m%d", i),
			SenderArn: arn, state: &stateEvent{sender: 0, group: g, copy: i == 2}}
		sent = append(sent, sentEvent{Event: ev, requestID: fmt.Sprintf("req-%d", i)})
		rec := stateRecord{action: "ALLOW", rules: []string{}, answered: true}
		if i == 2 {
			rec = stateRecord{action: "DENY", rules: []string{"repeat"}, answered: true}
			exact.violations[arn] = []string{ev.CallbackID}
		}
		exact.records[ev.CallbackID] = rec
		accepted[ev.MessageID] = messagingtest.MessageState{Accepted: 1, Resolution: &messaging.ChannelFlowCallbackInput{DeleteResource: i == 2}}
	}
	exact.counters[arn] = 4
	messageState := func(_, id string) (messagingtest.MessageState, bool) { st, ok := accepted[id]; return st, ok }
	check := func(ts *tableState) *StateReport {
		r := &Report{Samples: map[string][]string{}, stateFailed: map[string]bool{}, deadLettered: map[string]bool{}}
		checkState(ts, r, sent, messageState)
		return r.State
	}
	clone := func() *tableState {
		return &tableState{records: maps.Clone(exact.records), counters: maps.Clone(exact.counters), violations: maps.Clone(exact.violations), muted: maps.Clone(exact.muted)}
	}
	got := check(exact)
	require.Zero(t, got.Inexact)
	assert.Equal(t, 4, got.Allowed)
	assert.Equal(t, 1, got.DeniedRepeat)
	assert.Equal(t, 1, got.ViolationItems)
	assert.Equal(t, 1, got.Copies)

	tests := map[string]func(ts *tableState){
		"counted twice": func(ts *tableState) { ts.counters[arn] = 5 },
		"not counted":   func(ts *tableState) { ts.counters[arn] = 3 },
		"record lost":   func(ts *tableState) { delete(ts.records, "cb-1") },
		"record disagrees": func(ts *tableState) {
			ts.records["cb-1"] = stateRecord{action: "DENY", rules: []string{"ratelimit"}, answered: true}
		},
		"not marked answered": func(ts *tableState) { ts.records["cb-3"] = stateRecord{action: "ALLOW", answered: false} },
		"a copy allowed": func(ts *tableState) {
			ts.records["cb-2"] = stateRecord{action: "ALLOW", answered: true}
			ts.counters[arn] = 5
		},
		"violation lost":            func(ts *tableState) { delete(ts.violations, arn) },
		"violation twice":           func(ts *tableState) { ts.violations[arn] = []string{"cb-2", "cb-2"} },
		"violation of an ALLOW":     func(ts *tableState) { ts.violations[arn] = []string{"cb-2", "cb-1"} },
		"muted under the threshold": func(ts *tableState) { ts.muted[arn] = true },
		"a record nobody sent":      func(ts *tableState) { ts.records["cb-x"] = stateRecord{action: "ALLOW"} },
	}
	for name, tamper := range tests {
		ts := clone()
		tamper(ts)
		assert.Positive(t, check(ts).Inexact, name)
	}
}

// TestStatefulSoak: a short stateful soak of the binary, its state in a
// DynamoDB table on moto's server, under faults and duplicate deliveries.
func TestStatefulSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a soak of the binary")
	}
	testenv.Python(t, "moto.server", "flask", "werkzeug")
	r := run(t, Config{Stateful: true, Events: 120, Containers: 4, Seed: 3, DuplicateRate: 0.15, KillRate: 0.02, KillInCallbackRate: 0.02})
	assert.Empty(t, r.Failures(), "%v", r.Samples)
	require.NotNil(t, r.State)
	st := r.State
	assert.GreaterOrEqual(t, st.Records, r.Accepted-st.StateErrors, "every event answered is recorded")
	assert.Positive(t, st.Allowed)
	assert.Positive(t, st.DeniedLimit+st.DeniedRepeat)
	assert.Positive(t, st.Muted)
	assert.Equal(t, int64(st.Allowed), st.Counted)
	assert.Positive(t, r.DeliveredTwice)
	assert.Zero(t, r.Conflicting)
}
