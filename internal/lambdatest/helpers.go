package lambdatest

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// Build compiles the main package pkg as the SAM build does (linux flags
// aside: it targets this machine) into dir and returns the binary's path.
func Build(dir, pkg, name string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", &BuildError{Pkg: pkg, Output: string(b), Err: err}
	}
	return out, nil
}

// BuildError is a failed go build.
type BuildError struct {
	Pkg    string
	Output string
	Err    error
}

func (e *BuildError) Error() string { return "build " + e.Pkg + ": " + e.Err.Error() + "\n" + e.Output }

// Env is the environment Lambda gives a function, with its Runtime API at
// runtimeAddr and, when chimeURL is not empty, Chime SDK Messaging at
// chimeURL. The region and credentials are those a messagingtest.Server
// expects by default. extra entries (KEY=value) are appended; a later entry
// wins over an earlier one of the same name.
func Env(runtimeAddr, chimeURL string, extra ...string) []string {
	env := []string{
		"AWS_LAMBDA_RUNTIME_API=" + runtimeAddr,
		"AWS_REGION=" + messagingtest.Region,
		"AWS_ACCESS_KEY_ID=" + messagingtest.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + messagingtest.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + messagingtest.SessionToken,
		"AWS_LAMBDA_FUNCTION_NAME=chimeflow-processor",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"HOME=" + os.TempDir(),
	}
	if chimeURL != "" {
		env = append(env, "AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING="+chimeURL)
	}
	return append(env, extra...)
}

// Chime is an http.Handler standing in for Chime SDK Messaging: it records
// every request and answers 200 with an empty JSON object, or, while
// Statuses lasts, with the next status of that script (an error status
// comes with its rest-json error code, Message and request id req-1).
//
// Deprecated: use messagingtest.Server, which checks each request against
// the service model and its signature, keeps the state of messages and
// scripts faults (Inject). Chime stays until its last users move.
type Chime struct {
	// Statuses scripts the answers, one per request; 200 after it runs out.
	Statuses []int
	// Message is the error message of scripted errors.
	Message string

	mu       sync.Mutex
	requests []*http.Request
	bodies   [][]byte
}

// errorCodes are the service's error types by status, from the model.
var errorCodes = map[int]string{400: "BadRequestException", 401: "UnauthorizedClientException", 403: "ForbiddenException",
	409: "ConflictException", 429: "ThrottledClientException", 500: "ServiceFailureException", 503: "ServiceUnavailableException"}

func (c *Chime) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.requests = append(c.requests, r)
	c.bodies = append(c.bodies, b)
	status := http.StatusOK
	if len(c.Statuses) > 0 {
		status, c.Statuses = c.Statuses[0], c.Statuses[1:]
	}
	c.mu.Unlock()
	w.Header().Set("x-amzn-RequestId", "req-1")
	if status != http.StatusOK {
		code := errorCodes[status]
		w.Header().Set("x-amzn-ErrorType", code)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"Code": strings.TrimSuffix(code, "Exception"), "Message": c.Message})
		return
	}
	w.Write([]byte(`{}`))
}

// Requests returns the requests received so far and their bodies.
func (c *Chime) Requests() ([]*http.Request, [][]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*http.Request(nil), c.requests...), append([][]byte(nil), c.bodies...)
}
