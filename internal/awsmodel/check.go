package awsmodel

import (
	"encoding/base64"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// Checker collects the ways values break a model. The zero Checker is not
// usable: make one with NewChecker.
type Checker struct {
	m        *Model
	problems []string
}

// NewChecker returns a Checker for the model m.
func NewChecker(m *Model) *Checker { return &Checker{m: m} }

// Problems returns what the checks so far found, in order.
func (c *Checker) Problems() []string { return c.problems }

// Addf records a problem.
func (c *Checker) Addf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// Value checks v (decoded JSON, or a string from the path, a header or the
// query) against the shape named shapeName, at path (used in messages).
func (c *Checker) Value(path, shapeName string, v any) {
	s, ok := c.m.Shapes[shapeName]
	if !ok {
		c.Addf("%s: shape %s is not in the model", path, shapeName)
		return
	}
	switch s.Type {
	case "string":
		str, ok := v.(string)
		if !ok {
			c.Addf("%s: want a string, got %s", path, jsonType(v))
			return
		}
		n := float64(utf8.RuneCountInString(str))
		if s.Min != nil && n < *s.Min || s.Max != nil && n > *s.Max {
			c.Addf("%s: length %d outside %s", path, int(n), bounds(s))
		}
		if !s.MatchesPattern(str) {
			c.Addf("%s: does not match the pattern %s", path, s.Pattern)
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			c.Addf("%s: %q is not one of %v", path, Truncate(str, 40), s.Enum)
		}
	case "integer", "long":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			c.Addf("%s: want an integer, got %s", path, jsonType(v))
			return
		}
		c.numberRange(path, s, f)
	case "float", "double":
		f, ok := v.(float64)
		if !ok {
			c.Addf("%s: want a number, got %s", path, jsonType(v))
			return
		}
		c.numberRange(path, s, f)
	case "boolean":
		if _, ok := v.(bool); !ok {
			c.Addf("%s: want a boolean, got %s", path, jsonType(v))
		}
	case "timestamp":
		switch v.(type) {
		case float64, string:
		default:
			c.Addf("%s: want a timestamp, got %s", path, jsonType(v))
		}
	case "blob":
		str, ok := v.(string)
		if !ok {
			c.Addf("%s: want a base64 string, got %s", path, jsonType(v))
			return
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			c.Addf("%s: not base64: %v", path, err)
			return
		}
		n := float64(len(b))
		if s.Min != nil && n < *s.Min || s.Max != nil && n > *s.Max {
			c.Addf("%s: %d bytes outside %s", path, len(b), bounds(s))
		}
	case "list":
		items, ok := v.([]any)
		if !ok {
			c.Addf("%s: want a list, got %s", path, jsonType(v))
			return
		}
		n := float64(len(items))
		if s.Min != nil && n < *s.Min || s.Max != nil && n > *s.Max {
			c.Addf("%s: %d items outside %s", path, len(items), bounds(s))
		}
		for i, item := range items {
			c.Value(path+"["+strconv.Itoa(i)+"]", s.Member.Shape, item)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			c.Addf("%s: want an object, got %s", path, jsonType(v))
			return
		}
		n := float64(len(obj))
		if s.Min != nil && n < *s.Min || s.Max != nil && n > *s.Max {
			c.Addf("%s: %d entries outside %s", path, len(obj), bounds(s))
		}
		for _, k := range SortedKeys(obj) {
			p := path + "[" + strconv.Quote(Truncate(k, 40)) + "]"
			c.Value(p+" (key)", s.Key.Shape, k)
			c.Value(p, s.Value.Shape, obj[k])
		}
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			c.Addf("%s: want an object, got %s", path, jsonType(v))
			return
		}
		c.Structure(path, s, obj)
	default:
		c.Addf("%s: shape %s has type %s, which the stand-in does not check", path, shapeName, s.Type)
	}
}

func (c *Checker) numberRange(path string, s *Shape, f float64) {
	if s.Min != nil && f < *s.Min || s.Max != nil && f > *s.Max {
		c.Addf("%s: %v outside %s", path, f, bounds(s))
	}
}

// Structure checks the members of obj against the structure s: required
// ones present, no unknown ones, each valid, and, for a union, exactly one
// set.
func (c *Checker) Structure(path string, s *Shape, obj map[string]any) {
	prefix := path
	if prefix != "" {
		prefix += "."
	}
	for _, name := range s.Required {
		if _, ok := obj[name]; !ok {
			c.Addf("%s%s: required", prefix, name)
		}
	}
	set := 0
	for _, k := range SortedKeys(obj) {
		mem, ok := s.Members[k]
		if !ok {
			c.Addf("%s%s: not a member of the shape", prefix, Truncate(k, 40))
			continue
		}
		if obj[k] == nil {
			// null stands for an absent member in the JSON protocols.
			continue
		}
		set++
		c.Value(prefix+k, mem.Shape, obj[k])
	}
	if s.Union && set != 1 {
		c.Addf("%s: a union needs exactly one member set, got %d", nonEmpty(path), set)
	}
}

func nonEmpty(path string) string {
	if path == "" {
		return "(top)"
	}
	return path
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func bounds(s *Shape) string {
	lo, hi := "0", "∞"
	if s.Min != nil {
		lo = strconv.FormatFloat(*s.Min, 'f', -1, 64)
	}
	if s.Max != nil {
		hi = strconv.FormatFloat(*s.Max, 'f', -1, 64)
	}
	return lo + "-" + hi
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// SortedKeys returns the keys of m, sorted.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Truncate shortens s to at most n bytes on a rune boundary, marking the
// cut with "...".
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
