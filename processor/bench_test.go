package processor_test

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/metrics"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/profanity" // the bundled default pipeline's one rule
)

// BenchmarkHandle measures the CPU cost of one typical message end to end
// (decode, validate, the bundled default pipeline, callback building, the
// JSON log line, written to io.Discard), with the callback answered in
// memory instead of sent. cpu-ns/op is the process's CPU time per message.
func BenchmarkHandle(b *testing.B) {
	cfg, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"new-plain", "push-notification", "message-attributes", "unicode-emoji", "content-4kb"} {
		payload, err := os.ReadFile("../testdata/events/" + name + ".json")
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			h, err := processor.NewHandler(cfg, discard{}, processor.WithLogger(zerolog.New(io.Discard).Level(zerolog.InfoLevel)))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			start := cpuTime()
			for b.Loop() {
				if _, err := h.Handle(ctx, payload); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpuTime()-start)
		})
	}
}

// BenchmarkDecode measures decoding and validation alone.
func BenchmarkDecode(b *testing.B) {
	payload, err := os.ReadFile("../testdata/events/push-notification.json")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		ev, err := processor.Decode(payload)
		if err != nil {
			b.Fatal(err)
		}
		if err := ev.Validate(); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpuTime()-start)
}

// reportCPU reports the process's CPU time per operation as cpu-ns/op,
// next to the wall-clock ns/op: on a machine shared with other work, CPU
// time is the steadier measure of what a message costs.
func reportCPU(b *testing.B, cpu time.Duration) {
	if cpu > 0 && b.N > 0 {
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// discard is a callback sink that keeps nothing, so the benchmark measures
// the processor, not a growing slice.
type discard struct{}

func (discard) ChannelFlowCallback(_ context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
	return &messaging.ChannelFlowCallbackOutput{CallbackID: in.CallbackID}, nil
}

// BenchmarkObserved measures what the metrics add to a message, side by
// side in one loop: each iteration handles the message once with the
// logger only, and once as Invoke does in Lambda with the metrics on
// (Record, then a Flush that writes the documents to io.Discard). It
// reports the CPU time of each (cpu-ns/msg) and their ratio.
//
//	go test ./processor -run '^$' -bench Observed -benchtime 20000x
func BenchmarkObserved(b *testing.B) {
	cfg, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	payload, err := os.ReadFile("../testdata/events/push-notification.json")
	if err != nil {
		b.Fatal(err)
	}
	logger := processor.WithLogger(zerolog.New(io.Discard).Level(zerolog.InfoLevel))
	plain, err := processor.NewHandler(cfg, discard{}, logger)
	if err != nil {
		b.Fatal(err)
	}
	em, err := metrics.New(io.Discard, metrics.Options{})
	if err != nil {
		b.Fatal(err)
	}
	observed, err := processor.NewHandler(cfg, discard{}, logger, processor.WithMetrics(em))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var cpuPlain, cpuObserved time.Duration
	b.ReportAllocs()
	for b.Loop() {
		t0 := cpuTime()
		if _, err := plain.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
		t1 := cpuTime()
		if _, err := observed.Invoke(ctx, payload); err != nil {
			b.Fatal(err)
		}
		cpuPlain += t1 - t0
		cpuObserved += cpuTime() - t1
	}
	n := float64(b.N)
	b.ReportMetric(float64(cpuPlain.Nanoseconds())/n, "cpu-ns/msg(log)")
	b.ReportMetric(float64(cpuObserved.Nanoseconds())/n, "cpu-ns/msg(log+metrics)")
	b.ReportMetric(float64(cpuObserved)/float64(cpuPlain), "ratio")
}
