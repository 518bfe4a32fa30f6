// Package motoserver starts moto's server (python3.11 -m moto.server), a
// local AWS-compatible endpoint serving DynamoDB, SSM, SQS, EventBridge,
// Lambda and more on one loopback port, for tests and for the soak.
package motoserver

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// serialApp runs moto's WSGI app as python3.11 -m moto.server does, but
// serving one request at a time (werkzeug's threaded=False). moto applies
// a DynamoDB transaction item by item and rolls a cancelled one back by
// restoring a copy of the table taken before it: under its default
// threaded server, concurrent requests interleave with a transaction and a
// rollback undoes writes of other requests.
const serialApp = `import sys
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
run_simple("127.0.0.1", int(sys.argv[1]), DomainDispatcherApplication(create_backend_app), threaded=False)
`

// Options configure Start.
type Options struct {
	// Python is the interpreter with moto and Flask installed; empty means
	// python3.11 on PATH.
	Python string
	// Serial serves one request at a time, so that each request, a
	// DynamoDB transaction included, is applied whole before the next one
	// starts, as DynamoDB's serializable transactions appear to their
	// clients. Use it wherever requests run concurrently: under moto's
	// threaded server a transaction is not atomic.
	Serial bool
	// StartTimeout bounds the wait for the server to answer; zero means a
	// minute.
	StartTimeout time.Duration
}

// Server is a running moto server.
type Server struct {
	// URL is its endpoint, http://127.0.0.1:PORT.
	URL string

	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
	mu   sync.Mutex
	logs strings.Builder
}

// maxLogs bounds the server's output kept for error messages.
const maxLogs = 16 << 10

// Start starts a server on a free loopback port and returns it once it
// answers. Close stops it.
func Start(o Options) (*Server, error) {
	py := o.Python
	if py == "" {
		py = "python3.11"
	}
	if o.StartTimeout <= 0 {
		o.StartTimeout = time.Minute
	}
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("motoserver: no free port: %w", err)
	}
	var cmd *exec.Cmd
	if o.Serial {
		cmd = exec.Command(py, "-c", serialApp, port)
	} else {
		cmd = exec.Command(py, "-m", "moto.server", "-H", "127.0.0.1", "-p", port)
	}
	s := &Server{URL: "http://127.0.0.1:" + port, cmd: cmd, done: make(chan struct{})}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("motoserver: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("motoserver: start %s: %w", py, err)
	}
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			if s.logs.Len() < maxLogs {
				s.logs.WriteString(sc.Text() + "\n")
			}
			s.mu.Unlock()
		}
	}()
	deadline := time.Now().Add(o.StartTimeout)
	for {
		resp, err := http.Get(s.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return s, nil
		}
		select {
		case <-s.done:
			_ = s.Close()
			return nil, fmt.Errorf("motoserver: %s exited before answering on %s\n%s", py, s.URL, s.Logs())
		default:
		}
		if time.Now().After(deadline) {
			_ = s.Close()
			return nil, fmt.Errorf("motoserver: no answer on %s within %s: %w\n%s", s.URL, o.StartTimeout, err, s.Logs())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Close stops the server and waits for it to exit.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		if kerr := s.cmd.Process.Kill(); kerr != nil && !errors.Is(kerr, os.ErrProcessDone) {
			err = kerr
		}
		<-s.done
		_ = s.cmd.Wait()
	})
	return err
}

// Logs returns the first 16 KiB the server wrote to its standard error.
func (s *Server) Logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
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
