package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUnifiedDiff(t *testing.T) {
	lines := func(n int, edit map[int]string) string {
		var b strings.Builder
		for i := 1; i <= n; i++ {
			if s, ok := edit[i]; ok {
				if s != "" {
					b.WriteString(s + "\n")
				}
				continue
			}
			b.WriteString("line " + string(rune('a'+i-1)) + "\n")
		}
		return b.String()
	}
	for _, tc := range []struct {
		name string
		a, b string
		want string
	}{
		{"equal", "x\n", "x\n", ""},
		{"from nothing", "", "a\nb\n", "--- A\n+++ B\n@@ -0,0 +1,2 @@\n+a\n+b\n"},
		{"to nothing", "a\nb\n", "", "--- A\n+++ B\n@@ -1,2 +0,0 @@\n-a\n-b\n"},
		{"one line changed in the middle", lines(9, nil), lines(9, map[int]string{5: "new"}),
			"--- A\n+++ B\n@@ -2,7 +2,7 @@\n line b\n line c\n line d\n-line e\n+new\n line f\n line g\n line h\n"},
		{"two changes far apart: two hunks", lines(20, nil), lines(20, map[int]string{2: "two", 18: "eighteen"}),
			"--- A\n+++ B\n@@ -1,5 +1,5 @@\n line a\n-line b\n+two\n line c\n line d\n line e\n" +
				"@@ -15,6 +15,6 @@\n line o\n line p\n line q\n-line r\n+eighteen\n line s\n line t\n"},
		{"two changes close: one hunk", lines(12, nil), lines(12, map[int]string{4: "", 8: "eight"}),
			"--- A\n+++ B\n@@ -1,11 +1,10 @@\n line a\n line b\n line c\n-line d\n line e\n line f\n line g\n-line h\n+eight\n line i\n line j\n line k\n"},
		{"no final newline", "a\nb", "a\nc", "--- A\n+++ B\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ (a document does not end with a newline)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, unifiedDiff("A", "B", tc.a, tc.b))
		})
	}
	long := strings.Repeat("x\n", maxDiffLines+1)
	assert.Equal(t, "--- A\n+++ B\n(4001 and 1 lines: too long to compare line by line)\n", unifiedDiff("A", "B", long, "y\n"))
}
