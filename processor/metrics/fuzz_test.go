package metrics_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/chimeflow/chimeflow/internal/emfspec"
	"github.com/chimeflow/chimeflow/processor/metrics"
)

// FuzzRecord: whatever the names, ids, codes and durations a Record holds,
// every document written is valid EMF and counts the one message.
func FuzzRecord(f *testing.F) {
	f.Add("default", "profanity", "msg-1", "DENY", int64(1500000), int64(40000000), "ConflictException", "Panic", 3)
	f.Add("", "", "", "", int64(0), int64(0), "", "", 0)
	f.Add("  ", "ルール", "\"\n\u2028", "REWRITE", int64(-1), int64(9223372036854775807), "aws.chime#X", "Timeout", -5)
	f.Fuzz(func(t *testing.T, pipeline, rule, id, outcome string, pipe, cb int64, refusal, kind string, retries int) {
		var out bytes.Buffer
		e, err := metrics.New(&out, metrics.Options{
			Dimensions: []metrics.Dimension{metrics.DimPipeline, metrics.DimOutcome, metrics.DimRule},
			Now:        func() time.Time { return time.UnixMilli(1767225600000) },
		})
		if err != nil {
			t.Fatal(err)
		}
		e.Record(metrics.Record{
			Outcome: outcome, Pipeline: pipeline, Rules: []string{rule, pipeline},
			DryRun:           []metrics.DryRun{{Rule: rule, Would: outcome}},
			RuleErrors:       []metrics.RuleError{{Rule: rule, Kind: metrics.ErrorKind(kind)}},
			PipelineDuration: time.Duration(pipe), CallbackDuration: time.Duration(cb),
			Retries: metrics.Retries{Throttle: retries, ServerError: retries, Network: retries},
			Refusal: refusal, RequestID: id, CallbackID: id, MessageID: id, ChannelArn: id,
		})
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		ds, err := emfspec.CheckStream(bytes.NewReader(out.Bytes()), emfspec.Options{})
		if err != nil {
			t.Fatalf("%v\n%s", err, out.Bytes())
		}
		var messages float64
		for _, d := range ds {
			if d.Name == metrics.Messages && len(d.Dimensions) == 0 {
				messages += d.Values[0]
			}
		}
		if messages != 1 {
			t.Fatalf("Messages %v, want 1", messages)
		}
	})
}
