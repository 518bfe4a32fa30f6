// Package soak runs the processor's compiled bootstrap, as Lambda runs it
// for asynchronous invocations, against the model-checked Chime SDK
// Messaging stand-in under a schedule of faults, with thousands of events,
// and counts what became of each: accepted once, absorbed as a duplicate,
// retried, dead-lettered with its reason, or lost.
//
// The parts: lambdatest.Async (containers of the bootstrap, deadlines
// enforced by killing, retries, on-failure records, duplicate deliveries,
// kills), messagingtest.Server (the service model and signature checked on
// every request, message state, the refusals of an answered message, the
// faults of a Schedule), and an Oracle (the same handler in this process)
// that says what the binary must decide for each event. cmd/soak is its
// command line; docs/soak.md says what it models and what it does not.
package soak

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// Config configures a soak. The zero Config is the full run's.
type Config struct {
	// Events is how many events to send; zero means 10,000.
	Events int
	// Containers is the function's concurrency; zero means 16.
	Containers int
	// Seed makes the events and the fault schedule reproducible.
	Seed uint64
	// Timeout is the function timeout; zero means 3s (the deployed
	// function has 10s: shorter keeps answers slower than the deadline
	// cheap to wait for).
	Timeout time.Duration
	// MaxRetryAttempts is the function's MaximumRetryAttempts, 0 to 2;
	// negative means 0, zero means 2.
	MaxRetryAttempts int
	// RetryScale scales Lambda's retry delays (1 and 2 minutes); zero
	// means 1/600 (100ms and 200ms).
	RetryScale float64
	// MaxEventAge is MaximumEventAgeInSeconds, not scaled; zero means 900s
	// (the template's default).
	MaxEventAge time.Duration
	// DuplicateRate is the share of events delivered twice, 100-150ms
	// apart, to different containers; negative means none, zero 5%.
	DuplicateRate float64
	// FaultRate is the share of CallbackIds whose first callbacks are
	// faulted; negative means none, zero 30%.
	FaultRate float64
	// KillRate is the share of attempts whose container is SIGKILLed at a
	// random instant in their first 20ms; KillInCallbackRate the share of
	// callback requests (not faulted) during which it is, the service
	// accepting the callback. Negative means none, zero 0.5% each.
	KillRate, KillInCallbackRate float64
	// InFlight bounds the invocations not yet settled; zero means four per
	// container.
	InFlight int
	// EventsDir holds the fixtures; empty means testdata/events.
	EventsDir string
	// ConfigFile is the rules configuration of the processor; empty means
	// testdata/config/moderation.yaml (every kind of outcome).
	ConfigFile string
	// Bootstrap is the binary to run; empty means build cmd/processor as
	// the SAM build does, for this machine.
	Bootstrap string
	// Env adds KEY=value entries to the processor's environment, in the
	// processes and in the in-process handler alike (CHIMEFLOW_ERROR_POLICY
	// and the like).
	Env []string
	// MaxWait bounds the wait for the last invocations to settle after the
	// last event is sent; zero means 10 minutes.
	MaxWait time.Duration
	// Progress, when not nil, gets a line now and then.
	Progress io.Writer

	// Stateful runs the stateful soak instead: events of GenerateStateful
	// through a pipeline of escalation, a rate limit and a repeat check
	// whose state is in a DynamoDB table shared by every container, then
	// checks the table against what the service accepted (StateReport).
	// EventsDir and ConfigFile must be empty: the soak has its own.
	Stateful bool
	// DynamoDBEndpoint is the DynamoDB-compatible endpoint of a stateful
	// soak; empty means start python3.11 -m moto.server on loopback,
	// serving one request at a time (see docs/state.md on why).
	DynamoDBEndpoint string
}

func (c *Config) defaults() {
	def := func(v *float64, d float64) {
		switch {
		case *v < 0:
			*v = 0
		case *v == 0:
			*v = d
		}
	}
	if c.Events <= 0 {
		c.Events = 10000
	}
	if c.Containers <= 0 {
		c.Containers = 16
	}
	if c.Timeout <= 0 {
		c.Timeout = 3 * time.Second
	}
	switch {
	case c.MaxRetryAttempts < 0:
		c.MaxRetryAttempts = 0
	case c.MaxRetryAttempts == 0:
		c.MaxRetryAttempts = 2
	}
	if c.RetryScale <= 0 {
		c.RetryScale = 1.0 / 600
	}
	if c.MaxEventAge <= 0 {
		c.MaxEventAge = 900 * time.Second
	}
	def(&c.DuplicateRate, 0.05)
	def(&c.FaultRate, 0.30)
	def(&c.KillRate, 0.005)
	def(&c.KillInCallbackRate, 0.005)
	if c.InFlight <= 0 {
		c.InFlight = 4 * c.Containers
	}
	if c.EventsDir == "" && !c.Stateful {
		c.EventsDir = filepath.Join("testdata", "events")
	}
	if c.ConfigFile == "" && !c.Stateful {
		c.ConfigFile = filepath.Join("testdata", "config", "moderation.yaml")
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 10 * time.Minute
	}
}

// retryDelays are Lambda's scaled.
func (c *Config) retryDelays() [2]time.Duration {
	var d [2]time.Duration
	for i, l := range lambdatest.DefaultRetryDelays {
		d[i] = time.Duration(float64(l) * c.RetryScale)
	}
	return d
}

// Run runs a soak and returns its report. An error means the soak could
// not run; what it found is in the report (Report.Failures).
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Stateful && (cfg.EventsDir != "" || cfg.ConfigFile != "") {
		return nil, errors.New("soak: a stateful soak makes its own events and configuration: leave EventsDir and ConfigFile empty")
	}
	cfg.defaults()
	progress := func(format string, args ...any) {
		if cfg.Progress != nil {
			fmt.Fprintf(cfg.Progress, "soak: "+format+"\n", args...)
		}
	}
	dir, err := os.MkdirTemp("", "chimeflow-soak")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	bin := cfg.Bootstrap
	if bin == "" {
		progress("building cmd/processor")
		if bin, err = lambdatest.Build(dir, "github.com/chimeflow/chimeflow/cmd/processor", "bootstrap"); err != nil {
			return nil, err
		}
	}

	var (
		procEnv  []string
		fixtures = &Fixtures{}
		events   []Event
		st       *stateEnv
	)
	if cfg.Stateful {
		progress("starting the state table")
		if st, err = startState(ctx, cfg.DynamoDBEndpoint, dir); err != nil {
			return nil, err
		}
		defer st.close()
		procEnv = append(append(st.env, "CHIMEFLOW_LOG_LEVEL=info"), cfg.Env...)
		events = GenerateStateful(cfg.Events, cfg.Seed)
	} else {
		configFile, err := filepath.Abs(cfg.ConfigFile)
		if err != nil {
			return nil, err
		}
		procEnv = append([]string{"CHIMEFLOW_CONFIG_FILE=" + configFile, "CHIMEFLOW_LOG_LEVEL=info"}, cfg.Env...)
		oracle, err := NewOracle(procEnv)
		if err != nil {
			return nil, fmt.Errorf("soak: the processor's configuration: %w", err)
		}
		if fixtures, err = LoadFixtures(cfg.EventsDir, oracle); err != nil {
			return nil, err
		}
		if events, err = Generate(fixtures, oracle, cfg.Events, DefaultMix, cfg.Seed); err != nil {
			return nil, err
		}
	}

	// A redirect's target: the client must never follow one.
	var followed atomic.Int64
	trap := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		followed.Add(1)
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{}`)
	}))
	defer trap.Close()

	var (
		mu        sync.Mutex
		requestOf = map[string]string{} // CallbackId -> request id
		async     *lambdatest.Async
	)
	sched := &schedule{seed: cfg.Seed, rate: cfg.FaultRate, killRate: cfg.KillInCallbackRate, slow: 2 * cfg.Timeout, trap: trap.URL + "/elsewhere",
		kill: func(callbackID string) bool {
			mu.Lock()
			id, a := requestOf[callbackID], async
			mu.Unlock()
			return id != "" && a != nil && a.Kill(id)
		}}
	chime := messagingtest.NewServer(messagingtest.Config{RequireRegistered: true, Schedule: sched.decide})
	defer chime.Close()

	logs := &logTally{duplicates: map[string]int{}, stateFailed: map[string]bool{}}
	killRNG := &lockedRand{r: rand.New(rand.NewPCG(cfg.Seed, 0x4b11))}
	a, err := lambdatest.StartAsync(lambdatest.AsyncConfig{
		Path:             bin,
		Env:              lambdatest.Env("", chime.URL, procEnv...),
		Containers:       cfg.Containers,
		Timeout:          cfg.Timeout,
		MaxRetryAttempts: cfg.MaxRetryAttempts,
		RetryDelays:      cfg.retryDelays(),
		MaxEventAge:      cfg.MaxEventAge,
		Kill: func(lambdatest.AttemptInfo) (time.Duration, bool) {
			if cfg.KillRate == 0 {
				return 0, false
			}
			return killRNG.duration(20 * time.Millisecond), killRNG.float() < cfg.KillRate
		},
		Output: logs.line,
	})
	if err != nil {
		return nil, err
	}
	mu.Lock()
	async = a
	mu.Unlock()
	defer a.Close()

	start := time.Now()
	rng := rand.New(rand.NewPCG(cfg.Seed, 0xd0b1e))
	sent := make([]sentEvent, 0, len(events))
	step := max(len(events)/10, 1)
	for i := range events {
		ev := &events[i]
		if err := a.WaitBelow(ctx, cfg.InFlight); err != nil {
			return nil, err
		}
		if ev.Want != nil || ev.state != nil {
			var sub string
			if ev.Want != nil {
				sub = ev.Want.ChannelMessage.SubChannelID
			}
			if err := chime.AddMessage(messagingtest.Message{ChannelArn: ev.ChannelArn, MessageID: ev.MessageID, CallbackID: ev.CallbackID,
				SenderArn: ev.SenderArn, SubChannelID: sub, Refusal: sched.refusal(ev.CallbackID)}); err != nil {
				return nil, fmt.Errorf("soak: event %d (%s): %w", ev.Seq, ev.Source, err)
			}
		}
		twice := rng.Float64() < cfg.DuplicateRate
		var id string
		if twice {
			gap := 100*time.Millisecond + time.Duration(rng.Int64N(int64(50*time.Millisecond)))
			id, err = a.InvokeDuplicated(ev.Payload, gap)
		} else {
			id, err = a.Invoke(ev.Payload)
		}
		if err != nil {
			return nil, fmt.Errorf("soak: event %d (%s): %w", ev.Seq, ev.Source, err)
		}
		mu.Lock()
		if ev.CallbackID != "" {
			requestOf[ev.CallbackID] = id
		}
		mu.Unlock()
		sent = append(sent, sentEvent{Event: ev, requestID: id, twice: twice})
		if (i+1)%step == 0 {
			progress("%d events sent in %s, %d unsettled", i+1, time.Since(start).Round(time.Second), a.Unsettled())
		}
	}
	wctx, cancel := context.WithTimeout(ctx, cfg.MaxWait)
	defer cancel()
	waitErr := a.Wait(wctx)
	elapsed := time.Since(start)
	progress("settled in %s", elapsed.Round(time.Second))
	// Let the last log lines and exits arrive before reading them.
	time.Sleep(100 * time.Millisecond)
	procs := a.Processes()
	a.Close()

	r := analyse(&cfg, sent, a.Attempts(), a.Records(), procs, chime, sched, logs, fixtures)
	r.Duration = elapsed
	r.RedirectsFollowed = int(followed.Load())
	if st != nil {
		if err := verifyState(ctx, st, r, sent, chime); err != nil {
			return nil, err
		}
	}
	if waitErr != nil {
		r.Unsettled = a.Unsettled()
		r.UnsettledErr = waitErr.Error()
	}
	return r, nil
}

// sentEvent is an event and its invocation.
type sentEvent struct {
	*Event
	requestID string
	twice     bool
}

// lockedRand is a generator shared by goroutines.
type lockedRand struct {
	mu sync.Mutex
	r  *rand.Rand
}

func (l *lockedRand) float() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.r.Float64()
}

func (l *lockedRand) duration(max time.Duration) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Duration(l.r.Int64N(int64(max)))
}

// ErrFailed is matched by the error of Report.Err when a must-be-zero
// count is not zero.
var ErrFailed = errors.New("soak failed")
