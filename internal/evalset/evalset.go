// Package evalset reads the labelled profanity evaluation set
// (testdata/profanity/eval.tsv) that the profanity rule's accuracy test and
// the peer comparison in bench/ both score filters on.
package evalset

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// Item is one labelled message.
type Item struct {
	Profane  bool   // the label: profane or clean
	Category string // the obfuscation technique or innocent category
	Text     string
}

// Load reads a set: one "profane|clean<TAB>category<TAB>text" line per
// message; empty lines and lines starting with # are skipped.
func Load(path string) ([]Item, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var items []Item
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		p := strings.SplitN(line, "\t", 3)
		if len(p) != 3 || (p[0] != "profane" && p[0] != "clean") {
			return nil, fmt.Errorf("%s:%d: want profane|clean<TAB>category<TAB>text, got %q", path, n, line)
		}
		items = append(items, Item{Profane: p[0] == "profane", Category: p[1], Text: p[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return items, nil
}
