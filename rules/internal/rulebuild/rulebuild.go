// Package rulebuild makes a rule's two constructors from its one build
// function: New, for Go programs that configure the rule with a Config
// value, and Factory, for the rules registry, which decodes the Config from
// the rule's options in a configuration file.
//
// A build function checks a configuration and builds the rule from it. It
// calls report once for each problem, with the option's dotted path
// ("action", "deny.0") and a message, and returns a rule all the same;
// New and Factory throw that rule away when a problem was reported. So the
// checks are written once, and both kinds of caller see every mistake.
package rulebuild

import (
	"errors"
	"fmt"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

// New builds the rule named rule from c with build. When build reports
// problems, New returns the zero R and an error that joins one error per
// problem, each "RULE: option PATH: MESSAGE", in the order reported.
func New[C, R any](rule string, c C, build func(c C, report func(option, msg string)) R) (R, error) {
	var errs []error
	r := build(c, func(option, msg string) {
		errs = append(errs, fmt.Errorf("%s: option %s: %s", rule, option, msg))
	})
	if len(errs) > 0 {
		var zero R
		return zero, errors.Join(errs...)
	}
	return r, nil
}

// Factory returns the rules.Factory that decodes a rule's options into a
// C and builds the rule with build. A decoding error is returned as it is;
// each problem build reports is recorded with opts.Errorf at its option's
// place in the file, and the factory then returns the error that gives.
func Factory[C any, R processor.Rule](build func(c C, report func(option, msg string)) R) rules.Factory {
	return func(opts rules.Options) (processor.Rule, error) {
		var c C
		if err := opts.Decode(&c); err != nil {
			return nil, err
		}
		var err error
		r := build(c, func(option, msg string) { err = opts.Errorf(option, "%s", msg) })
		if err != nil {
			return nil, err
		}
		return r, nil
	}
}
