package awsmodeltest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/chimeflow/chimeflow/internal/awsmodel"
	"github.com/chimeflow/chimeflow/internal/standin"
)

// Defaults of a Server: the region and the credentials it expects requests
// to be signed with (AWS's documentation example keys).
const (
	Region          = "us-east-1"
	AccessKeyID     = "AKIDEXAMPLE"
	SecretAccessKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	SessionToken    = "awsmodeltest-session-token"
)

// Operations the Server serves.
const (
	OpDetectToxicContent     = "DetectToxicContent"
	OpDetectPiiEntities      = "DetectPiiEntities"
	OpDetectDominantLanguage = "DetectDominantLanguage"
	OpApplyGuardrail         = "ApplyGuardrail"
)

// Services, as Call.Service names them.
const (
	ServiceComprehend     = "comprehend"
	ServiceBedrockRuntime = "bedrock-runtime"
)

// Limits the service documents beyond its model, read as thousands of
// bytes of UTF-8 (the stricter of the two readings of "KB"). The Server
// refuses a request past them with TextSizeLimitExceededException, as the
// service does.
const (
	// MaxToxicSegments is the most text segments of one DetectToxicContent
	// request ("A list of up to 10 text strings").
	MaxToxicSegments = 10
	// MaxToxicSegmentBytes bounds one segment ("Each string has a maximum
	// size of 1 KB").
	MaxToxicSegmentBytes = 1000
	// MaxToxicBytes bounds the segments together ("the maximum size of the
	// list is 10 KB").
	MaxToxicBytes = 10000
	// MaxTextBytes bounds the Text of DetectPiiEntities and
	// DetectDominantLanguage ("The maximum string size is 100 KB").
	MaxTextBytes = 100000
)

// DefaultMaxClockSkew is how far a request's X-Amz-Date may be from the
// Server's clock, as the services allow.
const DefaultMaxClockSkew = 15 * time.Minute

var (
	//go:embed comprehend.json
	comprehendJSON []byte
	//go:embed bedrock-runtime.json
	bedrockJSON []byte
)

// served lists the operations each embedded model holds, by service.
var served = map[string][]string{
	ServiceComprehend:     {OpDetectToxicContent, OpDetectPiiEntities, OpDetectDominantLanguage},
	ServiceBedrockRuntime: {OpApplyGuardrail},
}

// service is one model the Server serves.
type service struct {
	name  string
	model *awsmodel.Model
}

// models decodes the embedded models once for every Server.
var models = sync.OnceValues(func() ([]service, error) {
	c, err := awsmodel.Load(comprehendJSON)
	if err != nil {
		return nil, err
	}
	b, err := awsmodel.Load(bedrockJSON)
	if err != nil {
		return nil, err
	}
	return []service{{ServiceComprehend, c}, {ServiceBedrockRuntime, b}}, nil
})

// Config configures a Server. The zero Config is ready: default region and
// credentials, clean default answers.
type Config struct {
	// Region the requests must be signed for; empty means Region.
	Region string
	// Credentials the requests must be signed with; a zero AccessKeyID
	// means AccessKeyID, SecretAccessKey and SessionToken.
	Credentials aws.Credentials
	// Recording answers the requests no Handler answers (see
	// LoadRecording); nil leaves them to the clean default answers.
	Recording *Recording
	// MaxClockSkew bounds how far X-Amz-Date may be from Now; zero means
	// DefaultMaxClockSkew, negative disables the check.
	MaxClockSkew time.Duration
	// Now is the Server's clock; nil means time.Now.
	Now func() time.Time
}

// Request is what a Handler decides on: one conforming request.
type Request struct {
	// Operation is the model operation, e.g. DetectToxicContent.
	Operation string
	// Params are the input members by model name, as decoded JSON (path
	// labels as strings).
	Params map[string]any
	// Texts are the texts the request asks about, in order: the
	// TextSegments of DetectToxicContent, the Text of DetectPiiEntities
	// and DetectDominantLanguage, the text blocks of ApplyGuardrail.
	Texts []string
	// Attempt counts the requests of this operation, from 1.
	Attempt int
}

// Answer is what the Server sends back: Fault when not nil, else Output
// (anything that encodes to the operation's output shape as JSON; nil
// means the clean default answer).
type Answer struct {
	Output any
	Fault  *Fault
}

// Handler decides the answer to a request. It is called from the Server's
// goroutines and must be safe for concurrent use.
type Handler func(r *Request) Answer

// Call is one request the Server received and what it answered.
type Call struct {
	// Service is ServiceComprehend or ServiceBedrockRuntime; empty when no
	// model matched.
	Service string
	// Operation is the model operation the request matched; empty when
	// none did.
	Operation string
	// Params are the input members by model name.
	Params map[string]any
	// Texts are the texts of the request (see Request.Texts).
	Texts []string
	// Problems say how the request broke the service model, its documented
	// limits or its signature; a request with problems is nonconforming and
	// refused.
	Problems []string
	// Fault is the fault applied, if any.
	Fault *Fault
	// Status is the HTTP status answered; 0 when none was (a reset
	// connection, a client gone before the answer).
	Status int
}

// Server is a Comprehend and Bedrock Runtime endpoint on loopback for
// tests. Its methods are safe for concurrent use.
type Server struct {
	// URL is the endpoint, e.g. http://127.0.0.1:41234.
	URL string

	cfg      Config
	services []service
	// core serves, and records the calls, their problems, the faults
	// queued for them and the attempts, by operation.
	core standin.Core[Call, Fault]

	mu       sync.Mutex // guards handlers
	handlers map[string]Handler
}

// NewServer starts a Server with cfg. Close it when done.
func NewServer(cfg Config) *Server {
	if cfg.Region == "" {
		cfg.Region = Region
	}
	if cfg.Credentials.AccessKeyID == "" {
		cfg.Credentials = aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey, SessionToken: SessionToken}
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = DefaultMaxClockSkew
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	svcs, err := models()
	s := &Server{
		cfg:      cfg,
		services: svcs,
		handlers: map[string]Handler{},
	}
	if err != nil {
		// The models are embedded and tested; should one ever fail to
		// load, every request says so rather than the Server panicking.
		s.core.AddProblems(err.Error())
	}
	s.core.Start("awsmodeltest-", s.serve)
	s.URL = s.core.URL
	return s
}

// Close releases hung and delayed requests, then stops the Server.
func (s *Server) Close() { s.core.Close() }

// Credentials returns the credentials requests must be signed with.
func (s *Server) Credentials() aws.Credentials { return s.cfg.Credentials }

// AWSConfig returns an aws.Config for clients of the Server: its region,
// its credentials and its URL as the base endpoint of every service.
func (s *Server) AWSConfig() aws.Config {
	creds := s.cfg.Credentials
	creds.Source = "awsmodeltest"
	return aws.Config{
		Region:       s.cfg.Region,
		Credentials:  aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
		BaseEndpoint: aws.String(s.URL),
	}
}

// Env returns the environment a process needs to call the Server, as
// KEY=value entries: AWS_REGION, the credentials, and the service-specific
// endpoint variables of the SDKs, AWS_ENDPOINT_URL_COMPREHEND and
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
func (s *Server) Env() []string {
	c := s.cfg.Credentials
	return []string{
		"AWS_REGION=" + s.cfg.Region,
		"AWS_ACCESS_KEY_ID=" + c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY=" + c.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + c.SessionToken,
		"AWS_ENDPOINT_URL_COMPREHEND=" + s.URL,
		"AWS_ENDPOINT_URL_BEDROCK_RUNTIME=" + s.URL,
	}
}

// Handle makes h answer the requests of operation op; nil goes back to the
// Recording and the default answers.
func (s *Server) Handle(op string, h Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h == nil {
		delete(s.handlers, op)
		return
	}
	s.handlers[op] = h
}

// Inject queues faults for the next requests of operation op, one per
// request, in order; they come before any Handler.
func (s *Server) Inject(op string, faults ...Fault) { s.core.Inject(op, faults...) }

// Calls returns the requests received so far, in order. Read them; do not
// modify them.
func (s *Server) Calls() []Call { return s.core.Calls() }

// Count returns how many requests of operation op were received.
func (s *Server) Count(op string) int {
	n := 0
	for _, c := range s.core.Calls() {
		if c.Operation == op {
			n++
		}
	}
	return n
}

// Nonconforming returns how many requests broke the service model, its
// documented limits or their signature. A conforming client keeps it at 0.
func (s *Server) Nonconforming() int { return s.core.Nonconforming() }

// Problems returns, one line each, how requests broke the model or their
// signature, and how scripted answers broke the model's output shapes.
func (s *Server) Problems() []string { return s.core.Problems() }

// serve is the Server's one handler: check, record, fault, answer.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, problem := standin.ReadBody(r)
	var call Call
	var svc *service
	var op *awsmodel.Operation
	switch {
	case problem != "":
		call.Problems = append(call.Problems, problem)
	case len(s.services) == 0:
		call.Problems = append(call.Problems, "the service models did not load")
	default:
		for i := range s.services {
			if o, labels := s.services[i].model.Match(r); o != nil {
				svc, op = &s.services[i], o
				call.Service, call.Operation = svc.name, o.Name
				var problems []string
				call.Params, problems = svc.model.CheckRequest(o, r, labels, body)
				call.Problems = append(call.Problems, problems...)
				call.Texts = textsOf(o.Name, call.Params)
				break
			}
		}
		if op == nil {
			call.Problems = append(call.Problems, fmt.Sprintf("%s %s (X-Amz-Target %q): no operation of the models matches", r.Method, r.URL.RequestURI(), r.Header.Get("X-Amz-Target")))
		}
	}
	var auth *awsmodel.AuthError
	var sizeErr string
	if svc != nil {
		v := awsmodel.Verifier{Credentials: s.cfg.Credentials, Region: s.cfg.Region, SigningName: svc.model.Metadata.SigningName, Now: s.cfg.Now, MaxClockSkew: s.cfg.MaxClockSkew}
		if auth = v.Verify(r, body); auth != nil {
			call.Problems = append(call.Problems, "signature: "+auth.Message)
		}
		if len(call.Problems) == 0 {
			if sizeErr = checkLimits(op.Name, call.Texts); sizeErr != "" {
				call.Problems = append(call.Problems, sizeErr)
			}
		}
	}

	var idx, attempt int
	var fault *Fault
	var h Handler
	if op != nil && len(call.Problems) == 0 {
		idx, attempt, fault = s.core.RecordAttempt(call, call.Operation, call.Problems, op.Name)
		s.mu.Lock()
		h = s.handlers[op.Name]
		s.mu.Unlock()
	} else {
		idx = s.core.Record(call, call.Operation, call.Problems)
	}

	reqID := s.core.RequestID(idx)
	status := 0
	defer func() { s.core.Update(idx, func(c *Call) { c.Status = status }) }()
	switch {
	case svc == nil:
		w.Header().Set("X-Amzn-RequestId", reqID)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"message": strings.Join(call.Problems, "; ")})
		status = http.StatusNotFound
		return
	case auth != nil:
		status = s.writeError(w, svc, reqID, Fault{Status: auth.Status, Code: auth.Code, Message: auth.Message})
		return
	case sizeErr != "":
		status = s.writeError(w, svc, reqID, Fault{Code: "TextSizeLimitExceededException", Message: sizeErr})
		return
	case len(call.Problems) > 0:
		code := "ValidationException"
		if svc.model.Metadata.Protocol == awsmodel.ProtocolJSON {
			code = "InvalidRequestException"
		}
		status = s.writeError(w, svc, reqID, Fault{Code: code, Message: "the request breaks the service model: " + strings.Join(call.Problems, "; ")})
		return
	}

	req := &Request{Operation: op.Name, Params: call.Params, Texts: call.Texts, Attempt: attempt}
	var ans Answer
	switch {
	case fault != nil:
		ans.Fault = fault
	case h != nil:
		ans = h(req)
	case s.cfg.Recording != nil:
		ans = s.cfg.Recording.Answer(req)
	}
	if ans.Fault != nil {
		f := *ans.Fault
		s.core.Update(idx, func(c *Call) { c.Fault = &f })
	}
	status = s.answer(w, r, svc, op, req, reqID, ans)
}

// answer writes ans, after its fault's delay; it returns the status
// written, 0 for none.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, svc *service, op *awsmodel.Operation, req *Request, reqID string, ans Answer) int {
	if f := ans.Fault; f != nil {
		if !s.core.Hold(w, r, f.Delay, f.Reset, f.Hang) {
			return 0
		}
		if f.Code != "" || f.Status != 0 {
			return s.writeError(w, svc, reqID, *f)
		}
	}
	out := ans.Output
	if out == nil {
		out = DefaultOutput(op.Name, req.Texts)
	}
	body, err := json.Marshal(out)
	var doc map[string]any
	if err == nil {
		doc, err = awsmodel.DecodeObject(body)
	}
	var problems []string
	if err != nil {
		problems = []string{"the scripted answer is not a JSON object: " + err.Error()}
	} else {
		problems = svc.model.CheckOutput(op, doc)
	}
	if len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = op.Name + " answer: " + p
		}
		s.core.AddProblems(lines...)
		return s.writeError(w, svc, reqID, Fault{Status: 500, Code: "InternalServerException", Message: "the stand-in's scripted answer breaks the output shape: " + strings.Join(problems, "; ")})
	}
	h := w.Header()
	h.Set("X-Amzn-RequestId", reqID)
	h.Set("Content-Type", svc.model.ContentType())
	w.WriteHeader(op.SuccessStatus())
	_, _ = w.Write(body)
	return op.SuccessStatus()
}

// writeError writes an error answer in the form of the service's protocol:
// {"__type", "Message"} with status 400 (or the fault's) under json;
// X-Amzn-ErrorType and {"message"} with the model's status under rest-json.
func (s *Server) writeError(w http.ResponseWriter, svc *service, reqID string, f Fault) int {
	m := svc.model
	status := f.Status
	if status == 0 {
		status = m.ErrorStatus(f.Code)
	}
	if status == 0 {
		status = http.StatusBadRequest
		if sh := m.Shapes[f.Code]; sh != nil && sh.Fault {
			status = http.StatusInternalServerError
		}
	}
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(status)
	}
	h := w.Header()
	h.Set("X-Amzn-RequestId", reqID)
	if f.HTML {
		h.Set("Content-Type", "text/html")
		w.WriteHeader(status)
		fmt.Fprintf(w, "<html><head><title>%d %s</title></head><body><h1>%d %s</h1></body></html>\r\n", status, http.StatusText(status), status, http.StatusText(status))
		return status
	}
	// The member that holds the message, as the error shape spells it.
	member := "message"
	if sh := m.Shapes[f.Code]; sh != nil {
		if _, ok := sh.Members["Message"]; ok {
			member = "Message"
		}
	}
	doc := map[string]string{member: msg}
	if m.Metadata.Protocol == awsmodel.ProtocolJSON {
		doc["__type"] = f.Code
	} else {
		h.Set("X-Amzn-ErrorType", f.Code)
	}
	h.Set("Content-Type", m.ContentType())
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(doc)
	return status
}

// textsOf returns the texts a request asks about (see Request.Texts).
func textsOf(op string, params map[string]any) []string {
	var out []string
	switch op {
	case OpDetectToxicContent:
		segs, _ := params["TextSegments"].([]any)
		for _, sg := range segs {
			m, _ := sg.(map[string]any)
			t, _ := m["Text"].(string)
			out = append(out, t)
		}
	case OpDetectPiiEntities, OpDetectDominantLanguage:
		t, _ := params["Text"].(string)
		out = append(out, t)
	case OpApplyGuardrail:
		blocks, _ := params["content"].([]any)
		for _, b := range blocks {
			m, _ := b.(map[string]any)
			tb, _ := m["text"].(map[string]any)
			if t, ok := tb["text"].(string); ok {
				out = append(out, t)
			}
		}
	}
	return out
}

// checkLimits checks the documented limits beyond the model; it returns
// the service's complaint, or "".
func checkLimits(op string, texts []string) string {
	switch op {
	case OpDetectToxicContent:
		if len(texts) > MaxToxicSegments {
			return fmt.Sprintf("%d text segments; at most %d", len(texts), MaxToxicSegments)
		}
		total := 0
		for i, t := range texts {
			if len(t) > MaxToxicSegmentBytes {
				return fmt.Sprintf("text segment %d has %d bytes; at most %d", i, len(t), MaxToxicSegmentBytes)
			}
			total += len(t)
		}
		if total > MaxToxicBytes {
			return fmt.Sprintf("text segments have %d bytes in all; at most %d", total, MaxToxicBytes)
		}
	case OpDetectPiiEntities, OpDetectDominantLanguage:
		for _, t := range texts {
			if len(t) > MaxTextBytes {
				return fmt.Sprintf("Text has %d bytes; at most %d", len(t), MaxTextBytes)
			}
		}
	}
	return ""
}
