package chimefake

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// modelJSON is the channel flow part of the official service model
// (chime-sdk-messaging-2021-05-15), written by gen_model.py.
//
//go:embed model.json
var modelJSON []byte

// model is the decoded model.json.
type model struct {
	Metadata   map[string]string     `json:"metadata"`
	Operations map[string]*operation `json:"operations"`
	Shapes     map[string]*shape     `json:"shapes"`
}

type operation struct {
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input  string   `json:"input"`
	Errors []string `json:"errors"`

	name     string
	segments []string   // path template split on '/'; "{label}" segments are labels
	query    url.Values // literal query of the request URI
}

type shape struct {
	Type     string             `json:"type"`
	Required []string           `json:"required"`
	Members  map[string]*member `json:"members"`
	Member   *member            `json:"member"`
	Min      *float64           `json:"min"`
	Max      *float64           `json:"max"`
	Pattern  string             `json:"pattern"`
	Enum     []string           `json:"enum"`
	Error    *struct {
		HTTPStatusCode int `json:"httpStatusCode"`
	} `json:"error"`

	re *regexp.Regexp // compiled Pattern, nil when none
}

type member struct {
	Shape        string `json:"shape"`
	Location     string `json:"location"`
	LocationName string `json:"locationName"`
}

// loadModel decodes model.json and prepares its operations and patterns.
func loadModel(data []byte) (*model, error) {
	var m model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("chimefake: decode model: %w", err)
	}
	for name, op := range m.Operations {
		op.name = name
		path, query, _ := strings.Cut(op.HTTP.RequestURI, "?")
		op.segments = strings.Split(strings.TrimPrefix(path, "/"), "/")
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("chimefake: %s: request URI %q: %w", name, op.HTTP.RequestURI, err)
		}
		op.query = q
		if _, ok := m.Shapes[op.Input]; !ok {
			return nil, fmt.Errorf("chimefake: %s: input shape %s missing", name, op.Input)
		}
	}
	for name, s := range m.Shapes {
		if s.Pattern == "" {
			continue
		}
		re, err := compilePattern(s.Pattern)
		if err != nil {
			return nil, fmt.Errorf("chimefake: shape %s: pattern %q: %w", name, s.Pattern, err)
		}
		s.re = re
	}
	return &m, nil
}

// javaEscape matches the \uXXXX escapes of the model's (Java) patterns.
var javaEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

// bigRepeat matches a bounded repeat whose bound exceeds RE2's limit (1000).
var bigRepeat = regexp.MustCompile(`\{(\d+),(\d{4,})\}`)

// compilePattern compiles a model pattern for RE2. Like Smithy's @pattern,
// it is not anchored: a value matches when the pattern matches part of it.
// Java's \uXXXX escapes become \x{XXXX}; a repeat bound above RE2's limit
// is dropped ({0,1023} becomes {0,}), which the shape's length bounds,
// checked apart, make up for.
func compilePattern(p string) (*regexp.Regexp, error) {
	p = javaEscape.ReplaceAllString(p, `\x{$1}`)
	p = bigRepeat.ReplaceAllString(p, `{$1,}`)
	return regexp.Compile(p)
}

// match finds the operation of a request by method and escaped path, and
// returns its path labels, unescaped.
func (m *model) match(method, escapedPath string, query url.Values) (*operation, map[string]string) {
	segments := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	names := make([]string, 0, len(m.Operations))
	for name := range m.Operations {
		names = append(names, name)
	}
	sort.Strings(names)
next:
	for _, name := range names {
		op := m.Operations[name]
		if op.HTTP.Method != method || len(op.segments) != len(segments) {
			continue
		}
		for k, vs := range op.query {
			if query.Get(k) != vs[0] {
				continue next
			}
		}
		labels := map[string]string{}
		for i, t := range op.segments {
			if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
				v, err := url.PathUnescape(segments[i])
				if err != nil || v == "" {
					continue next
				}
				labels[strings.Trim(t, "{}+")] = v
				continue
			}
			if t != segments[i] {
				continue next
			}
		}
		return op, labels
	}
	return nil, nil
}

// checker collects the ways a request breaks the model.
type checker struct {
	m        *model
	problems []string
}

func (c *checker) addf(format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// value checks v (decoded JSON, or a string from the path, a header or the
// query) against the shape named shapeName, at path.
func (c *checker) value(path, shapeName string, v any) {
	s, ok := c.m.Shapes[shapeName]
	if !ok {
		c.addf("%s: shape %s not in the model", path, shapeName)
		return
	}
	switch s.Type {
	case "string":
		str, ok := v.(string)
		if !ok {
			c.addf("%s: want a string, got %T", path, v)
			return
		}
		n := float64(utf8.RuneCountInString(str))
		if s.Min != nil && n < *s.Min || s.Max != nil && n > *s.Max {
			c.addf("%s: length %d outside %s", path, int(n), bounds(s))
		}
		if s.re != nil && !s.re.MatchString(str) {
			c.addf("%s: %q does not match the pattern %s", path, str, s.Pattern)
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			c.addf("%s: %q is not one of %v", path, str, s.Enum)
		}
	case "integer", "long":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			c.addf("%s: want an integer, got %v", path, v)
			return
		}
		if s.Min != nil && f < *s.Min || s.Max != nil && f > *s.Max {
			c.addf("%s: %v outside %s", path, f, bounds(s))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			c.addf("%s: want a boolean, got %T", path, v)
		}
	case "list":
		items, ok := v.([]any)
		if !ok {
			c.addf("%s: want a list, got %T", path, v)
			return
		}
		n := float64(len(items))
		if s.Min != nil && n < *s.Min || s.Max != nil && n > *s.Max {
			c.addf("%s: %d items outside %s", path, len(items), bounds(s))
		}
		for i, item := range items {
			c.value(path+"["+strconv.Itoa(i)+"]", s.Member.Shape, item)
		}
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			c.addf("%s: want an object, got %T", path, v)
			return
		}
		c.structure(path, s, obj)
	default:
		c.addf("%s: shape %s has type %s, which this fake does not check", path, shapeName, s.Type)
	}
}

// structure checks the members of obj: required ones present, no unknown
// ones, each valid.
func (c *checker) structure(path string, s *shape, obj map[string]any) {
	prefix := path
	if prefix != "" {
		prefix += "."
	}
	for _, name := range s.Required {
		if _, ok := obj[name]; !ok {
			c.addf("%s%s: required", prefix, name)
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		mem, ok := s.Members[k]
		if !ok {
			c.addf("%s%s: not a member of the shape", prefix, k)
			continue
		}
		c.value(prefix+k, mem.Shape, obj[k])
	}
}

func bounds(s *shape) string {
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
