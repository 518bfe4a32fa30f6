// Package chimefake is an in-memory stand-in for the channel flow operations
// of Amazon Chime SDK Messaging, served over HTTP for tests: point a
// messaging.Client at Server.URL (Server.Options does) and it behaves like
// the service, with no AWS account.
//
// Every request is checked against the official service model (the
// operations' methods, paths, headers, query strings and bodies, with their
// required members, types, lengths, patterns and enums) and its SigV4
// signature is verified; a request that breaks the model is answered 400
// and recorded in Violations, which a test should find empty. Errors are
// answered as the rest-json protocol does: the model's HTTP status, an
// x-amzn-ErrorType header and a {"Code", "Message"} body.
//
// The state is kept as the service keeps it: flows by ARN, created once per
// ClientRequestToken, associations of channels with flows (a flow with
// channels cannot be deleted), app instance users allowed as bearers. A
// missing flow is answered 404 NotFoundException. Inject makes the next call
// of an operation fail, stall or hang.
package chimefake

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/chimeflow/chimeflow/messaging"
)

// Credentials and region the Server expects requests to be signed with.
const (
	AccessKeyID     = "AKIDCHIMEFAKE"
	SecretAccessKey = "chimefake-secret"
	Region          = "us-east-1"
)

// Call is one request the Server received.
type Call struct {
	// Operation is the model operation the request matched; empty when
	// none did.
	Operation string
	Method    string
	// Path is the request's escaped path, e.g. /channel-flows/arn%3Aaws%3A...
	Path  string
	Query url.Values
	// Bearer is the x-amz-chime-bearer header.
	Bearer string
	// Body is the raw request body.
	Body []byte
	// Params are the request's input members by model name (path labels,
	// headers and query strings as strings, body members as decoded JSON).
	Params map[string]any
	// Status is the HTTP status of the answer.
	Status int
}

// Fault is what Inject makes the next call of an operation do instead of
// its work.
type Fault struct {
	// Code is the error shape to answer, e.g. ThrottledClientException; its
	// status comes from the model unless Status is set.
	Code string
	// Status overrides the HTTP status.
	Status int
	// Message is the error message.
	Message string
	// Delay stalls the answer (the fault's error, or the real answer when
	// Code and Status are empty).
	Delay time.Duration
	// Hang blocks the request until the client gives up or the Server is
	// closed.
	Hang bool
	// AfterWork does the operation's work before answering the fault, as
	// when the service acts but its answer is lost.
	AfterWork bool
}

// Flow is a channel flow held by the Server.
type Flow struct {
	Arn                string
	AppInstanceArn     string
	Name               string
	Processors         []messaging.Processor
	ClientRequestToken string
	// Channels are the associated channels, sorted.
	Channels []string
}

// Server is the fake service. Its methods are safe for concurrent use.
type Server struct {
	// URL is the base endpoint, e.g. http://127.0.0.1:41234.
	URL string

	srv    *httptest.Server
	model  *model
	closed chan struct{}
	once   sync.Once

	mu         sync.Mutex
	pageSize   int
	seq        int
	flows      map[string]*Flow  // by ARN
	tokens     map[string]string // ClientRequestToken -> flow ARN
	assoc      map[string]string // channel ARN -> flow ARN
	channels   map[string]bool   // known channels
	bearers    map[string]bool   // users and bots allowed to (dis)associate
	faults     map[string][]Fault
	calls      []Call
	violations []string
}

// New starts a Server. Close it when done.
func New() *Server {
	m, err := loadModel(modelJSON)
	if err != nil {
		panic(err) // model.json is embedded and tested: a bug, not input
	}
	s := &Server{
		model:    m,
		closed:   make(chan struct{}),
		pageSize: messaging.MaxChannelFlowPageSize,
		flows:    map[string]*Flow{},
		tokens:   map[string]string{},
		assoc:    map[string]string{},
		channels: map[string]bool{},
		bearers:  map[string]bool{},
		faults:   map[string][]Fault{},
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the Server, releasing hung requests first.
func (s *Server) Close() {
	s.once.Do(func() { close(s.closed) })
	s.srv.Close()
}

// Options returns messaging.Options for the Server: its URL, region and
// credentials, one attempt per call (no retries; set MaxAttempts to test
// them).
func (s *Server) Options() messaging.Options {
	return messaging.Options{
		Region:       Region,
		BaseEndpoint: s.URL,
		MaxAttempts:  1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey, Source: "chimefake"}, nil
		}),
	}
}

// Client returns a messaging.Client for the Server.
func (s *Server) Client(optFns ...func(*messaging.Options)) *messaging.Client {
	return messaging.New(s.Options(), optFns...)
}

// AddChannels makes channels exist, so that they can be associated.
func (s *Server) AddChannels(channelARNs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range channelARNs {
		s.channels[c] = true
	}
}

// AddBearers makes app instance users or bots admins, allowed to associate
// and disassociate channels.
func (s *Server) AddBearers(arns ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, b := range arns {
		s.bearers[b] = true
	}
}

// SetPageSize sets the largest page ListChannelsAssociatedWithChannelFlow
// answers (the request's MaxResults may ask for less); default 50.
func (s *Server) SetPageSize(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageSize = n
}

// PutFlow stores a flow as if it had been created, with its channels
// associated, and returns it. An empty Arn gets one in AppInstanceArn.
func (s *Server) PutFlow(f Flow) Flow {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Arn == "" {
		f.Arn = s.newFlowARN(f.AppInstanceArn)
	}
	stored := f
	stored.Channels = nil
	s.flows[f.Arn] = &stored
	for _, c := range f.Channels {
		s.channels[c] = true
		s.assoc[c] = f.Arn
	}
	return s.flowLocked(f.Arn)
}

// Flow returns the flow with the ARN, and whether it exists.
func (s *Server) Flow(arn string) (Flow, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.flows[arn]; !ok {
		return Flow{}, false
	}
	return s.flowLocked(arn), true
}

// Flows returns every flow, sorted by ARN.
func (s *Server) Flows() []Flow {
	s.mu.Lock()
	defer s.mu.Unlock()
	arns := make([]string, 0, len(s.flows))
	for arn := range s.flows {
		arns = append(arns, arn)
	}
	sort.Strings(arns)
	out := make([]Flow, len(arns))
	for i, arn := range arns {
		out[i] = s.flowLocked(arn)
	}
	return out
}

func (s *Server) flowLocked(arn string) Flow {
	f := *s.flows[arn]
	f.Processors = slices.Clone(f.Processors)
	f.Channels = nil
	for c, fa := range s.assoc {
		if fa == arn {
			f.Channels = append(f.Channels, c)
		}
	}
	sort.Strings(f.Channels)
	return f
}

// Inject queues a fault for the next call of the operation; faults of one
// operation apply in order, one per call.
func (s *Server) Inject(op string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[op] = append(s.faults[op], f)
}

// Calls returns the requests received so far, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

// Operations returns the operation of each request received so far.
func (s *Server) Operations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ops := make([]string, len(s.calls))
	for i, c := range s.calls {
		ops[i] = c.Operation
	}
	return ops
}

// Violations returns how the requests received so far broke the service
// model or its signing, one line each.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}

// ErrorStatus returns the HTTP status the model gives an error shape, or 0.
func (s *Server) ErrorStatus(code string) int {
	if sh, ok := s.model.Shapes[code]; ok && sh.Error != nil {
		return sh.Error.HTTPStatusCode
	}
	return 0
}

// apiError is an error answer.
type apiError struct {
	code    string // shape name, e.g. NotFoundException
	status  int
	message string
}

func (s *Server) fail(code, format string, args ...any) *apiError {
	status := s.ErrorStatus(code)
	if status == 0 {
		status = 500
	}
	return &apiError{code: code, status: status, message: fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	call := Call{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Bearer: r.Header.Get("X-Amz-Chime-Bearer"), Body: body}
	var problems []string
	op, labels := s.model.match(r.Method, call.Path, call.Query)
	if op == nil {
		problems = append(problems, fmt.Sprintf("%s %s: no operation of the model matches", r.Method, r.URL.RequestURI()))
	} else {
		call.Operation = op.name
		call.Params, problems = s.check(op, r, labels, body)
	}
	if p := s.checkSignature(r, body); p != "" {
		problems = append(problems, p)
	}

	s.mu.Lock()
	for _, p := range problems {
		s.violations = append(s.violations, call.Operation+": "+p)
	}
	var fault *Fault
	if op != nil && len(s.faults[op.name]) > 0 {
		f := s.faults[op.name][0]
		s.faults[op.name] = s.faults[op.name][1:]
		fault = &f
	}
	s.mu.Unlock()

	status, answer := s.answer(r.Context(), op, &call, problems, fault)
	call.Status = status
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.mu.Unlock()

	w.Header().Set("X-Amzn-RequestId", "chimefake-"+strconv.Itoa(len(s.Calls())))
	if e, ok := answer.(*apiError); ok {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-ErrorType", e.code)
		w.WriteHeader(e.status)
		_ = json.NewEncoder(w).Encode(map[string]string{"Code": strings.TrimSuffix(e.code, "Exception"), "Message": e.message})
		return
	}
	if answer == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(answer)
}

// answer applies a fault or does the operation's work. It returns the
// status and the body: an *apiError, a value to encode, or nil.
func (s *Server) answer(ctx context.Context, op *operation, call *Call, problems []string, fault *Fault) (int, any) {
	if len(problems) > 0 {
		e := s.fail("BadRequestException", "the request breaks the service model: %s", strings.Join(problems, "; "))
		return e.status, e
	}
	if fault != nil {
		if fault.AfterWork {
			s.mu.Lock()
			_, _ = s.work(op, call)
			s.mu.Unlock()
		}
		if fault.Hang {
			select {
			case <-ctx.Done():
			case <-s.closed:
			}
			e := s.fail("ServiceUnavailableException", "the fake hung this request")
			return e.status, e
		}
		if fault.Delay > 0 {
			select {
			case <-time.After(fault.Delay):
			case <-ctx.Done():
			case <-s.closed:
			}
		}
		if fault.Code != "" || fault.Status != 0 {
			e := &apiError{code: fault.Code, status: fault.Status, message: fault.Message}
			if e.code == "" {
				e.code = "ServiceFailureException"
			}
			if e.status == 0 {
				e.status = s.ErrorStatus(e.code)
			}
			if e.status == 0 {
				e.status = 500
			}
			return e.status, e
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out, e := s.work(op, call)
	if e != nil {
		return e.status, e
	}
	return op.HTTP.ResponseCode, out
}

// check checks a request against the operation's input shape and returns
// its params.
func (s *Server) check(op *operation, r *http.Request, labels map[string]string, body []byte) (map[string]any, []string) {
	c := &checker{m: s.model}
	in := s.model.Shapes[op.Input]
	params := map[string]any{}
	var bodyMembers []string
	for name, mem := range in.Members {
		switch mem.Location {
		case "uri":
			if v, ok := labels[mem.LocationName]; ok {
				params[name] = v
			}
		case "header":
			if v := r.Header.Get(mem.LocationName); v != "" {
				params[name] = v
			}
		case "querystring":
			if vs, ok := r.URL.Query()[mem.LocationName]; ok {
				if len(vs) != 1 {
					c.addf("query %s given %d times", mem.LocationName, len(vs))
				}
				var v any = vs[0]
				if t := s.model.Shapes[mem.Shape].Type; t == "integer" || t == "long" {
					n, err := strconv.Atoi(vs[0])
					if err != nil {
						c.addf("query %s=%q is not an integer", mem.LocationName, vs[0])
						continue
					}
					v = float64(n)
				}
				params[name] = v
			}
		case "":
			bodyMembers = append(bodyMembers, name)
		default:
			c.addf("member %s has location %s, which this fake does not read", name, mem.Location)
		}
	}
	for k := range r.URL.Query() {
		if _, literal := op.query[k]; literal {
			continue
		}
		known := false
		for _, mem := range in.Members {
			known = known || mem.Location == "querystring" && mem.LocationName == k
		}
		if !known {
			c.addf("query %s is not a member of %s", k, op.Input)
		}
	}
	if len(bodyMembers) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			c.addf("%s has no body members, but the request has a body", op.Input)
		}
	} else {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			c.addf("Content-Type %q, want application/json", ct)
		}
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			c.addf("body is not a JSON object: %v", err)
		}
		for k, v := range doc {
			mem, ok := in.Members[k]
			if !ok || mem.Location != "" {
				c.addf("body member %s is not a body member of %s", k, op.Input)
				continue
			}
			params[k] = v
		}
	}
	c.structure("", in, params)
	return params, c.problems
}

// checkSignature verifies the request's SigV4 signature by signing a copy
// of it again with the Server's credentials; it returns a problem, or "".
func (s *Server) checkSignature(r *http.Request, body []byte) string {
	auth := r.Header.Get("Authorization")
	const scheme = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(auth, scheme) {
		return fmt.Sprintf("Authorization %q is not SigV4", auth)
	}
	scope := "/" + Region + "/" + s.model.Metadata["signingName"] + "/aws4_request"
	if !strings.Contains(auth, "Credential="+AccessKeyID+"/") || !strings.Contains(auth, scope+",") {
		return fmt.Sprintf("Authorization %q is not for %s in scope %s", auth, AccessKeyID, scope)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Sprintf("X-Amz-Date %q: %v", r.Header.Get("X-Amz-Date"), err)
	}
	copyReq, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return "re-sign: " + err.Error()
	}
	// Copy the headers the client signed; the transport adds others
	// (Accept-Encoding) after signing.
	_, signed, _ := strings.Cut(auth, "SignedHeaders=")
	signed, _, _ = strings.Cut(signed, ",")
	for _, h := range strings.Split(signed, ";") {
		switch h {
		case "host", "content-length":
		default:
			if vs, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
				copyReq.Header[http.CanonicalHeaderKey(h)] = vs
			}
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, copyReq, hex.EncodeToString(sum[:]), s.model.Metadata["signingName"], Region, at); err != nil {
		return "re-sign: " + err.Error()
	}
	if got, want := auth, copyReq.Header.Get("Authorization"); got != want {
		return fmt.Sprintf("signature does not verify: got %q, want %q", got, want)
	}
	return ""
}

// newFlowARN returns the ARN of a new flow of the app instance.
func (s *Server) newFlowARN(appInstanceARN string) string {
	s.seq++
	return fmt.Sprintf("%s/channel-flow/%08x-0000-4000-8000-%012x", appInstanceARN, s.seq, s.seq)
}

// work does an operation on the state; s.mu is held.
func (s *Server) work(op *operation, call *Call) (any, *apiError) {
	str := func(name string) string { v, _ := call.Params[name].(string); return v }
	flowOf := func(arn string) (*Flow, *apiError) {
		f, ok := s.flows[arn]
		if !ok {
			return nil, s.fail("NotFoundException", "channel flow %s not found", arn)
		}
		return f, nil
	}
	switch op.name {
	case messaging.OpCreateChannelFlow:
		var in messaging.CreateChannelFlowInput
		if err := json.Unmarshal(call.Body, &in); err != nil {
			return nil, s.fail("BadRequestException", "%v", err)
		}
		if arn, ok := s.tokens[in.ClientRequestToken]; ok {
			if _, exists := s.flows[arn]; exists {
				return map[string]string{"ChannelFlowArn": arn}, nil
			}
		}
		f := &Flow{Arn: s.newFlowARN(in.AppInstanceArn), AppInstanceArn: in.AppInstanceArn, Name: in.Name, Processors: in.Processors, ClientRequestToken: in.ClientRequestToken}
		s.flows[f.Arn] = f
		s.tokens[in.ClientRequestToken] = f.Arn
		return map[string]string{"ChannelFlowArn": f.Arn}, nil

	case messaging.OpUpdateChannelFlow:
		f, e := flowOf(str("ChannelFlowArn"))
		if e != nil {
			return nil, e
		}
		var in messaging.UpdateChannelFlowInput
		if err := json.Unmarshal(call.Body, &in); err != nil {
			return nil, s.fail("BadRequestException", "%v", err)
		}
		f.Name, f.Processors = in.Name, in.Processors
		return map[string]string{"ChannelFlowArn": f.Arn}, nil

	case messaging.OpDeleteChannelFlow:
		f, e := flowOf(str("ChannelFlowArn"))
		if e != nil {
			return nil, e
		}
		for c, fa := range s.assoc {
			if fa == f.Arn {
				return nil, s.fail("ConflictException", "channel flow %s is associated with channel %s", f.Arn, c)
			}
		}
		delete(s.flows, f.Arn)
		return nil, nil

	case messaging.OpDescribeChannelFlow:
		f, e := flowOf(str("ChannelFlowArn"))
		if e != nil {
			return nil, e
		}
		return map[string]any{"ChannelFlow": map[string]any{
			"ChannelFlowArn": f.Arn, "Name": f.Name, "Processors": f.Processors,
			"CreatedTimestamp": 1.7e9, "LastUpdatedTimestamp": 1.7e9,
		}}, nil

	case messaging.OpAssociateChannelFlow, messaging.OpDisassociateChannelFlow:
		channel, bearer := str("ChannelArn"), str("ChimeBearer")
		f, e := flowOf(str("ChannelFlowArn"))
		if e != nil {
			return nil, e
		}
		if !s.bearers[bearer] {
			return nil, s.fail("ForbiddenException", "%s is not an AppInstanceAdmin or a moderator of %s", bearer, channel)
		}
		if !s.channels[channel] {
			return nil, s.fail("NotFoundException", "channel %s not found", channel)
		}
		if !strings.HasPrefix(channel, f.AppInstanceArn+"/") || !strings.HasPrefix(bearer, f.AppInstanceArn+"/") {
			return nil, s.fail("BadRequestException", "channel %s, bearer %s and flow %s are not of one app instance", channel, bearer, f.Arn)
		}
		current, associated := s.assoc[channel]
		if op.name == messaging.OpAssociateChannelFlow {
			if associated && current != f.Arn {
				return nil, s.fail("ConflictException", "channel %s is associated with channel flow %s", channel, current)
			}
			s.assoc[channel] = f.Arn
			return nil, nil
		}
		if !associated || current != f.Arn {
			return nil, s.fail("NotFoundException", "channel %s is not associated with channel flow %s", channel, f.Arn)
		}
		delete(s.assoc, channel)
		return nil, nil

	case messaging.OpListChannelsAssociatedWithChannelFlow:
		f, e := flowOf(str("ChannelFlowArn"))
		if e != nil {
			return nil, e
		}
		var channels []string
		for c, fa := range s.assoc {
			if fa == f.Arn {
				channels = append(channels, c)
			}
		}
		sort.Strings(channels)
		size := s.pageSize
		if n, ok := call.Params["MaxResults"].(float64); ok && int(n) < size {
			size = int(n)
		}
		start := 0
		if tok := str("NextToken"); tok != "" {
			i, err := strconv.Atoi(strings.TrimPrefix(tok, "page-"))
			if err != nil || i < 0 || i > len(channels) {
				return nil, s.fail("BadRequestException", "bad NextToken %q", tok)
			}
			start = i
		}
		end := min(start+size, len(channels))
		page := []map[string]string{}
		for _, c := range channels[start:end] {
			page = append(page, map[string]string{"ChannelArn": c, "Name": c[strings.LastIndexByte(c, '/')+1:], "Mode": "RESTRICTED", "Privacy": "PRIVATE"})
		}
		out := map[string]any{"Channels": page}
		if end < len(channels) {
			out["NextToken"] = "page-" + strconv.Itoa(end)
		}
		return out, nil
	}
	return nil, s.fail("BadRequestException", "operation %s is not implemented by the fake", op.name)
}
