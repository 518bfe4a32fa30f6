package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Problems collects the mistakes a rule's New function finds in its
// configuration, each with the dotted path of its option, so that New
// reports every mistake at once. The zero value is ready to use:
//
//	var bad rules.Problems
//	if utf8.RuneCountInString(c.MaskChar) > 1 {
//		bad.Add("maskChar", "%q is not one character", c.MaskChar)
//	}
//	if err := bad.Err(); err != nil {
//		return nil, err
//	}
//
// When the rule is built from a configuration file, the host finds the
// *OptionsError that Err returns and reports each problem at its option's
// line and column; a Go caller sees "option maskChar: ...".
type Problems struct {
	list []OptionProblem
}

// OptionProblem is one mistake in a rule's options.
type OptionProblem struct {
	// Option is the dotted path of the option: "maskChar", "any.0.regex",
	// "scope.metadata.2"; "" for the options as a whole. Keys and list
	// indexes are joined with dots as written in the configuration.
	Option string
	// Msg says what is wrong.
	Msg string
}

// String returns "option PATH: MSG", or MSG alone for the options as a
// whole.
func (p OptionProblem) String() string {
	if p.Option == "" {
		return p.Msg
	}
	return "option " + p.Option + ": " + p.Msg
}

// Add records a problem with the option at the dotted path option ("" for
// the options as a whole); format and args make its message, as in
// fmt.Sprintf.
func (ps *Problems) Add(option, format string, args ...any) {
	ps.list = append(ps.list, OptionProblem{Option: option, Msg: fmt.Sprintf(format, args...)})
}

// AddError records err as a problem with option. The problems of an
// *OptionsError inside err are recorded one by one, their paths put under
// option, so that a checked part of a configuration (a Scope, say) reports
// at the right places. A nil err records nothing.
func (ps *Problems) AddError(option string, err error) {
	if err == nil {
		return
	}
	var oe *OptionsError
	if !errors.As(err, &oe) {
		ps.Add(option, "%v", err)
		return
	}
	for _, p := range oe.Problems {
		ps.list = append(ps.list, OptionProblem{Option: joinPath(option, p.Option), Msg: p.Msg})
	}
}

// Len returns the number of problems recorded so far.
func (ps *Problems) Len() int { return len(ps.list) }

// Err returns an *OptionsError listing the problems in the order they were
// recorded, or nil when there are none.
func (ps *Problems) Err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &OptionsError{Problems: slices.Clone(ps.list)}
}

// OptionsError is the error of a rule's New function for a configuration
// with mistakes: every problem, each with its option's dotted path. The
// host that loads a configuration file finds it with errors.As and reports
// each problem at its option's line and column.
type OptionsError struct {
	Problems []OptionProblem
}

// Error lists the problems, one a line.
func (e *OptionsError) Error() string {
	var b strings.Builder
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// joinPath appends key (a map key or a list index) to a dotted option path.
func joinPath(path, key string) string {
	switch {
	case path == "":
		return key
	case key == "":
		return path
	}
	return path + "." + key
}
