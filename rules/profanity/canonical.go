package profanity

import "github.com/chimeflow/chimeflow/rules/profanity/internal/engine"

// AppendCanonical appends to dst text as the filter reads it, reduced to a
// canonical form that other rules can compare: one lower-case letter per
// character, with case, diacritics, compatibility forms (fullwidth,
// mathematical letters), look-alike letters of other scripts and leetspeak
// (a digit next to a letter, '@' or '$' in a word) read as the letters
// they stand for; invisible characters, spacing, punctuation and masking
// symbols dropped; numbers, letters of other scripts and pictographs kept;
// repeated letters collapsed. "B.U.Y  N0W !!!" and "buy now" have the same
// canonical form; "ticket 1001" and "ticket 1011" do not. The repeat rule
// compares messages by it.
func AppendCanonical(dst []byte, text string) []byte { return engine.AppendCanonical(dst, text) }
