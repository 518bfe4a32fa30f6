package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

const (
	fixtureDir = "../../testdata/events"
	configFile = "../../testdata/config/moderation.yaml"
)

// Binaries built once: the processor and the liar (testdata/liar).
var bin struct{ processor, liar string }

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chimeflow-soak-test")
	if err != nil {
		panic(err)
	}
	if bin.processor, err = lambdatest.Build(dir, "github.com/chimeflow/chimeflow/cmd/processor", "bootstrap"); err != nil {
		panic(err)
	}
	if bin.liar, err = lambdatest.Build(dir, "./testdata/liar", "liar"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func oracle(t *testing.T) *Oracle {
	t.Helper()
	o, err := NewOracle([]string{"CHIMEFLOW_CONFIG_FILE=" + configFile})
	require.NoError(t, err)
	return o
}

var idPattern = regexp.MustCompile(`^[-_a-zA-Z0-9]+$`)

func TestUniqueID(t *testing.T) {
	tests := []struct {
		orig     string
		i        int
		min, max int
		want     string
	}{
		{"c0ffee08-aaaa-bbbb-cccc-0123456789ab", 0, 32, 64, "s0-c0ffee08-aaaa-bbbb-cccc-012345678"},
		{"c0ffee08-aaaa-bbbb-cccc-0123456789ab", 9999, 32, 64, "s7pr-c0ffee08-aaaa-bbbb-cccc-0123456"},
		{"msg-08", 35, 1, 128, "sz-msg"},
		{"m", 36, 1, 128, "s10-m"},
		{strings.Repeat("x", 128), 1, 1, 128, "s1-" + strings.Repeat("x", 125)},
		{strings.Repeat("y", 64), 2, 32, 64, "s2-" + strings.Repeat("y", 61)},
		{"short", 1, 32, 64, "s1-short" + strings.Repeat("0", 24)},
	}
	for _, tt := range tests {
		got := uniqueID(tt.orig, tt.i, tt.min, tt.max)
		assert.Equal(t, tt.want, got)
		assert.Regexp(t, idPattern, got)
		assert.GreaterOrEqual(t, len(got), tt.min)
		assert.LessOrEqual(t, len(got), tt.max)
	}
	seen := map[string]bool{}
	for i := range 20000 {
		id := uniqueID("msg-08", i, 1, 128)
		require.False(t, seen[id], "id %d repeats: %s", i, id)
		seen[id] = true
	}
}

// TestGenerate: every kind is made, in about the proportions asked;
// events are reproducible by seed; valid events have ids of their own and
// the decision of the in-process handler; malformed ones decode to no
// callback; nothing generated is refused by Lambda's Invoke API.
func TestGenerate(t *testing.T) {
	o := oracle(t)
	f, err := LoadFixtures(fixtureDir, o)
	require.NoError(t, err)
	for _, k := range Kinds {
		assert.Positive(t, f.Count(k), "%s templates", k)
	}
	assert.NotEmpty(t, f.Skipped, "fixtures that are not JSON are left out")
	for _, s := range f.Skipped {
		assert.Contains(t, s, "not JSON")
	}
	const n = 4000
	events, err := Generate(f, o, n, DefaultMix, 7)
	require.NoError(t, err)
	require.Len(t, events, n)
	byKind := map[Kind]int{}
	mutated := 0
	for _, ev := range events {
		byKind[ev.Kind]++
		require.True(t, json.Valid(ev.Payload), ev.Source)
		if strings.Contains(ev.Source, "+") {
			mutated++
		}
		if ev.Kind == Malformed {
			assert.Nil(t, ev.Want, ev.Source)
			continue
		}
		require.NotNil(t, ev.Want, ev.Source)
		assert.Equal(t, ev.CallbackID, ev.Want.CallbackID)
		assert.Equal(t, ev.MessageID, ev.Want.ChannelMessage.MessageID)
		assert.True(t, strings.HasPrefix(ev.CallbackID, "s"), ev.CallbackID)
		assert.Equal(t, ev.Kind == Denied, ev.Want.DeleteResource)
	}
	for k, share := range DefaultMix {
		got := float64(byKind[k]) / n
		assert.InDelta(t, share, got, 0.03, "%s: %d of %d", k, byKind[k], n)
	}
	assert.Positive(t, mutated, "mutations of valid events are among the malformed")

	again, err := Generate(f, o, 50, DefaultMix, 7)
	require.NoError(t, err)
	for i := range again {
		assert.Equal(t, events[i].Payload, again[i].Payload, "same seed, same events")
	}
	other, err := Generate(f, o, 50, DefaultMix, 8)
	require.NoError(t, err)
	same := 0
	for i := range other {
		if bytes.Equal(other[i].Payload, events[i].Payload) {
			same++
		}
	}
	assert.Less(t, same, 25, "another seed, other events")
}

func TestLoadFixturesNeedsEveryKind(t *testing.T) {
	dir := t.TempDir()
	ev, err := os.ReadFile(fixtureDir + "/minimal.json")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(dir+"/minimal.json", ev, 0o644))
	_, err = LoadFixtures(dir, oracle(t))
	assert.ErrorContains(t, err, "no rewritten event")
}

// TestSchedule: about the share asked of CallbackIds is faulted, each with
// one to three faults on its first requests and none after; the plan is
// the same for the same seed; every fault kind and refusal form is used;
// status requests are left alone.
func TestSchedule(t *testing.T) {
	s := &schedule{seed: 3, rate: 0.30, slow: time.Second, trap: "http://127.0.0.1:1/x"}
	const n = 10000
	faulted := 0
	lengths := map[int]int{}
	kinds := map[int]int{}
	forms := map[messagingtest.Refusal]int{}
	for i := range n {
		id := uniqueID("c0ffee08-aaaa-bbbb-cccc-0123456789ab", i, 32, 64)
		p := s.plan(id)
		assert.Equal(t, p, s.plan(id), "a plan is the same each time")
		forms[s.refusal(id)]++
		if len(p) == 0 {
			continue
		}
		faulted++
		lengths[len(p)]++
		for _, k := range p {
			kinds[k]++
		}
		for attempt := 1; attempt <= len(p)+2; attempt++ {
			f, ok := s.decide(messagingtest.Request{Operation: messaging.OpChannelFlowCallback, CallbackID: id, Attempt: attempt})
			assert.Equal(t, attempt <= len(p), ok, "attempt %d of %d faults", attempt, len(p))
			if ok {
				assert.Equal(t, faultKinds[p[attempt-1]].fault(s), f)
			}
		}
		_, ok := s.decide(messagingtest.Request{Operation: messaging.OpGetChannelMessageStatus, CallbackID: id, Attempt: 1})
		assert.False(t, ok)
	}
	assert.InDelta(t, 0.30, float64(faulted)/n, 0.02)
	assert.Equal(t, []int{1, 2, 3}, sortedKeys(lengths))
	assert.Len(t, kinds, len(faultKinds), "every fault kind")
	assert.Len(t, forms, 3, "every refusal form")
	counts, _ := s.counts()
	total := 0
	for _, v := range counts {
		total += v
	}
	assert.Equal(t, lengths[1]+2*lengths[2]+3*lengths[3], total, "every fault given is counted")
	assert.NotEqual(t, s.plan("x"), (&schedule{seed: 4, rate: 1}).plan("x"))
}

func sortedKeys(m map[int]int) []int {
	var out []int
	for k := 1; k <= 10; k++ {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	return out
}

func TestReason(t *testing.T) {
	rec := func(cond, doc string) *lambdatest.Record {
		r := &lambdatest.Record{RequestContext: lambdatest.RecordRequestContext{Condition: cond}}
		if doc != "" {
			r.ResponsePayload = json.RawMessage(doc)
		}
		return r
	}
	tests := []struct {
		rec  *lambdatest.Record
		want string
	}{
		{rec("EventAgeExceeded", ""), "EventAgeExceeded / no attempt"},
		{rec("RetriesExhausted", `{"errorMessage":"2024-05-01T12:03:05.500Z 1b2c Task timed out after 3.00 seconds"}`), "RetriesExhausted / Task timed out"},
		{rec("RetriesExhausted", `{"errorType":"Runtime.ExitError","errorMessage":"RequestId: x Error: Runtime exited with error: signal: killed"}`), "RetriesExhausted / Runtime.ExitError: signal: killed"},
		{rec("RetriesExhausted", `{"errorType":"wrapErrors","errorMessage":"invalid event: CallbackId: length 31 is below the minimum 32"}`), "RetriesExhausted / invalid event"},
		{rec("RetriesExhausted", `{"errorType":"wrapErrors","errorMessage":"decode event: malformed JSON"}`), "RetriesExhausted / invalid event"},
		{rec("RetriesExhausted", `{"errorType":"wrapErrors","errorMessage":"channel flow callback failed: messaging: ChannelFlowCallback: HTTP 403 ForbiddenException: You do not have sufficient access (request id m-1); the message is still PENDING"}`), "RetriesExhausted / callback failed: refused, message still PENDING"},
		{rec("RetriesExhausted", `{"errorType":"wrapErrors","errorMessage":"channel flow callback failed: messaging: ChannelFlowCallback: HTTP 409 ConflictException: x; messaging: the message's status could not be had: no bearer"}`), "RetriesExhausted / callback failed: refused, status could not be had"},
		{rec("RetriesExhausted", `{"errorType":"wrapErrors","errorMessage":"channel flow callback failed: messaging: ChannelFlowCallback: HTTP 307 redirect to http://x"}`), "RetriesExhausted / callback failed: redirect"},
		{rec("RetriesExhausted", `{"errorType":"wrapErrors","errorMessage":"channel flow callback failed: messaging: ChannelFlowCallback: HTTP 503 ServiceUnavailableException: down (request id m-2) (after 5 attempts: max attempts reached)"}`), "RetriesExhausted / callback failed: HTTP 503 ServiceUnavailableException"},
		{rec("RetriesExhausted", `{"errorType":"wrapErrors","errorMessage":"channel flow callback failed: messaging: ChannelFlowCallback: HTTP 429 ThrottledClientException: slow down (after 3 attempts: the next attempt would not finish before the deadline less the 500ms margin)"}`), "RetriesExhausted / callback failed: deadline, last error HTTP 429 ThrottledClientException"},
		{rec("RetriesExhausted", `{"errorType":"errorString","errorMessage":"something 12 else 3b241101-e2bb-4255-8caf-4136c566a962"}`), "RetriesExhausted / errorString: something N else ID"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, reason(tt.rec))
	}
}

func TestReportCount(t *testing.T) {
	r := &Report{Refusals: map[string]int{}, StatusChecks: map[int]int{}}
	refusal := messagingtest.Refuse(messagingtest.RefuseForbidden)
	calls := []messagingtest.Call{
		{Operation: messaging.OpChannelFlowCallback, Status: 403},
		{Operation: messaging.OpChannelFlowCallback, Status: 409},
		{Operation: messaging.OpChannelFlowCallback, Status: 400},
		{Operation: messaging.OpChannelFlowCallback, Status: 403, Fault: &refusal},
		{Operation: messaging.OpChannelFlowCallback, Status: 409, Fault: &refusal},
		{Operation: messaging.OpChannelFlowCallback, Status: 500},
		{Operation: messaging.OpChannelFlowCallback, Status: 200},
		{Operation: messaging.OpGetChannelMessageStatus, Status: 200},
		{Operation: messaging.OpGetChannelMessageStatus, Status: 404},
		{Operation: messaging.OpGetChannelMessageStatus, Status: 200},
	}
	for i := range calls {
		r.count(&calls[i])
	}
	assert.Equal(t, map[string]int{"403 ForbiddenException": 1, "409 ConflictException": 1, "400 BadRequestException (non-pending)": 1}, r.Refusals,
		"refusals the schedule gave are faults, not refusals of answered messages")
	assert.Equal(t, map[int]int{200: 2, 404: 1}, r.StatusChecks)
}

func TestReportFailures(t *testing.T) {
	var r Report
	assert.Empty(t, r.Failures())
	assert.NoError(t, r.Err())
	r.Lost, r.Crashes, r.Nonconforming = 2, 1, 3
	assert.Equal(t, []string{"lost: 2", "nonconforming requests: 3", "crashes: 1"}, r.Failures())
	assert.ErrorIs(t, r.Err(), ErrFailed)
	var b bytes.Buffer
	require.NoError(t, r.Print(&b))
	assert.Contains(t, b.String(), "FAILED: lost: 2, nonconforming requests: 3, crashes: 1")
}

func run(t *testing.T, cfg Config) *Report {
	t.Helper()
	if !cfg.Stateful {
		cfg.EventsDir, cfg.ConfigFile = fixtureDir, configFile
	}
	if cfg.Bootstrap == "" {
		cfg.Bootstrap = bin.processor
	}
	cfg.MaxWait = 2 * time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	r, err := Run(ctx, cfg)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, r.Print(&b))
	t.Log("\n" + b.String())
	return r
}

// TestSoak runs a small soak of the processor with every fault at raised
// rates: nothing is lost, answered twice or wrongly, every request
// conforms, no container crashes.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("a soak of the binary")
	}
	r := run(t, Config{Events: 150, Containers: 6, Seed: 5, Timeout: 2 * time.Second, FaultRate: 0.5, DuplicateRate: 0.15,
		KillRate: 0.03, KillInCallbackRate: 0.03})
	assert.Empty(t, r.Failures())
	assert.Equal(t, 150, r.Events)
	assert.Equal(t, r.ByKind[Clean]+r.ByKind[Rewritten]+r.ByKind[Denied], r.Accepted+r.UnansweredDeadLettered, "every valid event is accepted or dead-lettered")
	assert.Equal(t, r.ByKind[Malformed], r.MalformedDeadLettered, "every malformed event ends in the on-failure destination")
	assert.Positive(t, r.DeliveredTwice)
	assert.Positive(t, r.DuplicatesAbsorbed)
	assert.Positive(t, r.Faulted)
	assert.Positive(t, r.Retried)
	assert.Positive(t, r.Killed)
	assert.NotEmpty(t, r.Refusals)
	assert.Positive(t, r.StatusChecks[200])
	assert.Greater(t, r.Processes, r.Containers, "killed containers start afresh")
	assert.Positive(t, r.RSSFirstMedian)
}

// TestSoakFails: the soak sees a processor that loses events, answers them
// wrongly or crashes.
func TestSoakFails(t *testing.T) {
	if testing.Short() {
		t.Skip("a soak of the binary")
	}
	tests := []struct {
		mode  string
		check func(t *testing.T, r *Report)
	}{
		{"silent", func(t *testing.T, r *Report) {
			valid := r.ByKind[Clean] + r.ByKind[Rewritten] + r.ByKind[Denied]
			assert.Equal(t, r.Events, r.Lost, "no callback and no record: every event is lost")
			assert.Positive(t, valid)
			assert.Zero(t, r.Accepted)
		}},
		{"deny", func(t *testing.T, r *Report) {
			// Malformed events with ids are answered too, and wrongly.
			assert.GreaterOrEqual(t, r.Wrong, r.ByKind[Clean]+r.ByKind[Rewritten], "every event but the denied ones is answered wrongly")
			assert.GreaterOrEqual(t, r.Lost, r.ByKind[Malformed], "malformed events answered with success are lost")
		}},
		{"crash", func(t *testing.T, r *Report) {
			assert.Positive(t, r.Crashes)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			r := run(t, Config{Events: 30, Containers: 2, Seed: 1, Bootstrap: bin.liar, Env: []string{"LIAR=" + tt.mode},
				FaultRate: -1, DuplicateRate: -1, KillRate: -1, KillInCallbackRate: -1})
			assert.ErrorIs(t, r.Err(), ErrFailed)
			tt.check(t, r)
		})
	}
}
