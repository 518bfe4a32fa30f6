package yamlnode_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/chimeflow/chimeflow/rules/internal/yamlnode"
)

func TestChild(t *testing.T) {
	var doc yaml.Node
	require.NoError(t, yaml.Unmarshal([]byte("base: &b {x: 1}\nlist: [a, *b]\nk: ~\n"), &doc))
	root := doc.Content[0]
	assert.Equal(t, "a", yamlnode.Child(yamlnode.Child(root, "list"), "0").Value)
	alias := yamlnode.Child(yamlnode.Child(root, "list"), "1")
	assert.Equal(t, "1", yamlnode.Child(alias, "x").Value, "aliases are followed")
	assert.Nil(t, yamlnode.Child(root, "missing"))
	assert.Nil(t, yamlnode.Child(yamlnode.Child(root, "list"), "2"))
	assert.Nil(t, yamlnode.Child(nil, "x"))
	assert.True(t, yamlnode.IsNull(yamlnode.Child(root, "k")))
	assert.False(t, yamlnode.IsNull(yamlnode.Child(root, "base")))
}

func TestJoin(t *testing.T) {
	assert.Equal(t, "a", yamlnode.Join("", "a"))
	assert.Equal(t, "a.0.b", yamlnode.Join(yamlnode.Join("a", "0"), "b"))
}
