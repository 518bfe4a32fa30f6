package metadata

import (
	"math"
	"reflect"
	"slices"
	"strconv"

	"github.com/chimeflow/chimeflow/internal/jsonstr"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
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

// maxDepth bounds the nesting of a configured value: a Go program may hand
// over a map that holds itself.
const maxDepth = 64

// valueCompiler compiles configured values.
type valueCompiler struct {
	bad *rules.Problems
}

// compile compiles a plain Go value (see Config) given at the option path,
// depth levels down.
func (vc *valueCompiler) compile(v any, path string, depth int) value {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return value{kind: vNull}
		}
		rv = rv.Elem()
	}
	if depth > maxDepth && (rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice || rv.Kind() == reflect.Array) {
		vc.bad.Add(path, "nested more than %d levels deep (does a value hold itself?)", maxDepth)
		return value{kind: vNull}
	}
	switch rv.Kind() {
	case reflect.Invalid:
		return value{kind: vNull}
	case reflect.Bool:
		return value{raw: strconv.AppendBool(nil, rv.Bool())}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return value{raw: strconv.AppendInt(nil, rv.Int(), 10)}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return value{raw: strconv.AppendUint(nil, rv.Uint(), 10)}
	case reflect.Float32, reflect.Float64:
		f := rv.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			vc.bad.Add(path, "%v is not a number JSON can hold", f)
			return value{kind: vNull}
		}
		return value{raw: strconv.AppendFloat(nil, f, 'g', -1, rv.Type().Bits())}
	case reflect.String:
		return vc.template(rv.String(), path)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			break
		}
		keys := make([]string, 0, rv.Len())
		for _, k := range rv.MapKeys() {
			keys = append(keys, k.String())
		}
		slices.Sort(keys) // a map has no order: the result must not depend on it
		v := value{kind: vObject, members: make([]member, 0, len(keys))}
		for _, k := range keys {
			item := rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key()))
			v.members = append(v.members, member{key: k, val: vc.compile(item.Interface(), path+"."+k, depth+1)})
		}
		return v
	case reflect.Slice, reflect.Array:
		v := value{kind: vArray, items: make([]value, 0, rv.Len())}
		for i := range rv.Len() {
			v.items = append(v.items, vc.compile(rv.Index(i).Interface(), path+"."+strconv.Itoa(i), depth+1))
		}
		return v
	}
	vc.bad.Add(path, "a %s is not a JSON value", rv.Type())
	return value{kind: vNull}
}

// template compiles a string value, a template.
func (vc *valueCompiler) template(s, path string) value {
	t, errs := parseTemplate(s)
	for _, e := range errs {
		vc.bad.Add(path, "%s", e.Error())
	}
	if !t.hasPlaceholders() {
		return value{raw: jsonstr.Append(nil, t.literal())}
	}
	return value{kind: vTemplate, tmpl: t}
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
			dst = jsonstr.Append(dst, v.members[i].key)
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
