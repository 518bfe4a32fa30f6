// Package lambdatest is a local stand-in for the AWS Lambda Runtime API, so a
// real bootstrap binary can be started, measured and invoked in tests, with
// no AWS account and no Docker.
package lambdatest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Result is what the function answered to one invocation.
type Result struct {
	RequestID string
	// Body is the response payload, or the error document when Error.
	Body  []byte
	Error bool
}

type invocation struct {
	id       string
	payload  []byte
	deadline time.Time
}

// Runtime serves the Runtime API endpoints a Lambda runtime client uses:
// invocation/next, invocation/{id}/response, invocation/{id}/error and
// init/error; and the Extensions API's register and event/next, which
// aws-lambda-go's lambda.WithEnableSIGTERM calls (event/next never answers:
// the stand-in sends no lifecycle event; a test sends SIGTERM itself).
type Runtime struct {
	srv     *httptest.Server
	queue   chan invocation
	mu      sync.Mutex
	waiting map[string]chan Result
	polled  chan struct{}
	once    sync.Once
	initErr chan []byte
	seq     atomic.Int64
	quit    chan struct{}
	// extensions are the names of the extensions registered.
	extensions []string
}

// NewRuntime starts a Runtime; Close stops it.
func NewRuntime() *Runtime {
	r := &Runtime{queue: make(chan invocation, 16), waiting: map[string]chan Result{}, polled: make(chan struct{}), initErr: make(chan []byte, 1), quit: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

// Addr is the value for AWS_LAMBDA_RUNTIME_API (host:port).
func (r *Runtime) Addr() string { return strings.TrimPrefix(r.srv.URL, "http://") }

// Close stops the server, dropping any poll still waiting.
func (r *Runtime) Close() {
	close(r.quit)
	r.srv.CloseClientConnections()
	r.srv.Close()
}

// Polled is closed when the function first asks for an invocation: the end
// of its cold start.
func (r *Runtime) Polled() <-chan struct{} { return r.polled }

// InitError receives the body of an init/error report.
func (r *Runtime) InitError() <-chan []byte { return r.initErr }

// Invoke queues payload with the given time budget and waits for the answer.
func (r *Runtime) Invoke(ctx context.Context, payload []byte, budget time.Duration) (Result, error) {
	id := "req-" + strconv.FormatInt(r.seq.Add(1), 10)
	done := make(chan Result, 1)
	r.mu.Lock()
	r.waiting[id] = done
	r.mu.Unlock()
	select {
	case r.queue <- invocation{id: id, payload: payload, deadline: time.Now().Add(budget)}:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case res := <-done:
		return res, nil
	case <-ctx.Done():
		return Result{}, fmt.Errorf("invocation %s: %w", id, ctx.Err())
	}
}

// Extensions returns the names of the extensions registered so far (for
// lambda.WithEnableSIGTERM, "GoLangEnableSIGTERM").
func (r *Runtime) Extensions() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.extensions...)
}

// serveExtension answers the Extensions API: register returns an
// identifier, event/next waits for the end of the stand-in.
func (r *Runtime) serveExtension(w http.ResponseWriter, req *http.Request, path string) {
	switch {
	case req.Method == http.MethodPost && path == "register":
		name := req.Header.Get("Lambda-Extension-Name")
		if name == "" {
			http.Error(w, "Lambda-Extension-Name is required", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.extensions = append(r.extensions, name)
		id := "ext-" + strconv.Itoa(len(r.extensions))
		r.mu.Unlock()
		w.Header().Set("Lambda-Extension-Identifier", id)
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"functionName":"chimeflow-processor","functionVersion":"$LATEST","handler":"bootstrap"}`)
	case req.Method == http.MethodGet && path == "event/next":
		select {
		case <-req.Context().Done():
		case <-r.quit:
		}
	default:
		http.NotFound(w, req)
	}
}

func (r *Runtime) serve(w http.ResponseWriter, req *http.Request) {
	if path, ok := strings.CutPrefix(req.URL.Path, "/2020-01-01/extension/"); ok {
		_, _ = io.Copy(io.Discard, req.Body)
		r.serveExtension(w, req, path)
		return
	}
	const prefix = "/2018-06-01/runtime/"
	path := strings.TrimPrefix(req.URL.Path, prefix)
	body, _ := io.ReadAll(req.Body)
	switch {
	case req.Method == http.MethodGet && path == "invocation/next":
		r.once.Do(func() { close(r.polled) })
		select {
		case inv := <-r.queue:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:111122223333:function:chimeflow-processor")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000")
			w.Write(inv.payload)
		case <-req.Context().Done():
		case <-r.quit:
		}
	case req.Method == http.MethodPost && path == "init/error":
		select {
		case r.initErr <- body:
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	case req.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		rest := strings.TrimPrefix(path, "invocation/")
		id, kind, _ := strings.Cut(rest, "/")
		r.mu.Lock()
		done := r.waiting[id]
		delete(r.waiting, id)
		r.mu.Unlock()
		if done != nil {
			done <- Result{RequestID: id, Body: body, Error: kind == "error"}
		}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, req)
	}
}
