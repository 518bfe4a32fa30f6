package deny

import (
	"slices"
	"sort"
	"unicode"
	"unicode/utf8"
)

// keywordSet finds words and phrases in content, case-insensitively and
// as whole words. The keywords are kept in a trie over their case-folded
// runes, so the cost of a search depends on the length of the content and
// of the longest keyword, not on the number of keywords.
type keywordSet struct {
	texts []string   // as configured, for reasons
	nodes []trieNode // nodes[0] is the root
}

type trieNode struct {
	edges []trieEdge // sorted by rune
	kw    int        // index of the keyword that ends here, or -1
}

type trieEdge struct {
	r    rune
	next int32
}

func newKeywordSet(texts []string) *keywordSet {
	ks := &keywordSet{texts: texts, nodes: []trieNode{{kw: -1}}}
	for i, t := range texts {
		n := 0
		for _, r := range t {
			n = ks.add(n, fold(r))
		}
		if ks.nodes[n].kw < 0 {
			ks.nodes[n].kw = i
		}
	}
	return ks
}

// add returns the child of node n for rune r, adding it if need be.
func (ks *keywordSet) add(n int, r rune) int {
	edges := ks.nodes[n].edges
	i := sort.Search(len(edges), func(i int) bool { return edges[i].r >= r })
	if i < len(edges) && edges[i].r == r {
		return int(edges[i].next)
	}
	next := len(ks.nodes)
	ks.nodes = append(ks.nodes, trieNode{kw: -1})
	edges = slices.Insert(edges, i, trieEdge{r: r, next: int32(next)})
	ks.nodes[n].edges = edges
	return next
}

// child returns the child of node n for rune r, or -1.
func (ks *keywordSet) child(n int, r rune) int {
	edges := ks.nodes[n].edges
	lo, hi := 0, len(edges)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if edges[mid].r < r {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo < len(edges) && edges[lo].r == r {
		return int(edges[lo].next)
	}
	return -1
}

// find returns the index of a keyword found in s as a whole word, or -1:
// the shortest one at the earliest place. It does not allocate.
func (ks *keywordSet) find(s string) int {
	prevWord := false
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !prevWord {
			if k := ks.at(s, i); k >= 0 {
				return k
			}
		}
		prevWord = isWord(r)
		i += size
	}
	return -1
}

// at returns the shortest keyword at s[i:] that is followed by the end of
// s or by something that is not part of a word, or -1.
func (ks *keywordSet) at(s string, i int) int {
	n := 0
	for {
		if k := ks.nodes[n].kw; k >= 0 && n != 0 {
			if i == len(s) {
				return k
			}
			if r, _ := utf8.DecodeRuneInString(s[i:]); !isWord(r) {
				return k
			}
		}
		if i == len(s) {
			return -1
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if n = ks.child(n, fold(r)); n < 0 {
			return -1
		}
		i += size
	}
}

// fold maps a rune to the smallest rune that is the same letter in another
// case (its simple case folding orbit), so that two runes are equal
// case-insensitively exactly when their folds are equal.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// isWord reports whether r is part of a word: a letter, a mark, a number
// or an underscore.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r)
}
