package messaging

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Service constants, from the service model's metadata.
const (
	// ServiceID is the model's serviceId; it names the service in shared
	// config "services" sections and in AWS_ENDPOINT_URL_<SERVICE>.
	ServiceID = "Chime SDK Messaging"
	// SigningName is the SigV4 signing name of the service.
	SigningName = "chime"
	// EndpointPrefix is the host prefix of the default endpoint
	// https://messaging-chime.REGION.amazonaws.com.
	EndpointPrefix = "messaging-chime"
)

// Environment variables read for the endpoint and by EnvOptions.
const (
	EnvServiceEndpoint   = "AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING"
	EnvEndpoint          = "AWS_ENDPOINT_URL"
	EnvIgnoreEndpoints   = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
	EnvRegion            = "AWS_REGION"
	EnvDefaultRegion     = "AWS_DEFAULT_REGION"
	EnvAccessKeyID       = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey   = "AWS_SECRET_ACCESS_KEY"
	EnvSessionToken      = "AWS_SESSION_TOKEN"
	credentialsSourceEnv = "EnvironmentVariables"
)

// Defaults applied when the matching Options field is zero.
const (
	DefaultMaxAttempts = 5
	DefaultMaxBackoff  = 2 * time.Second
	// DefaultAttemptTimeout bounds one attempt (connect, send, read the
	// response); the call's context bounds it further.
	DefaultAttemptTimeout = 10 * time.Second
	// DefaultDeadlineMargin is the time kept free before the context's
	// deadline when Options.DeadlineMargin is zero.
	DefaultDeadlineMargin = 500 * time.Millisecond
)

// minAttemptWindow is the least time an attempt is started with: an
// attempt (or a backoff sleep followed by one) starts only when this much
// is left before the deadline less the margin.
const minAttemptWindow = 100 * time.Millisecond

// maxResponseBytes bounds how much of a response body is read.
const maxResponseBytes = 4 << 20

// Client calls the Amazon Chime SDK Messaging operations a channel flow
// processor and its deployment need. It is safe for concurrent use.
//
// Every call validates its input (returning an *InvalidParamsError without
// sending), signs each attempt with SigV4 and retries throttling (429),
// server faults (5xx) and transport errors, within Options.MaxAttempts and
// the context's deadline less Options.DeadlineMargin. Service errors are
// *APIError. A redirect is refused (*RedirectError), never followed: the
// body and the session token go to the endpoint and nowhere else.
type Client struct {
	options        Options
	endpoint       *url.URL // parsed endpoint for options.BaseEndpoint/Region; nil when invalid
	httpClient     HTTPClient
	signer         *v4.Signer
	attemptTimeout time.Duration
}

// New returns a Client for opts, after applying optFns to a copy of them.
//
// When no BaseEndpoint is given, the endpoint comes from
// AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING, else AWS_ENDPOINT_URL, else
// https://messaging-chime.REGION.amazonaws.com; AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true
// disables both variables, as in the SDK. A nil HTTPClient is replaced by
// a tuned *http.Client (keep-alive, connect and header timeouts).
func New(opts Options, optFns ...func(*Options)) *Client {
	for _, fn := range optFns {
		fn(&opts)
	}
	if opts.BaseEndpoint == "" {
		opts.BaseEndpoint = endpointFromEnv()
	}
	return newClient(opts)
}

// NewFromConfig returns a Client that takes its region, credentials, HTTP
// client, maximum attempts and endpoint from cfg (as built by
// config.LoadDefaultConfig), then applies optFns.
//
// The endpoint is resolved as the official client does: cfg.BaseEndpoint
// (AWS_ENDPOINT_URL or endpoint_url of the shared config), overridden by the
// service-specific AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING (or the shared
// config's "services" section) found in cfg.ConfigSources. A cfg built by
// hand, without ConfigSources, falls back to the environment like New.
func NewFromConfig(cfg aws.Config, optFns ...func(*Options)) *Client {
	opts := Options{
		Region:      cfg.Region,
		Credentials: cfg.Credentials,
		MaxAttempts: cfg.RetryMaxAttempts,
	}
	if cfg.HTTPClient != nil {
		opts.HTTPClient = cfg.HTTPClient
	}
	endpoint, fromSources := configEndpoint(cfg)
	opts.BaseEndpoint = endpoint
	for _, fn := range optFns {
		fn(&opts)
	}
	if opts.BaseEndpoint == "" && !fromSources {
		opts.BaseEndpoint = endpointFromEnv()
	}
	return newClient(opts)
}

func newClient(opts Options) *Client {
	if opts.HTTPClient == nil {
		opts.HTTPClient = newHTTPClient()
	}
	c := &Client{options: opts, httpClient: noRedirects(opts.HTTPClient), signer: v4.NewSigner(), attemptTimeout: DefaultAttemptTimeout}
	c.endpoint, _ = resolveEndpoint(opts.BaseEndpoint, opts.Region, opts.AllowHTTP)
	return c
}

// noRedirects returns h made not to follow redirects: an *http.Client is
// copied with a CheckRedirect that hands the redirect back as the answer
// (which attempt then refuses). Another HTTPClient is used as it is; attempt
// refuses an answer that came from another host than asked.
func noRedirects(h HTTPClient) HTTPClient {
	hc, ok := h.(*http.Client)
	if !ok {
		return h
	}
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// Options returns a copy of the client's options.
func (c *Client) Options() Options { return c.options }

// newHTTPClient returns the default HTTP client: keep-alive connections,
// bounded dial, TLS handshake and response header waits.
func newHTTPClient() *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			MaxIdleConnsPerHost:   10,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: DefaultAttemptTimeout,
			ExpectContinueTimeout: time.Second,
		},
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// endpointFromEnv returns AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING, else
// AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
func endpointFromEnv() string {
	if strings.EqualFold(os.Getenv(EnvIgnoreEndpoints), "true") {
		return ""
	}
	if v := os.Getenv(EnvServiceEndpoint); v != "" {
		return v
	}
	return os.Getenv(EnvEndpoint)
}

// The config sources of an aws.Config (config.EnvConfig, config.SharedConfig,
// config.LoadOptions) implement these, as internal/configsources expects;
// asserting them here spares importing the config module.
type (
	serviceEndpointProvider interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	ignoreEndpointsProvider interface {
		GetIgnoreConfiguredEndpoints(ctx context.Context) (bool, bool, error)
	}
)

// configEndpoint resolves the endpoint of cfg as the generated service
// clients' resolveBaseEndpoint does. fromSources reports whether cfg carried
// config sources that answered for the environment.
func configEndpoint(cfg aws.Config) (endpoint string, fromSources bool) {
	if cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	ctx := context.Background()
	for _, src := range cfg.ConfigSources {
		switch src.(type) {
		case serviceEndpointProvider, ignoreEndpointsProvider:
			fromSources = true
		}
		if p, ok := src.(ignoreEndpointsProvider); ok {
			if ignore, found, err := p.GetIgnoreConfiguredEndpoints(ctx); err == nil && found {
				if ignore {
					return "", true
				}
				break
			}
		}
	}
	if !fromSources {
		return endpoint, false
	}
	_, global := os.LookupEnv(EnvEndpoint)
	_, service := os.LookupEnv(EnvServiceEndpoint)
	if global && !service {
		return endpoint, true
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(serviceEndpointProvider); ok {
			v, found, err := p.GetServiceBaseEndpoint(ctx, ServiceID)
			if err != nil {
				break
			}
			if found {
				return v, true
			}
		}
	}
	return endpoint, true
}

// ErrInsecureEndpoint is matched (errors.Is) by the error of a call whose
// endpoint is plain http:// to a host that is not loopback, unless
// Options.AllowHTTP is set.
var ErrInsecureEndpoint = errors.New("plain-http endpoint to a host that is not loopback")

// resolveEndpoint returns the parsed base endpoint, or the default one of
// region. A plain http:// endpoint is refused unless its host is loopback
// or allowHTTP is set.
func resolveEndpoint(base, region string, allowHTTP bool) (*url.URL, error) {
	if base == "" {
		if !validRegion(region) {
			return nil, fmt.Errorf("invalid or missing Region %q and no BaseEndpoint", region)
		}
		base = "https://" + EndpointPrefix + "." + region + ".amazonaws.com"
	}
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("invalid BaseEndpoint: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("invalid BaseEndpoint %q: want http(s)://host[:port][/path]", base)
	}
	if u.Scheme == "http" && !allowHTTP && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("%w: refusing %s (requests carry the session token): use https, or set Options.AllowHTTP", ErrInsecureEndpoint, u.Redacted())
	}
	u.RawQuery, u.Fragment, u.RawFragment, u.User = "", "", "", nil
	return u, nil
}

// isLoopback reports whether host names this machine: localhost, or a
// loopback IP literal (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validRegion reports whether region can stand in a host name.
func validRegion(region string) bool {
	if region == "" || len(region) > 63 {
		return false
	}
	for i := 0; i < len(region); i++ {
		c := region[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// EnvOptions returns Options with the region and static credentials of the
// environment, as AWS Lambda sets them: AWS_REGION (or AWS_DEFAULT_REGION),
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (optional).
// It does not load the shared config files, which keeps a Lambda cold start
// free of the config package; use NewFromConfig for that.
func EnvOptions() (Options, error) {
	region := os.Getenv(EnvRegion)
	if region == "" {
		region = os.Getenv(EnvDefaultRegion)
	}
	creds := aws.Credentials{
		AccessKeyID:     os.Getenv(EnvAccessKeyID),
		SecretAccessKey: os.Getenv(EnvSecretAccessKey),
		SessionToken:    os.Getenv(EnvSessionToken),
		Source:          credentialsSourceEnv,
	}
	var missing []string
	if region == "" {
		missing = append(missing, EnvRegion+" (or "+EnvDefaultRegion+")")
	}
	if creds.AccessKeyID == "" {
		missing = append(missing, EnvAccessKeyID)
	}
	if creds.SecretAccessKey == "" {
		missing = append(missing, EnvSecretAccessKey)
	}
	if len(missing) > 0 {
		return Options{}, fmt.Errorf("messaging: environment lacks %s", strings.Join(missing, ", "))
	}
	return Options{Region: region, Credentials: staticCredentials(creds)}, nil
}

// staticCredentials is a CredentialsProvider of fixed credentials.
type staticCredentials aws.Credentials

// Retrieve returns the credentials.
func (s staticCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials(s), nil
}

// request is one operation call, ready to be sent as many times as needed.
type request struct {
	op      string
	method  string
	path    string // escaped path below the endpoint's own path
	query   string // encoded query string
	bearer  string // x-amz-chime-bearer, when set
	body    []byte // JSON body; nil for none
	hasBody bool
	// bodyOptional: a 2xx answer is success even when its body does not
	// decode (the caller does not need it).
	bodyOptional bool
	// inInvocation: the call is made by a processor within its invocation
	// (ChannelFlowCallback, GetChannelMessageStatus), where the default
	// deadline margin applies.
	inInvocation bool
}

// resolveOptions returns the options of one call.
func (c *Client) resolveOptions(optFns []func(*Options)) Options {
	o := c.options
	for _, fn := range optFns {
		fn(&o)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = c.options.HTTPClient
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// margin returns the time a call of r keeps free before the context's
// deadline under o.
func (r *request) margin(o *Options) time.Duration {
	switch {
	case o.DeadlineMargin < 0:
		return 0
	case o.DeadlineMargin > 0:
		return o.DeadlineMargin
	case r.inInvocation:
		return DefaultDeadlineMargin
	}
	return 0
}

// invoke sends r, retrying as Options allow, and decodes a 2xx body into
// out (when out is not nil). It returns the request id of the response.
//
// With a deadline on ctx, no attempt starts unless at least
// minAttemptWindow is left before the deadline less the margin, each
// attempt is cut there, and a backoff sleep that would leave less is not
// begun: the call returns in time, with the last error an attempt met.
func (c *Client) invoke(ctx context.Context, r *request, out any, optFns []func(*Options)) (string, error) {
	o := c.resolveOptions(optFns)
	endpoint := c.endpoint
	if len(optFns) > 0 && (o.BaseEndpoint != c.options.BaseEndpoint || o.Region != c.options.Region || o.AllowHTTP != c.options.AllowHTTP) || endpoint == nil {
		var err error
		if endpoint, err = resolveEndpoint(o.BaseEndpoint, o.Region, o.AllowHTTP); err != nil {
			return "", fmt.Errorf("messaging: %s: %w", r.op, err)
		}
	}
	if o.Region == "" {
		return "", fmt.Errorf("messaging: %s: Region is required to sign requests", r.op)
	}
	if o.Credentials == nil {
		return "", fmt.Errorf("messaging: %s: no Credentials", r.op)
	}
	hc := c.httpClient
	if len(optFns) > 0 {
		// A per-call HTTPClient is made not to follow redirects too. (The
		// clients are not compared: an HTTPClient may be of a type that
		// cannot be.)
		hc = noRedirects(o.HTTPClient)
	}
	target := *endpoint
	target.RawPath = strings.TrimSuffix(endpoint.EscapedPath(), "/") + r.path
	target.Path, _ = url.PathUnescape(target.RawPath)
	target.RawQuery = r.query
	rawURL := target.String()
	sum := sha256.Sum256(r.body)
	payloadHash := hex.EncodeToString(sum[:])

	margin := r.margin(&o)
	var cutoff time.Time // the deadline less the margin; zero when ctx has none
	if deadline, ok := ctx.Deadline(); ok {
		cutoff = deadline.Add(-margin)
	}
	window := minAttemptWindow
	if margin == 0 {
		window = 0
	}
	var last error // the last error an attempt met
	var backoff *retry.ExponentialJitterBackoff
	stats := callStats(ctx)
	for attempt := 1; ; attempt++ {
		if !cutoff.IsZero() {
			if left := time.Until(cutoff); left < window {
				if last == nil {
					return "", &TimeoutError{Operation: r.op, Deadline: true, Left: left, Margin: margin}
				}
				return "", giveUp(last, attempt-1, fmt.Errorf("no time for another attempt %s", beforeCutoff(margin)))
			}
		}
		if stats != nil {
			stats.Attempts++
			if last != nil {
				// This attempt is a retry after last.
				stats.countRetry(last)
			}
		}
		reqID, retryable, err := c.attempt(ctx, &o, hc, r, rawURL, payloadHash, out, cutoff, margin)
		if err == nil {
			return reqID, nil
		}
		if cerr := ctx.Err(); cerr != nil {
			if errors.Is(cerr, context.Canceled) {
				return "", giveUp(err, attempt, cerr)
			}
			// The deadline itself (no margin kept): the last real error
			// says more than "context deadline exceeded".
			if last != nil && isTimeout(err) {
				return "", giveUp(last, attempt, fmt.Errorf("attempt %d got no answer before the deadline", attempt))
			}
			return "", giveUp(err, attempt, nil)
		}
		if te := (*TimeoutError)(nil); errors.As(err, &te) && te.Deadline {
			if last != nil {
				return "", giveUp(last, attempt, fmt.Errorf("attempt %d got no answer %s", attempt, beforeCutoff(margin)))
			}
			return "", giveUp(err, attempt, nil)
		}
		last = err
		if !retryable {
			return "", giveUp(err, attempt, nil)
		}
		if attempt >= o.MaxAttempts {
			return "", giveUp(err, attempt, errors.New("max attempts reached"))
		}
		if backoff == nil {
			backoff = retry.NewExponentialJitterBackoff(o.MaxBackoff)
		}
		delay, derr := backoff.BackoffDelay(attempt, err)
		if derr != nil {
			return "", giveUp(err, attempt, derr)
		}
		if !cutoff.IsZero() && time.Until(cutoff) < delay+window {
			return "", giveUp(err, attempt, fmt.Errorf("the next attempt would not finish %s", beforeCutoff(margin)))
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return "", giveUp(err, attempt, ctx.Err())
		case <-timer.C:
		}
	}
}

// beforeCutoff says when a call must end: "before the deadline", less the
// margin if any.
func beforeCutoff(margin time.Duration) string {
	if margin <= 0 {
		return "before the deadline"
	}
	return "before the deadline less the " + margin.String() + " margin"
}

// isTimeout reports whether err is an attempt cut by a deadline.
func isTimeout(err error) bool {
	var te *TimeoutError
	return errors.As(err, &te)
}

// giveUp returns the last error of a call: as is after one attempt, else
// wrapped (errors.As still finds an *APIError) with the attempt count and
// why no more were made.
func giveUp(err error, attempts int, why error) error {
	if attempts == 1 && why == nil {
		return err
	}
	n := strconv.Itoa(attempts) + " attempts"
	if attempts == 1 {
		n = "1 attempt"
	}
	if why == nil {
		return fmt.Errorf("%w (after %s)", err, n)
	}
	return fmt.Errorf("%w (after %s: %w)", err, n, why)
}

// attempt sends r once, cut at cutoff (when not zero) or after the attempt
// timeout. retryable reports whether a failure is worth another attempt.
func (c *Client) attempt(ctx context.Context, o *Options, hc HTTPClient, r *request, rawURL, payloadHash string, out any, cutoff time.Time, margin time.Duration) (reqID string, retryable bool, err error) {
	creds, err := o.Credentials.Retrieve(ctx)
	if err != nil {
		return "", false, fmt.Errorf("messaging: %s: retrieve credentials: %w", r.op, err)
	}
	start := time.Now()
	end := start.Add(c.attemptTimeout)
	byDeadline := false
	// With a margin the attempt is cut at the deadline less the margin;
	// without one the caller's context cuts it at its deadline.
	if margin > 0 && !cutoff.IsZero() && cutoff.Before(end) {
		end, byDeadline = cutoff, true
	}
	actx, cancel := context.WithDeadline(ctx, end)
	defer cancel()
	// timedOut turns a failure caused by the attempt's own deadline into a
	// *TimeoutError; a failure of the caller's context stays as it is.
	timedOut := func(err error) (bool, error) {
		if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			return !byDeadline, &TimeoutError{Operation: r.op, Elapsed: time.Since(start), Deadline: byDeadline, Margin: margin, Err: err}
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return false, &TimeoutError{Operation: r.op, Elapsed: time.Since(start), Deadline: true, Margin: margin, Err: err}
		}
		return ctx.Err() == nil, err
	}
	var body io.Reader
	if r.hasBody {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, rawURL, body)
	if err != nil {
		return "", false, fmt.Errorf("messaging: %s: build request: %w", r.op, err)
	}
	if r.hasBody {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.bearer != "" {
		req.Header.Set("X-Amz-Chime-Bearer", r.bearer)
	}
	req.Header.Set("User-Agent", "chimeflow-messaging")
	if err := c.signer.SignHTTP(ctx, creds, req, payloadHash, SigningName, o.Region, o.Now()); err != nil {
		return "", false, fmt.Errorf("messaging: %s: sign request: %w", r.op, err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		retryable, err := timedOut(fmt.Errorf("messaging: %s: send request: %w", r.op, err))
		return "", retryable, err
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	resp.Body.Close()
	reqID = requestID(resp.Header)
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return reqID, false, &RedirectError{Operation: r.op, StatusCode: resp.StatusCode, Location: resp.Header.Get("Location")}
	}
	if resp.Request != nil && resp.Request.URL != nil && resp.Request.URL.Host != req.URL.Host {
		return reqID, false, &RedirectError{Operation: r.op, StatusCode: resp.StatusCode, Location: resp.Request.URL.String(), Followed: true}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if err != nil {
			// The error status is known; a cut body only loses the message.
			data = nil
		}
		apiErr := parseError(r.op, resp.StatusCode, resp.Header, data)
		return reqID, apiErr.Retryable(), apiErr
	}
	// A 2xx is delivered: what follows never turns it into a failure when
	// the caller does not need the body.
	if err != nil {
		if r.bodyOptional {
			return reqID, false, nil
		}
		retryable, err := timedOut(fmt.Errorf("messaging: %s: read response (HTTP %d, request id %s): %w", r.op, resp.StatusCode, reqID, err))
		return reqID, retryable, err
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil && !r.bodyOptional {
			return reqID, false, fmt.Errorf("messaging: %s: decode response (HTTP %d, request id %s): %w", r.op, resp.StatusCode, reqID, err)
		}
	}
	return reqID, false, nil
}

// requestID returns the request id header of a response.
func requestID(h http.Header) string {
	if v := h.Get("X-Amzn-Requestid"); v != "" {
		return v
	}
	return h.Get("X-Amz-Request-Id")
}

// parseError builds the *APIError of a non-2xx response, as the rest-json
// protocol reports it: the code from the X-Amzn-ErrorType header, else the
// body's __type, code or Code, without the text after ':' nor the
// "namespace#" prefix; the message from the body's Message or message.
func parseError(op string, status int, h http.Header, body []byte) *APIError {
	e := &APIError{Operation: op, StatusCode: status, RequestID: requestID(h)}
	// encoding/json prefers the exact spelling of a key, so Code and code
	// land in their own fields.
	var doc struct {
		Type         string `json:"__type"`
		CodeLower    string `json:"code"`
		Code         string `json:"Code"`
		Message      string `json:"Message"`
		MessageLower string `json:"message"`
	}
	if len(body) > 0 {
		_ = json.Unmarshal(body, &doc) // a body that is not JSON leaves doc empty
	}
	code := h.Get("X-Amzn-Errortype")
	for _, c := range []string{code, doc.Type, doc.CodeLower, doc.Code} {
		if c = sanitizeErrorCode(c); c != "" {
			e.Code = c
			break
		}
	}
	if e.Code == "" {
		e.Code = "UnknownError"
	}
	e.Message = doc.Message
	if e.Message == "" {
		e.Message = doc.MessageLower
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// sanitizeErrorCode strips what follows ':' and what precedes '#' in an
// error code ("aws.protocoltests#FooError:http://..." -> "FooError").
func sanitizeErrorCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return strings.TrimSpace(code)
}

// escapeLabel percent-encodes a path label as one segment, as the SDK's
// httpbinding encoder does: every byte but [A-Za-z0-9-._~] is escaped, so
// '/' becomes %2F and ':' becomes %3A.
func escapeLabel(s string) string {
	const hexDigits = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

func unreserved(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
