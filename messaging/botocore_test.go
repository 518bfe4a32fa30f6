package messaging

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/testenv"
)

type botocoreCase struct {
	Name        string            `json:"name"`
	Operation   string            `json:"operation"`
	Region      string            `json:"region"`
	Credentials map[string]string `json:"credentials"`
	Request     struct {
		Method     string              `json:"method"`
		Host       string              `json:"host"`
		URI        string              `json:"uri"`
		Headers    map[string][]string `json:"headers"`
		BodyBase64 string              `json:"body_base64"`
	} `json:"request"`
}

type botocoreResult struct {
	Name   string         `json:"name"`
	Errors []string       `json:"errors"`
	Params map[string]any `json:"params"`
}

func newBotocoreCase(name, op string, cr capturedRequest) botocoreCase {
	c := botocoreCase{
		Name: name, Operation: op, Region: testRegion,
		Credentials: map[string]string{"access_key": testCreds.AccessKeyID, "secret_key": testCreds.SecretAccessKey, "token": testCreds.SessionToken},
	}
	c.Request.Method, c.Request.Host, c.Request.URI = cr.Method, cr.Host, cr.RequestURI
	c.Request.Headers = cr.Header.Clone()
	if cr.ContentLength > 0 {
		c.Request.Headers["Content-Length"] = []string{itoa(cr.ContentLength)}
	}
	c.Request.BodyBase64 = base64.StdEncoding.EncodeToString(cr.Body)
	return c
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// runBotocore runs testdata/botocore_check.py on the cases. A machine
// without python3.11 and botocore skips the test, except under CI
// (CHIMEFLOW_CI=1), where it fails.
func runBotocore(t *testing.T, cases []botocoreCase) map[string]botocoreResult {
	t.Helper()
	py := testenv.Python(t, "botocore")
	in, err := json.Marshal(map[string]any{"model": modelPath, "cases": cases})
	require.NoError(t, err)
	cmd := exec.Command(py, "testdata/botocore_check.py")
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
			t.Fatalf("botocore is required for the wire-conformance check: pip install botocore (for %s)\n%s", py, stderr.String())
		}
		t.Fatalf("botocore_check.py failed: %v\n%s", err, stderr.String())
	}
	var out struct {
		Botocore string           `json:"botocore"`
		Results  []botocoreResult `json:"results"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), "botocore_check.py output: %s", stdout.String())
	t.Logf("botocore %s", out.Botocore)
	results := map[string]botocoreResult{}
	for _, r := range out.Results {
		results[r.Name] = r
	}
	require.Len(t, results, len(cases))
	return results
}

// TestBotocoreWireConformance has botocore read every captured request with
// the model, validate the parameters, serialize them again with its own
// rest-json serializer (same path, query, headers and body) and recompute
// the SigV4 signature. Mutated requests prove the check bites.
func TestBotocoreWireConformance(t *testing.T) {
	m := loadModel(t)
	var cases []botocoreCase
	wants := map[string]string{}
	for _, tc := range opCases() {
		cr, _ := captureCase(t, m, tc)
		cases = append(cases, newBotocoreCase(tc.name, tc.op, cr))
		wants[tc.name] = tc.want
	}

	// Mutations of the first (full) callback that botocore must reject.
	first := opCases()[0]
	cr, _ := captureCase(t, m, first)
	mutants := map[string]struct {
		mutate func(c *botocoreCase)
		want   string // in one of botocore's errors
	}{
		"unknown body member": {func(c *botocoreCase) {
			c.Request.BodyBase64 = base64.StdEncoding.EncodeToString(bytes.Replace(cr.Body, []byte(`{`), []byte(`{"Bogus":1,`), 1))
		}, `Unknown parameter in input: "Bogus"`},
		"tampered body": {func(c *botocoreCase) {
			c.Request.BodyBase64 = base64.StdEncoding.EncodeToString(bytes.Replace(cr.Body, []byte("sport"), []byte("sp0rt"), 1))
		}, "but botocore computes"},
		"path with plain slashes": {func(c *botocoreCase) {
			c.Request.URI = "/channels/" + testChannelArn + "?operation=channel-flow-callback"
		}, "segments"},
		"wrong secret": {func(c *botocoreCase) {
			c.Credentials = map[string]string{"access_key": testCreds.AccessKeyID, "secret_key": "other", "token": testCreds.SessionToken}
		}, "but botocore computes"},
		"title too long": {func(c *botocoreCase) {
			c.Request.BodyBase64 = base64.StdEncoding.EncodeToString(bytes.Replace(cr.Body, []byte("New message"), []byte(strings.Repeat("t", 51)), 1))
		}, "length 51, max 50"},
		"missing required member": {func(c *botocoreCase) {
			c.Request.BodyBase64 = base64.StdEncoding.EncodeToString(bytes.Replace(cr.Body, []byte(`"CallbackId"`), []byte(`"callbackId"`), 1))
		}, `Missing required parameter in input: "CallbackId"`},
	}
	for name, mu := range mutants {
		c := newBotocoreCase("mutant/"+name, first.op, cr)
		mu.mutate(&c)
		cases = append(cases, c)
	}

	results := runBotocore(t, cases)
	for name, want := range wants {
		r := results[name]
		assert.Empty(t, r.Errors, "%s: botocore found problems", name)
		got, err := json.Marshal(r.Params)
		require.NoError(t, err)
		assert.Equal(t, decodeJSON(t, []byte(want)), decodeJSON(t, got), "%s: parameters as botocore reads them", name)
	}
	for name, mu := range mutants {
		errs := results["mutant/"+name].Errors
		assert.True(t, strings.Contains(strings.Join(errs, "\n"), mu.want), "mutant %q: want an error with %q, got %q", name, mu.want, errs)
	}
}
