package lambdatest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

// Build compiles the main package pkg as the SAM build does (linux flags
// aside: it targets this machine) into dir and returns the binary's path.
// tags are build tags added to lambda.norpc, as the Makefile's TAGS
// (chimeflow_notrail, say).
func Build(dir, pkg, name string, tags ...string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", "build", "-tags", strings.Join(append([]string{"lambda.norpc"}, tags...), ","), "-trimpath", "-ldflags=-s -w", "-o", out, pkg)
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
