package paramstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/testenv"
	_ "github.com/chimeflow/chimeflow/rules/deny"
	"github.com/chimeflow/chimeflow/rules/live"
	"github.com/chimeflow/chimeflow/rules/live/paramstore"
	_ "github.com/chimeflow/chimeflow/rules/profanity"
)

const (
	docMask = "rules:\n  - rule: profanity\n    options: {action: mask}\n"
	docDeny = "rules:\n  - rule: deny\n    name: no-spam\n    options: {keywords: [spam]}\n"
	docBad  = "rules:\n  - rule: profanty\n"
)

// client returns an SSM client of the moto server at endpoint.
func client(endpoint string) *ssm.Client {
	return ssm.New(ssm.Options{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		BaseEndpoint: aws.String(endpoint),
	})
}

func put(t *testing.T, api *ssm.Client, name, value string, typ types.ParameterType, overwrite bool) int64 {
	t.Helper()
	out, err := api.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value), Type: typ, Overwrite: aws.Bool(overwrite)})
	require.NoError(t, err)
	return out.Version
}

func TestAgainstMoto(t *testing.T) {
	endpoint := testenv.Moto(t)
	api := client(endpoint)
	ctx := context.Background()

	t.Run("Read", func(t *testing.T) {
		_, err := paramstore.Read(ctx, api, "/chimeflow/absent")
		assert.ErrorIs(t, err, paramstore.ErrNotFound)

		put(t, api, "/read/plain", docMask, types.ParameterTypeString, false)
		p, err := paramstore.Read(ctx, api, "/read/plain")
		require.NoError(t, err)
		assert.Equal(t, docMask, p.Value)
		assert.Equal(t, int64(1), p.Version)
		assert.Equal(t, "ssm:1", p.VersionName())
		assert.Equal(t, types.ParameterTypeString, p.Type)

		put(t, api, "/read/secure", docDeny, types.ParameterTypeSecureString, false)
		p, err = paramstore.Read(ctx, api, "/read/secure")
		require.NoError(t, err)
		assert.Equal(t, docDeny, p.Value, "decrypted")

		put(t, api, "/read/list", "a,b", types.ParameterTypeStringList, false)
		_, err = paramstore.Read(ctx, api, "/read/list")
		assert.ErrorContains(t, err, "is a StringList")
	})

	t.Run("Source", func(t *testing.T) {
		put(t, api, "/source/rules", docMask, types.ParameterTypeString, false)
		src := &paramstore.Source{API: api, Name: "/source/rules"}
		assert.Equal(t, "ssm:/source/rules", src.String())
		doc, err := src.Fetch(ctx)
		require.NoError(t, err)
		assert.Equal(t, live.Document{Data: []byte(docMask), Version: "ssm:1", Source: "ssm:/source/rules@1"}, doc)

		r, err := live.New(ctx, src, live.Options{Interval: time.Minute})
		require.NoError(t, err)
		assert.Equal(t, "ssm:1", r.Version())

		put(t, api, "/source/rules", docDeny, types.ParameterTypeString, true)
		changed, err := r.Reload(ctx)
		require.NoError(t, err)
		assert.True(t, changed)
		assert.Equal(t, "ssm:2", r.Version())

		put(t, api, "/source/rules", docBad, types.ParameterTypeString, true)
		changed, err = r.Reload(ctx)
		assert.ErrorIs(t, err, live.ErrRefused)
		assert.ErrorContains(t, err, `ssm:/source/rules@3:2:11: unknown rule "profanty"`)
		assert.False(t, changed)
		assert.Equal(t, "ssm:2", r.Version(), "the last good version stays")
		st := r.Stats()
		assert.Equal(t, [3]uint64{1, 1, 0}, [3]uint64{st.Reloads, st.Refusals, st.Failures})

		// The same document published again is a new version: loaded, and
		// named after it.
		put(t, api, "/source/rules", docDeny, types.ParameterTypeString, true)
		_, err = r.Reload(ctx)
		require.NoError(t, err)
		assert.Equal(t, "ssm:4", r.Version())
	})

	t.Run("NewFromEnv", func(t *testing.T) {
		put(t, api, "/env/rules", docMask, types.ParameterTypeString, false)
		env := map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret",
			"AWS_SESSION_TOKEN": "token", "AWS_ENDPOINT_URL_SSM": endpoint}
		src, err := paramstore.NewFromEnv("/env/rules", func(k string) string { return env[k] })
		require.NoError(t, err)
		doc, err := src.Fetch(ctx)
		require.NoError(t, err)
		assert.Equal(t, "ssm:1", doc.Version)

		delete(env, "AWS_ENDPOINT_URL_SSM")
		env["AWS_ENDPOINT_URL"] = endpoint
		src, err = paramstore.NewFromEnv("/env/rules", func(k string) string { return env[k] })
		require.NoError(t, err)
		_, err = src.Fetch(ctx)
		require.NoError(t, err)

		_, err = paramstore.NewFromEnv("/env/rules", func(string) string { return "" })
		assert.EqualError(t, err, "ssm parameter /env/rules: the environment lacks AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY")
	})

	t.Run("Publish", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			before  func(name string) // creates the parameter, or not
			in      paramstore.PublishInput
			want    paramstore.Published
			wantErr string
		}{
			{name: "new", in: paramstore.PublishInput{Value: docMask},
				want: paramstore.Published{Version: 1, Type: types.ParameterTypeString, Tier: types.ParameterTierStandard}},
			{name: "new secure", in: paramstore.PublishInput{Value: docMask, Secure: true},
				want: paramstore.Published{Version: 1, Type: types.ParameterTypeSecureString, Tier: types.ParameterTierStandard}},
			{name: "new secure with key", in: paramstore.PublishInput{Value: docMask, Secure: true, KeyID: "alias/rules"},
				want: paramstore.Published{Version: 1, Type: types.ParameterTypeSecureString, Tier: types.ParameterTierStandard, KeyID: "alias/rules"}},
			{name: "over", before: func(n string) { put(t, api, n, docMask, types.ParameterTypeString, false) },
				in:   paramstore.PublishInput{Value: docDeny, Expect: 1},
				want: paramstore.Published{Version: 2, Type: types.ParameterTypeString, Tier: types.ParameterTierStandard}},
			{name: "keeps the type", before: func(n string) { put(t, api, n, docMask, types.ParameterTypeSecureString, false) },
				in:   paramstore.PublishInput{Value: docDeny, Expect: 1},
				want: paramstore.Published{Version: 2, Type: types.ParameterTypeSecureString, Tier: types.ParameterTierStandard, KeyID: "alias/aws/ssm"}},
			{name: "large", in: paramstore.PublishInput{Value: docMask + "#" + strings.Repeat("x", paramstore.MaxStandard)},
				want: paramstore.Published{Version: 1, Type: types.ParameterTypeString, Tier: types.ParameterTierAdvanced}},
			{name: "too large", in: paramstore.PublishInput{Value: strings.Repeat("x", paramstore.MaxAdvanced+1)},
				wantErr: "the document is 8193 bytes, over the 8192 a parameter holds"},
			{name: "changed", before: func(n string) { put(t, api, n, docMask, types.ParameterTypeString, false) },
				in: paramstore.PublishInput{Value: docDeny}, wantErr: "the parameter changed since it was read: compared with version 0, it is now at version 1"},
			{name: "stale", before: func(n string) {
				put(t, api, n, docMask, types.ParameterTypeString, false)
				put(t, api, n, docDeny, types.ParameterTypeString, true)
			}, in: paramstore.PublishInput{Value: docDeny, Expect: 1}, wantErr: "compared with version 1, it is now at version 2"},
			{name: "gone", in: paramstore.PublishInput{Value: docDeny, Expect: 3}, wantErr: "it was at version 3 and no longer exists"},
			{name: "key on a String", before: func(n string) { put(t, api, n, docMask, types.ParameterTypeString, false) },
				in: paramstore.PublishInput{Value: docDeny, Expect: 1, KeyID: "alias/rules"}, wantErr: "a KMS key applies to a SecureString, and the parameter is a String"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				name := "/publish/" + strings.ReplaceAll(tc.name, " ", "-")
				if tc.before != nil {
					tc.before(name)
				}
				tc.in.Name = name
				got, err := paramstore.Publish(ctx, api, tc.in)
				if tc.wantErr != "" {
					assert.ErrorContains(t, err, tc.wantErr)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, tc.want, *got)
				p, err := paramstore.Read(ctx, api, name)
				require.NoError(t, err)
				assert.Equal(t, tc.in.Value, p.Value)
				assert.Equal(t, tc.want.Version, p.Version)
			})
		}
		_, err := paramstore.Publish(ctx, api, paramstore.PublishInput{Name: "/publish/changed", Value: "x", Expect: 0})
		assert.ErrorIs(t, err, paramstore.ErrChanged)
	})
}
