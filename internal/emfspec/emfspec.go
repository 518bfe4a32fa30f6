// Package emfspec checks CloudWatch embedded metric format (EMF) documents
// against the published specification, and returns the metric data points
// CloudWatch would extract from them.
//
// It is written from the specification ("Specification: Embedded metric
// format", Amazon CloudWatch User Guide) and the CloudWatch API reference it
// points to (MetricDatum, Dimension, PutMetricData, PutLogEvents), not from
// any encoder of this repository, so that tests can hold an encoder to the
// specification. Every Violation names the rule it enforces and where the
// rule comes from:
//
//   - "spec": a MUST of the EMF specification or its JSON schema;
//   - "api": a constraint of the CloudWatch API the extracted metrics go to
//     (values, names and dimension values CloudWatch rejects);
//   - "json": RFC 8259 (UTF-8 text, one JSON object, unique member names);
//   - "strict": documents the specification leaves ambiguous (a metric
//     defined twice in one directive, a dimension repeated in one set, an
//     empty value array), rejected because CloudWatch's reading of them is
//     not specified.
package emfspec

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits from the specification and the CloudWatch API reference.
const (
	// MaxDocumentBytes: "limited to a maximum size of 1 MB" (spec).
	MaxDocumentBytes = 1 << 20
	// MaxMetrics: a MetricDirective's Metrics array "MUST NOT contain more
	// than 100 MetricDefinition objects" (spec).
	MaxMetrics = 100
	// MaxDimensions: "A DimensionSet MUST NOT contain more than 30
	// dimension keys" (spec).
	MaxDimensions = 30
	// MaxValues: "Numeric array metric targets MUST NOT have more than 100
	// members" (spec).
	MaxValues = 100
	// MaxDimensionValue: the dimension target's value "MUST NOT contain
	// more than 1024 characters" (spec; Dimension.Value 1-1024 in the API).
	MaxDimensionValue = 1024
	// MaxDimensionKey: DimensionReference maxLength 250 (spec schema).
	MaxDimensionKey = 250
	// MaxName: MetricName and Namespace are 1-255 characters (API
	// MetricDatum and Metric; the spec's schema allows more, the API does
	// not).
	MaxName = 255
	// MaxPast and MaxFuture: PutLogEvents rejects events older than 14 days
	// or more than 2 hours in the future, and with them their metrics.
	MaxPast   = 14 * 24 * time.Hour
	MaxFuture = 2 * time.Hour
)

// maxValue is the largest magnitude CloudWatch accepts: "Values must be in
// the range of -2^360 to 2^360" (API MetricDatum.Value).
var maxValue = math.Ldexp(1, 360)

// units is the list of valid units (spec schema, MetricUnit pattern; the
// same list as MetricDatum.Unit in the API).
var units = map[string]bool{}

func init() {
	for _, u := range strings.Split("Seconds|Microseconds|Milliseconds|Bytes|Kilobytes|Megabytes|Gigabytes|Terabytes|Bits|Kilobits|Megabits|Gigabits|Terabits|Percent|Count|Bytes/Second|Kilobytes/Second|Megabytes/Second|Gigabytes/Second|Terabytes/Second|Bits/Second|Kilobits/Second|Megabits/Second|Gigabits/Second|Terabits/Second|Count/Second|None", "|") {
		units[u] = true
	}
}

// Options tune a check.
type Options struct {
	// Now, when set, enables the timestamp window check (MaxPast,
	// MaxFuture) against it.
	Now time.Time
}

// Datum is one metric data point as CloudWatch would extract it: one per
// metric definition and dimension set of a directive.
type Datum struct {
	Namespace  string
	Name       string
	Unit       string // "None" when the definition has none
	Resolution int    // StorageResolution, 60 when the definition has none
	Dimensions map[string]string
	Values     []float64
	Timestamp  time.Time
}

// Violation is one broken rule.
type Violation struct {
	Source string // spec, api, json or strict
	Path   string // where in the document, e.g. _aws.CloudWatchMetrics[0].Metrics[3]
	Detail string
}

func (v Violation) String() string { return fmt.Sprintf("%s: %s: %s", v.Source, v.Path, v.Detail) }

// Error lists every violation found in one document.
type Error struct {
	Line       int // 1-based line of a stream, 0 for a single document
	Violations []Violation
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	fmt.Fprintf(&b, "not a valid EMF document (%d violations)", len(e.Violations))
	for _, v := range e.Violations {
		b.WriteString("\n  ")
		b.WriteString(v.String())
	}
	return b.String()
}

// Check checks one document (the whole log event message, without a line
// terminator) and returns the data points CloudWatch would extract. A
// document that breaks any rule returns a *Error listing every violation.
func Check(doc []byte, opts Options) ([]Datum, error) {
	c := checker{opts: opts}
	out := c.run(doc)
	if len(c.vs) > 0 {
		return nil, &Error{Violations: c.vs}
	}
	return out, nil
}

// CheckStream checks every line of r as a document (empty lines are
// errors too: each line is a log event) and returns every data point. The
// first invalid line's *Error (with its Line) is returned.
func CheckStream(r io.Reader, opts Options) ([]Datum, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxDocumentBytes+1)
	var all []Datum
	n := 0
	for sc.Scan() {
		n++
		ds, err := Check(sc.Bytes(), opts)
		if err != nil {
			var e *Error
			if errors.As(err, &e) {
				e.Line = n
			}
			return nil, err
		}
		all = append(all, ds...)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", n+1, err)
	}
	return all, nil
}

type checker struct {
	opts Options
	vs   []Violation
}

func (c *checker) fail(source, path, format string, args ...any) {
	c.vs = append(c.vs, Violation{Source: source, Path: path, Detail: fmt.Sprintf(format, args...)})
}

// object is a parsed JSON object that remembers its member order.
type object struct {
	keys []string
	vals map[string]any
}

func (c *checker) run(doc []byte) []Datum {
	if len(doc) > MaxDocumentBytes {
		c.fail("spec", "$", "document is %d bytes, more than the %d allowed", len(doc), MaxDocumentBytes)
		return nil
	}
	if !utf8.Valid(doc) {
		c.fail("json", "$", "document is not valid UTF-8")
		return nil
	}
	if len(doc) == 0 || doc[0] != '{' || doc[len(doc)-1] != '}' {
		c.fail("spec", "$", "the log event message must be a JSON object with no additional data at its beginning or end")
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	v, err := c.parse(dec, "$")
	if err != nil {
		c.fail("json", "$", "%v", err)
		return nil
	}
	if _, err := dec.Token(); err != io.EOF {
		c.fail("spec", "$", "additional data after the JSON object")
		return nil
	}
	root, ok := v.(*object)
	if !ok {
		c.fail("spec", "$", "the root is not a JSON object")
		return nil
	}
	return c.root(root)
}

// parse reads one JSON value, keeping numbers as json.Number and reporting
// duplicate member names.
func (c *checker) parse(dec *json.Decoder, path string) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := &object{vals: map[string]any{}}
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string)
				p := path + "." + k
				v, err := c.parse(dec, p)
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; dup {
					c.fail("json", p, "member name %q appears twice in one object", k)
					continue
				}
				o.keys = append(o.keys, k)
				o.vals[k] = v
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			var a []any
			for i := 0; dec.More(); i++ {
				v, err := c.parse(dec, fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if a == nil {
				a = []any{}
			}
			return a, nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return tok, nil
	}
}

func (c *checker) root(root *object) []Datum {
	awsv, ok := root.vals["_aws"]
	if !ok {
		c.fail("spec", "$", "no _aws member (the Metadata object)")
		return nil
	}
	meta, ok := awsv.(*object)
	if !ok {
		c.fail("spec", "_aws", "must be an object")
		return nil
	}
	for _, k := range meta.keys {
		if k != "CloudWatchMetrics" && k != "Timestamp" {
			c.fail("spec", "_aws."+k, "the Metadata object must not contain additional members")
		}
	}
	ts, tsOK := c.timestamp(meta)
	cwm, ok := meta.vals["CloudWatchMetrics"]
	if !ok {
		c.fail("spec", "_aws", "no CloudWatchMetrics member")
		return nil
	}
	dirs, ok := cwm.([]any)
	if !ok {
		c.fail("spec", "_aws.CloudWatchMetrics", "must be an array of MetricDirective objects")
		return nil
	}
	var out []Datum
	for i, d := range dirs {
		out = append(out, c.directive(root, d, fmt.Sprintf("_aws.CloudWatchMetrics[%d]", i), ts)...)
	}
	if !tsOK {
		return nil
	}
	return out
}

func (c *checker) timestamp(meta *object) (time.Time, bool) {
	v, ok := meta.vals["Timestamp"]
	if !ok {
		c.fail("spec", "_aws", "no Timestamp member")
		return time.Time{}, false
	}
	n, ok := v.(json.Number)
	if !ok {
		c.fail("spec", "_aws.Timestamp", "must be a number of milliseconds since the epoch, got %T", v)
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(n.String(), 10, 64)
	if err != nil {
		c.fail("spec", "_aws.Timestamp", "must be an integer number of milliseconds, got %s", n)
		return time.Time{}, false
	}
	if ms < 0 {
		c.fail("spec", "_aws.Timestamp", "must count milliseconds after 1970-01-01T00:00:00Z, got %d", ms)
		return time.Time{}, false
	}
	t := time.UnixMilli(ms).UTC()
	if !c.opts.Now.IsZero() {
		switch {
		case t.Before(c.opts.Now.Add(-MaxPast)):
			c.fail("api", "_aws.Timestamp", "%s is more than 14 days before %s", t, c.opts.Now.UTC())
		case t.After(c.opts.Now.Add(MaxFuture)):
			c.fail("api", "_aws.Timestamp", "%s is more than 2 hours after %s", t, c.opts.Now.UTC())
		}
	}
	return t, true
}

func (c *checker) directive(root *object, v any, path string, ts time.Time) []Datum {
	d, ok := v.(*object)
	if !ok {
		c.fail("spec", path, "a MetricDirective must be an object")
		return nil
	}
	for _, k := range d.keys {
		if k != "Namespace" && k != "Dimensions" && k != "Metrics" {
			c.fail("spec", path+"."+k, "a MetricDirective must not contain additional members")
		}
	}
	ns, nsOK := c.namespace(d, path)
	sets := c.dimensionSets(root, d, path)
	defs := c.metrics(root, d, path)
	if !nsOK || sets == nil || defs == nil {
		return nil
	}
	var out []Datum
	for _, set := range sets {
		for _, m := range defs {
			dims := make(map[string]string, len(set))
			for _, k := range set {
				dims[k] = root.vals[k].(string)
			}
			out = append(out, Datum{Namespace: ns, Name: m.name, Unit: m.unit, Resolution: m.resolution,
				Dimensions: dims, Values: m.values, Timestamp: ts})
		}
	}
	return out
}

func (c *checker) namespace(d *object, path string) (string, bool) {
	v, ok := d.vals["Namespace"]
	if !ok {
		c.fail("spec", path, "no Namespace member")
		return "", false
	}
	s, ok := v.(string)
	if !ok {
		c.fail("spec", path+".Namespace", "must be a string")
		return "", false
	}
	p := path + ".Namespace"
	ok = c.name(p, s, "namespace")
	if strings.HasPrefix(s, ":") {
		c.fail("api", p, "a namespace must not start with a colon (pattern [^:].*)")
		ok = false
	}
	if strings.HasPrefix(s, "AWS/") {
		c.fail("api", p, "namespaces beginning with AWS/ are reserved for AWS services")
		ok = false
	}
	return s, ok
}

// name checks a namespace or a metric name: 1-255 printable ASCII
// characters with at least one that is not whitespace.
func (c *checker) name(path, s, what string) bool {
	ok := true
	if n := len(s); n < 1 || n > MaxName {
		c.fail("api", path, "a %s must be 1-%d characters, got %d", what, MaxName, n)
		ok = false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			c.fail("api", path, "a %s must be printable ASCII; byte %d is 0x%02x", what, i, s[i])
			return false
		}
	}
	if strings.TrimSpace(s) == "" && s != "" {
		c.fail("api", path, "a %s must contain a character that is not whitespace", what)
		ok = false
	}
	return ok
}

func (c *checker) dimensionSets(root *object, d *object, path string) [][]string {
	v, ok := d.vals["Dimensions"]
	if !ok {
		c.fail("spec", path, "no Dimensions member")
		return nil
	}
	p := path + ".Dimensions"
	arr, ok := v.([]any)
	if !ok {
		c.fail("spec", p, "must be an array of DimensionSet arrays")
		return nil
	}
	if len(arr) == 0 {
		c.fail("spec", p, "must hold at least one DimensionSet (schema minItems 1; a DimensionSet may be empty)")
		return nil
	}
	sets := make([][]string, 0, len(arr))
	good := true
	for i, sv := range arr {
		sp := fmt.Sprintf("%s[%d]", p, i)
		keys, ok := sv.([]any)
		if !ok {
			c.fail("spec", sp, "a DimensionSet must be an array of strings")
			good = false
			continue
		}
		if len(keys) > MaxDimensions {
			c.fail("spec", sp, "a DimensionSet must not contain more than %d dimension keys, got %d", MaxDimensions, len(keys))
			good = false
		}
		set := make([]string, 0, len(keys))
		seen := map[string]bool{}
		for j, kv := range keys {
			kp := fmt.Sprintf("%s[%d]", sp, j)
			k, ok := kv.(string)
			if !ok {
				c.fail("spec", kp, "a dimension key must be a string")
				good = false
				continue
			}
			if seen[k] {
				c.fail("strict", kp, "dimension %q appears twice in one DimensionSet", k)
				good = false
			}
			seen[k] = true
			if !c.dimensionKey(kp, k) || !c.dimensionTarget(root, k) {
				good = false
			}
			set = append(set, k)
		}
		sets = append(sets, set)
	}
	if !good {
		return nil
	}
	return sets
}

// dimensionKey checks a dimension name: 1-250 ASCII characters, no control
// characters, at least one that is not whitespace, not starting with a
// colon (API Dimension.Name; schema maxLength 250).
func (c *checker) dimensionKey(path, k string) bool {
	ok := true
	if n := len(k); n < 1 || n > MaxDimensionKey {
		c.fail("spec", path, "a dimension key must be 1-%d characters, got %d", MaxDimensionKey, n)
		ok = false
	}
	if !asciiNoControl(k) {
		c.fail("api", path, "dimension name %q must be ASCII without control characters", k)
		ok = false
	}
	if strings.HasPrefix(k, ":") {
		c.fail("api", path, "dimension name %q must not start with a colon", k)
		ok = false
	}
	if k != "" && strings.TrimSpace(k) == "" {
		c.fail("api", path, "a dimension name must contain a character that is not whitespace")
		ok = false
	}
	return ok
}

// dimensionTarget checks the root member a dimension key references.
func (c *checker) dimensionTarget(root *object, k string) bool {
	v, ok := root.vals[k]
	if !ok {
		c.fail("spec", k, "dimension key %q has no target member on the root node", k)
		return false
	}
	s, ok := v.(string)
	if !ok {
		c.fail("spec", k, "a dimension target must have a string value, got %s", kind(v))
		return false
	}
	good := true
	if n := utf8.RuneCountInString(s); n < 1 || n > MaxDimensionValue {
		c.fail("spec", k, "a dimension value must be 1-%d characters, got %d", MaxDimensionValue, n)
		good = false
	}
	if !asciiNoControl(s) {
		c.fail("api", k, "a dimension value must be ASCII without control characters")
		good = false
	}
	if s != "" && strings.TrimSpace(s) == "" {
		c.fail("api", k, "a dimension value must contain a character that is not whitespace")
		good = false
	}
	return good
}

type metricDef struct {
	name       string
	unit       string
	resolution int
	values     []float64
}

func (c *checker) metrics(root *object, d *object, path string) []metricDef {
	v, ok := d.vals["Metrics"]
	if !ok {
		c.fail("spec", path, "no Metrics member")
		return nil
	}
	p := path + ".Metrics"
	arr, ok := v.([]any)
	if !ok {
		c.fail("spec", p, "must be an array of MetricDefinition objects")
		return nil
	}
	good := true
	if len(arr) > MaxMetrics {
		c.fail("spec", p, "must not contain more than %d MetricDefinition objects, got %d", MaxMetrics, len(arr))
		good = false
	}
	defs := make([]metricDef, 0, len(arr))
	seen := map[string]bool{}
	for i, mv := range arr {
		mp := fmt.Sprintf("%s[%d]", p, i)
		m, ok := c.metricDef(root, mv, mp)
		if !ok {
			good = false
			continue
		}
		if seen[m.name] {
			c.fail("strict", mp, "metric %q is defined twice in one directive", m.name)
			good = false
		}
		seen[m.name] = true
		defs = append(defs, m)
	}
	if !good {
		return nil
	}
	return defs
}

func (c *checker) metricDef(root *object, v any, path string) (metricDef, bool) {
	m := metricDef{unit: "None", resolution: 60}
	o, ok := v.(*object)
	if !ok {
		c.fail("spec", path, "a MetricDefinition must be an object")
		return m, false
	}
	good := true
	for _, k := range o.keys {
		if k != "Name" && k != "Unit" && k != "StorageResolution" {
			c.fail("spec", path+"."+k, "a MetricDefinition must not contain additional members")
			good = false
		}
	}
	nv, ok := o.vals["Name"]
	if !ok {
		c.fail("spec", path, "no Name member")
		return m, false
	}
	if m.name, ok = nv.(string); !ok {
		c.fail("spec", path+".Name", "must be a string")
		return m, false
	}
	if !c.name(path+".Name", m.name, "metric name") {
		good = false
	}
	if uv, ok := o.vals["Unit"]; ok {
		u, isStr := uv.(string)
		if !isStr || !units[u] {
			c.fail("spec", path+".Unit", "%v is not a CloudWatch unit", uv)
			good = false
		}
		m.unit = u
	}
	if rv, ok := o.vals["StorageResolution"]; ok {
		n, isNum := rv.(json.Number)
		r, err := strconv.Atoi(string(n))
		if !isNum || err != nil || (r != 1 && r != 60) {
			c.fail("spec", path+".StorageResolution", "must be the integer 1 or 60, got %v", rv)
			good = false
		}
		m.resolution = r
	}
	vals, ok := c.metricTarget(root, m.name)
	if !ok {
		good = false
	}
	m.values = vals
	return m, good
}

// metricTarget checks the root member a metric name references: a number or
// an array of 1-100 numbers, each finite and within ±2^360.
func (c *checker) metricTarget(root *object, name string) ([]float64, bool) {
	v, ok := root.vals[name]
	if !ok {
		c.fail("spec", name, "metric %q has no target member on the root node", name)
		return nil, false
	}
	var nums []any
	switch t := v.(type) {
	case json.Number:
		nums = []any{t}
	case []any:
		if len(t) > MaxValues {
			c.fail("spec", name, "a numeric array metric target must not have more than %d members, got %d", MaxValues, len(t))
			return nil, false
		}
		if len(t) == 0 {
			c.fail("strict", name, "an empty array holds no value")
			return nil, false
		}
		nums = t
	default:
		c.fail("spec", name, "a metric target must be a number or an array of numbers, got %s", kind(v))
		return nil, false
	}
	out := make([]float64, 0, len(nums))
	good := true
	for i, e := range nums {
		n, ok := e.(json.Number)
		if !ok {
			c.fail("spec", fmt.Sprintf("%s[%d]", name, i), "a metric value must be a number, got %s", kind(e))
			good = false
			continue
		}
		f, err := strconv.ParseFloat(string(n), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) || math.Abs(f) > maxValue {
			c.fail("api", fmt.Sprintf("%s[%d]", name, i), "value %s is outside the range -2^360 to 2^360", n)
			good = false
			continue
		}
		out = append(out, f)
	}
	return out, good
}

func asciiNoControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

func kind(v any) string {
	switch v.(type) {
	case *object:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
