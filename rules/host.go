package rules

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/state"
)

// Provisioner is a rule that needs services its host provides, such as the
// state store stateful rules share: after the configuration is parsed,
// Config.Provision calls Provision once per stage, before any message. A
// rule that needs nothing does not implement it.
type Provisioner interface {
	Provision(ctx context.Context, h *Host) error
}

// Host offers rules the services they share, each built lazily, once, on
// the first request: a program whose configuration has no rule that asks
// for a service never builds it (nor opens its client). A Host is safe for
// concurrent use; one Host serves every configuration a process loads.
type Host struct {
	stateOnce sync.Once
	openState func(context.Context) (state.Store, error)
	store     state.Store
	stateErr  error
}

// HostOption configures a Host.
type HostOption func(*Host)

// NewHost returns a Host with the given services.
func NewHost(opts ...HostOption) *Host {
	h := &Host{}
	for _, o := range opts {
		o(h)
	}
	return h
}

// WithState makes s the state store of the host's stateful rules (a
// state.Memory for the replay harness and tests).
func WithState(s state.Store) HostOption {
	return WithStateOpener(func(context.Context) (state.Store, error) { return s, nil })
}

// WithStateOpener makes open build the state store the first time a rule
// asks for it (processor/boot opens the DynamoDB table this way).
func WithStateOpener(open func(context.Context) (state.Store, error)) HostOption {
	return func(h *Host) { h.openState = open }
}

// ErrNoStateStore is returned by Host.State on a host with no state store.
var ErrNoStateStore = errors.New("no state store: stateful rules need one (the processor's CHIMEFLOW_STATE_TABLE, or rules.WithState)")

// State returns the state store, opening it on the first call.
func (h *Host) State(ctx context.Context) (state.Store, error) {
	if h == nil || h.openState == nil {
		return nil, ErrNoStateStore
	}
	h.stateOnce.Do(func() {
		h.store, h.stateErr = h.openState(ctx)
		if h.stateErr == nil && h.store == nil {
			h.stateErr = ErrNoStateStore
		}
	})
	return h.store, h.stateErr
}

// Provision provisions every stage of c whose rule is a Provisioner with
// h, and returns every failure, each naming its pipeline and stage. A
// configuration whose rules need nothing is left alone, whatever h offers.
func (c *Config) Provision(ctx context.Context, h *Host) error {
	var errs []error
	provision := func(p *processor.Pipeline) {
		for i := range p.Stages {
			st := &p.Stages[i]
			if pr, ok := st.Rule.(Provisioner); ok {
				if err := pr.Provision(ctx, h); err != nil {
					errs = append(errs, fmt.Errorf("pipeline %s: rule %s: %w", p.Name, st.Name, err))
				}
			}
		}
	}
	if c.Default != nil {
		provision(c.Default)
	}
	for _, cp := range c.Channels {
		provision(cp.Pipeline)
	}
	return errors.Join(errs...)
}
