// Package rules holds the rule registry and the configuration loader that
// builds pipelines from a YAML (or JSON) document.
//
// Rules register a factory under a name, as database/sql drivers do, usually
// from an init function; a configuration file then picks rules by name:
//
//	func init() { rules.Register("shout", newShout) }
//
// The built-in rules live in sub-packages (profanity, metadata, deny,
// redact, links); importing rules/all registers every one of them.
package rules

import (
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/chimeflow/chimeflow/processor"
)

// Factory builds a rule from its options. It is called once per pipeline
// stage at start-up, never per message. A Factory reports bad options
// through the Options it is given (Decode, Errorf), so that every mistake
// carries its place in the file.
type Factory func(opts Options) (processor.Rule, error)

// The registry is written by init functions and read at start-up; the mutex
// makes late registration (from a test, say) safe too.
var (
	mu        sync.RWMutex
	factories = map[string]Factory{}
)

// Register makes a rule available under name. It panics if name is empty,
// f is nil, or the name is already taken, as sql.Register does: a clash of
// rule names is a programming error to be found at start-up.
func Register(name string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	if name == "" {
		panic("rules: Register with an empty name")
	}
	if f == nil {
		panic("rules: Register " + name + " with a nil factory")
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
// a configuration file's stage, handy in tests.
func New(name string, options []byte) (processor.Rule, error) {
	f, ok := Lookup(name)
	if !ok {
		return nil, fmt.Errorf("rules: unknown rule %q (registered: %v)", name, Names())
	}
	o, err := optionsFromDoc(name, options)
	if err != nil {
		return nil, err
	}
	r, err := build(f, o)
	if perr := o.errs.err(name); perr != nil {
		return nil, perr
	}
	if err != nil {
		return nil, fmt.Errorf("rules: %s: %w", name, err)
	}
	if r == nil {
		return nil, fmt.Errorf("rules: %s: the factory returned no rule", name)
	}
	return r, nil
}

func known(names []string, name string) bool { return slices.Contains(names, name) }
