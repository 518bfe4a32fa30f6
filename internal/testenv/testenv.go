// Package testenv lets tests use tools beyond Go (python3.11 and its
// modules, node, a local AWS-compatible server) where they exist, and skip
// where they do not, except in CI: when CHIMEFLOW_CI=1 (.ci/run sets it) a
// missing tool fails the test instead, so CI proves every such test ran.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/internal/motoserver"
)

// EnvCI names the variable that turns a missing tool into a failure.
const EnvCI = "CHIMEFLOW_CI"

// InCI reports whether the tests run under .ci/run.
func InCI() bool { return os.Getenv(EnvCI) == "1" }

// Missing skips t, or fails it under CI, saying what is missing and why.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s (required under %s=1)", msg, EnvCI)
	}
	t.Skip(msg)
}

// Tool returns the path of the named executable, or skips (fails in CI).
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, "%s is not on PATH", name)
	}
	return p
}

// Python returns the path of python3.11 after checking that it imports
// every named module, or skips (fails in CI).
func Python(t testing.TB, modules ...string) string {
	t.Helper()
	p := Tool(t, "python3.11")
	if len(modules) > 0 {
		code := "import " + strings.Join(modules, ", ")
		if out, err := exec.Command(p, "-c", code).CombinedOutput(); err != nil {
			Missing(t, "python3.11 cannot %q: %v\n%s", code, err, out)
		}
	}
	return p
}

// Moto starts a local AWS-compatible server (python3.11 -m moto.server)
// on a free loopback port for the duration of t and returns its endpoint
// URL, http://127.0.0.1:PORT. It serves DynamoDB, SSM, SQS, EventBridge,
// Lambda and more on the one port; POST /moto-api/reset clears its state.
func Moto(t testing.TB) string {
	t.Helper()
	return startMoto(t, motoserver.Options{Python: Python(t, "moto.server", "flask")})
}

// MotoSerial is Moto with a server that handles one request at a time, so
// that each request, a DynamoDB transaction included, is applied whole
// before the next one starts, as DynamoDB's serializable transactions
// appear to their clients. Tests of concurrent conditional writes use it:
// under Moto's threaded server a transaction is not atomic
// (motoserver.Options.Serial).
func MotoSerial(t testing.TB) string {
	t.Helper()
	return startMoto(t, motoserver.Options{Python: Python(t, "moto.server", "flask", "werkzeug"), Serial: true})
}

func startMoto(t testing.TB, o motoserver.Options) string {
	t.Helper()
	s, err := motoserver.Start(o)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s.URL
}
