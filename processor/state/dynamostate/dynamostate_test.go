package dynamostate_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/processor/state/dynamostate"
	"github.com/chimeflow/chimeflow/processor/state/statetest"
)

// server is one moto server for the package's tests; each test gets a
// table of its own.
var server struct {
	once     sync.Once
	endpoint string
}

var tables atomic.Int64

// newClient returns a DynamoDB client of its own (its own connections: a
// container of its own) on the test server.
func newClient(endpoint string) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
		}),
		HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
	})
}

// newTable starts the server if needed and creates a fresh table with its
// index and TTL, as the template does.
func newTable(t *testing.T) (endpoint, table string) {
	t.Helper()
	server.once.Do(func() { server.endpoint = testenv.MotoSerial(&onceTB{t}) })
	if server.endpoint == "" {
		testenv.Missing(t, "the moto server did not start")
	}
	table = fmt.Sprintf("chimeflow-state-%d", tables.Add(1))
	c := newClient(server.endpoint)
	ctx := context.Background()
	_, err := c.CreateTable(ctx, dynamostate.TableDefinition(table))
	require.NoError(t, err)
	_, err = c.UpdateTimeToLive(ctx, dynamostate.TTLSpecification(table))
	require.NoError(t, err)
	return server.endpoint, table
}

// onceTB lets the server outlive the test that started it: its cleanup
// runs when every test is done (TestMain).
type onceTB struct{ *testing.T }

var cleanups []func()

func (onceTB) Cleanup(f func()) { cleanups = append(cleanups, f) }

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.Exit(code)
}

func testListener(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return ln
}

func newTableStore(t *testing.T) *dynamostate.Store {
	t.Helper()
	endpoint, table := newTable(t)
	return newStore(t, endpoint, table)
}

func newStore(t *testing.T, endpoint, table string) *dynamostate.Store {
	t.Helper()
	s, err := dynamostate.New(newClient(endpoint), dynamostate.Options{Table: table, Timeout: 10 * time.Second})
	require.NoError(t, err)
	return s
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func cbID(i int) string { return fmt.Sprintf("cb%030d", i) }

// TestStore runs the store contract's suite on tables of the moto server.
func TestStore(t *testing.T) {
	statetest.Run(t, func(t *testing.T) func() statetest.Store {
		endpoint, table := newTable(t)
		return func() statetest.Store { return newStore(t, endpoint, table) }
	})
}

func TestInvalidRequests(t *testing.T) {
	s, err := dynamostate.New(newClient("http://127.0.0.1:1"), dynamostate.Options{Table: "t"})
	require.NoError(t, err)
	_, err = s.Decide(context.Background(), &state.Decision{})
	assert.ErrorIs(t, err, state.ErrInvalid)
	_, err = dynamostate.New(nil, dynamostate.Options{Table: "t"})
	assert.Error(t, err)
	_, err = dynamostate.New(newClient("http://127.0.0.1:1"), dynamostate.Options{})
	assert.Error(t, err)
}

func TestTimeout(t *testing.T) {
	// A server that never answers: Decide gives up at the timeout.
	hang := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-hang })}
	ln := testListener(t)
	go srv.Serve(ln)
	t.Cleanup(func() { close(hang); srv.Close() })
	s, err := dynamostate.New(newClient("http://"+ln.Addr().String()), dynamostate.Options{Table: "t", Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	start := time.Now()
	_, err = s.Decide(context.Background(), &state.Decision{CallbackID: "x", Time: t0, Record: state.Record{Action: "ALLOW"}})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	_, err := dynamostate.FromEnv(env(nil))
	require.Error(t, err)
	for _, want := range []string{dynamostate.EnvTable, "AWS_REGION", "AWS_ACCESS_KEY_ID"} {
		assert.Contains(t, err.Error(), want)
	}
	full := map[string]string{dynamostate.EnvTable: "t", "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
	_, err = dynamostate.FromEnv(env(full))
	require.NoError(t, err)
	full[dynamostate.EnvTimeout] = "soon"
	_, err = dynamostate.FromEnv(env(full))
	assert.ErrorContains(t, err, dynamostate.EnvTimeout)
}

func TestFromEnvTalksToTheEndpoint(t *testing.T) {
	endpoint, table := newTable(t)
	s, err := dynamostate.FromEnv(func(k string) string {
		return map[string]string{dynamostate.EnvTable: table, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "a",
			"AWS_SECRET_ACCESS_KEY": "b", dynamostate.EnvEndpoint: endpoint, dynamostate.EnvTimeout: "10s"}[k]
	})
	require.NoError(t, err)
	got, err := s.Decide(context.Background(), &state.Decision{CallbackID: cbID(1), Time: t0, Record: state.Record{Action: "ALLOW"}})
	require.NoError(t, err)
	assert.True(t, got.Applied)
}
