package rules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/state"
)

// Host is what the program that runs the rules (the Lambda entry point,
// the replay command, a test) offers the rules that need more than their
// options: an AWS configuration, for rules that call AWS services, and the
// state store stateful rules share. Each is built once, when the first rule
// asks for it, and never when no configured rule does: a processor whose
// rules need neither pays nothing for them.
//
// A Host is safe for concurrent use; one Host serves every configuration a
// process loads.
type Host struct {
	getenv func(string) string

	loadAWS func(context.Context) (aws.Config, error)
	awsOnce sync.Once
	awsCfg  aws.Config
	awsErr  error

	openState func(context.Context) (state.Store, error)
	stateOnce sync.Once
	store     state.Store
	stateErr  error
}

// HostOption configures a Host.
type HostOption func(*Host)

// NewHost returns a Host with the options; with none it offers no AWS
// configuration and no state store, and reads the process environment.
func NewHost(opts ...HostOption) *Host {
	h := &Host{getenv: os.Getenv}
	for _, o := range opts {
		o(h)
	}
	return h
}

// WithAWSConfig makes the Host offer cfg.
func WithAWSConfig(cfg aws.Config) HostOption {
	return func(h *Host) {
		h.loadAWS = func(context.Context) (aws.Config, error) { return cfg, nil }
	}
}

// WithAWSConfigLoader makes the Host offer the configuration load returns,
// calling it at most once, when a rule first asks (config.LoadDefaultConfig
// fits, or a loader that reads the credentials Lambda puts in the
// environment).
func WithAWSConfigLoader(load func(context.Context) (aws.Config, error)) HostOption {
	return func(h *Host) { h.loadAWS = load }
}

// WithHostGetenv makes Getenv read the environment through getenv.
func WithHostGetenv(getenv func(string) string) HostOption {
	return func(h *Host) { h.getenv = getenv }
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

// Errors of the Host's services.
var (
	// ErrNoAWSConfig is returned by Host.AWSConfig when the host offers none.
	ErrNoAWSConfig = errors.New("rules: the host offers no AWS configuration")
	// ErrNoStateStore is returned by Host.State on a host with no state store.
	ErrNoStateStore = errors.New("no state store: stateful rules need one (the processor's CHIMEFLOW_STATE_TABLE, or rules.WithState)")
)

// AWSConfig returns the host's AWS configuration, loading it on the first
// call; a failed load is not retried.
func (h *Host) AWSConfig(ctx context.Context) (aws.Config, error) {
	if h == nil || h.loadAWS == nil {
		return aws.Config{}, ErrNoAWSConfig
	}
	h.awsOnce.Do(func() {
		h.awsCfg, h.awsErr = h.loadAWS(ctx)
		if h.awsErr != nil {
			h.awsErr = fmt.Errorf("rules: load the AWS configuration: %w", h.awsErr)
		}
	})
	return h.awsCfg, h.awsErr
}

// State returns the state store, opening it on the first call; a failed
// open is not retried.
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

// Getenv reads the host's environment (the process environment unless
// WithHostGetenv says otherwise), for settings such as the SDKs'
// service-specific endpoint variables.
func (h *Host) Getenv(name string) string {
	if h == nil || h.getenv == nil {
		return os.Getenv(name)
	}
	return h.getenv(name)
}

// Provisioner is a rule that takes what it needs from its host once, at
// start-up, after New: the AWS clients of a rule that calls AWS, the state
// store of a stateful rule. Provision is called once per rule, before the
// rule sees a message; an error stops the program from starting, as a bad
// option does. A rule that needs nothing does not implement it.
type Provisioner interface {
	Provision(ctx context.Context, h *Host) error
}

// Provision provisions r from h when r is a Provisioner, and does nothing
// otherwise.
func Provision(ctx context.Context, h *Host, r processor.Rule) error {
	if p, ok := r.(Provisioner); ok {
		return p.Provision(ctx, h)
	}
	return nil
}

// Provision provisions, from h, every rule of every pipeline of c that is a
// Provisioner, and returns every failure, joined, each naming its pipeline
// and stage. Programs that load a configuration call it once, before the
// first message; a configuration whose rules need nothing is left alone,
// whatever h offers.
func (c *Config) Provision(ctx context.Context, h *Host) error {
	var errs []error
	pipelines := []*processor.Pipeline{c.Default}
	for _, cp := range c.Channels {
		pipelines = append(pipelines, cp.Pipeline)
	}
	for _, p := range pipelines {
		if p == nil {
			continue
		}
		for _, st := range p.Stages {
			if err := Provision(ctx, h, st.Rule); err != nil {
				errs = append(errs, fmt.Errorf("pipeline %s: rule %s: %w", p.Name, st.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}
