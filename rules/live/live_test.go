package live_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/deny"
	"github.com/chimeflow/chimeflow/rules/live"
	_ "github.com/chimeflow/chimeflow/rules/profanity"
	_ "github.com/chimeflow/chimeflow/rules/ratelimit"
)

// Documents used throughout: two good versions and a bad one.
const (
	docMask = "rules:\n  - rule: profanity\n    options: {action: mask}\n"
	docDeny = "rules:\n  - rule: deny\n    name: no-spam\n    options: {keywords: [spam]}\n"
	docBad  = "rules:\n  - rule: profanty\n  - rule: deny\n    options: {sendr: [x]}\n"
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// counted wraps a Source and counts its fetches; block, when set, holds
// each fetch until it is closed.
type counted struct {
	live.Source
	n     atomic.Int64
	block chan struct{}
}

func (c *counted) Fetch(ctx context.Context) (live.Document, error) {
	c.n.Add(1)
	if c.block != nil {
		<-c.block
	}
	return c.Source.Fetch(ctx)
}

// write writes a rules file and returns its path.
func write(t *testing.T, path, doc string) string {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
	return path
}

// logs collects JSON log lines.
type logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }

// lines decodes every line.
func (l *logs) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

// message is a channel message for Route.
var message = &processor.ChannelMessage{ChannelArn: "arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c"}

// stageNames lists the stages of the pipeline a router picks.
func stageNames(p *processor.Pipeline) []string {
	var names []string
	for _, s := range p.Stages {
		names = append(names, s.Name)
	}
	return names
}

func TestNewLoadsAndNamesTheVersion(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "rules.yaml"), docMask)
	var l logs
	r, err := live.New(context.Background(), live.File(path), live.Options{Logger: zerolog.New(&l)})
	require.NoError(t, err)
	want := live.HashVersion([]byte(docMask))
	assert.Regexp(t, `^sha256:[0-9a-f]{12}$`, want)
	p := r.Route(message)
	assert.Equal(t, []string{"profanity"}, stageNames(p))
	assert.Equal(t, want, p.Version, "the pipeline carries the version into every outcome")
	assert.Equal(t, want, r.Config().Version)
	assert.Equal(t, live.Stats{Version: want, Source: path}, r.Stats())
	out := p.Run(context.Background(), &processor.Event{CallbackID: "c", ChannelMessage: processor.ChannelMessage{MessageID: "m", Content: "hello"}})
	assert.Equal(t, want, out.RulesVersion)
	lines := l.lines(t)
	require.Len(t, lines, 1)
	assert.Equal(t, "rules loaded", lines[0]["message"])
	assert.Equal(t, want, lines[0]["rulesVersion"])
	assert.Equal(t, path, lines[0]["rulesSource"])
}

func TestNewRefusesABadDocumentListingEveryProblem(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "rules.yaml"), docBad)
	_, err := live.New(context.Background(), live.File(path), live.Options{})
	require.ErrorIs(t, err, live.ErrRefused)
	var ce *rules.ConfigError
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 2)
	assert.Equal(t, path+`:2:11: unknown rule "profanty" (registered: deny, profanity, ratelimit)`, ce.Problems[0].String())
	assert.Contains(t, ce.Problems[1].String(), path+`:4:15: rule deny: unknown option "sendr"`)

	_, err = live.New(context.Background(), live.File(filepath.Join(t.TempDir(), "missing.yaml")), live.Options{})
	assert.ErrorIs(t, err, live.ErrFetch)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestNewChecksOptions(t *testing.T) {
	for _, d := range []time.Duration{-time.Second, time.Millisecond, 999 * time.Millisecond} {
		_, err := live.New(context.Background(), live.Bytes{Name: "x", Data: []byte(docMask)}, live.Options{Interval: d})
		assert.ErrorContains(t, err, "want 0 (never) or at least 1s", d)
	}
	_, err := live.New(context.Background(), nil, live.Options{})
	assert.EqualError(t, err, "live: no Source")
}

func TestFallbackServesUntilTheSourceLoads(t *testing.T) {
	dir := t.TempDir()
	primary := filepath.Join(dir, "live.yaml")
	var l logs
	c := newClock()
	for _, tc := range []struct {
		name    string
		prepare func()
		err     error
	}{
		{"missing", func() {}, live.ErrFetch},
		{"bad", func() { write(t, primary, docBad) }, live.ErrRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.prepare()
			r, err := live.New(context.Background(), live.File(primary), live.Options{
				Interval: time.Minute, Fallback: live.Bytes{Name: "bundled", Data: []byte(docMask)}, Logger: zerolog.New(&l), Now: c.Now})
			require.NoError(t, err)
			st := r.Stats()
			assert.True(t, st.Fallback)
			assert.Equal(t, "bundled", st.Source)
			assert.Equal(t, []string{"profanity"}, stageNames(r.Route(message)))
			last := l.lines(t)[len(l.lines(t))-1]
			assert.Equal(t, "error", last["level"])
			assert.Equal(t, "rules source unavailable at start: serving the fallback until it loads", last["message"])
			assert.Contains(t, last["error"], tc.err.Error())

			write(t, primary, docDeny)
			changed, err := r.Reload(context.Background())
			require.NoError(t, err)
			assert.True(t, changed)
			st = r.Stats()
			assert.False(t, st.Fallback)
			assert.Equal(t, primary, st.Source)
			assert.Equal(t, uint64(1), st.Reloads)
			assert.Equal(t, []string{"no-spam"}, stageNames(r.Route(message)))
			require.NoError(t, os.Remove(primary))
		})
	}

	_, err := live.New(context.Background(), live.File(primary), live.Options{Fallback: live.Bytes{Name: "bundled", Data: []byte(docBad)}})
	assert.ErrorIs(t, err, live.ErrFetch, "the source's error is kept")
	assert.ErrorIs(t, err, live.ErrRefused, "and the fallback's")
}

func TestReload(t *testing.T) {
	type step struct {
		doc     string // the file's content before Reload; "" removes it
		changed bool
		err     error
		version string // the active version after
		stats   [3]uint64
	}
	mask, deny := live.HashVersion([]byte(docMask)), live.HashVersion([]byte(docDeny))
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"unchanged", []step{{doc: docMask, version: mask}}},
		{"new version", []step{{doc: docDeny, changed: true, version: deny, stats: [3]uint64{1, 0, 0}}}},
		{"bad version keeps the last good one", []step{
			{doc: docBad, err: live.ErrRefused, version: mask, stats: [3]uint64{0, 1, 0}},
			{doc: docBad, err: live.ErrRefused, version: mask, stats: [3]uint64{0, 1, 0}}, // counted once
			{doc: docDeny, changed: true, version: deny, stats: [3]uint64{1, 1, 0}},
		}},
		{"unreadable keeps the last good one", []step{
			{doc: "", err: live.ErrFetch, version: mask, stats: [3]uint64{0, 0, 1}},
			{doc: "", err: live.ErrFetch, version: mask, stats: [3]uint64{0, 0, 2}},
			{doc: docMask, version: mask, stats: [3]uint64{0, 0, 2}},
		}},
		{"back and forth", []step{
			{doc: docDeny, changed: true, version: deny, stats: [3]uint64{1, 0, 0}},
			{doc: docMask, changed: true, version: mask, stats: [3]uint64{2, 0, 0}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := write(t, filepath.Join(t.TempDir(), "rules.yaml"), docMask)
			r, err := live.New(context.Background(), live.File(path), live.Options{})
			require.NoError(t, err)
			for i, s := range tc.steps {
				if s.doc == "" {
					_ = os.Remove(path)
				} else {
					write(t, path, s.doc)
				}
				changed, err := r.Reload(context.Background())
				if s.err != nil {
					assert.ErrorIs(t, err, s.err, "step %d", i)
				} else {
					assert.NoError(t, err, "step %d", i)
				}
				assert.Equal(t, s.changed, changed, "step %d", i)
				st := r.Stats()
				assert.Equal(t, s.version, st.Version, "step %d", i)
				assert.Equal(t, s.version, r.Route(message).Version, "step %d", i)
				assert.Equal(t, s.stats, [3]uint64{st.Reloads, st.Refusals, st.Failures}, "step %d", i)
			}
		})
	}
}

func TestReloadLogs(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "rules.yaml"), docMask)
	var l logs
	r, err := live.New(context.Background(), live.File(path), live.Options{Logger: zerolog.New(&l)})
	require.NoError(t, err)
	mask, deny := live.HashVersion([]byte(docMask)), live.HashVersion([]byte(docDeny))

	write(t, path, docBad)
	_, err = r.Reload(context.Background())
	require.Error(t, err)
	write(t, path, docDeny)
	_, err = r.Reload(context.Background())
	require.NoError(t, err)
	require.NoError(t, os.Remove(path))
	_, err = r.Reload(context.Background())
	require.Error(t, err)

	lines := l.lines(t)
	require.Len(t, lines, 4)
	refused := lines[1]
	assert.Equal(t, "error", refused["level"])
	assert.Equal(t, "rules version refused: keeping the active version", refused["message"])
	assert.Equal(t, mask, refused["rulesVersion"])
	assert.Equal(t, live.HashVersion([]byte(docBad)), refused["refusedVersion"])
	assert.Equal(t, []any{path + `:2:11: unknown rule "profanty" (registered: deny, profanity, ratelimit)`,
		path + `:4:15: rule deny: unknown option "sendr" (known: reason, any, all, not, sender, bot, target, targeted, channel, regex, keywords, longerThan, metadata, attribute, persistence, contentType, scope)`},
		refused["problems"])
	reloaded := lines[2]
	assert.Equal(t, "info", reloaded["level"])
	assert.Equal(t, "rules reloaded", reloaded["message"])
	assert.Equal(t, deny, reloaded["rulesVersion"])
	assert.Equal(t, mask, reloaded["previousVersion"])
	failed := lines[3]
	assert.Equal(t, "warn", failed["level"])
	assert.Equal(t, "rules fetch failed: keeping the active version", failed["message"])
	assert.Equal(t, deny, failed["rulesVersion"])
	assert.Equal(t, float64(1000), failed["retryIn"])
}

func TestRouteChecksInTheBackgroundWhenDue(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "rules.yaml"), docMask)
	src := &counted{Source: live.File(path)}
	c := newClock()
	r, err := live.New(context.Background(), src, live.Options{Interval: time.Minute, Now: c.Now})
	require.NoError(t, err)
	require.Equal(t, int64(1), src.n.Load())

	write(t, path, docDeny)
	c.Advance(59 * time.Second)
	r.Route(message)
	r.Wait()
	assert.Equal(t, int64(1), src.n.Load(), "not due yet: no fetch")

	// Due: the Route that notices serves the old version, and the fetch
	// runs beside it, held until released.
	c.Advance(time.Second)
	src.block = make(chan struct{})
	returned := make(chan *processor.Pipeline)
	go func() { returned <- r.Route(message) }()
	select {
	case p := <-returned:
		assert.Equal(t, []string{"profanity"}, stageNames(p), "the message in hand gets the active version")
	case <-time.After(10 * time.Second):
		t.Fatal("Route waited for the fetch")
	}
	require.Eventually(t, func() bool { return src.n.Load() == 2 }, 10*time.Second, time.Millisecond)
	for range 10 {
		assert.Equal(t, []string{"profanity"}, stageNames(r.Route(message)), "one check at a time")
	}
	close(src.block)
	r.Wait()
	src.block = nil
	assert.Equal(t, int64(2), src.n.Load())
	assert.Equal(t, []string{"no-spam"}, stageNames(r.Route(message)))
	assert.Equal(t, uint64(1), r.Stats().Reloads)

	// The next check is due an interval after this one ended.
	c.Advance(59 * time.Second)
	r.Route(message)
	r.Wait()
	assert.Equal(t, int64(2), src.n.Load())
	c.Advance(time.Second)
	r.Route(message)
	r.Wait()
	assert.Equal(t, int64(3), src.n.Load())
}

func TestIntervalZeroNeverChecks(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "rules.yaml"), docMask)
	src := &counted{Source: live.File(path)}
	c := newClock()
	r, err := live.New(context.Background(), src, live.Options{Now: c.Now})
	require.NoError(t, err)
	c.Advance(1000 * time.Hour)
	r.Route(message)
	r.Wait()
	assert.Equal(t, int64(1), src.n.Load())
}

func TestFailedFetchesBackOff(t *testing.T) {
	dir := t.TempDir()
	path := write(t, filepath.Join(dir, "rules.yaml"), docMask)
	src := &counted{Source: live.File(path)}
	c := newClock()
	r, err := live.New(context.Background(), src, live.Options{Interval: 10 * time.Second, Now: c.Now})
	require.NoError(t, err)
	require.NoError(t, os.Remove(path))
	c.Advance(10 * time.Second)
	r.Route(message)
	r.Wait()
	require.Equal(t, int64(2), src.n.Load())
	// Retries after 1 s, 2 s, 4 s, 8 s, then every interval (10 s).
	for i, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second} {
		c.Advance(wait - time.Millisecond)
		r.Route(message)
		r.Wait()
		assert.Equal(t, int64(2+i), src.n.Load(), "before %v", wait)
		c.Advance(time.Millisecond)
		r.Route(message)
		r.Wait()
		assert.Equal(t, int64(3+i), src.n.Load(), "after %v", wait)
	}
	assert.Equal(t, uint64(7), r.Stats().Failures)
	// A success resets the wait to the interval.
	write(t, path, docDeny)
	c.Advance(10 * time.Second)
	r.Route(message)
	r.Wait()
	assert.Equal(t, []string{"no-spam"}, stageNames(r.Route(message)))
	assert.Equal(t, int64(9), src.n.Load())
	c.Advance(9 * time.Second)
	r.Route(message)
	r.Wait()
	assert.Equal(t, int64(9), src.n.Load())
}

func TestErrorPolicyAppliesToEveryVersion(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "rules.yaml"), docMask)
	r, err := live.New(context.Background(), live.File(path), live.Options{ErrorPolicy: processor.PolicyAllow})
	require.NoError(t, err)
	assert.Equal(t, processor.PolicyAllow, r.Route(message).OnError)
	write(t, path, "onError: deny\n"+docDeny)
	_, err = r.Reload(context.Background())
	require.NoError(t, err)
	assert.Equal(t, processor.PolicyAllow, r.Route(message).OnError)
}

// panicky is a Source that panics.
type panicky struct{}

func (panicky) Fetch(context.Context) (live.Document, error) { panic("boom") }
func (panicky) String() string                               { return "panicky" }

// slow is a Source that waits for its context.
type slow struct{}

func (slow) Fetch(ctx context.Context) (live.Document, error) {
	<-ctx.Done()
	return live.Document{}, ctx.Err()
}
func (slow) String() string { return "slow" }

func TestFetchIsBounded(t *testing.T) {
	_, err := live.New(context.Background(), panicky{}, live.Options{})
	assert.ErrorIs(t, err, live.ErrFetch)
	assert.ErrorContains(t, err, "source panicked: boom")
	_, err = live.New(context.Background(), slow{}, live.Options{Timeout: 10 * time.Millisecond})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// TestConcurrentSwaps routes from many goroutines while versions swap: each
// pipeline belongs, whole, to the version it is stamped with.
func TestConcurrentSwaps(t *testing.T) {
	path := write(t, filepath.Join(t.TempDir(), "rules.yaml"), docMask)
	r, err := live.New(context.Background(), live.File(path), live.Options{})
	require.NoError(t, err)
	want := map[string]string{live.HashVersion([]byte(docMask)): "profanity", live.HashVersion([]byte(docDeny)): "no-spam"}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var routed atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := r.Route(message)
				if got := stageNames(p); len(got) != 1 || want[p.Version] != got[0] {
					t.Errorf("pipeline %v stamped %s", got, p.Version)
					return
				}
				routed.Add(1)
			}
		}()
	}
	for i := range 50 {
		write(t, path, []string{docDeny, docMask}[i%2])
		_, err := r.Reload(context.Background())
		require.NoError(t, err)
	}
	close(stop)
	wg.Wait()
	assert.Equal(t, uint64(50), r.Stats().Reloads)
	assert.Positive(t, routed.Load())
}

func ExampleRouter() {
	dir, _ := os.MkdirTemp("", "rules")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "rules.yaml")
	_ = os.WriteFile(path, []byte(docMask), 0o644)

	r, err := live.New(context.Background(), live.File(path), live.Options{Interval: time.Minute})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(r.Version() == live.HashVersion([]byte(docMask)))

	_ = os.WriteFile(path, []byte(docBad), 0o644)
	_, err = r.Reload(context.Background())
	fmt.Println(errors.Is(err, live.ErrRefused), r.Version() == live.HashVersion([]byte(docMask)))
	// Output:
	// true
	// true true
}

func TestEveryVersionIsProvisioned(t *testing.T) {
	const stateful = "rules:\n  - rule: ratelimit\n    options: {limit: 5, window: 1m}\n"
	path := write(t, filepath.Join(t.TempDir(), "rules.yaml"), docMask)
	noStore := rules.NewHost()
	r, err := live.New(context.Background(), live.File(path), live.Options{Host: noStore})
	require.NoError(t, err, "a version whose rules need nothing loads with any host")

	write(t, path, stateful)
	_, err = r.Reload(context.Background())
	assert.ErrorIs(t, err, live.ErrRefused)
	assert.ErrorIs(t, err, rules.ErrNoStateStore)
	assert.Equal(t, live.HashVersion([]byte(docMask)), r.Version(), "the last good version stays")

	store := state.NewMemory()
	r, err = live.New(context.Background(), live.File(path), live.Options{Host: rules.NewHost(rules.WithState(store))})
	require.NoError(t, err)
	p := r.Route(message)
	require.Equal(t, []string{"ratelimit"}, stageNames(p))
	sr, ok := p.Stages[0].Rule.(processor.StatefulRule)
	require.True(t, ok)
	assert.Same(t, store, sr.StateStore(), "provisioned with the host's store")
}
