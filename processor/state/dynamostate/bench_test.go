package dynamostate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/processor/state/dynamostate"
)

// BenchmarkDecide measures the client side of one Decide with three
// checks (a limit, a repeat, a mute): building, signing and sending the
// TransactWriteItems request over loopback and reading the answer, which
// a local HTTP server gives at once (an empty 200, DynamoDB's answer to a
// transaction that succeeded). It is the processor's own cost per message
// of the one round trip; DynamoDB's latency comes on top.
//
//	go test ./processor/state/dynamostate -run '^$' -bench Decide -benchmem
func BenchmarkDecide(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	s, err := dynamostate.New(newClient(srv.URL), dynamostate.Options{Table: "t", Timeout: 10 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	d := &state.Decision{CallbackID: "b0000000-0000-4000-8000-000000000001", MessageID: "m1", Time: t0,
		Record: state.Record{Action: "ALLOW", Digest: "0123456789abcdef0123456789abcdef", Rules: []string{}},
		Checks: []state.Check{
			{Kind: state.CheckMute, Key: "escalation|arn:aws:chime:us-east-1:111122223333:app-instance/a/user/u"},
			{Kind: state.CheckLimit, Key: "ratelimit|sender|arn:aws:chime:us-east-1:111122223333:app-instance/a/user/u|10s|5", Limit: 5, Window: 10 * time.Second},
			{Kind: state.CheckRecent, Key: "repeat|sender|arn:aws:chime:us-east-1:111122223333:app-instance/a/user/u|0123456789abcdef0123456789abcdef|1m0s", Window: time.Minute},
		}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		got, err := s.Decide(ctx, d)
		if err != nil || !got.Applied {
			b.Fatal(err, got)
		}
	}
}
