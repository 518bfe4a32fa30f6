package processor_test

import (
	"context"
	"io"
	"os"
	"testing"

	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/all"
)

// BenchmarkHandle measures the CPU cost of one typical message end to end
// (decode, validate, the bundled default pipeline, callback building and
// validation, the JSON log line, written to io.Discard), with the callback
// answered in memory instead of sent.
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
			h, err := processor.NewHandler(cfg, discard{}, processor.WithLogger(zerolog.New(io.Discard)))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if _, err := h.Handle(ctx, payload); err != nil {
					b.Fatal(err)
				}
			}
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
	for b.Loop() {
		ev, err := processor.Decode(payload)
		if err != nil {
			b.Fatal(err)
		}
		if err := ev.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

// discard is a callback sink that keeps nothing, so the benchmark measures
// the processor, not a growing slice.
type discard struct{}

func (discard) ChannelFlowCallback(_ context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
	return &messaging.ChannelFlowCallbackOutput{CallbackID: in.CallbackID}, nil
}
