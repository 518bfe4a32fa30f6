package profanity

import (
	"context"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules/profanity/internal/engine"
)

// evalTexts returns the texts of one evaluation category.
func evalTexts(b *testing.B, category string) []string {
	var out []string
	for _, it := range loadEvalSet(b) {
		if it.Category == category {
			out = append(out, it.Text)
		}
	}
	return out
}

// BenchmarkContainsChat measures the filter on ordinary chat lines (all
// clean): the throughput target is 2,000,000 messages a second on
// one core, with no allocation.
func BenchmarkContainsChat(b *testing.B) {
	msgs := evalTexts(b, "chat")
	f := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if f.Contains(msgs[i%len(msgs)]) && msgs[i%len(msgs)] == "" {
			b.Fatal("unreachable")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkMaskObfuscated measures masking obfuscated profanity.
func BenchmarkMaskObfuscated(b *testing.B) {
	var msgs []string
	for _, it := range loadEvalSet(b) {
		if it.Profane {
			msgs = append(msgs, it.Text)
		}
	}
	f := Default()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, n := f.Mask(msgs[i%len(msgs)], '*'); n == 0 {
			b.Fatalf("missed %q", msgs[i%len(msgs)])
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRuleApplyClean measures the rule on a clean chat message with a
// push notification: no allocation.
func BenchmarkRuleApplyClean(b *testing.B) {
	msgs := evalTexts(b, "chat")
	r, err := New(RuleConfig{})
	if err != nil {
		b.Fatal(err)
	}
	ms := make([]*processor.Message, len(msgs))
	for i, s := range msgs {
		ev := &processor.Event{ChannelMessage: processor.ChannelMessage{Content: s}}
		ms[i] = processor.NewMessage(ev)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.Apply(ctx, ms[i%len(ms)]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBuildTables measures building the matcher's tables from the
// built-in lexicon and allow-list, which happens once per process: the
// issue's target is under 20 ms.
func BenchmarkBuildTables(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := engine.Compile(engine.BuiltinLexicon(), engine.BuiltinAllowList()); err != nil {
			b.Fatal(err)
		}
	}
}
