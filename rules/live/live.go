// Package live serves a rules configuration that can change while the
// processor runs: a Router loads the document of a Source at start, checks
// the Source again at an interval, and swaps in each new version only once
// it loads completely (rules.Parse, every problem listed), keeping the last
// good version on any error.
//
// A Lambda execution environment is frozen between invocations: no
// goroutine runs and no timer fires while it is. A Router therefore keeps
// no timer of its own. Route, which the handler calls once per message,
// compares the clock with the time the next check is due and, when it has
// passed, starts the check in a goroutine without waiting for it: the
// message in hand is served by the version already active, and the check
// runs while the invocation goes on (rules, callback). A check that is
// frozen in the middle resumes, or fails on its deadline, when the
// environment thaws; a failed fetch is retried after one second, then two,
// four, and so on up to the interval.
//
// Every version has a name, in every outcome (processor.Outcome's
// RulesVersion) and in the Router's log lines: the version a Source gives
// ("ssm:7"), else a hash of the content ("sha256:3f2a9c1b7d4e"). Every
// reload, refusal and failed fetch is logged and counted (Stats).
package live

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

// Defaults and bounds of Options.
const (
	// DefaultTimeout bounds a fetch when Options.Timeout is zero.
	DefaultTimeout = 5 * time.Second
	// MinInterval is the shortest interval between checks.
	MinInterval = time.Second
	// firstRetry is the wait after the first failed fetch; it doubles
	// with each further failure, up to the interval.
	firstRetry = time.Second
)

// Sentinels matched by the errors of New and Reload.
var (
	// ErrFetch matches an error of the Source: the document could not be
	// read.
	ErrFetch = errors.New("rules configuration could not be fetched")
	// ErrRefused matches a document that does not load; the error also
	// holds the *rules.ConfigError that lists every problem.
	ErrRefused = errors.New("rules configuration refused")
)

// Options configure a Router.
type Options struct {
	// Interval is how often the Source is checked for a new version,
	// counted from the end of the previous check; at least MinInterval.
	// Zero means never: the version loaded at start stays.
	Interval time.Duration
	// Timeout bounds each fetch; zero means DefaultTimeout.
	Timeout time.Duration
	// Fallback, when set, serves from the start if the Source cannot be
	// fetched or its document does not load then (the Router goes on
	// checking the Source, and swaps its document in as soon as it
	// loads). Its own document must load: New fails otherwise.
	Fallback Source
	// ErrorPolicy, when not empty, is given to every version (see
	// rules.Config.SetErrorPolicy).
	ErrorPolicy processor.ErrorPolicy
	// Host, when set, provisions every version (rules.Config.Provision)
	// before it serves: the rules that need an AWS client or the state
	// store get them from it. A version whose rules cannot be provisioned
	// is refused like one that does not load.
	Host *rules.Host
	// Logger receives one line per load, reload, refusal and failed
	// fetch; the zero Logger logs nothing.
	Logger zerolog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Router is a processor.Router whose configuration changes while it
// serves. It is safe for concurrent use: Route reads the active version
// with one atomic load, and a new version is swapped in with one atomic
// store once it is completely built, so a message is served by exactly
// one version from start to end.
type Router struct {
	src  Source
	opts Options

	active atomic.Pointer[version]
	due    atomic.Int64 // Unix nanoseconds at which the next check is due
	busy   atomic.Bool  // a background check is running

	mu      sync.Mutex // held by each check, from fetch to swap
	backoff time.Duration
	refused string // name and hash of the last document refused

	bg     sync.Mutex
	bgDone chan struct{} // closed when the latest background check ends

	reloads, refusals, failures atomic.Uint64
}

// version is one loaded version of the configuration.
type version struct {
	cfg      *rules.Config
	name     string // Document.Version, or its hash
	source   string // Document.Source
	hash     [sha256.Size]byte
	fallback bool // loaded from Options.Fallback
}

// Stats describe a Router: its active version and its counters since New.
type Stats struct {
	// Version names the active version; Source names its document.
	Version, Source string
	// Fallback is true while the version comes from Options.Fallback.
	Fallback bool
	// Reloads counts the new versions swapped in after start.
	Reloads uint64
	// Refusals counts the versions refused because they did not load
	// (each refused document once, however often it is fetched again).
	Refusals uint64
	// Failures counts the fetches that failed.
	Failures uint64
}

// New loads the first version from src and returns a Router serving it.
// When src fails (or its document does not load) and opts.Fallback is
// set, the fallback's document serves instead, and the failure is logged
// and counted; otherwise New returns the error, every problem listed.
func New(ctx context.Context, src Source, opts Options) (*Router, error) {
	if src == nil {
		return nil, errors.New("live: no Source")
	}
	if opts.Interval < 0 || opts.Interval > 0 && opts.Interval < MinInterval {
		return nil, fmt.Errorf("live: interval %v: want 0 (never) or at least %v", opts.Interval, MinInterval)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Router{src: src, opts: opts}
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.check(ctx)
	if err == nil {
		v := r.active.Load()
		r.opts.Logger.Info().Str("rulesVersion", v.name).Str("rulesSource", v.source).
			Dur("reloadInterval", opts.Interval).Msg("rules loaded")
		return r, nil
	}
	if opts.Fallback == nil {
		return nil, err
	}
	doc, ferr := fetch(ctx, opts.Fallback, opts.Timeout)
	if ferr != nil {
		return nil, errors.Join(err, fmt.Errorf("fallback %s: %w", opts.Fallback, ferr))
	}
	v, perr := r.build(ctx, doc)
	if perr != nil {
		return nil, errors.Join(err, fmt.Errorf("fallback %s: %w", opts.Fallback, perr))
	}
	v.fallback = true
	r.active.Store(v)
	r.opts.Logger.Error().Str("rulesVersion", v.name).Str("rulesSource", v.source).Str("unavailable", src.String()).
		Err(err).Msg("rules source unavailable at start: serving the fallback until it loads")
	return r, nil
}

// Route returns the pipeline of the active version for m, and starts a
// check of the Source in the background when one is due. It never waits
// for the check.
func (r *Router) Route(m *processor.ChannelMessage) *processor.Pipeline {
	r.poke()
	return r.active.Load().cfg.Route(m)
}

// Version names the active version.
func (r *Router) Version() string { return r.active.Load().name }

// Config returns the active configuration.
func (r *Router) Config() *rules.Config { return r.active.Load().cfg }

// Stats returns the active version and the counters.
func (r *Router) Stats() Stats {
	v := r.active.Load()
	return Stats{Version: v.name, Source: v.source, Fallback: v.fallback,
		Reloads: r.reloads.Load(), Refusals: r.refusals.Load(), Failures: r.failures.Load()}
}

// Reload checks the Source now and waits for the result. It reports
// whether a new version was swapped in; its error matches ErrFetch or
// ErrRefused (the active version then stays). A document identical to the
// active one changes nothing, and one refused before is refused again
// without being counted or logged again.
func (r *Router) Reload(ctx context.Context) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	before := r.active.Load()
	err := r.check(ctx)
	return r.active.Load() != before, err
}

// Wait waits for the background check in progress, if any, to end: for
// tests, and for a shutdown that wants the log lines of a check out.
func (r *Router) Wait() {
	r.bg.Lock()
	done := r.bgDone
	r.bg.Unlock()
	if done != nil {
		<-done
	}
}

// poke starts a background check when one is due and none is running.
func (r *Router) poke() {
	if r.opts.Interval == 0 || r.opts.Now().UnixNano() < r.due.Load() {
		return
	}
	if !r.busy.CompareAndSwap(false, true) {
		return
	}
	done := make(chan struct{})
	r.bg.Lock()
	r.bgDone = done
	r.bg.Unlock()
	go func() {
		defer close(done)
		defer r.busy.Store(false)
		r.mu.Lock()
		defer r.mu.Unlock()
		_ = r.check(context.Background()) // logged and counted by check
	}()
}

// check fetches the Source and swaps in its document if it is new and
// loads; it schedules the next check. The caller holds r.mu.
func (r *Router) check(ctx context.Context) error {
	doc, err := fetch(ctx, r.src, r.opts.Timeout)
	now := r.opts.Now()
	cur := r.active.Load()
	if err != nil {
		r.failures.Add(1)
		r.backoff = min(max(2*r.backoff, firstRetry), max(r.opts.Interval, firstRetry))
		r.due.Store(now.Add(r.backoff).UnixNano())
		err = fmt.Errorf("%w: %s: %w", ErrFetch, r.src, err)
		if cur != nil {
			r.opts.Logger.Warn().Str("rulesVersion", cur.name).Str("rulesSource", r.src.String()).Err(err).
				Dur("retryIn", r.backoff).Msg("rules fetch failed: keeping the active version")
		}
		return err
	}
	r.backoff = 0
	r.due.Store(now.Add(r.opts.Interval).UnixNano())
	h := sha256.Sum256(doc.Data)
	if cur != nil && !cur.fallback && h == cur.hash && docName(doc, h) == cur.name {
		return nil // unchanged
	}
	key := docName(doc, h) + " " + string(h[:])
	if key == r.refused {
		return fmt.Errorf("%w: %s: refused before", ErrRefused, docName(doc, h))
	}
	v, err := r.build(ctx, doc)
	if err != nil {
		r.refusals.Add(1)
		r.refused = key
		if cur != nil {
			e := r.opts.Logger.Error().Str("rulesVersion", cur.name).Str("refusedVersion", docName(doc, h)).Str("rulesSource", doc.Source)
			var ce *rules.ConfigError
			if errors.As(err, &ce) {
				list := make([]string, len(ce.Problems))
				for i, p := range ce.Problems {
					list[i] = p.String()
				}
				e.Strs("problems", list)
			} else {
				e.Err(err)
			}
			e.Msg("rules version refused: keeping the active version")
		}
		return err
	}
	r.active.Store(v)
	if cur != nil {
		r.reloads.Add(1)
		r.opts.Logger.Info().Str("rulesVersion", v.name).Str("previousVersion", cur.name).Str("rulesSource", v.source).
			Msg("rules reloaded")
	}
	return nil
}

// build loads a document into a version, stamped with its name and
// provisioned.
func (r *Router) build(ctx context.Context, doc Document) (*version, error) {
	h := sha256.Sum256(doc.Data)
	name := docName(doc, h)
	cfg, err := rules.Parse(doc.Data, doc.Source)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrRefused, name, err)
	}
	if r.opts.Host != nil {
		if err := cfg.Provision(ctx, r.opts.Host); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrRefused, name, err)
		}
	}
	if r.opts.ErrorPolicy != "" {
		cfg.SetErrorPolicy(r.opts.ErrorPolicy)
	}
	cfg.SetVersion(name)
	return &version{cfg: cfg, name: name, source: doc.Source, hash: h}, nil
}

// docName is the version name of a document whose hash is h.
func docName(doc Document, h [sha256.Size]byte) string {
	if doc.Version != "" {
		return doc.Version
	}
	return hashName(h)
}

// fetch calls src.Fetch within timeout, turning a panic into an error.
func fetch(ctx context.Context, src Source, timeout time.Duration) (doc Document, err error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			doc, err = Document{}, fmt.Errorf("source panicked: %v", v)
		}
	}()
	return src.Fetch(ctx)
}
