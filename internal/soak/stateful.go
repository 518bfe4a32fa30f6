package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chimeflow/chimeflow/internal/motoserver"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor/state/dynamostate"
)

// The stateful soak's pipeline: escalation, a rate limit per sender and a
// repeat check, their state in one DynamoDB table shared by every
// container. Every message of a run is sent within one hour-long window,
// so that what each sender may have admitted is exact.
const (
	// StateLimit is the rate limit: messages per sender per hour.
	StateLimit = 8
	// StateViolations is how many denies by the rate limit or the repeat
	// check mute a sender (for an hour).
	StateViolations = 4
	// stateTable names the table the soak creates.
	stateTable = "chimeflow-soak-state"
	// stateTimeout is CHIMEFLOW_STATE_TIMEOUT: the soak's server answers
	// one request at a time, so a request may wait for the others.
	stateTimeout = "2s"
)

// statefulConfig is the processor's configuration in a stateful soak.
var statefulConfig = fmt.Sprintf(`# The stateful soak's pipeline (internal/soak): every stage fails closed.
rules:
  - rule: escalation
    options: {violations: %d, within: 1h, mute: 1h, count: [ratelimit, repeat]}
  - rule: ratelimit
    options: {per: sender, limit: %d, window: 1h}
  - rule: repeat
    options: {per: sender, window: 1h}
`, StateViolations, StateLimit)

// stateBase is the time of the first message of a stateful soak; message
// i is sent i milliseconds later, so a run of up to 3.6 million events
// stays in the hour that starts here.
var stateBase = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// StateReport is what a stateful soak found in the table, checked against
// what the service accepted. Inexact must be zero.
type StateReport struct {
	// Limit and Violations are StateLimit and StateViolations.
	Limit, Violations int
	// Senders counts the senders; OverLimit those who sent more messages
	// than the limit, Muted those the table holds a mute for.
	Senders, OverLimit, Muted int
	// Copies counts the events whose content repeats an earlier one of
	// their sender (case or spacing changed, half of the time).
	Copies int
	// Records counts the decisions recorded in the table, by what the
	// record says: ALLOW, DENY by the rate limit, by the repeat check, by
	// the mute.
	Records, Allowed, DeniedLimit, DeniedRepeat, DeniedMuted int
	// Counted is the sum of the rate-limit counters; ViolationItems the
	// violations recorded.
	Counted        int64
	ViolationItems int
	// StateErrors counts the log lines that report a failure of the store
	// (before or after the callback): a request past its timeout or the
	// function's deadline, which the fault schedule's slow callbacks bring
	// near. Excused counts the senders of such events: the checks that
	// assume every store request succeeded (the admitted count, the mute)
	// are skipped for them, the others are not.
	StateErrors, Excused int
	// Inexact counts the broken invariants (see docs/soak.md).
	Inexact int
}

// stateEvent is what the stateful checks need of an event.
type stateEvent struct {
	sender int
	// group numbers the distinct contents of a sender: copies share it.
	group int
	// copy is true when the content repeats an earlier event's.
	copy bool
}

// GenerateStateful makes n valid events from senders of three kinds: a
// tenth flood (two fifths of the events, half of them copies of their
// earlier messages), two fifths write steadily (a fifth copies), and half
// write a few messages each, under the limit. Copies change case or
// spacing half of the time. Message i is sent at stateBase plus i ms.
func GenerateStateful(n int, seed uint64) []Event {
	rng := rand.New(rand.NewPCG(seed, 0x57a7e))
	senders := max(n/20, 4)
	flooders := max(senders/10, 1)
	steady := max(senders*2/5, 1)
	quiet := max(senders-flooders-steady, 1)
	senders = flooders + steady + quiet
	contents := make([][]string, senders)
	channels := []string{"lobby", "support", "random", "announcements"}
	events := make([]Event, 0, n)
	for i := range n {
		var s int
		var copyRate float64
		switch x := rng.Float64(); {
		case x < 0.40:
			s, copyRate = rng.IntN(flooders), 0.5
		case x < 0.85:
			s, copyRate = flooders+rng.IntN(steady), 0.2
		default:
			s, copyRate = flooders+steady+rng.IntN(quiet), 0.1
		}
		var text string
		group, copied := len(contents[s]), false
		if group > 0 && rng.Float64() < copyRate {
			group, copied = rng.IntN(len(contents[s])), true
			text = contents[s][group]
			switch rng.IntN(4) {
			case 0:
				text = strings.ToUpper(text)
			case 1:
				text = "  " + strings.ReplaceAll(text, " ", "   ") + " "
			}
		} else {
			text = fmt.Sprintf("update %d from sender %d: build %d is %s", group, s, rng.IntN(1000), []string{"green", "red", "queued", "flaky"}[rng.IntN(4)])
			contents[s] = append(contents[s], text)
		}
		callbackID := fmt.Sprintf("5e0f%04x-0000-4000-8000-%012d", seed&0xffff, i)
		doc := map[string]any{
			"EventType":  "CHANNEL_MESSAGE_EVENT",
			"CallbackId": callbackID,
			"ChannelMessage": map[string]any{
				"MessageId":        "st-" + strconv.Itoa(i),
				"ChannelArn":       "arn:aws:chime:us-east-1:111122223333:app-instance/5e0f0000-0000-4000-8000-000000000000/channel/" + channels[rng.IntN(len(channels))],
				"Content":          text,
				"Sender":           map[string]any{"Arn": senderArn(s), "Name": "Sender " + strconv.Itoa(s)},
				"Persistence":      "PERSISTENT",
				"Type":             "STANDARD",
				"CreatedTimestamp": stateBase.Add(time.Duration(i) * time.Millisecond).Format("2006-01-02T15:04:05.000Z"),
			},
		}
		payload, _ := json.Marshal(doc)
		ev := Event{Seq: i, Source: fmt.Sprintf("stateful sender %d", s), Payload: payload, state: &stateEvent{sender: s, group: group, copy: copied}}
		ev.CallbackID, ev.ChannelArn, ev.MessageID, ev.SenderArn = idsOf(payload)
		events = append(events, ev)
	}
	return events
}

func senderArn(s int) string {
	return fmt.Sprintf("arn:aws:chime:us-east-1:111122223333:app-instance/5e0f0000-0000-4000-8000-000000000000/user/soak-%04d", s)
}

// stateEnv is the table of a stateful soak.
type stateEnv struct {
	client *dynamodb.Client
	env    []string
	close  func()
}

// startState starts moto's server one request at a time (unless endpoint
// is given), creates the table and writes the configuration into dir.
func startState(ctx context.Context, endpoint, dir string) (*stateEnv, error) {
	st := &stateEnv{close: func() {}}
	if endpoint == "" {
		srv, err := motoserver.Start(motoserver.Options{Serial: true})
		if err != nil {
			return nil, fmt.Errorf("soak: a DynamoDB-compatible server for the stateful soak (python3.11 -m moto.server): %w", err)
		}
		st.close = func() { _ = srv.Close() }
		endpoint = srv.URL
	}
	st.client = dynamodb.New(dynamodb.Options{
		Region:       messagingtest.Region,
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: messagingtest.AccessKeyID, SecretAccessKey: messagingtest.SecretAccessKey, SessionToken: messagingtest.SessionToken}, nil
		}),
	})
	if _, err := st.client.CreateTable(ctx, dynamostate.TableDefinition(stateTable)); err != nil {
		st.close()
		return nil, fmt.Errorf("soak: create the state table: %w", err)
	}
	if _, err := st.client.UpdateTimeToLive(ctx, dynamostate.TTLSpecification(stateTable)); err != nil {
		st.close()
		return nil, fmt.Errorf("soak: the state table's TTL: %w", err)
	}
	config := filepath.Join(dir, "stateful.yaml")
	if err := os.WriteFile(config, []byte(statefulConfig), 0o644); err != nil {
		st.close()
		return nil, err
	}
	st.env = []string{
		"CHIMEFLOW_CONFIG_FILE=" + config,
		dynamostate.EnvTable + "=" + stateTable,
		dynamostate.EnvEndpoint + "=" + endpoint,
		dynamostate.EnvTimeout + "=" + stateTimeout,
	}
	return st, nil
}

// tableState is what the table holds, by sender.
type tableState struct {
	records    map[string]stateRecord // CallbackId -> record
	counters   map[string]int64       // sender ARN -> its rate-limit counter
	violations map[string][]string    // sender ARN -> CallbackIds of its violations
	muted      map[string]bool        // sender ARN -> has a mute item
}

type stateRecord struct {
	action   string
	rules    []string
	answered bool
}

// scan reads the whole table.
func (st *stateEnv) scan(ctx context.Context) (*tableState, error) {
	ts := &tableState{records: map[string]stateRecord{}, counters: map[string]int64{}, violations: map[string][]string{}, muted: map[string]bool{}}
	p := dynamodb.NewScanPaginator(st.client, &dynamodb.ScanInput{TableName: aws.String(stateTable), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("soak: scan the state table: %w", err)
		}
		for _, item := range page.Items {
			pk, sk := attrS(item["pk"]), attrS(item["sk"])
			switch {
			case strings.HasPrefix(pk, "cb#") && sk == "record":
				r := stateRecord{action: attrS(item["action"])}
				if b, ok := item["answered"].(*types.AttributeValueMemberBOOL); ok {
					r.answered = b.Value
				}
				if l, ok := item["rules"].(*types.AttributeValueMemberL); ok {
					for _, v := range l.Value {
						r.rules = append(r.rules, attrS(v))
					}
				}
				ts.records[strings.TrimPrefix(pk, "cb#")] = r
			case strings.HasPrefix(pk, "lim#"):
				// lim#<stage>|sender|<ARN>|<window>|<limit>
				_, rest, _ := strings.Cut(pk, "|sender|")
				arn, _, _ := strings.Cut(rest, "|")
				n, _ := item["n"].(*types.AttributeValueMemberN)
				if arn == "" || n == nil {
					return nil, fmt.Errorf("soak: unexpected counter item %s %s", pk, sk)
				}
				v, err := strconv.ParseInt(n.Value, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("soak: counter %s: %w", pk, err)
				}
				ts.counters[arn] += v
			case strings.HasPrefix(pk, "esc#") && strings.HasPrefix(sk, "v#"):
				// esc#<stage>|<ARN>, sort key v#<ms>#<CallbackId>
				_, arn, _ := strings.Cut(pk, "|")
				ts.violations[arn] = append(ts.violations[arn], sk[strings.LastIndexByte(sk, '#')+1:])
			}
		}
	}
	// The mutes, as flowctl mutes list reads them.
	store, err := dynamostate.New(st.client, dynamostate.Options{Table: stateTable})
	if err != nil {
		return nil, err
	}
	mutes, err := store.Mutes(ctx)
	if err != nil {
		return nil, fmt.Errorf("soak: list the mutes: %w", err)
	}
	for _, m := range mutes {
		ts.muted[m.Subject] = true
	}
	return ts, nil
}

func attrS(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// verifyState checks the table against the events and what the service
// accepted. Per sender, with no store failure logged:
//
//   - every accepted callback has its record, with the same decision, and
//     marked answered unless the event was dead-lettered;
//   - the rate-limit counter equals the ALLOW records (no message counted
//     twice or not at all) and is at most the limit;
//   - at most one ALLOW per distinct content (the repeat check);
//   - a sender not muted has exactly min(limit, distinct contents decided)
//     ALLOWs;
//   - the violations recorded are exactly the answered DENYs of the rate
//     limit and the repeat check, one each, and the sender is muted if
//     and only if they reach the threshold.
func verifyState(ctx context.Context, st *stateEnv, r *Report, sent []sentEvent, chime *messagingtest.Server) error {
	ts, err := st.scan(ctx)
	if err != nil {
		return err
	}
	checkState(ts, r, sent, chime.MessageState)
	return nil
}

// checkState checks ts, what the table holds, against the events and what
// the service accepted (messageState), into r.State.
func checkState(ts *tableState, r *Report, sent []sentEvent, messageState func(channelArn, messageID string) (messagingtest.MessageState, bool)) {
	sr := &StateReport{Limit: StateLimit, Violations: StateViolations, StateErrors: r.stateErrors, Records: len(ts.records)}
	r.State = sr
	bad := func(format string, args ...any) {
		sr.Inexact++
		if len(r.Samples["inexact"]) < 8 {
			r.Samples["inexact"] = append(r.Samples["inexact"], fmt.Sprintf(format, args...))
		}
	}
	type senderTally struct {
		arn        string
		excused    bool
		failed     map[string]bool // CallbackIds of events whose log reported a store failure
		sent       int
		allowed    int
		allowedBy  map[int]int
		decided    map[int]bool
		violations map[string]bool // CallbackIds the table must hold a violation for
	}
	tallies := map[int]*senderTally{}
	known := map[string]bool{}
	for _, s := range sent {
		se := s.state
		if se == nil {
			continue
		}
		known[s.CallbackID] = true
		t := tallies[se.sender]
		if t == nil {
			t = &senderTally{arn: s.SenderArn, failed: map[string]bool{}, allowedBy: map[int]int{}, decided: map[int]bool{}, violations: map[string]bool{}}
			tallies[se.sender] = t
		}
		t.sent++
		failed := r.stateFailed[s.requestID]
		if failed {
			t.excused, t.failed[s.CallbackID] = true, true
		}
		if se.copy {
			sr.Copies++
		}
		rec, ok := ts.records[s.CallbackID]
		msg, accepted := messageState(s.ChannelArn, s.MessageID)
		if accepted && msg.Accepted > 0 && msg.Resolution != nil {
			action := "ALLOW"
			if msg.Resolution.DeleteResource {
				action = "DENY"
			}
			switch {
			case !ok:
				bad("event %d (%s): callback %s accepted, no record in the table", s.Seq, s.Source, action)
			case rec.action != action:
				bad("event %d (%s): callback %s accepted, the record says %s", s.Seq, s.Source, action, rec.action)
			case !rec.answered && !r.deadLettered[s.CallbackID] && !failed:
				bad("event %d (%s): callback accepted and the invocation succeeded, the record is not marked answered", s.Seq, s.Source)
			}
		}
		if !ok {
			continue
		}
		t.decided[se.group] = true
		switch {
		case rec.action == "ALLOW":
			sr.Allowed++
			t.allowed++
			t.allowedBy[se.group]++
		case slices.Contains(rec.rules, "escalation"):
			sr.DeniedMuted++
		case slices.Contains(rec.rules, "ratelimit"):
			sr.DeniedLimit++
		case slices.Contains(rec.rules, "repeat"):
			sr.DeniedRepeat++
		}
		if rec.action == "DENY" && rec.answered && !slices.Contains(rec.rules, "escalation") &&
			(slices.Contains(rec.rules, "ratelimit") || slices.Contains(rec.rules, "repeat")) {
			t.violations[s.CallbackID] = true
		}
	}
	for cb := range ts.records {
		if !known[cb] {
			bad("record of CallbackId %s, which no event has", cb)
		}
	}
	sr.Senders = len(tallies)
	for _, id := range slices.Sorted(maps.Keys(tallies)) {
		t := tallies[id]
		if t.sent > StateLimit {
			sr.OverLimit++
		}
		muted := ts.muted[t.arn]
		if muted {
			sr.Muted++
		}
		if t.excused {
			sr.Excused++
		}
		counter := ts.counters[t.arn]
		sr.Counted += counter
		if counter != int64(t.allowed) {
			bad("sender %d: rate-limit counter %d, %d ALLOW records", id, counter, t.allowed)
		}
		if t.allowed > StateLimit {
			bad("sender %d: %d ALLOWs, over the limit of %d", id, t.allowed, StateLimit)
		}
		for g, n := range t.allowedBy {
			if n > 1 {
				bad("sender %d: content %d allowed %d times", id, g, n)
			}
		}
		if want := min(StateLimit, len(t.decided)); !muted && !t.excused && t.allowed != want {
			bad("sender %d, not muted: %d ALLOWs, want min(limit %d, %d distinct contents decided) = %d", id, t.allowed, StateLimit, len(t.decided), want)
		}
		got := ts.violations[t.arn]
		sr.ViolationItems += len(got)
		seen := map[string]bool{}
		for _, cb := range got {
			if seen[cb] {
				bad("sender %d: violation of %s recorded twice", id, cb)
			}
			seen[cb] = true
			if !t.violations[cb] {
				bad("sender %d: violation of %s, which is not an answered DENY of the rate limit or the repeat check", id, cb)
			}
		}
		for cb := range t.violations {
			// A deny because the store failed (the error policy) is no
			// violation.
			if !seen[cb] && !t.failed[cb] {
				bad("sender %d: answered DENY %s has no violation recorded", id, cb)
			}
		}
		if reached := len(got) >= StateViolations; reached != muted && !t.excused {
			bad("sender %d: %d violations (threshold %d), muted %v", id, len(got), StateViolations, muted)
		}
	}
}
