package messagingtest_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

const (
	appInstance = "arn:aws:chime:us-east-1:111122223333:app-instance/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	admin       = appInstance + "/user/admin"
	sender      = appInstance + "/user/alice"
	channelA    = appInstance + "/channel/a"
	channelB    = appInstance + "/channel/b"
	channelC    = appInstance + "/channel/c"
	lambdaArn   = "arn:aws:lambda:us-east-1:111122223333:function:chimeflow-processor"
	callbackID  = "c0ffee00-aaaa-bbbb-cccc-0123456789ab"
	callbackID2 = "c0ffee01-aaaa-bbbb-cccc-0123456789ab"
)

func newServer(t *testing.T, cfg messagingtest.Config) *messagingtest.Server {
	t.Helper()
	s := messagingtest.NewServer(cfg)
	t.Cleanup(s.Close)
	return s
}

// conforming fails t when a request broke the model or its signature.
func conforming(t *testing.T, s *messagingtest.Server) {
	t.Helper()
	assert.Zero(t, s.Nonconforming(), "nonconforming requests: %q", s.Problems())
}

func apiError(t *testing.T, err error) *messaging.APIError {
	t.Helper()
	var e *messaging.APIError
	require.ErrorAs(t, err, &e)
	return e
}

func callback(cbID, channel, msgID string, deny bool) *messaging.ChannelFlowCallbackInput {
	return &messaging.ChannelFlowCallbackInput{
		CallbackID: cbID, ChannelArn: channel, DeleteResource: deny,
		ChannelMessage: &messaging.ChannelMessageCallback{MessageID: msgID, Content: "hello"},
	}
}

func statusOf(ctx context.Context, c *messaging.Client, channel, msgID, bearer string) (messaging.ChannelMessageStatus, error) {
	out, err := c.GetChannelMessageStatus(ctx, &messaging.GetChannelMessageStatusInput{ChannelArn: channel, MessageID: msgID, ChimeBearer: bearer})
	if err != nil {
		return "", err
	}
	if out.Status == nil {
		return "", errors.New("no status")
	}
	return out.Status.Value, nil
}

// TestCallbackResolvesOnce: the first callback of a pending message is
// accepted and resolves it; every later one is refused in the form chosen.
func TestCallbackResolvesOnce(t *testing.T) {
	tests := []struct {
		name    string
		cfg     messagingtest.Refusal
		msg     messagingtest.Refusal
		status  int
		code    string
		message string
	}{
		{"default is the generic 403", 0, 0, 403, "ForbiddenException", "You do not have sufficient access to perform this action."},
		{"409", messagingtest.RefuseConflict, 0, 409, "ConflictException", "conflict"},
		{"400 non-pending", messagingtest.RefuseNonPending, 0, 400, "BadRequestException", "Unable to complete processing of non-pending message m-1"},
		{"per message", messagingtest.RefuseConflict, messagingtest.RefuseNonPending, 400, "BadRequestException", "non-pending message m-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, messagingtest.Config{Refusal: tt.cfg})
			require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1", CallbackID: callbackID, SenderArn: sender, Refusal: tt.msg}))
			c := s.Client(func(o *messaging.Options) { o.MaxAttempts = 1 })
			ctx := context.Background()

			st, err := statusOf(ctx, c, channelA, "m-1", sender)
			require.NoError(t, err)
			assert.Equal(t, messaging.StatusPending, st)

			out, err := c.ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-1", false))
			require.NoError(t, err)
			assert.Equal(t, callbackID, out.CallbackID)
			assert.NotEmpty(t, out.RequestID)

			_, err = c.ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-1", true))
			e := apiError(t, err)
			assert.Equal(t, tt.status, e.StatusCode)
			assert.Equal(t, tt.code, e.Code)
			assert.Contains(t, e.Message, tt.message)
			assert.True(t, messaging.MaybeResolved(err), "every refusal form might mean resolved")

			st, err = statusOf(ctx, c, channelA, "m-1", sender)
			require.NoError(t, err)
			assert.Equal(t, messaging.StatusSent, st, "the refused DENY did not change the outcome")
			state, ok := s.MessageState(channelA, "m-1")
			require.True(t, ok)
			assert.Equal(t, 1, state.Accepted)
			assert.Equal(t, 1, state.Refused)
			require.NotNil(t, state.Resolution)
			assert.False(t, state.Resolution.DeleteResource)
			require.Len(t, s.Accepted(), 1)
			assert.Equal(t, "hello", s.Accepted()[0].ChannelMessage.Content)
			conforming(t, s)
		})
	}
}

func TestCallbackRegistryRules(t *testing.T) {
	ctx := context.Background()
	t.Run("unregistered callback registers its message", func(t *testing.T) {
		s := newServer(t, messagingtest.Config{})
		c := s.Client()
		_, err := c.ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-1", true))
		require.NoError(t, err)
		st, ok := s.MessageState(channelA, "m-1")
		require.True(t, ok)
		assert.Equal(t, messaging.StatusDenied, st.Status)
		assert.Equal(t, callbackID, st.CallbackID)
	})
	t.Run("RequireRegistered refuses an unknown CallbackId", func(t *testing.T) {
		s := newServer(t, messagingtest.Config{RequireRegistered: true})
		_, err := s.Client().ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-1", false))
		assert.Equal(t, 400, apiError(t, err).StatusCode)
		assert.False(t, messaging.MaybeResolved(err), "the 400 does not speak of a pending message")
		_, known := s.MessageState(channelA, "m-1")
		assert.False(t, known)
		conforming(t, s)
	})
	t.Run("CallbackId of another message", func(t *testing.T) {
		s := newServer(t, messagingtest.Config{})
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1", CallbackID: callbackID}))
		_, err := s.Client().ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-2", false))
		assert.Equal(t, 400, apiError(t, err).StatusCode)
		st, _ := s.MessageState(channelA, "m-1")
		assert.Equal(t, messaging.StatusPending, st.Status)
	})
	t.Run("an edit makes the message pending again", func(t *testing.T) {
		s := newServer(t, messagingtest.Config{})
		c := s.Client(func(o *messaging.Options) { o.MaxAttempts = 1 })
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1", CallbackID: callbackID}))
		_, err := c.ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-1", false))
		require.NoError(t, err)
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1", CallbackID: callbackID2}))
		st, _ := s.MessageState(channelA, "m-1")
		assert.Equal(t, messaging.StatusPending, st.Status)
		_, err = c.ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-1", false))
		assert.Equal(t, 403, apiError(t, err).StatusCode, "the first invocation's CallbackId is spent")
		_, err = c.ChannelFlowCallback(ctx, callback(callbackID2, channelA, "m-1", false))
		require.NoError(t, err)
		st, _ = s.MessageState(channelA, "m-1")
		assert.Equal(t, 2, st.Accepted)
		assert.Equal(t, 1, st.Refused)
	})
	t.Run("AddMessage errors", func(t *testing.T) {
		s := newServer(t, messagingtest.Config{})
		assert.Error(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1"}))
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1", CallbackID: callbackID}))
		assert.Error(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-2", CallbackID: callbackID}))
	})
	t.Run("SubChannel must match", func(t *testing.T) {
		s := newServer(t, messagingtest.Config{})
		require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1", CallbackID: callbackID, SubChannelID: "sub-1"}))
		_, err := s.Client().ChannelFlowCallback(ctx, callback(callbackID, channelA, "m-1", false))
		assert.Equal(t, 400, apiError(t, err).StatusCode)
		in := callback(callbackID, channelA, "m-1", false)
		in.ChannelMessage.SubChannelID = "sub-1"
		_, err = s.Client().ChannelFlowCallback(ctx, in)
		require.NoError(t, err)
	})
}

func TestGetChannelMessageStatus(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		cfg     messagingtest.Config
		deny    bool
		setup   func(s *messagingtest.Server)
		msgID   string
		bearer  string
		want    messaging.ChannelMessageStatus
		wantErr int
	}{
		{name: "pending", msgID: "m-1", bearer: sender, want: messaging.StatusPending},
		{name: "sent", setup: resolve(false), msgID: "m-1", bearer: sender, want: messaging.StatusSent},
		{name: "denied is not kept", setup: resolve(true), msgID: "m-1", bearer: sender, wantErr: 404},
		{name: "denied reported", cfg: messagingtest.Config{ReportDenied: true}, setup: resolve(true), msgID: "m-1", bearer: sender, want: messaging.StatusDenied},
		{name: "failed", setup: func(s *messagingtest.Server) { s.SetStatus(channelA, "m-1", messaging.StatusFailed) }, msgID: "m-1", bearer: sender, want: messaging.StatusFailed},
		{name: "unknown message", msgID: "m-9", bearer: sender, wantErr: 404},
		{name: "only the sender may ask", msgID: "m-1", bearer: admin, wantErr: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.cfg)
			require.NoError(t, s.AddMessage(messagingtest.Message{ChannelArn: channelA, MessageID: "m-1", CallbackID: callbackID, SenderArn: sender}))
			if tt.setup != nil {
				tt.setup(s)
			}
			st, err := statusOf(ctx, s.Client(), channelA, tt.msgID, tt.bearer)
			if tt.wantErr != 0 {
				assert.Equal(t, tt.wantErr, apiError(t, err).StatusCode)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.want, st)
			}
			conforming(t, s)
		})
	}
}

func resolve(deny bool) func(s *messagingtest.Server) {
	return func(s *messagingtest.Server) {
		if _, err := s.Client().ChannelFlowCallback(context.Background(), callback(callbackID, channelA, "m-1", deny)); err != nil {
			panic(err)
		}
	}
}

// rawRequest sends a request signed as the client signs, with the Server's
// credentials unless creds is given, after mutate (if any) edits it.
func rawRequest(t *testing.T, s *messagingtest.Server, method, path, body string, mutate func(r *http.Request, creds *aws.Credentials, at *time.Time)) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	creds := s.Credentials()
	at := time.Now()
	if mutate != nil {
		mutate(req, &creds, &at)
	}
	sum := sha256.Sum256([]byte(body))
	require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "chime", messagingtest.Region, at))
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	return res
}

var (
	escapedChannel = url.PathEscape(channelA)
	flowPath       = "/channel-flows/" + strings.ReplaceAll(url.PathEscape(appInstance+"/channel-flow/x"), ":", "%3A")
	goodCallback   = `{"CallbackId":"` + callbackID + `","DeleteResource":false,"ChannelMessage":{"MessageId":"m-1","Content":"hi"}}`
)

// TestRefusesNonconforming: requests that break the model are refused and
// counted, each with a problem that says why.
func TestRefusesNonconforming(t *testing.T) {
	cbPath := "/channels/" + strings.ReplaceAll(escapedChannel, ":", "%3A") + "?operation=channel-flow-callback"
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		want   string
	}{
		{"unknown operation", "POST", "/channels/" + escapedChannel + "/messages", `{}`, 404, "no operation of the model matches"},
		{"label not one segment", "POST", "/channels/" + channelA + "?operation=channel-flow-callback", goodCallback, 404, "no operation"},
		{"missing required member", "POST", cbPath, `{"ChannelMessage":{"MessageId":"m-1"}}`, 400, "CallbackId: required"},
		{"short CallbackId", "POST", cbPath, strings.Replace(goodCallback, callbackID, "short", 1), 400, "CallbackId: length 5 outside 32-64"},
		{"unknown member", "POST", cbPath, strings.Replace(goodCallback, `{`, `{"Extra":1,`, 1), 400, "body member Extra is not a body member"},
		{"path member in the body", "POST", cbPath, strings.Replace(goodCallback, `{`, `{"ChannelArn":"x",`, 1), 400, "body member ChannelArn"},
		{"newline in metadata", "POST", cbPath, strings.Replace(goodCallback, `"Content":"hi"`, `"Content":"hi","Metadata":"{\n}"`, 1), 400, "ChannelMessage.Metadata: does not match the pattern"},
		{"newline in push title", "POST", cbPath, strings.Replace(goodCallback, `"Content":"hi"`, `"Content":"hi","PushNotification":{"Title":"a\nb","Body":"b","Type":"DEFAULT"}`, 1), 400, "Title: does not match"},
		{"bad enum", "POST", cbPath, strings.Replace(goodCallback, `"Content":"hi"`, `"Content":"hi","PushNotification":{"Title":"a","Body":"b","Type":"LOUD"}`, 1), 400, `"LOUD" is not one of`},
		{"empty content", "POST", cbPath, strings.Replace(goodCallback, `"hi"`, `""`, 1), 400, "Content: length 0 outside 1-"},
		{"attribute value too long", "POST", cbPath, strings.Replace(goodCallback, `"Content":"hi"`, `"Content":"hi","MessageAttributes":{"k":{"StringValues":["`+strings.Repeat("é", 513)+`"]}}`, 1), 400, "length 513 outside 1-512"},
		{"wrong type", "POST", cbPath, strings.Replace(goodCallback, `false`, `"no"`, 1), 400, "DeleteResource: want a boolean"},
		{"not JSON", "POST", cbPath, `{"CallbackId":`, 400, "body is not a JSON object"},
		{"two JSON values", "POST", cbPath, goodCallback + `{}`, 400, "more than one JSON value"},
		{"status without bearer", "GET", "/channels/" + escapedChannel + "/messages/m-1?scope=message-status", "", 400, "ChimeBearer: required"},
		{"unknown query", "GET", "/channels/" + escapedChannel + "/messages/m-1?scope=message-status&x=1", "", 400, "query x is not a member"},
		{"body on a bodiless operation", "DELETE", flowPath, `{"x":1}`, 400, "has no body members"},
		{"bad integer query", "GET", "/channels?scope=channel-flow-associations&channel-flow-arn=" + url.QueryEscape(appInstance) + "&max-results=many", "", 400, "query max-results is not an integer"},
		{"out of range", "GET", "/channels?scope=channel-flow-associations&channel-flow-arn=" + url.QueryEscape(appInstance) + "&max-results=51", "", 400, "MaxResults: 51 outside 1-50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, messagingtest.Config{})
			res := rawRequest(t, s, tt.method, tt.path, tt.body, func(r *http.Request, _ *aws.Credentials, _ *time.Time) {
				if strings.Contains(tt.name, "bearer") {
					return
				}
				if strings.HasPrefix(tt.path, "/channels/") && strings.Contains(tt.path, "message-status") {
					r.Header.Set("X-Amz-Chime-Bearer", sender)
				}
			})
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Equal(t, 1, s.Nonconforming())
			assert.Contains(t, strings.Join(s.Problems(), "\n"), tt.want)
			assert.Empty(t, s.Accepted(), "nothing nonconforming is acted on")
		})
	}
}

// TestRefusesBadSignatures: what the service's authentication refuses.
func TestRefusesBadSignatures(t *testing.T) {
	path := "/channels/" + escapedChannel + "?operation=channel-flow-callback"
	tests := []struct {
		name   string
		mutate func(r *http.Request, creds *aws.Credentials, at *time.Time)
		status int
		code   string
	}{
		{"wrong secret", func(_ *http.Request, c *aws.Credentials, _ *time.Time) { c.SecretAccessKey = "other" }, 403, "InvalidSignatureException"},
		{"unknown access key", func(_ *http.Request, c *aws.Credentials, _ *time.Time) { c.AccessKeyID = "AKIDOTHER" }, 403, "UnrecognizedClientException"},
		{"wrong session token", func(_ *http.Request, c *aws.Credentials, _ *time.Time) { c.SessionToken = "stolen" }, 403, "UnrecognizedClientException"},
		{"no session token", func(_ *http.Request, c *aws.Credentials, _ *time.Time) { c.SessionToken = "" }, 403, "UnrecognizedClientException"},
		{"expired", func(_ *http.Request, _ *aws.Credentials, at *time.Time) { *at = at.Add(-20 * time.Minute) }, 403, "InvalidSignatureException"},
		{"from the future", func(_ *http.Request, _ *aws.Credentials, at *time.Time) { *at = at.Add(20 * time.Minute) }, 403, "InvalidSignatureException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, messagingtest.Config{})
			res := rawRequest(t, s, "POST", path, goodCallback, tt.mutate)
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Equal(t, tt.code, res.Header.Get("X-Amzn-ErrorType"))
			assert.Equal(t, 1, s.Nonconforming())
			assert.Empty(t, s.Accepted())
		})
	}

	send := func(t *testing.T, s *messagingtest.Server, edit func(r *http.Request)) *http.Response {
		req, err := http.NewRequest("POST", s.URL+path, strings.NewReader(goodCallback))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		sum := sha256.Sum256([]byte(goodCallback))
		require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), s.Credentials(), req, hex.EncodeToString(sum[:]), "chime", messagingtest.Region, time.Now()))
		edit(req)
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res
	}
	after := []struct {
		name   string
		edit   func(r *http.Request)
		status int
		code   string
	}{
		{"no Authorization", func(r *http.Request) { r.Header.Del("Authorization") }, 403, "MissingAuthenticationTokenException"},
		{"not SigV4", func(r *http.Request) { r.Header.Set("Authorization", "Basic dXNlcjpwYXNz") }, 400, "IncompleteSignatureException"},
		{"tampered body", func(r *http.Request) {
			b := strings.Replace(goodCallback, "hi", "ho", 1)
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(b)), int64(len(b))
		}, 403, "InvalidSignatureException"},
		{"tampered path", func(r *http.Request) {
			r.URL.Path = strings.Replace(r.URL.Path, "/channel/a", "/channel/b", 1)
			r.URL.RawPath = strings.Replace(r.URL.RawPath, "%2Fchannel%2Fa", "%2Fchannel%2Fb", 1)
		}, 403, "InvalidSignatureException"},
		{"SignedHeaders edited", func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=content-length;", "SignedHeaders=", 1))
		}, 403, "InvalidSignatureException"},
	}
	for _, tt := range after {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, messagingtest.Config{})
			res := send(t, s, tt.edit)
			assert.Len(t, s.Problems(), 1, "only the signature is wrong: %q", s.Problems())
			assert.Equal(t, tt.status, res.StatusCode)
			assert.Equal(t, tt.code, res.Header.Get("X-Amzn-ErrorType"))
			assert.Equal(t, 1, s.Nonconforming())
			assert.Empty(t, s.Accepted())
		})
	}

	t.Run("the real client with the wrong secret", func(t *testing.T) {
		s := newServer(t, messagingtest.Config{})
		c := s.Client(func(o *messaging.Options) {
			o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: messagingtest.AccessKeyID, SecretAccessKey: "wrong", SessionToken: messagingtest.SessionToken}, nil
			})
		})
		_, err := c.ChannelFlowCallback(context.Background(), callback(callbackID, channelA, "m-1", false))
		e := apiError(t, err)
		assert.Equal(t, 403, e.StatusCode)
		assert.Equal(t, "InvalidSignatureException", e.Code)
		assert.Contains(t, e.Message, "does not match")
		assert.False(t, messaging.MaybeResolved(err), "a signature error never looks resolved")
		assert.Equal(t, 1, s.Nonconforming())
	})
	t.Run("clock check can be turned off", func(t *testing.T) {
		s := newServer(t, messagingtest.Config{MaxClockSkew: -1})
		res := rawRequest(t, s, "POST", path, goodCallback, func(_ *http.Request, _ *aws.Credentials, at *time.Time) { *at = at.Add(-48 * time.Hour) })
		assert.Equal(t, 200, res.StatusCode)
		conforming(t, s)
	})
}

// TestErrorBodies: errors come as the rest-json protocol sends them.
func TestErrorBodies(t *testing.T) {
	s := newServer(t, messagingtest.Config{})
	s.Inject(messaging.OpChannelFlowCallback, messagingtest.Throttle(), messagingtest.UnavailableHTML())
	get := func() (*http.Response, []byte) {
		req, _ := http.NewRequest("POST", s.URL+"/channels/"+escapedChannel+"?operation=channel-flow-callback", strings.NewReader(goodCallback))
		req.Header.Set("Content-Type", "application/json")
		sum := sha256.Sum256([]byte(goodCallback))
		require.NoError(t, v4.NewSigner().SignHTTP(context.Background(), s.Credentials(), req, hex.EncodeToString(sum[:]), "chime", messagingtest.Region, time.Now()))
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, b
	}
	res, body := get()
	assert.Equal(t, 429, res.StatusCode)
	assert.Equal(t, "ThrottledClientException", res.Header.Get("X-Amzn-ErrorType"))
	assert.NotEmpty(t, res.Header.Get("X-Amzn-RequestId"))
	var doc map[string]string
	require.NoError(t, json.Unmarshal(body, &doc))
	assert.Equal(t, map[string]string{"Code": "Throttled", "Message": "Rate exceeded"}, doc)

	res, body = get()
	assert.Equal(t, 503, res.StatusCode)
	assert.Empty(t, res.Header.Get("X-Amzn-ErrorType"))
	assert.Equal(t, "text/html", res.Header.Get("Content-Type"))
	assert.Contains(t, string(body), "<h1>503 Service Unavailable</h1>")
	conforming(t, s)
}
