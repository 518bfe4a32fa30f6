// Package statetest checks that a state.Store keeps the contract of
// package state: the same semantics, whatever keeps the state. Run it from
// a store's tests, as dynamostate's and state's own tests do.
package statetest

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor/state"
)

// Store is what the suite tests: a state.Store that also lists and lifts
// mutes.
type Store interface {
	state.Store
	state.Admin
}

// Open returns a function that opens a container's view of one fresh,
// empty store: every call of it shares the store's state, as the
// containers of a processor share its table (for an in-process store, the
// one instance).
type Open func(t *testing.T) func() Store

// Run runs every test of the suite on stores open makes.
func Run(t *testing.T, open Open) {
	for _, tc := range []struct {
		name string
		test func(*testing.T, func() Store)
	}{
		{"DecideRecordsAndFindsEarlier", decideRecordsAndFindsEarlier},
		{"ClaimCancelsALateDecide", claimCancelsALateDecide},
		{"Limit", limit},
		{"Recent", recent},
		{"ViolationsMuteAndLift", violationsMuteAndLift},
		{"FinishSoftChecks", finishSoftChecks},
		{"Invalid", invalid},
		{"ConcurrentContainers", concurrentContainers},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func cbID(i int) string { return fmt.Sprintf("cb%030d", i) }

// claimCancelsALateDecide: a Decide without checks claims a CallbackId
// (the pipeline's fence after a Decide failed); the failed request,
// applied late, finds the claim and counts nothing, and the claim after
// an applied request finds that request's record.
func claimCancelsALateDecide(t *testing.T, open func() Store) {
	s := open()
	ctx := context.Background()
	limit := state.Check{Kind: state.CheckLimit, Key: "s|fence", Limit: 1, Window: time.Minute}
	claim := &state.Decision{CallbackID: cbID(40), MessageID: "m40", Time: t0, Record: state.Record{Action: "DENY", Digest: "dd", Rules: []string{"flood"}}}
	got, err := s.Decide(ctx, claim)
	require.NoError(t, err)
	assert.True(t, got.Applied, "the claim is recorded")
	late := &state.Decision{CallbackID: cbID(40), MessageID: "m40", Time: t0, Record: state.Record{Action: "ALLOW", Digest: "aa", Rules: []string{}},
		Checks: []state.Check{limit}}
	got, err = s.Decide(ctx, late)
	require.NoError(t, err)
	require.NotNil(t, got.Earlier, "the late request finds the claim")
	assert.Equal(t, "DENY", got.Earlier.Action)
	// It counted nothing: the limit of one still admits a message.
	got, err = s.Decide(ctx, &state.Decision{CallbackID: cbID(41), MessageID: "m41", Time: t0, Record: state.Record{Action: "ALLOW", Digest: "a1", Rules: []string{}},
		Checks: []state.Check{limit}})
	require.NoError(t, err)
	assert.True(t, got.Applied)

	// The other order: the request was applied, the claim finds its record.
	got, err = s.Decide(ctx, &state.Decision{CallbackID: cbID(41), MessageID: "m41", Time: t0, Record: state.Record{Action: "DENY", Digest: "dd"}})
	require.NoError(t, err)
	require.NotNil(t, got.Earlier)
	assert.Equal(t, "ALLOW", got.Earlier.Action)
	assert.False(t, got.Applied)
}

func decideRecordsAndFindsEarlier(t *testing.T, open func() Store) {
	s := open()
	ctx := context.Background()
	rec := state.Record{Action: "REWRITE", Digest: "d1", Rules: []string{"profanity"}}
	d := &state.Decision{CallbackID: cbID(1), MessageID: "m1", Time: t0, Record: rec,
		Checks: []state.Check{{Kind: state.CheckLimit, Key: "s|u1", Limit: 5, Window: time.Minute}}}
	got, err := s.Decide(ctx, d)
	require.NoError(t, err)
	assert.True(t, got.Applied)
	assert.Nil(t, got.Earlier)

	// The second delivery finds the record and writes nothing.
	got, err = s.Decide(ctx, d)
	require.NoError(t, err)
	require.NotNil(t, got.Earlier)
	assert.Equal(t, rec, *got.Earlier)
	assert.False(t, got.Applied)

	// Finish marks it answered; a later delivery sees it answered, and a
	// second Finish is a duplicate.
	f := &state.Finish{CallbackID: cbID(1), MessageID: "m1", Time: t0, Record: rec}
	fin, err := s.Finish(ctx, f)
	require.NoError(t, err)
	assert.False(t, fin.Duplicate)
	fin, err = s.Finish(ctx, f)
	require.NoError(t, err)
	assert.True(t, fin.Duplicate)
	got, err = s.Decide(ctx, d)
	require.NoError(t, err)
	require.NotNil(t, got.Earlier)
	assert.True(t, got.Earlier.Answered)
}

func limit(t *testing.T, open func() Store) {
	s := open()
	ctx := context.Background()
	check := state.Check{Kind: state.CheckLimit, Key: "sender|u1", Limit: 3, Window: 10 * time.Second}
	decide := func(i int, at time.Time) state.Decided {
		t.Helper()
		got, err := s.Decide(ctx, &state.Decision{CallbackID: cbID(i), Time: at, Record: state.Record{Action: "ALLOW"}, Checks: []state.Check{check}})
		require.NoError(t, err)
		return got
	}
	start := state.WindowStart(t0, 10*time.Second)
	for i := range 3 {
		assert.True(t, decide(i, start.Add(time.Duration(i)*time.Second)).Applied, "message %d", i)
	}
	got := decide(3, start.Add(9999*time.Millisecond))
	assert.False(t, got.Applied)
	assert.Equal(t, []state.Result{{Tripped: true, Count: 3}}, got.Results)
	// A denied message is not counted, and is not recorded: it trips
	// again when delivered again.
	got = decide(3, start.Add(9999*time.Millisecond))
	assert.Nil(t, got.Earlier)
	assert.Equal(t, int64(3), got.Results[0].Count)
	// The next window starts from zero.
	assert.True(t, decide(4, start.Add(10*time.Second)).Applied)
}

func recent(t *testing.T, open func() Store) {
	s := open()
	ctx := context.Background()
	check := state.Check{Kind: state.CheckRecent, Key: "u1|hash", Window: time.Minute}
	decide := func(cb, msg string, at time.Time) state.Decided {
		t.Helper()
		got, err := s.Decide(ctx, &state.Decision{CallbackID: cb, MessageID: msg, Time: at, Record: state.Record{Action: "ALLOW"}, Checks: []state.Check{check}})
		require.NoError(t, err)
		return got
	}
	assert.True(t, decide(cbID(1), "m1", t0).Applied)
	got := decide(cbID(2), "m2", t0.Add(59*time.Second))
	assert.Equal(t, []state.Result{{Tripped: true, Seen: t0}}, got.Results)
	// An edit of the message that was seen is not a repeat of it.
	assert.True(t, decide(cbID(3), "m1", t0.Add(30*time.Second)).Applied)
	// Seen at t0+30s now: a copy at t0+61s is within the minute.
	assert.True(t, decide(cbID(4), "m4", t0.Add(61*time.Second)).Results[0].Tripped)
	// One minute after the last copy that passed, it passes again.
	assert.True(t, decide(cbID(5), "m5", t0.Add(90*time.Second)).Applied)
	// A copy older than the last one seen is a repeat too.
	assert.True(t, decide(cbID(6), "m6", t0).Results[0].Tripped)
}

func violationsMuteAndLift(t *testing.T, open func() Store) {
	s := open()
	ctx := context.Background()
	v := state.Violation{Key: "esc|u1", Stage: "escalation", Subject: "arn:aws:chime:us-east-1:111122223333:app-instance/a/user/u1",
		Within: 10 * time.Minute, Threshold: 3, Mute: time.Hour}
	finish := func(i int, at time.Time) state.Finished {
		t.Helper()
		got, err := s.Finish(ctx, &state.Finish{CallbackID: cbID(i), Time: at, Record: state.Record{Action: "DENY"}, Violations: []state.Violation{v}})
		require.NoError(t, err)
		return got
	}
	assert.Equal(t, []time.Time{{}}, finish(1, t0).Muted)
	// Violations out of the window do not add up.
	assert.Equal(t, []time.Time{{}}, finish(2, t0.Add(11*time.Minute)).Muted)
	assert.Equal(t, []time.Time{{}}, finish(3, t0.Add(12*time.Minute)).Muted)
	// A duplicate of a violation is not counted twice.
	assert.True(t, finish(3, t0.Add(12*time.Minute)).Duplicate)
	at := t0.Add(13 * time.Minute)
	assert.Equal(t, []time.Time{at.Add(time.Hour)}, finish(4, at).Muted)

	mute := state.Check{Kind: state.CheckMute, Key: "esc|u1"}
	decide := func(i int, when time.Time) state.Decided {
		got, err := s.Decide(ctx, &state.Decision{CallbackID: cbID(i), Time: when, Record: state.Record{Action: "ALLOW"}, Checks: []state.Check{mute}})
		require.NoError(t, err)
		return got
	}
	assert.Equal(t, []state.Result{{Tripped: true, Until: at.Add(time.Hour)}}, decide(10, at.Add(time.Minute)).Results)
	assert.True(t, decide(11, at.Add(-time.Second)).Applied, "a message sent before the mute passes")

	mutes, err := s.Mutes(ctx)
	require.NoError(t, err)
	require.Len(t, mutes, 1)
	assert.Equal(t, state.Mute{Key: "esc|u1", Stage: "escalation", Subject: v.Subject, From: at, Until: at.Add(time.Hour)}, mutes[0])

	lifted := at.Add(10 * time.Minute)
	require.NoError(t, s.Lift(ctx, mutes[0].Key, lifted))
	assert.True(t, decide(12, lifted).Applied, "a message sent after the lift passes")
	assert.True(t, decide(13, lifted.Add(-time.Second)).Results[0].Tripped, "a message sent before the lift is still muted")
	mutes, err = s.Mutes(ctx)
	require.NoError(t, err)
	assert.Equal(t, lifted, mutes[0].Lifted)
	assert.ErrorIs(t, s.Lift(ctx, "esc|nobody", lifted), state.ErrNoMute)
}

func finishSoftChecks(t *testing.T, open func() Store) {
	s := open()
	ctx := context.Background()
	full := state.Check{Kind: state.CheckLimit, Key: "flag|u1", Limit: 1, Window: time.Minute, Soft: true}
	free := state.Check{Kind: state.CheckLimit, Key: "flag|u2", Limit: 1, Window: time.Minute, Soft: true}
	_, err := s.Finish(ctx, &state.Finish{CallbackID: cbID(1), Time: t0, Record: state.Record{Action: "ALLOW"}, Checks: []state.Check{full}})
	require.NoError(t, err)
	// The first check trips; the second is applied all the same.
	got, err := s.Finish(ctx, &state.Finish{CallbackID: cbID(2), Time: t0, Record: state.Record{Action: "ALLOW"}, Checks: []state.Check{full, free}})
	require.NoError(t, err)
	assert.Equal(t, []state.Result{{Tripped: true, Count: 1}, {}}, got.Results)
	got, err = s.Finish(ctx, &state.Finish{CallbackID: cbID(3), Time: t0, Record: state.Record{Action: "ALLOW"}, Checks: []state.Check{free}})
	require.NoError(t, err)
	assert.Equal(t, []state.Result{{Tripped: true, Count: 1}}, got.Results)
}

func invalid(t *testing.T, open func() Store) {
	s := open()
	ctx := context.Background()
	for name, d := range map[string]*state.Decision{
		"no callback id": {},
		"soft check":     {CallbackID: "x", Checks: []state.Check{{Kind: state.CheckMute, Key: "k", Soft: true}}},
		"no key":         {CallbackID: "x", Checks: []state.Check{{Kind: state.CheckMute}}},
		"short window":   {CallbackID: "x", Checks: []state.Check{{Kind: state.CheckLimit, Key: "k", Limit: 1, Window: time.Millisecond}}},
		"zero limit":     {CallbackID: "x", Checks: []state.Check{{Kind: state.CheckLimit, Key: "k", Window: time.Second}}},
		"same state twice": {CallbackID: "x", Checks: []state.Check{
			{Kind: state.CheckMute, Key: "k"}, {Kind: state.CheckMute, Key: "k"}}},
	} {
		_, err := s.Decide(ctx, d)
		assert.ErrorIs(t, err, state.ErrInvalid, name)
	}
	for name, f := range map[string]*state.Finish{
		"no callback id": {},
		"zero threshold": {CallbackID: "x", Violations: []state.Violation{{Key: "k", Within: time.Minute, Mute: time.Minute}}},
		"same key twice": {CallbackID: "x", Violations: []state.Violation{
			{Key: "k", Within: time.Minute, Mute: time.Minute, Threshold: 1}, {Key: "k", Within: time.Minute, Mute: time.Minute, Threshold: 1}}},
	} {
		_, err := s.Finish(ctx, f)
		assert.ErrorIs(t, err, state.ErrInvalid, name)
	}
}

// concurrentContainers sends one sender's flood through several
// containers (stores with clients of their own) from many goroutines, each
// message delivered twice to different containers: the limit holds
// exactly, no message is counted twice, and both deliveries of a message
// get the same decision.
func concurrentContainers(t *testing.T, open func() Store) {
	const (
		containers = 4
		messages   = 60
		limit      = 17
		workers    = 12
	)
	stores := make([]Store, containers)
	for i := range stores {
		stores[i] = open()
	}
	check := state.Check{Kind: state.CheckLimit, Key: "sender|flooder", Limit: limit, Window: time.Hour}
	at := state.WindowStart(t0, time.Hour).Add(time.Minute)
	type delivery struct{ msg, container int }
	jobs := make(chan delivery)
	decisions := make([][2]string, messages) // per message, the decision of each delivery
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				s := stores[j.container%containers]
				rec := state.Record{Action: "ALLOW", Digest: "d" + strconv.Itoa(j.msg)}
				d := &state.Decision{CallbackID: cbID(j.msg), MessageID: "m" + strconv.Itoa(j.msg), Time: at, Record: rec, Checks: []state.Check{check}}
				got, err := s.Decide(context.Background(), d)
				if err != nil {
					errs <- err
					return
				}
				decision := "ALLOW"
				switch {
				case got.Earlier != nil:
					decision = got.Earlier.Action
				case !got.Applied:
					decision = "DENY"
				}
				mu.Lock()
				slot := 0
				if decisions[j.msg][0] != "" {
					slot = 1
				}
				decisions[j.msg][slot] = decision
				mu.Unlock()
			}
		}()
	}
	for m := range messages {
		jobs <- delivery{m, m}
		jobs <- delivery{m, m + 1} // the duplicate, to another container
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	allowed := 0
	for m, d := range decisions {
		assert.Equal(t, d[0], d[1], "message %d: two deliveries, two decisions", m)
		if d[0] == "ALLOW" {
			allowed++
		}
	}
	assert.Equal(t, limit, allowed, "messages admitted")
	// The counter holds exactly the admitted messages: none twice.
	got, err := stores[0].Decide(context.Background(), &state.Decision{CallbackID: cbID(messages + 1), Time: at, Record: state.Record{Action: "ALLOW"}, Checks: []state.Check{check}})
	require.NoError(t, err)
	assert.Equal(t, []state.Result{{Tripped: true, Count: limit}}, got.Results)
}
