package deny

import "encoding/json"

// A small JSON scanner over strings that finds the value at a key path of
// a JSON object without allocating, so that a metadata condition costs
// nothing on a clean message. It validates what it reads as encoding/json
// does; text that is not a valid JSON object has no keys.

// maxDepth bounds nesting, as encoding/json does.
const maxDepth = 10000

// lookup returns the JSON text of the value at path in the JSON object s
// (without surrounding space), and whether there is one. A key given twice
// counts with its last value, as encoding/json decodes it.
func lookup(s string, path []string) (string, bool) {
	for _, key := range path {
		v, ok := member(s, key)
		if !ok {
			return "", false
		}
		s = v
	}
	return s, true
}

// member returns the value of key in s, which must be exactly one JSON
// object, surrounded by space at most.
func member(s, key string) (string, bool) {
	i := skipSpace(s, 0)
	if i == len(s) || s[i] != '{' {
		return "", false
	}
	var val string
	found := false
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		i++
	} else {
		for {
			if i == len(s) || s[i] != '"' {
				return "", false
			}
			kEnd, esc, ok := scanString(s, i)
			if !ok {
				return "", false
			}
			match := keyEquals(s[i:kEnd], esc, key)
			i = skipSpace(s, kEnd)
			if i == len(s) || s[i] != ':' {
				return "", false
			}
			i = skipSpace(s, i+1)
			vEnd, ok := scanValue(s, i, 1)
			if !ok {
				return "", false
			}
			if match {
				val, found = s[i:vEnd], true
			}
			i = skipSpace(s, vEnd)
			if i == len(s) {
				return "", false
			}
			if s[i] == '}' {
				i++
				break
			}
			if s[i] != ',' {
				return "", false
			}
			i = skipSpace(s, i+1)
		}
	}
	if skipSpace(s, i) != len(s) {
		return "", false
	}
	return val, found
}

// keyEquals compares a quoted JSON string with key.
func keyEquals(quoted string, esc bool, key string) bool {
	if !esc {
		return quoted[1:len(quoted)-1] == key
	}
	return unquote(quoted) == key
}

// stringValue returns the text of a JSON value for matching: a string's
// contents, or any other value's JSON text.
func stringValue(raw string) string {
	if len(raw) == 0 || raw[0] != '"' {
		return raw
	}
	_, esc, _ := scanString(raw, 0)
	if !esc {
		return raw[1 : len(raw)-1]
	}
	return unquote(raw)
}

// unquote decodes a valid quoted JSON string with escapes; it allocates,
// which is fine for the rare escaped key or value.
func unquote(quoted string) string {
	var s string
	_ = json.Unmarshal([]byte(quoted), &s)
	return s
}

func skipSpace(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanValue returns the end of the JSON value at s[i:].
func scanValue(s string, i, depth int) (int, bool) {
	if i >= len(s) {
		return 0, false
	}
	switch c := s[i]; {
	case c == '"':
		end, _, ok := scanString(s, i)
		return end, ok
	case c == '{' || c == '[':
		return scanComposite(s, i, depth)
	case c == '-' || '0' <= c && c <= '9':
		return scanNumber(s, i)
	case c == 't':
		return scanLiteral(s, i, "true")
	case c == 'f':
		return scanLiteral(s, i, "false")
	case c == 'n':
		return scanLiteral(s, i, "null")
	}
	return 0, false
}

func scanLiteral(s string, i int, lit string) (int, bool) {
	if len(s)-i >= len(lit) && s[i:i+len(lit)] == lit {
		return i + len(lit), true
	}
	return 0, false
}

// scanComposite returns the end of the object or array at s[i:].
func scanComposite(s string, i, depth int) (int, bool) {
	if depth > maxDepth {
		return 0, false
	}
	obj := s[i] == '{'
	closing := byte(']')
	if obj {
		closing = '}'
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == closing {
		return i + 1, true
	}
	for {
		if obj {
			if i == len(s) || s[i] != '"' {
				return 0, false
			}
			end, _, ok := scanString(s, i)
			if !ok {
				return 0, false
			}
			i = skipSpace(s, end)
			if i == len(s) || s[i] != ':' {
				return 0, false
			}
			i = skipSpace(s, i+1)
		}
		end, ok := scanValue(s, i, depth+1)
		if !ok {
			return 0, false
		}
		i = skipSpace(s, end)
		if i == len(s) {
			return 0, false
		}
		if s[i] == closing {
			return i + 1, true
		}
		if s[i] != ',' {
			return 0, false
		}
		i = skipSpace(s, i+1)
	}
}

// scanString returns the end of the string at s[i:] (just past its closing
// quote) and whether it holds escapes.
func scanString(s string, i int) (end int, esc, ok bool) {
	for i++; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			return i + 1, esc, true
		case c < 0x20:
			return 0, false, false
		case c == '\\':
			esc = true
			i++
			if i == len(s) {
				return 0, false, false
			}
			switch s[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(s)-i < 5 {
					return 0, false, false
				}
				for _, h := range []byte(s[i+1 : i+5]) {
					if !isHex(h) {
						return 0, false, false
					}
				}
				i += 4
			default:
				return 0, false, false
			}
		}
	}
	return 0, false, false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// scanNumber returns the end of the number at s[i:]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func scanNumber(s string, i int) (int, bool) {
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = digits(s, i)
	default:
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func digits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}
