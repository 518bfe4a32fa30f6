package state_test

import (
	"testing"

	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/processor/state/statetest"
)

// TestMemory runs the store contract's suite on Memory: every container
// shares the one instance.
func TestMemory(t *testing.T) {
	statetest.Run(t, func(t *testing.T) func() statetest.Store {
		m := state.NewMemory()
		return func() statetest.Store { return m }
	})
}
