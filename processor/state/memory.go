package state

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory is a Store and Admin that keeps the state in the process. It is
// exact for one process and blind to every other: in Lambda each container
// would count on its own, and a duplicate delivered to another container
// would not find the record. It serves the replay harness and tests, where
// one process sees every message; use dynamostate across containers.
//
// State is dropped once it is past its Horizon relative to the newest
// message time Memory has seen, so that a long replay stays small; like
// everything Memory decides, that depends on message times only, never on
// the wall clock, so a replay decides the same every run.
type Memory struct {
	mu         sync.Mutex
	records    map[string]*memRecord
	limits     map[limitKey]*memLimit
	recent     map[string]*memRecent
	mutes      map[string]*memMute
	violations map[string][]memViolation
	newest     time.Time
	ops        int
}

type limitKey struct {
	key   string
	start int64 // the window's start, Unix milliseconds
}

type memRecord struct {
	rec     Record
	expires time.Time
}

type memLimit struct {
	n       int64
	expires time.Time
}

type memRecent struct {
	seen    time.Time
	cb, msg string
	expires time.Time
}

type memMute struct {
	m       Mute
	expires time.Time
}

type memViolation struct {
	t  time.Time
	cb string
}

// NewMemory returns an empty in-process store.
func NewMemory() *Memory {
	return &Memory{
		records:    map[string]*memRecord{},
		limits:     map[limitKey]*memLimit{},
		recent:     map[string]*memRecent{},
		mutes:      map[string]*memMute{},
		violations: map[string][]memViolation{},
	}
}

// Decide implements Store.
func (s *Memory) Decide(ctx context.Context, d *Decision) (Decided, error) {
	if err := ValidateDecision(d); err != nil {
		return Decided{}, err
	}
	if err := ctx.Err(); err != nil {
		return Decided{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tick(d.Time)
	if r, ok := s.records[d.CallbackID]; ok {
		rec := cloneRecord(r.rec)
		return Decided{Earlier: &rec}, nil
	}
	out := Decided{Results: make([]Result, len(d.Checks))}
	tripped := false
	for i := range d.Checks {
		out.Results[i] = s.test(&d.Checks[i], d.CallbackID, d.MessageID, d.Time)
		tripped = tripped || out.Results[i].Tripped
	}
	if tripped {
		return out, nil
	}
	for i := range d.Checks {
		s.apply(&d.Checks[i], d.CallbackID, d.MessageID, d.Time)
	}
	s.records[d.CallbackID] = &memRecord{rec: cloneRecord(d.Record), expires: d.Time.Add(Horizon)}
	out.Applied = true
	return out, nil
}

// Finish implements Store.
func (s *Memory) Finish(ctx context.Context, f *Finish) (Finished, error) {
	if err := ValidateFinish(f); err != nil {
		return Finished{}, err
	}
	if err := ctx.Err(); err != nil {
		return Finished{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tick(f.Time)
	if r, ok := s.records[f.CallbackID]; ok && r.rec.Answered {
		return Finished{Duplicate: true}, nil
	}
	rec := cloneRecord(f.Record)
	rec.Answered = true
	s.records[f.CallbackID] = &memRecord{rec: rec, expires: f.Time.Add(Horizon)}
	out := Finished{Results: make([]Result, len(f.Checks)), Muted: make([]time.Time, len(f.Violations))}
	for i := range f.Checks {
		c := &f.Checks[i]
		if out.Results[i] = s.test(c, f.CallbackID, f.MessageID, f.Time); !out.Results[i].Tripped {
			s.apply(c, f.CallbackID, f.MessageID, f.Time)
		}
	}
	for i := range f.Violations {
		out.Muted[i] = s.violate(&f.Violations[i], f.CallbackID, f.Time)
	}
	return out, nil
}

// test runs one check without changing anything.
func (s *Memory) test(c *Check, cb, msg string, t time.Time) Result {
	switch c.Kind {
	case CheckLimit:
		if l, ok := s.limits[limitKey{c.Key, WindowStart(t, c.Window).UnixMilli()}]; ok && l.n >= c.Limit {
			return Result{Tripped: true, Count: l.n}
		}
	case CheckRecent:
		if r, ok := s.recent[c.Key]; ok && r.seen.After(t.Add(-c.Window)) && r.cb != cb && (msg == "" || r.msg != msg) {
			return Result{Tripped: true, Seen: r.seen}
		}
	case CheckMute:
		if m, ok := s.mutes[c.Key]; ok && m.m.Active(t) {
			return Result{Tripped: true, Until: m.m.Until}
		}
	}
	return Result{}
}

// apply writes what a passing check writes.
func (s *Memory) apply(c *Check, cb, msg string, t time.Time) {
	switch c.Kind {
	case CheckLimit:
		start := WindowStart(t, c.Window)
		k := limitKey{c.Key, start.UnixMilli()}
		l, ok := s.limits[k]
		if !ok {
			l = &memLimit{expires: start.Add(c.Window + Horizon)}
			s.limits[k] = l
		}
		l.n++
	case CheckRecent:
		s.recent[c.Key] = &memRecent{seen: t, cb: cb, msg: msg, expires: t.Add(c.Window + Horizon)}
	}
}

// violate records a violation and mutes its sender at the threshold; it
// returns the end of the mute it started, or zero.
func (s *Memory) violate(v *Violation, cb string, t time.Time) time.Time {
	list := s.violations[v.Key]
	if !slices.ContainsFunc(list, func(x memViolation) bool { return x.cb == cb }) {
		list = append(list, memViolation{t: t, cb: cb})
		s.violations[v.Key] = list
	}
	var n int64
	for _, x := range list {
		if x.t.After(t.Add(-v.Within)) && !x.t.After(t) {
			n++
		}
	}
	if n < v.Threshold {
		return time.Time{}
	}
	if m, ok := s.mutes[v.Key]; ok && m.m.Active(t) {
		return time.Time{}
	}
	until := t.Add(v.Mute)
	s.mutes[v.Key] = &memMute{m: Mute{Key: v.Key, Stage: v.Stage, Subject: v.Subject, From: t, Until: until}, expires: until.Add(Horizon)}
	return until
}

// tick notes a message time and, now and then, drops what is past its
// horizon relative to the newest one.
func (s *Memory) tick(t time.Time) {
	if t.After(s.newest) {
		s.newest = t
	}
	if s.ops++; s.ops%1024 != 0 {
		return
	}
	for k, v := range s.records {
		if v.expires.Before(s.newest) {
			delete(s.records, k)
		}
	}
	for k, v := range s.limits {
		if v.expires.Before(s.newest) {
			delete(s.limits, k)
		}
	}
	for k, v := range s.recent {
		if v.expires.Before(s.newest) {
			delete(s.recent, k)
		}
	}
	for k, v := range s.mutes {
		if v.expires.Before(s.newest) {
			delete(s.mutes, k)
		}
	}
	for k, list := range s.violations {
		list = slices.DeleteFunc(list, func(x memViolation) bool { return x.t.Add(Horizon).Before(s.newest) })
		if len(list) == 0 {
			delete(s.violations, k)
		} else {
			s.violations[k] = list
		}
	}
}

// Mutes implements Admin.
func (s *Memory) Mutes(ctx context.Context) ([]Mute, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Mute, 0, len(s.mutes))
	for _, m := range s.mutes {
		out = append(out, m.m)
	}
	SortMutes(out)
	return out, nil
}

// Lift implements Admin.
func (s *Memory) Lift(ctx context.Context, key string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.mutes[key]
	if !ok {
		return ErrNoMute
	}
	m.m.Lifted = at
	return nil
}

// SortMutes orders mutes by Stage, Subject and Key.
func SortMutes(ms []Mute) {
	slices.SortFunc(ms, func(a, b Mute) int {
		if c := strings.Compare(a.Stage, b.Stage); c != 0 {
			return c
		}
		if c := strings.Compare(a.Subject, b.Subject); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
}

func cloneRecord(r Record) Record {
	r.Rules = slices.Clone(r.Rules)
	return r
}
