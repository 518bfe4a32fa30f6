package messaging

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// HTTPClient sends one HTTP request; *http.Client implements it.
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// Options configure a Client. A per-call func(*Options) may change any of
// them for one call.
type Options struct {
	// Region of the app instance, e.g. us-east-1. Required.
	Region string
	// Credentials sign the requests (SigV4, signing name "chime"). Required.
	Credentials aws.CredentialsProvider
	// BaseEndpoint overrides https://messaging-chime.REGION.amazonaws.com,
	// e.g. http://127.0.0.1:4566 for a local stand-in.
	BaseEndpoint string
	// HTTPClient sends the requests; nil means a tuned *http.Client.
	HTTPClient HTTPClient
	// MaxAttempts bounds the attempts per call, the first included
	// (0 means the default, 5). The invocation deadline bounds them too.
	MaxAttempts int
	// MaxBackoff caps the exponential backoff between attempts (0 means 2s).
	MaxBackoff time.Duration
	// Now returns the signing time; nil means time.Now.
	Now func() time.Time
}
