//go:build goexperiment.jsonv2

package processor_test

import (
	jsonv2 "encoding/json/v2"
	"testing"
)

// BenchmarkUnmarshalV2 measures encoding/json/v2's Unmarshal into an Event
// (the code of github.com/go-json-experiment/json), for comparison with
// BenchmarkUnmarshal:
//
//	GOEXPERIMENT=jsonv2 go test ./processor -run '^$' -bench 'Unmarshal' -benchtime 1s
func BenchmarkUnmarshalV2(b *testing.B) {
	benchmarkUnmarshal(b, func(data []byte, v any) error { return jsonv2.Unmarshal(data, v) })
}
