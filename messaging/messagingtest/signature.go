package messagingtest

import (
	"net/http"

	"github.com/chimeflow/chimeflow/internal/awsmodel"
	"github.com/chimeflow/chimeflow/messaging"
)

// checkSignature verifies the request's SigV4 signature (package awsmodel
// does it for every stand-in) with the Server's credentials, region and
// clock. It returns the refusal, or nil.
func (s *Server) checkSignature(r *http.Request, body []byte) *awsmodel.AuthError {
	v := awsmodel.Verifier{
		Credentials:  s.cfg.Credentials,
		Region:       s.cfg.Region,
		SigningName:  messaging.SigningName,
		Now:          s.cfg.Now,
		MaxClockSkew: s.cfg.MaxClockSkew,
	}
	return v.Verify(r, body)
}
