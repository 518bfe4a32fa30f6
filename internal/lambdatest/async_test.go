package lambdatest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/deploy/redrive"
	"github.com/chimeflow/chimeflow/internal/lambdatest"
)

// fn is the test function (testdata/fn), built once.
var fn string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lambdatest-fn")
	if err != nil {
		panic(err)
	}
	if fn, err = lambdatest.Build(dir, "./testdata/fn", "bootstrap"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// start starts an Async of fn with cfg (Path set) and closes it at the end.
func start(t *testing.T, cfg lambdatest.AsyncConfig) *lambdatest.Async {
	t.Helper()
	cfg.Path = fn
	cfg.Env = append(cfg.Env, "HOME="+os.TempDir())
	a, err := lambdatest.StartAsync(cfg)
	require.NoError(t, err)
	t.Cleanup(a.Close)
	return a
}

func wait(t *testing.T, a *lambdatest.Async) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, a.Wait(ctx))
}

func invoke(t *testing.T, a *lambdatest.Async, event string) string {
	t.Helper()
	id, err := a.Invoke([]byte(event))
	require.NoError(t, err)
	return id
}

func crashes(a *lambdatest.Async) []lambdatest.Process {
	var out []lambdatest.Process
	for _, p := range a.Processes() {
		if p.Crashed {
			out = append(out, p)
		}
	}
	return out
}

func TestAsyncSucceeds(t *testing.T) {
	a := start(t, lambdatest.AsyncConfig{Containers: 2, Timeout: 5 * time.Second, MaxRetryAttempts: 2})
	id := invoke(t, a, `{}`)
	wait(t, a)
	att := a.Attempts()
	require.Len(t, att, 1)
	assert.Equal(t, lambdatest.Succeeded, att[0].Outcome)
	assert.Equal(t, id, att[0].RequestID)
	var got struct {
		RequestID   string `json:"requestId"`
		FunctionArn string `json:"functionArn"`
		DeadlineMs  int64  `json:"deadlineMs"`
	}
	require.NoError(t, json.Unmarshal(att[0].Response, &got))
	assert.Equal(t, id, got.RequestID, "Lambda-Runtime-Aws-Request-Id")
	assert.Equal(t, lambdatest.DefaultFunctionArn, got.FunctionArn, "Lambda-Runtime-Invoked-Function-Arn")
	assert.Equal(t, att[0].Start.Add(5*time.Second).UnixMilli(), got.DeadlineMs, "Lambda-Runtime-Deadline-Ms")
	assert.Empty(t, a.Records())
	assert.Empty(t, crashes(a))
	require.Len(t, a.Processes(), 2, "one process per container")
	require.Eventually(t, func() bool {
		for _, p := range a.Processes() {
			if p.ColdStart <= 0 {
				return false
			}
		}
		return true
	}, 10*time.Second, 5*time.Millisecond, "cold start measured at the first invocation/next")
}

func TestAsyncRefusesWhatIsNotJSON(t *testing.T) {
	a := start(t, lambdatest.AsyncConfig{Containers: 1})
	for _, payload := range []string{"", "   ", `{"EventType":`, "not json"} {
		_, err := a.Invoke([]byte(payload))
		assert.ErrorIs(t, err, lambdatest.ErrInvalidRequestContent, "%q", payload)
	}
	wait(t, a)
	assert.Empty(t, a.Attempts())
}

// TestAsyncRetries: a failing event is attempted 1+MaxRetryAttempts times,
// no sooner than the retry delays, then recorded with RetriesExhausted and
// the function's error, in the shape the redrive tool reads.
func TestAsyncRetries(t *testing.T) {
	delays := [2]time.Duration{80 * time.Millisecond, 160 * time.Millisecond}
	for _, retries := range []int{0, 1, 2} {
		t.Run(strings.Repeat("r", retries), func(t *testing.T) {
			a := start(t, lambdatest.AsyncConfig{Containers: 2, MaxRetryAttempts: retries, RetryDelays: delays})
			event := `{"fail":"boom"}`
			id := invoke(t, a, event)
			wait(t, a)
			att := a.Attempts()
			require.Len(t, att, retries+1)
			for i, at := range att {
				assert.Equal(t, lambdatest.FunctionError, at.Outcome)
				assert.Equal(t, i+1, at.Attempt)
				assert.Equal(t, "boom", at.ErrorMessage)
				if i > 0 {
					assert.GreaterOrEqual(t, at.Start.Sub(att[i-1].End), delays[i-1], "retry %d waited its delay", i)
				}
			}
			recs := a.Records()
			require.Len(t, recs, 1)
			r := recs[0]
			assert.Equal(t, lambdatest.ConditionRetriesExhausted, r.RequestContext.Condition)
			assert.Equal(t, retries+1, r.RequestContext.ApproximateInvokeCount)
			assert.Equal(t, id, r.RequestContext.RequestID)
			assert.Equal(t, lambdatest.DefaultFunctionArn+":$LATEST", r.RequestContext.FunctionArn)
			assert.JSONEq(t, event, string(r.RequestPayload))
			require.NotNil(t, r.ResponseContext)
			assert.Equal(t, "Handled", r.ResponseContext.FunctionError)
			typ, msg := r.Failure()
			assert.Equal(t, "errorString", typ)
			assert.Equal(t, "boom", msg)

			b, err := json.Marshal(r)
			require.NoError(t, err)
			parsed, err := redrive.ParseRecord(b)
			require.NoError(t, err, "%s", b)
			assert.Equal(t, redrive.ConditionRetriesExhausted, parsed.RequestContext.Condition)
			pt, pm := parsed.Failure()
			assert.Equal(t, [2]string{"errorString", "boom"}, [2]string{pt, pm})
			_, ok := parsed.Time()
			assert.True(t, ok, "record timestamp %q", parsed.Timestamp)
		})
	}
}

// TestAsyncDeadline: an attempt still running at its deadline fails with
// Lambda's time-out message, its process is killed (not a crash) and the
// retry runs in a fresh process.
func TestAsyncDeadline(t *testing.T) {
	a := start(t, lambdatest.AsyncConfig{Containers: 1, Timeout: 300 * time.Millisecond, MaxRetryAttempts: 1, RetryDelays: [2]time.Duration{10 * time.Millisecond, 10 * time.Millisecond}})
	invoke(t, a, `{"sleepMs":5000}`)
	wait(t, a)
	att := a.Attempts()
	require.Len(t, att, 2)
	assert.NotEqual(t, att[0].PID, att[1].PID, "the retry runs in a fresh process")
	for _, at := range att {
		assert.Equal(t, lambdatest.TimedOut, at.Outcome)
		assert.Contains(t, at.ErrorMessage, "Task timed out after 0.30 seconds")
		assert.Less(t, at.End.Sub(at.Start), 2*time.Second)
	}
	recs := a.Records()
	require.Len(t, recs, 1)
	assert.Equal(t, "Unhandled", recs[0].ResponseContext.FunctionError)
	typ, msg := recs[0].Failure()
	assert.Empty(t, typ)
	assert.Contains(t, msg, "Task timed out")
	assert.Empty(t, crashes(a))
	require.Eventually(t, func() bool { return len(a.Processes()) == 3 }, 5*time.Second, 10*time.Millisecond, "a fresh process after each time-out")
	procs := a.Processes()
	assert.True(t, procs[0].Killed && procs[1].Killed)
	assert.False(t, procs[2].Exited)
}

// TestAsyncKill: a process killed mid-invocation fails the attempt
// (Runtime.ExitError), the attempt is retried, and it is not a crash.
func TestAsyncKill(t *testing.T) {
	t.Run("hook", func(t *testing.T) {
		a := start(t, lambdatest.AsyncConfig{Containers: 2, Timeout: 5 * time.Second, MaxRetryAttempts: 2, RetryDelays: [2]time.Duration{10 * time.Millisecond, 10 * time.Millisecond},
			Kill: func(at lambdatest.AttemptInfo) (time.Duration, bool) { return 50 * time.Millisecond, at.Attempt == 1 }})
		invoke(t, a, `{"sleepMs":300}`)
		wait(t, a)
		att := a.Attempts()
		require.Len(t, att, 2)
		assert.Equal(t, lambdatest.Killed, att[0].Outcome)
		assert.Equal(t, "Runtime.ExitError", att[0].ErrorType)
		assert.Contains(t, att[0].ErrorMessage, "Runtime exited with error: signal: killed")
		assert.Equal(t, lambdatest.Succeeded, att[1].Outcome)
		assert.Empty(t, a.Records())
		assert.Empty(t, crashes(a))
	})
	t.Run("method", func(t *testing.T) {
		var mu sync.Mutex
		started := map[string]int{}
		a := start(t, lambdatest.AsyncConfig{Containers: 1, Timeout: 5 * time.Second, Output: func(l lambdatest.OutputLine) {
			if f := strings.Fields(string(l.Line)); len(f) == 3 && f[0] == "fn" {
				mu.Lock()
				started[f[1]]++
				mu.Unlock()
			}
		}})
		id := invoke(t, a, `{"sleepMs":2000}`)
		assert.False(t, a.Kill("no-such-request"))
		require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return started[id] == 1 }, 10*time.Second, 5*time.Millisecond)
		assert.True(t, a.Kill(id))
		wait(t, a)
		att := a.Attempts()
		require.Len(t, att, 1)
		assert.Equal(t, lambdatest.Killed, att[0].Outcome)
		require.Len(t, a.Records(), 1, "no retries configured: recorded")
		assert.Empty(t, crashes(a))
	})
}

// TestAsyncCrash: a process that exits by itself mid-invocation is a
// crash; the attempt fails with Runtime.ExitError and its exit status.
func TestAsyncCrash(t *testing.T) {
	for _, tt := range []struct{ event, status string }{
		{`{"exit":3}`, "exit status 3"},
		{`{"panic":true}`, "exit status 1"},
	} {
		t.Run(tt.event, func(t *testing.T) {
			a := start(t, lambdatest.AsyncConfig{Containers: 1, Timeout: 5 * time.Second})
			invoke(t, a, tt.event)
			wait(t, a)
			att := a.Attempts()
			require.Len(t, att, 1)
			require.Len(t, a.Records(), 1)
			require.Eventually(t, func() bool { return len(crashes(a)) == 1 }, 5*time.Second, 10*time.Millisecond)
			assert.Equal(t, tt.status, crashes(a)[0].ExitStatus)
			if tt.event == `{"exit":3}` {
				assert.Equal(t, lambdatest.Exited, att[0].Outcome)
				assert.Contains(t, att[0].ErrorMessage, tt.status)
			} else {
				// aws-lambda-go reports the panic as an error, then exits.
				assert.Equal(t, lambdatest.FunctionError, att[0].Outcome)
				assert.Contains(t, att[0].ErrorMessage, "fn was asked to panic")
			}
			require.Eventually(t, func() bool { return len(a.Processes()) == 2 }, 5*time.Second, 10*time.Millisecond, "a fresh process replaces the crashed one")
		})
	}
}

// TestAsyncDuplicate: a duplicated event runs twice, gap apart, with the
// same request id, in two different containers.
func TestAsyncDuplicate(t *testing.T) {
	a := start(t, lambdatest.AsyncConfig{Containers: 3, Timeout: 5 * time.Second})
	const gap = 100 * time.Millisecond
	var ids []string
	invoked := map[string]time.Time{}
	for range 5 {
		t0 := time.Now()
		id, err := a.InvokeDuplicated([]byte(`{"sleepMs":150}`), gap)
		require.NoError(t, err)
		ids = append(ids, id)
		invoked[id] = t0
		wait(t, a)
	}
	byID := map[string][]lambdatest.Attempt{}
	for _, at := range a.Attempts() {
		assert.Equal(t, lambdatest.Succeeded, at.Outcome)
		byID[at.RequestID] = append(byID[at.RequestID], at)
	}
	for _, id := range ids {
		att := byID[id]
		require.Len(t, att, 2, id)
		if att[0].Delivery == 1 {
			att[0], att[1] = att[1], att[0]
		}
		assert.Equal(t, []int{0, 1}, []int{att[0].Delivery, att[1].Delivery})
		assert.NotEqual(t, att[0].Container, att[1].Container, "a duplicate goes to another container")
		assert.GreaterOrEqual(t, att[1].Start.Sub(invoked[id]), gap)
	}
}

// TestAsyncDuplicateRetried: the first attempts of the two deliveries of
// a failing event run in different containers, whatever the retries of
// the first did in between.
func TestAsyncDuplicateRetried(t *testing.T) {
	a := start(t, lambdatest.AsyncConfig{Containers: 2, MaxRetryAttempts: 2, RetryDelays: [2]time.Duration{10 * time.Millisecond, 10 * time.Millisecond}})
	for range 5 {
		_, err := a.InvokeDuplicated([]byte(`{"fail":"boom"}`), 60*time.Millisecond)
		require.NoError(t, err)
	}
	wait(t, a)
	first := map[string]map[int]int{}
	for _, at := range a.Attempts() {
		if at.Attempt == 1 {
			if first[at.RequestID] == nil {
				first[at.RequestID] = map[int]int{}
			}
			first[at.RequestID][at.Delivery] = at.Container
		}
	}
	require.Len(t, first, 5)
	for id, on := range first {
		require.Len(t, on, 2, id)
		assert.NotEqual(t, on[0], on[1], id)
	}
	assert.Len(t, a.Records(), 10, "each delivery writes its own record")
}

// TestAsyncEventAge: an event that ages out before its retry, or before a
// container is free, is recorded with EventAgeExceeded.
func TestAsyncEventAge(t *testing.T) {
	t.Run("before a retry", func(t *testing.T) {
		a := start(t, lambdatest.AsyncConfig{Containers: 1, MaxRetryAttempts: 2, MaxEventAge: 150 * time.Millisecond,
			RetryDelays: [2]time.Duration{50 * time.Millisecond, 500 * time.Millisecond}})
		invoke(t, a, `{"fail":"boom"}`)
		wait(t, a)
		require.Len(t, a.Attempts(), 2)
		recs := a.Records()
		require.Len(t, recs, 1)
		assert.Equal(t, lambdatest.ConditionEventAgeExceeded, recs[0].RequestContext.Condition)
		assert.Equal(t, 2, recs[0].RequestContext.ApproximateInvokeCount)
		_, msg := recs[0].Failure()
		assert.Equal(t, "boom", msg, "the last attempt's error")
	})
	t.Run("in the queue", func(t *testing.T) {
		a := start(t, lambdatest.AsyncConfig{Containers: 1, Timeout: 5 * time.Second, MaxEventAge: 150 * time.Millisecond})
		invoke(t, a, `{"sleepMs":600}`)
		time.Sleep(20 * time.Millisecond)
		late := invoke(t, a, `{}`)
		wait(t, a)
		require.Len(t, a.Attempts(), 1)
		recs := a.Records()
		require.Len(t, recs, 1)
		r := recs[0]
		assert.Equal(t, late, r.RequestContext.RequestID)
		assert.Equal(t, lambdatest.ConditionEventAgeExceeded, r.RequestContext.Condition)
		assert.Zero(t, r.RequestContext.ApproximateInvokeCount)
		assert.Nil(t, r.ResponseContext)
		b, err := json.Marshal(r)
		require.NoError(t, err)
		assert.False(t, bytes.Contains(b, []byte("responsePayload")), "%s", b)
		_, err = redrive.ParseRecord(b)
		require.NoError(t, err)
	})
}

func TestAsyncRSS(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("RSS comes from /proc")
	}
	a := start(t, lambdatest.AsyncConfig{Containers: 1, Timeout: 5 * time.Second})
	for range 3 {
		invoke(t, a, `{}`)
		wait(t, a)
	}
	require.Eventually(t, func() bool { return a.Processes()[0].RSSLast > 0 }, 5*time.Second, 10*time.Millisecond)
	p := a.Processes()[0]
	assert.Equal(t, 3, p.Invocations)
	require.Len(t, p.RSS, 2, "samples after 1 and 2 invocations")
	assert.Equal(t, []int{1, 2}, []int{p.RSS[0].Invocations, p.RSS[1].Invocations})
	assert.Equal(t, p.RSSFirst, p.RSS[0].Bytes)
	assert.Greater(t, p.RSSFirst, int64(1<<20))
	assert.Greater(t, p.RSSLast, int64(1<<20))
}

func TestStartAsyncRefuses(t *testing.T) {
	_, err := lambdatest.StartAsync(lambdatest.AsyncConfig{})
	assert.Error(t, err)
	_, err = lambdatest.StartAsync(lambdatest.AsyncConfig{Path: fn, MaxRetryAttempts: 3})
	assert.ErrorContains(t, err, "0 to 2")
	_, err = lambdatest.StartAsync(lambdatest.AsyncConfig{Path: "/nonexistent/bootstrap"})
	assert.Error(t, err)
}
