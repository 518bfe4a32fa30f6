// Package ellipsis shortens the texts a rule rewrote to fit the callback's
// limits, which count characters: a push notification's title and body
// (messaging.MaxPushTitleLen, messaging.MaxPushBodyLen), into which a
// rule's replacement text may not fit.
package ellipsis

import "unicode/utf8"

// Shorten returns s if it has at most limit characters (code points), and
// otherwise its first limit-1 characters followed by "…", limit
// characters in all. It never splits a character. limit must be 1 or
// more; Shorten returns s unchanged for a smaller one.
func Shorten(s string, limit int) string {
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	n := 0
	for i := range s {
		if n == limit-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
