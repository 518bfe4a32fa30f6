// The race detector makes sync.Pool, which regexp uses for its matchers,
// drop what it holds, so allocations are only counted without it.

//go:build !race

package deny_test

import (
	"context"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/deny"
)

func TestCleanMessageDoesNotAllocate(t *testing.T) {
	r := processortest.NewRule(t, deny.Name, everything)
	m := processor.NewMessage(clean())
	ctx := context.Background()
	if v, err := r.Apply(ctx, m); err != nil || v.Deny {
		t.Fatalf("clean message: %v, %v", v, err)
	}
	allocs := testing.AllocsPerRun(100, func() { _, _ = r.Apply(ctx, m) })
	if allocs != 0 {
		t.Errorf("Apply allocates %v times per clean message, want 0", allocs)
	}
}
