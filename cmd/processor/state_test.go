package main_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/lambdatest"
	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor/state/dynamostate"
)

func dynamoClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
		})})
}

// stateful is a configuration with every stateful rule.
const stateful = `rules:
  - rule: escalation
    options: {violations: 3, within: 10m, mute: 1h}
  - rule: ratelimit
    options: {limit: 2, window: 1m}
  - rule: repeat
    options: {window: 1m}
  - rule: profanity
`

// TestStatefulProcessorAgainstDynamoDB runs the processor binary under the
// Runtime API stand-in with the stateful configuration and its table in a
// local DynamoDB-compatible server (moto): the limit holds across two
// processes (two containers), a duplicate delivered to the other container
// gets the recorded decision and sends no second callback.
func TestStatefulProcessorAgainstDynamoDB(t *testing.T) {
	endpoint := testenv.MotoSerial(t)
	createTable(t, endpoint, "state")
	chime := messagingtest.NewServer(messagingtest.Config{})
	t.Cleanup(chime.Close)
	env := lambdatest.Env("", chime.URL, "CHIMEFLOW_CONFIG="+stateful, dynamostate.EnvTable+"=state",
		dynamostate.EnvEndpoint+"="+endpoint, dynamostate.EnvTimeout+"=10s")
	var rts [2]*lambdatest.Runtime
	for i := range rts {
		rts[i] = lambdatest.NewRuntime()
		t.Cleanup(rts[i].Close)
		e := slices.Clone(env)
		e[0] = "AWS_LAMBDA_RUNTIME_API=" + rts[i].Addr()
		start(t, bin.processor, e)
	}
	ctx := context.Background()
	event := func(i int, content string) []byte {
		cb := fmt.Sprintf("a1b2c3d4-0000-4000-8000-%012d", i)
		return []byte(fmt.Sprintf(`{"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":%q,"ChannelMessage":{"MessageId":"m%d",
"ChannelArn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c","Content":%q,
"Sender":{"Arn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/user/u"},"Type":"STANDARD",
"CreatedTimestamp":"2026-03-01T12:00:%02dZ"}}`, cb, i, content, i))
	}
	for i, text := range []string{"first message here", "second message here", "third message here"} {
		res, err := rts[i%2].Invoke(ctx, event(i, text), 30*time.Second)
		require.NoError(t, err)
		require.Empty(t, res.Error, "invocation %d", i)
	}
	// The duplicate of message 1, to the other container.
	res, err := rts[0].Invoke(ctx, event(1, "second message here"), 30*time.Second)
	require.NoError(t, err)
	require.Empty(t, res.Error)
	var deletes []bool
	for _, c := range chime.Calls() {
		if c.Operation == "ChannelFlowCallback" {
			var body struct{ DeleteResource bool }
			require.NoError(t, json.Unmarshal(c.Body, &body))
			deletes = append(deletes, body.DeleteResource)
		}
	}
	assert.Equal(t, []bool{false, false, true}, deletes,
		"three callbacks, the third denied (over the limit of two a minute); the duplicate sent none")
	assert.Zero(t, chime.Nonconforming(), "%q", chime.Problems())
}

func createTable(t *testing.T, endpoint, table string) {
	t.Helper()
	client := dynamoClient(endpoint)
	ctx := context.Background()
	_, err := client.CreateTable(ctx, dynamostate.TableDefinition(table))
	require.NoError(t, err)
	_, err = client.UpdateTimeToLive(ctx, dynamostate.TTLSpecification(table))
	require.NoError(t, err)
}

var nostate struct {
	once sync.Once
	path string
	err  error
}

// BenchmarkColdStartState measures, side by side in one run, the time
// from process start to the first invocation/next poll of: a bare
// aws-lambda-go function; the processor built without the DynamoDB store
// (testdata/nostate); the processor (cmd/processor), with the bundled
// default configuration (no stateful rule); and the processor with a
// stateful configuration and its table named, whose DynamoDB client is
// then built at start-up. It reports the medians and the ratios to the
// processor without the store.
//
//	go test ./cmd/processor -run '^$' -bench ColdStartState -benchtime 40x
func BenchmarkColdStartState(b *testing.B) {
	nostate.once.Do(func() { nostate.path, nostate.err = lambdatest.Build(bin.dir, "./testdata/nostate", "nostate") })
	require.NoError(b, nostate.err)
	measure := func(path string, extra ...string) time.Duration { return coldStart(b, path, extra...) }
	kinds := []struct {
		name string
		path string
		env  []string
	}{
		{"bare", bin.bare, nil},
		{"nostore", nostate.path, nil},
		{"processor", bin.processor, nil},
		{"stateful", bin.processor, []string{"CHIMEFLOW_CONFIG=" + stateful, dynamostate.EnvTable + "=state", dynamostate.EnvEndpoint + "=http://127.0.0.1:1"}},
	}
	times := make([][]time.Duration, len(kinds))
	for b.Loop() {
		for i, k := range kinds {
			times[i] = append(times[i], measure(k.path, k.env...))
		}
	}
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Microseconds()) / 1000
	}
	base := median(times[1])
	for i, k := range kinds {
		m := median(times[i])
		b.ReportMetric(m, k.name+"-ms")
		if i > 1 {
			b.ReportMetric(m/base, k.name+"/nostore")
		}
	}
	b.ReportMetric(0, "ns/op")
	fi, err := os.Stat(nostate.path)
	require.NoError(b, err)
	fp, err := os.Stat(bin.processor)
	require.NoError(b, err)
	b.ReportMetric(float64(fi.Size())/(1<<20), "nostore-MiB")
	b.ReportMetric(float64(fp.Size())/(1<<20), "processor-MiB")
}
