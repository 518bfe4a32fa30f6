package metadata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/chimeflow/chimeflow/internal/jsonstr"
)

// node is a JSON value of the metadata being rewritten: an object whose
// keys keep their order, or any other value kept as compact JSON text.
// Nested objects are parsed only when a path or a merge goes into them, so
// whatever a rule does not touch is copied as it was.
type node struct {
	obj *object // non-nil for an object taken apart
	raw []byte  // compact JSON text otherwise
}

// object is a JSON object with its keys in order.
type object struct {
	keys []string
	vals []node
}

var errNotObject = errors.New("not a JSON object")

// parseObject parses s, which must be a JSON object, keeping its key order.
// A key given twice keeps its first place and its last value, as
// encoding/json keeps the last value.
func parseObject(s []byte) (*object, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, s); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	if len(b) == 0 || b[0] != '{' {
		return nil, errNotObject
	}
	return parseCompact(b)
}

// parseCompact parses a compact, valid JSON object.
func parseCompact(b []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	o := &object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("object key %v is not a string", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		o.set(key, node{raw: raw})
	}
	if _, err := dec.Token(); err != nil { // }
		return nil, err
	}
	return o, nil
}

func (o *object) index(key string) int {
	for i, k := range o.keys {
		if k == key {
			return i
		}
	}
	return -1
}

// set sets key to v, in place if the key exists, else at the end.
func (o *object) set(key string, v node) {
	if i := o.index(key); i >= 0 {
		o.vals[i] = v
		return
	}
	o.keys = append(o.keys, key)
	o.vals = append(o.vals, v)
}

// remove deletes key and reports whether it was there.
func (o *object) remove(key string) bool {
	i := o.index(key)
	if i < 0 {
		return false
	}
	o.keys = append(o.keys[:i], o.keys[i+1:]...)
	o.vals = append(o.vals[:i], o.vals[i+1:]...)
	return true
}

// child returns the object under key, taking a JSON object value apart;
// with create, a missing or non-object value is replaced by an empty
// object. It returns nil when there is no object and create is false.
func (o *object) child(key string, create bool) *object {
	i := o.index(key)
	if i >= 0 {
		v := &o.vals[i]
		if v.obj != nil {
			return v.obj
		}
		if len(v.raw) > 0 && v.raw[0] == '{' {
			if c, err := parseCompact(v.raw); err == nil {
				v.obj, v.raw = c, nil
				return c
			}
		}
	}
	if !create {
		return nil
	}
	c := &object{}
	o.set(key, node{obj: c})
	return c
}

// setPath sets the value at a path, creating objects along it and
// replacing any non-object value in its way.
func (o *object) setPath(path []string, v node) {
	for _, k := range path[:len(path)-1] {
		o = o.child(k, true)
	}
	o.set(path[len(path)-1], v)
}

// deletePath deletes the value at a path, if there is one.
func (o *object) deletePath(path []string) {
	for _, k := range path[:len(path)-1] {
		if o = o.child(k, false); o == nil {
			return
		}
	}
	o.remove(path[len(path)-1])
}

// appendJSON appends o as compact JSON.
func (o *object) appendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	for i, k := range o.keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonstr.Append(dst, k)
		dst = append(dst, ':')
		dst = o.vals[i].appendJSON(dst)
	}
	return append(dst, '}')
}

func (n node) appendJSON(dst []byte) []byte {
	if n.obj != nil {
		return n.obj.appendJSON(dst)
	}
	return append(dst, n.raw...)
}
