package boot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/metrics"
	"github.com/chimeflow/chimeflow/processor/trail"
	"github.com/chimeflow/chimeflow/rules/live"
)

// Environment variables of the handler's debug lines. The metrics read
// metrics.EnvNamespace and metrics.EnvDimensions, the decision trail
// trail.EnvBus and trail.EnvContent.
const (
	// EnvLogContent is "true" to put what senders wrote into the debug
	// lines (processor.WithLogContent); "false" or empty not to.
	EnvLogContent = "CHIMEFLOW_LOG_CONTENT"
	// EnvLogDebugSample is the fraction of messages, 0 to 1, that get a
	// debug line (processor.WithDebugSample); empty means 1.
	EnvLogDebugSample = "CHIMEFLOW_LOG_DEBUG_SAMPLE"
)

// AWS variables the decision trail's EventBridge client reads, besides the
// region and credentials the callback client reads.
const (
	EnvEventBridgeEndpoint = "AWS_ENDPOINT_URL_EVENTBRIDGE"
	envEndpoint            = "AWS_ENDPOINT_URL"
	envIgnoreEndpoints     = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
)

// ErrTrailNotLinked is the start-up error of a program without a decision
// trail sink (WithTrail) whose environment names a bus.
var ErrTrailNotLinked = errors.New("the decision trail's EventBridge sink is not linked into this program: " +
	"build cmd/processor without the tag chimeflow_notrail, or give boot.WithTrail(ebsink.NewFromConfig) " +
	"(package github.com/chimeflow/chimeflow/processor/trail/ebsink) to boot.Main in your own main")

// WithTrail makes open, called with the AWS configuration of Lambda's
// environment (region, credentials, AWS_ENDPOINT_URL_EVENTBRIDGE) and the
// bus CHIMEFLOW_TRAIL_BUS names, make the decision trail's sink at
// start-up, when that variable is set: otherwise it is never called.
// cmd/processor passes ebsink.NewFromConfig (EventBridge's PutEvents),
// unless built with the tag chimeflow_notrail. Without WithTrail, boot
// links no EventBridge client, and CHIMEFLOW_TRAIL_BUS is refused at
// start-up (ErrTrailNotLinked).
func WithTrail[S trail.Sink](open func(cfg aws.Config, bus string) (S, error)) Option {
	return func(s *settings) {
		s.openTrail = func(cfg aws.Config, bus string) (trail.Sink, error) { return open(cfg, bus) }
	}
}

// ShutdownBudget is the time the SIGTERM handler gives the decision trail
// to deliver what it holds: Lambda ends the process about 500 ms after
// SIGTERM.
const ShutdownBudget = 300 * time.Millisecond

// observation is what the environment asks of the handler's metrics, trail
// and debug lines, read and checked before anything is started.
type observation struct {
	metrics     metrics.Options
	trail       trail.Options
	trailOn     bool
	logContent  bool
	debugSample float64
}

// readObservation reads the observability variables, every problem joined.
func (s *settings) readObservation() (observation, error) {
	var o observation
	var errs []error
	var err error
	if o.metrics, err = metrics.OptionsFromEnv(s.getenv); err != nil {
		errs = append(errs, err)
	}
	if o.trail, o.trailOn, err = trail.OptionsFromEnv(s.getenv); err != nil {
		errs = append(errs, err)
	}
	if o.trailOn && s.openTrail == nil {
		errs = append(errs, fmt.Errorf("%s is set: %w", trail.EnvBus, ErrTrailNotLinked))
	}
	switch v := strings.TrimSpace(s.getenv(EnvLogContent)); v {
	case "", "false":
	case "true":
		o.logContent = true
	default:
		errs = append(errs, fmt.Errorf("%s: %q: want true or false", EnvLogContent, v))
	}
	o.debugSample = 1
	if v := strings.TrimSpace(s.getenv(EnvLogDebugSample)); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			errs = append(errs, fmt.Errorf("%s: %q: want a fraction from 0 to 1 (0.1 is one message in ten)", EnvLogDebugSample, v))
		}
		o.debugSample = f
	}
	return o, errors.Join(errs...)
}

// startObservation builds the metrics emitter and, when configured, the
// decision trail with the sink WithTrail's opener makes, and returns the handler's
// options. The emitter reads the trail's failures and, when the router
// reloads its rules (rules/live), its reload counters. It is called once
// nothing else can fail: the trail starts a goroutine.
func (s *settings) startObservation(o observation, logger zerolog.Logger, router processor.Router) ([]processor.HandlerOption, error) {
	opts := []processor.HandlerOption{processor.WithLogContent(o.logContent), processor.WithDebugSample(o.debugSample)}
	var tr *trail.Trail
	if o.trailOn {
		cfg, missing := s.envAWSConfig(EnvEventBridgeEndpoint)
		if len(missing) > 0 {
			return nil, fmt.Errorf("%s is set: the environment lacks %s", trail.EnvBus, strings.Join(missing, ", "))
		}
		sink, err := s.openTrail(cfg, o.trail.Bus)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", trail.EnvBus, err)
		}
		o.trail.Logger = logger
		if tr, err = trail.New(sink, o.trail); err != nil {
			return nil, err
		}
		o.metrics.TrailFailures = tr.Failures
		opts = append(opts, processor.WithTrail(tr))
	}
	if r, ok := router.(reloading); ok {
		o.metrics.RulesCounters = func() metrics.RulesCounters {
			st := r.Stats()
			return metrics.RulesCounters{Reloads: st.Reloads, Refusals: st.Refusals, FetchFailures: st.Failures}
		}
	}
	em, err := metrics.New(s.logOutput, o.metrics)
	if err != nil {
		if tr != nil {
			_ = tr.Close(context.Background())
		}
		return nil, err
	}
	return append(opts, processor.WithMetrics(em)), nil
}

// reloading is a router that reloads its rules and counts it, as
// *live.Router does.
type reloading interface {
	Stats() live.Stats
}

// closer is a handler that flushes what it holds when the process ends, as
// *processor.Handler does (Close).
type closer interface {
	Close(ctx context.Context) error
}

// needsClose is a closer that says whether it holds anything at the end
// of an invocation, as *processor.Handler does (NeedsClose).
type needsClose interface {
	NeedsClose() bool
}

// sigtermFor returns the SIGTERM option for h: when h has a Close method,
// unless it says it has nothing to close (a *processor.Handler without a
// decision trail). Registering costs an Extensions API call at start.
func sigtermFor(h any) (lambda.Option, bool) {
	c, ok := h.(closer)
	if !ok {
		return nil, false
	}
	if n, ok := h.(needsClose); ok && !n.NeedsClose() {
		return nil, false
	}
	return sigterm(c), true
}

// sigterm returns the lambda option that, on SIGTERM, closes h within
// ShutdownBudget: the decision trail delivers what it still holds, the
// metrics are flushed.
func sigterm(h closer) lambda.Option {
	return lambda.WithEnableSIGTERM(func() {
		ctx, cancel := context.WithTimeout(context.Background(), ShutdownBudget)
		defer cancel()
		_ = h.Close(ctx) // Close logs what went wrong
	})
}
