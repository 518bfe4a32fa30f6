package redact

import (
	"context"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
)

func BenchmarkApply(b *testing.B) {
	clean := strings.Repeat("A plain chat message: meet at 10:30 on 2024-05-01, order 123456789 costs $1,299.99. ", 6)
	dirty := clean + "Mail jo@example.com, call +44 20 7946 0958 or (415) 555-2671, card 4111 1111 1111 1111."
	for _, bc := range []struct{ name, options, content string }{
		{"label/clean", "", clean},
		{"label/dirty", "", dirty},
		{"mask/dirty", "style: mask", dirty},
		{"deny/clean", "action: deny", clean},
		{"patterns/clean", `patterns: [{name: id, regex: '\bEMP-\d{6}\b'}, {name: key, regex: 'sk_live_\w+'}]`, clean},
		{"patterns/dirty", `patterns: [{name: id, regex: '\bEMP-\d{6}\b'}]`, dirty + " EMP-123456"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ruletest.BenchApply(b, processortest.NewRule(b, Name, bc.options), bc.content)
		})
	}
}

func BenchmarkMetadata(b *testing.B) {
	ctx := context.Background()
	doc := `{"profile": {"email": "jo@example.com", "tel": ["020 7946 0958"]}, "theme": "dark", "n": [1, 2, 3]}`
	r := processortest.NewRule(b, Name, "scope: {metadata: [profile]}")
	m := newMessage(msg{content: "x", metadata: doc})
	b.ReportAllocs()
	for b.Loop() {
		m.Metadata = doc
		if _, err := r.Apply(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFind(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"clean", strings.Repeat("meet at 10:30 on 2024-05-01, order 123456789 costs $1,299.99 (v1.2.3). ", 8)},
		{"dirty", strings.Repeat("jo@example.com +44 20 7946 0958 4111 1111 1111 1111 ", 8)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				f := finder{r: builtins, s: bc.text}
				for pos := 0; ; {
					sp, ok := f.next(pos)
					if !ok {
						break
					}
					pos = sp.end
				}
			}
		})
	}
}
