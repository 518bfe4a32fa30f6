package profanity_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/chimeflow/chimeflow/rules/profanity"
)

func TestAppendCanonical(t *testing.T) {
	canon := func(s string) string { return string(profanity.AppendCanonical(nil, s)) }
	for _, tc := range []struct{ a, b string }{
		{"Buy now", "buy now"},
		{"buy now", "B U Y   N O W"},
		{"buy now", "b.u.y-n_o_w!!!"},
		{"buy now", "bυy nοw"},                   // Greek upsilon and omicron
		{"buy now", "bиу nоw"},                   // Cyrillic look-alikes
		{"buy now", "ｂｕｙ ｎｏｗ"},                   // fullwidth
		{"buy now", "𝐛𝐮𝐲 𝐧𝐨𝐰"},                   // mathematical bold
		{"buy now", "b\u200bu\u200dy n\u00adow"}, // invisible characters
		{"buy now", "bùý nöw"},                   // diacritics
		{"buy now", "buuuy nooooww"},             // repeated letters
		{"free money", "fr33 m0n3y"},             // leetspeak
		{"free money", "FR€€ M0N€¥"},
		{"win now", "w1n n0w"},
		{"ticket 1001", "ticket  1001!"},
		{"新年快乐", "新年 快乐!"},
	} {
		assert.Equal(t, canon(tc.a), canon(tc.b), "%q vs %q", tc.a, tc.b)
	}
	for _, tc := range []struct{ a, b string }{
		{"buy now", "buy cow"},
		{"新年快乐", "新年好"},
		{"meet at 2", "meet at 3"},
		{"ticket 1001 done", "ticket 1011 done"},
		{"paid 10", "paid 100"},
		{"🔥", "💧"},
	} {
		assert.NotEqual(t, canon(tc.a), canon(tc.b), "%q vs %q", tc.a, tc.b)
	}
	assert.Equal(t, "", canon(" \t\n.,!?\u200b"))
	assert.Equal(t, "", canon("\xff\xfe"), "invalid UTF-8 reads as nothing")
}

func FuzzAppendCanonical(f *testing.F) {
	for _, s := range []string{"buy now", "ｂｕｙ", "f.u.c.k", "\xff", "новый год", "🔥🔥"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := profanity.AppendCanonical(nil, s)
		// Deterministic, and valid UTF-8 whatever the input.
		assert.Equal(t, string(c), string(profanity.AppendCanonical(nil, s)))
		assert.True(t, utf8.Valid(c), "%q", c)
		// Spacing and invisible characters change nothing.
		assert.Equal(t, string(c), string(profanity.AppendCanonical(nil, strings.ReplaceAll(s, " ", " \u200b "))))
		// Never longer than the text, in characters.
		assert.LessOrEqual(t, len([]rune(string(c))), len([]rune(s))*3)
		// Appends, never touches what dst held.
		assert.Equal(t, "x"+string(c), string(profanity.AppendCanonical([]byte("x"), s)))
	})
}
