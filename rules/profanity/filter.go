package profanity

import (
	"fmt"
	"iter"
	"strings"
	"sync"

	"github.com/chimeflow/chimeflow/rules/profanity/internal/engine"
)

// Severity grades how offensive a word is. The zero value means "unset"
// and stands for Moderate wherever a minimum severity is expected.
type Severity uint8

// Severities, from the least to the most offensive.
const (
	Mild     Severity = Severity(engine.Mild)     // "damn", "crap", "hell"
	Moderate Severity = Severity(engine.Moderate) // "shit", "fuck", "dick"
	Severe   Severity = Severity(engine.Severe)   // slurs, "cunt"
)

// String returns "mild", "moderate" or "severe" ("" for the zero value).
func (s Severity) String() string {
	if int(s) < len(engine.SeverityNames) {
		return engine.SeverityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", uint8(s))
}

// MarshalText encodes the severity by name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes "mild", "moderate" or "severe".
func (s *Severity) UnmarshalText(b []byte) error {
	v, ok := engine.ParseSeverity(string(b))
	if !ok {
		return fmt.Errorf("unknown severity %q (want mild, moderate or severe)", b)
	}
	*s = Severity(v)
	return nil
}

// Category is a kind of offensive word.
type Category string

// Categories. Every word of the built-in lexicon has one of the first four;
// words added by configuration (FilterConfig.ExtraWords) are CategoryCustom.
const (
	CategoryProfanity Category = "profanity" // swearing: "fuck", "shit", "damn"
	CategorySexual    Category = "sexual"    // sexual terms: "cock", "cum", "dildo"
	CategoryInsult    Category = "insult"    // insults: "asshole", "bitch", "wanker"
	CategorySlur      Category = "slur"      // racial, homophobic and other slurs
	CategoryCustom    Category = "custom"    // words added by configuration
)

// UnmarshalText accepts the name of a category.
func (c *Category) UnmarshalText(b []byte) error {
	if _, ok := engine.ParseCategory(string(b)); !ok {
		return fmt.Errorf("unknown category %q (want profanity, sexual, insult, slur or custom)", b)
	}
	*c = Category(b)
	return nil
}

// FilterConfig configures a Filter. The zero FilterConfig is the built-in English
// lexicon at Moderate severity and above, every category.
type FilterConfig struct {
	// MinSeverity is the least severity reported; zero means Moderate.
	MinSeverity Severity
	// Categories restricts the categories reported; empty means all.
	// Words from ExtraWords are reported whatever these two say.
	Categories []Category
	// ExtraWords adds words to the lexicon, as category custom. A plain
	// word matches as a whole word; "word*" also matches it with a common
	// ending ("words", "worded", "wordface"); "*word*" matches it anywhere
	// inside a word. Obfuscated spellings are found as for the built-in
	// words, so list only genuinely different spellings.
	ExtraWords []string
	// AllowWords are innocent words that must never be reported, whatever
	// profane word they contain (a product or place name, say).
	AllowWords []string
}

// ErrBadWord is wrapped by the errors of NewFilter for a word it cannot use.
var ErrBadWord = engine.ErrBadWord

// Filter finds profanity in text. It is immutable and safe for concurrent
// use; a clean text costs no allocation.
type Filter struct {
	m *engine.Matcher
	f engine.Filter
}

// Match is one profane word found in a text.
type Match struct {
	// Start and End locate the match: text[Start:End]. A spaced-out word
	// ("f.u.c.k") includes its separators; a word reversed on screen by a
	// right-to-left override covers the characters it is typed with.
	Start, End int
	// Word is the lexicon word matched, in lower case ("fuck" for "ｆ*ck").
	Word     string
	Category Category
	Severity Severity
}

// NewFilter builds a Filter. Building the built-in lexicon's tables takes
// well under a millisecond and happens once per process, on the first
// call; a FilterConfig with ExtraWords or AllowWords builds its own tables.
func NewFilter(c FilterConfig) (*Filter, error) {
	min := c.MinSeverity
	if min == 0 {
		min = Moderate
	}
	if min > Severe {
		return nil, fmt.Errorf("profanity: minimum severity %d out of range", min)
	}
	f := &Filter{f: engine.Filter{MinSeverity: engine.Severity(min)}}
	if len(c.Categories) == 0 {
		f.f.Categories = engine.AllCategories
	}
	for _, cat := range c.Categories {
		v, ok := engine.ParseCategory(string(cat))
		if !ok {
			return nil, fmt.Errorf("profanity: unknown category %q", cat)
		}
		f.f.Categories |= 1 << v
	}
	if len(c.ExtraWords) == 0 && len(c.AllowWords) == 0 {
		f.m = engine.Default()
		return f, nil
	}
	lex := engine.BuiltinLexicon()
	for _, w := range c.ExtraWords {
		e, err := extraEntry(w)
		if err != nil {
			return nil, err
		}
		lex = append(lex, e)
	}
	m, err := engine.Compile(lex, append(engine.BuiltinAllowList(), c.AllowWords...))
	if err != nil {
		return nil, fmt.Errorf("profanity: %w", err)
	}
	f.m = m
	return f, nil
}

// extraEntry parses a word of FilterConfig.ExtraWords.
func extraEntry(w string) (engine.Entry, error) {
	e := engine.Entry{Category: engine.Custom, Severity: engine.Severe, Mode: engine.Word}
	switch {
	case strings.HasPrefix(w, "*") && strings.HasSuffix(w, "*") && len(w) > 2:
		e.Mode, w = engine.Anywhere, w[1:len(w)-1]
	case strings.HasSuffix(w, "*"):
		e.Mode, w = engine.Stem, w[:len(w)-1]
	}
	if strings.Contains(w, "*") {
		return e, fmt.Errorf("profanity: %w %q: '*' may only end it (word*) or wrap it (*word*)", ErrBadWord, w)
	}
	n, err := engine.NormalizeWord(w)
	if err != nil {
		return e, fmt.Errorf("profanity: %w", err)
	}
	e.Word = n
	return e, nil
}

var defaultFilter = sync.OnceValue(func() *Filter {
	f, err := NewFilter(FilterConfig{})
	if err != nil {
		panic(err) // the built-in lexicon is tested
	}
	return f
})

// Default returns the Filter of the zero FilterConfig: the built-in lexicon at
// Moderate severity and above. It is built on first use.
func Default() *Filter { return defaultFilter() }

// Contains reports whether text holds profanity.
func (f *Filter) Contains(text string) bool { return f.m.Contains(text, f.f) }

// Find returns the first profane word in text.
func (f *Filter) Find(text string) (Match, bool) {
	var found Match
	ok := false
	f.m.Scan(text, f.f, func(m engine.Match) bool {
		found, ok = f.match(m), true
		return false
	})
	return found, ok
}

// All returns the profane words of text, in order.
func (f *Filter) All(text string) iter.Seq[Match] {
	return func(yield func(Match) bool) {
		f.m.Scan(text, f.f, func(m engine.Match) bool { return yield(f.match(m)) })
	}
}

// Mask returns text with every character of every profane word replaced by
// mask, and how many words were masked: its letters, digits and symbols,
// and what was put inside it (markdown markup, underscores, emoji, blank
// letters). Everything else is kept byte for byte: spaces, punctuation and
// line breaks between spaced-out letters, zero-width and bidi characters,
// and all the text around. Each masked character (an emoji sequence
// counts as one) becomes one mask rune, so the text never gets longer in
// characters. A clean text is returned as it is, without allocating.
func (f *Filter) Mask(text string, mask rune) (string, int) {
	return f.m.Mask(text, f.f, mask)
}

func (f *Filter) match(m engine.Match) Match {
	e := f.m.Entry(int(m.Entry))
	return Match{
		Start: m.Start, End: m.End, Word: e.Word,
		Category: Category(engine.CategoryNames[e.Category]),
		Severity: Severity(e.Severity),
	}
}

// Words returns the lexicon of the filter: the built-in words and the
// extra ones, with their category and severity, whether or not the
// filter's FilterConfig reports them.
func (f *Filter) Words() []Match {
	es := f.m.Entries()
	out := make([]Match, len(es))
	for i, e := range es {
		out[i] = Match{Word: e.Word, Category: Category(engine.CategoryNames[e.Category]), Severity: Severity(e.Severity)}
	}
	return out
}
