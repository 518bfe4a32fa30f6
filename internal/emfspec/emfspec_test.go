package emfspec

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"
)

type fileCase struct{ name, want, doc string }

func readCases(t *testing.T) []fileCase {
	t.Helper()
	f, err := os.Open("testdata/cases.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []fileCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "## ") {
			continue
		}
		name, want, ok := strings.Cut(strings.TrimPrefix(line, "## "), " | ")
		if !ok || !sc.Scan() {
			t.Fatalf("malformed case header %q", line)
		}
		cases = append(cases, fileCase{name, want, sc.Text()})
	}
	if len(cases) < 40 {
		t.Fatalf("read %d cases from testdata/cases.txt, want at least 40", len(cases))
	}
	return cases
}

// TestCases runs the hand-written documents: the valid ones pass, each
// invalid one fails with the violation it was written for.
func TestCases(t *testing.T) {
	for _, tc := range readCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			ds, err := Check([]byte(tc.doc), Options{})
			if tc.want == "ok" {
				if err != nil {
					t.Fatalf("valid document rejected: %v", err)
				}
				if len(ds) == 0 {
					t.Fatal("valid document yields no data point")
				}
				return
			}
			if err == nil {
				t.Fatalf("invalid document accepted; want an error containing %q", tc.want)
			}
			var e *Error
			if !errors.As(err, &e) || len(e.Violations) == 0 {
				t.Fatalf("error %v is not an *Error with violations", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error lacks %q:\n%v", tc.want, err)
			}
		})
	}
}

// TestExtract checks the data points of the specification's example and of
// a document with two dimension sets.
func TestExtract(t *testing.T) {
	doc := `{"_aws":{"Timestamp":1574109732004,"CloudWatchMetrics":[{"Namespace":"ns","Dimensions":[["A","B"],[]],"Metrics":[{"Name":"T","Unit":"Milliseconds"},{"Name":"C","StorageResolution":1}]}]},"A":"x","B":"y","T":[1.5,2],"C":3,"id":"r"}`
	ds, err := Check([]byte(doc), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, fmt.Sprintf("%s/%s %s %d %v %v %d", d.Namespace, d.Name, d.Unit, d.Resolution, d.Dimensions, d.Values, d.Timestamp.UnixMilli()))
	}
	want := []string{
		"ns/T Milliseconds 60 map[A:x B:y] [1.5 2] 1574109732004",
		"ns/C None 1 map[A:x B:y] [3] 1574109732004",
		"ns/T Milliseconds 60 map[] [1.5 2] 1574109732004",
		"ns/C None 1 map[] [3] 1574109732004",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("data points:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// build returns a document with n metrics of v values each, d dimensions in
// one set, and the given namespace.
func build(ns string, n, v, d int) string {
	dims, defs := []string{}, []string{}
	root := map[string]any{}
	for i := 0; i < d; i++ {
		k := fmt.Sprintf("D%d", i)
		dims = append(dims, k)
		root[k] = "v"
	}
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("M%d", i)
		defs = append(defs, fmt.Sprintf(`{"Name":%q,"Unit":"Count"}`, k))
		vals := make([]float64, v)
		root[k] = vals
	}
	dj, _ := json.Marshal(dims)
	rj, _ := json.Marshal(root)
	return fmt.Sprintf(`{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":%q,"Dimensions":[%s],"Metrics":[%s]}]},%s`,
		ns, dj, strings.Join(defs, ","), rj[1:])
}

// TestLimits checks each limit at its value (accepted) and one past it
// (rejected).
func TestLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name string
		doc  string
		want string // "" = valid
	}{
		{"100 metrics", build("ns", 100, 1, 0), ""},
		{"101 metrics", build("ns", 101, 1, 0), "more than 100 MetricDefinition"},
		{"100 values", build("ns", 1, 100, 0), ""},
		{"101 values", build("ns", 1, 101, 0), "more than 100 members"},
		{"30 dimensions", build("ns", 1, 1, 30), ""},
		{"31 dimensions", build("ns", 1, 1, 31), "more than 30 dimension keys"},
		{"namespace of 255", build(long(255), 1, 1, 0), ""},
		{"namespace of 256", build(long(256), 1, 1, 0), "namespace must be 1-255"},
		{"dimension value of 1024", strings.Replace(build("ns", 1, 1, 1), `"D0":"v"`, `"D0":"`+long(1024)+`"`, 1), ""},
		{"dimension value of 1025", strings.Replace(build("ns", 1, 1, 1), `"D0":"v"`, `"D0":"`+long(1025)+`"`, 1), "dimension value must be 1-1024"},
		{"dimension key of 250", strings.ReplaceAll(build("ns", 1, 1, 1), `D0`, long(250)), ""},
		{"dimension key of 251", strings.ReplaceAll(build("ns", 1, 1, 1), `D0`, long(251)), "dimension key must be 1-250"},
		{"metric name of 255", strings.ReplaceAll(build("ns", 1, 1, 0), `M0`, long(255)), ""},
		{"metric name of 256", strings.ReplaceAll(build("ns", 1, 1, 0), `M0`, long(256)), "metric name must be 1-255"},
		{"document of 1 MiB", pad(build("ns", 1, 1, 0), MaxDocumentBytes), ""},
		{"document past 1 MiB", pad(build("ns", 1, 1, 0), MaxDocumentBytes+1), "more than the 1048576 allowed"},
		{"invalid UTF-8", strings.Replace(build("ns", 1, 1, 0), `"Timestamp"`, "\"Time\xffstamp\"", 1), "not valid UTF-8"},
		{"leading space", " " + build("ns", 1, 1, 0), "no additional data"},
		{"trailing newline", build("ns", 1, 1, 0) + "\n", "no additional data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check([]byte(tt.doc), Options{})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tt.want != "" && err == nil:
				t.Fatalf("accepted; want %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("error lacks %q: %v", tt.want, err)
			}
		})
	}
}

// pad adds a string property so that doc is exactly n bytes long.
func pad(doc string, n int) string {
	const prefix = `,"pad":""}`
	fill := n - len(doc) - len(prefix) + 1
	return doc[:len(doc)-1] + `,"pad":"` + strings.Repeat("x", fill) + `"}`
}

func TestTimestampWindow(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	doc := func(ts time.Time) []byte {
		return []byte(fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"a","Dimensions":[[]],"Metrics":[{"Name":"N"}]}]},"N":1}`, ts.UnixMilli()))
	}
	tests := []struct {
		ts   time.Time
		want string
	}{
		{now, ""},
		{now.Add(-MaxPast + time.Second), ""},
		{now.Add(-MaxPast - time.Second), "more than 14 days before"},
		{now.Add(MaxFuture - time.Second), ""},
		{now.Add(MaxFuture + time.Second), "more than 2 hours after"},
	}
	for _, tt := range tests {
		_, err := Check(doc(tt.ts), Options{Now: now})
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("timestamp %s: error %v, want %q", tt.ts, err, tt.want)
		}
	}
	// Without Now the window is not checked.
	if _, err := Check(doc(now.Add(-400*24*time.Hour)), Options{}); err != nil {
		t.Errorf("old timestamp without Now: %v", err)
	}
}

func TestCheckStream(t *testing.T) {
	good := build("ns", 2, 1, 1)
	ds, err := CheckStream(strings.NewReader(good+"\n"+good+"\n"), Options{})
	if err != nil || len(ds) != 4 {
		t.Fatalf("two good lines: %d data points, %v", len(ds), err)
	}
	_, err = CheckStream(strings.NewReader(good+"\n\n"+good+"\n"), Options{})
	var e *Error
	if !errors.As(err, &e) || e.Line != 2 {
		t.Fatalf("empty second line: %v, want a line 2 error", err)
	}
}

func TestMaxValueIsTwoTo360(t *testing.T) {
	if maxValue != math.Pow(2, 360) || maxValue < 2.3485e108 || maxValue > 2.3486e108 {
		t.Fatalf("maxValue %g", maxValue)
	}
}
