package messaging

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseError(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		errType   string
		requestID string
		body      string
		want      APIError
	}{
		{
			name: "header code with URL suffix", status: 409, requestID: "r-1",
			errType: "ConflictException:http://internal.amazon.com/coral/com.amazonaws.chime/",
			body:    `{"Code":"Conflict","Message":"The message is not pending."}`,
			want:    APIError{StatusCode: 409, Code: "ConflictException", Message: "The message is not pending.", RequestID: "r-1"},
		},
		{
			name: "header code with namespace", status: 429, errType: "aws.chime#ThrottledClientException",
			body: `{"message":"Rate exceeded"}`,
			want: APIError{StatusCode: 429, Code: "ThrottledClientException", Message: "Rate exceeded"},
		},
		{
			name: "header wins over body", status: 400, errType: "BadRequestException",
			body: `{"__type":"Other","Code":"BadRequest","Message":"bad"}`,
			want: APIError{StatusCode: 400, Code: "BadRequestException", Message: "bad"},
		},
		{
			name: "body __type with namespace", status: 403,
			body: `{"__type":"com.amazonaws.chime#ForbiddenException","Message":"no"}`,
			want: APIError{StatusCode: 403, Code: "ForbiddenException", Message: "no"},
		},
		{
			name: "body code lower-case", status: 500, body: `{"code":"ServiceFailureException","message":"oops"}`,
			want: APIError{StatusCode: 500, Code: "ServiceFailureException", Message: "oops"},
		},
		{
			name: "body Code as Chime sends it", status: 401, body: `{"Code":"Unauthorized","Message":"who?"}`,
			want: APIError{StatusCode: 401, Code: "Unauthorized", Message: "who?"},
		},
		{
			name: "Message preferred to message", status: 400, body: `{"Code":"BadRequest","Message":"upper","message":"lower"}`,
			want: APIError{StatusCode: 400, Code: "BadRequest", Message: "upper"},
		},
		{
			name: "not JSON", status: 502, body: `<html>Bad Gateway</html>`,
			want: APIError{StatusCode: 502, Code: "UnknownError", Message: "Bad Gateway"},
		},
		{
			name: "empty", status: 503,
			want: APIError{StatusCode: 503, Code: "UnknownError", Message: "Service Unavailable"},
		},
		{
			name: "wrong JSON types", status: 400, body: `{"Code":42,"Message":"still read"}`,
			want: APIError{StatusCode: 400, Code: "UnknownError", Message: "still read"},
		},
		{
			name: "blank header falls back to body", status: 409, errType: "  ", body: `{"Code":"Conflict"}`,
			want: APIError{StatusCode: 409, Code: "Conflict", Message: "Conflict"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.errType != "" {
				h.Set("X-Amzn-ErrorType", tt.errType)
			}
			if tt.requestID != "" {
				h.Set("X-Amzn-RequestId", tt.requestID)
			}
			tt.want.Operation = "Op"
			assert.Equal(t, &tt.want, parseError("Op", tt.status, h, []byte(tt.body)))
		})
	}
}

// TestAPIErrorFromService checks the error of a real round trip.
func TestAPIErrorFromService(t *testing.T) {
	fs := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		reply(w, 409, `{"Code":"Conflict","Message":"Message is not in a pending state"}`,
			"X-Amzn-ErrorType: ConflictException:http://internal.amazon.com/coral/com.amazonaws.chime/",
			"X-Amzn-RequestId: 5f2c-request")
	})
	_, err := newTestClient(t, fs.URL).ChannelFlowCallback(context.Background(), validCallback())
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, APIError{Operation: OpChannelFlowCallback, StatusCode: 409, Code: "ConflictException",
		Message: "Message is not in a pending state", RequestID: "5f2c-request"}, *apiErr)
	assert.Equal(t, "messaging: ChannelFlowCallback: HTTP 409 ConflictException: Message is not in a pending state (request id 5f2c-request)", err.Error())
	assert.Equal(t, "ConflictException", apiErr.ErrorCode())
	assert.True(t, MaybeResolved(err))
}

// FuzzParseError: any status, headers and body give a usable *APIError.
// Seeds: the f.Add calls below and testdata/fuzz/FuzzParseError/.
func FuzzParseError(f *testing.F) {
	f.Add(409, "ConflictException:http://internal.amazon.com/coral/com.amazonaws.chime/", "req-1", []byte(`{"Code":"Conflict","Message":"not pending"}`))
	f.Add(429, "aws.chime#ThrottledClientException", "", []byte(`{"message":"Rate exceeded"}`))
	f.Add(400, "", "r", []byte(`{"__type":"com.amazonaws.chime#BadRequestException","Message":"x"}`))
	f.Add(503, "", "", []byte(``))
	f.Add(500, "#:", "", []byte(`{"code":"a#b:c"}`))
	f.Add(0, "", "", []byte(`{"Code":{"nested":[1,2]},"Message":null}`))
	f.Fuzz(func(t *testing.T, status int, errType, requestID string, body []byte) {
		h := http.Header{}
		h.Set("X-Amzn-ErrorType", errType)
		h.Set("X-Amzn-RequestId", requestID)
		e := parseError("Op", status, h, body)
		if e.StatusCode != status || e.Operation != "Op" {
			t.Fatalf("status/op not kept: %+v", e)
		}
		if e.Code == "" || strings.ContainsAny(e.Code, ":#") || e.Code != strings.TrimSpace(e.Code) {
			t.Fatalf("bad code %q", e.Code)
		}
		if want := h.Get("X-Amzn-RequestId"); e.RequestID != want {
			t.Fatalf("request id %q, want %q", e.RequestID, want)
		}
		if c := sanitizeErrorCode(errType); c != "" && e.Code != c {
			t.Fatalf("header code %q ignored for %q", c, e.Code)
		}
		_ = e.Error()
		if MaybeResolved(e) && status != 400 && status != 403 && status != 409 {
			t.Fatalf("MaybeResolved for HTTP %d", status)
		}
		if MaybeResolved(e) && status == 403 && e.Code == "AccessDeniedException" {
			t.Fatalf("MaybeResolved for an IAM denial: %+v", e)
		}
		if e.Retryable() != (status == 429 || status >= 500) {
			t.Fatalf("Retryable %v for %d", e.Retryable(), status)
		}
	})
}

func TestMaybeResolved(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"409 whatever its text", &APIError{StatusCode: 409, Code: "ConflictException", Message: "anything"}, true},
		{"409 wrapped", fmt.Errorf("callback: %w", &APIError{StatusCode: 409}), true},
		{"400 non-pending", &APIError{StatusCode: 400, Code: "BadRequestException", Message: "Unable to complete processing of non-pending message msg-1"}, true},
		{"400 not in PENDING state", &APIError{StatusCode: 400, Message: "Message is not in PENDING state"}, true},
		{"400 about a field", &APIError{StatusCode: 400, Code: "BadRequestException", Message: "CallbackId is too short"}, false},
		{"403 generic", &APIError{StatusCode: 403, Code: "ForbiddenException", Message: "You do not have sufficient access to perform this action."}, true},
		{"403 generic, other case, no period", &APIError{StatusCode: 403, Code: "Forbidden", Message: "you do not have sufficient access to perform this action"}, true},
		{"403 without a body", &APIError{StatusCode: 403, Code: "UnknownError", Message: "Forbidden"}, true},
		{"403 empty message", &APIError{StatusCode: 403, Code: "ForbiddenException"}, true},
		{"403 about pending", &APIError{StatusCode: 403, Code: "ForbiddenException", Message: "The message is no longer pending"}, true},
		{"403 with a specific reason", &APIError{StatusCode: 403, Code: "ForbiddenException", Message: "User is not a member of the channel"}, false},
		{"403 IAM", &APIError{StatusCode: 403, Code: "AccessDeniedException", Message: "User: arn:aws:sts::111122223333:assumed-role/r/s is not authorized to perform: chime:ChannelFlowCallback"}, false},
		{"403 signature", &APIError{StatusCode: 403, Code: "InvalidSignatureException", Message: "The request signature we calculated does not match"}, false},
		{"403 token", &APIError{StatusCode: 403, Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}, false},
		{"403 expired token", &APIError{StatusCode: 403, Code: "ExpiredTokenException", Message: "The security token included in the request is expired"}, false},
		{"401", &APIError{StatusCode: 401, Code: "UnauthorizedClientException"}, false},
		{"429 about pending", &APIError{StatusCode: 429, Message: "pending"}, false},
		{"500", &APIError{StatusCode: 500, Message: "not pending"}, false},
		{"transport", errors.New("409 conflict, not pending"), false},
		{"invalid params", &InvalidParamsError{Operation: "X"}, false},
		{"nil", nil, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, MaybeResolved(tt.err), tt.name)
	}
}

// TestConfirmResolvedAnswers: every answer of the status call, and every
// way it cannot be had.
func TestConfirmResolvedAnswers(t *testing.T) {
	refusal := &APIError{StatusCode: 403, Code: "ForbiddenException", Message: "You do not have sufficient access to perform this action."}
	boom := errors.New("network down")
	answer := func(out *GetChannelMessageStatusOutput, err error) StatusAPI {
		return StatusFunc(func(_ context.Context, in *GetChannelMessageStatusInput, _ ...func(*Options)) (*GetChannelMessageStatusOutput, error) {
			if in.ChannelArn != testChannelArn || in.MessageID != testMessageID || in.ChimeBearer != testBearerArn || in.SubChannelID != "sub-1" {
				return nil, fmt.Errorf("asked about the wrong message: %+v", in)
			}
			return out, err
		})
	}
	status := func(v ChannelMessageStatus) *GetChannelMessageStatusOutput {
		return &GetChannelMessageStatusOutput{Status: &ChannelMessageStatusStructure{Value: v}}
	}
	tests := []struct {
		name    string
		api     StatusAPI
		bearer  string
		deny    bool // the refused callback is a DENY
		want    ChannelMessageStatus
		wantErr error
	}{
		{"sent", answer(status(StatusSent), nil), testBearerArn, false, StatusSent, nil},
		{"failed", answer(status(StatusFailed), nil), testBearerArn, false, StatusFailed, nil},
		{"denied", answer(status(StatusDenied), nil), testBearerArn, false, StatusDenied, nil},
		{"pending", answer(status(StatusPending), nil), testBearerArn, false, StatusPending, ErrStillPending},
		{"unknown status", answer(status("LOST"), nil), testBearerArn, false, "", ErrStatusUnavailable},
		{"no status", answer(&GetChannelMessageStatusOutput{}, nil), testBearerArn, false, "", ErrStatusUnavailable},
		{"empty value", answer(status(""), nil), testBearerArn, false, "", ErrStatusUnavailable},
		{"nil output", answer(nil, nil), testBearerArn, false, "", ErrStatusUnavailable},
		{"call failed", answer(nil, boom), testBearerArn, false, "", boom},
		{"no bearer", answer(status(StatusSent), nil), "", false, "", ErrStatusUnavailable},
		{"no api", nil, testBearerArn, false, "", ErrStatusUnavailable},
		// The service keeps no status for a denied message.
		{"deny, message gone (404)", answer(nil, &APIError{StatusCode: 404, Code: "NotFoundException"}), testBearerArn, true, StatusDenied, nil},
		{"deny, message gone (403)", answer(nil, &APIError{StatusCode: 403, Code: "ForbiddenException"}), testBearerArn, true, StatusDenied, nil},
		{"deny, message gone (400)", answer(nil, &APIError{StatusCode: 400, Code: "BadRequestException"}), testBearerArn, true, StatusDenied, nil},
		{"deny, status call denied by IAM", answer(nil, &APIError{StatusCode: 403, Code: "AccessDeniedException"}), testBearerArn, true, "", ErrStatusUnavailable},
		{"deny, status call throttled", answer(nil, &APIError{StatusCode: 429, Code: "ThrottledClientException"}), testBearerArn, true, "", ErrStatusUnavailable},
		{"deny, status call failed", answer(nil, boom), testBearerArn, true, "", boom},
		{"deny, still pending", answer(status(StatusPending), nil), testBearerArn, true, StatusPending, ErrStillPending},
		{"allow, message gone (404)", answer(nil, &APIError{StatusCode: 404, Code: "NotFoundException"}), testBearerArn, false, "", ErrStatusUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validCallback()
			in.ChannelMessage.SubChannelID = "sub-1"
			in.DeleteResource = tt.deny
			got, err := ConfirmResolved(context.Background(), tt.api, in, tt.bearer, refusal)
			assert.Equal(t, tt.want, got)
			if tt.wantErr == nil {
				assert.NoError(t, err)
				return
			}
			assert.ErrorIs(t, err, tt.wantErr)
			var apiErr *APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Same(t, refusal, apiErr, "the refusal stays the error's *APIError")
			var unresolved *UnresolvedError
			require.ErrorAs(t, err, &unresolved)
			assert.True(t, strings.HasPrefix(err.Error(), refusal.Error()), err.Error())
		})
	}
	t.Run("no message", func(t *testing.T) {
		_, err := ConfirmResolved(context.Background(), answer(status(StatusSent), nil), &ChannelFlowCallbackInput{}, testBearerArn, refusal)
		assert.ErrorIs(t, err, ErrStatusUnavailable)
	})
	t.Run("not a maybe-resolved refusal", func(t *testing.T) {
		asked := false
		api := StatusFunc(func(context.Context, *GetChannelMessageStatusInput, ...func(*Options)) (*GetChannelMessageStatusOutput, error) {
			asked = true
			return status(StatusSent), nil
		})
		for _, err := range []error{nil, boom, &APIError{StatusCode: 500}} {
			got, gotErr := ConfirmResolved(context.Background(), api, validCallback(), testBearerArn, err)
			assert.Empty(t, got)
			assert.Equal(t, err, gotErr)
		}
		assert.False(t, asked)
	})
}

func TestGetChannelMessageStatusValidate(t *testing.T) {
	valid := GetChannelMessageStatusInput{ChannelArn: testChannelArn, MessageID: testMessageID, ChimeBearer: testBearerArn}
	require.NoError(t, valid.Validate())
	for name, mutate := range map[string]func(in *GetChannelMessageStatusInput){
		"no channel":     func(in *GetChannelMessageStatusInput) { in.ChannelArn = "" },
		"bad channel":    func(in *GetChannelMessageStatusInput) { in.ChannelArn = "channel" },
		"no message":     func(in *GetChannelMessageStatusInput) { in.MessageID = "" },
		"bad message":    func(in *GetChannelMessageStatusInput) { in.MessageID = "m 1" },
		"no bearer":      func(in *GetChannelMessageStatusInput) { in.ChimeBearer = "" },
		"bad subchannel": func(in *GetChannelMessageStatusInput) { in.SubChannelID = "s/1" },
	} {
		in := valid
		mutate(&in)
		err := in.Validate()
		assert.ErrorIs(t, err, ErrInvalidParams, name)
		_, callErr := newTestClient(t, "http://127.0.0.1:1").GetChannelMessageStatus(context.Background(), &in)
		assert.ErrorIs(t, callErr, ErrInvalidParams, "%s: refused before sending", name)
	}
}
