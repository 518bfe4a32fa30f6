package metadata

import (
	"fmt"
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules/internal/yamlnode"
)

// valueKind says what a configured value is.
type valueKind uint8

const (
	vLiteral  valueKind = iota // fixed JSON text
	vNull                      // null: deletes a key in a merge
	vTemplate                  // a string with placeholders
	vObject
	vArray
)

// value is a JSON value given in the configuration, compiled once: its
// strings are parsed as templates, its mappings keep their key order.
type value struct {
	kind    valueKind
	raw     []byte // vLiteral
	tmpl    template
	members []member // vObject
	items   []value  // vArray
}

type member struct {
	key string
	val value
}

// report records a problem with the option at a dotted path.
type report func(path, format string, args ...any)

// maxValueNodes bounds the size of a configured value, aliases expanded,
// against a document whose aliases multiply ("billion laughs").
const maxValueNodes = 10000

// valueCompiler compiles configured values.
type valueCompiler struct {
	bad      report
	nodes    int              // compiled so far
	visiting map[nodePos]bool // mappings and lists being compiled
}

// nodePos identifies a mapping or list of the document: the decoder hands
// the options over as copies of its nodes, so pointers will not do.
type nodePos struct{ line, column int }

// enter marks a mapping or list as being compiled, reporting false if it
// already is: an alias inside it refers back to it.
func (vc *valueCompiler) enter(n *yaml.Node) bool {
	p := nodePos{n.Line, n.Column}
	if vc.visiting[p] {
		return false
	}
	if vc.visiting == nil {
		vc.visiting = map[nodePos]bool{}
	}
	vc.visiting[p] = true
	return true
}

// compileValue compiles a YAML (or JSON) value.
func (vc *valueCompiler) compileValue(n *yaml.Node, path string) value {
	if vc.nodes++; vc.nodes > maxValueNodes {
		if vc.nodes == maxValueNodes+1 {
			vc.bad(path, "the value is too large (over %d items, aliases expanded)", maxValueNodes)
		}
		return value{kind: vNull}
	}
	alias := ""
	for n.Kind == yaml.AliasNode {
		alias, n = n.Value, n.Alias
	}
	if n.Kind == yaml.MappingNode || n.Kind == yaml.SequenceNode {
		if !vc.enter(n) {
			vc.bad(path, "alias *%s refers to a value that holds it", alias)
			return value{kind: vNull}
		}
		defer delete(vc.visiting, nodePos{n.Line, n.Column})
	}
	bad := vc.bad
	switch n.Kind {
	case yaml.MappingNode:
		v := value{kind: vObject}
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			for k.Kind == yaml.AliasNode {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode || k.Tag == "!!merge" {
				bad(path, "keys must be plain strings")
				continue
			}
			if seen[k.Value] {
				bad(yamlnode.Join(path, k.Value), "key %q given twice", k.Value)
				continue
			}
			seen[k.Value] = true
			v.members = append(v.members, member{key: k.Value, val: vc.compileValue(n.Content[i+1], yamlnode.Join(path, k.Value))})
		}
		return v
	case yaml.SequenceNode:
		v := value{kind: vArray, items: make([]value, 0, len(n.Content))}
		for i, c := range n.Content {
			v.items = append(v.items, vc.compileValue(c, yamlnode.Join(path, strconv.Itoa(i))))
		}
		return v
	case yaml.ScalarNode:
		return compileScalar(n, path, bad)
	}
	bad(path, "want a JSON value")
	return value{kind: vNull}
}

func compileScalar(n *yaml.Node, path string, bad report) value {
	switch n.Tag {
	case "!!null":
		return value{kind: vNull}
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			bad(path, "%q is not true or false", n.Value)
		}
		return value{raw: strconv.AppendBool(nil, b)}
	case "!!int":
		var x any
		if err := n.Decode(&x); err != nil {
			bad(path, "%q is not a number", n.Value)
			return value{kind: vNull}
		}
		switch x := x.(type) {
		case int:
			return value{raw: strconv.AppendInt(nil, int64(x), 10)}
		case int64:
			return value{raw: strconv.AppendInt(nil, x, 10)}
		case uint64:
			return value{raw: strconv.AppendUint(nil, x, 10)}
		case float64:
			return floatValue(x, n, path, bad)
		}
		bad(path, "%q is not a number JSON can hold", n.Value)
		return value{kind: vNull}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			bad(path, "%q is not a number", n.Value)
			return value{kind: vNull}
		}
		return floatValue(f, n, path, bad)
	}
	// !!str, and any other tag (timestamps, binary): the text as written.
	t, errs := parseTemplate(n.Value)
	for _, e := range errs {
		bad(path, "%s", e.Error())
	}
	if !t.hasPlaceholders() {
		return value{raw: appendString(nil, t.literal())}
	}
	return value{kind: vTemplate, tmpl: t}
}

func floatValue(f float64, n *yaml.Node, path string, bad report) value {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		bad(path, "%s is not a number JSON can hold", n.Value)
		return value{kind: vNull}
	}
	return value{raw: strconv.AppendFloat(nil, f, 'g', -1, 64)}
}

// appendJSON appends the value for message m as JSON.
func (v *value) appendJSON(dst []byte, m *processor.Message) []byte {
	switch v.kind {
	case vNull:
		return append(dst, "null"...)
	case vTemplate:
		return v.tmpl.appendJSON(dst, m)
	case vObject:
		dst = append(dst, '{')
		for i := range v.members {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, v.members[i].key)
			dst = append(dst, ':')
			dst = v.members[i].val.appendJSON(dst, m)
		}
		return append(dst, '}')
	case vArray:
		dst = append(dst, '[')
		for i := range v.items {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = v.items[i].appendJSON(dst, m)
		}
		return append(dst, ']')
	}
	return append(dst, v.raw...)
}

// node renders the value for message m.
func (v *value) node(m *processor.Message) node {
	return node{raw: v.appendJSON(nil, m)}
}

// mergeInto merges the object value v into o as a JSON Merge Patch (RFC
// 7396): a null deletes the key, an object merges into the object already
// there (replacing anything else), any other value replaces the key's.
func (v *value) mergeInto(o *object, m *processor.Message) {
	for i := range v.members {
		mb := &v.members[i]
		switch mb.val.kind {
		case vNull:
			o.remove(mb.key)
		case vObject:
			mb.val.mergeInto(o.child(mb.key, true), m)
		default:
			o.set(mb.key, mb.val.node(m))
		}
	}
}

// describe names a node for messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("%q", n.Value)
}
