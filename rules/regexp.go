package rules

import (
	"fmt"
	"regexp"
	"regexp/syntax"
)

// Bounds on the regular expressions of a configuration. Go's RE2 engine
// runs in time linear in the text, but the factor is the size of the
// compiled program: an expression such as (?s)(((.)|(.)|(.)){0,1000})X
// compiles to tens of thousands of instructions and costs more than half a
// second on a 4 KB message. Within these bounds the costliest expression
// takes under 10 ms there, and ordinary ones (keywords, identifiers,
// e-mail shapes) well under one (BenchmarkRegexpCost).
const (
	// MaxRegexpProgram is the most instructions the compiled program of
	// an expression may have.
	MaxRegexpProgram = 500
	// MaxRegexpRepeat is the largest count a counted repetition (x{n},
	// x{n,}, x{n,m}) may give; x*, x+ and x? cost nothing extra.
	MaxRegexpRepeat = 100
)

// CompileRegexp compiles an RE2 regular expression (Go's regexp syntax)
// given in a configuration, and refuses one whose cost per message is over
// the bounds MaxRegexpProgram and MaxRegexpRepeat; the error says which
// bound, and by how much. Rules compile every expression of their options
// with it.
func CompileRegexp(expr string) (*regexp.Regexp, error) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression (RE2 syntax): %w", err)
	}
	if n := maxRepeat(re); n > MaxRegexpRepeat {
		return nil, fmt.Errorf("regular expression too costly: it repeats a part %d times, over the bound of %d (write + or * for an open-ended run)", n, MaxRegexpRepeat)
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, fmt.Errorf("bad regular expression (RE2 syntax): %w", err)
	}
	if n := len(prog.Inst); n > MaxRegexpProgram {
		return nil, fmt.Errorf("regular expression too costly: it compiles to %d instructions, over the bound of %d (each message costs in proportion; use fewer or smaller counted repetitions and alternatives)", n, MaxRegexpProgram)
	}
	return regexp.Compile(expr)
}

// maxRepeat returns the largest count of a counted repetition in re.
func maxRepeat(re *syntax.Regexp) int {
	n := 0
	if re.Op == syntax.OpRepeat {
		n = max(re.Min, re.Max)
	}
	for _, sub := range re.Sub {
		n = max(n, maxRepeat(sub))
	}
	return n
}
