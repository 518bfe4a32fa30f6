package metrics

import (
	"math"
	"strconv"

	"github.com/chimeflow/chimeflow/internal/jsonstr"
)

// Limits of the embedded metric format and of CloudWatch that the encoder
// keeps to.
const (
	maxMetricsPerDoc  = 100  // MetricDefinitions per directive
	maxValuesPerDoc   = 100  // values of one metric target
	maxDimensionValue = 1024 // characters of a dimension value
	maxNameLen        = 255  // namespace and metric name
)

// maxValue is the largest magnitude CloudWatch accepts (2^360).
var maxValue = math.Ldexp(1, 360)

// metricValue is one metric of a document: a single value, or vals.
type metricValue struct {
	name string
	unit string
	one  float64
	vals []float64 // nil: the metric has the single value one
}

func (m *metricValue) count() int {
	if m.vals == nil {
		return 1
	}
	return len(m.vals)
}

// chunks is the number of documents the metric's values need.
func (m *metricValue) chunks() int {
	return (m.count() + maxValuesPerDoc - 1) / maxValuesPerDoc
}

// member is a root member with a string value (a dimension target or a
// property).
type member struct{ key, value string }

// docSpec is what one logical document holds before it is split.
type docSpec struct {
	namespace string
	timestamp int64 // milliseconds since the epoch
	sets      [][]string
	dims      []member // dimension targets: sanitized to CloudWatch's rules
	props     []byte   // pre-encoded property members, each preceded by a comma
	metrics   []metricValue
}

// appendDocuments appends d to dst as one or more EMF documents, one per
// line: a metric with more than 100 values spreads over several documents,
// and no document holds more than 100 metrics. Metrics with no value are
// skipped; nothing is written when no metric has a value.
func appendDocuments(dst []byte, d *docSpec) []byte {
	rounds := 0
	for i := range d.metrics {
		if c := d.metrics[i].chunks(); c > rounds {
			rounds = c
		}
	}
	for r := 0; r < rounds; r++ {
		for i := 0; i < len(d.metrics); {
			// The next document holds the metrics of [i, j) that have a
			// chunk r: at most maxMetricsPerDoc of them.
			n, j := 0, i
			for ; j < len(d.metrics) && n < maxMetricsPerDoc; j++ {
				if d.metrics[j].chunks() > r {
					n++
				}
			}
			if n > 0 {
				dst = appendDocument(dst, d, r, d.metrics[i:j])
			}
			i = j
		}
	}
	return dst
}

// appendDocument writes one document: chunk r of each of ms that has one.
func appendDocument(dst []byte, d *docSpec, r int, ms []metricValue) []byte {
	dst = append(dst, `{"_aws":{"Timestamp":`...)
	dst = strconv.AppendInt(dst, d.timestamp, 10)
	dst = append(dst, `,"CloudWatchMetrics":[{"Namespace":`...)
	dst = jsonstr.Append(dst, d.namespace)
	dst = append(dst, `,"Dimensions":[`...)
	for i, set := range d.sets {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '[')
		for j, k := range set {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = jsonstr.Append(dst, k)
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `],"Metrics":[`...)
	first := true
	for i := range ms {
		m := &ms[i]
		if m.chunks() <= r {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, `{"Name":`...)
		dst = jsonstr.Append(dst, m.name)
		dst = append(dst, `,"Unit":`...)
		dst = jsonstr.Append(dst, m.unit)
		dst = append(dst, '}')
	}
	dst = append(dst, `]}]}`...)
	for _, dm := range d.dims {
		dst = append(dst, ',')
		dst = jsonstr.Append(dst, dm.key)
		dst = append(dst, ':')
		dst = appendDimensionValue(dst, dm.value)
	}
	dst = append(dst, d.props...)
	for i := range ms {
		m := &ms[i]
		if m.chunks() <= r {
			continue
		}
		dst = append(dst, ',')
		dst = jsonstr.Append(dst, m.name)
		dst = append(dst, ':')
		if m.vals == nil {
			dst = appendValue(dst, m.one)
			continue
		}
		vs := m.vals[r*maxValuesPerDoc : min(len(m.vals), (r+1)*maxValuesPerDoc)]
		if len(vs) == 1 {
			dst = appendValue(dst, vs[0])
			continue
		}
		dst = append(dst, '[')
		for k, v := range vs {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = appendValue(dst, v)
		}
		dst = append(dst, ']')
	}
	return append(dst, '}', '\n')
}

// appendValue writes a metric value CloudWatch accepts: NaN becomes 0 and
// magnitudes beyond 2^360 (infinities included) are clamped to it.
func appendValue(dst []byte, v float64) []byte {
	switch {
	case math.IsNaN(v):
		v = 0
	case v > maxValue:
		v = maxValue
	case v < -maxValue:
		v = -maxValue
	}
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(dst, v, 'e', -1, 64)
	}
	return strconv.AppendFloat(dst, v, 'f', -1, 64)
}

// appendDimensionValue writes a dimension value CloudWatch accepts: 1-1024
// printable ASCII characters with one that is not a space. Other bytes
// become '?', a longer value is cut, and a blank one becomes "none".
func appendDimensionValue(dst []byte, s string) []byte {
	blank := true
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' {
			blank = false
			break
		}
	}
	if blank {
		return append(dst, `"none"`...)
	}
	if len(s) > maxDimensionValue {
		s = s[:maxDimensionValue]
	}
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20 || c > 0x7e:
			dst = append(dst, '?')
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}
