package all_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chimeflow/chimeflow/processor/processortest"
)

// TestScenarios replays each scenario of testdata/scenarios (a directory
// of events and the configuration NAME/NAME.yaml) against its goldens, in
// the order of the events' timestamps, with the state of one process: the
// flood, repeat, mention and escalation scenarios decide the same every
// run.
func TestScenarios(t *testing.T) {
	dirs, err := filepath.Glob("../../testdata/scenarios/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no scenarios: %v", err)
	}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		config := filepath.Join(dir, name+".yaml")
		if _, err := os.Stat(config); err != nil {
			t.Errorf("scenario %s has no %s", name, config)
			continue
		}
		t.Run(name, func(t *testing.T) { processortest.ReplayDir(t, dir, config) })
	}
}
