// Package standin holds what the loopback stand-ins of AWS services share
// (messaging/messagingtest for Chime SDK Messaging, internal/awsmodeltest
// for Comprehend and Bedrock Runtime): the HTTP server, whose Close
// releases the requests it holds; the record of the calls and of how they
// broke the service model or their signature; the queues of injected
// faults and the count of attempts; and the first steps of a fault, which
// every stand-in takes alike (a delay, a reset connection, a hang).
//
// What a request must be, package awsmodel checks; what a stand-in
// answers, and in which form it refuses a request, the stand-in decides.
package standin

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"
)

// MaxBody bounds the request bodies a stand-in reads.
const MaxBody = 1 << 20

// ReadBody reads the body of r, up to one byte past MaxBody. problem says
// why the body cannot be checked (it could not be read, or it is larger
// than MaxBody), or is empty.
func ReadBody(r *http.Request) (body []byte, problem string) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	switch {
	case err != nil:
		return body, "read the body: " + err.Error()
	case len(body) > MaxBody:
		return body, fmt.Sprintf("body larger than %d bytes", MaxBody)
	}
	return body, ""
}

// Core is a stand-in's HTTP server on loopback and the record of what it
// received: the calls, in order, the problems they had, the faults queued
// for them and the attempts counted. C is the stand-in's record of one
// call, F its fault. The zero Core is ready to record; Start serves. Its
// methods are safe for concurrent use.
type Core[C, F any] struct {
	// URL is the endpoint, e.g. http://127.0.0.1:41234, once started.
	URL string

	idPrefix string
	srv      *httptest.Server
	closed   chan struct{}
	once     sync.Once

	mu            sync.Mutex
	calls         []C
	problems      []string
	nonconforming int
	faults        map[string][]F // by queue key
	attempts      map[string]int // by attempt key
}

// Start serves h on loopback and sets URL. The request IDs of the calls
// are idPrefix followed by the call's number, from 1 (RequestID). Close
// the Core when done.
func (c *Core[C, F]) Start(idPrefix string, h http.HandlerFunc) {
	c.idPrefix = idPrefix
	c.closed = make(chan struct{})
	c.srv = httptest.NewServer(h)
	c.URL = c.srv.URL
}

// Close releases the requests the stand-in holds (hung, delayed), then
// stops the server.
func (c *Core[C, F]) Close() {
	c.once.Do(func() { close(c.closed) })
	c.srv.CloseClientConnections()
	c.srv.Close()
}

// RequestID is the request ID the stand-in answers the call at index idx
// with.
func (c *Core[C, F]) RequestID(idx int) string { return c.idPrefix + strconv.Itoa(idx+1) }

// Record adds call to the record, as the call of operation op ("" when
// none matched) that had problems: each is kept as "op: problem", and a
// call with any counts as nonconforming. It returns the call's index.
func (c *Core[C, F]) Record(call C, op string, problems []string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.record(call, op, problems)
}

// RecordAttempt is Record and then Attempt(key, key), in one step, so that
// the attempts counted under key and the faults queued under it go to the
// calls in the order of the record.
func (c *Core[C, F]) RecordAttempt(call C, op string, problems []string, key string) (idx, attempt int, f *F) {
	c.mu.Lock()
	defer c.mu.Unlock()
	idx = c.record(call, op, problems)
	attempt, f = c.attempt(key, key)
	return idx, attempt, f
}

func (c *Core[C, F]) record(call C, op string, problems []string) int {
	idx := len(c.calls)
	c.calls = append(c.calls, call)
	for _, p := range problems {
		c.problems = append(c.problems, op+": "+p)
	}
	if len(problems) > 0 {
		c.nonconforming++
	}
	return idx
}

// Update applies change to the record of the call at index idx (e.g. to
// keep the status answered).
func (c *Core[C, F]) Update(idx int, change func(*C)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	change(&c.calls[idx])
}

// AddProblems adds lines to the problems, as they are.
func (c *Core[C, F]) AddProblems(lines ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, lines...)
}

// Calls returns the calls recorded so far, in order. They share what they
// refer to with the record: read, do not modify.
func (c *Core[C, F]) Calls() []C {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

// Nonconforming returns how many calls had problems.
func (c *Core[C, F]) Nonconforming() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nonconforming
}

// Problems returns the problems recorded so far, one line each.
func (c *Core[C, F]) Problems() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.problems)
}

// Inject queues faults under key, for the next calls that take from it
// (Attempt), one each, in order.
func (c *Core[C, F]) Inject(key string, faults ...F) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.faults == nil {
		c.faults = map[string][]F{}
	}
	c.faults[key] = append(c.faults[key], faults...)
}

// Attempt counts an attempt under key and takes the next fault of the
// first of queues that holds one. It returns the attempt's number under
// key, from 1, and the fault, or nil.
func (c *Core[C, F]) Attempt(key string, queues ...string) (int, *F) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.attempt(key, queues...)
}

func (c *Core[C, F]) attempt(key string, queues ...string) (int, *F) {
	if c.attempts == nil {
		c.attempts = map[string]int{}
	}
	c.attempts[key]++
	for _, k := range queues {
		if q := c.faults[k]; len(q) > 0 {
			f := q[0]
			c.faults[k] = q[1:]
			return c.attempts[key], &f
		}
	}
	return c.attempts[key], nil
}

// Hold takes the first steps of a fault: it holds the answer back by
// delay, then, with reset, closes the connection without an answer, or,
// with hang, holds the request until the client goes away or the Core
// closes. It reports whether the stand-in is still to answer: false when
// the delay was cut short (the client went away, the Core closed), the
// connection reset or the request hung.
func (c *Core[C, F]) Hold(w http.ResponseWriter, r *http.Request, delay time.Duration, reset, hang bool) bool {
	if !c.wait(r.Context(), delay) {
		return false
	}
	switch {
	case reset:
		resetConnection(w)
		return false
	case hang:
		c.wait(r.Context(), 24*time.Hour)
		return false
	}
	return true
}

// wait waits d, or less when the client goes away or the Core closes; it
// reports whether the whole wait passed.
func (c *Core[C, F]) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-c.closed:
	}
	return false
}

// resetConnection closes the client's connection without an answer, with
// an RST rather than a FIN where it can, as a failing network does.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // recovered by net/http: the connection is dropped
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = tc.SetLinger(0) // an RST, not a FIN
	}
	_ = conn.Close()
}
