// Package rules holds the rule contract, the registry of rules and the
// configuration loader that builds pipelines from a YAML (or JSON)
// document.
//
// # The rule contract
//
// A rule is a package with a Config struct, the rule's options, and a New
// function that checks a Config and builds the rule; the zero Config is
// the rule's default configuration. The package registers the rule by
// name, as database/sql drivers do:
//
//	type Config struct {
//		Words []string `yaml:"words"` // the words to upper-case
//	}
//
//	func New(c Config) (*Rule, error) {
//		var bad rules.Problems
//		if len(c.Words) == 0 {
//			bad.Add("words", "give at least one word")
//		}
//		if err := bad.Err(); err != nil {
//			return nil, err
//		}
//		return &Rule{words: c.Words}, nil
//	}
//
//	func init() { rules.Register("shout", rules.Define(New)) }
//
// A configuration file then picks the rule by name. The loader decodes the
// stage's options into a Config strictly (every unknown option, wrong type
// and bad value is reported with its line and column, all at once) and
// calls New, which reports each problem it finds by the option's dotted
// path with Problems; the loader places each at its option in the file.
// A Go program calls New with a Config it builds: the two paths accept
// exactly the same configurations, checked once, in New.
//
// Rules that read or rewrite message text take a Scope, the "scope"
// option, and walk the texts it covers with the Texts it compiles to.
// Regular expressions in options are compiled with CompileRegexp, which
// bounds their cost.
//
// The built-in rules live in sub-packages (profanity, metadata, deny,
// redact, links, mentions, toxicity, pii, and the stateful ratelimit,
// repeat and escalation); importing one registers it, and importing rules/all
// registers every one of them. This package registers none.
//
// Stateful rules (processor.StatefulRule) keep state that every container
// shares; they get their store from the Host that Config.Provision gives
// them, after parsing and before any message.
package rules

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/chimeflow/chimeflow/processor"
)

// Factory builds a rule from the options a configuration gives it, once
// per pipeline stage at start-up, never per message. Make one with Define;
// the zero Factory is not one.
type Factory struct {
	build func(o *options) (processor.Rule, error)
}

// Define returns the Factory of a rule whose New function is newRule. The
// factory decodes a stage's options into a zero C and calls newRule with
// it, once per stage, at start-up.
//
// C is a struct whose exported fields are the options, each named by its
// yaml tag, or else by the field's name with a lower-case first letter.
// A field may be a string, a bool, a number, a time.Duration ("250ms"), an
// encoding.TextUnmarshaler, a slice, a map with string keys, a struct, a
// pointer to any of these (nil when the option is not given), or an any
// (decoded as nil, bool, int, float64, string, []any or map[string]any).
// Unknown options, values of the wrong type, values UnmarshalText refuses
// and options given with no value are reported with their line and column.
// Problems that newRule reports in an *OptionsError (see Problems) are
// placed at their options in the file; any other error is reported at the
// stage's options as a whole.
//
// When some options could not be decoded, the factory still calls newRule,
// with those options left as they were in the zero C, so that every
// mistake is reported at once; the problems newRule then reports about an
// option that failed to decode or is unknown (most likely misspelt), or
// about what holds it, are taken for consequences and dropped.
func Define[C any, R processor.Rule](newRule func(C) (R, error)) Factory {
	if newRule == nil {
		panic("rules: Define with a nil New function")
	}
	return Factory{build: func(o *options) (processor.Rule, error) {
		var c C
		o.decode(&c)
		if o.doc.over {
			return nil, nil // nothing more is reported once the document is over its bound
		}
		r, err := newRule(c)
		if err != nil {
			return nil, err
		}
		if v := reflect.ValueOf(r); !v.IsValid() || (v.Kind() == reflect.Pointer || v.Kind() == reflect.Func || v.Kind() == reflect.Interface) && v.IsNil() {
			return nil, errNoRule
		}
		return r, nil
	}}
}

// The registry is written by init functions and read at start-up; the mutex
// makes late registration (from a test, say) safe too.
var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a rule available under name. It panics if name is empty,
// f was not made by Define, or the name is already taken, as sql.Register
// does: a clash of rule names is a programming error to be found at
// start-up.
func Register(name string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if name == "" {
		panic("rules: Register with an empty name")
	}
	if f.build == nil {
		panic("rules: Register " + name + " with a zero Factory (make one with Define)")
	}
	if _, dup := factories[name]; dup {
		panic("rules: Register called twice for rule " + name)
	}
	factories[name] = f
}

// Names returns the registered rule names, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	names := make([]string, 0, len(factories))
	for n := range factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the factory registered under name.
func Lookup(name string) (Factory, bool) {
	mu.RLock()
	defer mu.RUnlock()
	f, ok := factories[name]
	return f, ok
}

// New builds the rule registered under name from options given as a YAML
// or JSON document (nil or empty for none). It is the programmatic twin of
// a configuration file's stage, handy in tests; its problems come as a
// *ConfigError.
func New(name string, options []byte) (processor.Rule, error) {
	f, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("rules: %s", unknownRule(name, Names()))
	}
	o, err := optionsFromDoc(name, options)
	if err != nil {
		return nil, err
	}
	r := o.build(f)
	if err := o.doc.err(); err != nil {
		return nil, err
	}
	return r, nil
}

// build builds the rule of a stage with f, recording every problem in the
// stage's document; it returns nil if there was any.
func (o *options) build(f Factory) processor.Rule {
	before := len(o.doc.list)
	r, err := callFactory(f, o)
	var problems *OptionsError
	switch {
	case err == nil:
	case errors.As(err, &problems):
		for _, p := range problems.Problems {
			if !o.consequence(p.Option) { // a consequence of a problem the decoder reported
				o.report(p.Option, p.Msg)
			}
		}
	default:
		o.report("", err.Error())
	}
	if len(o.doc.list) > before || err != nil || o.doc.over {
		return nil
	}
	if r == nil {
		o.doc.add(o.find(""), "rule %s: %v", o.stage, errNoRule)
	}
	return r
}

// callFactory calls f, turning a panic into an error.
func callFactory(f Factory, o *options) (r processor.Rule, err error) {
	defer func() {
		if v := recover(); v != nil {
			r, err = nil, fmt.Errorf("factory panicked: %v", v)
		}
	}()
	return f.build(o)
}

// builtins are the rules of this module, each in the package of its name
// under rules/.
var builtins = []string{"deny", "escalation", "links", "mentions", "metadata", "pii", "profanity", "ratelimit", "redact", "repeat", "toxicity"}

// modulePath is the import path of this package.
const modulePath = "github.com/chimeflow/chimeflow/rules"

// unknownRule says that no rule is registered under name: what to import
// for a built-in rule, else which rules there are.
func unknownRule(name string, registered []string) string {
	if slices.Contains(builtins, name) {
		return fmt.Sprintf("rule %q is built in but not registered in this program: add import _ %q (or _ %q for every built-in rule)",
			name, modulePath+"/"+name, modulePath+"/all")
	}
	return fmt.Sprintf("unknown rule %q (registered: %s)", name, strings.Join(registered, ", "))
}
