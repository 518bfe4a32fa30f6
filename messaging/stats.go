package messaging

import (
	"context"
	"errors"
)

// CallStats counts what one call of the Client did: the attempts it sent
// and, by cause, the retries among them. It is how a caller measures
// throttling and faults without changing the operations' method shape:
//
//	var st messaging.CallStats
//	_, err := client.ChannelFlowCallback(messaging.WithCallStats(ctx, &st), in)
//	// st.Attempts, st.RetriesThrottle, ...
//
// The Client only adds to it (counting allocates nothing), so one
// CallStats can sum several calls made one after the other; calls made at
// the same time must not share one.
type CallStats struct {
	// Attempts counts the attempts made, the first included; 0 when the
	// call failed before its first (invalid input, no time left before the
	// deadline less the margin).
	Attempts int
	// RetriesThrottle counts the attempts made again after a 429 answer
	// (ThrottledClientException).
	RetriesThrottle int
	// RetriesServerError counts the attempts made again after a 5xx
	// answer (ServiceFailureException, ServiceUnavailableException, a load
	// balancer's page).
	RetriesServerError int
	// RetriesNetwork counts the attempts made again after a transport
	// failure: no connection, a reset or cut connection, no answer within
	// the attempt timeout, a truncated body.
	RetriesNetwork int
}

// Retries returns the retries of every cause.
func (s *CallStats) Retries() int { return s.RetriesThrottle + s.RetriesServerError + s.RetriesNetwork }

// statsKey is the context key of WithCallStats.
type statsKey struct{}

// WithCallStats returns a copy of ctx under which every call of a Client
// counts its attempts and retries into s (see CallStats). A callback that
// is not a *Client (a recorder, an adapter to the official client) leaves
// s as it is.
func WithCallStats(ctx context.Context, s *CallStats) context.Context {
	return context.WithValue(ctx, statsKey{}, s)
}

// callStats returns the CallStats of ctx, or nil.
func callStats(ctx context.Context) *CallStats {
	s, _ := ctx.Value(statsKey{}).(*CallStats)
	return s
}

// countRetry adds one retry after err to s, by its cause: a 429, a 5xx, or
// anything else an attempt can fail with and be retried (a transport
// failure).
func (s *CallStats) countRetry(err error) {
	// errors.AsType, unlike errors.As, does not move its target to the
	// heap: counting allocates nothing.
	e, ok := errors.AsType[*APIError](err)
	switch {
	case ok && e.StatusCode == 429:
		s.RetriesThrottle++
	case ok && e.StatusCode >= 500:
		s.RetriesServerError++
	default:
		s.RetriesNetwork++
	}
}
