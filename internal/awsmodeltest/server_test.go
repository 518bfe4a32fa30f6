package awsmodeltest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/aws-sdk-go-v2/service/comprehend"
	ctypes "github.com/aws/aws-sdk-go-v2/service/comprehend/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	s := NewServer(cfg)
	t.Cleanup(s.Close)
	return s
}

// clients returns the official clients of s, retrying at most once, fast.
func clients(s *Server) (*comprehend.Client, *bedrockruntime.Client) {
	cfg := s.AWSConfig()
	cfg.Retryer = func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 1 })
	}
	return comprehend.NewFromConfig(cfg), bedrockruntime.NewFromConfig(cfg)
}

func segments(texts ...string) []ctypes.TextSegment {
	out := make([]ctypes.TextSegment, len(texts))
	for i, t := range texts {
		out[i] = ctypes.TextSegment{Text: aws.String(t)}
	}
	return out
}

func guardrailInput(texts ...string) *bedrockruntime.ApplyGuardrailInput {
	in := &bedrockruntime.ApplyGuardrailInput{GuardrailIdentifier: aws.String("gr0abc123"), GuardrailVersion: aws.String("1"), Source: brtypes.GuardrailContentSourceInput}
	for _, t := range texts {
		in.Content = append(in.Content, &brtypes.GuardrailContentBlockMemberText{Value: brtypes.GuardrailTextBlock{Text: aws.String(t)}})
	}
	return in
}

// TestOfficialClientsConform calls every served operation with the
// official clients: each request conforms and each default answer decodes.
func TestOfficialClientsConform(t *testing.T) {
	s := newServer(t, Config{})
	cc, bc := clients(s)
	ctx := context.Background()

	tox, err := cc.DetectToxicContent(ctx, &comprehend.DetectToxicContentInput{LanguageCode: ctypes.LanguageCodeEn, TextSegments: segments("hello", "there")})
	require.NoError(t, err)
	require.Len(t, tox.ResultList, 2)
	assert.Len(t, tox.ResultList[0].Labels, 7)

	pii, err := cc.DetectPiiEntities(ctx, &comprehend.DetectPiiEntitiesInput{LanguageCode: ctypes.LanguageCodeEn, Text: aws.String("hello")})
	require.NoError(t, err)
	assert.Empty(t, pii.Entities)

	lang, err := cc.DetectDominantLanguage(ctx, &comprehend.DetectDominantLanguageInput{Text: aws.String("hello there")})
	require.NoError(t, err)
	assert.Equal(t, "en", aws.ToString(lang.Languages[0].LanguageCode))

	gr, err := bc.ApplyGuardrail(ctx, guardrailInput("hello"))
	require.NoError(t, err)
	assert.Equal(t, brtypes.GuardrailActionNone, gr.Action)

	// A guardrail named by its ARN travels as one escaped path label.
	in := guardrailInput("hello")
	in.GuardrailIdentifier = aws.String("arn:aws:bedrock:us-east-1:111122223333:guardrail/gr0abc123")
	_, err = bc.ApplyGuardrail(ctx, in)
	require.NoError(t, err)

	assert.Zero(t, s.Nonconforming(), "%q", s.Problems())
	calls := s.Calls()
	require.Len(t, calls, 5)
	assert.Equal(t, []string{"hello", "there"}, calls[0].Texts)
	assert.Equal(t, ServiceComprehend, calls[0].Service)
	assert.Equal(t, ServiceBedrockRuntime, calls[3].Service)
	assert.Equal(t, "arn:aws:bedrock:us-east-1:111122223333:guardrail/gr0abc123", calls[4].Params["guardrailIdentifier"])
}

// TestRefusesWhatTheServiceRefuses sends requests that break the model,
// the documented limits or the signature: each is refused and counted.
func TestRefusesWhatTheServiceRefuses(t *testing.T) {
	long := strings.Repeat("a", MaxToxicSegmentBytes+1)
	tests := []struct {
		name string
		call func(cc *comprehend.Client, bc *bedrockruntime.Client) error
		code string
	}{
		{"no segments", func(cc *comprehend.Client, _ *bedrockruntime.Client) error {
			_, err := cc.DetectToxicContent(context.Background(), &comprehend.DetectToxicContentInput{LanguageCode: ctypes.LanguageCodeEn, TextSegments: []ctypes.TextSegment{}})
			return err
		}, "InvalidRequestException"},
		{"empty segment", func(cc *comprehend.Client, _ *bedrockruntime.Client) error {
			_, err := cc.DetectToxicContent(context.Background(), &comprehend.DetectToxicContentInput{LanguageCode: ctypes.LanguageCodeEn, TextSegments: segments("")})
			return err
		}, "InvalidRequestException"},
		{"bad language", func(cc *comprehend.Client, _ *bedrockruntime.Client) error {
			_, err := cc.DetectToxicContent(context.Background(), &comprehend.DetectToxicContentInput{LanguageCode: "xx", TextSegments: segments("a")})
			return err
		}, "InvalidRequestException"},
		{"segment over 1 KB", func(cc *comprehend.Client, _ *bedrockruntime.Client) error {
			_, err := cc.DetectToxicContent(context.Background(), &comprehend.DetectToxicContentInput{LanguageCode: ctypes.LanguageCodeEn, TextSegments: segments(long)})
			return err
		}, "TextSizeLimitExceededException"},
		{"eleven segments", func(cc *comprehend.Client, _ *bedrockruntime.Client) error {
			_, err := cc.DetectToxicContent(context.Background(), &comprehend.DetectToxicContentInput{LanguageCode: ctypes.LanguageCodeEn, TextSegments: segments(strings.Split("abcdefghijk", "")...)})
			return err
		}, "TextSizeLimitExceededException"},
		{"text over 100 KB", func(cc *comprehend.Client, _ *bedrockruntime.Client) error {
			_, err := cc.DetectPiiEntities(context.Background(), &comprehend.DetectPiiEntitiesInput{LanguageCode: ctypes.LanguageCodeEn, Text: aws.String(strings.Repeat("é", MaxTextBytes/2+1))})
			return err
		}, "TextSizeLimitExceededException"},
		{"bad guardrail version", func(_ *comprehend.Client, bc *bedrockruntime.Client) error {
			in := guardrailInput("a")
			in.GuardrailVersion = aws.String("v1")
			_, err := bc.ApplyGuardrail(context.Background(), in)
			return err
		}, "ValidationException"},
		{"bad qualifier", func(_ *comprehend.Client, bc *bedrockruntime.Client) error {
			in := guardrailInput("a")
			in.Content = []brtypes.GuardrailContentBlock{&brtypes.GuardrailContentBlockMemberText{Value: brtypes.GuardrailTextBlock{Text: aws.String("a"), Qualifiers: []brtypes.GuardrailContentQualifier{"loud"}}}}
			_, err := bc.ApplyGuardrail(context.Background(), in)
			return err
		}, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, Config{})
			cc, bc := clients(s)
			err := tt.call(cc, bc)
			var ae smithy.APIError
			require.True(t, errors.As(err, &ae), "%v", err)
			assert.Equal(t, tt.code, ae.ErrorCode())
			assert.Equal(t, 1, s.Nonconforming())
		})
	}

	// A wrong secret: the signature check refuses it.
	s := newServer(t, Config{})
	cfg := s.AWSConfig()
	cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: "wrong", SessionToken: SessionToken}, nil
	})
	_, err := comprehend.NewFromConfig(cfg).DetectPiiEntities(context.Background(), &comprehend.DetectPiiEntitiesInput{LanguageCode: ctypes.LanguageCodeEn, Text: aws.String("a")})
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, "InvalidSignatureException", ae.ErrorCode())
	assert.Equal(t, 1, s.Nonconforming())

	// No signature, and a request no operation matches.
	res, err := http.Post(s.URL+"/", "application/x-amz-json-1.1", bytes.NewReader([]byte(`{}`)))
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 404, res.StatusCode)
	assert.Equal(t, 2, s.Nonconforming())
}

// TestFaults applies each fault: throttling in each protocol's form, 5xx,
// slow and missing answers.
func TestFaults(t *testing.T) {
	s := newServer(t, Config{})
	cc, bc := clients(s)
	ctx := context.Background()
	pii := func(ctx context.Context) error {
		_, err := cc.DetectPiiEntities(ctx, &comprehend.DetectPiiEntitiesInput{LanguageCode: ctypes.LanguageCodeEn, Text: aws.String("a")})
		return err
	}
	codeOf := func(err error) (string, int) {
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			return "", 0
		}
		var re interface{ HTTPStatusCode() int }
		status := 0
		if errors.As(err, &re) {
			status = re.HTTPStatusCode()
		}
		return ae.ErrorCode(), status
	}

	s.Inject(OpDetectPiiEntities, Throttle(), ServerError(), Unavailable())
	for _, want := range []struct {
		code   string
		status int
	}{{"ThrottlingException", 400}, {"InternalServerException", 500}, {"ServiceUnavailableException", 503}} {
		code, status := codeOf(pii(ctx))
		assert.Equal(t, want.code, code)
		assert.Equal(t, want.status, status)
	}
	s.Inject(OpApplyGuardrail, Throttle())
	_, err := bc.ApplyGuardrail(ctx, guardrailInput("a"))
	code, status := codeOf(err)
	assert.Equal(t, "ThrottlingException", code)
	assert.Equal(t, 429, status)

	s.Inject(OpDetectPiiEntities, Hang())
	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	err = pii(tctx)
	cancel()
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	s.Inject(OpDetectPiiEntities, Slow(30*time.Millisecond))
	start := time.Now()
	require.NoError(t, pii(ctx))
	assert.GreaterOrEqual(t, time.Since(start), 30*time.Millisecond)

	s.Inject(OpDetectPiiEntities, Reset())
	assert.Error(t, pii(ctx))
	assert.Zero(t, s.Nonconforming(), "%q", s.Problems())
}

// TestScriptedAnswersAreChecked: a Handler's answer that breaks the output
// shape is refused and reported, so a test cannot script the impossible.
func TestScriptedAnswersAreChecked(t *testing.T) {
	s := newServer(t, Config{})
	cc, _ := clients(s)
	s.Handle(OpDetectToxicContent, func(r *Request) Answer {
		return Answer{Output: map[string]any{"ResultList": []any{map[string]any{"Labels": []any{map[string]any{"Name": "RUDE", "Score": 0.9}}}}}}
	})
	_, err := cc.DetectToxicContent(context.Background(), &comprehend.DetectToxicContentInput{LanguageCode: ctypes.LanguageCodeEn, TextSegments: segments("a")})
	require.Error(t, err)
	assert.Contains(t, strings.Join(s.Problems(), "\n"), "RUDE")
	assert.Zero(t, s.Nonconforming())
}

// TestPiiOutputCountsCodePoints: the offsets of a scripted entity are
// counted in code points, an astral character counting one.
func TestPiiOutputCountsCodePoints(t *testing.T) {
	out, err := PiiOutput("😀 é call 555-0100 or 555-0100", PiiEntity{Type: "PHONE", Text: "555-0100"})
	require.NoError(t, err)
	ents := out["Entities"].([]any)
	require.Len(t, ents, 2)
	assert.Equal(t, 9, ents[0].(map[string]any)["BeginOffset"])
	assert.Equal(t, 17, ents[0].(map[string]any)["EndOffset"])
	assert.Equal(t, 21, ents[1].(map[string]any)["BeginOffset"])
	_, err = PiiOutput("nothing here", PiiEntity{Type: "PHONE", Text: "555"})
	assert.Error(t, err)
}
