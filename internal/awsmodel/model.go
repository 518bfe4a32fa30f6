// Package awsmodel reads an AWS service model (the JSON that botocore and
// the SDKs are generated from) and checks requests and answers against it,
// and checks SigV4 signatures, for the stand-ins that tests run against
// instead of AWS (messaging/messagingtest, internal/awsmodeltest).
//
// It reads the rest-json protocol (operations matched by method, path and
// query; members in the path, headers, query string and body) and the json
// protocol (operations matched by the X-Amz-Target header; every member in
// the body), and checks every value the way the service does: required
// members, unknown members, types, lengths in characters, Java patterns,
// enums, unions and ranges.
package awsmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Protocols the package reads.
const (
	ProtocolRestJSON = "rest-json"
	ProtocolJSON     = "json"
)

// Model is a decoded service model.
type Model struct {
	Metadata   Metadata              `json:"metadata"`
	Operations map[string]*Operation `json:"operations"`
	Shapes     map[string]*Shape     `json:"shapes"`
}

// Metadata is the part of a model's metadata the stand-ins need.
type Metadata struct {
	APIVersion       string `json:"apiVersion"`
	EndpointPrefix   string `json:"endpointPrefix"`
	JSONVersion      string `json:"jsonVersion,omitempty"`
	Protocol         string `json:"protocol"`
	ServiceID        string `json:"serviceId"`
	SignatureVersion string `json:"signatureVersion"`
	SigningName      string `json:"signingName"`
	TargetPrefix     string `json:"targetPrefix,omitempty"`
	UID              string `json:"uid"`
}

// Operation is one operation of a model.
type Operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method       string `json:"method"`
		RequestURI   string `json:"requestUri"`
		ResponseCode int    `json:"responseCode"`
	} `json:"http"`
	Input  *Ref  `json:"input"`
	Output *Ref  `json:"output"`
	Errors []Ref `json:"errors"`

	segments []string   // path template split on '/'; "{label}" segments are labels
	query    url.Values // literal query of the request URI
}

// LiteralQuery reports whether the request URI of op holds the query
// parameter name literally (e.g. operation=channel-flow-callback).
func (op *Operation) LiteralQuery(name string) bool {
	_, ok := op.query[name]
	return ok
}

// SuccessStatus is the HTTP status of the operation's success answer.
func (op *Operation) SuccessStatus() int {
	if op.HTTP.ResponseCode != 0 {
		return op.HTTP.ResponseCode
	}
	return 200
}

// Shape is one shape of a model.
type Shape struct {
	Type      string          `json:"type"`
	Required  []string        `json:"required"`
	Members   map[string]*Ref `json:"members"`
	Member    *Ref            `json:"member"`
	Key       *Ref            `json:"key"`
	Value     *Ref            `json:"value"`
	Min       *float64        `json:"min"`
	Max       *float64        `json:"max"`
	Pattern   string          `json:"pattern"`
	Enum      []string        `json:"enum"`
	Union     bool            `json:"union"`
	Exception bool            `json:"exception"`
	Fault     bool            `json:"fault"`
	Error     *struct {
		HTTPStatusCode int `json:"httpStatusCode"`
	} `json:"error"`

	re *regexp.Regexp // compiled Pattern, nil when none
}

// Ref refers to a shape: an operation's input, output or error, or a
// member of a structure, list or map.
type Ref struct {
	Shape        string `json:"shape"`
	Location     string `json:"location,omitempty"`
	LocationName string `json:"locationName,omitempty"`
}

// Load decodes a model (a verbatim botocore model or one Extract made) and
// prepares its operations and patterns.
func Load(data []byte) (*Model, error) {
	var m Model
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("awsmodel: decode model: %w", err)
	}
	switch m.Metadata.Protocol {
	case ProtocolRestJSON, ProtocolJSON:
	default:
		return nil, fmt.Errorf("awsmodel: protocol %q is not read (want %s or %s)", m.Metadata.Protocol, ProtocolRestJSON, ProtocolJSON)
	}
	if m.Metadata.SigningName == "" {
		m.Metadata.SigningName = m.Metadata.EndpointPrefix
	}
	for name, op := range m.Operations {
		path, query, _ := strings.Cut(op.HTTP.RequestURI, "?")
		op.segments = strings.Split(strings.TrimPrefix(path, "/"), "/")
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, fmt.Errorf("awsmodel: %s: request URI %q: %w", name, op.HTTP.RequestURI, err)
		}
		op.query = q
		if op.Input == nil || m.Shapes[op.Input.Shape] == nil {
			return nil, fmt.Errorf("awsmodel: %s: no input shape", name)
		}
	}
	for name, s := range m.Shapes {
		if s.Pattern == "" {
			continue
		}
		re, err := CompilePattern(s.Pattern)
		if err != nil {
			return nil, fmt.Errorf("awsmodel: shape %s: pattern %q: %w", name, s.Pattern, err)
		}
		s.re = re
	}
	return &m, nil
}

// ErrorStatus returns the HTTP status the model gives an error shape, or 0.
func (m *Model) ErrorStatus(code string) int {
	if sh, ok := m.Shapes[code]; ok && sh.Error != nil {
		return sh.Error.HTTPStatusCode
	}
	return 0
}

// metadataKeys are the metadata Extract keeps.
var metadataKeys = []string{"apiVersion", "endpointPrefix", "jsonVersion", "protocol", "serviceId", "signatureVersion", "signingName", "targetPrefix", "uid"}

// Extract returns the part of a verbatim model that stand-ins serving the
// named operations need: the metadata, those operations and every shape
// their inputs, outputs and errors reach, without documentation, as
// indented JSON with sorted keys and a final newline. A test compares an
// embedded extract with Extract of the verbatim model it came from.
func Extract(verbatim []byte, operations []string) ([]byte, error) {
	var full struct {
		Metadata   map[string]any            `json:"metadata"`
		Operations map[string]map[string]any `json:"operations"`
		Shapes     map[string]map[string]any `json:"shapes"`
	}
	if err := json.Unmarshal(verbatim, &full); err != nil {
		return nil, fmt.Errorf("awsmodel: decode model: %w", err)
	}
	ops := map[string]any{}
	shapes := map[string]any{}
	var pending []string
	var missing []string
	ref := func(v any) {
		if r, ok := v.(map[string]any); ok {
			if s, ok := r["shape"].(string); ok {
				pending = append(pending, s)
			}
		}
	}
	for _, name := range operations {
		op, ok := full.Operations[name]
		if !ok {
			missing = append(missing, "operation "+name)
			continue
		}
		ops[name] = withoutDocs(op)
		ref(op["input"])
		ref(op["output"])
		errs, _ := op["errors"].([]any)
		for _, e := range errs {
			ref(e)
		}
	}
	for len(pending) > 0 {
		name := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		if _, done := shapes[name]; done {
			continue
		}
		s, ok := full.Shapes[name]
		if !ok {
			missing = append(missing, "shape "+name)
			continue
		}
		shapes[name] = withoutDocs(s)
		members, _ := s["members"].(map[string]any)
		for _, m := range members {
			ref(m)
		}
		for _, k := range []string{"member", "key", "value"} {
			ref(s[k])
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("awsmodel: not in the model: %s", strings.Join(missing, ", "))
	}
	meta := map[string]any{}
	for _, k := range metadataKeys {
		if v, ok := full.Metadata[k]; ok {
			meta[k] = v
		}
	}
	out, err := json.MarshalIndent(map[string]any{"metadata": meta, "operations": ops, "shapes": shapes}, "", " ")
	if err != nil {
		return nil, fmt.Errorf("awsmodel: encode extract: %w", err)
	}
	return append(out, '\n'), nil
}

func withoutDocs(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if k != "documentation" {
				out[k] = withoutDocs(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutDocs(e)
		}
		return out
	}
	return v
}

var (
	// javaEscape matches the \uXXXX (and, as the models write the
	// supplementary planes, \uXXXXX and \uXXXXXX) escapes of patterns.
	javaEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4,6})`)
	// bigRepeat matches a bounded repeat of a one-character atom whose
	// upper bound exceeds RE2's limit of 1000.
	bigRepeat = regexp.MustCompile(`(\.|\[[^\]]*\])\{(\d+),(\d+)\}`)
)

// ErrPattern matches the errors of CompilePattern.
var ErrPattern = errors.New("awsmodel: pattern")

// CompilePattern compiles a model pattern (Java syntax) for RE2, matched
// against the whole value as the service does: \uXXXX escapes become
// \x{...}; a repeat X{lo,hi} with hi above 1000 becomes X{lo,1000}X{0,hi-1000};
// and '.' outside a character class excludes the line terminators, as
// Java's does (\n, \r, U+0085, U+2028, U+2029), so that a line break
// breaks the pattern ".*".
func CompilePattern(p string) (*regexp.Regexp, error) {
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
	re, err := regexp.Compile(`^(?:` + b.String() + `)$`)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPattern, err)
	}
	return re, nil
}

// MatchesPattern reports whether the shape has a pattern and s matches it;
// a shape without one matches everything.
func (s *Shape) MatchesPattern(v string) bool { return s.re == nil || s.re.MatchString(v) }
