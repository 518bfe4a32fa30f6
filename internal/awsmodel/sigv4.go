package awsmodel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// AuthError is how a service refuses a request it cannot authenticate: an
// HTTP status, an error code and the service's message.
type AuthError struct {
	Status  int
	Code    string
	Message string
}

func (e *AuthError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Verifier checks SigV4 signatures as a service does.
type Verifier struct {
	// Credentials the requests must be signed with; a request must carry
	// exactly the SessionToken (none when it is empty).
	Credentials aws.Credentials
	// Region and SigningName the credential scope must name.
	Region, SigningName string
	// Now is the service's clock; nil means time.Now.
	Now func() time.Time
	// MaxClockSkew bounds how far X-Amz-Date may be from Now; zero or
	// negative disables the check.
	MaxClockSkew time.Duration
}

var authHeader = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/,\s]+)/(\d{8})/([^/,\s]+)/([^/,\s]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$`)

// Verify checks the request's SigV4 signature: its form, its credential
// scope, its time, the session token, and the signature itself, recomputed
// over the signed headers and body with the Verifier's credentials. It
// returns the refusal the service would answer, or nil.
func (v *Verifier) Verify(r *http.Request, body []byte) *AuthError {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return &AuthError{403, "MissingAuthenticationTokenException", "Missing Authentication Token"}
	}
	m := authHeader.FindStringSubmatch(auth)
	if m == nil {
		return &AuthError{400, "IncompleteSignatureException", "Authorization header is not a complete AWS4-HMAC-SHA256 signature"}
	}
	akid, date, region, service, signed := m[1], m[2], m[3], m[4], m[5]
	creds := v.Credentials
	if akid != creds.AccessKeyID {
		return &AuthError{403, "UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	if region != v.Region {
		return &AuthError{403, "InvalidSignatureException", fmt.Sprintf("Credential should be scoped to a valid region, not '%s'.", region)}
	}
	if service != v.SigningName {
		return &AuthError{403, "InvalidSignatureException", fmt.Sprintf("Credential should be scoped to correct service: '%s'.", v.SigningName)}
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return &AuthError{400, "IncompleteSignatureException", "X-Amz-Date is missing or not in the basic ISO 8601 format"}
	}
	if date != at.Format("20060102") {
		return &AuthError{403, "InvalidSignatureException", "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP"}
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if skew := v.MaxClockSkew; skew > 0 {
		if d := now().Sub(at); d > skew || d < -skew {
			return &AuthError{403, "InvalidSignatureException", fmt.Sprintf("Signature expired: %s is now earlier or later than %s by more than %s.", at.Format("20060102T150405Z"), now().UTC().Format("20060102T150405Z"), skew)}
		}
	}
	headers := strings.Split(signed, ";")
	for _, must := range []string{"host", "x-amz-date"} {
		if !contains(headers, must) {
			return &AuthError{403, "InvalidSignatureException", "SignedHeaders must include " + must}
		}
	}
	token := r.Header.Get("X-Amz-Security-Token")
	if token != creds.SessionToken {
		return &AuthError{403, "UnrecognizedClientException", "The security token included in the request is invalid."}
	}
	if token != "" && !contains(headers, "x-amz-security-token") {
		return &AuthError{403, "InvalidSignatureException", "SignedHeaders must include x-amz-security-token"}
	}

	cp, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return &AuthError{400, "IncompleteSignatureException", "the request cannot be re-signed: " + err.Error()}
	}
	cp.Host = r.Host
	cp.ContentLength = 0 // signed only when the client signed it
	for _, h := range headers {
		switch h {
		case "host":
		case "content-length":
			cp.ContentLength = r.ContentLength
		default:
			if vs, ok := r.Header[http.CanonicalHeaderKey(h)]; ok {
				cp.Header[http.CanonicalHeaderKey(h)] = vs
			} else {
				return &AuthError{403, "InvalidSignatureException", "signed header " + h + " is missing from the request"}
			}
		}
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, cp, hex.EncodeToString(sum[:]), v.SigningName, v.Region, at); err != nil {
		return &AuthError{400, "IncompleteSignatureException", "the request cannot be re-signed: " + err.Error()}
	}
	want := authHeader.FindStringSubmatch(cp.Header.Get("Authorization"))
	if want == nil || want[5] != signed || want[6] != m[6] {
		return &AuthError{403, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."}
	}
	return nil
}
