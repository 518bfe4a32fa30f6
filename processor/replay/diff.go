package replay

import (
	"errors"
	"strings"
)

// Diff returns a line diff of two reports in their golden form: lines only
// in want start with "-", lines only in got with "+".
func Diff(want, got *Report) string {
	w, errW := goldenBytes(*want)
	g, errG := goldenBytes(*got)
	if errW != nil || errG != nil {
		return "cannot encode the reports: " + errors.Join(errW, errG).Error() + "\n"
	}
	return diffLines(strings.Split(string(w), "\n"), strings.Split(string(g), "\n"))
}

// diffLines is a longest-common-subsequence diff; reports are small.
func diffLines(a, b []string) string {
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var sb strings.Builder
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			i, j = i+1, j+1
		case j < len(b) && (i == len(a) || lcs[i][j+1] >= lcs[i+1][j]):
			sb.WriteString("+ " + b[j] + "\n")
			j++
		default:
			sb.WriteString("- " + a[i] + "\n")
			i++
		}
	}
	return sb.String()
}
