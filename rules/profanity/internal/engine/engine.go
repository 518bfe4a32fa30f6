// Package engine is the matcher behind package profanity: a trie of
// profane words walked by a small NFA over normalised text, in one pass,
// with no allocation.
//
// The text is cut into tokens (runs of letters, digits, leetspeak and
// masking symbols, markdown markup and joiners; zero-width and combining
// characters are transparent). Each character at or above U+0080 is
// classified with one two-level table (zz_fold_table.go); letters of
// scripts with no Latin reading (Han, kana, Hangul, Arabic, Devanagari...)
// end a token, so that text in those scripts costs one look-up a
// character. A token only gathers the letters it may stand for until it
// ends; its symbols are built if the quick test finds that some entry can
// be spelt with them.
//
// Each character becomes a symbol: the set of letters it may stand for
// ('1' is i or l, '@' is a or o, Cyrillic 'с' is c where look-alikes count,
// '*' is any letter). Threads start at word starts (or anywhere, for words
// listed as such), follow the trie edges a symbol allows, stay put on a
// repeated letter, pass over markdown markup ('*', '`', '~'), and report a
// word when they reach its end at a boundary its mode accepts. Joiners
// ('_', pictographs, blank letters, a hyphen before a line break) bound the
// pieces of a token, and a thread that started at a piece's start passes
// over them ("f_u_ck", "fu😀ck"). Tokens of a single character separated
// by a few separators (and at most one line break) are joined into one
// word ("f u c k", a word down a column); longer tokens never are, so "hot
// water" is two words. A match inside a longer word is dropped when the
// word is on the allow-list ("cocktail", "Dickens"). A span under a
// right-to-left override is read a second time in display order
// (bidi.go).
package engine

import (
	"errors"
	"fmt"
	"math/bits"
	"sort"
	"strings"
)

// Severity grades a word; higher is worse. Zero is no severity.
type Severity uint8

// Severities.
const (
	Mild     Severity = 1
	Moderate Severity = 2
	Severe   Severity = 3
)

// Category is a kind of word, a bit index into a category set.
type Category uint8

// Categories. Custom marks the words added by configuration.
const (
	Profanity Category = iota
	Sexual
	Insult
	Slur
	Custom
	NumCategories
)

// Mode says where in a word an entry may match.
type Mode uint8

// Modes.
const (
	// Word matches a whole word only.
	Word Mode = iota
	// Stem matches at the start of a word, alone or followed by one of the
	// Endings: "twat", "twats", "twatface", but not "Twatling".
	Stem
	// Anywhere matches anywhere in a word.
	Anywhere
)

// Entry is one word of a lexicon.
type Entry struct {
	Word     string // lower-case a-z
	Category Category
	Severity Severity
	Mode     Mode
}

// node is a trie node. Children are stored contiguously from first, in
// letter order, one per bit of mask.
type node struct {
	mask     uint32 // letters of the children
	first    int32  // index of the first child
	entry    int32  // index of the entry ending here, or -1
	letter   uint8  // the letter of the edge into this node
	anyBelow bool   // an Anywhere entry ends here or below
}

// trie is a compiled word list.
type trie struct {
	nodes []node
}

func (t *trie) child(n *node, letter uint) int32 {
	return n.first + int32(bits.OnesCount32(n.mask&(1<<letter-1)))
}

// buildTrie lays out a trie of words (a-z only, distinct) breadth first.
// mode reports, for word i, whether it is an Anywhere entry.
func buildTrie(words []string, anywhere func(i int) bool) trie {
	type tmp struct {
		kids  [26]int32
		entry int32
		any   bool
	}
	ts := []tmp{{entry: -1}}
	for i, w := range words {
		at := int32(0)
		for j := 0; j < len(w); j++ {
			c := w[j] - 'a'
			if ts[at].kids[c] == 0 {
				ts = append(ts, tmp{entry: -1})
				ts[at].kids[c] = int32(len(ts) - 1)
			}
			at = ts[at].kids[c]
		}
		ts[at].entry = int32(i)
		ts[at].any = anywhere(i)
	}
	// Propagate anyBelow bottom-up: children always have higher temporary
	// indices than their parent, so a reverse sweep suffices.
	for i := len(ts) - 1; i >= 0; i-- {
		for _, k := range ts[i].kids {
			if k != 0 && ts[k].any {
				ts[i].any = true
			}
		}
	}
	// Breadth-first layout so that siblings are contiguous.
	nodes := make([]node, 0, len(ts))
	order := make([]int32, 0, len(ts))
	order = append(order, 0)
	nodes = append(nodes, node{entry: ts[0].entry, letter: 255, anyBelow: ts[0].any})
	for head := 0; head < len(order); head++ {
		t := &ts[order[head]]
		nodes[head].first = int32(len(order))
		for c, k := range t.kids {
			if k == 0 {
				continue
			}
			nodes[head].mask |= 1 << uint(c)
			order = append(order, k)
			nodes = append(nodes, node{entry: ts[k].entry, letter: uint8(c), anyBelow: ts[k].any})
		}
	}
	return trie{nodes: nodes}
}

// Matcher finds the entries of a lexicon in text. It is immutable and safe
// for concurrent use.
type Matcher struct {
	entries []Entry
	words   trie
	allow   trie
	endings trie
	hasAny  uint32 // letters that start an Anywhere entry
	// A token can hold a match only if the letters it may stand for include
	// every letter of some entry: one starting with a letter of its first
	// character, or an Anywhere entry. These are the minimal letter sets of
	// those entries, by first letter and for Anywhere entries.
	startSets [26][]uint32
	anySets   [26][]uint32 // by the rarest letter of the set
	anyKeys   uint32       // letters with anySets
	// second[a] holds the letters that follow a at the start of an entry,
	// and a itself (a repeated letter): a word can start an entry only if
	// its first two characters pass.
	second [26]uint32
}

// rarity orders the letters from the most to the least frequent in English.
const rarity = "etaoinshrdlcumwfgypbvkjxqz"

// rarest returns the rarest letter of a set.
func rarest(set uint32) int {
	for i := len(rarity) - 1; i >= 0; i-- {
		if c := int(rarity[i] - 'a'); set&(1<<uint(c)) != 0 {
			return c
		}
	}
	return 0
}

// letterSet returns the set of the letters of a word.
func letterSet(w string) (m uint32) {
	for i := 0; i < len(w); i++ {
		m |= 1 << uint(w[i]-'a')
	}
	return m
}

// addMinimal adds set to a list of sets, keeping only minimal ones.
func addMinimal(list []uint32, set uint32) []uint32 {
	out := list[:0]
	for _, x := range list {
		if x&set == x {
			return list // a subset is already there
		}
		if x&set != set {
			out = append(out, x) // keep x unless set is a subset of it
		}
	}
	return append(out, set)
}

// mayMatch reports whether a token whose first word character stands for
// the letters in start, its second for those in next, and whose characters
// together stand for those in all, can hold a match.
func (m *Matcher) mayMatch(start, next, all uint32) bool {
	for keys := m.anyKeys & all; keys != 0; keys &= keys - 1 {
		for _, x := range m.anySets[bits.TrailingZeros32(keys)] {
			if x&all == x {
				return true
			}
		}
	}
	for start &= all; start != 0; start &= start - 1 {
		c := bits.TrailingZeros32(start)
		if m.second[c]&next == 0 {
			continue
		}
		for _, x := range m.startSets[c] {
			if x&all == x {
				return true
			}
		}
	}
	return false
}

// ErrBadWord is returned by Compile for a word it cannot use.
var ErrBadWord = errors.New("bad word")

// NormalizeWord folds a word as the matcher folds text (case, compatibility
// forms, diacritics, zero-width characters) and checks that what is left is
// made of the letters a to z only. Leetspeak digits and symbols are kept out
// of words on purpose: the matcher reads them in text, not in word lists.
func NormalizeWord(w string) (string, error) {
	var b strings.Builder
	for _, r := range w {
		if r < 0x80 {
			c := byte(r)
			switch {
			case 'a' <= c && c <= 'z':
				b.WriteByte(c)
			case 'A' <= c && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			default:
				return "", fmt.Errorf("%w %q: only letters are allowed", ErrBadWord, w)
			}
			continue
		}
		if isIgnorable(r) {
			continue
		}
		v, ok := lookupFold(r)
		if !ok || v&foldConfusable != 0 {
			return "", fmt.Errorf("%w %q: %q is not a Latin letter", ErrBadWord, w, r)
		}
		for k := 0; k < 3; k++ {
			c := byte(v >> (8 * k))
			switch {
			case c == 0:
			case 'a' <= c && c <= 'z':
				b.WriteByte(c)
			case 'A' <= c && c <= 'Z':
				b.WriteByte(c + 'a' - 'A')
			default:
				return "", fmt.Errorf("%w %q: %q is not a letter", ErrBadWord, w, r)
			}
		}
	}
	if b.Len() < 2 {
		return "", fmt.Errorf("%w %q: want at least two letters", ErrBadWord, w)
	}
	if b.Len() > maxWordLen {
		return "", fmt.Errorf("%w %q: longer than %d letters", ErrBadWord, w, maxWordLen)
	}
	return b.String(), nil
}

// Endings are what may follow a Stem entry in a word: inflections and the
// usual tails of profane compounds.
var Endings = []string{
	"a", "ass", "bag", "bags", "bait", "brain", "d", "er", "ers", "es", "ed", "face", "faced",
	"faces", "head", "heads", "hole", "holes", "ie", "ier", "ies", "iest", "in", "ing", "ings",
	"ish", "less", "lick", "licker", "lickers", "load", "loads", "ly", "nose", "o", "os", "s",
	"shot", "shots", "stick", "sticks", "sucker", "suckers", "sucking", "tard", "wad", "wads",
	"weed", "weeds", "wit", "wits", "y", "z", "zz",
}

// maxWordLen bounds the words of a lexicon; it keeps the token windows of
// the scanner sound.
const maxWordLen = 30

// Compile builds a Matcher from a lexicon and an allow-list. Words are
// normalised with NormalizeWord. A word listed twice keeps its last entry,
// so configuration can override the built-in lexicon.
func Compile(entries []Entry, allow []string) (*Matcher, error) {
	byWord := make(map[string]int, len(entries))
	var list []Entry
	for _, e := range entries {
		w, err := NormalizeWord(e.Word)
		if err != nil {
			return nil, err
		}
		if e.Severity < Mild || e.Severity > Severe {
			return nil, fmt.Errorf("%w %q: severity %d out of range", ErrBadWord, e.Word, e.Severity)
		}
		if e.Category >= NumCategories || e.Mode > Anywhere {
			return nil, fmt.Errorf("%w %q: bad category or mode", ErrBadWord, e.Word)
		}
		e.Word = w
		if i, dup := byWord[w]; dup {
			list[i] = e
			continue
		}
		byWord[w] = len(list)
		list = append(list, e)
	}
	words := make([]string, len(list))
	for i, e := range list {
		words[i] = e.Word
	}
	m := &Matcher{entries: list}
	m.words = buildTrie(words, func(i int) bool { return list[i].Mode == Anywhere })
	for _, e := range list {
		set := letterSet(e.Word)
		if e.Mode == Anywhere {
			m.hasAny |= 1 << uint(e.Word[0]-'a')
			r := rarest(set)
			m.anySets[r] = addMinimal(m.anySets[r], set)
			m.anyKeys |= 1 << uint(r)
		}
		c := e.Word[0] - 'a'
		m.startSets[c] = addMinimal(m.startSets[c], set)
		m.second[c] |= 1<<c | 1<<(e.Word[1]-'a')
	}

	seen := make(map[string]bool, len(allow))
	aw := make([]string, 0, len(allow))
	for _, a := range allow {
		w, err := NormalizeWord(a)
		if err != nil {
			return nil, fmt.Errorf("allow-list: %w", err)
		}
		if !seen[w] {
			seen[w] = true
			aw = append(aw, w)
		}
	}
	sort.Strings(aw)
	m.allow = buildTrie(aw, func(int) bool { return false })
	m.endings = buildTrie(Endings, func(int) bool { return false })
	return m, nil
}

// Entries returns the compiled lexicon, in the order given to Compile with
// duplicates merged. The slice must not be modified.
func (m *Matcher) Entries() []Entry { return m.entries }

// Entry returns entry i of the lexicon.
func (m *Matcher) Entry(i int) *Entry { return &m.entries[i] }

// Filter selects the entries a scan reports.
type Filter struct {
	// MinSeverity is the least severity reported; Custom entries are
	// reported whatever their severity.
	MinSeverity Severity
	// Categories is a bit set of the categories reported (bit c for
	// Category c); Custom entries are always reported.
	Categories uint32
}

// AllCategories is the category set of every category.
const AllCategories = 1<<NumCategories - 1

func (f Filter) accepts(e *Entry) bool {
	if e.Category == Custom {
		return true
	}
	return e.Severity >= f.MinSeverity && f.Categories&(1<<e.Category) != 0
}

// Match is one occurrence of an entry in the text: the bytes text[Start:End]
// hold it, with the separators of a spaced-out word ("f.u.c.k") between its
// letters.
type Match struct {
	Start, End int
	Entry      int32
	odd        bool  // its stars read as neither markdown nor masks
	wild       uint8 // masking symbols read as letters
}
