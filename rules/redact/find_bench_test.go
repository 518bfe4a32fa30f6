package redact

import (
	"strings"
	"testing"
)

// fill repeats unit up to about 4 KB, the most a message holds.
func fill(unit string) string {
	return strings.Repeat(unit, 4096/len(unit))
}

// BenchmarkFind measures Find on ordinary messages and on 4 KB texts made
// to be slow: digits and separators in every arrangement the detectors
// scan, invisible characters between digits, full-width digits.
func BenchmarkFind(b *testing.B) {
	for _, bc := range []struct{ name, text string }{
		{"clean", fill("meet at 10:30 on 2024-05-01, order 123456789 costs $1,299.99 (v1.2.3). ")},
		{"dirty", fill("jo@example.com +44 20 7946 0958 4111 1111 1111 1111 ")},
		{"prose-unicode", fill("Встреча в 10:30, заказ № 123456789 — 1 299,99 ₽. 会议在十点半。مرحبا ١٢٣ ")},
		{"digits", fill("0123456789")},
		{"digit-space", fill("1 ")},
		{"digit4-space", fill("4 ")},
		{"digit-hyphen", fill("1-")},
		{"digit-dot", fill("1.")},
		{"pairs", fill("12 ")},
		{"pairs-hyphen", fill("42-")},
		{"fours", fill("4111 ")},
		{"mixed-separators", fill("12 34-56.78/90_")},
		{"plus", fill("+1 ")},
		{"parens", fill("(1)")},
		{"zero-width", fill("1\u200b")},
		{"zero-width-groups", fill("415\u200b555\u200b")},
		{"full-width", fill("４１１１　")},
		{"at-signs", fill("a@b.c ")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				Find(bc.text)
			}
		})
	}
}
