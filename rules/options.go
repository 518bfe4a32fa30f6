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
)

// Problem is one mistake in a configuration document.
type Problem struct {
	Source string // file name, environment variable, or "<options>"
	Line   int    // 1-based; 0 when unknown
	Column int
	Msg    string
}

// String returns "SOURCE:LINE:COLUMN: MSG", or "SOURCE: MSG" when the
// place is unknown.
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

// Error counts the problems and lists them, one a line, in the order of
// the document.
func (e *ConfigError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rules configuration: %d problem(s):", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// MaxValues bounds the size of a configuration document once its YAML
// aliases are expanded: the loader visits at most this many values (every
// mapping, list and scalar, counted again each time an alias repeats it).
// A few hundred bytes of nested aliases can otherwise stand for billions
// of values.
const MaxValues = 100_000

// maxDepth bounds the nesting of a decoded value.
const maxDepth = 64

// document is the state of one document's loading: its problems, and the
// values it may still visit.
type document struct {
	source string
	list   []Problem
	left   int  // values the document may still visit
	over   bool // MaxValues was reached
}

func newDocument(source string) *document { return &document{source: source, left: MaxValues} }

func (doc *document) add(n *yaml.Node, format string, args ...any) {
	p := Problem{Source: doc.source, Msg: fmt.Sprintf(format, args...)}
	if n != nil {
		p.Line, p.Column = n.Line, n.Column
	}
	doc.list = append(doc.list, p)
}

// err returns the problems in document order, or nil.
func (doc *document) err() error {
	if len(doc.list) == 0 {
		return nil
	}
	list := slices.Clone(doc.list)
	slices.SortStableFunc(list, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return &ConfigError{Problems: list}
}

// options are one stage's options: the YAML node they were written as and
// the document they belong to.
type options struct {
	stage string
	at    *yaml.Node // the stage entry, for problems with no better place
	node  *yaml.Node // the options mapping; nil when none were given
	doc   *document
	// failed holds the dotted paths of the options whose values could not
	// be decoded; the problems New reports about them, or about what holds
	// them, are consequences and are not reported.
	failed []string
}

// optionsFromDoc parses a stand-alone options document (see New).
func optionsFromDoc(name string, src []byte) (*options, error) {
	o := &options{stage: name, doc: newDocument("<options of " + name + ">")}
	if len(strings.TrimSpace(string(src))) == 0 {
		return o, nil
	}
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("rules: options of %s: %w", name, err)
	}
	if len(root.Content) > 0 && !isNull(root.Content[0]) {
		o.node = root.Content[0]
	}
	return o, nil
}

// decode decodes the options into v, a pointer, recording every problem.
func (o *options) decode(v any) {
	if o.node == nil {
		return
	}
	d := decoder{doc: o.doc, what: "option", prefix: "rule " + o.stage + ": ", failed: &o.failed}
	d.value(o.node, reflect.ValueOf(v).Elem(), "")
}

// report records a problem that New found with the option at path.
func (o *options) report(path, msg string) {
	if path != "" {
		msg = "option " + path + ": " + msg
	}
	o.doc.add(o.find(path), "rule %s: %s", o.stage, msg)
}

// consequence reports whether a problem at path follows from a value that
// failed to decode: one at that value, or at what holds it.
func (o *options) consequence(path string) bool {
	for _, f := range o.failed {
		if path == "" || f == path || strings.HasPrefix(f, path+".") {
			return true
		}
	}
	return false
}

// find returns the node of a dotted option path, or its closest ancestor
// that is written in the file. Keys may hold dots themselves ("set:
// {audit.by: x}" has the option set.audit.by).
func (o *options) find(path string) *yaml.Node {
	if o.node == nil {
		return o.at
	}
	if path == "" {
		return o.node
	}
	n, _ := descend(o.node, strings.Split(path, "."))
	return n
}

// descend follows the keys parts down from n, joining parts where a key
// holds dots, and returns the deepest node reached and how many parts it
// took.
func descend(n *yaml.Node, parts []string) (*yaml.Node, int) {
	best, used := n, 0
	for j := 1; j <= len(parts); j++ {
		c := child(n, strings.Join(parts[:j], "."))
		if c == nil {
			continue
		}
		if j == len(parts) {
			return c, j
		}
		if m, k := descend(c, parts[j:]); j+k > used {
			best, used = m, j+k
			if used == len(parts) {
				return best, used
			}
		}
		if used < j {
			best, used = c, j
		}
	}
	return best, used
}

// decoder decodes YAML nodes into Go values strictly, recording every
// problem instead of stopping at the first.
type decoder struct {
	doc    *document
	what   string    // "option" or "field", for messages
	prefix string    // e.g. "rule profanity: "
	failed *[]string // where to note the paths of values that failed; nil for none
	open   []*yaml.Node
}

var (
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
	durationType    = reflect.TypeFor[time.Duration]()
	nodePtrType     = reflect.TypeFor[*yaml.Node]()
)

// add records a problem that is not the value's: an unknown or repeated
// key.
func (d *decoder) add(n *yaml.Node, format string, args ...any) {
	d.doc.add(n, "%s%s", d.prefix, fmt.Sprintf(format, args...))
}

// fail records a problem with the value at path, which is left as it was.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.add(n, format, args...)
	if d.failed != nil {
		*d.failed = append(*d.failed, path)
	}
}

// enter resolves n's aliases and counts it against the document's bound;
// it returns nil when n is not to be decoded. A mapping or list that enter
// returns must be left with leave.
func (d *decoder) enter(n *yaml.Node, path string) *yaml.Node {
	if d.doc.over {
		return nil
	}
	alias := n
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return nil
	}
	if d.doc.left--; d.doc.left < 0 {
		d.doc.over = true
		d.fail(alias, path, "the document is too large with its YAML aliases expanded: over %d values (each use of an alias counts its anchor's values again)", MaxValues)
		return nil
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		if slices.Contains(d.open, n) {
			d.fail(alias, path, "%s: alias *%s refers to a value that holds it", d.label(path), alias.Value)
			return nil
		}
		if len(d.open) >= maxDepth {
			d.fail(n, path, "%s: nested more than %d levels deep", d.label(path), maxDepth)
			return nil
		}
		d.open = append(d.open, n)
	}
	return n
}

func (d *decoder) leave(n *yaml.Node) {
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		d.open = d.open[:len(d.open)-1]
	}
}

func (d *decoder) value(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	if t == nodePtrType { // the loader's own schema keeps some nodes as they are
		v.Set(reflect.ValueOf(n))
		return
	}
	if n = d.enter(n, path); n == nil {
		return
	}
	defer d.leave(n)
	if isNull(n) {
		switch {
		case t.Kind() == reflect.Interface:
		case d.what == "option":
			d.fail(n, path, "%s: has no value (give one, or leave the option out)", d.label(path))
		case t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map:
			v.SetZero()
		}
		return
	}
	d.resolved(n, v, path)
}

// resolved decodes n, with its aliases resolved, into v.
func (d *decoder) resolved(n *yaml.Node, v reflect.Value, path string) {
	t := v.Type()
	if reflect.PointerTo(t).Implements(textUnmarshaler) && t.Kind() != reflect.Pointer {
		if !d.scalar(n, path, "a string") {
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			d.fail(n, path, "%s: %v", d.label(path), err)
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		nv := reflect.New(t.Elem())
		d.resolved(n, nv.Elem(), path)
		v.Set(nv)
	case reflect.Interface:
		if t.NumMethod() > 0 {
			panic("rules: cannot decode options into " + t.String())
		}
		if x := d.anyValue(n, path); x != nil {
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
				d.fail(n, path, "%s: %q is not true or false", d.label(path), n.Value)
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
				d.fail(n, path, "%s: %q is not a duration like 250ms or 2s", d.label(path), n.Value)
				return
			}
			v.SetInt(int64(dur))
			return
		}
		i, err := strconv.ParseInt(n.Value, 0, t.Bits())
		if err != nil || n.Tag != "!!int" {
			d.fail(n, path, "%s: %q is not a whole number (%d-bit)", d.label(path), n.Value, t.Bits())
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if !d.scalar(n, path, "a number") {
			return
		}
		u, err := strconv.ParseUint(n.Value, 0, t.Bits())
		if err != nil || n.Tag != "!!int" {
			d.fail(n, path, "%s: %q is not a non-negative whole number", d.label(path), n.Value)
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		if !d.scalar(n, path, "a number") {
			return
		}
		f, err := strconv.ParseFloat(n.Value, t.Bits())
		if err != nil || (n.Tag != "!!float" && n.Tag != "!!int") || math.IsNaN(f) {
			d.fail(n, path, "%s: %q is not a number", d.label(path), n.Value)
			return
		}
		v.SetFloat(f)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "%s: want a list, got %s", d.label(path), kind(n))
			return
		}
		s := reflect.MakeSlice(t, len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.value(c, s.Index(i), joinPath(path, strconv.Itoa(i)))
		}
		v.Set(s)
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "%s: want a mapping, got %s", d.label(path), kind(n))
			return
		}
		if t.Key().Kind() != reflect.String {
			panic("rules: options maps must have string keys")
		}
		m := reflect.MakeMapWithSize(t, len(n.Content)/2)
		d.mapping(n, path, func(key string, val *yaml.Node, at string) {
			ev := reflect.New(t.Elem()).Elem()
			d.value(val, ev, at)
			m.SetMapIndex(reflect.ValueOf(key).Convert(t.Key()), ev)
		})
		v.Set(m)
	case reflect.Struct:
		d.structure(n, v, path)
	default:
		panic("rules: cannot decode options into " + t.String())
	}
}

// mapping calls fn for each key of the mapping n, reporting keys that are
// not plain strings and keys given twice.
func (d *decoder) mapping(n *yaml.Node, path string, fn func(key string, val *yaml.Node, at string)) {
	seen := make(map[string]bool, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := resolve(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
			d.fail(n.Content[i], path, "%s: keys must be plain strings", d.label(path))
			continue
		}
		at := joinPath(path, k.Value)
		if seen[k.Value] {
			d.add(k, "%s given twice", d.label(at))
			continue
		}
		seen[k.Value] = true
		fn(k.Value, n.Content[i+1], at)
	}
}

// anyValue decodes n as a plain Go value: nil, bool, int, int64, uint64,
// float64, string, []any or map[string]any. Aliases are expanded here,
// under the document's bound, rather than by the YAML package.
func (d *decoder) anyValue(n *yaml.Node, path string) any {
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		d.mapping(n, path, func(key string, val *yaml.Node, at string) {
			if c := d.enter(val, at); c != nil {
				m[key] = d.anyValue(c, at)
				d.leave(c)
			}
		})
		return m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			at := joinPath(path, strconv.Itoa(i))
			if c := d.enter(item, at); c != nil {
				s = append(s, d.anyValue(c, at))
				d.leave(c)
			}
		}
		return s
	}
	switch n.Tag {
	case "!!null":
		return nil
	case "!!bool", "!!int", "!!float":
		var x any
		if err := n.Decode(&x); err != nil { // a scalar: no alias to expand
			d.fail(n, path, "%s: %q is not a %s", d.label(path), n.Value, strings.TrimPrefix(n.Tag, "!!"))
			return nil
		}
		return x
	}
	return n.Value // strings, and timestamps or binary as written
}

func (d *decoder) structure(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "%s: want a mapping, got %s", d.label(path), kind(n))
		return
	}
	fields := fieldsOf(v.Type())
	d.mapping(n, path, func(key string, val *yaml.Node, at string) {
		idx, ok := fields.index[key]
		switch {
		case ok:
			d.value(val, v.Field(idx), at)
		case len(fields.names) == 0:
			d.fail(keyNode(n, key), at, "unknown %s %s (there are none)", d.what, strconv.Quote(at))
		default: // most likely a misspelt option: what New says of what holds it follows from that
			d.fail(keyNode(n, key), at, "unknown %s %s (known: %s)", d.what, strconv.Quote(at), strings.Join(fields.names, ", "))
		}
	})
}

// keyNode returns the node of key in the mapping n.
func keyNode(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := resolve(n.Content[i]); k != nil && k.Value == key {
			return k
		}
	}
	return n
}

// scalar reports whether n is a scalar, recording a problem if not.
func (d *decoder) scalar(n *yaml.Node, path, want string) bool {
	if n.Kind == yaml.ScalarNode {
		return true
	}
	d.fail(n, path, "%s: want %s, got %s", d.label(path), want, kind(n))
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

// resolve follows aliases to the node they stand for.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// child returns the value of a mapping's key, or the item of a list at the
// index key, or nil; aliases are followed.
func child(n *yaml.Node, key string) *yaml.Node {
	n = resolve(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := resolve(n.Content[i]); k != nil && k.Value == key {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}

// isNull reports whether n is YAML's null.
func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// errNoRule is reported when New returns neither a rule nor an error.
var errNoRule = errors.New("its New function returned no rule")
