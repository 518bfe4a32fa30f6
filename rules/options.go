package rules

import (
	"encoding"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/chimeflow/chimeflow/rules/internal/yamlnode"
)

// Options are one rule's options, as written in the configuration file.
// A Factory decodes them into a struct and reports what is wrong with them;
// every problem is kept with its place in the file and reported, together
// with all the others, when the configuration is loaded.
type Options interface {
	// Decode decodes the options into v, a pointer to a struct. Each
	// exported field is an option named by its yaml tag, or else by the
	// field name with a lower-case first letter. Unknown options, values of
	// the wrong type and values a field's UnmarshalText rejects (a bad
	// regular expression, say) are recorded with their line and column;
	// Decode returns ErrBadOptions if any were found, so the factory can
	// stop early.
	Decode(v any) error
	// Errorf records a problem with an option, given by its dotted path
	// ("keywords", "conditions.0.regex"; "" for the rule itself), at that
	// option's place in the file, and returns ErrBadOptions.
	Errorf(option, format string, args ...any) error
	// Stage returns the stage name, for messages.
	Stage() string
}

// ErrBadOptions is returned by Options.Decode and Options.Errorf once a
// problem has been recorded.
var ErrBadOptions = errors.New("rules: bad options")

// Problem is one mistake in a configuration document.
type Problem struct {
	Source string // file name, environment variable, or "<options>"
	Line   int    // 1-based; 0 when unknown
	Column int
	Msg    string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Source + ": " + p.Msg
	}
	return p.Source + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Column) + ": " + p.Msg
}

// ConfigError lists every problem found in a configuration document.
type ConfigError struct {
	Problems []Problem
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rules configuration: %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// problems collects Problems for one document.
type problems struct {
	source string
	list   []Problem
}

func (ps *problems) add(n *yaml.Node, format string, args ...any) {
	p := Problem{Source: ps.source, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	ps.list = append(ps.list, p)
}

// err returns the problems in document order, or nil.
func (ps *problems) err(string) error {
	if len(ps.list) == 0 {
		return nil
	}
	list := slices.Clone(ps.list)
	slices.SortStableFunc(list, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return &ConfigError{Problems: list}
}

// options implements Options over a YAML node.
type options struct {
	stage string
	rule  string
	at    *yaml.Node // the stage entry, for problems with no better place
	node  *yaml.Node // the options mapping; nil when none were given
	errs  *problems
}

func optionsFromDoc(name string, doc []byte) (*options, error) {
	o := &options{stage: name, rule: name, errs: &problems{source: "<options of " + name + ">"}}
	if len(strings.TrimSpace(string(doc))) == 0 {
		return o, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, fmt.Errorf("rules: options of %s: %w", name, err)
	}
	if len(root.Content) > 0 {
		o.node = root.Content[0]
	}
	return o, nil
}

func (o *options) Stage() string { return o.stage }

func (o *options) Decode(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		panic("rules: Options.Decode needs a non-nil pointer")
	}
	before := len(o.errs.list)
	if o.node != nil {
		d := decoder{errs: o.errs, what: "option", prefix: "rule " + o.stage + ": "}
		d.value(o.node, rv.Elem(), "")
	}
	if len(o.errs.list) > before {
		return ErrBadOptions
	}
	return nil
}

func (o *options) Errorf(option, format string, args ...any) error {
	n := o.find(option)
	msg := fmt.Sprintf(format, args...)
	if option != "" {
		msg = "option " + option + ": " + msg
	}
	o.errs.add(n, "rule %s: %s", o.stage, msg)
	return ErrBadOptions
}

// find returns the node of a dotted option path, or the closest ancestor.
func (o *options) find(path string) *yaml.Node {
	n := o.node
	if n == nil {
		return o.at
	}
	if path == "" {
		return n
	}
	parts := strings.Split(path, ".")
	for i := 0; i < len(parts); i++ {
		next := yamlnode.Child(n, parts[i])
		if next == nil {
			// A key may hold dots itself: try the rest of the path as one key.
			if next = yamlnode.Child(n, strings.Join(parts[i:], ".")); next != nil {
				return next
			}
			return n
		}
		n = next
	}
	return n
}

// decoder decodes YAML nodes into Go values strictly, recording every
// problem instead of stopping at the first.
type decoder struct {
	errs   *problems
	what   string // "option" or "field", for messages
	prefix string // e.g. "rule profanity: "
	depth  int    // nesting, bounded so a self-referring alias cannot loop
}

// maxDepth bounds the nesting of a decoded value.
const maxDepth = 64

func (d *decoder) add(n *yaml.Node, format string, args ...any) {
	d.errs.add(n, "%s%s", d.prefix, fmt.Sprintf(format, args...))
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
	nodeType        = reflect.TypeFor[yaml.Node]()
)

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	n = yamlnode.Resolve(n)
	if n == nil {
		return
	}
	if d.depth >= maxDepth {
		d.add(n, "%s: nested more than %d levels deep (does a YAML alias refer to itself?)", d.label(path), maxDepth)
		return
	}
	d.depth++
	defer func() { d.depth-- }()
	t := v.Type()
	if t == nodeType {
		v.Set(reflect.ValueOf(*n))
		return
	}
	if yamlnode.IsNull(n) && (t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Interface) {
		v.SetZero()
		return
	}
	if reflect.PointerTo(t).Implements(textUnmarshaler) && t.Kind() != reflect.Pointer {
		if !d.scalar(n, path, "a string") {
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.add(n, "%s: %v", d.label(path), err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		nv := reflect.New(t.Elem())
		d.value(n, nv.Elem(), path)
		v.Set(nv)
	case reflect.Interface:
		var x any
		if err := n.Decode(&x); err != nil {
			d.add(n, "%s: %v", d.label(path), err)
			return
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.String:
		if d.scalar(n, path, "a string") {
			v.SetString(n.Value)
		}
	case reflect.Bool:
		if d.scalar(n, path, "true or false") {
			b, err := strconv.ParseBool(n.Value)
			if err != nil || n.Tag != "!!bool" {
				d.add(n, "%s: %q is not true or false", d.label(path), n.Value)
				return
			}
			v.SetBool(b)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !d.scalar(n, path, "a number") {
			return
		}
		if t == durationType {
			dur, err := time.ParseDuration(n.Value)
			if err != nil {
				d.add(n, "%s: %q is not a duration like 250ms or 2s", d.label(path), n.Value)
				return
			}
			v.SetInt(int64(dur))
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, t.Bits())
		if err != nil || n.Tag != "!!int" {
			d.add(n, "%s: %q is not a whole number (%d-bit)", d.label(path), n.Value, t.Bits())
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if !d.scalar(n, path, "a number") {
			return
		}
		u, err := strconv.ParseUint(n.Value, 0, t.Bits())
		if err != nil || n.Tag != "!!int" {
			d.add(n, "%s: %q is not a non-negative whole number", d.label(path), n.Value)
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		if !d.scalar(n, path, "a number") {
			return
		}
		f, err := strconv.ParseFloat(n.Value, t.Bits())
		if err != nil || (n.Tag != "!!float" && n.Tag != "!!int") || math.IsNaN(f) {
			d.add(n, "%s: %q is not a number", d.label(path), n.Value)
			return
		}
		v.SetFloat(f)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.add(n, "%s: want a list, got %s", d.label(path), kind(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.value(c, s.Index(i), yamlnode.Join(path, strconv.Itoa(i)))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.add(n, "%s: want a mapping, got %s", d.label(path), kind(n))
			return
		}
		if t.Key().Kind() != reflect.String {
			panic("rules: options maps must have string keys")
		}
		m := reflect.MakeMapWithSize(t, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			ev := reflect.New(t.Elem()).Elem()
			d.value(val, ev, yamlnode.Join(path, k.Value))
			m.SetMapIndex(reflect.ValueOf(k.Value).Convert(t.Key()), ev)
		}
		v.Set(m)
	case reflect.Struct:
		d.structure(n, v, path)
	default:
		panic("rules: cannot decode options into " + t.String())
	}
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.add(n, "%s: want a mapping, got %s", d.label(path), kind(n))
		return
	}
	fields := fieldsOf(v.Type())
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		idx, ok := fields.index[k.Value]
		if !ok {
			d.add(k, "unknown %s %s (known: %s)", d.what, strconv.Quote(yamlnode.Join(path, k.Value)), strings.Join(fields.names, ", "))
			continue
		}
		if seen[k.Value] {
			d.add(k, "%s given twice", d.label(yamlnode.Join(path, k.Value)))
			continue
		}
		seen[k.Value] = true
		d.value(val, v.Field(idx), yamlnode.Join(path, k.Value))
	}
}

// scalar reports whether n is a scalar, recording a problem if not.
func (d *decoder) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind == yaml.ScalarNode {
		return true
	}
	d.add(n, "%s: want %s, got %s", d.label(path), want, kind(n))
	return false
}

func (d *decoder) label(path string) string {
	if path == "" {
		return d.what + "s"
	}
	return d.what + " " + path
}

type structFields struct {
	index map[string]int
	names []string
}

func fieldsOf(t reflect.Type) structFields {
	sf := structFields{index: map[string]int{}}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Tag.Get("yaml")
		if name == "-" {
			continue
		}
		if j := strings.IndexByte(name, ','); j >= 0 {
			name = name[:j]
		}
		if name == "" {
			r, size := utf8.DecodeRuneInString(f.Name)
			name = string(unicode.ToLower(r)) + f.Name[size:]
		}
		sf.index[name] = i
		sf.names = append(sf.names, name)
	}
	return sf
}

func kind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	if n.Tag == "!!null" {
		return "nothing"
	}
	return strconv.Quote(n.Value)
}
