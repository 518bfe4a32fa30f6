package ratelimit_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/deny"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
	"github.com/chimeflow/chimeflow/rules/ratelimit"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // a window start for 10s windows

const (
	bob     = "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/user/bob"
	general = processortest.ChannelArn
	random  = "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/channel/random"
)

func newRule(t *testing.T, c ratelimit.Config) *ratelimit.Rule {
	t.Helper()
	r, err := ratelimit.New(c)
	require.NoError(t, err)
	return r
}

// msg is one message of a sequence: who, where, when (seconds after t0).
type msg struct {
	sender, channel string
	at              float64
}

func (m msg) event(i int) *processor.Event {
	sender, channel := m.sender, m.channel
	if sender == "" {
		sender = processortest.UserArn
	}
	if channel == "" {
		channel = general
	}
	return processortest.NewEvent("hello", processortest.WithSender(sender, ""), processortest.WithChannel(channel),
		ruletest.At(ruletest.CallbackID(i), t0.Add(time.Duration(m.at*float64(time.Second)))))
}

func TestLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    ratelimit.Config
		msgs []msg
		want string // one letter per message: A allow, D deny
	}{
		{"per sender", ratelimit.Config{Limit: 3, Window: 10 * time.Second},
			[]msg{{at: 0}, {at: 1}, {channel: random, at: 2}, {at: 3}, {at: 9.999}, {at: 10}}, "AAADDA"},
		{"per sender, other senders apart", ratelimit.Config{Limit: 1, Window: 10 * time.Second},
			[]msg{{at: 0}, {sender: bob, at: 1}, {at: 2}, {sender: bob, at: 3}}, "AADD"},
		{"per channel", ratelimit.Config{Per: rules.PerChannel, Limit: 2, Window: time.Minute},
			[]msg{{at: 0}, {sender: bob, at: 1}, {at: 2}, {channel: random, at: 3}}, "AADA"},
		{"per sender in channel", ratelimit.Config{Per: rules.PerSenderInChannel, Limit: 1, Window: time.Minute},
			[]msg{{at: 0}, {channel: random, at: 1}, {at: 2}, {sender: bob, at: 3}}, "AADA"},
		{"fixed windows: a burst across the boundary", ratelimit.Config{Limit: 2, Window: 10 * time.Second},
			[]msg{{at: 8}, {at: 9}, {at: 10}, {at: 11}, {at: 12}}, "AAAAD"},
		{"out of order times count in their own window", ratelimit.Config{Limit: 1, Window: 10 * time.Second},
			[]msg{{at: 15}, {at: 5}, {at: 16}, {at: 6}}, "AADD"},
		{"a limit of one", ratelimit.Config{Limit: 1, Window: time.Hour},
			[]msg{{at: 0}, {at: 3599}}, "AD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ruletest.NewStateful(t, processor.Stage{Name: "ratelimit", Rule: newRule(t, tc.c)})
			got := ""
			for i, m := range tc.msgs {
				res := s.Send(t, m.event(i))
				got += string(res.Outcome.Action[0])
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestDenyReasonNamesConfigurationOnly(t *testing.T) {
	s := ruletest.NewStateful(t, processor.Stage{Name: "flood", Rule: newRule(t, ratelimit.Config{Limit: 1, Window: 10 * time.Second})})
	s.Send(t, msg{at: 0}.event(0))
	res := s.Send(t, msg{at: 1}.event(1))
	assert.Equal(t, processor.ActionDeny, res.Outcome.Action)
	assert.Equal(t, []string{"flood"}, res.Outcome.Rules)
	assert.Equal(t, "rate limit: more than 1 messages per 10s per sender", res.Outcome.Reason)
	assert.Equal(t, &processor.StateReport{Checks: 1, Tripped: []string{"flood"}, Finished: "done"}, zeroTimes(res.Outcome.State))
}

func zeroTimes(r *processor.StateReport) *processor.StateReport {
	c := *r
	c.Decide, c.Finish = 0, 0
	return &c
}

func TestFlagDeliversAndReports(t *testing.T) {
	s := ruletest.NewStateful(t, processor.Stage{Name: "flood", Rule: newRule(t, ratelimit.Config{Limit: 2, Window: 10 * time.Second, Action: rules.TripFlag})})
	var flags []int
	for i := range 4 {
		res := s.Send(t, msg{at: float64(i)}.event(i))
		assert.Equal(t, processor.ActionAllow, res.Outcome.Action, "message %d", i)
		assert.Zero(t, res.Outcome.State.Checks, "a flag check runs after the callback")
		if len(res.Outcome.Flags) > 0 {
			flags = append(flags, i)
			assert.Equal(t, []processor.Flag{{Rule: "flood", Reason: "rate limit: more than 2 messages per 10s per sender"}}, res.Outcome.Flags)
		}
	}
	assert.Equal(t, []int{2, 3}, flags)
	assert.Len(t, s.Recorder.Calls(), 4)
}

func TestDryRunReportsWhatItWouldDo(t *testing.T) {
	s := ruletest.NewStateful(t, processor.Stage{Name: "flood", DryRun: true, Rule: newRule(t, ratelimit.Config{Limit: 1, Window: 10 * time.Second})})
	s.Send(t, msg{at: 0}.event(0))
	res := s.Send(t, msg{at: 1}.event(1))
	assert.Equal(t, processor.ActionAllow, res.Outcome.Action)
	assert.Equal(t, []processor.DryRunResult{{Rule: "flood", Would: processor.ActionDeny, Reason: "rate limit: more than 1 messages per 10s per sender"}}, res.Outcome.DryRun)
}

func TestDuplicateDeliveryIsNotCountedTwice(t *testing.T) {
	s := ruletest.NewStateful(t, processor.Stage{Name: "flood", Rule: newRule(t, ratelimit.Config{Limit: 2, Window: 10 * time.Second})})
	first := msg{at: 0}.event(0)
	assert.False(t, s.Send(t, first).Duplicate)
	dup := s.Send(t, first)
	assert.True(t, dup.Duplicate, "answered by the first delivery")
	assert.True(t, dup.Outcome.State.Earlier && dup.Outcome.State.Answered)
	assert.Len(t, s.Recorder.Calls(), 1, "no second callback")
	// The window holds one message, not two: the next one passes.
	assert.Equal(t, processor.ActionAllow, s.Send(t, msg{at: 1}.event(1)).Outcome.Action)
	assert.Equal(t, processor.ActionDeny, s.Send(t, msg{at: 2}.event(2)).Outcome.Action)
	// A denied message delivered again is denied again.
	assert.Equal(t, processor.ActionDeny, s.Send(t, msg{at: 2}.event(2)).Outcome.Action)
}

func TestMessagesOtherRulesDenyAreNotCounted(t *testing.T) {
	d, err := deny.New(deny.Config{Keywords: []string{"spam"}})
	require.NoError(t, err)
	s := ruletest.NewStateful(t,
		processor.Stage{Name: "flood", Rule: newRule(t, ratelimit.Config{Limit: 1, Window: 10 * time.Second})},
		processor.Stage{Name: "deny", Rule: d})
	spam := processortest.NewEvent("spam", ruletest.At(ruletest.CallbackID(0), t0))
	res := s.Send(t, spam)
	assert.Equal(t, []string{"deny"}, res.Outcome.Rules)
	assert.Zero(t, res.Outcome.State.Checks, "denied whatever the state: no request before the callback")
	assert.Equal(t, processor.ActionAllow, s.Send(t, msg{at: 1}.event(1)).Outcome.Action)
}

func TestEditsCountAtTheirEditTime(t *testing.T) {
	s := ruletest.NewStateful(t, processor.Stage{Name: "flood", Rule: newRule(t, ratelimit.Config{Limit: 1, Window: 10 * time.Second})})
	s.Send(t, msg{at: 0}.event(0))
	edit := msg{at: 1}.event(1)
	edit.ChannelMessage.LastEditedTimestamp = processor.NewTimestamp(t0.Add(25 * time.Second).Format(time.RFC3339))
	assert.Equal(t, processor.ActionAllow, s.Send(t, edit).Outcome.Action, "the edit counts in the window of its edit time")
}

// broken is a store that fails.
type broken struct{}

var errDown = errors.New("store down")

func (broken) Decide(context.Context, *state.Decision) (state.Decided, error) {
	return state.Decided{}, errDown
}
func (broken) Finish(context.Context, *state.Finish) (state.Finished, error) {
	return state.Finished{}, errDown
}

func TestStoreFailureFollowsTheErrorPolicy(t *testing.T) {
	for _, tc := range []struct {
		policy processor.ErrorPolicy
		want   processor.Action
	}{{processor.PolicyDeny, processor.ActionDeny}, {processor.PolicyAllow, processor.ActionAllow}} {
		r := newRule(t, ratelimit.Config{Limit: 5, Window: time.Minute})
		require.NoError(t, r.Provision(context.Background(), rules.NewHost(rules.WithState(broken{}))))
		h, _ := processortest.NewHandler(processor.NewPipeline(processor.Stage{Name: "flood", Rule: r, OnError: tc.policy}))
		res, err := h.Handle(context.Background(), processortest.Payload(t, msg{}.event(0)))
		require.NoError(t, err)
		assert.Equal(t, tc.want, res.Outcome.Action, "policy %s", tc.policy)
		require.Len(t, res.Outcome.Errors, 1)
		assert.ErrorIs(t, res.Outcome.Errors[0], processor.ErrState)
		assert.ErrorIs(t, res.Outcome.Errors[0], errDown)
		assert.Equal(t, "failed", res.Outcome.State.Finished)
	}
}

func TestUnprovisionedRuleFails(t *testing.T) {
	out := processortest.RunRule(t, newRule(t, ratelimit.Config{Limit: 5, Window: time.Minute}), msg{}.event(0))
	assert.Equal(t, processor.ActionDeny, out.Action)
	require.Len(t, out.Errors, 1)
	assert.ErrorIs(t, out.Errors[0], processor.ErrState)
	assert.ErrorContains(t, out.Errors[0], "no store")
	// Provision without a store says so.
	err := newRule(t, ratelimit.Config{Limit: 5, Window: time.Minute}).Provision(context.Background(), rules.NewHost())
	assert.ErrorIs(t, err, rules.ErrNoStateStore)
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		options string
		want    []string
	}{
		{`{}`, []string{"4:7: rule ratelimit: option limit: required", "4:7: rule ratelimit: option window: required"}},
		{`{limit: 0, window: 10s}`, []string{"4:15: rule ratelimit: option limit: required: a number of messages from 1 to 1000000"}},
		{`{limit: 1000001, window: 10s}`, []string{"option limit"}},
		{`{limit: 5, window: 500ms}`, []string{"4:26: rule ratelimit: option window: 500ms is out of range: from 1s to 24h0m0s"}},
		{`{limit: 5, window: 25h}`, []string{"option window: 25h0m0s is out of range"}},
		{`{limit: 5, window: 1500us}`, []string{"option window"}},
		{`{limit: 5, window: 10s, per: user}`, []string{`4:36: rule ratelimit: option per: "user" is not sender, channel or senderInChannel`}},
		{`{limit: 5, window: 10s, action: mask}`, []string{`option action: "mask" is not deny or flag`}},
		{`{limit: 5, window: ten seconds}`, []string{"option window"}},
		{`{limit: 5, window: 10s, burst: 2}`, []string{"burst"}},
	} {
		ruletest.ExpectProblems(t, ruletest.OptionProblems(t, "ratelimit", "rules.yaml", tc.options), tc.want)
	}
	// The Go constructor accepts and refuses the same.
	_, err := ratelimit.New(ratelimit.Config{Limit: 5, Window: time.Second, Per: "user"})
	assert.EqualError(t, err, `option per: "user" is not sender, channel or senderInChannel`)
	_, err = ratelimit.New(ratelimit.Config{Limit: 5, Window: 10 * time.Second, Per: rules.PerChannel, Action: rules.TripFlag})
	assert.NoError(t, err)
}

// lost is a store whose Decide fails as a timeout does: the first time
// it fails, the request is applied (late) or not, as applied says; after
// that it works.
type lost struct {
	*state.Memory
	applied bool
	late    *state.Decision // a request that failed unapplied, to apply later
	failed  bool
}

var errTimeout = errors.New("context deadline exceeded")

func (l *lost) Decide(ctx context.Context, d *state.Decision) (state.Decided, error) {
	if l.failed {
		return l.Memory.Decide(ctx, d)
	}
	l.failed = true
	if l.applied {
		if _, err := l.Memory.Decide(ctx, d); err != nil {
			return state.Decided{}, err
		}
	} else {
		cp := *d
		l.late = &cp
	}
	return state.Decided{}, errTimeout
}

// TestStoreFailureIsFenced: a Decide that fails may have been applied.
// The pipeline then claims the CallbackId with the error policy's
// decision, or follows the record it finds, so that the message is never
// both counted and denied, and every delivery decides alike.
func TestStoreFailureIsFenced(t *testing.T) {
	send := func(t *testing.T, store state.Store, policy processor.ErrorPolicy, ev *processor.Event) processor.Result {
		t.Helper()
		r := newRule(t, ratelimit.Config{Limit: 1, Window: 10 * time.Second})
		require.NoError(t, r.Provision(context.Background(), rules.NewHost(rules.WithState(store))))
		h, _ := processortest.NewHandler(processor.NewPipeline(processor.Stage{Name: "flood", Rule: r, OnError: policy}))
		res, err := h.Handle(context.Background(), processortest.Payload(t, ev))
		require.NoError(t, err)
		return res
	}
	t.Run("applied: the delivery follows its own record", func(t *testing.T) {
		store := &lost{Memory: state.NewMemory(), applied: true}
		first := msg{at: 0}.event(0)
		res := send(t, store, processor.PolicyDeny, first)
		assert.Equal(t, processor.ActionAllow, res.Outcome.Action, "counted, so delivered, whatever the policy")
		assert.Empty(t, res.Outcome.Errors)
		assert.Equal(t, "earlier", res.Outcome.State.Fence)
		assert.Contains(t, res.Outcome.State.Error, "deadline")
		// The window holds that one message: the next is over the limit.
		assert.Equal(t, processor.ActionDeny, send(t, store, processor.PolicyDeny, msg{at: 1}.event(1)).Outcome.Action)
		// A duplicate of the first gets its decision (answered already).
		dup := send(t, store, processor.PolicyDeny, first)
		assert.True(t, dup.Duplicate)
	})
	t.Run("not applied: the policy's deny is recorded and the late request cancelled", func(t *testing.T) {
		store := &lost{Memory: state.NewMemory()}
		first := msg{at: 0}.event(0)
		res := send(t, store, processor.PolicyDeny, first)
		assert.Equal(t, processor.ActionDeny, res.Outcome.Action)
		assert.Equal(t, "claimed", res.Outcome.State.Fence)
		require.NotNil(t, store.late)
		got, err := store.Memory.Decide(context.Background(), store.late)
		require.NoError(t, err)
		require.NotNil(t, got.Earlier, "the failed request, applied late, finds the claim")
		assert.Equal(t, "DENY", got.Earlier.Action)
		assert.False(t, got.Applied, "and counts nothing")
		// Nothing was counted: the next message is within the limit.
		assert.Equal(t, processor.ActionAllow, send(t, store, processor.PolicyDeny, msg{at: 1}.event(1)).Outcome.Action)
	})
	t.Run("not applied, fail open: the allow is recorded uncounted", func(t *testing.T) {
		store := &lost{Memory: state.NewMemory()}
		res := send(t, store, processor.PolicyAllow, msg{at: 0}.event(0))
		assert.Equal(t, processor.ActionAllow, res.Outcome.Action)
		assert.Equal(t, "claimed", res.Outcome.State.Fence)
		assert.Equal(t, processor.ActionAllow, send(t, store, processor.PolicyDeny, msg{at: 1}.event(1)).Outcome.Action, "the fail-open message was not counted")
	})
	t.Run("the store stays down: the policy decides unrecorded", func(t *testing.T) {
		res := send(t, broken{}, processor.PolicyDeny, msg{at: 0}.event(0))
		assert.Equal(t, processor.ActionDeny, res.Outcome.Action)
		assert.Equal(t, "failed", res.Outcome.State.Fence)
	})
}
