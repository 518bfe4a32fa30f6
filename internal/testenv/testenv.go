// Package testenv lets tests use tools beyond Go (python3.11 and its
// modules, node, a local AWS-compatible server) where they exist, and skip
// where they do not, except in CI: when CHIMEFLOW_CI=1 (.ci/run sets it) a
// missing tool fails the test instead, so CI proves every such test ran.
package testenv

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
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
	py := Python(t, "moto.server", "flask")
	port, err := freePort()
	if err != nil {
		t.Fatalf("testenv: no free port: %v", err)
	}
	return startMoto(t, exec.Command(py, "-m", "moto.server", "-H", "127.0.0.1", "-p", port), port)
}

// motoSerial runs moto's server as python3.11 -m moto.server does, but
// serving one request at a time (werkzeug's threaded=False). moto applies a
// DynamoDB transaction item by item and rolls a cancelled one back by
// restoring a copy of the table taken before it: under its default
// threaded server, concurrent requests interleave with a transaction and a
// rollback undoes writes of other requests.
const motoSerial = `import sys
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app), threaded=False)
`

// MotoSerial is Moto with a server that handles one request at a time, so
// that each request, a DynamoDB transaction included, is applied whole
// before the next one starts, as DynamoDB's serializable transactions
// appear to their clients. Tests of concurrent conditional writes use it:
// under Moto's threaded server a transaction is not atomic.
func MotoSerial(t testing.TB) string {
	t.Helper()
	py := Python(t, "moto.server", "flask", "werkzeug")
	port, err := freePort()
	if err != nil {
		t.Fatalf("testenv: no free port: %v", err)
	}
	return startMoto(t, exec.Command(py, "-c", motoSerial, port), port)
}

// startMoto starts cmd, a moto server on port, stops it when t ends, and
// returns its endpoint once it answers.
func startMoto(t testing.TB, cmd *exec.Cmd, port string) string {
	t.Helper()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatalf("testenv: start moto.server: %v", err)
	}
	var logs strings.Builder
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if logs.Len() < 16<<10 {
				logs.WriteString(sc.Text() + "\n")
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		_ = cmd.Wait()
	})
	endpoint := "http://127.0.0.1:" + port
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return endpoint
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("testenv: moto.server did not answer on %s within 60s: %v\n%s", endpoint, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}
