package messaging

import (
	"context"
	"io"
	"testing"
)

// TestCountingAllocatesNothing: what a call does for a CallStats (find it
// in the context, count the attempt, count a retry by its cause) allocates
// nothing. (Comparing whole calls with and without a CallStats does not
// tell: under the race detector sync.Pool drops objects at random, and the
// HTTP stack's allocations vary from run to run by more than one.)
func TestCountingAllocatesNothing(t *testing.T) {
	var st CallStats
	ctx := WithCallStats(context.Background(), &st)
	causes := []error{&APIError{StatusCode: 429}, &APIError{StatusCode: 503}, io.ErrUnexpectedEOF}
	allocs := testing.AllocsPerRun(100, func() {
		s := callStats(ctx)
		s.Attempts++
		for _, err := range causes {
			s.countRetry(err)
		}
	})
	if allocs != 0 {
		t.Errorf("counting allocates %.0f times per call", allocs)
	}
	if st.Attempts != 101 || st.RetriesThrottle != 101 || st.RetriesServerError != 101 || st.RetriesNetwork != 101 {
		t.Errorf("counts %+v, want 101 of each", st)
	}
	if callStats(context.Background()) != nil {
		t.Error("a context without a CallStats has one")
	}
}
