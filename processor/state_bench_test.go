package processor_test

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
)

// BenchmarkHandleState measures, side by side, the CPU cost of one message
// through the bundled default pipeline ("stateless": profanity, masking)
// and through the same pipeline behind escalation, ratelimit and repeat
// with an in-process store ("stateful-memory"): what the stateful machinery (gathering the checks,
// the canonical form and hash of the content, the decision record and its
// digest, the work after the callback) costs beside the store's own round
// trip. Every message has a CallbackId and content of its own, so that none
// is a duplicate or a repeat.
//
//	go test ./processor -run '^$' -bench HandleState -benchmem
func BenchmarkHandleState(b *testing.B) {
	const stateful = `rules:
  - rule: escalation
    options: {violations: 3, within: 10m, mute: 1h}
  - rule: ratelimit
    options: {limit: 1000000, window: 24h}
  - rule: repeat
    options: {window: 1m}
  - rule: profanity
    options: {action: mask}
`
	defaultCfg, err := rules.Default()
	if err != nil {
		b.Fatal(err)
	}
	stateCfg, err := rules.Parse([]byte(stateful), "stateful")
	if err != nil {
		b.Fatal(err)
	}
	if err := stateCfg.Provision(context.Background(), rules.NewHost(rules.WithState(state.NewMemory()))); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		cfg  *rules.Config
	}{{"stateless", defaultCfg}, {"stateful-memory", stateCfg}} {
		b.Run(bc.name, func(b *testing.B) {
			h, err := processor.NewHandler(bc.cfg, discard{}, processor.WithLogger(zerolog.New(io.Discard)))
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			start := cpuTime()
			i := 0
			for b.Loop() {
				i++
				payload := fmt.Appendf(nil, `{"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"b0000000-0000-4000-8000-%012d",
"ChannelMessage":{"MessageId":"m%d","ChannelArn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c",
"Content":"Message number %d: see you at the meeting at noon","Sender":{"Arn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/user/u"},
"Type":"STANDARD","CreatedTimestamp":"2026-03-01T12:00:00Z"}}`, i, i, i)
				res, err := h.Handle(ctx, payload)
				if err != nil || res.Outcome.Action == processor.ActionDeny {
					b.Fatalf("%v %v", err, res.Outcome)
				}
			}
			reportCPU(b, cpuTime()-start)
		})
	}
}
