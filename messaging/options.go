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
	// DeadlineMargin is kept free before the context's deadline: no attempt
	// and no backoff sleep starts unless it can end at least this long
	// before the deadline, and an attempt under way is cut there, so that
	// the caller still has time to record the error. A negative value keeps
	// no margin. Zero means DefaultDeadlineMargin (500ms) for the calls a
	// processor makes within its invocation (ChannelFlowCallback,
	// GetChannelMessageStatus), and no margin for the channel flow
	// management calls, whose callers (the deployment's custom resource)
	// keep their own.
	DeadlineMargin time.Duration
	// AllowHTTP lets BaseEndpoint be a plain http:// URL of a host that is
	// not loopback. Without it only https://, or http:// to localhost,
	// 127.0.0.0/8 or ::1, is accepted: requests carry the session token.
	AllowHTTP bool
}
