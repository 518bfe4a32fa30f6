package soak

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// faultKind is a fault the soak gives callbacks, with its weight among
// the faults.
type faultKind struct {
	name   string
	weight int
	fault  func(s *schedule) messagingtest.Fault
}

// faultKinds are every fault the service, or what stands in front of it,
// answers a callback with; the refusals are those of a message no longer
// pending, here given to a message that is still pending, which the
// processor must not take for a duplicate.
var faultKinds = []faultKind{
	{"429 ThrottledClientException", 14, func(*schedule) messagingtest.Fault { return messagingtest.Throttle() }},
	{"500 ServiceFailureException", 12, func(*schedule) messagingtest.Fault { return messagingtest.ServerError() }},
	{"503 ServiceUnavailableException (JSON)", 10, func(*schedule) messagingtest.Fault { return messagingtest.Unavailable() }},
	{"503 (HTML body)", 10, func(*schedule) messagingtest.Fault { return messagingtest.UnavailableHTML() }},
	{"connection reset", 12, func(*schedule) messagingtest.Fault { return messagingtest.Reset() }},
	{"answer slower than the deadline (work done)", 5, func(s *schedule) messagingtest.Fault { return messagingtest.Slow(s.slow) }},
	{"2xx with a malformed body (work done)", 10, func(*schedule) messagingtest.Fault { return messagingtest.Malformed() }},
	{"307 redirect to another host", 7, func(s *schedule) messagingtest.Fault { return messagingtest.Redirect(s.trap) }},
	{"refusal 403 ForbiddenException (message pending)", 7, func(*schedule) messagingtest.Fault {
		return messagingtest.Refuse(messagingtest.RefuseForbidden)
	}},
	{"refusal 409 ConflictException (message pending)", 6, func(*schedule) messagingtest.Fault {
		return messagingtest.Refuse(messagingtest.RefuseConflict)
	}},
	{"refusal 400 non-pending (message pending)", 7, func(*schedule) messagingtest.Fault {
		return messagingtest.Refuse(messagingtest.RefuseNonPending)
	}},
}

// refusals are the forms in which the service refuses a second callback
// of an answered message; each message gets one.
var refusals = []messagingtest.Refusal{messagingtest.RefuseForbidden, messagingtest.RefuseConflict, messagingtest.RefuseNonPending}

// schedule decides the faults of the Chime stand-in: for a share rate of
// the CallbackIds, a plan of one to three faults given to its first
// callback requests, whichever delivery or container sends them; and, for
// a share killRate of the callback requests left alone, the death of the
// container sending it while the service accepts it.
type schedule struct {
	seed     uint64
	rate     float64
	killRate float64
	slow     time.Duration
	trap     string
	// kill kills the container running the invocation of callbackID and
	// reports whether one was running.
	kill func(callbackID string) bool

	mu      sync.Mutex
	applied map[string]int // faults given, by kind name
	killed  int            // containers killed during a callback
	trace   map[string][]traced
}

// traced is a request the schedule saw.
type traced struct {
	at        time.Time
	operation string
	attempt   int
	fault     string
}

// traceOf returns the requests of callbackID's message the schedule saw.
func (s *schedule) traceOf(callbackID string) []traced {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]traced(nil), s.trace[callbackID]...)
}

func (s *schedule) record(key string, t traced) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trace == nil {
		s.trace = map[string][]traced{}
	}
	s.trace[key] = append(s.trace[key], t)
}

// counts returns the faults given by kind name, and the kills during a
// callback.
func (s *schedule) counts() (map[string]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.applied))
	for k, v := range s.applied {
		out[k] = v
	}
	return out, s.killed
}

// rng returns a generator that depends only on the seed and the parts.
func (s *schedule) rng(parts ...any) *rand.Rand {
	h := fnv.New64a()
	_ = binary.Write(h, binary.LittleEndian, s.seed)
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			h.Write([]byte(v))
		case int:
			_ = binary.Write(h, binary.LittleEndian, int64(v))
		}
		h.Write([]byte{0})
	}
	return rand.New(rand.NewPCG(h.Sum64(), s.seed))
}

// plan returns the faults of callbackID's first requests, as indexes into
// faultKinds; none for most.
func (s *schedule) plan(callbackID string) []int {
	rng := s.rng("plan", callbackID)
	if rng.Float64() >= s.rate {
		return nil
	}
	n := 1
	switch x := rng.Float64(); {
	case x < 0.10:
		n = 3
	case x < 0.35:
		n = 2
	}
	total := 0
	for _, k := range faultKinds {
		total += k.weight
	}
	out := make([]int, n)
	for i := range out {
		x := rng.IntN(total)
		for j, k := range faultKinds {
			if x < k.weight {
				out[i] = j
				break
			}
			x -= k.weight
		}
	}
	return out
}

// refusal returns the form in which the message of callbackID refuses a
// second callback.
func (s *schedule) refusal(callbackID string) messagingtest.Refusal {
	return refusals[s.rng("refusal", callbackID).IntN(len(refusals))]
}

// decide is the Server's Schedule.
func (s *schedule) decide(r messagingtest.Request) (messagingtest.Fault, bool) {
	now := time.Now()
	if r.Operation == messaging.OpGetChannelMessageStatus {
		s.record(r.ChannelArn+" "+r.MessageID, traced{at: now, operation: r.Operation, attempt: r.Attempt})
	}
	if r.Operation != messaging.OpChannelFlowCallback {
		return messagingtest.Fault{}, false
	}
	t := traced{at: now, operation: r.Operation, attempt: r.Attempt}
	defer func() { s.record(r.CallbackID, t) }()
	if p := s.plan(r.CallbackID); r.Attempt <= len(p) {
		k := faultKinds[p[r.Attempt-1]]
		s.mu.Lock()
		if s.applied == nil {
			s.applied = map[string]int{}
		}
		s.applied[k.name]++
		s.mu.Unlock()
		t.fault = k.name
		return k.fault(s), true
	}
	if s.killRate > 0 && s.kill != nil && s.rng("kill", r.CallbackID, r.Attempt).Float64() < s.killRate && s.kill(r.CallbackID) {
		s.mu.Lock()
		s.killed++
		s.mu.Unlock()
		t.fault = "SIGKILL of the container"
	}
	return messagingtest.Fault{}, false
}
