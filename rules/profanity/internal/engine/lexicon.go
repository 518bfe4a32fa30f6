package engine

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

//go:embed words.txt
var wordsTxt string

//go:embed allowlist.txt
var allowTxt string

// Names of severities, categories and modes, as written in words.txt and
// in configuration.
var (
	SeverityNames = [...]string{Mild: "mild", Moderate: "moderate", Severe: "severe"}
	CategoryNames = [...]string{Profanity: "profanity", Sexual: "sexual", Insult: "insult", Slur: "slur", Custom: "custom"}
	ModeNames     = [...]string{Word: "word", Stem: "stem", Anywhere: "anywhere"}
)

func lookupName(names []string, s string) (int, bool) {
	for i, n := range names {
		if n != "" && n == s {
			return i, true
		}
	}
	return 0, false
}

// ParseSeverity parses a severity name.
func ParseSeverity(s string) (Severity, bool) {
	i, ok := lookupName(SeverityNames[:], s)
	return Severity(i), ok
}

// ParseCategory parses a category name.
func ParseCategory(s string) (Category, bool) {
	i, ok := lookupName(CategoryNames[:], s)
	return Category(i), ok
}

// ParseLexicon parses a lexicon in the format of words.txt.
func ParseLexicon(text string) ([]Entry, error) {
	var list []Entry
	for n, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 4 {
			return nil, fmt.Errorf("line %d: want WORD CATEGORY SEVERITY MODE, got %q", n+1, line)
		}
		c, ok1 := ParseCategory(f[1])
		sv, ok2 := ParseSeverity(f[2])
		md, ok3 := lookupName(ModeNames[:], f[3])
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("line %d: bad category, severity or mode in %q", n+1, line)
		}
		list = append(list, Entry{Word: f[0], Category: c, Severity: sv, Mode: Mode(md)})
	}
	return list, nil
}

// ParseWordList parses a list of words, one a line; '#' starts a comment.
func ParseWordList(text string) []string {
	var list []string
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		if w := strings.TrimSpace(line); w != "" {
			list = append(list, w)
		}
	}
	return list
}

// BuiltinLexicon returns the built-in English lexicon (words.txt).
func BuiltinLexicon() []Entry {
	list, err := ParseLexicon(wordsTxt)
	if err != nil {
		panic("profanity: built-in lexicon: " + err.Error())
	}
	return list
}

// BuiltinAllowList returns the generated allow-list (allowlist.txt).
func BuiltinAllowList() []string { return ParseWordList(allowTxt) }

// Default returns the Matcher of the built-in lexicon and allow-list,
// compiled on first use and shared.
var Default = sync.OnceValue(func() *Matcher {
	m, err := Compile(BuiltinLexicon(), BuiltinAllowList())
	if err != nil {
		panic("profanity: built-in lexicon: " + err.Error())
	}
	return m
})
