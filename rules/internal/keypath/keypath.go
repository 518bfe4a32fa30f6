// Package keypath parses the dotted key paths with which rule options name
// a value inside JSON-object metadata: "a.b" is key b of the object under
// key a. A backslash escapes a dot that belongs to a key, or a backslash:
// `com\.example.flag` is key "flag" of the object under "com.example".
//
// The deny rule's metadata.key and the metadata rule's set, delete and
// annotate.key options take key paths.
package keypath

import (
	"errors"
	"fmt"
	"strings"
)

// Parse splits the key path s into its keys, with the escapes removed.
// Every key must be non-empty, and a backslash may only escape '.' or '\';
// the error says which rule s breaks, and quotes it.
func Parse(s string) ([]string, error) {
	if s == "" {
		return nil, errors.New("empty key path")
	}
	var path []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) || (s[i+1] != '.' && s[i+1] != '\\') {
				return nil, fmt.Errorf("key path %q: a backslash may only escape '.' or '\\'", s)
			}
			i++
			cur.WriteByte(s[i])
		case '.':
			if cur.Len() == 0 {
				return nil, fmt.Errorf("key path %q has an empty key (write \\. for a dot within a key)", s)
			}
			path = append(path, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if cur.Len() == 0 {
		return nil, fmt.Errorf("key path %q ends with an empty key", s)
	}
	return append(path, cur.String()), nil
}
