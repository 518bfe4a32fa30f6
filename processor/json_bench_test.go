package processor_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
)

// jsonBenchEvents are the events the decoder benchmarks read.
var jsonBenchEvents = []string{"new-plain", "message-attributes", "content-4kb"}

// BenchmarkUnmarshal measures json.Unmarshal into an Event alone, the part
// of Decode that encoding/json does. Built with GOEXPERIMENT=jsonv2 it
// measures the v1 API running on json/v2; BenchmarkUnmarshalV2 (same
// flag) measures the v2 API. docs/perf/core.md compares them.
func BenchmarkUnmarshal(b *testing.B) {
	benchmarkUnmarshal(b, json.Unmarshal)
}

func benchmarkUnmarshal(b *testing.B, unmarshal func([]byte, any) error) {
	for _, name := range jsonBenchEvents {
		payload, err := os.ReadFile("../testdata/events/" + name + ".json")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			start := cpuTime()
			for b.Loop() {
				var ev processor.Event
				if err := unmarshal(payload, &ev); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpuTime()-start)
		})
	}
}
