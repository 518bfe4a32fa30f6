package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// The tags of the lean processor (.ci/deploy.sh builds it too).
var leanTags = []string{"chimeflow_nostate", "chimeflow_noguardrail", "chimeflow_notrail"}

// tagged are cmd/processor built with build tags, once for the package's
// tests and benchmarks.
var tagged struct {
	once          sync.Once
	notrail, lean string
	err           error
}

func buildTagged(t testing.TB) {
	t.Helper()
	tagged.once.Do(func() {
		if tagged.notrail, tagged.err = lambdatest.Build(bin.dir, ".", "notrail", "chimeflow_notrail"); tagged.err != nil {
			return
		}
		tagged.lean, tagged.err = lambdatest.Build(bin.dir, ".", "lean", leanTags...)
	})
	require.NoError(t, tagged.err)
}

// TestNoTrailBuild: built with the tag chimeflow_notrail, the processor
// links no EventBridge client, starts without a trail configured, and
// refuses to start when CHIMEFLOW_TRAIL_BUS is set, saying how to build
// it with the trail. The default build links the client.
func TestNoTrailBuild(t *testing.T) {
	buildTagged(t)
	for path, want := range map[string]bool{bin.processor: true, tagged.notrail: false, tagged.lean: false} {
		out, err := exec.Command("go", "version", "-m", path).CombinedOutput()
		require.NoError(t, err, string(out))
		assert.Equal(t, want, strings.Contains(string(out), "service/eventbridge"), "%s links EventBridge", filepath.Base(path))
	}

	rt := lambdatest.NewRuntime()
	defer rt.Close()
	chime := messagingtest.NewServer(messagingtest.Config{})
	defer chime.Close()
	start(t, tagged.notrail, lambdatest.Env(rt.Addr(), chime.URL))
	select {
	case <-rt.Polled():
	case <-time.After(30 * time.Second):
		t.Fatal("the processor without the trail did not start")
	}

	cmd, out := start(t, tagged.notrail, lambdatest.Env(rt.Addr(), chime.URL, "CHIMEFLOW_TRAIL_BUS=decisions", "CHIMEFLOW_LOG_LEVEL=loud"))
	err := cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit)
	assert.Equal(t, 1, exit.ExitCode())
	for _, want := range []string{"refusing to start", "CHIMEFLOW_TRAIL_BUS is set", "not linked", "without the tag chimeflow_notrail", "CHIMEFLOW_LOG_LEVEL"} {
		assert.Contains(t, out.String(), want)
	}
}

// coldStart is the time from process start to the first invocation/next
// poll of the binary at path, under a fresh Runtime API stand-in.
func coldStart(b *testing.B, path string, extra ...string) time.Duration {
	rt := lambdatest.NewRuntime()
	defer rt.Close()
	begin := time.Now()
	cmd := exec.Command(path)
	cmd.Env = lambdatest.Env(rt.Addr(), "http://127.0.0.1:1", extra...)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	select {
	case <-rt.Polled():
	case <-time.After(10 * time.Second):
		b.Fatal("no invocation/next within 10s")
	}
	d := time.Since(begin)
	cmd.Process.Kill()
	cmd.Wait()
	return d
}

// BenchmarkColdStartTrail measures, side by side in one run, the time
// from process start to the first invocation/next poll of: a bare
// aws-lambda-go function; the lean processor (tags chimeflow_nostate,
// chimeflow_noguardrail, chimeflow_notrail: no DynamoDB, Bedrock or
// EventBridge client); the processor built with chimeflow_notrail alone;
// and the default processor, all with the bundled default configuration
// and no trail configured. CHIMEFLOW_BENCH_OTHER may list other bootstrap
// binaries (paths separated by the OS's list separator, ':'), measured in
// the same rounds and reported under their file names: earlier builds, to
// compare with. It reports the medians and their ratios to the bare
// function.
//
//	go test ./cmd/processor -run '^$' -bench ColdStartTrail -benchtime 200x
func BenchmarkColdStartTrail(b *testing.B) {
	buildTagged(b)
	type kind struct{ name, path string }
	kinds := []kind{{"bare", bin.bare}, {"lean", tagged.lean}, {"notrail", tagged.notrail}, {"processor", bin.processor}}
	for _, p := range filepath.SplitList(os.Getenv("CHIMEFLOW_BENCH_OTHER")) {
		kinds = append(kinds, kind{filepath.Base(p), p})
	}
	times := make([][]time.Duration, len(kinds))
	for b.Loop() {
		for i, k := range kinds {
			times[i] = append(times[i], coldStart(b, k.path))
		}
	}
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Microseconds()) / 1000
	}
	bare := median(times[0])
	for i, k := range kinds {
		m := median(times[i])
		b.ReportMetric(m, k.name+"-ms")
		if i > 0 {
			b.ReportMetric(m/bare, k.name+"/bare")
		}
	}
	b.ReportMetric(0, "ns/op")
}
