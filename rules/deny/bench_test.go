package deny_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/deny"
)

// everything uses every kind of condition.
const everything = `
any:
  - sender: ["arn:aws:chime:*:111122223333:app-instance/*/user/spam*", "arn:aws:chime:us-east-1:111122223333:app-instance/x/user/banned"]
  - bot: true
  - channel: ["arn:aws:chime:*:*:app-instance/*/channel/blocked-*"]
  - regex: '(?i)\bcrypto\s*giveaway\b'
  - keywords: [spam, free money, viagra, casino, "straße", мат, bitcoin, lottery, winner, prize]
  - longerThan: 3000
  - metadata: {key: app.priority, value: spam}
  - metadata: {key: app.flags.blocked}
  - attribute: {name: "x-*", regex: '^https?://'}
  - persistence: NON_PERSISTENT
  - contentType: ["application/x-*"]
  - all:
      - channel: ["arn:aws:chime:*:*:app-instance/*/channel/announcements"]
      - not: {sender: ["arn:aws:chime:*:*:app-instance/*/user/admin-*"]}
`

// clean matches none of the conditions of everything.
func clean() *processor.Event {
	return processortest.NewEvent(strings.Repeat("Hello team, the meeting notes are in the shared folder. ", 8),
		processortest.WithMetadata(`{"app":{"priority":"normal","flags":{"pinned":true},"thread":"t-123"},"client":"web"}`),
		processortest.WithAttribute("x-topic", "planning"),
		processortest.WithContentType("text/markdown"))
}

func BenchmarkApply(b *testing.B) {
	r := processortest.NewRule(b, deny.Name, everything)
	ctx := context.Background()
	b.Run("clean", func(b *testing.B) {
		m := processor.NewMessage(clean())
		b.SetBytes(int64(len(m.Content)))
		b.ReportAllocs()
		for b.Loop() {
			if v, _ := r.Apply(ctx, m); v.Deny {
				b.Fatal("denied")
			}
		}
	})
	b.Run("keyword", func(b *testing.B) {
		m := processor.NewMessage(processortest.NewEvent("You are a WINNER, claim your prize"))
		b.ReportAllocs()
		for b.Loop() {
			if v, _ := r.Apply(ctx, m); !v.Deny {
				b.Fatal("not denied")
			}
		}
	})
}

// BenchmarkKeywords measures the keyword test alone over 4 KB of text,
// with 100 keywords.
func BenchmarkKeywords(b *testing.B) {
	var kws []string
	for i := range 100 {
		kws = append(kws, "word"+strings.Repeat("x", i%7)+string(rune('a'+i%26)))
	}
	r := processortest.NewRule(b, deny.Name, `keywords: ["`+strings.Join(kws, `", "`)+`"]`)
	m := processor.NewMessage(processortest.NewEvent(strings.Repeat("Lorem ipsum dolor sit amet, wordy consectetur. ", 85)))
	ctx := context.Background()
	b.SetBytes(int64(len(m.Content)))
	b.ReportAllocs()
	for b.Loop() {
		if v, _ := r.Apply(ctx, m); v.Deny {
			b.Fatal("denied")
		}
	}
}
