package messagingtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/chimeflow/chimeflow/internal/standin"

	"github.com/chimeflow/chimeflow/messaging"
)

// Defaults of a Server: the region and the credentials it expects requests
// to be signed with (AWS's documentation example keys), and the principal
// its AccessDeniedException names.
const (
	Region          = "us-east-1"
	AccessKeyID     = "AKIDEXAMPLE"
	SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	SessionToken    = "messagingtest-session-token"
	Principal       = "arn:aws:sts::111122223333:assumed-role/chimeflow-processor/chimeflow-processor"
)

// DefaultMaxClockSkew is how far a request's X-Amz-Date may be from the
// Server's clock, as the service allows.
const DefaultMaxClockSkew = 15 * time.Minute

// Config configures a Server. The zero Config is ready: default region and
// credentials, every request allowed, the 403 refusal form.
type Config struct {
	// Region the requests must be signed for; empty means Region.
	Region string
	// Credentials the requests must be signed with; a zero AccessKeyID
	// means AccessKeyID, SecretAccessKey and SessionToken. A request must
	// carry exactly the SessionToken (none when it is empty).
	Credentials aws.Credentials
	// Refusal is how a callback for a message that is no longer pending is
	// refused, unless the message says otherwise; zero means
	// RefuseForbidden, the form seen most in production.
	Refusal Refusal
	// Policy, when not nil, is the signing role's identity policy: a
	// request it does not allow is refused with 403 AccessDeniedException.
	Policy *Policy
	// Principal is the identity AccessDeniedException names; empty means
	// Principal.
	Principal string
	// RequireRegistered refuses (400 BadRequestException) a callback whose
	// CallbackId was not registered with AddMessage. Without it, such a
	// callback registers its message as it resolves it.
	RequireRegistered bool
	// ReportDenied makes GetChannelMessageStatus answer DENIED for a
	// message a callback denied. The service's documentation says it keeps
	// no status for denied messages; by default the Server answers 404
	// NotFoundException for them, as for a message it does not know.
	ReportDenied bool
	// Schedule decides faults for requests the Inject queues leave alone.
	Schedule Schedule
	// MaxClockSkew bounds how far X-Amz-Date may be from Now; zero means
	// DefaultMaxClockSkew, negative disables the check.
	MaxClockSkew time.Duration
	// Now is the Server's clock; nil means time.Now.
	Now func() time.Time
	// PageSize is the largest page ListChannelsAssociatedWithChannelFlow
	// answers; zero means 50 (the model's maximum).
	PageSize int
}

// Call is one request the Server received and what it answered.
type Call struct {
	// Operation is the model operation the request matched; empty when
	// none did.
	Operation string
	Method    string
	// Path is the escaped path, e.g. /channels/arn%3Aaws%3Achime...
	Path  string
	Query url.Values
	// Bearer is the x-amz-chime-bearer header.
	Bearer string
	// Body is the raw request body.
	Body []byte
	// Params are the input members by model name: path labels, headers and
	// query strings as strings, body members as decoded JSON.
	Params map[string]any
	// Problems say how the request broke the service model or its
	// signature; a request with problems is nonconforming and refused.
	Problems []string
	// Denied is true when the role's policy refused the request.
	Denied bool
	// Fault is the fault applied to the request, if any.
	Fault *Fault
	// Status is the HTTP status answered; 0 when none was (a reset
	// connection, a client gone before the answer).
	Status int
}

// Server is a Chime SDK Messaging endpoint on loopback for tests. It checks
// every request against the official service model and its SigV4
// signature, keeps the state of messages and channel flows, and applies
// scripted faults. Its methods are safe for concurrent use.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:41234.
	URL string

	cfg   Config
	model *model
	// core serves, and records the calls, their problems, the faults
	// queued for them (by operation, and by callbackKey) and the attempts.
	core standin.Core[Call, Fault]

	mu         sync.Mutex // guards cfg.Policy, cfg.PageSize and the state below
	messages   map[msgKey]*MessageState
	callbacks  map[string]msgKey // every CallbackId registered -> its message
	resolution []messaging.ChannelFlowCallbackInput
	flows      flowState
}

// modelOnce decodes the embedded model once for every Server.
var modelOnce = sync.OnceValues(func() (*model, error) { return loadModel(modelJSON) })

// NewServer starts a Server with cfg. Close it when done.
func NewServer(cfg Config) *Server {
	if cfg.Region == "" {
		cfg.Region = Region
	}
	if cfg.Credentials.AccessKeyID == "" {
		cfg.Credentials = aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey, SessionToken: SessionToken}
	}
	if cfg.Refusal == 0 {
		cfg.Refusal = RefuseForbidden
	}
	if cfg.Principal == "" {
		cfg.Principal = Principal
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = DefaultMaxClockSkew
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = messaging.MaxChannelFlowPageSize
	}
	m, err := modelOnce()
	s := &Server{
		cfg:       cfg,
		model:     m,
		messages:  map[msgKey]*MessageState{},
		callbacks: map[string]msgKey{},
		flows:     newFlowState(),
	}
	if err != nil {
		// The model is embedded and tested; should it ever fail to load,
		// every request says so rather than the Server panicking.
		s.core.AddProblems(err.Error())
	}
	s.core.Start("messagingtest-", s.serve)
	s.URL = s.core.URL
	return s
}

// Close releases hung and delayed requests, then stops the Server.
func (s *Server) Close() { s.core.Close() }

// Credentials returns the credentials requests must be signed with.
func (s *Server) Credentials() aws.Credentials { return s.cfg.Credentials }

// Options returns messaging.Options for a client of the Server: its URL,
// region and credentials, and a short backoff (10ms at most) so that tests
// of retries run fast.
func (s *Server) Options() messaging.Options {
	creds := s.cfg.Credentials
	creds.Source = "messagingtest"
	return messaging.Options{
		Region:       s.cfg.Region,
		BaseEndpoint: s.URL,
		Credentials:  aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
		MaxBackoff:   10 * time.Millisecond,
	}
}

// Client returns a messaging.Client of the Server, with Options and then
// optFns applied.
func (s *Server) Client(optFns ...func(*messaging.Options)) *messaging.Client {
	return messaging.New(s.Options(), optFns...)
}

// Env returns the environment a process (a Lambda bootstrap, a command)
// needs to call the Server: AWS_REGION, the credentials and
// AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING, as KEY=value entries.
func (s *Server) Env() []string {
	c := s.cfg.Credentials
	return []string{
		messaging.EnvRegion + "=" + s.cfg.Region,
		messaging.EnvAccessKeyID + "=" + c.AccessKeyID,
		messaging.EnvSecretAccessKey + "=" + c.SecretAccessKey,
		messaging.EnvSessionToken + "=" + c.SessionToken,
		messaging.EnvServiceEndpoint + "=" + s.URL,
	}
}

// SetPolicy replaces the role's policy; nil allows every request.
func (s *Server) SetPolicy(p *Policy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg.Policy = p
}

// Inject queues faults for the next requests of operation op (e.g.
// messaging.OpChannelFlowCallback), one per request, in order.
func (s *Server) Inject(op string, faults ...Fault) { s.core.Inject(op, faults...) }

// InjectCallback queues faults for the next ChannelFlowCallback requests
// carrying callbackID, one per request, in order. They come before the
// queue of Inject.
func (s *Server) InjectCallback(callbackID string, faults ...Fault) {
	s.core.Inject(callbackKey(callbackID), faults...)
}

// callbackKey is the key of the attempts of ChannelFlowCallback for
// callbackID, and of the faults InjectCallback queues for them.
func callbackKey(callbackID string) string {
	return messaging.OpChannelFlowCallback + "\x00" + callbackID
}

// Calls returns the requests received so far, in order. The calls share
// their Body, Params and Query with the Server's record: read, do not
// modify.
func (s *Server) Calls() []Call { return s.core.Calls() }

// Operations returns the operation of each request received so far.
func (s *Server) Operations() []string {
	calls := s.core.Calls()
	ops := make([]string, len(calls))
	for i, c := range calls {
		ops[i] = c.Operation
	}
	return ops
}

// Nonconforming returns how many requests broke the service model or their
// signature. A conforming client keeps it at 0.
func (s *Server) Nonconforming() int { return s.core.Nonconforming() }

// Problems returns how the requests received so far broke the service
// model or their signature, one line each ("Operation: problem").
func (s *Server) Problems() []string { return s.core.Problems() }

// ErrorStatus returns the HTTP status the model gives an error shape (e.g.
// 429 for ThrottledClientException), or 0.
func (s *Server) ErrorStatus(code string) int {
	if s.model == nil {
		return 0
	}
	return s.model.ErrorStatus(code)
}

// apiError is an error answer.
type apiError struct {
	status  int
	code    string // the error shape, e.g. NotFoundException
	message string
	html    bool
	lower   bool // {"message"} body, as the authentication layer answers
}

func (s *Server) fail(code, format string, args ...any) *apiError {
	status := s.ErrorStatus(code)
	if status == 0 {
		status = 500
	}
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// bodyCodes are the model's ErrorCode values the service puts in the
// body's Code for its error shapes.
var bodyCodes = map[string]string{
	"BadRequestException":            "BadRequest",
	"ConflictException":              "Conflict",
	"ForbiddenException":             "Forbidden",
	"NotFoundException":              "NotFound",
	"ResourceLimitExceededException": "ResourceLimitExceeded",
	"ServiceFailureException":        "ServiceFailure",
	"ServiceUnavailableException":    "ServiceUnavailable",
	"ThrottledClientException":       "Throttled",
	"UnauthorizedClientException":    "Unauthorized",
	"AccessDeniedException":          "AccessDenied",
}

// serve is the Server's one handler: check, record, authorize, apply the
// fault, work, answer.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, problem := standin.ReadBody(r)
	call := Call{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Bearer: r.Header.Get("X-Amz-Chime-Bearer"), Body: body}
	var op *operation
	switch {
	case problem != "":
		call.Problems = append(call.Problems, problem)
	case s.model == nil:
		call.Problems = append(call.Problems, "the service model did not load")
	default:
		var labels map[string]string
		op, labels = s.model.MatchPath(r.Method, call.Path, call.Query)
		if op == nil {
			call.Problems = append(call.Problems, fmt.Sprintf("%s %s: no operation of the model matches", r.Method, r.URL.RequestURI()))
		} else {
			call.Operation = op.Name
			var problems []string
			call.Params, problems = s.check(op, r, labels, body)
			call.Problems = append(call.Problems, problems...)
		}
	}
	auth := s.checkSignature(r, body)
	if auth != nil {
		call.Problems = append(call.Problems, "signature: "+auth.Message)
	}

	idx := s.core.Record(call, call.Operation, call.Problems)
	s.mu.Lock()
	policy := s.cfg.Policy
	s.mu.Unlock()
	reqID := s.core.RequestID(idx)
	status := 0
	defer func() { s.core.Update(idx, func(c *Call) { c.Status = status }) }()

	switch {
	case auth != nil:
		status = s.writeError(w, reqID, &apiError{status: auth.Status, code: auth.Code, message: auth.Message, lower: true})
		return
	case op == nil:
		status = s.writeError(w, reqID, &apiError{status: 404, code: "UnknownOperationException", message: strings.Join(call.Problems, "; "), lower: true})
		return
	case len(call.Problems) > 0:
		status = s.writeError(w, reqID, s.fail("BadRequestException", "the request breaks the service model: %s", strings.Join(call.Problems, "; ")))
		return
	}

	if policy != nil {
		if e := s.authorize(policy, op.Name, call.Params); e != nil {
			s.core.Update(idx, func(c *Call) { c.Denied = true })
			status = s.writeError(w, reqID, e)
			return
		}
	}

	fault := s.nextFault(op.Name, call.Params)
	if fault != nil {
		f := *fault
		s.core.Update(idx, func(c *Call) { c.Fault = &f })
	}
	status = s.answer(w, r, reqID, op, call.Params, fault)
}

// answer applies fault (nil for none), does the operation's work and
// writes the answer; it returns the status written, 0 for none.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, reqID string, op *operation, params map[string]any, fault *Fault) int {
	if fault == nil {
		out, e := s.work(op, params)
		return s.write(w, reqID, op, out, e)
	}
	f := *fault
	var out any
	var workErr *apiError
	worked := false
	if f.AfterWork || f.Malformed {
		out, workErr = s.work(op, params)
		worked = true
	}
	if !s.core.Hold(w, r, f.Delay, f.Reset, f.Hang) {
		return 0
	}
	switch {
	case f.RedirectTo != "":
		w.Header().Set("Location", f.RedirectTo)
		w.Header().Set("X-Amzn-RequestId", reqID)
		w.WriteHeader(http.StatusTemporaryRedirect)
		return http.StatusTemporaryRedirect
	case f.Status != 0:
		return s.writeError(w, reqID, s.faultError(f, op.Name, params))
	case f.Malformed:
		if workErr != nil {
			return s.writeError(w, reqID, workErr)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-RequestId", reqID)
		w.WriteHeader(op.HTTP.ResponseCode)
		_, _ = io.WriteString(w, `{"ChannelArn": <html><body>truncated`)
		return op.HTTP.ResponseCode
	}
	if !worked {
		out, workErr = s.work(op, params)
	}
	return s.write(w, reqID, op, out, workErr)
}

// faultError is the error answer of an error fault.
func (s *Server) faultError(f Fault, op string, params map[string]any) *apiError {
	if f.refuse {
		r := f.refusal
		if r == 0 {
			r = s.cfg.Refusal
		}
		f = r.fault(messageIDOf(params))
	}
	e := &apiError{status: f.Status, code: f.Code, message: f.Message, html: f.HTML}
	if e.code == "" && !e.html {
		e.code = map[int]string{400: "BadRequestException", 401: "UnauthorizedClientException", 403: "ForbiddenException", 404: "NotFoundException",
			409: "ConflictException", 429: "ThrottledClientException", 500: "ServiceFailureException", 503: "ServiceUnavailableException"}[f.Status]
	}
	if e.code == "AccessDeniedException" && e.message == "" {
		resource := ""
		if rs := resourcesOf(op, params); len(rs) > 0 {
			resource = rs[0]
		}
		e.message = deniedMessage(s.cfg.Principal, op, resource, false)
	}
	if e.message == "" {
		e.message = http.StatusText(e.status)
	}
	return e
}

func messageIDOf(params map[string]any) string {
	if id, ok := params["MessageId"].(string); ok {
		return id
	}
	if cm, ok := params["ChannelMessage"].(map[string]any); ok {
		if id, ok := cm["MessageId"].(string); ok {
			return id
		}
	}
	return ""
}

// deniedMessage is the message IAM gives a refused action.
func deniedMessage(principal, op, resource string, explicit bool) string {
	if explicit {
		return fmt.Sprintf("User: %s is not authorized to perform: chime:%s on resource: %s with an explicit deny in an identity-based policy", principal, op, resource)
	}
	return fmt.Sprintf("User: %s is not authorized to perform: chime:%s on resource: %s because no identity-based policy allows the chime:%s action", principal, op, resource, op)
}

// authorize evaluates the policy on every resource of the request.
func (s *Server) authorize(p *Policy, op string, params map[string]any) *apiError {
	for _, res := range resourcesOf(op, params) {
		switch p.Decide("chime:"+op, res) {
		case Allowed:
			continue
		case ExplicitDeny:
			return &apiError{status: 403, code: "AccessDeniedException", message: deniedMessage(s.cfg.Principal, op, res, true)}
		default:
			return &apiError{status: 403, code: "AccessDeniedException", message: deniedMessage(s.cfg.Principal, op, res, false)}
		}
	}
	return nil
}

// nextFault takes the fault of a request from the queues, or asks the
// Schedule.
func (s *Server) nextFault(op string, params map[string]any) *Fault {
	req := Request{Operation: op}
	req.ChannelArn, _ = params["ChannelArn"].(string)
	req.MessageID = messageIDOf(params)
	key, queues := op, []string{op}
	switch op {
	case messaging.OpChannelFlowCallback:
		req.CallbackID, _ = params["CallbackId"].(string)
		key = callbackKey(req.CallbackID)
		if req.CallbackID != "" {
			queues = []string{key, op}
		}
	case messaging.OpGetChannelMessageStatus:
		key += "\x00" + req.ChannelArn + "\x00" + req.MessageID
	}
	var f *Fault
	req.Attempt, f = s.core.Attempt(key, queues...)
	if f == nil && s.cfg.Schedule != nil {
		if sf, ok := s.cfg.Schedule(req); ok {
			f = &sf
		}
	}
	return f
}

// write writes the answer of the work.
func (s *Server) write(w http.ResponseWriter, reqID string, op *operation, out any, e *apiError) int {
	if e != nil {
		return s.writeError(w, reqID, e)
	}
	w.Header().Set("X-Amzn-RequestId", reqID)
	if out == nil {
		w.WriteHeader(op.HTTP.ResponseCode)
		return op.HTTP.ResponseCode
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(out); err != nil {
		return s.writeError(w, reqID, s.fail("ServiceFailureException", "encode the answer: %v", err))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(op.HTTP.ResponseCode)
	_, _ = w.Write(buf.Bytes())
	return op.HTTP.ResponseCode
}

// writeError writes an error answer as the rest-json protocol does.
func (s *Server) writeError(w http.ResponseWriter, reqID string, e *apiError) int {
	h := w.Header()
	h.Set("X-Amzn-RequestId", reqID)
	if e.html {
		h.Set("Content-Type", "text/html")
		w.WriteHeader(e.status)
		fmt.Fprintf(w, "<html>\r\n<head><title>%d %s</title></head>\r\n<body>\r\n<center><h1>%d %s</h1></center>\r\n</body>\r\n</html>\r\n", e.status, http.StatusText(e.status), e.status, http.StatusText(e.status))
		return e.status
	}
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-ErrorType", e.code)
	w.WriteHeader(e.status)
	doc := map[string]string{"Message": e.message}
	if e.lower {
		doc = map[string]string{"message": e.message}
	} else if c, ok := bodyCodes[e.code]; ok {
		doc["Code"] = c
	}
	_ = json.NewEncoder(w).Encode(doc)
	return e.status
}

// check checks a request against the operation's input shape and returns
// its params.
func (s *Server) check(op *operation, r *http.Request, labels map[string]string, body []byte) (map[string]any, []string) {
	return s.model.CheckRequest(op, r, labels, body)
}
