package evalset_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/evalset"
)

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "eval.tsv")
	require.NoError(t, os.WriteFile(path, []byte("# header\nprofane\tleet\tsh1t happens\n\nclean\tchat\tsee\tyou\n"), 0o644))
	items, err := evalset.Load(path)
	require.NoError(t, err)
	assert.Equal(t, []evalset.Item{{Profane: true, Category: "leet", Text: "sh1t happens"}, {Category: "chat", Text: "see\tyou"}}, items)

	require.NoError(t, os.WriteFile(path, []byte("maybe\tchat\tx\n"), 0o644))
	_, err = evalset.Load(path)
	assert.ErrorContains(t, err, "eval.tsv:1: want profane|clean")
	_, err = evalset.Load(filepath.Join(t.TempDir(), "missing.tsv"))
	assert.Error(t, err)
}

func TestBundledSet(t *testing.T) {
	items, err := evalset.Load("../../testdata/profanity/eval.tsv")
	require.NoError(t, err)
	assert.Greater(t, len(items), 1000)
}
