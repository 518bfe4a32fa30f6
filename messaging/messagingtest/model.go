package messagingtest

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

// modelJSON holds the operations the Server serves, as the official service
// model (chime-sdk-messaging-2021-05-15) defines them, with every shape
// their inputs, outputs and errors reach and without documentation.
// TestModelIsCurrent checks it against the verbatim model in
// messaging/testdata; go test -run TestModelIsCurrent -update rewrites it.
//
//go:embed model.json
var modelJSON []byte

// served lists the operations of the model the Server serves.
var served = []string{
	"ChannelFlowCallback",
	"GetChannelMessageStatus",
	"CreateChannelFlow",
	"UpdateChannelFlow",
	"DeleteChannelFlow",
	"DescribeChannelFlow",
	"AssociateChannelFlow",
	"DisassociateChannelFlow",
	"ListChannelsAssociatedWithChannelFlow",
}

// model is the decoded model.json.
type model struct {
	Metadata   map[string]any        `json:"metadata"`
	Operations map[string]*operation `json:"operations"`
	Shapes     map[string]*shape     `json:"shapes"`
}

type operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input  *member  `json:"input"`
	Output *member  `json:"output"`
	Errors []member `json:"errors"`

	segments []string   // path template split on '/'; "{label}" segments are labels
	query    url.Values // literal query of the request URI
}

type shape struct {
	Type     string             `json:"type"`
	Required []string           `json:"required"`
	Members  map[string]*member `json:"members"`
	Member   *member            `json:"member"`
	Key      *member            `json:"key"`
	Value    *member            `json:"value"`
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

// loadModel decodes the embedded model and prepares its operations and
// patterns.
func loadModel(data []byte) (*model, error) {
	var m model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("messagingtest: decode model: %w", err)
	}
	for name, op := range m.Operations {
		path, query, _ := strings.Cut(op.HTTP.RequestURI, "?")
		op.segments = strings.Split(strings.TrimPrefix(path, "/"), "/")
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("messagingtest: %s: request URI %q: %w", name, op.HTTP.RequestURI, err)
		}
		op.query = q
		if op.Input == nil || m.Shapes[op.Input.Shape] == nil {
			return nil, fmt.Errorf("messagingtest: %s: no input shape", name)
		}
	}
	for name, s := range m.Shapes {
		if s.Pattern == "" {
			continue
		}
		re, err := compilePattern(s.Pattern)
		if err != nil {
			return nil, fmt.Errorf("messagingtest: shape %s: pattern %q: %w", name, s.Pattern, err)
		}
		s.re = re
	}
	return &m, nil
}

var (
	// javaEscape matches the \uXXXX (and, as the model writes the
	// supplementary planes, \uXXXXX and \uXXXXXX) escapes of its patterns.
	javaEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4,6})`)
	// bigRepeat matches a bounded repeat of a one-character atom whose
	// upper bound exceeds RE2's limit of 1000.
	bigRepeat = regexp.MustCompile(`(\.|\[[^\]]*\])\{(\d+),(\d+)\}`)
)

// compilePattern compiles a model pattern (Java syntax) for RE2, matched
// against the whole value as the service does: \uXXXX escapes become
// \x{...}; a repeat X{lo,hi} with hi above 1000 becomes X{lo,1000}X{0,hi-1000};
// and '.' outside a character class excludes the line terminators, as
// Java's does (\n, \r, U+0085, U+2028, U+2029), so that a line break
// breaks the pattern ".*".
func compilePattern(p string) (*regexp.Regexp, error) {
	p = javaEscape.ReplaceAllString(p, `\x{$1}`)
	p = bigRepeat.ReplaceAllStringFunc(p, func(s string) string {
		i := strings.LastIndexByte(s, '{')
		atom, bounds := s[:i], strings.Split(strings.Trim(s[i:], "{}"), ",")
		lo, _ := strconv.Atoi(bounds[0])
		hi, _ := strconv.Atoi(bounds[1])
		if hi <= 1000 || lo > 1000 {
			return s
		}
		return fmt.Sprintf("%s{%d,1000}%s{0,%d}", atom, lo, atom, hi-1000)
	})
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			b.WriteByte(c)
			i++
			b.WriteByte(p[i])
			continue
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case c == '.' && !inClass:
			b.WriteString(`[^\n\r\x{85}\x{2028}\x{2029}]`)
			continue
		}
		b.WriteByte(c)
	}
	return regexp.Compile(`^(?:` + b.String() + `)$`)
}

// match finds the operation of a request by method, escaped path and query,
// and returns its path labels, unescaped. Operations are tried in name
// order, so that the answer does not depend on map order.
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

// errorStatus returns the HTTP status the model gives an error shape, or 0.
func (m *model) errorStatus(code string) int {
	if sh, ok := m.Shapes[code]; ok && sh.Error != nil {
		return sh.Error.HTTPStatusCode
	}
	return 0
}

// checker collects the ways a value breaks the model.
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
		c.addf("%s: shape %s is not in the model", path, shapeName)
		return
	}
	switch s.Type {
	case "string":
		str, ok := v.(string)
		if !ok {
			c.addf("%s: want a string, got %s", path, jsonType(v))
			return
		}
		n := float64(utf8.RuneCountInString(str))
		if s.Min != nil && n < *s.Min || s.Max != nil && n > *s.Max {
			c.addf("%s: length %d outside %s", path, int(n), bounds(s))
		}
		if s.re != nil && !s.re.MatchString(str) {
			c.addf("%s: does not match the pattern %s", path, s.Pattern)
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			c.addf("%s: %q is not one of %v", path, truncate(str, 40), s.Enum)
		}
	case "integer", "long":
		f, ok := v.(float64)
		if !ok || f != math.Trunc(f) {
			c.addf("%s: want an integer, got %s", path, jsonType(v))
			return
		}
		if s.Min != nil && f < *s.Min || s.Max != nil && f > *s.Max {
			c.addf("%s: %v outside %s", path, f, bounds(s))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			c.addf("%s: want a boolean, got %s", path, jsonType(v))
		}
	case "timestamp":
		switch v.(type) {
		case float64, string:
		default:
			c.addf("%s: want a timestamp, got %s", path, jsonType(v))
		}
	case "list":
		items, ok := v.([]any)
		if !ok {
			c.addf("%s: want a list, got %s", path, jsonType(v))
			return
		}
		n := float64(len(items))
		if s.Min != nil && n < *s.Min || s.Max != nil && n > *s.Max {
			c.addf("%s: %d items outside %s", path, len(items), bounds(s))
		}
		for i, item := range items {
			c.value(path+"["+strconv.Itoa(i)+"]", s.Member.Shape, item)
		}
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			c.addf("%s: want an object, got %s", path, jsonType(v))
			return
		}
		n := float64(len(obj))
		if s.Min != nil && n < *s.Min || s.Max != nil && n > *s.Max {
			c.addf("%s: %d entries outside %s", path, len(obj), bounds(s))
		}
		for _, k := range sortedKeys(obj) {
			p := path + "[" + strconv.Quote(truncate(k, 40)) + "]"
			c.value(p+" (key)", s.Key.Shape, k)
			c.value(p, s.Value.Shape, obj[k])
		}
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			c.addf("%s: want an object, got %s", path, jsonType(v))
			return
		}
		c.structure(path, s, obj)
	default:
		c.addf("%s: shape %s has type %s, which the stand-in does not check", path, shapeName, s.Type)
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
	for _, k := range sortedKeys(obj) {
		mem, ok := s.Members[k]
		if !ok {
			c.addf("%s%s: not a member of the shape", prefix, truncate(k, 40))
			continue
		}
		if obj[k] == nil {
			// null stands for an absent member in the JSON protocols.
			continue
		}
		c.value(prefix+k, mem.Shape, obj[k])
	}
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// truncate shortens s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
