package profanity_test

import (
	"testing"

	"github.com/chimeflow/chimeflow/processor/processortest"
)

// TestReplay replays the fixtures of testdata/replay through the handler
// with testdata/profanity.yaml and checks them against their golden files
// (mask, deny, flag, a push notification, Unicode obfuscation). The same
// goldens are what cmd/replay checks:
//
//	go run ./cmd/replay -config rules/profanity/testdata/profanity.yaml rules/profanity/testdata/replay
//
// Update them with CHIMEFLOW_UPDATE_GOLDEN=1 go test -run TestReplay.
func TestReplay(t *testing.T) {
	processortest.ReplayDir(t, "testdata/replay", "testdata/profanity.yaml")
}
