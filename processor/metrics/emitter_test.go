package metrics_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chimeflow/chimeflow/internal/emfspec"
	"github.com/chimeflow/chimeflow/processor/metrics"
)

var clock = time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.UTC)

func fixedNow() time.Time { return clock }

// totals sums the data points CloudWatch would extract, by metric name and
// dimension set ("Name" or "Name{A=x,B=y}").
type totals map[string]float64

func key(name string, dims map[string]string) string {
	if len(dims) == 0 {
		return name
	}
	var kv []string
	for k, v := range dims {
		kv = append(kv, k+"="+v)
	}
	sort.Strings(kv)
	return name + "{" + strings.Join(kv, ",") + "}"
}

// check validates every line written against the specification and
// returns the sums and the number of values of every metric.
func check(t *testing.T, out []byte) (sum totals, count totals, ds []emfspec.Datum) {
	t.Helper()
	if len(out) > 0 && out[len(out)-1] != '\n' {
		t.Fatalf("output does not end with a newline: %q", out[max(0, len(out)-80):])
	}
	ds, err := emfspec.CheckStream(bytes.NewReader(out), emfspec.Options{Now: clock})
	if err != nil {
		t.Fatalf("%v\noutput:\n%s", err, out)
	}
	sum, count = totals{}, totals{}
	for _, d := range ds {
		if d.Namespace == "" || d.Timestamp.UnixMilli() != clock.UnixMilli() {
			t.Fatalf("data point %+v: namespace or timestamp wrong", d)
		}
		for k := range d.Dimensions {
			switch metrics.Dimension(k) {
			case metrics.DimPipeline, metrics.DimOutcome, metrics.DimRule, metrics.DimErrorKind, metrics.DimCode:
			default:
				t.Fatalf("dimension %q is not one of the low-cardinality dimensions", k)
			}
		}
		k := key(d.Name, d.Dimensions)
		for _, v := range d.Values {
			sum[k] += v
			count[k]++
		}
	}
	return sum, count, ds
}

func newEmitter(t testing.TB, w *bytes.Buffer, o metrics.Options) *metrics.Emitter {
	t.Helper()
	o.Now = fixedNow
	e, err := metrics.New(w, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// records is a systematic set of records: every outcome, every error
// kind, every refusal code, dry runs of every kind, retries, duplicates,
// cold starts, durations from zero to the largest, and names CloudWatch
// would refuse as dimension values.
func records() []metrics.Record {
	var rs []metrics.Record
	pipelines := []string{"default", "", "support channels", "ünïcode-pipeline", strings.Repeat("p", 2000), "  ", "quote\"back\\slash\ttab"}
	outcomes := []string{metrics.OutcomeAllow, metrics.OutcomeRewrite, metrics.OutcomeDeny, metrics.OutcomeError, "", "bogus"}
	durations := []time.Duration{0, time.Nanosecond, 1500 * time.Microsecond, 12 * time.Second, -time.Second, math.MaxInt64}
	kinds := []metrics.ErrorKind{metrics.ErrorKindPanic, metrics.ErrorKindLimit, metrics.ErrorKindTimeout, metrics.ErrorKindFailure, "strange"}
	codes := []string{"", "BadRequestException", "ForbiddenException", "UnauthorizedClientException", "ConflictException",
		"ThrottledClientException", "ServiceUnavailableException", "ServiceFailureException", "aws.chime#ConflictException", "TeapotException"}
	i := 0
	for _, p := range pipelines {
		for _, o := range outcomes {
			r := metrics.Record{
				Outcome:          o,
				Pipeline:         p,
				PipelineDuration: durations[i%len(durations)],
				CallbackDuration: durations[(i+1)%len(durations)],
				Retries:          metrics.Retries{Throttle: i % 3, ServerError: i % 2, Network: i % 4},
				Refusal:          codes[i%len(codes)],
				Duplicate:        i%5 == 0,
				ColdStart:        i == 0,
				RequestID:        fmt.Sprintf("req-%d", i),
				CallbackID:       strings.Repeat("c", 32+i%33),
				MessageID:        fmt.Sprintf("msg_%d", i),
				ChannelArn:       "arn:aws:chime:us-east-1:111122223333:app-instance/app/channel/ch\"\n\u2028",
			}
			switch i % 4 {
			case 1:
				r.Rules = []string{"links", "profanity"}
			case 2:
				r.Rules = []string{"metadata"}
				r.RuleErrors = []metrics.RuleError{{Rule: "metadata", Kind: kinds[i%len(kinds)]}}
			case 3:
				r.Rules = []string{"rule with spaces", "ルール"}
				r.RuleErrors = []metrics.RuleError{{Rule: "ルール", Kind: kinds[(i+1)%len(kinds)]}, {Rule: "x", Kind: kinds[(i+2)%len(kinds)]}}
			}
			if i%3 == 0 {
				r.DryRun = []metrics.DryRun{{Rule: "profanity", Would: metrics.OutcomeDeny}, {Rule: "links", Would: metrics.OutcomeRewrite}, {Rule: "links", Would: metrics.OutcomeError}}
			}
			rs = append(rs, r)
			i++
		}
	}
	return rs
}

// dimensionChoices is every subset of the optional dimensions.
func dimensionChoices() [][]metrics.Dimension {
	all := []metrics.Dimension{metrics.DimPipeline, metrics.DimOutcome, metrics.DimRule}
	var out [][]metrics.Dimension
	for mask := 0; mask < 1<<len(all); mask++ {
		ds := []metrics.Dimension{}
		for i, d := range all {
			if mask&(1<<i) != 0 {
				ds = append(ds, d)
			}
		}
		out = append(out, ds)
	}
	return append(out, nil) // nil: the default
}

// want computes, from the records alone, the dimensionless totals
// CloudWatch must end up with.
func want(rs []metrics.Record) totals {
	w := totals{}
	for _, r := range rs {
		w[metrics.Messages]++
		switch r.Outcome {
		case metrics.OutcomeAllow:
			w[metrics.Allowed]++
		case metrics.OutcomeRewrite:
			w[metrics.Rewritten]++
		case metrics.OutcomeDeny:
			w[metrics.Denied]++
		default:
			w[metrics.Errored]++
		}
		w[metrics.CallbackRetriesThrottle] += float64(r.Retries.Throttle)
		w[metrics.CallbackRetriesServerError] += float64(r.Retries.ServerError)
		w[metrics.CallbackRetriesNetwork] += float64(r.Retries.Network)
		if r.Refusal != "" {
			w[metrics.CallbackRefusals]++
		}
		if r.Duplicate {
			w[metrics.DuplicatesAbsorbed]++
		}
		w[metrics.RuleErrors] += float64(len(r.RuleErrors))
		w[metrics.DryRunHits] += float64(len(r.DryRun))
		if r.ColdStart {
			w[metrics.ColdStart]++
		}
	}
	return w
}

// TestEveryDocumentValid writes the systematic records under every choice
// of dimensions, flushing after each record (the Lambda path) and once at
// the end (the replay path), and checks every line against the
// specification and every total against the records.
func TestEveryDocumentValid(t *testing.T) {
	rs := records()
	wantTotals := want(rs)
	for _, dims := range dimensionChoices() {
		for _, each := range []bool{true, false} {
			name := fmt.Sprintf("dims=%v/flushEach=%v", dims, each)
			if dims == nil {
				name = fmt.Sprintf("dims=default/flushEach=%v", each)
			}
			t.Run(name, func(t *testing.T) {
				var buf bytes.Buffer
				e := newEmitter(t, &buf, metrics.Options{Dimensions: dims})
				for _, r := range rs {
					e.Record(r)
					if each {
						if err := e.Flush(); err != nil {
							t.Fatal(err)
						}
					}
				}
				if err := e.Flush(); err != nil {
					t.Fatal(err)
				}
				sum, count, _ := check(t, buf.Bytes())
				for name, w := range wantTotals {
					if sum[name] != w {
						t.Errorf("%s: sum %v, want %v", name, sum[name], w)
					}
				}
				// Durations: one value per record with a pipeline, one per
				// attempted callback.
				var pipes, callbacks float64
				for _, r := range rs {
					if r.Pipeline != "" {
						pipes++
					}
					if r.CallbackDuration > 0 {
						callbacks++
					}
				}
				if count[metrics.PipelineDuration] != pipes || count[metrics.CallbackDuration] != callbacks {
					t.Errorf("duration values: %v pipeline, %v callback; want %v, %v",
						count[metrics.PipelineDuration], count[metrics.CallbackDuration], pipes, callbacks)
				}
				checkBreakdowns(t, rs, dims, sum)
			})
		}
	}
}

// checkBreakdowns checks the per-rule, per-kind and per-code sums, and
// that every dimensioned total equals the dimensionless one.
func checkBreakdowns(t *testing.T, rs []metrics.Record, dims []metrics.Dimension, sum totals) {
	t.Helper()
	if dims == nil {
		dims = metrics.DefaultDimensions
	}
	has := map[metrics.Dimension]bool{}
	for _, d := range dims {
		has[d] = true
	}
	byPrefix := func(prefix string) float64 {
		var s float64
		for k, v := range sum {
			if strings.HasPrefix(k, prefix) {
				s += v
			}
		}
		return s
	}
	var denials, actions, dry float64
	for _, r := range rs {
		actions += float64(len(r.Rules))
		if r.Outcome == metrics.OutcomeDeny && len(r.Rules) > 0 {
			denials++
		}
		dry += float64(len(r.DryRun))
	}
	if has[metrics.DimRule] {
		if got := byPrefix(metrics.RuleDenials + "{Rule="); got != denials {
			t.Errorf("RuleDenials by Rule: %v, want %v", got, denials)
		}
		if got := byPrefix(metrics.RuleActions + "{Rule="); got != actions {
			t.Errorf("RuleActions by Rule: %v, want %v", got, actions)
		}
		got := byPrefix(metrics.DryRunDenials+"{Rule=") + byPrefix(metrics.DryRunRewrites+"{Rule=") + byPrefix(metrics.DryRunErrors+"{Rule=")
		if got != dry {
			t.Errorf("dry-run metrics by Rule: %v, want %v", got, dry)
		}
		if got, w := byPrefix(metrics.RuleErrors+"{Rule="), sum[metrics.RuleErrors]; got != w {
			t.Errorf("RuleErrors by Rule: %v, want %v", got, w)
		}
		if has[metrics.DimPipeline] {
			if got := byPrefix(metrics.RuleDenials + "{Pipeline="); got != denials {
				t.Errorf("RuleDenials by Pipeline,Rule: %v, want %v", got, denials)
			}
		}
	} else if got := byPrefix(metrics.RuleDenials); got != 0 {
		t.Errorf("RuleDenials written without the Rule dimension: %v", got)
	}
	if got, w := byPrefix(metrics.RuleErrors+"{ErrorKind="), sum[metrics.RuleErrors]; got != w {
		t.Errorf("RuleErrors by ErrorKind: %v, want %v", got, w)
	}
	if got, w := byPrefix(metrics.CallbackRefusals+"{Code="), sum[metrics.CallbackRefusals]; got != w {
		t.Errorf("CallbackRefusals by Code: %v, want %v", got, w)
	}
	if sum[metrics.CallbackRefusals+"{Code=Other}"] == 0 || sum[metrics.RuleErrors+"{ErrorKind=Failure}"] == 0 {
		t.Errorf("unknown codes and kinds are not reported as Other and Failure: %v", sum)
	}
	for _, d := range []metrics.Dimension{metrics.DimPipeline, metrics.DimOutcome} {
		prefix := metrics.Messages + "{" + string(d) + "="
		if has[d] && !(has[metrics.DimPipeline] && has[metrics.DimOutcome]) {
			if got := byPrefix(prefix); got != sum[metrics.Messages] {
				t.Errorf("Messages by %s: %v, want %v", d, got, sum[metrics.Messages])
			}
		}
		if !has[d] && byPrefix(prefix) != 0 {
			t.Errorf("Messages by %s written though not chosen", d)
		}
	}
}

// TestAutoFlushAt100Values: 250 records of one pipeline and outcome spread
// their durations over documents of at most 100 values, written by Record
// itself; nothing is lost.
func TestAutoFlushAt100Values(t *testing.T) {
	var buf bytes.Buffer
	e := newEmitter(t, &buf, metrics.Options{})
	for i := 0; i < 250; i++ {
		e.Record(metrics.Record{Outcome: metrics.OutcomeAllow, Pipeline: "default", PipelineDuration: time.Duration(i) * time.Millisecond, CallbackDuration: time.Duration(i+1) * time.Millisecond})
		if i == 99 && buf.Len() == 0 {
			t.Fatal("the 100th record did not flush")
		}
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	sum, count, _ := check(t, buf.Bytes())
	if sum[metrics.Messages] != 250 || count[metrics.CallbackDuration] != 250 || count[metrics.PipelineDuration] != 250 {
		t.Fatalf("messages %v, callback values %v, pipeline values %v", sum[metrics.Messages], count[metrics.CallbackDuration], count[metrics.PipelineDuration])
	}
	if w := float64(250*251/2) / 1; sum[metrics.CallbackDuration] != w {
		t.Fatalf("callback ms sum %v, want %v", sum[metrics.CallbackDuration], w)
	}
	if lines := bytes.Count(buf.Bytes(), []byte("\n")); lines < 3 {
		t.Fatalf("%d lines, want at least 3", lines)
	}
}

// TestProperties: the ids of a lone record are written as members, never
// as dimensions; a flush of several records carries none.
func TestProperties(t *testing.T) {
	var buf bytes.Buffer
	e := newEmitter(t, &buf, metrics.Options{Dimensions: []metrics.Dimension{metrics.DimPipeline, metrics.DimOutcome, metrics.DimRule}})
	r := metrics.Record{Outcome: metrics.OutcomeDeny, Pipeline: "default", Rules: []string{"profanity"},
		RequestID: "req-1", CallbackID: "cb-1", MessageID: "msg-1", ChannelArn: "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c"}
	e.Record(r)
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	_, _, ds := check(t, buf.Bytes())
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		for _, want := range []string{`"requestId":"req-1"`, `"callbackId":"cb-1"`, `"messageId":"msg-1"`, `"channelArn":"arn:aws:chime:`} {
			if !strings.Contains(line, want) {
				t.Errorf("line lacks %s: %s", want, line)
			}
		}
	}
	for _, d := range ds {
		for _, v := range d.Dimensions {
			if strings.Contains(v, "req-1") || strings.Contains(v, "msg-1") || strings.Contains(v, "arn:") {
				t.Errorf("an id is a dimension value: %+v", d)
			}
		}
	}
	buf.Reset()
	e.Record(r)
	e.Record(r)
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	check(t, buf.Bytes())
	if strings.Contains(buf.String(), "req-1") {
		t.Errorf("a flush of two records carries one record's ids:\n%s", buf.String())
	}
}

// TestFlushNothing: a Flush with nothing recorded writes nothing.
func TestFlushNothing(t *testing.T) {
	var buf bytes.Buffer
	e := newEmitter(t, &buf, metrics.Options{})
	if err := e.Flush(); err != nil || buf.Len() != 0 {
		t.Fatalf("err %v, wrote %q", err, buf.String())
	}
}

func TestTrailFailures(t *testing.T) {
	var n uint64 = 7 // failures before the Emitter existed are not reported
	var buf bytes.Buffer
	e := newEmitter(t, &buf, metrics.Options{TrailFailures: func() uint64 { return n }})
	if err := e.Flush(); err != nil || buf.Len() != 0 {
		t.Fatalf("no new failure: err %v, wrote %q", err, buf.String())
	}
	n += 3
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	sum, _, _ := check(t, buf.Bytes())
	if sum[metrics.TrailFailures] != 3 {
		t.Fatalf("TrailFailures %v, want 3", sum[metrics.TrailFailures])
	}
	buf.Reset()
	e.Record(metrics.Record{Outcome: metrics.OutcomeAllow})
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	if sum, _, _ := check(t, buf.Bytes()); sum[metrics.TrailFailures] != 0 {
		t.Fatalf("TrailFailures reported twice: %v", sum[metrics.TrailFailures])
	}
}

func TestRulesCounters(t *testing.T) {
	c := metrics.RulesCounters{Reloads: 2, Refusals: 1} // counted before the Emitter existed: not reported
	var buf bytes.Buffer
	e := newEmitter(t, &buf, metrics.Options{RulesCounters: func() metrics.RulesCounters { return c }})
	if err := e.Flush(); err != nil || buf.Len() != 0 {
		t.Fatalf("nothing new: err %v, wrote %q", err, buf.String())
	}
	c.Reloads, c.FetchFailures = 3, 4
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	sum, _, _ := check(t, buf.Bytes())
	if sum[metrics.RulesReloads] != 1 || sum[metrics.RulesRefusals] != 0 || sum[metrics.RulesFetchFailures] != 4 {
		t.Fatalf("reloads %v refusals %v failures %v, want 1, 0, 4", sum[metrics.RulesReloads], sum[metrics.RulesRefusals], sum[metrics.RulesFetchFailures])
	}
	if strings.Contains(buf.String(), `"RulesRefusals"`) {
		t.Fatalf("a counter that did not grow is written: %s", buf.String())
	}
	buf.Reset()
	c.Refusals++
	e.Record(metrics.Record{Outcome: metrics.OutcomeAllow})
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	if sum, _, _ := check(t, buf.Bytes()); sum[metrics.RulesRefusals] != 1 || sum[metrics.RulesReloads] != 0 || sum[metrics.Messages] != 1 {
		t.Fatalf("refusals %v reloads %v messages %v, want 1, 0, 1", sum[metrics.RulesRefusals], sum[metrics.RulesReloads], sum[metrics.Messages])
	}
}

type failWriter struct{ fails int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.fails > 0 {
		w.fails--
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	w := &failWriter{fails: 1}
	e, err := metrics.New(w, metrics.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	e.Record(metrics.Record{Outcome: metrics.OutcomeAllow})
	err = e.Flush()
	if err == nil || !strings.Contains(err.Error(), "disk full") || !strings.Contains(err.Error(), "1 records") {
		t.Fatalf("Flush: %v", err)
	}
	e.Record(metrics.Record{Outcome: metrics.OutcomeAllow})
	if err := e.Flush(); err != nil {
		t.Fatalf("Flush after recovery: %v", err)
	}
	// A write Record makes by itself reports its error at the next Flush.
	w.fails = 1
	for i := 0; i < 100; i++ {
		e.Record(metrics.Record{Outcome: metrics.OutcomeAllow, Pipeline: "p"})
	}
	if err := e.Flush(); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Flush after a failed automatic write: %v", err)
	}
}

func TestNewOptions(t *testing.T) {
	tests := []struct {
		opts metrics.Options
		want string
	}{
		{metrics.Options{}, ""},
		{metrics.Options{Namespace: "team/chat-moderation#1"}, ""},
		{metrics.Options{Namespace: strings.Repeat("n", 255)}, ""},
		{metrics.Options{Namespace: strings.Repeat("n", 256)}, "at most 255"},
		{metrics.Options{Namespace: "AWS/Lambda"}, "reserved"},
		{metrics.Options{Namespace: ":x"}, "colon"},
		{metrics.Options{Namespace: "   "}, "blank"},
		{metrics.Options{Namespace: "naïve"}, "printable ASCII"},
		{metrics.Options{Namespace: "a\nb"}, "printable ASCII"},
		{metrics.Options{Dimensions: []metrics.Dimension{metrics.DimCode}}, "dimension \"Code\""},
		{metrics.Options{Dimensions: []metrics.Dimension{"MessageId"}}, "dimension \"MessageId\""},
	}
	for _, tt := range tests {
		e, err := metrics.New(&bytes.Buffer{}, tt.opts)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: %v", tt.opts, err)
		case tt.want != "" && (err == nil || !errors.Is(err, metrics.ErrOptions) || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: error %v, want ErrOptions with %q", tt.opts, err, tt.want)
		case err == nil && tt.opts.Namespace == "" && e.Namespace() != metrics.DefaultNamespace:
			t.Errorf("default namespace %q", e.Namespace())
		}
	}
	if _, err := metrics.New(nil, metrics.Options{}); !errors.Is(err, metrics.ErrOptions) {
		t.Errorf("nil writer: %v", err)
	}
}

func TestOptionsFromEnv(t *testing.T) {
	tests := []struct {
		env  map[string]string
		ns   string
		dims []metrics.Dimension
		want string
	}{
		{map[string]string{}, "", nil, ""},
		{map[string]string{metrics.EnvNamespace: " team ", metrics.EnvDimensions: "Rule, Outcome"}, "team", []metrics.Dimension{metrics.DimRule, metrics.DimOutcome}, ""},
		{map[string]string{metrics.EnvDimensions: "none"}, "", []metrics.Dimension{}, ""},
		{map[string]string{metrics.EnvDimensions: "Pipeline,MessageId"}, "", nil, `"MessageId" is not one of`},
	}
	for _, tt := range tests {
		o, err := metrics.OptionsFromEnv(func(k string) string { return tt.env[k] })
		if tt.want != "" {
			if err == nil || !errors.Is(err, metrics.ErrOptions) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%v: error %v, want %q", tt.env, err, tt.want)
			}
			continue
		}
		if err != nil || o.Namespace != tt.ns || fmt.Sprint(o.Dimensions) != fmt.Sprint(tt.dims) || (tt.dims != nil) != (o.Dimensions != nil) {
			t.Errorf("%v: %+v, %v; want namespace %q dims %v", tt.env, o, err, tt.ns, tt.dims)
		}
	}
}

// TestConcurrent records and flushes from several goroutines: the totals
// still add up (run with -race).
func TestConcurrent(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return buf.Write(p) })
	e, err := metrics.New(w, metrics.Options{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				e.Record(metrics.Record{Outcome: metrics.OutcomeDeny, Pipeline: "p", Rules: []string{fmt.Sprint("r", g)}, CallbackDuration: time.Millisecond})
				if i%7 == 0 {
					if err := e.Flush(); err != nil {
						t.Error(err)
					}
				}
			}
		}()
	}
	wg.Wait()
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	sum, count, _ := check(t, buf.Bytes())
	if sum[metrics.Denied] != 2400 || count[metrics.CallbackDuration] != 2400 || sum[metrics.RuleDenials+"{Rule=r3}"] != 300 {
		t.Fatalf("denied %v, callback values %v, r3 denials %v", sum[metrics.Denied], count[metrics.CallbackDuration], sum[metrics.RuleDenials+"{Rule=r3}"])
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestRecordDoesNotAllocate: once its pipelines and rules are known,
// Record allocates nothing, and neither does a Flush.
func TestRecordDoesNotAllocate(t *testing.T) {
	var buf bytes.Buffer
	e := newEmitter(t, &buf, metrics.Options{})
	rules := [2]string{"links", "profanity"}
	dry := [1]metrics.DryRun{{Rule: "links", Would: metrics.OutcomeDeny}}
	r := metrics.Record{Outcome: metrics.OutcomeDeny, Pipeline: "default", Rules: rules[:], DryRun: dry[:],
		PipelineDuration: time.Millisecond, CallbackDuration: 40 * time.Millisecond, Refusal: "ConflictException",
		RequestID: "r", CallbackID: "c", MessageID: "m", ChannelArn: "arn"}
	e.Record(r)
	_ = e.Flush()
	if n := testing.AllocsPerRun(200, func() { e.Record(r) }); n != 0 {
		t.Errorf("Record: %v allocations", n)
	}
	_ = e.Flush()
	if n := testing.AllocsPerRun(200, func() { buf.Reset(); e.Record(r); _ = e.Flush() }); n != 0 {
		t.Errorf("Record+Flush: %v allocations", n)
	}
}

func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range metrics.Catalog() {
		if seen[d.Name] || d.Name == "" || d.Description == "" || len(d.Dimensions) == 0 {
			t.Errorf("bad or duplicate definition %+v", d)
		}
		seen[d.Name] = true
		if d.Unit != metrics.UnitCount && d.Unit != metrics.UnitMilliseconds {
			t.Errorf("%s: unit %q", d.Name, d.Unit)
		}
	}
	// Every metric the Emitter writes is in the catalog, with its unit.
	var buf bytes.Buffer
	grow := func() uint64 { return uint64(buf.Len()) }
	e := newEmitter(t, &buf, metrics.Options{Dimensions: []metrics.Dimension{metrics.DimPipeline, metrics.DimOutcome, metrics.DimRule}, TrailFailures: grow,
		RulesCounters: func() metrics.RulesCounters {
			return metrics.RulesCounters{Reloads: grow(), Refusals: grow(), FetchFailures: grow()}
		}})
	for _, r := range records() {
		e.Record(r)
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	e.Record(metrics.Record{})
	_ = e.Flush()
	_, _, ds := check(t, buf.Bytes())
	units := map[string]string{}
	for _, d := range metrics.Catalog() {
		units[d.Name] = d.Unit
	}
	written := map[string]bool{}
	for _, d := range ds {
		written[d.Name] = true
		if units[d.Name] != d.Unit {
			t.Errorf("%s written with unit %q, catalog says %q", d.Name, d.Unit, units[d.Name])
		}
	}
	for _, n := range metrics.Names() {
		if !written[n] {
			t.Errorf("%s is in the catalog but was never written", n)
		}
	}
}

// TestDocumented: docs/operations.md lists every metric with its unit.
func TestDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, d := range metrics.Catalog() {
		if !strings.Contains(doc, "| `"+d.Name+"` | "+d.Unit+" |") {
			t.Errorf("docs/operations.md has no table row for %s (%s)", d.Name, d.Unit)
		}
	}
	for _, env := range []string{metrics.EnvNamespace, metrics.EnvDimensions} {
		if !strings.Contains(doc, "`"+env+"`") {
			t.Errorf("docs/operations.md does not name %s", env)
		}
	}
}

// TestGroupCap: thousands of distinct pipeline and rule names between two
// flushes are folded into "Other" beyond the cap; nothing is lost.
func TestGroupCap(t *testing.T) {
	var buf bytes.Buffer
	e := newEmitter(t, &buf, metrics.Options{Dimensions: []metrics.Dimension{metrics.DimPipeline, metrics.DimRule}})
	const n = 3000
	for i := 0; i < n; i++ {
		e.Record(metrics.Record{Outcome: metrics.OutcomeDeny, Pipeline: fmt.Sprint("p", i), Rules: []string{fmt.Sprint("r", i)}})
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	sum, _, ds := check(t, buf.Bytes())
	if sum[metrics.Denied] != n {
		t.Fatalf("Denied %v, want %d", sum[metrics.Denied], n)
	}
	pipelines, rules := map[string]bool{}, map[string]bool{}
	var denials float64
	for _, d := range ds {
		if p, ok := d.Dimensions["Pipeline"]; ok {
			pipelines[p] = true
		}
		if r, ok := d.Dimensions["Rule"]; ok && len(d.Dimensions) == 1 && d.Name == metrics.RuleDenials {
			rules[r] = true
			denials += d.Values[0]
		}
	}
	if len(pipelines) > 520 || !pipelines["Other"] || len(rules) > 520 || !rules["Other"] || denials != n {
		t.Fatalf("%d pipeline values, %d rule values (Other: %v, %v), %v denials", len(pipelines), len(rules), pipelines["Other"], rules["Other"], denials)
	}
}
