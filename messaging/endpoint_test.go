package messaging

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setEnv sets the given variables and unsets every other variable that
// bears on the endpoint, region or credentials, for the test's duration.
func setEnv(t *testing.T, vars map[string]string) {
	t.Helper()
	for _, k := range []string{
		EnvServiceEndpoint, EnvEndpoint, EnvIgnoreEndpoints, EnvRegion, EnvDefaultRegion,
		EnvAccessKeyID, EnvSecretAccessKey, EnvSessionToken, "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY",
	} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	// Keep LoadDefaultConfig off the machine's own files.
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	for k, v := range vars {
		t.Setenv(k, v)
	}
}

const (
	svcURL    = "https://service.example.com:4566"
	globalURL = "https://global.example.com:4566"
	optURL    = "https://option.example.com:4566"
	cfgURL    = "https://config.example.com:4566"
	defURL    = "https://messaging-chime.eu-west-1.amazonaws.com"
)

func TestNewEndpointPrecedence(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		opt  string
		want string
	}{
		{"default", nil, "", defURL},
		{"global variable", map[string]string{EnvEndpoint: globalURL}, "", globalURL},
		{"service variable", map[string]string{EnvServiceEndpoint: svcURL}, "", svcURL},
		{"service beats global", map[string]string{EnvServiceEndpoint: svcURL, EnvEndpoint: globalURL}, "", svcURL},
		{"option beats both", map[string]string{EnvServiceEndpoint: svcURL, EnvEndpoint: globalURL}, optURL, optURL},
		{"ignore configured endpoints", map[string]string{EnvServiceEndpoint: svcURL, EnvEndpoint: globalURL, EnvIgnoreEndpoints: "true"}, "", defURL},
		{"ignore does not drop the option", map[string]string{EnvIgnoreEndpoints: "true"}, optURL, optURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			c := New(Options{Region: "eu-west-1", BaseEndpoint: tt.opt})
			require.NotNil(t, c.endpoint)
			assert.Equal(t, tt.want, c.endpoint.String())
		})
	}
}

func TestNewFromConfigEndpointPrecedence(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		shared string // shared config file
		want   string
	}{
		{"default", nil, "", defURL},
		{"global variable", map[string]string{EnvEndpoint: globalURL}, "", globalURL},
		{"service variable", map[string]string{EnvServiceEndpoint: svcURL}, "", svcURL},
		{"service beats global", map[string]string{EnvServiceEndpoint: svcURL, EnvEndpoint: globalURL}, "", svcURL},
		{"ignore configured endpoints", map[string]string{EnvServiceEndpoint: svcURL, EnvEndpoint: globalURL, EnvIgnoreEndpoints: "true"}, "", defURL},
		{"shared config services section", nil, "[default]\nservices = local\n[services local]\nchime_sdk_messaging =\n  endpoint_url = " + cfgURL + "\n", cfgURL},
		{"shared config endpoint_url", nil, "[default]\nendpoint_url = " + cfgURL + "\n", cfgURL},
		{"service variable beats shared config", map[string]string{EnvServiceEndpoint: svcURL}, "[default]\nendpoint_url = " + cfgURL + "\n", svcURL},
		{"global variable beats shared services (as the SDK)", map[string]string{EnvEndpoint: globalURL},
			"[default]\nservices = local\n[services local]\nchime_sdk_messaging =\n  endpoint_url = " + cfgURL + "\n", globalURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			if tt.shared != "" {
				require.NoError(t, os.WriteFile(os.Getenv("AWS_CONFIG_FILE"), []byte(tt.shared), 0o600))
			}
			cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("eu-west-1"))
			require.NoError(t, err)
			c := NewFromConfig(cfg)
			require.NotNil(t, c.endpoint)
			assert.Equal(t, tt.want, c.endpoint.String())
			assert.Equal(t, "eu-west-1", c.Options().Region)
		})
	}

	t.Run("hand-built config falls back to the environment", func(t *testing.T) {
		setEnv(t, map[string]string{EnvServiceEndpoint: svcURL, EnvEndpoint: globalURL})
		assert.Equal(t, svcURL, NewFromConfig(aws.Config{Region: "eu-west-1"}).endpoint.String())
	})
	t.Run("hand-built BaseEndpoint", func(t *testing.T) {
		setEnv(t, nil)
		assert.Equal(t, cfgURL, NewFromConfig(aws.Config{Region: "eu-west-1", BaseEndpoint: aws.String(cfgURL)}).endpoint.String())
	})
	t.Run("option beats config", func(t *testing.T) {
		setEnv(t, map[string]string{EnvServiceEndpoint: svcURL})
		c := NewFromConfig(aws.Config{Region: "eu-west-1"}, func(o *Options) { o.BaseEndpoint = optURL })
		assert.Equal(t, optURL, c.endpoint.String())
	})
}

func TestNewFromConfigTakesConfig(t *testing.T) {
	fs := newFakeServer(t, script())
	creds := staticCredentials(testCreds)
	hc := &http.Client{}
	c := NewFromConfig(aws.Config{Region: testRegion, Credentials: creds, HTTPClient: hc, RetryMaxAttempts: 7, BaseEndpoint: aws.String(fs.URL)})
	o := c.Options()
	assert.Equal(t, testRegion, o.Region)
	assert.Equal(t, creds, o.Credentials)
	assert.Same(t, hc, o.HTTPClient)
	assert.Equal(t, 7, o.MaxAttempts)
	_, err := c.ChannelFlowCallback(context.Background(), validCallback())
	require.NoError(t, err)
	assert.Equal(t, 1, fs.count())
}

// TestEndpointFromEnvIsUsed sends a request to the endpoint the variable names.
func TestEndpointFromEnvIsUsed(t *testing.T) {
	fs := newFakeServer(t, script())
	setEnv(t, map[string]string{EnvServiceEndpoint: fs.URL + "/prefix/", EnvEndpoint: "http://127.0.0.1:1"})
	c := New(Options{Region: testRegion, Credentials: staticCredentials(testCreds)})
	_, err := c.ChannelFlowCallback(context.Background(), validCallback())
	require.NoError(t, err)
	reqs := fs.requests()
	require.Len(t, reqs, 1)
	assert.True(t, strings.HasPrefix(reqs[0].RequestURI, "/prefix/channels/arn%3Aaws%3Achime%3A"), reqs[0].RequestURI)
}

func TestEndpointErrors(t *testing.T) {
	setEnv(t, nil)
	ctx := context.Background()
	for name, opts := range map[string]Options{
		"no region":          {Credentials: staticCredentials(testCreds)},
		"region with a dot":  {Region: "evil.com/x", Credentials: staticCredentials(testCreds)},
		"bad scheme":         {Region: testRegion, BaseEndpoint: "ftp://x", Credentials: staticCredentials(testCreds)},
		"no host":            {Region: testRegion, BaseEndpoint: "http://", Credentials: staticCredentials(testCreds)},
		"endpoint no region": {BaseEndpoint: "http://127.0.0.1:1", Credentials: staticCredentials(testCreds)},
		"no credentials":     {Region: testRegion, BaseEndpoint: "http://127.0.0.1:1"},
	} {
		_, err := New(opts).ChannelFlowCallback(ctx, validCallback())
		assert.Error(t, err, name)
		assert.Contains(t, err.Error(), "messaging: ChannelFlowCallback: ", name)
	}
}

func TestPerCallEndpointAndRegion(t *testing.T) {
	setEnv(t, nil)
	fs := newFakeServer(t, script())
	c := newTestClient(t, "http://127.0.0.1:1")
	_, err := c.ChannelFlowCallback(context.Background(), validCallback(), func(o *Options) {
		o.BaseEndpoint, o.Region = fs.URL, "ap-southeast-1"
	})
	require.NoError(t, err)
	assert.Contains(t, fs.requests()[0].Header.Get("Authorization"), "/ap-southeast-1/chime/aws4_request")
}

func TestEnvOptions(t *testing.T) {
	t.Run("lambda environment", func(t *testing.T) {
		setEnv(t, map[string]string{EnvRegion: "eu-central-1", EnvDefaultRegion: "us-west-2", EnvAccessKeyID: "AKIA1", EnvSecretAccessKey: "s3cr3t", EnvSessionToken: "tok"})
		o, err := EnvOptions()
		require.NoError(t, err)
		assert.Equal(t, "eu-central-1", o.Region)
		creds, err := o.Credentials.Retrieve(context.Background())
		require.NoError(t, err)
		assert.Equal(t, aws.Credentials{AccessKeyID: "AKIA1", SecretAccessKey: "s3cr3t", SessionToken: "tok", Source: "EnvironmentVariables"}, creds)
	})
	t.Run("default region, no session token", func(t *testing.T) {
		setEnv(t, map[string]string{EnvDefaultRegion: "us-west-2", EnvAccessKeyID: "AKIA1", EnvSecretAccessKey: "s3cr3t"})
		o, err := EnvOptions()
		require.NoError(t, err)
		assert.Equal(t, "us-west-2", o.Region)
		creds, _ := o.Credentials.Retrieve(context.Background())
		assert.Empty(t, creds.SessionToken)
	})
	t.Run("nothing set", func(t *testing.T) {
		setEnv(t, nil)
		_, err := EnvOptions()
		assert.EqualError(t, err, "messaging: environment lacks AWS_REGION (or AWS_DEFAULT_REGION), AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY")
	})
	t.Run("secret missing", func(t *testing.T) {
		setEnv(t, map[string]string{EnvRegion: "eu-central-1", EnvAccessKeyID: "AKIA1"})
		_, err := EnvOptions()
		assert.EqualError(t, err, "messaging: environment lacks AWS_SECRET_ACCESS_KEY")
	})
	t.Run("signs a request", func(t *testing.T) {
		fs := newFakeServer(t, script())
		setEnv(t, map[string]string{EnvRegion: testRegion, EnvAccessKeyID: "AKIA1", EnvSecretAccessKey: "s3cr3t", EnvSessionToken: "tok", EnvServiceEndpoint: fs.URL})
		o, err := EnvOptions()
		require.NoError(t, err)
		_, err = New(o).ChannelFlowCallback(context.Background(), validCallback())
		require.NoError(t, err)
		h := fs.requests()[0].Header
		assert.Contains(t, h.Get("Authorization"), "Credential=AKIA1/")
		assert.Equal(t, "tok", h.Get("X-Amz-Security-Token"))
	})
}

// TestNoConfigImport keeps the Lambda path free of the config module's init.
func TestNoConfigImport(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, string(out))
	for _, dep := range strings.Split(string(out), "\n") {
		for _, banned := range []string{"github.com/aws/aws-sdk-go-v2/config", "github.com/aws/aws-sdk-go-v2/credentials", "github.com/aws/aws-sdk-go-v2/feature/ec2/imds"} {
			assert.False(t, dep == banned || strings.HasPrefix(dep, banned+"/"), "messaging imports %s", dep)
		}
	}
}
