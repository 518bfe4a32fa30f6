// Package metadata is the "metadata" rule: it rewrites a message's metadata
// (the 0-1024 character string clients attach to a message, often a JSON
// object) and can annotate it with what moderation did, for clients to show.
//
// Importing the package registers the rule under the name "metadata":
//
//	import _ "github.com/chimeflow/chimeflow/rules/metadata"
//
// A configuration example; every option is optional, but at least one of
// set, merge, delete and annotate must be given:
//
//	rules:
//	  - rule: metadata
//	    options:
//	      delete: [moderation, debug.trace]   # keys clients may not send
//	      merge:                              # deep merge (JSON Merge Patch)
//	        app: {moderated: true, legacy: null}
//	      set:                                # dotted key path: value
//	        moderation.by: chimeflow
//	        moderation.sender: "{{sender.arn}}"
//	        moderation.edited: "{{message.edited}}"   # true or false
//	      annotate:
//	        key: moderation.result            # default "moderation"
//	        when: acted                       # acted (default) | always
//	      nonJSON: keep                       # keep (default) | wrap | replace
//	      onOverflow: dropAnnotation          # keepOriginal (default) | dropAnnotation | deny
//
// The steps run in the order delete, merge, set, annotate, on the metadata
// as earlier rules left it. Keys keep their order; new keys follow, in
// sorted order (set applies shorter key paths first). The result is written
// as compact JSON, and only when it differs from what was there: metadata
// the rule has nothing to do to is left byte for byte.
//
// String values are templates: {{sender.arn}}, {{sender.name}},
// {{sender.bot}}, {{channel.arn}}, {{subChannel.id}}, {{message.id}},
// {{message.edited}}, {{message.created}}, {{message.lastEdited}},
// {{message.persistence}}, {{message.contentType}} and {{time}} (the time
// of the message, or of its edit, in RFC 3339) are replaced by the
// message's values; {{{{ is a literal {{. A value that is exactly
// {{sender.bot}} or {{message.edited}} becomes JSON true or false. Templates
// are checked when the configuration loads.
//
// The annotation is a JSON object, {"rules":["profanity"],"contentChanged":true}:
// the rules that changed the message before this one, in order, and whether
// the content now differs from what the sender wrote. The annotate step owns
// its key: whatever the sender put there is replaced, or, on a message the
// rule does not annotate, removed, so the annotation cannot be forged.
//
// Metadata that is not a JSON object (plain text, a JSON array) is left
// intact by default. With nonJSON: wrap it becomes a string under wrapKey
// (default "text") of a new object; with nonJSON: replace it is dropped.
// Empty metadata counts as an empty object.
//
// The service limits metadata to 1024 characters. When the result would be
// longer, onOverflow decides: keepOriginal leaves the metadata as it was,
// dropAnnotation tries again without the annotation (and keeps the
// original if that is still too long), deny denies the message. Whichever
// it is, a value the sender put under the annotation's key is removed.
// What the rule writes is as short as JSON allows and escapes the line
// terminators the metadata's pattern refuses; metadata that would still
// not fit the callback is left as it was. The rule never fails.
package metadata

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/internal/jsonstr"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/keypath"
)

// Name is the name the rule is registered under.
const Name = "metadata"

func init() { rules.Register(Name, rules.Define(New)) }

// MaxLength is the most characters (Unicode code points) metadata may
// hold.
const MaxLength = messaging.MaxMetadataLen

// DefaultAnnotationKey is where the annotation goes unless annotate.key
// says otherwise.
const DefaultAnnotationKey = "moderation"

// DefaultWrapKey is the key the original text goes under with nonJSON: wrap.
const DefaultWrapKey = "text"

// Config holds the rule's options; the YAML option names are given in the
// field tags. Values are plain Go values as a JSON or YAML decoder makes
// them: nil, bool, numbers, string (a template), []any and map[string]any
// (maps and slices of other types, and pointers, are accepted too). At
// least one of Set, Merge, Delete and Annotate must be given.
type Config struct {
	// Set maps dotted key paths to values (any JSON value; strings are
	// templates). Objects on the way are created; a value that is not an
	// object on the way is replaced by one.
	Set map[string]any `yaml:"set"`
	// Merge is a JSON object merged into the metadata as a JSON Merge Patch
	// (RFC 7396): objects merge deeply, null deletes a key, anything else
	// replaces. Strings are templates.
	Merge map[string]any `yaml:"merge"`
	// Delete lists dotted key paths to delete.
	Delete []string `yaml:"delete"`
	// Annotate, when given, adds the moderation annotation.
	Annotate *Annotate `yaml:"annotate"`
	// NonJSON says what to do with metadata that is not a JSON object.
	NonJSON NonJSON `yaml:"nonJSON"`
	// WrapKey is the key the original text goes under with nonJSON: wrap.
	WrapKey string `yaml:"wrapKey"`
	// OnOverflow says what to do when the result is over MaxLength.
	OnOverflow Overflow `yaml:"onOverflow"`
}

// Annotate configures the moderation annotation.
type Annotate struct {
	// Key is the dotted key path of the annotation; DefaultAnnotationKey
	// when empty.
	Key string `yaml:"key"`
	// When is "acted" (the default: only when an earlier rule changed the
	// message) or "always".
	When When `yaml:"when"`
}

// NonJSON is what the rule does to metadata that is not a JSON object.
type NonJSON uint8

// NonJSON policies.
const (
	NonJSONKeep    NonJSON = iota // leave it as it is; do nothing
	NonJSONWrap                   // keep it as a string in a new object
	NonJSONReplace                // drop it and start from an empty object
)

var nonJSONNames = []string{"keep", "wrap", "replace"}

// UnmarshalText parses keep, wrap or replace.
func (p *NonJSON) UnmarshalText(b []byte) error {
	i, err := enum(string(b), nonJSONNames)
	*p = NonJSON(i)
	return err
}

// String returns the policy's name.
func (p NonJSON) String() string { return name(int(p), nonJSONNames) }

// Overflow is what the rule does when its result is over MaxLength.
type Overflow uint8

// Overflow policies.
const (
	OverflowKeepOriginal   Overflow = iota // leave the metadata as it was
	OverflowDropAnnotation                 // retry without the annotation
	OverflowDeny                           // deny the message
)

var overflowNames = []string{"keepOriginal", "dropAnnotation", "deny"}

// UnmarshalText parses keepOriginal, dropAnnotation or deny.
func (p *Overflow) UnmarshalText(b []byte) error {
	i, err := enum(string(b), overflowNames)
	*p = Overflow(i)
	return err
}

// String returns the policy's name.
func (p Overflow) String() string { return name(int(p), overflowNames) }

// When says when the annotation is added.
type When uint8

// Annotation policies.
const (
	WhenActed  When = iota // only when an earlier rule changed the message
	WhenAlways             // on every message
)

var whenNames = []string{"acted", "always"}

// UnmarshalText parses acted or always.
func (w *When) UnmarshalText(b []byte) error {
	i, err := enum(string(b), whenNames)
	*w = When(i)
	return err
}

// String returns the policy's name.
func (w When) String() string { return name(int(w), whenNames) }

func enum(s string, names []string) (int, error) {
	for i, n := range names {
		if s == n {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%q is not one of %v", s, names)
}

func name(i int, names []string) string {
	if i < len(names) {
		return names[i]
	}
	return strconv.Itoa(i)
}

// checkEnum reports an enumerated option a Go program set out of range.
func checkEnum(bad *rules.Problems, option string, i int, names []string) {
	if i >= len(names) {
		bad.Add(option, "%d is not one of %v", i, names)
	}
}

// Rule is the compiled metadata rule. It is immutable and safe for
// concurrent use.
type Rule struct {
	deletes    [][]string
	merge      *value
	sets       []setter
	annotate   []string // the annotation's key path; nil for none
	always     bool
	nonJSON    NonJSON
	wrapKey    string
	onOverflow Overflow
}

type setter struct {
	path []string
	val  value
}

// New builds the rule from c, reporting every problem with c by its
// option's path (see rules.Problems).
func New(c Config) (*Rule, error) {
	var bad rules.Problems
	r := &Rule{nonJSON: c.NonJSON, onOverflow: c.OnOverflow, wrapKey: c.WrapKey}
	vc := &valueCompiler{bad: &bad}
	checkEnum(&bad, "nonJSON", int(c.NonJSON), nonJSONNames)
	checkEnum(&bad, "onOverflow", int(c.OnOverflow), overflowNames)

	for i, p := range c.Delete {
		path, err := keypath.Parse(p)
		if err != nil {
			bad.Add("delete."+strconv.Itoa(i), "%v", err)
			continue
		}
		r.deletes = append(r.deletes, path)
	}
	if c.Merge != nil {
		v := vc.compile(c.Merge, "merge", 0)
		r.merge = &v
	}
	for key, val := range c.Set {
		path, err := keypath.Parse(key)
		if err != nil {
			bad.Add("set."+key, "%v", err)
			continue
		}
		r.sets = append(r.sets, setter{path: path, val: vc.compile(val, "set."+key, 0)})
	}
	// Shorter paths first, then in order: a parent is set before its
	// children, and the result does not depend on the order of a map.
	slices.SortFunc(r.sets, func(a, b setter) int {
		return cmp.Or(cmp.Compare(len(a.path), len(b.path)), slices.Compare(a.path, b.path))
	})
	if a := c.Annotate; a != nil {
		key := a.Key
		if key == "" {
			key = DefaultAnnotationKey
		}
		path, err := keypath.Parse(key)
		if err != nil {
			bad.Add("annotate.key", "%v", err)
		}
		checkEnum(&bad, "annotate.when", int(a.When), whenNames)
		r.annotate, r.always = path, a.When == WhenAlways
	}
	switch {
	case c.WrapKey != "" && c.NonJSON != NonJSONWrap:
		bad.Add("wrapKey", "applies only with nonJSON: wrap (nonJSON is %s)", c.NonJSON)
	case c.NonJSON == NonJSONWrap && c.WrapKey == "":
		r.wrapKey = DefaultWrapKey
	}
	if c.Delete == nil && c.Merge == nil && c.Set == nil && c.Annotate == nil {
		bad.Add("", "nothing to do: give at least one of set, merge, delete, annotate")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// Apply rewrites m.Metadata, or denies m when the result would be too long
// and onOverflow is deny.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	annotate := r.annotate != nil && (r.always || len(m.Acted()) > 0)
	out, changed := r.rewrite(m, true, annotate)
	if !changed {
		return processor.Continue, nil
	}
	if n := utf8.RuneCountInString(out); n > MaxLength {
		switch r.onOverflow {
		case OverflowDeny:
			return processor.Deny(fmt.Sprintf("metadata: the rewritten metadata would be %d characters, over the limit of %d", n, MaxLength)), nil
		case OverflowDropAnnotation:
			if annotate {
				out, changed = r.rewrite(m, true, false)
			}
		}
		if !changed || utf8.RuneCountInString(out) > MaxLength {
			// Keep the original, less what the sender put under the
			// annotation's key: removing a key never makes it longer.
			out, changed = r.rewrite(m, false, false)
		}
	}
	if changed && fits(out) {
		m.Metadata = out
	}
	return processor.Continue, nil
}

// fits reports whether metadata the rule wrote may go out in a callback:
// at most MaxLength characters and no line terminator. What the rule
// writes itself is escaped; a value it keeps is kept as it came, and
// metadata with a raw line terminator or an invalid character in it (which
// the processor repairs as it decodes an event) is then left as it was
// rather than made to fail.
func fits(doc string) bool {
	return utf8.RuneCountInString(doc) <= MaxLength && utf8.ValidString(doc) && messaging.LineBreak(doc) < 0
}

// rewrite returns the new metadata and whether it differs from m's: with
// steps, after delete, merge and set; then, when the rule annotates,
// with the annotation (annotate) or without a value the sender put under
// its key.
func (r *Rule) rewrite(m *processor.Message, steps, annotate bool) (string, bool) {
	obj, err := &object{}, error(nil)
	if !isBlank(m.Metadata) {
		obj, err = parseObject([]byte(m.Metadata))
	}
	if err != nil {
		switch {
		case !steps:
			return "", false
		case r.nonJSON == NonJSONWrap:
			obj = &object{}
			obj.set(r.wrapKey, node{raw: jsonstr.Append(nil, m.Metadata)})
		case r.nonJSON == NonJSONReplace:
			obj = &object{}
		default:
			return "", false
		}
	}
	before := obj.appendJSON(nil)
	if steps {
		for _, p := range r.deletes {
			obj.deletePath(p)
		}
		if r.merge != nil {
			r.merge.mergeInto(obj, m)
		}
		for i := range r.sets {
			obj.setPath(r.sets[i].path, r.sets[i].val.node(m))
		}
	}
	switch {
	case annotate:
		obj.setPath(r.annotate, node{raw: annotation(m)})
	case r.annotate != nil:
		obj.deletePath(r.annotate)
	}
	after := obj.appendJSON(make([]byte, 0, len(before)+64))
	if string(after) == string(before) {
		return "", false
	}
	return string(after), true
}

// annotation returns the annotation for m as JSON.
func annotation(m *processor.Message) []byte {
	b := []byte(`{"rules":[`)
	for i, name := range m.Acted() {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonstr.Append(b, name)
	}
	b = append(b, `],"contentChanged":`...)
	b = strconv.AppendBool(b, m.Content != m.Event().ChannelMessage.Content)
	return append(b, '}')
}

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
		default:
			return false
		}
	}
	return true
}
