package flowresource

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// SendError is the failure to deliver the answer to CloudFormation's
// pre-signed response URL. It names the URL by its scheme, host and path
// only: the query holds the URL's signature, credential and session token,
// which must never reach a log, and neither its text nor its cause holds
// them.
type SendError struct {
	// URL is the response URL without its query.
	URL string
	// Attempts is how many times the answer was sent.
	Attempts int
	// Status is the last HTTP status received, 0 when none was.
	Status int
	// Code and Message are S3's error code and message, when it gave them.
	Code, Message string
	// Err is the cause, when no answer was received (a transport error),
	// its text scrubbed of the URL's query.
	Err error
}

// Error says where the answer was sent, how often, and what went wrong.
func (e *SendError) Error() string {
	msg := fmt.Sprintf("send the response to %s (%d attempt(s))", e.URL, e.Attempts)
	switch {
	case e.Status != 0 && e.Code != "":
		msg += fmt.Sprintf(": HTTP %d %s: %s", e.Status, e.Code, e.Message)
	case e.Status != 0:
		msg += fmt.Sprintf(": HTTP %d", e.Status)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *SendError) Unwrap() error { return e.Err }

// defaultClient delivers answers when Handler.HTTPClient is nil. It follows
// no redirect: S3 answers a pre-signed PUT itself, and a redirect's target
// would be sent the answer, and logged, unchecked.
var defaultClient = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// send PUTs the response to the pre-signed ResponseURL, retrying transport
// errors and 5xx answers. Its error is a *SendError.
func (h *Handler) send(ctx context.Context, rawURL string, body []byte) error {
	client := h.HTTPClient
	if client == nil {
		client = defaultClient
	}
	attempts := h.SendAttempts
	if attempts <= 0 {
		attempts = DefaultSendAttempts
	}
	scrub := newScrubber(rawURL)
	sendErr := &SendError{URL: scrub.target}
	// The answer matters more than the invocation's deadline: without it
	// the stack waits. Keep trying past a cancelled context, briefly.
	sendCtx := context.WithoutCancel(ctx)
	for attempt := 1; attempt <= attempts; attempt++ {
		if attempt > 1 {
			time.Sleep(time.Duration(attempt-1) * 200 * time.Millisecond)
		}
		sendErr.Attempts = attempt
		req, err := http.NewRequestWithContext(sendCtx, http.MethodPut, rawURL, bytes.NewReader(body))
		if err != nil {
			sendErr.Err = fmt.Errorf("the ResponseURL is not a valid URL: %w", scrub.err(err))
			return sendErr
		}
		// The URL is pre-signed without a content type: send none.
		req.Header.Del("Content-Type")
		req.ContentLength = int64(len(body))
		res, err := client.Do(req)
		if err != nil {
			sendErr.Status, sendErr.Code, sendErr.Message, sendErr.Err = 0, "", "", scrub.err(err)
			continue
		}
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		res.Body.Close()
		if res.StatusCode >= 200 && res.StatusCode <= 299 {
			return nil
		}
		sendErr.Status, sendErr.Err = res.StatusCode, nil
		sendErr.Code, sendErr.Message = s3Error(msg)
		sendErr.Code, sendErr.Message = scrub.text(sendErr.Code), scrub.text(sendErr.Message)
		if res.StatusCode < 500 {
			return sendErr
		}
	}
	return sendErr
}

// s3Error returns the Code and Message of an S3 error document. Nothing
// else of an answer's body is kept: S3 quotes the request (its canonical
// form, the signature provided) in other elements.
func s3Error(body []byte) (code, message string) {
	element := func(re *regexp.Regexp) string {
		m := re.FindSubmatch(body)
		if m == nil {
			return ""
		}
		v := strings.TrimSpace(html.UnescapeString(string(m[1])))
		if len(v) > 256 {
			v = v[:256] + "..."
		}
		return v
	}
	return element(s3Code), element(s3Message)
}

// Elements of an S3 error document, read without an XML parser: the
// document may quote the request unescaped.
var (
	s3Code    = regexp.MustCompile(`<Code>([^<]{1,128})</Code>`)
	s3Message = regexp.MustCompile(`<Message>([^<]{1,1000})</Message>`)
)

// scrubber removes a pre-signed URL's query from text about it.
type scrubber struct {
	// target is the URL without its query, fragment or user information.
	target string
	// secrets are the texts to remove, longest first: the query, raw and
	// decoded, and each of its values.
	secrets []string
}

const redacted = "[redacted]"

func newScrubber(raw string) scrubber {
	s := scrubber{}
	query := ""
	if u, err := url.Parse(raw); err == nil {
		query = u.RawQuery
		u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment, u.User = "", false, "", "", nil
		s.target = u.String()
	} else {
		before, after, _ := strings.Cut(raw, "?")
		if i := strings.Index(before, "@"); i >= 0 && strings.Contains(before[:i], "//") {
			before = before[:strings.Index(before, "//")+2] + before[i+1:]
		}
		s.target, query = before, after
	}
	add := func(v string) {
		if len(v) >= 4 {
			s.secrets = append(s.secrets, v)
		}
	}
	add(raw)
	add(query)
	for _, part := range strings.FieldsFunc(query, func(r rune) bool { return r == '&' || r == ';' }) {
		k, v, _ := strings.Cut(part, "=")
		add(k)
		add(v)
		if d, err := url.QueryUnescape(v); err == nil {
			add(d)
			if i := strings.IndexByte(d, '/'); i > 0 {
				add(d[:i]) // an access key id, before its credential scope
			}
		}
	}
	if d, err := url.QueryUnescape(query); err == nil {
		add(d)
	}
	sort.Slice(s.secrets, func(i, j int) bool { return len(s.secrets[i]) > len(s.secrets[j]) })
	return s
}

// text returns t without any part of the URL's query.
func (s scrubber) text(t string) string {
	for _, secret := range s.secrets {
		t = strings.ReplaceAll(t, secret, redacted)
	}
	return t
}

// err returns err with the URL's query removed: a *url.Error names the URL
// without its query, and any other text is scrubbed. The result keeps
// errors.Is for the common causes (a deadline, a cancellation).
func (s scrubber) err(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return &url.Error{Op: ue.Op, URL: s.target, Err: s.err(ue.Err)}
	}
	if text := err.Error(); s.text(text) != text {
		return &scrubbedError{text: s.text(text), cause: causeOf(err)}
	}
	return err
}

// scrubbedError is an error whose text had to be scrubbed.
type scrubbedError struct {
	text  string
	cause error
}

func (e *scrubbedError) Error() string { return e.text }

// Is reports whether the original error was the cause.
func (e *scrubbedError) Is(target error) bool { return e.cause != nil && e.cause == target }

// causeOf returns the sentinel err stands for, if one of the common ones.
func causeOf(err error) error {
	for _, c := range []error{context.DeadlineExceeded, context.Canceled, io.EOF, io.ErrUnexpectedEOF} {
		if errors.Is(err, c) {
			return c
		}
	}
	return nil
}
