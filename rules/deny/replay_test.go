package deny_test

import (
	"testing"

	"github.com/chimeflow/chimeflow/processor/processortest"
	_ "github.com/chimeflow/chimeflow/rules/deny"
	_ "github.com/chimeflow/chimeflow/rules/metadata" // the replay configuration stamps metadata
)

// TestReplay replays the fixtures of testdata/replay under
// testdata/deny.yaml against their golden files; regenerate them with
// CHIMEFLOW_UPDATE_GOLDEN=1 go test -run TestReplay, or with
// go run ./cmd/replay -update -config rules/deny/testdata/deny.yaml rules/deny/testdata/replay.
func TestReplay(t *testing.T) {
	processortest.ReplayDir(t, "testdata/replay", "testdata/deny.yaml")
}
