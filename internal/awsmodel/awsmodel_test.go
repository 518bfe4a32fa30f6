package awsmodel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A json-protocol model and a rest-json one, small, with the types the
// checker reads.
const jsonModel = `{
 "metadata": {"protocol": "json", "jsonVersion": "1.1", "targetPrefix": "Svc_2020", "signingName": "svc", "endpointPrefix": "svc"},
 "operations": {"Do": {"name": "Do", "http": {"method": "POST", "requestUri": "/"}, "input": {"shape": "DoIn"}, "output": {"shape": "DoOut"}}},
 "shapes": {
  "DoIn": {"type": "structure", "required": ["Text"], "members": {
   "Text": {"shape": "Text"}, "Score": {"shape": "Score"}, "Data": {"shape": "Data"}, "Pick": {"shape": "Pick"}, "N": {"shape": "N"}}},
  "DoOut": {"type": "structure", "members": {"Score": {"shape": "Score"}}},
  "Text": {"type": "string", "min": 1, "max": 5, "pattern": "[a-z😀]*"},
  "Score": {"type": "float", "min": 0, "max": 1},
  "Data": {"type": "blob", "min": 1},
  "N": {"type": "integer"},
  "Pick": {"type": "structure", "union": true, "members": {"a": {"shape": "Text"}, "b": {"shape": "Text"}}}
 }}`

const restModel = `{
 "metadata": {"protocol": "rest-json", "signingName": "rsvc", "endpointPrefix": "rsvc"},
 "operations": {"Get": {"name": "Get", "http": {"method": "POST", "requestUri": "/things/{Id}/go?mode=fast", "responseCode": 201}, "input": {"shape": "GetIn"}}},
 "shapes": {
  "GetIn": {"type": "structure", "required": ["Id"], "members": {"Id": {"shape": "Text", "location": "uri", "locationName": "Id"}, "Body": {"shape": "Text"}}},
  "Text": {"type": "string"}
 }}`

func TestJSONProtocol(t *testing.T) {
	m, err := Load([]byte(jsonModel))
	require.NoError(t, err)
	req := func(target, ct, body string) *http.Request {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("X-Amz-Target", target)
		r.Header.Set("Content-Type", ct)
		return r
	}
	tests := []struct {
		name, target, ct, body string
		matched                bool
		problems               []string
	}{
		{"conforms", "Svc_2020.Do", "application/x-amz-json-1.1", `{"Text":"ab😀","Score":0.5,"Data":"AQI=","Pick":{"a":"x"},"N":3}`, true, nil},
		{"other prefix", "Other.Do", "application/x-amz-json-1.1", `{}`, false, nil},
		{"unknown operation", "Svc_2020.Undo", "application/x-amz-json-1.1", `{}`, false, nil},
		{"wrong content type", "Svc_2020.Do", "application/json", `{"Text":"a"}`, true, []string{`Content-Type "application/json", want application/x-amz-json-1.1`}},
		{"every kind of problem", "Svc_2020.Do", "application/x-amz-json-1.1", `{"Score":1.5,"Data":"%%","Pick":{"a":"x","b":"y"},"N":1.5,"Extra":1}`, true, []string{
			"body member Extra is not a body member of DoIn", "Text: required", "Data: not base64", "N: want an integer, got a number", "Pick: a union needs exactly one member set, got 2", "Score: 1.5 outside 0-1"}},
		{"string limits in characters", "Svc_2020.Do", "application/x-amz-json-1.1", `{"Text":"😀😀😀😀😀😀","Data":""}`, true, []string{"Data: 0 bytes outside 1-∞", "Text: length 6 outside 1-5"}},
		{"pattern", "Svc_2020.Do", "application/x-amz-json-1.1", `{"Text":"ABC"}`, true, []string{"Text: does not match the pattern"}},
		{"not an object", "Svc_2020.Do", "application/x-amz-json-1.1", `[1]`, true, []string{"body is not a JSON object", "Text: required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := req(tt.target, tt.ct, tt.body)
			op, labels := m.Match(r)
			if !tt.matched {
				assert.Nil(t, op)
				return
			}
			require.NotNil(t, op)
			_, problems := m.CheckRequest(op, r, labels, []byte(tt.body))
			require.Len(t, problems, len(tt.problems), "%q", problems)
			for i, p := range tt.problems {
				assert.Contains(t, problems[i], p)
			}
		})
	}
	op := m.Operations["Do"]
	assert.Empty(t, m.CheckOutput(op, map[string]any{"Score": 0.2}))
	assert.NotEmpty(t, m.CheckOutput(op, map[string]any{"Score": "high"}))
	assert.Equal(t, 200, op.SuccessStatus())
}

func TestRestJSON(t *testing.T) {
	m, err := Load([]byte(restModel))
	require.NoError(t, err)
	r := httptest.NewRequest("POST", "/things/a%2Fb/go?mode=fast", strings.NewReader(`{"Body":"x"}`))
	r.Header.Set("Content-Type", "application/json")
	op, labels := m.Match(r)
	require.NotNil(t, op)
	assert.Equal(t, "a/b", labels["Id"])
	params, problems := m.CheckRequest(op, r, labels, []byte(`{"Body":"x"}`))
	assert.Empty(t, problems)
	assert.Equal(t, map[string]any{"Id": "a/b", "Body": "x"}, params)
	assert.Equal(t, 201, op.SuccessStatus())
	op, _ = m.Match(httptest.NewRequest("POST", "/things/a/go?mode=slow", nil))
	assert.Nil(t, op)

	_, err = Load([]byte(`{"metadata":{"protocol":"query"}}`))
	assert.Error(t, err)
	_, err = Extract([]byte(restModel), []string{"Get", "Put"})
	assert.ErrorContains(t, err, "operation Put")
	out, err := Extract([]byte(restModel), []string{"Get"})
	require.NoError(t, err)
	_, err = Load(out)
	assert.NoError(t, err)
}

func TestVerify(t *testing.T) {
	creds := aws.Credentials{AccessKeyID: "AKID", SecretAccessKey: "secret", SessionToken: "tok"}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	v := Verifier{Credentials: creds, Region: "us-east-1", SigningName: "svc", Now: func() time.Time { return now }, MaxClockSkew: 15 * time.Minute}
	body := []byte(`{"Text":"a"}`)
	signed := func(c aws.Credentials, region, service string, at time.Time) *http.Request {
		r := httptest.NewRequest("POST", "http://127.0.0.1:1/", bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		sum := sha256.Sum256(body)
		require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), c, r, hex.EncodeToString(sum[:]), service, region, at))
		return r
	}
	assert.Nil(t, v.Verify(signed(creds, "us-east-1", "svc", now), body))
	wrong := creds
	wrong.SecretAccessKey = "other"
	tests := []struct {
		name string
		r    *http.Request
		code string
	}{
		{"secret", signed(wrong, "us-east-1", "svc", now), "InvalidSignatureException"},
		{"region", signed(creds, "eu-west-1", "svc", now), "InvalidSignatureException"},
		{"service", signed(creds, "us-east-1", "other", now), "InvalidSignatureException"},
		{"old", signed(creds, "us-east-1", "svc", now.Add(-time.Hour)), "InvalidSignatureException"},
		{"unsigned", httptest.NewRequest("POST", "/", nil), "MissingAuthenticationTokenException"},
	}
	for _, tt := range tests {
		e := v.Verify(tt.r, body)
		require.NotNil(t, e, tt.name)
		assert.Equal(t, tt.code, e.Code, tt.name)
	}
	r := signed(creds, "us-east-1", "svc", now)
	e := v.Verify(r, []byte(`{"Text":"b"}`))
	require.NotNil(t, e, "a changed body breaks the signature")
	assert.Equal(t, "InvalidSignatureException", e.Code)
}
