package messaging

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go/encoding/httpbinding"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/awsmodel"
)

// opCase is one call of an operation, the request it must produce (as the
// model's input members, JSON-like) and the response the fake service
// answers.
type opCase struct {
	name     string
	op       string
	call     func(ctx context.Context, c *Client) (any, error)
	want     string // input members as JSON, in the model's member names
	response string // output body the fake service sends
	check    func(t *testing.T, out any)
}

func opCases() []opCase {
	processors := []Processor{
		validProcessor(),
		{
			Name: "audit log", ExecutionOrder: 2, FallbackAction: FallbackContinue,
			Configuration: ProcessorConfiguration{Lambda: LambdaConfiguration{ResourceArn: testLambdaArn + ":live", InvocationType: InvocationTypeAsync}},
		},
	}
	processorsJSON := `[
		{"Name":"moderation","ExecutionOrder":1,"FallbackAction":"ABORT","Configuration":{"Lambda":{"ResourceArn":"` + testLambdaArn + `","InvocationType":"ASYNC"}}},
		{"Name":"audit log","ExecutionOrder":2,"FallbackAction":"CONTINUE","Configuration":{"Lambda":{"ResourceArn":"` + testLambdaArn + `:live","InvocationType":"ASYNC"}}}]`
	return []opCase{
		{
			name: "ChannelFlowCallback/rewrite", op: OpChannelFlowCallback,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ChannelFlowCallback(ctx, &ChannelFlowCallbackInput{
					CallbackID: testCallbackID,
					ChannelArn: testChannelArn,
					ChannelMessage: &ChannelMessageCallback{
						MessageID:        testMessageID,
						Content:          "héllo **** wörld",
						Metadata:         `{"moderated":true,"note":"ünïcode"}`,
						PushNotification: &PushNotificationConfiguration{Title: "New message", Body: "héllo", Type: "DEFAULT"},
						MessageAttributes: map[string]MessageAttributeValue{
							"topic": {StringValues: []string{"news", "sport"}},
							"lang":  {StringValues: []string{"fr"}},
						},
						SubChannelID: "sub-1",
						ContentType:  "text/markdown",
					},
				})
			},
			want: `{"ChannelArn":"` + testChannelArn + `","CallbackId":"` + testCallbackID + `","DeleteResource":false,
				"ChannelMessage":{"MessageId":"` + testMessageID + `","Content":"héllo **** wörld",
				"Metadata":"{\"moderated\":true,\"note\":\"ünïcode\"}",
				"PushNotification":{"Title":"New message","Body":"héllo","Type":"DEFAULT"},
				"MessageAttributes":{"topic":{"StringValues":["news","sport"]},"lang":{"StringValues":["fr"]}},
				"SubChannelId":"sub-1","ContentType":"text/markdown"}}`,
			response: `{"ChannelArn":"` + testChannelArn + `","CallbackId":"` + testCallbackID + `"}`,
			check: func(t *testing.T, out any) {
				o := out.(*ChannelFlowCallbackOutput)
				assert.Equal(t, testChannelArn, o.ChannelArn)
				assert.Equal(t, testCallbackID, o.CallbackID)
			},
		},
		{
			name: "ChannelFlowCallback/deny", op: OpChannelFlowCallback,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ChannelFlowCallback(ctx, &ChannelFlowCallbackInput{
					CallbackID: testCallbackID, ChannelArn: testChannelArn, DeleteResource: true,
					ChannelMessage: &ChannelMessageCallback{MessageID: testMessageID},
				})
			},
			want:     `{"ChannelArn":"` + testChannelArn + `","CallbackId":"` + testCallbackID + `","DeleteResource":true,"ChannelMessage":{"MessageId":"` + testMessageID + `"}}`,
			response: `{"ChannelArn":"` + testChannelArn + `","CallbackId":"` + testCallbackID + `"}`,
		},
		{
			name: "GetChannelMessageStatus", op: OpGetChannelMessageStatus,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetChannelMessageStatus(ctx, &GetChannelMessageStatusInput{
					ChannelArn: testChannelArn, MessageID: testMessageID, ChimeBearer: testBearerArn, SubChannelID: "sub-1",
				})
			},
			want:     `{"ChannelArn":"` + testChannelArn + `","MessageId":"` + testMessageID + `","ChimeBearer":"` + testBearerArn + `","SubChannelId":"sub-1"}`,
			response: `{"Status":{"Value":"PENDING","Detail":"waiting for the processor"}}`,
			check: func(t *testing.T, out any) {
				o := out.(*GetChannelMessageStatusOutput)
				require.NotNil(t, o.Status)
				assert.Equal(t, StatusPending, o.Status.Value)
				assert.Equal(t, "waiting for the processor", o.Status.Detail)
			},
		},
		{
			name: "GetChannelMessageStatus/no-sub-channel", op: OpGetChannelMessageStatus,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetChannelMessageStatus(ctx, &GetChannelMessageStatusInput{ChannelArn: testChannelArn, MessageID: testMessageID, ChimeBearer: testBearerArn})
			},
			want:     `{"ChannelArn":"` + testChannelArn + `","MessageId":"` + testMessageID + `","ChimeBearer":"` + testBearerArn + `"}`,
			response: `{"Status":{"Value":"SENT"}}`,
		},
		{
			name: "CreateChannelFlow", op: OpCreateChannelFlow,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.CreateChannelFlow(ctx, &CreateChannelFlowInput{
					AppInstanceArn: testAppInstanceArn, Name: "chimeflow", Processors: processors,
					Tags:               []Tag{{Key: "app", Value: "chimeflow"}},
					ClientRequestToken: "stack-123_abc",
				})
			},
			want: `{"AppInstanceArn":"` + testAppInstanceArn + `","Name":"chimeflow","Processors":` + processorsJSON + `,
				"Tags":[{"Key":"app","Value":"chimeflow"}],"ClientRequestToken":"stack-123_abc"}`,
			response: `{"ChannelFlowArn":"` + testFlowArn + `"}`,
			check: func(t *testing.T, out any) {
				assert.Equal(t, testFlowArn, out.(*CreateChannelFlowOutput).ChannelFlowArn)
			},
		},
		{
			name: "UpdateChannelFlow", op: OpUpdateChannelFlow,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateChannelFlow(ctx, &UpdateChannelFlowInput{ChannelFlowArn: testFlowArn, Name: "chimeflow-v2", Processors: processors})
			},
			want:     `{"ChannelFlowArn":"` + testFlowArn + `","Name":"chimeflow-v2","Processors":` + processorsJSON + `}`,
			response: `{"ChannelFlowArn":"` + testFlowArn + `"}`,
			check: func(t *testing.T, out any) {
				assert.Equal(t, testFlowArn, out.(*UpdateChannelFlowOutput).ChannelFlowArn)
			},
		},
		{
			name: "DeleteChannelFlow", op: OpDeleteChannelFlow,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.DeleteChannelFlow(ctx, &DeleteChannelFlowInput{ChannelFlowArn: testFlowArn})
			},
			want: `{"ChannelFlowArn":"` + testFlowArn + `"}`,
		},
		{
			name: "DescribeChannelFlow", op: OpDescribeChannelFlow,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.DescribeChannelFlow(ctx, &DescribeChannelFlowInput{ChannelFlowArn: testFlowArn})
			},
			want: `{"ChannelFlowArn":"` + testFlowArn + `"}`,
			response: `{"ChannelFlow":{"ChannelFlowArn":"` + testFlowArn + `","Name":"chimeflow","Processors":` + processorsJSON + `,
				"CreatedTimestamp":1.715949296123E9,"LastUpdatedTimestamp":1715950000}}`,
			check: func(t *testing.T, out any) {
				f := out.(*DescribeChannelFlowOutput).ChannelFlow
				require.NotNil(t, f)
				assert.Equal(t, testFlowArn, f.ChannelFlowArn)
				assert.Equal(t, processors, f.Processors)
				require.NotNil(t, f.CreatedTimestamp)
				require.NotNil(t, f.LastUpdatedTimestamp)
				assert.Equal(t, time.Date(2024, 5, 17, 12, 34, 56, 123e6, time.UTC), *f.CreatedTimestamp)
				assert.Equal(t, time.Unix(1715950000, 0).UTC(), *f.LastUpdatedTimestamp)
			},
		},
		{
			name: "AssociateChannelFlow", op: OpAssociateChannelFlow,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.AssociateChannelFlow(ctx, &AssociateChannelFlowInput{ChannelArn: testChannelArn, ChannelFlowArn: testFlowArn, ChimeBearer: testBearerArn})
			},
			want: `{"ChannelArn":"` + testChannelArn + `","ChannelFlowArn":"` + testFlowArn + `","ChimeBearer":"` + testBearerArn + `"}`,
		},
		{
			name: "DisassociateChannelFlow", op: OpDisassociateChannelFlow,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.DisassociateChannelFlow(ctx, &DisassociateChannelFlowInput{ChannelArn: testChannelArn, ChannelFlowArn: testFlowArn, ChimeBearer: testBearerArn})
			},
			want: `{"ChannelArn":"` + testChannelArn + `","ChannelFlowArn":"` + testFlowArn + `","ChimeBearer":"` + testBearerArn + `"}`,
		},
		{
			name: "ListChannelsAssociatedWithChannelFlow", op: OpListChannelsAssociatedWithChannelFlow,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListChannelsAssociatedWithChannelFlow(ctx, &ListChannelsAssociatedWithChannelFlowInput{
					ChannelFlowArn: testFlowArn, MaxResults: 50, NextToken: "tok/en+with=odd chars&more",
				})
			},
			want: `{"ChannelFlowArn":"` + testFlowArn + `","MaxResults":50,"NextToken":"tok/en+with=odd chars&more"}`,
			response: `{"Channels":[{"Name":"general","ChannelArn":"` + testChannelArn + `","Mode":"RESTRICTED","Privacy":"PRIVATE","Metadata":"{}"}],
				"NextToken":"next-page"}`,
			check: func(t *testing.T, out any) {
				o := out.(*ListChannelsAssociatedWithChannelFlowOutput)
				assert.Equal(t, []ChannelAssociatedWithFlowSummary{{Name: "general", ChannelArn: testChannelArn, Mode: "RESTRICTED", Privacy: "PRIVATE", Metadata: "{}"}}, o.Channels)
				assert.Equal(t, "next-page", o.NextToken)
			},
		},
		{
			name: "ListChannelsAssociatedWithChannelFlow/first-page", op: OpListChannelsAssociatedWithChannelFlow,
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListChannelsAssociatedWithChannelFlow(ctx, &ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: testFlowArn})
			},
			want:     `{"ChannelFlowArn":"` + testFlowArn + `"}`,
			response: `{"Channels":[]}`,
		},
	}
}

// captureCase runs one case against a fake service that answers as the
// model says and returns the captured request and the output.
func captureCase(t *testing.T, m *serviceModel, tc opCase) (capturedRequest, any) {
	t.Helper()
	op := m.op(t, tc.op)
	fs := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		reply(w, op.HTTP.ResponseCode, tc.response, "X-Amzn-RequestId: req-"+tc.op)
	})
	out, err := tc.call(context.Background(), newTestClient(t, fs.URL))
	require.NoError(t, err)
	reqs := fs.requests()
	require.Len(t, reqs, 1)
	return reqs[0], out
}

// decodeRequest reads a captured request back into the operation's input
// members, the way the service would, and lists every departure from the
// model's HTTP bindings.
func decodeRequest(m *serviceModel, opName string, cr capturedRequest) (map[string]any, []string) {
	op := m.Operations[opName]
	in := m.Shapes[op.Input.Shape]
	params := map[string]any{}
	var problems []string
	bad := func(format string, args ...any) {
		problems = append(problems, opName+": "+fmt.Sprintf(format, args...))
	}
	memberAt := func(location, name string) (string, *awsmodel.Ref, bool) {
		for k, ref := range in.Members {
			if ref.Location == location && ref.LocationName == name {
				return k, ref, true
			}
		}
		return "", nil, false
	}

	if cr.Method != op.HTTP.Method {
		bad("method %s, model says %s", cr.Method, op.HTTP.Method)
	}
	template, fixed := splitRequestURI(op.HTTP.RequestURI)
	rawPath, rawQuery, _ := strings.Cut(cr.RequestURI, "?")
	tsegs, asegs := strings.Split(template, "/"), strings.Split(rawPath, "/")
	if len(tsegs) != len(asegs) {
		bad("path %s has %d segments, template %s has %d (a label must be ONE segment)", rawPath, len(asegs), template, len(tsegs))
	} else {
		for i, ts := range tsegs {
			if !strings.HasPrefix(ts, "{") {
				if ts != asegs[i] {
					bad("path segment %q, template has %q", asegs[i], ts)
				}
				continue
			}
			label := strings.Trim(ts, "{}")
			name, _, ok := memberAt("uri", label)
			if !ok {
				bad("template label %s has no uri member", label)
				continue
			}
			v, err := url.PathUnescape(asegs[i])
			if err != nil {
				bad("path segment %q: %v", asegs[i], err)
				continue
			}
			if want := httpbinding.EscapePath(v, true); asegs[i] != want {
				bad("label %s escaped as %q, the SDK escapes it as %q", label, asegs[i], want)
			}
			params[name] = v
		}
	}
	seen := map[string]bool{}
	for _, kv := range strings.Split(rawQuery, "&") {
		if kv == "" {
			continue
		}
		rk, rv, _ := strings.Cut(kv, "=")
		k, err1 := url.QueryUnescape(rk)
		v, err2 := url.QueryUnescape(rv)
		if err1 != nil || err2 != nil {
			bad("query pair %q does not unescape", kv)
			continue
		}
		if seen[k] {
			bad("query key %s repeated", k)
		}
		seen[k] = true
		if fv, ok := fixed[k]; ok {
			if v != fv {
				bad("query %s=%s, the requestUri fixes %s", k, v, fv)
			}
			continue
		}
		name, ref, ok := memberAt("querystring", k)
		if !ok {
			bad("query key %s is not in the model", k)
			continue
		}
		if t := m.Shapes[ref.Shape].Type; t == "integer" || t == "long" {
			params[name] = json.Number(v)
		} else {
			params[name] = v
		}
	}
	for k := range fixed {
		if !seen[k] {
			bad("query lacks %s=%s from the requestUri", k, fixed[k])
		}
	}
	hasBodyMembers := false
	for name, ref := range in.Members {
		switch ref.Location {
		case "header":
			if vs := cr.Header.Values(ref.LocationName); len(vs) > 0 {
				if len(vs) > 1 {
					bad("header %s sent %d times", ref.LocationName, len(vs))
				}
				params[name] = vs[0]
			}
		case "":
			hasBodyMembers = true
		}
	}
	if hasBodyMembers {
		if ct := cr.Header.Get("Content-Type"); ct != "application/json" {
			bad("Content-Type %q, want application/json", ct)
		}
		if int64(len(cr.Body)) != cr.ContentLength {
			bad("Content-Length %d for a %d-byte body", cr.ContentLength, len(cr.Body))
		}
		dec := json.NewDecoder(bytes.NewReader(cr.Body))
		dec.UseNumber()
		var body map[string]any
		if err := dec.Decode(&body); err != nil {
			bad("body is not a JSON object: %v", err)
		}
		for k, v := range body {
			ref, ok := in.Members[k]
			switch {
			case !ok:
				bad("body member %s is not in the model", k)
			case ref.Location != "":
				bad("member %s belongs in the %s, not the body", k, ref.Location)
			default:
				params[k] = v
			}
		}
	} else if len(cr.Body) > 0 || cr.Header.Get("Content-Type") != "" {
		bad("the operation has no body members, yet a body (%q, Content-Type %q) was sent", cr.Body, cr.Header.Get("Content-Type"))
	}
	problems = append(problems, m.checkValue(op.Input.Shape, params, opName)...)
	return params, problems
}

var authRE = regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([a-z0-9-]+)/([a-z]+)/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$`)

// checkSigV4 checks the Authorization header's form and that signing the
// captured request again, with the same credentials and time, gives the
// same signature.
func checkSigV4(t *testing.T, cr capturedRequest) {
	t.Helper()
	auth := cr.Header.Get("Authorization")
	m := authRE.FindStringSubmatch(auth)
	require.NotNil(t, m, "malformed Authorization %q", auth)
	amzDate := cr.Header.Get("X-Amz-Date")
	ts, err := time.Parse("20060102T150405Z", amzDate)
	require.NoError(t, err, "X-Amz-Date %q", amzDate)
	assert.Equal(t, testNow, ts)
	assert.Equal(t, testCreds.AccessKeyID, m[1])
	assert.Equal(t, amzDate[:8], m[2])
	assert.Equal(t, testRegion, m[3])
	assert.Equal(t, SigningName, m[4])
	assert.Equal(t, testCreds.SessionToken, cr.Header.Get("X-Amz-Security-Token"))
	signed := strings.Split(m[5], ";")
	assert.True(t, sort.StringsAreSorted(signed), "SignedHeaders not sorted: %s", m[5])
	for _, h := range []string{"host", "x-amz-date", "x-amz-security-token"} {
		assert.Contains(t, signed, h)
	}
	if cr.Header.Get("Content-Type") != "" {
		assert.Contains(t, signed, "content-type")
	}
	if cr.Header.Get("X-Amz-Chime-Bearer") != "" {
		assert.Contains(t, signed, "x-amz-chime-bearer")
	}

	req, err := http.NewRequest(cr.Method, "http://"+cr.Host+cr.RequestURI, nil)
	require.NoError(t, err)
	req.Header = http.Header{}
	for _, h := range signed {
		switch h {
		case "host":
			req.Host = cr.Host
		case "content-length":
			req.ContentLength = cr.ContentLength
		default:
			req.Header[http.CanonicalHeaderKey(h)] = cr.Header.Values(h)
		}
	}
	sum := sha256.Sum256(cr.Body)
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), testCreds, req, hex.EncodeToString(sum[:]), SigningName, testRegion, ts))
	assert.Equal(t, auth, req.Header.Get("Authorization"), "re-signing the captured request gives another signature")
}

// TestWireConformance sends every operation to a fake service and checks
// the request against the model: method, path (each label one segment,
// escaped as the SDK does), query, headers, body members and constraints,
// the SigV4 signature; then the output decoding.
func TestWireConformance(t *testing.T) {
	m := loadModel(t)
	for _, tc := range opCases() {
		t.Run(tc.name, func(t *testing.T) {
			cr, out := captureCase(t, m, tc)
			params, problems := decodeRequest(m, tc.op, cr)
			assert.Empty(t, problems)
			got, err := json.Marshal(params)
			require.NoError(t, err)
			assert.Equal(t, decodeJSON(t, []byte(tc.want)), decodeJSON(t, got))
			checkSigV4(t, cr)

			op := m.op(t, tc.op)
			if op.Output != nil && tc.response != "" {
				assert.Empty(t, m.checkValue(op.Output.Shape, decodeJSON(t, []byte(tc.response)), tc.op+"Response"), "the fake response breaks the model")
			}
			require.NotNil(t, out)
			assert.Equal(t, "req-"+tc.op, requestIDOf(out))
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

// TestWireCoverage checks that the cases set every input member of every
// operation (so a member the model adds is noticed) and that the fake
// responses carry every output member.
func TestWireCoverage(t *testing.T) {
	m := loadModel(t)
	inputs, outputs := map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, tc := range opCases() {
		op := m.op(t, tc.op)
		if inputs[tc.op] == nil {
			inputs[tc.op], outputs[tc.op] = map[string]bool{}, map[string]bool{}
		}
		m.valuePaths(op.Input.Shape, decodeJSON(t, []byte(tc.want)), "", inputs[tc.op])
		if op.Output != nil && tc.response != "" {
			m.valuePaths(op.Output.Shape, decodeJSON(t, []byte(tc.response)), "", outputs[tc.op])
		}
	}
	implemented := []string{OpChannelFlowCallback, OpGetChannelMessageStatus, OpCreateChannelFlow, OpUpdateChannelFlow, OpDeleteChannelFlow,
		OpDescribeChannelFlow, OpAssociateChannelFlow, OpDisassociateChannelFlow, OpListChannelsAssociatedWithChannelFlow}
	for _, name := range implemented {
		op := m.op(t, name)
		require.Contains(t, inputs, name, "no case for %s", name)
		want := map[string]bool{}
		m.memberPaths(op.Input.Shape, "", map[string]bool{}, want)
		assert.Equal(t, awsmodel.SortedKeys(want), awsmodel.SortedKeys(inputs[name]), "%s input members", name)
		if op.Output != nil {
			want := map[string]bool{}
			m.memberPaths(op.Output.Shape, "", map[string]bool{}, want)
			assert.Equal(t, awsmodel.SortedKeys(want), awsmodel.SortedKeys(outputs[name]), "%s output members", name)
		}
	}
	assert.Len(t, inputs, len(implemented))
}

// TestDecodeRequestCatchesDrift proves the checker is not vacuous.
func TestDecodeRequestCatchesDrift(t *testing.T) {
	m := loadModel(t)
	tc := opCases()[0]
	cr, _ := captureCase(t, m, tc)
	mutations := map[string]func(cr *capturedRequest){
		"plain slash in label": func(cr *capturedRequest) {
			cr.RequestURI = "/channels/" + testChannelArn + "?operation=channel-flow-callback"
		},
		"unescaped colon": func(cr *capturedRequest) {
			cr.RequestURI = "/channels/" + strings.ReplaceAll(url.PathEscape(testChannelArn), "%3A", ":") + "?operation=channel-flow-callback"
		},
		"wrong method":        func(cr *capturedRequest) { cr.Method = "PUT" },
		"missing fixed query": func(cr *capturedRequest) { cr.RequestURI, _, _ = strings.Cut(cr.RequestURI, "?") },
		"unknown query":       func(cr *capturedRequest) { cr.RequestURI += "&x=1" },
		"unknown body member": func(cr *capturedRequest) {
			cr.Body = bytes.Replace(cr.Body, []byte(`{`), []byte(`{"Extra":1,`), 1)
			cr.ContentLength = int64(len(cr.Body))
		},
		"path member in body": func(cr *capturedRequest) {
			cr.Body = bytes.Replace(cr.Body, []byte(`{`), []byte(`{"ChannelArn":"`+testChannelArn+`",`), 1)
			cr.ContentLength = int64(len(cr.Body))
		},
		"lower-case member": func(cr *capturedRequest) {
			cr.Body = bytes.Replace(cr.Body, []byte(`"CallbackId"`), []byte(`"callbackId"`), 1)
		},
		"short callback id": func(cr *capturedRequest) {
			cr.Body = bytes.Replace(cr.Body, []byte(testCallbackID), []byte("short"), 1)
			cr.ContentLength = int64(len(cr.Body))
		},
		"bad enum": func(cr *capturedRequest) {
			cr.Body = bytes.Replace(cr.Body, []byte(`"DEFAULT"`), []byte(`"LOUD"`), 1)
		},
		"no content type": func(cr *capturedRequest) { cr.Header = cr.Header.Clone(); cr.Header.Del("Content-Type") },
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			c := cr
			c.Body = append([]byte(nil), cr.Body...)
			mutate(&c)
			_, problems := decodeRequest(m, tc.op, c)
			assert.NotEmpty(t, problems)
		})
	}
}

// requestIDOf returns the RequestID field of an output.
func requestIDOf(out any) string {
	switch o := out.(type) {
	case *ChannelFlowCallbackOutput:
		return o.RequestID
	case *GetChannelMessageStatusOutput:
		return o.RequestID
	case *CreateChannelFlowOutput:
		return o.RequestID
	case *UpdateChannelFlowOutput:
		return o.RequestID
	case *DeleteChannelFlowOutput:
		return o.RequestID
	case *DescribeChannelFlowOutput:
		return o.RequestID
	case *AssociateChannelFlowOutput:
		return o.RequestID
	case *DisassociateChannelFlowOutput:
		return o.RequestID
	case *ListChannelsAssociatedWithChannelFlowOutput:
		return o.RequestID
	}
	return "unknown output type"
}
