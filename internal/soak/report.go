package soak

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// Report is what a soak found. The counts named in Failures must be zero.
type Report struct {
	// The run's settings.
	Events, Containers, MaxRetryAttempts int
	Seed                                 uint64
	Timeout, MaxEventAge                 time.Duration
	RetryDelays                          [2]time.Duration
	DuplicateRate, FaultRate             float64
	KillRate, KillInCallbackRate         float64
	// Machine is GOOS/GOARCH, cores and Go version.
	Machine string
	// Duration is from the first event sent to the last one settled.
	Duration time.Duration

	// ByKind counts the events by what the processor must make of them.
	ByKind map[Kind]int
	// SkippedFixtures are fixtures that cannot be sent (not JSON).
	SkippedFixtures []string
	// DeliveredTwice counts the events delivered twice; SameContainer
	// those whose two deliveries first ran in the same container.
	DeliveredTwice, SameContainer int

	// Accepted counts the events whose callback the service accepted,
	// by kind.
	Accepted       int
	AcceptedByKind map[Kind]int
	// DuplicatesAbsorbed counts the attempts that ended as a duplicate
	// delivery (the handler's log line says duplicate: true).
	DuplicatesAbsorbed int
	// Attempts counts every attempt; Retried those after a failed one.
	Attempts, Retried int
	// DeadLettered counts the on-failure records, by reason.
	DeadLettered   int
	DeadLetteredBy map[string]int
	// Answered counts the on-failure records of events whose callback the
	// service had accepted (a dead letter for an answered message), of
	// which AnsweredDenied were DENY; AnsweredBy counts them by reason.
	Answered, AnsweredDenied int
	AnsweredBy               map[string]int
	// MalformedDeadLettered counts the malformed events that ended in the
	// on-failure destination, as they must; UnansweredDeadLettered the
	// valid events that ended there without an accepted callback.
	MalformedDeadLettered, UnansweredDeadLettered int

	// Lost events got neither an accepted callback nor an on-failure
	// record.
	Lost int
	// Conflicting events were answered two different ways.
	Conflicting int
	// Wrong events got a callback other than the one the in-process
	// handler decides (or any callback, for a malformed one).
	Wrong int
	// Nonconforming requests broke the service model or the signature.
	Nonconforming int
	// Crashes are processes that exited for a reason other than a kill of
	// the soak (a time-out, a SIGKILL, the end).
	Crashes int
	// RedirectsFollowed counts requests that reached a redirect's target.
	RedirectsFollowed int
	// Unsettled counts invocations still unsettled when the wait ended.
	Unsettled    int
	UnsettledErr string
	// Samples says which events or requests the non-zero counts above
	// are, a few each.
	Samples map[string][]string

	// CallbackIDs counts the CallbackIds the processor called back;
	// Faulted those of them given at least one fault.
	CallbackIDs, Faulted int
	// Faults counts the faults applied, by kind.
	Faults map[string]int
	// Refusals counts the callbacks refused because the message was
	// answered already, by form.
	Refusals map[string]int
	// StatusChecks counts GetChannelMessageStatus requests by HTTP status.
	StatusChecks map[int]int
	// Killed counts the attempts SIGKILLed by the soak, KilledInCallback
	// those of them killed while the service accepted their callback;
	// TimedOut counts the attempts killed at their deadline.
	Killed, KilledInCallback, TimedOut int
	// Processes counts the processes started (Containers of them at the
	// start, the rest after a kill); ColdStartMedian their median time to
	// the first invocation/next.
	Processes       int
	ColdStartMedian time.Duration
	// RSS of the processes, in bytes: after their first invocation and
	// after their last, median and largest; LongestServed is the most
	// invocations one process served, LongestRSS its RSS samples.
	RSSFirstMedian, RSSFirstMax, RSSLastMedian, RSSLastMax int64
	LongestServed                                          int
	LongestRSS                                             []lambdatest.RSSSample

	// State is what a stateful soak found in its table; nil otherwise.
	State *StateReport

	// stateErrors counts the log lines reporting a failure of the state
	// store, stateFailed holds their request ids; deadLettered holds the
	// CallbackIds of events with an on-failure record.
	stateErrors  int
	stateFailed  map[string]bool
	deadLettered map[string]bool
}

// Failures lists the must-be-zero counts that are not zero.
func (r *Report) Failures() []string {
	var out []string
	check := func(n int, what string) {
		if n != 0 {
			out = append(out, fmt.Sprintf("%s: %d", what, n))
		}
	}
	check(r.Lost, "lost")
	check(r.Conflicting, "conflicting decisions")
	check(r.Wrong, "wrong decisions")
	check(r.Nonconforming, "nonconforming requests")
	check(r.Crashes, "crashes")
	check(r.RedirectsFollowed, "redirects followed")
	check(r.SameContainer, "duplicates delivered to the same container")
	check(r.Unsettled, "invocations not settled")
	if r.State != nil {
		check(r.State.Inexact, "inexact state")
	}
	return out
}

// Err returns an error matching ErrFailed that lists the Failures, or nil.
func (r *Report) Err() error {
	if f := r.Failures(); len(f) > 0 {
		return fmt.Errorf("%w: %s", ErrFailed, strings.Join(f, ", "))
	}
	return nil
}

// logTally reads the processes' log lines.
type logTally struct {
	mu         sync.Mutex
	duplicates map[string]int // request id -> lines saying duplicate
	lines      int
	// stateErrors counts the lines reporting a failure of the state store;
	// stateSamples keeps a few of their errors.
	stateErrors  int
	stateSamples []string
	stateFailed  map[string]bool // request id -> a line reported a failure
}

func (l *logTally) line(o lambdatest.OutputLine) {
	if o.Stderr || len(o.Line) == 0 || o.Line[0] != '{' {
		return
	}
	var doc struct {
		RequestID string `json:"requestId"`
		Duplicate bool   `json:"duplicate"`
		State     *struct {
			Error    string `json:"error"`
			Finished string `json:"finished"`
		} `json:"state"`
	}
	if json.Unmarshal(o.Line, &doc) != nil || doc.RequestID == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines++
	if doc.Duplicate {
		l.duplicates[doc.RequestID]++
	}
	if doc.State != nil && (doc.State.Error != "" || doc.State.Finished == "failed") {
		l.stateErrors++
		l.stateFailed[doc.RequestID] = true
		if len(l.stateSamples) < 5 {
			l.stateSamples = append(l.stateSamples, fmt.Sprintf("request %s: finished %q: %s", doc.RequestID, doc.State.Finished, doc.State.Error))
		}
	}
}

// canonical is a callback as one comparable string: its channel and its
// body re-encoded.
func canonical(in *messaging.ChannelFlowCallbackInput) string {
	b, _ := json.Marshal(in)
	return in.ChannelArn + " " + string(b)
}

// sentCallback decodes a ChannelFlowCallback request as the service reads
// it.
func sentCallback(c *messagingtest.Call) (*messaging.ChannelFlowCallbackInput, bool) {
	var in messaging.ChannelFlowCallbackInput
	if json.Unmarshal(c.Body, &in) != nil {
		return nil, false
	}
	in.ChannelArn, _ = c.Params["ChannelArn"].(string)
	return &in, true
}

// analyse counts what became of each event.
func analyse(cfg *Config, sent []sentEvent, attempts []lambdatest.Attempt, records []lambdatest.Record, procs []lambdatest.Process,
	chime *messagingtest.Server, sched *schedule, logs *logTally, fixtures *Fixtures) *Report {
	r := &Report{
		Events: len(sent), Containers: cfg.Containers, MaxRetryAttempts: cfg.MaxRetryAttempts, Seed: cfg.Seed,
		Timeout: cfg.Timeout, MaxEventAge: cfg.MaxEventAge, RetryDelays: cfg.retryDelays(),
		DuplicateRate: cfg.DuplicateRate, FaultRate: cfg.FaultRate, KillRate: cfg.KillRate, KillInCallbackRate: cfg.KillInCallbackRate,
		Machine:         fmt.Sprintf("%s/%s, %d cores, %s", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version()),
		ByKind:          map[Kind]int{},
		AcceptedByKind:  map[Kind]int{},
		DeadLetteredBy:  map[string]int{},
		AnsweredBy:      map[string]int{},
		Faults:          map[string]int{},
		Refusals:        map[string]int{},
		StatusChecks:    map[int]int{},
		Samples:         map[string][]string{},
		SkippedFixtures: fixtures.Skipped,
		deadLettered:    map[string]bool{},
	}
	logs.mu.Lock()
	r.stateErrors, r.stateFailed = logs.stateErrors, maps.Clone(logs.stateFailed)
	if len(logs.stateSamples) > 0 {
		r.Samples["state store failures"] = slices.Clone(logs.stateSamples)
	}
	logs.mu.Unlock()
	sample := func(what, format string, args ...any) {
		if len(r.Samples[what]) < 5 {
			r.Samples[what] = append(r.Samples[what], fmt.Sprintf(format, args...))
		}
	}

	recordsOf := map[string][]lambdatest.Record{}
	for _, rec := range records {
		recordsOf[rec.RequestContext.RequestID] = append(recordsOf[rec.RequestContext.RequestID], rec)
	}
	firstOn := map[string]map[int]int{} // request id -> delivery -> container of its first attempt
	var timedOut []lambdatest.Attempt
	for _, at := range attempts {
		r.Attempts++
		if at.Attempt > 1 {
			r.Retried++
		}
		switch at.Outcome {
		case lambdatest.Killed:
			r.Killed++
		case lambdatest.TimedOut:
			r.TimedOut++
			timedOut = append(timedOut, at)
		}
		if at.Attempt == 1 {
			if firstOn[at.RequestID] == nil {
				firstOn[at.RequestID] = map[int]int{}
			}
			firstOn[at.RequestID][at.Delivery] = at.Container
		}
	}

	calls := chime.Calls()
	callsOf := map[string][]*messagingtest.Call{}
	for i := range calls {
		c := &calls[i]
		if len(c.Problems) > 0 {
			sample("nonconforming", "%s %s: %s", c.Method, c.Path, strings.Join(c.Problems, "; "))
		}
		if c.Operation == messaging.OpChannelFlowCallback {
			id, _ := c.Params["CallbackId"].(string)
			callsOf[id] = append(callsOf[id], c)
		}
		r.count(c)
	}
	r.Nonconforming = chime.Nonconforming()
	r.Faults, r.KilledInCallback = sched.counts()

	for _, s := range sent {
		ev := s.Event
		recs := recordsOf[s.requestID]
		if len(recs) > 0 && ev.CallbackID != "" {
			r.deadLettered[ev.CallbackID] = true
		}
		st, known := chime.MessageState(ev.ChannelArn, ev.MessageID)
		if ev.state != nil {
			// A stateful event's kind is what the service accepted.
			ev.Kind = Clean
			if known && st.Resolution != nil && st.Resolution.DeleteResource {
				ev.Kind = Denied
			}
		}
		r.ByKind[ev.Kind]++
		r.DeadLettered += len(recs)
		for _, rec := range recs {
			r.DeadLetteredBy[reason(&rec)]++
		}
		if s.twice {
			r.DeliveredTwice++
			if on := firstOn[s.requestID]; len(on) == 2 && on[0] == on[1] {
				r.SameContainer++
				sample("same container", "event %d (%s), request %s", ev.Seq, ev.Source, s.requestID)
			}
		}
		r.DuplicatesAbsorbed += logs.duplicates[s.requestID]
		sentCalls := callsOf[ev.CallbackID]

		if ev.Want == nil && ev.state == nil {
			if len(recs) > 0 {
				r.MalformedDeadLettered++
			} else {
				r.Lost++
				sample("lost", "event %d (%s, malformed), request %s: no on-failure record", ev.Seq, ev.Source, s.requestID)
			}
			if len(sentCalls) > 0 {
				r.Wrong++
				sample("wrong", "event %d (%s, malformed): %d callbacks sent", ev.Seq, ev.Source, len(sentCalls))
			}
			continue
		}

		r.CallbackIDs += min(len(sentCalls), 1)
		// A stateful event has no oracle: the table is checked instead
		// (verifyState), and its callbacks against each other.
		want := ""
		if ev.Want != nil {
			want = canonical(ev.Want)
		}
		seen := map[string]bool{}
		faulted, wrong := false, false
		for _, c := range sentCalls {
			faulted = faulted || c.Fault != nil
			in, ok := sentCallback(c)
			if !ok {
				continue
			}
			got := canonical(in)
			seen[got] = true
			if want != "" && got != want {
				wrong = true
			}
		}
		if faulted {
			r.Faulted++
		}
		accepted := known && st.Accepted > 0
		if accepted {
			r.Accepted++
			r.AcceptedByKind[ev.Kind]++
			if want != "" && st.Resolution != nil && canonical(st.Resolution) != want {
				wrong = true
			}
			if len(recs) > 0 {
				r.Answered += len(recs)
				if st.Resolution != nil && st.Resolution.DeleteResource {
					r.AnsweredDenied += len(recs)
				}
				for _, rec := range recs {
					why := reason(&rec)
					if ev.SenderArn == "" {
						why += " (the event names no sender)"
					}
					r.AnsweredBy[why]++
				}
				typ, msg := recs[0].Failure()
				sample("answered but dead-lettered", "event %d (%s, %s), request %s: %s %s", ev.Seq, ev.Source, ev.Kind, s.requestID, typ, msg)
			}
		} else if len(recs) > 0 {
			r.UnansweredDeadLettered++
		} else {
			r.Lost++
			sample("lost", "event %d (%s, %s), request %s: no accepted callback, no on-failure record", ev.Seq, ev.Source, ev.Kind, s.requestID)
		}
		if len(seen) > 1 || st.Accepted > 1 {
			r.Conflicting++
			sample("conflicting", "event %d (%s): %d different callbacks sent, %d accepted", ev.Seq, ev.Source, len(seen), st.Accepted)
		}
		if wrong {
			r.Wrong++
			sample("wrong", "event %d (%s): a callback differs from the in-process handler's decision", ev.Seq, ev.Source)
		}
	}

	bySent := map[string]*sentEvent{}
	for i := range sent {
		bySent[sent[i].requestID] = &sent[i]
	}
	for _, at := range timedOut {
		s := bySent[at.RequestID]
		if s == nil {
			continue
		}
		var steps []string
		for _, t := range sched.traceOf(s.CallbackID) {
			steps = append(steps, fmt.Sprintf("%+dms %s#%d %s", t.at.Sub(at.Start).Milliseconds(), t.operation, t.attempt, t.fault))
		}
		for _, t := range sched.traceOf(s.ChannelArn + " " + s.MessageID) {
			steps = append(steps, fmt.Sprintf("%+dms %s#%d", t.at.Sub(at.Start).Milliseconds(), t.operation, t.attempt))
		}
		sample("timed out", "event %d (%s), attempt %d of delivery %d, container %d: %s", s.Seq, s.Source, at.Attempt, at.Delivery, at.Container, strings.Join(steps, "; "))
	}

	var cold []time.Duration
	var rssFirst, rssLast []int64
	for _, p := range procs {
		r.Processes++
		if p.ColdStart > 0 {
			cold = append(cold, p.ColdStart)
		}
		if p.RSSFirst > 0 {
			rssFirst = append(rssFirst, p.RSSFirst)
		}
		if p.RSSLast > 0 && !p.Exited {
			rssLast = append(rssLast, p.RSSLast)
		}
		if p.Invocations > r.LongestServed {
			r.LongestServed, r.LongestRSS = p.Invocations, p.RSS
			if p.RSSLast > 0 && (len(p.RSS) == 0 || p.RSS[len(p.RSS)-1].Bytes != p.RSSLast || p.RSS[len(p.RSS)-1].Invocations != p.Invocations) {
				r.LongestRSS = append(slices.Clone(p.RSS), lambdatest.RSSSample{Invocations: p.Invocations, Bytes: p.RSSLast})
			}
		}
		if p.Crashed {
			r.Crashes++
			sample("crashes", "container %d pid %d: %s; %s", p.Container, p.PID, p.ExitStatus, lastLines(p.Tail, 3))
		}
	}
	r.ColdStartMedian = median(cold)
	r.RSSFirstMedian, r.RSSFirstMax = median(rssFirst), slicesMax(rssFirst)
	r.RSSLastMedian, r.RSSLastMax = median(rssLast), slicesMax(rssLast)
	return r
}

// count counts a request in Refusals or StatusChecks: a callback refused
// by the service itself (no fault given) because its message was answered
// already, a status check.
func (r *Report) count(c *messagingtest.Call) {
	switch c.Operation {
	case messaging.OpChannelFlowCallback:
		if c.Fault == nil && (c.Status == 400 || c.Status == 403 || c.Status == 409) {
			r.Refusals[fmt.Sprintf("%d %s", c.Status, refusalName(c.Status))]++
		}
	case messaging.OpGetChannelMessageStatus:
		r.StatusChecks[c.Status]++
	}
}

func refusalName(status int) string {
	switch status {
	case 400:
		return "BadRequestException (non-pending)"
	case 403:
		return "ForbiddenException"
	case 409:
		return "ConflictException"
	}
	return ""
}

var (
	reHTTP    = regexp.MustCompile(`HTTP (\d{3})(?: ([A-Za-z]+))?`)
	reAfter   = regexp.MustCompile(`\(after \d+ attempts?: `)
	reIDs     = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	reNumbers = regexp.MustCompile(`\d+(\.\d+)?`)
)

// reason classifies an on-failure record for the report: its condition
// and what the last attempt's error says, without ids.
func reason(rec *lambdatest.Record) string {
	cond := rec.RequestContext.Condition
	typ, msg := rec.Failure()
	var why string
	switch {
	case rec.ResponsePayload == nil:
		why = "no attempt"
	case strings.Contains(msg, "Task timed out"):
		why = "Task timed out"
	case typ == "Runtime.ExitError":
		why = "Runtime.ExitError: " + strings.TrimSpace(msg[strings.LastIndex(msg, "error:")+len("error:"):])
	case strings.Contains(msg, "channel flow callback failed"):
		why = "callback failed: " + callbackReason(msg)
	case strings.Contains(msg, "invalid event") || strings.Contains(msg, "decode event"):
		why = "invalid event"
	default:
		why = typ + ": " + reNumbers.ReplaceAllString(reIDs.ReplaceAllString(firstClause(msg), "ID"), "N")
	}
	return cond + " / " + why
}

// callbackReason says in a few words why a callback failed.
func callbackReason(msg string) string {
	switch {
	case strings.Contains(msg, "still PENDING"):
		return "refused, message still PENDING"
	case strings.Contains(msg, "status could not be had"):
		return "refused, status could not be had"
	case strings.Contains(strings.ToLower(msg), "redirect"):
		return "redirect"
	case strings.Contains(msg, "deadline") || strings.Contains(msg, "timeout") || strings.Contains(msg, "Timeout"):
		if m := reHTTP.FindStringSubmatch(msg); m != nil {
			return "deadline, last error HTTP " + strings.TrimSpace(m[1]+" "+m[2])
		}
		return "deadline"
	}
	if m := reHTTP.FindStringSubmatch(msg); m != nil {
		return "HTTP " + strings.TrimSpace(m[1]+" "+m[2])
	}
	if i := reAfter.FindStringIndex(msg); i != nil {
		return firstClause(msg[i[1]:])
	}
	return reNumbers.ReplaceAllString(firstClause(msg[strings.Index(msg, "failed")+len("failed"):]), "N")
}

func firstClause(s string) string {
	s = strings.TrimLeft(s, ": ")
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

func median[T int64 | time.Duration](v []T) T {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func slicesMax(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	return slices.Max(v)
}

func mib(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }

func pct(n, of int) string {
	if of == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(of))
}

// Print writes the report as the soak's summary.
func (r *Report) Print(w io.Writer) error {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("chimeflow soak: %d events, %d containers, seed %d", r.Events, r.Containers, r.Seed)
	p("  function: timeout %s, %d retries after %s and %s, maximum event age %s", r.Timeout, r.MaxRetryAttempts, r.RetryDelays[0], r.RetryDelays[1], r.MaxEventAge)
	p("  faults: %.0f%% of CallbackIds faulted, %.0f%% of events delivered twice, SIGKILL in %.1f%% of attempts and %.1f%% of callbacks",
		100*r.FaultRate, 100*r.DuplicateRate, 100*r.KillRate, 100*r.KillInCallbackRate)
	p("  machine: %s; %s, %.1f events/s", r.Machine, r.Duration.Round(100*time.Millisecond), float64(r.Events)/max(r.Duration.Seconds(), 0.001))
	p("")
	kinds := func(m map[Kind]int) string {
		var parts []string
		for _, k := range Kinds {
			parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
		}
		return strings.Join(parts, ", ")
	}
	row := func(label string, n int, note string) { p("%-28s %7d  %s", label, n, note) }
	row("events", r.Events, kinds(r.ByKind))
	row("delivered twice", r.DeliveredTwice, fmt.Sprintf("100-150ms apart (to the same container: %d)", r.SameContainer))
	row("accepted", r.Accepted, kinds(r.AcceptedByKind))
	row("duplicates absorbed", r.DuplicatesAbsorbed, "attempts that found their message answered already")
	row("attempts", r.Attempts, fmt.Sprintf("SIGKILLed %d (%d during an accepted callback), timed out %d", r.Killed, r.KilledInCallback, r.TimedOut))
	row("retried", r.Retried, "attempts after a failed one")
	row("dead-lettered", r.DeadLettered, fmt.Sprintf("on-failure records: malformed events %d of %d, valid events unanswered %d", r.MalformedDeadLettered, r.ByKind[Malformed], r.UnansweredDeadLettered))
	for _, k := range sortedByCount(r.DeadLetteredBy) {
		p("  %6d  %s", r.DeadLetteredBy[k], k)
	}
	row("  of answered messages", r.Answered, fmt.Sprintf("records of an event whose callback had been accepted (DENY: %d)", r.AnsweredDenied))
	for _, k := range sortedByCount(r.AnsweredBy) {
		p("  %6d  %s", r.AnsweredBy[k], k)
	}
	must := func(label string, n int) { row(label, n, "must be 0") }
	must("lost", r.Lost)
	must("conflicting decisions", r.Conflicting)
	must("wrong decisions", r.Wrong)
	must("nonconforming requests", r.Nonconforming)
	must("crashes", r.Crashes)
	must("redirects followed", r.RedirectsFollowed)
	if r.Unsettled > 0 {
		must("not settled", r.Unsettled)
	}
	if st := r.State; st != nil {
		p("")
		p("state: %d senders (%d over the limit of %d an hour, %d muted after %d violations), %d events copying an earlier one",
			st.Senders, st.OverLimit, st.Limit, st.Muted, st.Violations, st.Copies)
		row("decisions recorded", st.Records, fmt.Sprintf("ALLOW %d; DENY by the rate limit %d, the repeat check %d, the mute %d", st.Allowed, st.DeniedLimit, st.DeniedRepeat, st.DeniedMuted))
		row("counted", int(st.Counted), "the rate-limit counters' sum: must equal ALLOW")
		row("violations", st.ViolationItems, "must equal the answered DENYs of the rate limit and the repeat check")
		row("state store failures", st.StateErrors, fmt.Sprintf("log lines (of %d senders, whose mute and admitted-count checks are skipped)", st.Excused))
		must("inexact", st.Inexact)
	}
	p("")
	p("callbacks faulted: %s of CallbackIds (%d of %d)", pct(r.Faulted, r.CallbackIDs), r.Faulted, r.CallbackIDs)
	for _, k := range sortedByCount(r.Faults) {
		p("  %6d  %s", r.Faults[k], k)
	}
	p("refusals of answered messages: %s", joinCounts(r.Refusals))
	status := map[string]int{}
	for k, v := range r.StatusChecks {
		status[fmt.Sprintf("HTTP %d", k)] = v
	}
	p("GetChannelMessageStatus: %s", joinCounts(status))
	p("processes: %d (%d containers, %d restarted after a kill), cold start median %s, longest-lived served %d invocations",
		r.Processes, r.Containers, r.Processes-r.Containers, r.ColdStartMedian.Round(100*time.Microsecond), r.LongestServed)
	p("RSS first: median %s, max %s; last: median %s, max %s", mib(r.RSSFirstMedian), mib(r.RSSFirstMax), mib(r.RSSLastMedian), mib(r.RSSLastMax))
	if len(r.LongestRSS) > 0 {
		var parts []string
		for _, s := range r.LongestRSS {
			parts = append(parts, fmt.Sprintf("%d: %s", s.Invocations, mib(s.Bytes)))
		}
		p("RSS of the longest-lived process after N invocations: %s", strings.Join(parts, ", "))
	}
	if len(r.SkippedFixtures) > 0 {
		p("fixtures not sent (Lambda's Invoke API refuses them): %d", len(r.SkippedFixtures))
	}
	for _, k := range slices.Sorted(maps.Keys(r.Samples)) {
		p("%s, e.g.:", k)
		for _, s := range r.Samples[k] {
			p("  %s", s)
		}
	}
	if r.UnsettledErr != "" {
		p("wait: %s", r.UnsettledErr)
	}
	if f := r.Failures(); len(f) > 0 {
		p("")
		p("FAILED: %s", strings.Join(f, ", "))
	} else {
		p("")
		if r.State != nil {
			p("PASSED: lost, conflicting, wrong, nonconforming, crashes, redirects followed and inexact are 0")
		} else {
			p("PASSED: lost, conflicting, wrong, nonconforming, crashes and redirects followed are 0")
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func sortedByCount(m map[string]int) []string {
	keys := slices.Collect(maps.Keys(m))
	sort.Slice(keys, func(i, j int) bool {
		if m[keys[i]] != m[keys[j]] {
			return m[keys[i]] > m[keys[j]]
		}
		return keys[i] < keys[j]
	})
	return keys
}

func joinCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	var parts []string
	for _, k := range sortedByCount(m) {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
