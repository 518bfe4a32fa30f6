package main

import (
	"fmt"
	"strings"
)

// maxDiffLines bounds the lines of each side unifiedDiff compares (its cost
// is the product of the two counts); a parameter holds at most 8 KB.
const maxDiffLines = 4000

// diffContext is the number of unchanged lines shown around a change.
const diffContext = 3

// unifiedDiff returns the differences between a and b as a unified diff
// with labels from and to, or "" when they are equal.
func unifiedDiff(from, to, a, b string) string {
	if a == b {
		return ""
	}
	x, y := splitLines(a), splitLines(b)
	if len(x) > maxDiffLines || len(y) > maxDiffLines {
		return fmt.Sprintf("--- %s\n+++ %s\n(%d and %d lines: too long to compare line by line)\n", from, to, len(x), len(y))
	}
	ops := editScript(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, to)
	for start := 0; start < len(ops); {
		// Find the next change, and the hunk around it: changes closer
		// than twice the context share a hunk.
		for start < len(ops) && ops[start].kind == ' ' {
			start++
		}
		if start == len(ops) {
			break
		}
		lo := max(start-diffContext, 0)
		end := start
		for i := start; i < len(ops); i++ {
			if ops[i].kind != ' ' {
				end = i + 1
			} else if i-end >= 2*diffContext {
				break
			}
		}
		hi := min(end+diffContext, len(ops))
		ax, ay := ops[lo].x, ops[lo].y
		var na, nb int
		for _, op := range ops[lo:hi] {
			if op.kind != '+' {
				na++
			}
			if op.kind != '-' {
				nb++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(ax, na), hunkRange(ay, nb))
		for _, op := range ops[lo:hi] {
			out.WriteByte(op.kind)
			out.WriteString(op.line)
			out.WriteByte('\n')
		}
		start = hi
	}
	if !strings.HasSuffix(a, "\n") && a != "" || !strings.HasSuffix(b, "\n") && b != "" {
		out.WriteString("\\ (a document does not end with a newline)\n")
	}
	return out.String()
}

// hunkRange formats a hunk's range: its first line (1-based; the line
// before, for an empty range) and its length.
func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// edit is one line of an edit script: ' ' kept, '-' removed, '+' added;
// x and y are the indexes of the line in each side (where it would be).
type edit struct {
	kind byte
	line string
	x, y int
}

// editScript returns a shortest edit script from x to y, from the longest
// common subsequence of their lines.
func editScript(x, y []string) []edit {
	// lcs[i][j] is the length of the LCS of x[i:] and y[j:].
	lcs := make([][]int32, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int32, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []edit
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			ops = append(ops, edit{' ', x[i], i, j})
			i, j = i+1, j+1
		case j < len(y) && (i == len(x) || lcs[i][j+1] > lcs[i+1][j]):
			ops = append(ops, edit{'+', y[j], i, j})
			j++
		default:
			ops = append(ops, edit{'-', x[i], i, j})
			i++
		}
	}
	return ops
}
