package redact

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// engineRule returns a rule with every built-in detector, the style and
// the patterns given, built the way the rule's options build it.
func engineRule(style string, patterns ...pattern) *Rule {
	r := &Rule{dets: []int{detCard, detEmail, detPhone}, style: style, mask: '*', patterns: patterns}
	for d, name := range builtinNames {
		r.labels[d] = "[" + name + "]"
	}
	for i := range patterns {
		r.dets = append(r.dets, numBuiltins+i)
	}
	return r
}

// TestRedactMasksWhatWasTyped checks that replacements land on the
// original text: the look-alike characters, the invisible characters
// inside a match and the marks on its last character are replaced;
// everything outside it is kept byte for byte.
func TestRedactMasksWhatWasTyped(t *testing.T) {
	tests := []struct {
		style, in, want string
	}{
		{StyleLabel, "call ４１５\u200b５５５\u200b２６７１.", "call [phone]."},
		{StyleLabel, "\u200bmail jo\u200b＠exam\u00adple．com\u200b!", "\u200bmail [email]\u200b!"},
		{StyleLabel, "card 4\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e31\ufe0f\u20e3 1111 1111 1111\ufe0f\u20e3 ok", "card [card] ok"},
		{StyleLabel, "\u202d4111 1111 1111 1111\u202c", "\u202d[card]\u202c"},
		// Style mask masks digits of every script and keeps separators and
		// invisible characters; e-mail addresses are masked character by
		// character.
		{StyleMask, "call ４１５\u200b５５５\u200b２６７１.", "call ***\u200b***\u200b****."},
		{StyleMask, "+٤٤ ٢٠ ٧٩٤٦ ٠٩٥٨", "+** ** **** ****"},
		{StyleMask, "jo＠ex\u00ada.com", "***********"},
		{StyleMask, "4\u03321\u03321\u03321\u0332 1111 1111 1111", "*\u0332*\u0332*\u0332*\u0332 **** **** ****"},
		{StyleLast4, "card ４１１１－１１１１－１１１１－１１１１", "card ****－****－****－１１１１"},
		{StyleLast4, "card 4111\u200b1111\u200b1111\u200b1\u200b111", "card ****\u200b****\u200b****\u200b1\u200b111"},
	}
	for _, tt := range tests {
		got, changed := engineRule(tt.style).redact(tt.in)
		if got != tt.want || !changed {
			t.Errorf("style %s: redact(%q) = %q, %v; want %q", tt.style, tt.in, got, changed, tt.want)
		}
		if tt.style != StyleLabel && utf8.RuneCountInString(got) != utf8.RuneCountInString(tt.in) {
			t.Errorf("style %s: redact(%q) = %q changes the length", tt.style, tt.in, got)
		}
	}
}

// TestPatternsSeeTheView checks that patterns match in the normalised view
// and that their submatches are taken from it.
func TestPatternsSeeTheView(t *testing.T) {
	emp := pattern{name: "employee-id", re: regexp.MustCompile(`\bEMP-(\d{6})\b`), label: "[employee-id]"}
	withRepl := emp
	withRepl.repl, withRepl.hasRepl, withRepl.expand = "EMP-****$1", true, true
	for _, tt := range []struct {
		p       pattern
		style   string
		in      string
		want    string
		changed bool
	}{
		{emp, StyleLabel, "I am ＥＭＰ－１２３４５６.", "I am [employee-id].", true},
		{emp, StyleLabel, "I am EMP-12\u200b3456.", "I am [employee-id].", true},
		{emp, StyleMask, "I am EMP-12\u200b3456.", "I am ***********.", true},
		{withRepl, StyleLabel, "I am ＥＭＰ－１２３４５６.", "I am EMP-****123456.", true},
		{emp, StyleLabel, "I am EMP-1234567.", "I am EMP-1234567.", false},
	} {
		r := engineRule(tt.style, tt.p)
		r.dets = []int{numBuiltins} // the pattern alone
		got, changed := r.redact(tt.in)
		if got != tt.want || changed != tt.changed {
			t.Errorf("redact(%q) = %q, %v; want %q, %v", tt.in, got, changed, tt.want, tt.changed)
		}
	}
}

// TestFirstGivesOriginalOffsets checks that first, which the deny action
// uses, reports the match in the text's own offsets.
func TestFirstGivesOriginalOffsets(t *testing.T) {
	text := "\u200b\u200bpay ４１１１ １１１１ １１１１ １１１１ now"
	sp, ok := engineRule(StyleLabel).first(text)
	if !ok || sp.det != detCard || text[sp.start:sp.end] != "４１１１ １１１１ １１１１ １１１１" {
		t.Errorf("first(%q) = %+v, %v", text, sp, ok)
	}
}

func TestRedactCleanTextDoesNotAllocate(t *testing.T) {
	r := engineRule(StyleLabel)
	for _, text := range []string{
		strings.Repeat("A clean message: meet at 10:30 on 2024-01-15, order 123456789 costs $1,299.99. ", 10),
		strings.Repeat("Grüße aus München, 東京で会いましょう, до встречи в 10:30! ", 10),
	} {
		if n := testing.AllocsPerRun(50, func() { _, _ = r.redact(text) }); n != 0 {
			t.Errorf("redact allocates %v times on a clean text, want 0", n)
		}
	}
}
