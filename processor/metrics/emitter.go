package metrics

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/chimeflow/chimeflow/internal/jsonstr"
)

// DefaultNamespace is the CloudWatch namespace when Options.Namespace is
// empty.
const DefaultNamespace = "chimeflow"

// DefaultDimensions are the optional dimensions when Options.Dimensions is
// nil.
var DefaultDimensions = []Dimension{DimPipeline, DimRule}

// ErrOptions matches the errors New returns for invalid options.
var ErrOptions = errors.New("metrics: invalid options")

// Options configure an Emitter.
type Options struct {
	// Namespace is the CloudWatch namespace: 1-255 printable ASCII
	// characters, not starting with ':' or "AWS/". Empty means
	// DefaultNamespace.
	Namespace string
	// Dimensions chooses the optional dimensions among DimPipeline,
	// DimOutcome and DimRule. Every per-message metric is also written
	// without dimensions, so totals never depend on this choice; the
	// per-rule metrics are written only when DimRule is chosen. nil means
	// DefaultDimensions; an empty non-nil slice means none.
	Dimensions []Dimension
	// TrailFailures, when set, is read at each Flush: the growth of the
	// counter since the previous Flush is written as TrailFailures.
	TrailFailures func() uint64
	// RulesCounters, when set, is read at each Flush: the growth of each
	// counter since the previous Flush is written as RulesReloads,
	// RulesRefusals and RulesFetchFailures. rules/live's Router.Stats
	// gives them.
	RulesCounters func() RulesCounters
	// Now is the clock for the documents' Timestamp; nil means time.Now.
	Now func() time.Time
}

// RulesCounters are the counters of a rules configuration that changes
// while the processor runs, since it started.
type RulesCounters struct {
	Reloads, Refusals, FetchFailures uint64
}

// Record is what the handler reports about one message. The zero value is
// an ERROR outcome with nothing else known. Record keeps none of its slices
// or strings after Emitter.Record returns.
type Record struct {
	// Outcome is OutcomeAllow, OutcomeRewrite, OutcomeDeny or
	// OutcomeError; any other value counts as OutcomeError.
	Outcome string
	// Pipeline names the pipeline that ran; "" when none did (the event
	// was not decoded, not valid, or had no pipeline).
	Pipeline string
	// Rules lists, in order, the rules that acted: changed the message,
	// denied it, or failed and so denied it. For a DENY the last one
	// denied.
	Rules []string
	// DryRun lists what dry-run rules would have done.
	DryRun []DryRun
	// RuleErrors lists the rules that failed.
	RuleErrors []RuleError
	// PipelineDuration is the time the rules took (written when Pipeline
	// is set).
	PipelineDuration time.Duration
	// CallbackDuration is the time the callback took, retries included;
	// 0 when no callback was attempted.
	CallbackDuration time.Duration
	// Retries counts the callback's retries by cause.
	Retries Retries
	// Refusal is the error code of a callback the service finally refused
	// (e.g. "ForbiddenException"), when it was not a duplicate; "" when
	// none was refused.
	Refusal string
	// Duplicate is true when the service answered that the message was
	// already resolved: a duplicate delivery absorbed.
	Duplicate bool
	// ColdStart is true for the first message of an execution environment.
	ColdStart bool

	// Properties: written as members of the documents (never as
	// dimensions) when a Flush holds exactly this one record, so that a
	// Logs Insights query can find the message behind a data point.
	RequestID  string
	CallbackID string
	MessageID  string
	ChannelArn string
	// RulesVersion names the version of the rules that decided, when the
	// rules have one (written as the property rulesVersion).
	RulesVersion string
}

// DryRun is what one dry-run rule would have done.
type DryRun struct {
	Rule string
	// Would is OutcomeDeny, OutcomeRewrite or OutcomeError.
	Would string
}

// RuleError is one rule that failed.
type RuleError struct {
	Rule string
	Kind ErrorKind
}

// Retries counts the callback attempts that failed and were retried, by
// cause.
type Retries struct {
	Throttle    int // 429 ThrottledClientException
	ServerError int // 5xx
	Network     int // no answer, a cut connection, a truncated body
}

// Counters of a message group, in the order they are written.
const (
	cMessages = iota
	cAllowed
	cRewritten
	cDenied
	cErrored
	cRetryThrottle
	cRetryServer
	cRetryNetwork
	cRefusals
	cDuplicates
	cRuleErrors
	cDryRunHits
	cColdStart
	nMessageCounters
)

var messageCounterNames = [nMessageCounters]string{
	Messages, Allowed, Rewritten, Denied, Errored,
	CallbackRetriesThrottle, CallbackRetriesServerError, CallbackRetriesNetwork,
	CallbackRefusals, DuplicatesAbsorbed, RuleErrors, DryRunHits, ColdStart,
}

// Counters of a rule group.
const (
	rActions = iota
	rDenials
	rErrors
	rDryDenials
	rDryRewrites
	rDryErrors
	nRuleCounters
)

var ruleCounterNames = [nRuleCounters]string{RuleActions, RuleDenials, RuleErrors, DryRunDenials, DryRunRewrites, DryRunErrors}

// maxGroups bounds the distinct pipeline/outcome and pipeline/rule pairs
// held between flushes; beyond it new pairs are counted under "Other".
// Pipeline and rule names come from the rules configuration, so this only
// guards against a configuration with thousands of them.
const maxGroups = 512

const other = "Other"

type groupKey struct{ a, b string }

// values holds up to maxValuesPerDoc durations in milliseconds.
type values struct {
	n int
	v [maxValuesPerDoc]float64
}

func (vs *values) add(d time.Duration) {
	if d < 0 {
		d = 0
	}
	vs.v[vs.n] = float64(d.Microseconds()) / 1000
	vs.n++
}

type messageGroup struct {
	pipeline, outcome string
	counts            [nMessageCounters]float64
	pipe, callback    values
}

type ruleGroup struct {
	pipeline, rule string
	counts         [nRuleCounters]float64
}

// Emitter aggregates Records and writes them, at Flush, as CloudWatch
// embedded metric format documents: one JSON object per line, with no API
// call and no agent (CloudWatch Logs extracts the metrics from the log
// group). An Emitter is safe for concurrent use.
//
// In AWS Lambda, call Flush before each invocation returns (the execution
// environment may be frozen or ended afterwards) and on SIGTERM. Elsewhere
// (the replay harness, a long-running process) Flush as often as metrics
// should appear; Record flushes by itself when a duration series reaches
// 100 values.
type Emitter struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	now       func() time.Time
	trail     func() uint64
	trailSeen uint64
	rulesCtr  func() RulesCounters
	rulesSeen RulesCounters

	messageSets [][]string
	ruleSets    [][]string // nil: per-rule metrics are not written

	messages    map[groupKey]*messageGroup
	messageList []*messageGroup
	rules       map[groupKey]*ruleGroup
	ruleList    []*ruleGroup
	kinds       [len(errorKinds)]float64
	codes       [len(refusalCodes)]float64
	records     int
	props       []byte
	pendingErr  error

	buf     []byte
	metrics []metricValue
	dims    []member
}

// New returns an Emitter that writes to w (os.Stdout in Lambda).
func New(w io.Writer, opts Options) (*Emitter, error) {
	if w == nil {
		return nil, fmt.Errorf("%w: no writer", ErrOptions)
	}
	ns := opts.Namespace
	if ns == "" {
		ns = DefaultNamespace
	}
	if err := checkNamespace(ns); err != nil {
		return nil, err
	}
	dims := opts.Dimensions
	if dims == nil {
		dims = DefaultDimensions
	}
	var pipeline, outcome, rule bool
	for _, d := range dims {
		switch d {
		case DimPipeline:
			pipeline = true
		case DimOutcome:
			outcome = true
		case DimRule:
			rule = true
		default:
			return nil, fmt.Errorf("%w: dimension %q: choose among %s, %s and %s", ErrOptions, d, DimPipeline, DimOutcome, DimRule)
		}
	}
	e := &Emitter{
		w: w, namespace: ns, now: opts.Now, trail: opts.TrailFailures,
		messages: map[groupKey]*messageGroup{},
		rules:    map[groupKey]*ruleGroup{},
		buf:      make([]byte, 0, 4096),
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.trail != nil {
		e.trailSeen = e.trail()
	}
	if e.rulesCtr = opts.RulesCounters; e.rulesCtr != nil {
		e.rulesSeen = e.rulesCtr()
	}
	e.messageSets = [][]string{{}}
	var set []string
	if pipeline {
		set = append(set, string(DimPipeline))
	}
	if outcome {
		set = append(set, string(DimOutcome))
	}
	if set != nil {
		e.messageSets = append(e.messageSets, set)
	}
	if rule {
		e.ruleSets = [][]string{{string(DimRule)}}
		if pipeline {
			e.ruleSets = append(e.ruleSets, []string{string(DimPipeline), string(DimRule)})
		}
	}
	return e, nil
}

func checkNamespace(ns string) error {
	if len(ns) > maxNameLen {
		return fmt.Errorf("%w: namespace is %d characters, at most %d", ErrOptions, len(ns), maxNameLen)
	}
	for i := 0; i < len(ns); i++ {
		if ns[i] < 0x20 || ns[i] > 0x7e {
			return fmt.Errorf("%w: namespace %q: only printable ASCII characters", ErrOptions, ns)
		}
	}
	switch {
	case strings.TrimSpace(ns) == "":
		return fmt.Errorf("%w: namespace is blank", ErrOptions)
	case strings.HasPrefix(ns, ":"):
		return fmt.Errorf("%w: namespace %q starts with a colon", ErrOptions, ns)
	case strings.HasPrefix(ns, "AWS/"):
		return fmt.Errorf("%w: namespace %q: AWS/ is reserved for AWS services", ErrOptions, ns)
	}
	return nil
}

// Namespace returns the CloudWatch namespace the Emitter writes to.
func (e *Emitter) Namespace() string { return e.namespace }

// Record adds one message's numbers. It does not allocate once the
// pipelines and rules it sees have been seen before, and writes only when
// a duration series is full (100 values), in which case a write error is
// returned by the next Flush.
func (e *Emitter) Record(r Record) {
	e.mu.Lock()
	defer e.mu.Unlock()
	outcome := canonicalOutcome(r.Outcome)
	g := e.messageGroup(r.Pipeline, outcome)
	c := &g.counts
	c[cMessages]++
	switch outcome {
	case OutcomeAllow:
		c[cAllowed]++
	case OutcomeRewrite:
		c[cRewritten]++
	case OutcomeDeny:
		c[cDenied]++
	default:
		c[cErrored]++
	}
	c[cRetryThrottle] += float64(max(r.Retries.Throttle, 0))
	c[cRetryServer] += float64(max(r.Retries.ServerError, 0))
	c[cRetryNetwork] += float64(max(r.Retries.Network, 0))
	if r.Refusal != "" {
		c[cRefusals]++
		e.codes[refusalIndex(r.Refusal)]++
	}
	if r.Duplicate {
		c[cDuplicates]++
	}
	c[cRuleErrors] += float64(len(r.RuleErrors))
	c[cDryRunHits] += float64(len(r.DryRun))
	if r.ColdStart {
		c[cColdStart]++
	}
	if r.Pipeline != "" {
		g.pipe.add(r.PipelineDuration)
	}
	if r.CallbackDuration > 0 {
		g.callback.add(r.CallbackDuration)
	}

	for i, name := range r.Rules {
		rg := e.ruleGroup(r.Pipeline, name)
		rg.counts[rActions]++
		if outcome == OutcomeDeny && i == len(r.Rules)-1 {
			rg.counts[rDenials]++
		}
	}
	for _, re := range r.RuleErrors {
		e.ruleGroup(r.Pipeline, re.Rule).counts[rErrors]++
		e.kinds[kindIndex(re.Kind)]++
	}
	for _, dr := range r.DryRun {
		rg := e.ruleGroup(r.Pipeline, dr.Rule)
		switch dr.Would {
		case OutcomeDeny:
			rg.counts[rDryDenials]++
		case OutcomeRewrite:
			rg.counts[rDryRewrites]++
		default:
			rg.counts[rDryErrors]++
		}
	}

	e.records++
	e.props = e.props[:0]
	e.props = appendProp(e.props, "requestId", r.RequestID)
	e.props = appendProp(e.props, "callbackId", r.CallbackID)
	e.props = appendProp(e.props, "messageId", r.MessageID)
	e.props = appendProp(e.props, "channelArn", r.ChannelArn)
	e.props = appendProp(e.props, "rulesVersion", r.RulesVersion)

	if g.pipe.n == maxValuesPerDoc || g.callback.n == maxValuesPerDoc {
		if err := e.flushLocked(); err != nil {
			e.pendingErr = errors.Join(e.pendingErr, err)
		}
	}
}

func appendProp(dst []byte, key, value string) []byte {
	if value == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return jsonstr.Append(dst, value)
}

func canonicalOutcome(o string) string {
	switch o {
	case OutcomeAllow:
		return OutcomeAllow
	case OutcomeRewrite:
		return OutcomeRewrite
	case OutcomeDeny:
		return OutcomeDeny
	}
	return OutcomeError
}

func kindIndex(k ErrorKind) int {
	for i, known := range errorKinds {
		if k == known {
			return i
		}
	}
	return len(errorKinds) - 1 // ErrorKindFailure
}

func refusalIndex(code string) int {
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	for i, known := range refusalCodes {
		if code == known {
			return i
		}
	}
	return len(refusalCodes) - 1 // RefusalOther
}

func (e *Emitter) messageGroup(pipeline, outcome string) *messageGroup {
	if g, ok := e.messages[groupKey{pipeline, outcome}]; ok {
		return g
	}
	if len(e.messages) >= maxGroups {
		pipeline = other
		if g, ok := e.messages[groupKey{pipeline, outcome}]; ok {
			return g
		}
	}
	g := &messageGroup{pipeline: strings.Clone(pipeline), outcome: outcome}
	e.messages[groupKey{g.pipeline, outcome}] = g
	e.messageList = append(e.messageList, g)
	return g
}

func (e *Emitter) ruleGroup(pipeline, rule string) *ruleGroup {
	if g, ok := e.rules[groupKey{pipeline, rule}]; ok {
		return g
	}
	if len(e.rules) >= maxGroups {
		pipeline, rule = other, other
		if g, ok := e.rules[groupKey{pipeline, rule}]; ok {
			return g
		}
	}
	g := &ruleGroup{pipeline: strings.Clone(pipeline), rule: strings.Clone(rule)}
	e.rules[groupKey{g.pipeline, g.rule}] = g
	e.ruleList = append(e.ruleList, g)
	return g
}

// Flush writes what was recorded since the previous Flush, in one Write
// of whole lines, and starts afresh. It returns the write error, if any
// (what failed to be written is not kept), and any error of a write
// Record made by itself. Flush with nothing recorded writes nothing.
func (e *Emitter) Flush() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	err := e.flushLocked()
	if e.pendingErr != nil {
		err, e.pendingErr = errors.Join(e.pendingErr, err), nil
	}
	return err
}

func (e *Emitter) flushLocked() error {
	var trailDelta uint64
	if e.trail != nil {
		now := e.trail()
		if now > e.trailSeen {
			trailDelta = now - e.trailSeen
		}
		e.trailSeen = now
	}
	var process []metricValue // per-process counters that grew
	if trailDelta > 0 {
		process = append(process, metricValue{name: TrailFailures, unit: UnitCount, one: float64(trailDelta)})
	}
	if e.rulesCtr != nil {
		now := e.rulesCtr()
		for _, c := range [...]struct {
			name     string
			now, was uint64
		}{
			{RulesReloads, now.Reloads, e.rulesSeen.Reloads},
			{RulesRefusals, now.Refusals, e.rulesSeen.Refusals},
			{RulesFetchFailures, now.FetchFailures, e.rulesSeen.FetchFailures},
		} {
			if c.now > c.was {
				process = append(process, metricValue{name: c.name, unit: UnitCount, one: float64(c.now - c.was)})
			}
		}
		e.rulesSeen = now
	}
	if e.records == 0 && len(process) == 0 {
		return nil
	}
	d := docSpec{namespace: e.namespace, timestamp: e.now().UnixMilli()}
	if e.records == 1 {
		d.props = e.props
	}
	buf := e.buf[:0]

	for _, g := range e.messageList {
		if g.counts[cMessages] == 0 {
			continue
		}
		ms := e.metrics[:0]
		for i, name := range messageCounterNames {
			ms = append(ms, metricValue{name: name, unit: UnitCount, one: g.counts[i]})
		}
		if g.pipe.n > 0 {
			ms = append(ms, metricValue{name: PipelineDuration, unit: UnitMilliseconds, vals: g.pipe.v[:g.pipe.n]})
		}
		if g.callback.n > 0 {
			ms = append(ms, metricValue{name: CallbackDuration, unit: UnitMilliseconds, vals: g.callback.v[:g.callback.n]})
		}
		d.sets = e.messageSets
		d.dims = append(e.dims[:0], member{string(DimPipeline), g.pipeline}, member{string(DimOutcome), g.outcome})
		d.metrics = ms
		buf = appendDocuments(buf, &d)
		e.metrics, e.dims = ms, d.dims
		*g = messageGroup{pipeline: g.pipeline, outcome: g.outcome}
	}
	for _, g := range e.ruleList {
		if g.counts == ([nRuleCounters]float64{}) {
			continue
		}
		if e.ruleSets != nil {
			ms := e.metrics[:0]
			for i, name := range ruleCounterNames {
				ms = append(ms, metricValue{name: name, unit: UnitCount, one: g.counts[i]})
			}
			d.sets = e.ruleSets
			d.dims = append(e.dims[:0], member{string(DimPipeline), g.pipeline}, member{string(DimRule), g.rule})
			d.metrics = ms
			buf = appendDocuments(buf, &d)
			e.metrics, e.dims = ms, d.dims
		}
		g.counts = [nRuleCounters]float64{}
	}
	for i, n := range e.kinds {
		if n == 0 {
			continue
		}
		buf = e.appendBreakdown(buf, &d, DimErrorKind, string(errorKinds[i]), RuleErrors, n)
		e.kinds[i] = 0
	}
	for i, n := range e.codes {
		if n == 0 {
			continue
		}
		buf = e.appendBreakdown(buf, &d, DimCode, refusalCodes[i], CallbackRefusals, n)
		e.codes[i] = 0
	}
	if len(process) > 0 {
		d.sets = [][]string{{}}
		d.dims = e.dims[:0]
		d.metrics = append(e.metrics[:0], process...)
		buf = appendDocuments(buf, &d)
		e.metrics = d.metrics
	}
	lost := e.records
	e.records = 0
	e.buf = buf
	if len(buf) == 0 {
		return nil
	}
	if _, err := e.w.Write(buf); err != nil {
		return fmt.Errorf("metrics: write of %d records failed: %w", lost, err)
	}
	return nil
}

// breakdownSets is the one dimension set of a breakdown document.
var (
	errorKindSets = [][]string{{string(DimErrorKind)}}
	codeSets      = [][]string{{string(DimCode)}}
)

func (e *Emitter) appendBreakdown(buf []byte, d *docSpec, dim Dimension, value, metric string, n float64) []byte {
	d.sets = codeSets
	if dim == DimErrorKind {
		d.sets = errorKindSets
	}
	d.dims = append(e.dims[:0], member{string(dim), value})
	d.metrics = append(e.metrics[:0], metricValue{name: metric, unit: UnitCount, one: n})
	buf = appendDocuments(buf, d)
	e.metrics, e.dims = d.metrics, d.dims
	return buf
}
