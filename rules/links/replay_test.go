package links_test

import (
	"testing"

	"github.com/chimeflow/chimeflow/processor/processortest"
	_ "github.com/chimeflow/chimeflow/rules/links"
)

// TestReplay replays testdata/replay against its golden files with
// testdata/links.yaml; CHIMEFLOW_UPDATE_GOLDEN=1 rewrites them.
func TestReplay(t *testing.T) {
	processortest.ReplayDir(t, "testdata/replay", "testdata/links.yaml")
}
