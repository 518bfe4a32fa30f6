package profanity

import (
	"bufio"
	"context"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

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
	r, err := New(Config{})
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

// proseScripts are the scripts of testdata/profanity/prose.tsv, in the
// order the benchmarks report them.
var proseScripts = []string{"ascii", "cyrillic", "greek", "cjk", "hangul", "arabic", "devanagari", "emoji"}

// loadProse returns the clean chat lines of testdata/profanity/prose.tsv by
// script.
func loadProse(t testing.TB) map[string][]string {
	t.Helper()
	f, err := os.Open("../../testdata/profanity/prose.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		script, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("prose.tsv: no tab in %q", line)
		}
		out[script] = append(out[script], text)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// message4K joins lines, round after round, into a message of at most
// 4096 bytes (the limit of a Chime message), cut at a character boundary.
func message4K(lines []string) string {
	var b strings.Builder
	for i := 0; b.Len() < 4096; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(lines[i%len(lines)])
	}
	s := b.String()[:4096]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// BenchmarkScan4K masks a clean 4 KB message of each script, side by side:
// the cost per byte of non-Latin text against ASCII (ns/B), with no
// allocation.
func BenchmarkScan4K(b *testing.B) {
	prose := loadProse(b)
	f := Default()
	for _, script := range proseScripts {
		msg := message4K(prose[script])
		b.Run(script, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				if _, n := f.Mask(msg, '*'); n != 0 {
					b.Fatalf("%s: %d matches in clean prose", script, n)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(msg)), "ns/B")
		})
	}
}

// BenchmarkScan4KAdversarial masks 4 KB messages built to make the
// scanner work hardest with the readings it gained against evasion:
// short right-to-left override spans (each read twice), markup and joiners
// inside every word, and a column of letters; next to them, clean text
// full of emoji and Cyrillic look-alikes.
func BenchmarkScan4KAdversarial(b *testing.B) {
	f := Default()
	for _, c := range []struct{ name, unit string }{
		{"override-spans", "\u202ekc\u202c "},
		{"override-words", "\u202ekcuf tihs\u202c "},
		{"markup", "f**u**c`k` "},
		{"joiners", "f_u😀c\u3164k "},
		{"column", "f\nu\nc\nk\n\n"},
		{"lookalikes", "ѕһіт соск "},
		{"emoji-clean", "👨\u200d👩\u200d👧😀🎉 "},
		{"profane-plain", "fuck sh1t "},
	} {
		msg := message4K([]string{c.unit})
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				f.Mask(msg, '*')
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(msg)), "ns/B")
		})
	}
}
