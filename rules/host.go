package rules

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/chimeflow/chimeflow/processor"
)

// Host is what the program that runs the rules (the Lambda entry point,
// the replay command, a test) offers the rules that need more than their
// options: today an AWS configuration, for rules that call AWS services.
// The configuration is loaded once, when the first rule asks for it, and
// never when no configured rule does: a processor whose rules call no AWS
// service pays nothing for those that could.
//
// A Host is safe for concurrent use.
type Host struct {
	getenv  func(string) string
	loadAWS func(context.Context) (aws.Config, error)

	once   sync.Once
	awsCfg aws.Config
	awsErr error
}

// HostOption configures a Host.
type HostOption func(*Host)

// NewHost returns a Host with the options; with none it offers no AWS
// configuration and reads the process environment.
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

// ErrNoAWSConfig is returned by Host.AWSConfig when the host offers none.
var ErrNoAWSConfig = errors.New("rules: the host offers no AWS configuration")

// AWSConfig returns the host's AWS configuration, loading it on the first
// call; a failed load is not retried.
func (h *Host) AWSConfig(ctx context.Context) (aws.Config, error) {
	if h.loadAWS == nil {
		return aws.Config{}, ErrNoAWSConfig
	}
	h.once.Do(func() {
		h.awsCfg, h.awsErr = h.loadAWS(ctx)
		if h.awsErr != nil {
			h.awsErr = fmt.Errorf("rules: load the AWS configuration: %w", h.awsErr)
		}
	})
	return h.awsCfg, h.awsErr
}

// Getenv reads the host's environment (the process environment unless
// WithHostGetenv says otherwise), for settings such as the SDKs'
// service-specific endpoint variables.
func (h *Host) Getenv(name string) string { return h.getenv(name) }

// Provisioner is a rule that takes what it needs from its host once, at
// start-up, after New: the AWS clients of a rule that calls AWS, say.
// Provision is called once per rule, before the rule sees a message; an
// error stops the program from starting, as a bad option does.
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
// first message.
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
				errs = append(errs, fmt.Errorf("pipeline %s, rule %s: %w", p.Name, st.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}
