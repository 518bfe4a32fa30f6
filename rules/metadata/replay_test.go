package metadata_test

import (
	"testing"

	"github.com/chimeflow/chimeflow/processor/processortest"
	_ "github.com/chimeflow/chimeflow/rules/metadata"
)

// TestReplay replays the fixtures of testdata/replay under
// testdata/metadata.yaml against their golden files; regenerate them with
// CHIMEFLOW_UPDATE_GOLDEN=1 go test -run TestReplay, or with
// go run ./cmd/replay -update -config rules/metadata/testdata/metadata.yaml rules/metadata/testdata/replay.
func TestReplay(t *testing.T) {
	processortest.ReplayDir(t, "testdata/replay", "testdata/metadata.yaml")
}
