package flowresource_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/cfn"
	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/deploy/flowresource"
)

// Parts of a pre-signed response URL that must never be logged.
const (
	signature  = "7c2f1e0d9b8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b"
	credential = "ASIAEXAMPLERESPONSE"
	token      = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
	respPath   = "/arn%3Aaws%3Acloudformation%3Aus-east-1%3A111122223333%3Astack/chat/0000%7CChannelFlow%7Creq-1"
)

func presignedQuery() string {
	q := url.Values{}
	q.Set("X-Amz-Algorithm", "AWS4-HMAC-SHA256")
	q.Set("X-Amz-Credential", credential+"/20260101/us-east-1/s3/aws4_request")
	q.Set("X-Amz-Date", "20260101T000000Z")
	q.Set("X-Amz-Expires", "7200")
	q.Set("X-Amz-Security-Token", token)
	q.Set("X-Amz-SignedHeaders", "host")
	q.Set("X-Amz-Signature", signature)
	return q.Encode()
}

// lines is a concurrency-safe log sink.
type lines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// TestResponseURLNeverLogged: however the answer fails to reach
// CloudFormation, neither the log lines nor the error the Lambda runtime
// logs hold the pre-signed URL's query (signature, credential, session
// token); they name its host and path.
func TestResponseURLNeverLogged(t *testing.T) {
	tests := []struct {
		name string
		// start returns the response URL (without its query) and the client
		// to deliver with (nil for the Handler's own).
		start func(t *testing.T) (string, flowresource.HTTPClient)
		// raw, when set, is the whole ResponseURL, query included.
		raw  bool
		want string // in the error
	}{
		{"connection refused", func(t *testing.T) (string, flowresource.HTTPClient) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := l.Addr().String()
			l.Close()
			return "http://" + addr + respPath, nil
		}, false, "connection refused"},
		{"connection reset", func(t *testing.T) (string, flowresource.HTTPClient) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.Close()
			}))
			t.Cleanup(srv.Close)
			return srv.URL + respPath, nil
		}, false, "EOF"},
		{"client time-out", func(t *testing.T) (string, flowresource.HTTPClient) {
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}))
			t.Cleanup(func() { close(release); srv.Close() })
			return srv.URL + respPath, &http.Client{Timeout: 50 * time.Millisecond}
		}, false, "Client.Timeout exceeded"},
		{"S3 refuses, quoting the request", func(t *testing.T) (string, flowresource.HTTPClient) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(http.StatusForbidden)
				io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><AWSAccessKeyId>`+credential+`</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256</StringToSign><SignatureProvided>`+signature+`</SignatureProvided><CanonicalRequest>PUT
`+r.URL.EscapedPath()+`
`+r.URL.RawQuery+`</CanonicalRequest></Error>`)
			}))
			t.Cleanup(srv.Close)
			return srv.URL + respPath, nil
		}, false, "HTTP 403 SignatureDoesNotMatch: The request signature we calculated does not match"},
		{"5xx every time, the URL in the body", func(t *testing.T) (string, flowresource.HTTPClient) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
				io.WriteString(w, "upstream failed for "+r.URL.String())
			}))
			t.Cleanup(srv.Close)
			return srv.URL + respPath, nil
		}, false, "HTTP 503"},
		{"redirected", func(t *testing.T) (string, flowresource.HTTPClient) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "/elsewhere?"+r.URL.RawQuery, http.StatusTemporaryRedirect)
			}))
			t.Cleanup(srv.Close)
			return srv.URL + respPath, nil
		}, false, "HTTP 307"},
		{"not a URL", func(t *testing.T) (string, flowresource.HTTPClient) {
			return "http://127.0.0.1:1" + respPath + "?" + presignedQuery() + "&x=\x7f", nil
		}, true, "invalid control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base, client := tt.start(t)
			responseURL := base
			if !tt.raw {
				responseURL += "?" + presignedQuery()
			}
			var logs lines
			h := &flowresource.Handler{
				Func: func(context.Context, cfn.Event) (string, map[string]any, error) {
					return "", nil, errors.New("something failed")
				},
				HTTPClient:   client,
				SendAttempts: 2,
				Logger:       zerolog.New(&logs),
			}
			err := h.Handle(context.Background(), cfn.Event{RequestType: cfn.RequestCreate, RequestID: "req-1", StackID: "stack", LogicalResourceID: "ChannelFlow", ResponseURL: responseURL})
			if err == nil {
				t.Fatal("Handle succeeded; want the delivery error")
			}
			var sendErr *flowresource.SendError
			if !errors.As(err, &sendErr) {
				t.Errorf("error %T, want a *SendError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q lacks %q", err, tt.want)
			}
			out := logs.String()
			if strings.Count(out, "\n") < 1 {
				t.Fatalf("nothing logged: %q", out)
			}
			host := strings.TrimPrefix(strings.SplitN(base, "/arn", 2)[0], "http://")
			if !strings.Contains(err.Error(), host) || !strings.Contains(err.Error(), "/arn%3Aaws%3Acloudformation") {
				t.Errorf("error %q does not name the URL's host %s and path", err, host)
			}
			for _, secret := range []string{signature, credential, token, "X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", "?"} {
				for i, line := range append(strings.Split(strings.TrimSpace(out), "\n"), err.Error()) {
					if strings.Contains(line, secret) {
						t.Errorf("line %d holds %q: %s", i, secret, line)
					}
				}
			}
		})
	}
}
