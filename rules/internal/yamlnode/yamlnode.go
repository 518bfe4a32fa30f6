// Package yamlnode walks the YAML nodes of a rules configuration: the
// loader and the rules that need to know which options were written (not
// only their decoded values) share it.
package yamlnode

import (
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Resolve follows aliases to the node they stand for.
func Resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// Child returns the value of a mapping's key, or the item of a list at the
// index key, or nil; aliases are followed.
func Child(n *yaml.Node, key string) *yaml.Node {
	n = Resolve(n)
	if n == nil {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if Resolve(n.Content[i]).Value == key {
				return n.Content[i+1]
			}
		}
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(key); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}

// IsNull reports whether n is YAML's null.
func IsNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// Join appends a key to a dotted option path.
func Join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
