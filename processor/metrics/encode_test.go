package metrics

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/internal/emfspec"
)

// TestSplit encodes documents of 0 to 250 metrics, each with 0 to 250
// values, checks every line against the specification, and checks that
// the extracted data points give back every value exactly once.
func TestSplit(t *testing.T) {
	for _, nMetrics := range []int{0, 1, 99, 100, 101, 199, 200, 201, 250} {
		for _, nValues := range []int{0, 1, 2, 99, 100, 101, 250} {
			t.Run(fmt.Sprintf("%dx%d", nMetrics, nValues), func(t *testing.T) {
				d := docSpec{namespace: "ns", timestamp: 1700000000123,
					sets: [][]string{{}, {"Pipeline"}}, dims: []member{{"Pipeline", "default"}},
					props: appendProp(nil, "requestId", "r-1")}
				want := map[string][]float64{}
				for i := 0; i < nMetrics; i++ {
					m := metricValue{name: fmt.Sprintf("M%03d", i), unit: UnitCount}
					if nValues == 1 && i%2 == 0 {
						m.one = float64(i)
					} else {
						m.vals = make([]float64, nValues)
						for k := range m.vals {
							m.vals[k] = float64(i*1000 + k)
						}
					}
					if m.count() > 0 {
						if m.vals == nil {
							want[m.name] = []float64{m.one}
						} else {
							want[m.name] = m.vals
						}
					}
					d.metrics = append(d.metrics, m)
				}
				out := appendDocuments(nil, &d)
				ds, err := emfspec.CheckStream(bytes.NewReader(out), emfspec.Options{})
				if err != nil {
					t.Fatal(err)
				}
				got := map[string][]float64{}
				for _, dp := range ds {
					if len(dp.Dimensions) == 0 { // one of the two sets
						got[dp.Name] = append(got[dp.Name], dp.Values...)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("values differ after the round trip:\ngot  %v\nwant %v", got, want)
				}
				// The fewest documents that fit the limits.
				lines := bytes.Count(out, []byte("\n"))
				wantLines := 0
				if len(want) > 0 {
					per := (nValues + maxValuesPerDoc - 1) / maxValuesPerDoc
					if nValues == 1 {
						per = 1
					}
					wantLines = per * ((len(want) + maxMetricsPerDoc - 1) / maxMetricsPerDoc)
				}
				if lines != wantLines {
					t.Fatalf("%d documents, want %d", lines, wantLines)
				}
				for _, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\n")), []byte("\n")) {
					if len(line) > 0 && !bytes.Contains(line, []byte(`"requestId":"r-1"`)) {
						t.Fatalf("a split document lost the properties: %.200s", line)
					}
				}
			})
		}
	}
}

// TestExtremeValues: whatever float reaches the encoder, the document is
// valid; NaN becomes 0 and magnitudes beyond 2^360 are clamped.
func TestExtremeValues(t *testing.T) {
	tests := []struct {
		in, want float64
	}{
		{0, 0}, {math.Copysign(0, -1), 0}, {1, 1}, {-1, -1}, {1e-7, 1e-7}, {5e-324, 5e-324},
		{1e20, 1e20}, {1e21, 1e21}, {math.MaxFloat64, maxValue}, {-math.MaxFloat64, -maxValue},
		{math.Inf(1), maxValue}, {math.Inf(-1), -maxValue}, {math.NaN(), 0}, {maxValue, maxValue},
		{float64(math.MaxInt64) / 1e6, float64(math.MaxInt64) / 1e6},
	}
	for _, tt := range tests {
		d := docSpec{namespace: "ns", timestamp: 0, sets: [][]string{{}},
			metrics: []metricValue{{name: "One", unit: UnitCount, one: tt.in}, {name: "Many", unit: UnitMilliseconds, vals: []float64{tt.in, tt.in}}}}
		out := appendDocuments(nil, &d)
		ds, err := emfspec.Check(bytes.TrimSuffix(out, []byte("\n")), emfspec.Options{})
		if err != nil {
			t.Errorf("%v: %v\n%s", tt.in, err, out)
			continue
		}
		for _, dp := range ds {
			for _, v := range dp.Values {
				if v != tt.want {
					t.Errorf("%v: %s extracted as %v, want %v", tt.in, dp.Name, v, tt.want)
				}
			}
		}
	}
}

// TestDimensionValues: any string becomes a dimension value CloudWatch
// accepts, and printable ASCII is kept as it is.
func TestDimensionValues(t *testing.T) {
	tests := []struct{ in, want string }{
		{"default", "default"},
		{"", "none"},
		{"   ", "none"},
		{" a ", " a "},
		{`q"b\`, `q"b\`},
		{"tab\there", "tab?here"},
		{"é", "??"},
		{"\x00\x7f", "??"},
		{strings.Repeat("x", 1100), strings.Repeat("x", 1024)},
		{"arn:aws:chime:*", "arn:aws:chime:*"},
	}
	for _, tt := range tests {
		d := docSpec{namespace: "ns", sets: [][]string{{"Pipeline"}}, dims: []member{{"Pipeline", tt.in}},
			metrics: []metricValue{{name: "N", unit: UnitCount, one: 1}}}
		out := appendDocuments(nil, &d)
		ds, err := emfspec.Check(bytes.TrimSuffix(out, []byte("\n")), emfspec.Options{})
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got := ds[0].Dimensions["Pipeline"]; got != tt.want {
			t.Errorf("%q: dimension value %q, want %q", tt.in, got, tt.want)
		}
	}
}
