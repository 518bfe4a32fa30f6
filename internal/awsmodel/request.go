package awsmodel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Match finds the operation a request calls: by the X-Amz-Target header
// under the json protocol, by method, escaped path and query under
// rest-json. It returns the path labels, unescaped (none under json), or a
// nil operation when none matches.
func (m *Model) Match(r *http.Request) (*Operation, map[string]string) {
	if m.Metadata.Protocol == ProtocolJSON {
		if r.Method != http.MethodPost || r.URL.EscapedPath() != "/" {
			return nil, nil
		}
		prefix, name, ok := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		if !ok || prefix != m.Metadata.TargetPrefix {
			return nil, nil
		}
		op := m.Operations[name]
		if op == nil {
			return nil, nil
		}
		return op, map[string]string{}
	}
	return m.MatchPath(r.Method, r.URL.EscapedPath(), r.URL.Query())
}

// MatchPath finds the rest-json operation of a request by method, escaped
// path and query, and returns its path labels, unescaped. Operations are
// tried in name order, so that the answer does not depend on map order.
func (m *Model) MatchPath(method, escapedPath string, query url.Values) (*Operation, map[string]string) {
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

// ContentType is the Content-Type a request with a body must carry under
// the model's protocol.
func (m *Model) ContentType() string {
	if m.Metadata.Protocol == ProtocolJSON {
		v := m.Metadata.JSONVersion
		if v == "" {
			v = "1.0"
		}
		return "application/x-amz-json-" + v
	}
	return "application/json"
}

// CheckRequest checks a request, matched to op with Match, against the
// operation's input shape, and returns its input members by model name
// (path labels, headers and query strings as strings, body members as
// decoded JSON) and the problems found.
func (m *Model) CheckRequest(op *Operation, r *http.Request, labels map[string]string, body []byte) (map[string]any, []string) {
	c := NewChecker(m)
	in := m.Shapes[op.Input.Shape]
	params := map[string]any{}
	var bodyMembers []string
	query := r.URL.Query()
	for name, mem := range in.Members {
		if m.Metadata.Protocol == ProtocolJSON {
			bodyMembers = append(bodyMembers, name)
			continue
		}
		switch mem.Location {
		case "uri":
			if v, ok := labels[mem.LocationName]; ok {
				params[name] = v
			}
		case "header":
			if vs := r.Header.Values(mem.LocationName); len(vs) > 0 {
				if len(vs) > 1 {
					c.Addf("header %s sent %d times", mem.LocationName, len(vs))
				}
				params[name] = vs[0]
			}
		case "querystring":
			vs, ok := query[mem.LocationName]
			if !ok {
				continue
			}
			if len(vs) != 1 {
				c.Addf("query %s given %d times", mem.LocationName, len(vs))
			}
			var v any = vs[0]
			if t := m.Shapes[mem.Shape].Type; t == "integer" || t == "long" {
				n, err := strconv.Atoi(vs[0])
				if err != nil {
					c.Addf("query %s is not an integer", mem.LocationName)
					continue
				}
				v = float64(n)
			}
			params[name] = v
		case "":
			bodyMembers = append(bodyMembers, name)
		default:
			c.Addf("member %s has location %s, which the stand-in does not read", name, mem.Location)
		}
	}
	for _, k := range SortedKeys(query) {
		if op.LiteralQuery(k) {
			if len(query[k]) != 1 {
				c.Addf("query %s given %d times", k, len(query[k]))
			}
			continue
		}
		known := false
		for _, mem := range in.Members {
			known = known || mem.Location == "querystring" && mem.LocationName == k
		}
		if !known {
			c.Addf("query %s is not a member of %s", Truncate(k, 40), op.Input.Shape)
		}
	}
	if len(bodyMembers) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			c.Addf("%s has no body members, but the request has a body", op.Input.Shape)
		}
	} else {
		if ct, want := r.Header.Get("Content-Type"), m.ContentType(); ct != want {
			c.Addf("Content-Type %q, want %s", Truncate(ct, 40), want)
		}
		doc, err := DecodeObject(body)
		if err != nil {
			c.Addf("body is not a JSON object: %v", err)
		}
		for _, k := range SortedKeys(doc) {
			mem, ok := in.Members[k]
			if !ok || m.Metadata.Protocol != ProtocolJSON && mem.Location != "" {
				c.Addf("body member %s is not a body member of %s", Truncate(k, 40), op.Input.Shape)
				continue
			}
			params[k] = doc[k]
		}
	}
	c.Structure("", in, params)
	return params, c.Problems()
}

// CheckOutput checks an answer body, decoded, against the operation's
// output shape and returns the problems found.
func (m *Model) CheckOutput(op *Operation, v map[string]any) []string {
	c := NewChecker(m)
	if op.Output == nil {
		if len(v) > 0 {
			c.Addf("%s has no output, but the answer has members", op.Name)
		}
		return c.Problems()
	}
	c.Structure(op.Output.Shape, m.Shapes[op.Output.Shape], v)
	return c.Problems()
}

// DecodeObject decodes a JSON object, and nothing after it, as the
// checker's values: map[string]any, []any, string, float64, bool, nil.
func DecodeObject(body []byte) (map[string]any, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	if doc == nil {
		return nil, errors.New("null, not an object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return doc, fmt.Errorf("more than one JSON value")
	}
	return doc, nil
}
