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
