// Package profanity is the profanity rule of chimeflow, and the filter
// behind it, usable on its own.
//
// The rule registers itself as "profanity". In a configuration file:
//
//	rules:
//	  - rule: profanity
//	    name: no-slurs
//	    options:
//	      action: deny           # mask | deny | flag
//	      minSeverity: severe    # mild | moderate | severe
//	      categories: [slur]     # profanity | sexual | insult | slur
//	  - rule: profanity          # then mask the rest with '*'
//	    options:
//	      scope: {metadata: [caption], attributes: [subject]}
//
// With the zero options (Config) it masks, in the content and in the
// push notification's title and body (its scope, see rules.Scope), the
// words of the built-in English lexicon of moderate severity and above,
// replacing only their characters: the rest of the message, Unicode
// included, is kept byte for byte.
//
// # Matching
//
// The filter reads text the way people write around filters. It folds
// case, leetspeak with several readings per symbol ('1' is i or l, '@' is a
// or o), repeated letters ("fuuuck"), separators between single letters
// ("f.u.c.k", "f u c k", or one letter a line), masking symbols inside a
// word ("f*ck", "sh#t"), markdown inside a word ("f**u**ck", "f`u`ck"),
// underscores, emoji and blank letters (Hangul fillers, the braille blank)
// inside a word ("f_u_ck", "fu😀ck"), a hyphen before a line break,
// Unicode compatibility forms (fullwidth, mathematical, circled,
// parenthesised and small-capital letters), diacritics and combining
// marks, zero-width, soft-hyphen and bidi characters, a word reversed by a
// right-to-left override, and look-alike letters of other scripts ("fuсk"
// with a Cyrillic с) where a word mixes scripts, or where a whole word is
// written in them and either holds one its script's major languages do
// not use ("ѕһіт") or stands in Latin text: real Cyrillic or Greek text is
// left alone. docs/evasion/profanity.md lists what is caught and what is
// out of scope, with the corpus that holds the filter to it.
//
// It keeps false positives down: short words match only as whole words
// ("ass", not "class" or "assassin"); stems match at the start of a word,
// alone or with a common ending ("twats", "dickhead", not "Dickerman" or
// "hot water" read as one word); separators are skipped only between
// single letters, never across real words ("Scunthorpe" holds no word
// start); and dictionary words that would still read as profane
// ("shiitake", "snigger", "assess" with its repeated "s") are on an
// allow-list generated from Debian's word lists.
//
// The work is one pass over the text, with tables built once per process;
// a clean text costs no allocation; a Filter and a Rule are safe for
// concurrent use. docs/perf/profanity-peers.md compares accuracy
// and speed with other filters.
package profanity
