package redrive_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/chimeflow/chimeflow/rules/live/paramstore"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/deploy/redrive"
	"github.com/chimeflow/chimeflow/deploy/redrive/redrivetest"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
)

// want is what a test expects of the record of one message.
type want struct {
	status  redrive.Status
	deleted bool
	outcome processor.Action // "" when the pipeline did not run
	ageFrom string           // checked when set
	would   string           // checked in dry runs
	err     string           // a part of Result.Error, checked when set
}

func TestAnswer(t *testing.T) {
	e := newEnv(t)
	const generic403 = "You do not have sufficient access to perform this action."
	tests := []struct {
		name    string
		records func(t *testing.T) []string
		chime   func(t *testing.T, c *messagingtest.Server)
		server  messagingtest.Config
		config  func(c *redrive.Config)
		want    map[string]want // by message id
		// unparsable records, by the start of their body
		unparsable   int
		sum          redrive.Summary
		left         int
		accepted     []string // CallbackIds the service accepted, in order
		requests     int      // callbacks received by the service
		checkAnswers func(t *testing.T, results map[string]*redrive.Result, c *messagingtest.Server)
	}{
		{
			name: "allow rewrite deny",
			records: func(t *testing.T) []string {
				return []string{
					ev{n: 1, content: "see you at noon"}.record(t, redrivetest.RecordOptions{}),
					ev{n: 2, content: "write to bob@example.com"}.record(t, redrivetest.RecordOptions{}),
					ev{n: 3, content: "free money inside"}.record(t, redrivetest.RecordOptions{Condition: redrive.ConditionEventAgeExceeded, InvokeCount: -1}),
				}
			},
			want: map[string]want{
				"msg-0001": {status: redrive.Answered, deleted: true, outcome: processor.ActionAllow, ageFrom: "CreatedTimestamp"},
				"msg-0002": {status: redrive.Answered, deleted: true, outcome: processor.ActionRewrite},
				"msg-0003": {status: redrive.Answered, deleted: true, outcome: processor.ActionDeny},
			},
			sum:      redrive.Summary{Read: 3, Answered: 3, Deleted: 3},
			accepted: []string{callbackID(1), callbackID(2), callbackID(3)},
			requests: 3,
			checkAnswers: func(t *testing.T, results map[string]*redrive.Result, c *messagingtest.Server) {
				got := c.Accepted()
				require.Len(t, got, 3)
				assert.Equal(t, "see you at noon", got[0].ChannelMessage.Content)
				assert.False(t, got[0].DeleteResource)
				assert.NotContains(t, got[1].ChannelMessage.Content, "bob@example.com")
				assert.NotEmpty(t, got[1].ChannelMessage.Content)
				assert.Equal(t, []string{"redact"}, results["msg-0002"].Rules)
				assert.True(t, got[2].DeleteResource)
				assert.Equal(t, "spam keywords", results["msg-0003"].Reason)
				assert.Equal(t, redrive.ConditionEventAgeExceeded, results["msg-0003"].Condition)
				assert.Equal(t, 0, results["msg-0003"].InvokeCount)
				r := results["msg-0001"]
				assert.Equal(t, "RetriesExhausted", r.Condition)
				assert.Equal(t, 3, r.InvokeCount)
				assert.Equal(t, "errorString", r.ErrorType)
				assert.Contains(t, r.ErrorMessage, "HTTP 503 ServiceUnavailableException")
				assert.Equal(t, redrivetest.FunctionArn, r.FunctionArn)
				assert.Equal(t, 1, r.ReceiveCount)
				assert.InDelta(t, time.Minute.Seconds(), r.AgeSecs, 30)
			},
		},
		{
			name: "duplicates",
			records: func(t *testing.T) []string {
				// The same event dead-lettered twice (a duplicate delivery
				// that failed in two containers), and one that the service
				// has already resolved.
				return []string{
					ev{n: 1}.record(t, redrivetest.RecordOptions{RequestID: "first"}),
					ev{n: 1}.record(t, redrivetest.RecordOptions{RequestID: "second"}),
					ev{n: 2}.record(t, redrivetest.RecordOptions{}),
				}
			},
			chime: func(t *testing.T, c *messagingtest.Server) { resolve(t, c, 2) },
			want: map[string]want{
				"msg-0001":   {status: redrive.Answered, deleted: true, outcome: processor.ActionAllow},
				"msg-0001#2": {status: redrive.Duplicate, deleted: true, outcome: processor.ActionAllow},
				"msg-0002":   {status: redrive.Duplicate, deleted: true, outcome: processor.ActionAllow},
			},
			sum:      redrive.Summary{Read: 3, Answered: 1, Duplicate: 2, Deleted: 3},
			accepted: []string{callbackID(1)},
			requests: 3,
		},
		{
			name: "expired kept",
			records: func(t *testing.T) []string {
				return []string{
					ev{n: 1, age: 49 * time.Hour}.record(t, redrivetest.RecordOptions{}),
					ev{n: 2, age: 48*time.Hour - 2*time.Minute}.record(t, redrivetest.RecordOptions{}), // inside the 5-minute margin
					ev{n: 3, age: 47 * time.Hour}.record(t, redrivetest.RecordOptions{}),
				}
			},
			want: map[string]want{
				"msg-0001": {status: redrive.Expired},
				"msg-0002": {status: redrive.Expired},
				"msg-0003": {status: redrive.Answered, deleted: true, outcome: processor.ActionAllow},
			},
			sum:      redrive.Summary{Read: 3, Answered: 1, Expired: 2, Deleted: 1, Released: 2},
			left:     2,
			accepted: []string{callbackID(3)},
			requests: 1,
		},
		{
			name: "expired deleted",
			records: func(t *testing.T) []string {
				return []string{ev{n: 1, age: 50 * time.Hour}.record(t, redrivetest.RecordOptions{})}
			},
			config:   func(c *redrive.Config) { c.DeleteExpired = true },
			want:     map[string]want{"msg-0001": {status: redrive.Expired, deleted: true}},
			sum:      redrive.Summary{Read: 1, Expired: 1, Deleted: 1},
			requests: 0,
		},
		{
			name: "age of an edit and of events without a time",
			records: func(t *testing.T) []string {
				return []string{
					ev{n: 1, age: 72 * time.Hour, edited: time.Hour}.record(t, redrivetest.RecordOptions{}),
					ev{n: 2, age: time.Hour, edited: 49 * time.Hour}.record(t, redrivetest.RecordOptions{}),
					ev{n: 3, noTime: true}.record(t, redrivetest.RecordOptions{Time: time.Now().Add(-time.Hour)}),
					ev{n: 4, noTime: true}.record(t, redrivetest.RecordOptions{Time: time.Now().Add(-43 * time.Hour)}), // +6h: 49h
					ev{n: 5, noTime: true}.record(t, redrivetest.RecordOptions{NoTime: true}),
				}
			},
			want: map[string]want{
				"msg-0001": {status: redrive.Answered, deleted: true, outcome: processor.ActionAllow, ageFrom: "LastEditedTimestamp"},
				"msg-0002": {status: redrive.Expired, ageFrom: "LastEditedTimestamp"},
				"msg-0003": {status: redrive.Answered, deleted: true, outcome: processor.ActionAllow, ageFrom: "record timestamp + 6h"},
				"msg-0004": {status: redrive.Expired, ageFrom: "record timestamp + 6h"},
				"msg-0005": {status: redrive.Answered, deleted: true, outcome: processor.ActionAllow, ageFrom: "SentTimestamp + 6h"},
			},
			sum:      redrive.Summary{Read: 5, Answered: 3, Expired: 2, Deleted: 3, Released: 2},
			left:     2,
			accepted: []string{callbackID(1), callbackID(3), callbackID(5)},
			requests: 3,
		},
		{
			name: "unparsable kept",
			records: func(t *testing.T) []string {
				wrongType := strings.Replace(string(ev{n: 9}.payload(t)), `"CallbackId":"`+callbackID(9)+`"`, `"CallbackId":9`, 1)
				return []string{
					"not json",
					string(readFile(t, "records/bad-no-payload.json")),
					string(readFile(t, "records/bad-string-payload.json")),
					string(readFile(t, "records/bad-array.json")),
					redrivetest.Record(t, []byte(wrongType), redrivetest.RecordOptions{}),
					ev{n: 1}.record(t, redrivetest.RecordOptions{}),
				}
			},
			want:       map[string]want{"msg-0001": {status: redrive.Answered, deleted: true, outcome: processor.ActionAllow}},
			unparsable: 5,
			sum:        redrive.Summary{Read: 6, Answered: 1, Unparsable: 5, Deleted: 1, Released: 5},
			left:       5,
			accepted:   []string{callbackID(1)},
			requests:   1,
		},
		{
			name: "failed callbacks and invalid events kept",
			records: func(t *testing.T) []string {
				bad := strings.Replace(string(ev{n: 5}.payload(t)), callbackID(5), "too-short", 1)
				return []string{
					ev{n: 1}.record(t, redrivetest.RecordOptions{}),
					ev{n: 2}.record(t, redrivetest.RecordOptions{}),
					ev{n: 3}.record(t, redrivetest.RecordOptions{}),
					ev{n: 4}.record(t, redrivetest.RecordOptions{}),
					redrivetest.Record(t, []byte(bad), redrivetest.RecordOptions{}),
				}
			},
			chime: func(_ *testing.T, c *messagingtest.Server) {
				c.InjectCallback(callbackID(1), messagingtest.Fault{Status: 400, Message: "ChannelMessage.Content is invalid"})
				c.InjectCallback(callbackID(2), messagingtest.Fault{Status: 403, Code: "ForbiddenException", Message: generic403})
				c.InjectCallback(callbackID(3), messagingtest.Fault{Status: 500, Message: "internal"})
			},
			want: map[string]want{
				"msg-0001": {status: redrive.Failed, outcome: processor.ActionError, err: "HTTP 400 BadRequestException"},
				"msg-0002": {status: redrive.Failed, outcome: processor.ActionError, err: "HTTP 403 ForbiddenException"},
				"msg-0003": {status: redrive.Failed, outcome: processor.ActionError, err: "HTTP 500 ServiceFailureException"},
				"msg-0004": {status: redrive.Answered, deleted: true, outcome: processor.ActionAllow},
				"msg-0005": {status: redrive.Failed, outcome: processor.ActionError, err: "CallbackId"},
			},
			sum:      redrive.Summary{Read: 5, Answered: 1, Failed: 4, Deleted: 1, Released: 4},
			left:     4,
			accepted: []string{callbackID(4)},
			requests: 4,
		},
		{
			name: "dry run sends and deletes nothing",
			records: func(t *testing.T) []string {
				return []string{
					ev{n: 1}.record(t, redrivetest.RecordOptions{}),
					ev{n: 2, content: "free money"}.record(t, redrivetest.RecordOptions{}),
					ev{n: 3, age: 49 * time.Hour}.record(t, redrivetest.RecordOptions{}),
					ev{n: 4, age: 49 * time.Hour}.record(t, redrivetest.RecordOptions{}),
					"garbage",
				}
			},
			config: func(c *redrive.Config) { c.DryRun, c.Callback = true, nil },
			want: map[string]want{
				"msg-0001": {status: redrive.Kept, outcome: processor.ActionAllow, would: "answer"},
				"msg-0002": {status: redrive.Kept, outcome: processor.ActionDeny, would: "answer"},
				"msg-0003": {status: redrive.Expired, would: "keep"},
				"msg-0004": {status: redrive.Expired, would: "keep"},
			},
			unparsable: 1,
			sum:        redrive.Summary{Read: 5, Kept: 2, Expired: 2, Unparsable: 1, Released: 5},
			left:       5,
			requests:   0,
		},
		{
			name: "dry run with delete-expired",
			records: func(t *testing.T) []string {
				return []string{ev{n: 1, age: 49 * time.Hour}.record(t, redrivetest.RecordOptions{})}
			},
			config:   func(c *redrive.Config) { c.DryRun, c.DeleteExpired = true, true },
			want:     map[string]want{"msg-0001": {status: redrive.Expired, would: "delete"}},
			sum:      redrive.Summary{Read: 1, Expired: 1, Released: 1},
			left:     1,
			requests: 0,
		},
		{
			name: "max",
			records: func(t *testing.T) []string {
				var out []string
				for n := 1; n <= 5; n++ {
					out = append(out, ev{n: n}.record(t, redrivetest.RecordOptions{}))
				}
				return out
			},
			config:   func(c *redrive.Config) { c.Max = 2 },
			sum:      redrive.Summary{Read: 2, Answered: 2, Deleted: 2},
			left:     3,
			accepted: []string{callbackID(1), callbackID(2)},
			requests: 2,
		},
		{
			name: "channel of another region",
			records: func(t *testing.T) []string {
				return []string{ev{n: 1, channel: "arn:aws:chime:eu-west-1:111122223333:app-instance/a/channel/c"}.record(t, redrivetest.RecordOptions{})}
			},
			want:     map[string]want{"msg-0001": {status: redrive.Answered, deleted: true, outcome: processor.ActionAllow}},
			sum:      redrive.Summary{Read: 1, Answered: 1, Deleted: 1},
			accepted: []string{callbackID(1)},
			requests: 1,
			// The stand-in checks each signature for eu-west-1: a callback
			// signed for the client's us-east-1 would be nonconforming.
			server: messagingtest.Config{Region: "eu-west-1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.chime = redrivetest.NewChime(t, tt.server)
			if tt.chime != nil {
				tt.chime(t, e.chime)
			}
			queue := e.queue(t, tt.records(t)...)
			cfg := redrive.Config{
				QueueURL: queue, SQS: e.sqs, Boot: []boot.Option{withRules(rulesDoc)},
				Callback: newCallback(e.chime),
			}
			if tt.config != nil {
				tt.config(&cfg)
			}
			results, sum, err := run(t, cfg)
			require.NoError(t, err)
			assert.Equal(t, tt.sum, sum)
			assert.Equal(t, tt.sum.OK(), tt.sum.Failed == 0 && tt.sum.Unparsable == 0)

			got := byMessage(results)
			unparsable := 0
			for k, r := range got {
				if strings.HasPrefix(k, "sqs:") {
					assert.Equal(t, redrive.Unparsable, r.Status, k)
					assert.False(t, r.Deleted)
					assert.Contains(t, r.Error, redrive.ErrUnparsable.Error())
					unparsable++
					continue
				}
				if tt.want == nil {
					continue
				}
				w, ok := tt.want[k]
				if !assert.True(t, ok, "unexpected result for %s: %+v", k, r) {
					continue
				}
				assert.Equal(t, w.status, r.Status, k)
				assert.Equal(t, w.deleted, r.Deleted, k)
				if w.outcome == "" {
					assert.Nil(t, r.Outcome, k)
				} else if assert.NotNil(t, r.Outcome, k) {
					assert.Equal(t, w.outcome, r.Action, k)
				}
				if w.ageFrom != "" {
					assert.Equal(t, w.ageFrom, r.AgeFrom, k)
				}
				assert.Equal(t, w.would, r.Would, k)
				if w.err != "" {
					assert.Contains(t, r.Error, w.err, k)
				} else {
					assert.Empty(t, r.Error, k)
				}
			}
			if tt.want != nil {
				assert.Len(t, got, len(tt.want)+tt.unparsable)
			}
			assert.Equal(t, tt.unparsable, unparsable)

			assert.Len(t, e.left(t, queue), tt.left, "records left in the queue, visible again")
			var accepted []string
			for _, a := range e.chime.Accepted() {
				accepted = append(accepted, a.CallbackID)
			}
			assert.Equal(t, tt.accepted, accepted)
			assert.Equal(t, tt.requests, redrivetest.Callbacks(e.chime))
			if tt.checkAnswers != nil {
				tt.checkAnswers(t, got, e.chime)
			}
		})
	}
}

// TestAnswerManyRecords reads past the ten records of one receive, with
// progress, and shows nothing sent twice.
func TestAnswerManyRecords(t *testing.T) {
	e := newEnv(t)
	const n = 23
	var bodies []string
	for i := 1; i <= n; i++ {
		bodies = append(bodies, ev{n: i}.record(t, redrivetest.RecordOptions{}))
	}
	queue := e.queue(t, bodies...)
	var progress []int
	results, sum, err := run(t, redrive.Config{
		QueueURL: queue, SQS: e.sqs, Boot: []boot.Option{withRules(rulesDoc)}, Callback: newCallback(e.chime),
		ProgressEvery: 10, ProgressInterval: time.Hour,
		Progress: func(s redrive.Summary) { progress = append(progress, s.Read) },
	})
	require.NoError(t, err)
	assert.Equal(t, redrive.Summary{Read: n, Answered: n, Deleted: n}, sum)
	assert.Len(t, results, n)
	assert.Equal(t, []int{10, 20}, progress)
	assert.Len(t, e.chime.Accepted(), n)
	assert.Equal(t, n, redrivetest.Callbacks(e.chime))
	assert.Empty(t, e.left(t, queue))
}

// TestKeptRecordReturnsDuringRun: in a run longer than the visibility
// timeout, a kept record comes back; it is not handled twice, and is
// released at the end.
func TestKeptRecordReturnsDuringRun(t *testing.T) {
	e := newEnv(t)
	var bodies []string
	for i := 1; i <= 12; i++ {
		bodies = append(bodies, ev{n: i}.record(t, redrivetest.RecordOptions{}))
	}
	queue := e.queue(t, bodies...)
	e.chime.InjectCallback(callbackID(1), messagingtest.Fault{Status: 400, Message: "bad"})
	e.chime.InjectCallback(callbackID(11), messagingtest.Fault{Delay: 2500 * time.Millisecond})
	results, sum, err := run(t, redrive.Config{
		QueueURL: queue, SQS: e.sqs, Boot: []boot.Option{withRules(rulesDoc)}, Callback: newCallback(e.chime),
		Visibility: time.Second,
	})
	require.NoError(t, err)
	assert.Equal(t, redrive.Summary{Read: 12, Answered: 11, Failed: 1, Deleted: 11, Released: 1}, sum)
	seen := map[string]int{}
	for _, r := range results {
		seen[r.MessageID]++
	}
	assert.Equal(t, 1, seen["msg-0001"], "handled once")
	assert.Equal(t, 12, redrivetest.Callbacks(e.chime), "one callback per record")
	// It was received by the run, again by the run after its visibility
	// timeout, and now by the test.
	out, err := e.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{
		QueueUrl: aws.String(queue), MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
	})
	require.NoError(t, err)
	require.Len(t, out.Messages, 1, "released, visible again")
	count, _ := strconv.Atoi(out.Messages[0].Attributes["ApproximateReceiveCount"])
	assert.GreaterOrEqual(t, count, 3)
}

func TestInvoke(t *testing.T) {
	e := newEnv(t)
	l := newLambda(t, e)
	tests := []struct {
		name     string
		function string
		dryRun   bool
		records  func(t *testing.T) []string
		want     map[string]want
		sum      redrive.Summary
		left     int
		invoked  int // requests that reached Lambda
	}{
		{
			name:     "invoked and deleted",
			function: l.function,
			records: func(t *testing.T) []string {
				return []string{ev{n: 1}.record(t, redrivetest.RecordOptions{}), ev{n: 2, content: "free money"}.record(t, redrivetest.RecordOptions{})}
			},
			want: map[string]want{
				"msg-0001": {status: redrive.Invoked, deleted: true},
				"msg-0002": {status: redrive.Invoked, deleted: true},
			},
			sum:     redrive.Summary{Read: 2, Invoked: 2, Deleted: 2},
			invoked: 2,
		},
		{
			name:     "no such function",
			function: "no-such-function",
			records: func(t *testing.T) []string {
				return []string{ev{n: 1}.record(t, redrivetest.RecordOptions{})}
			},
			want:    map[string]want{"msg-0001": {status: redrive.Failed, err: "ResourceNotFoundException"}},
			sum:     redrive.Summary{Read: 1, Failed: 1, Released: 1},
			left:    1,
			invoked: 1,
		},
		{
			name:     "expired and unparsable not invoked",
			function: l.function,
			records: func(t *testing.T) []string {
				return []string{ev{n: 1, age: 49 * time.Hour}.record(t, redrivetest.RecordOptions{}), "{}"}
			},
			want:    map[string]want{"msg-0001": {status: redrive.Expired}},
			sum:     redrive.Summary{Read: 2, Expired: 1, Unparsable: 1, Released: 2},
			left:    2,
			invoked: 0,
		},
		{
			name:     "dry run",
			function: l.function,
			dryRun:   true,
			records: func(t *testing.T) []string {
				return []string{ev{n: 1}.record(t, redrivetest.RecordOptions{})}
			},
			want:    map[string]want{"msg-0001": {status: redrive.Kept, would: "invoke"}},
			sum:     redrive.Summary{Read: 1, Kept: 1, Released: 1},
			left:    1,
			invoked: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(l.requests())
			records := tt.records(t)
			queue := e.queue(t, records...)
			results, sum, err := run(t, redrive.Config{QueueURL: queue, SQS: e.sqs, Function: tt.function, Lambda: l.client, DryRun: tt.dryRun})
			require.NoError(t, err)
			assert.Equal(t, tt.sum, sum)
			for k, r := range byMessage(results) {
				if strings.HasPrefix(k, "sqs:") {
					assert.Equal(t, redrive.Unparsable, r.Status)
					continue
				}
				w := tt.want[k]
				assert.Equal(t, w.status, r.Status, k)
				assert.Equal(t, w.deleted, r.Deleted, k)
				assert.Equal(t, w.would, r.Would, k)
				assert.Nil(t, r.Outcome, "no local pipeline in invoke mode")
				if w.err != "" {
					assert.Contains(t, r.Error, w.err)
				}
			}
			assert.Len(t, e.left(t, queue), tt.left)
			reqs := l.requests()[before:]
			require.Len(t, reqs, tt.invoked)
			for i, req := range reqs {
				assert.Equal(t, "Event", req.InvocationType)
				assert.Equal(t, "/2015-03-31/functions/"+tt.function+"/invocations", req.Path)
				var rec redrive.Record
				require.NoError(t, json.Unmarshal([]byte(records[i]), &rec))
				assert.True(t, bytes.Equal(rec.RequestPayload, req.Body), "the original event, byte for byte:\n%s\n%s", rec.RequestPayload, req.Body)
				if tt.function == l.function {
					assert.Equal(t, 202, req.Status)
				} else {
					assert.Equal(t, 404, req.Status)
				}
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	e := newEnv(t)
	t.Run("no such queue", func(t *testing.T) {
		_, sum, err := run(t, redrive.Config{QueueURL: e.moto + "/123456789012/no-such-queue", SQS: e.sqs, Boot: []boot.Option{withRules(rulesDoc)}, Callback: newCallback(e.chime)})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "receive from "+e.moto+"/123456789012/no-such-queue")
		assert.Equal(t, redrive.Summary{}, sum)
	})
	t.Run("cancelled", func(t *testing.T) {
		queue := e.queue(t, ev{n: 1}.record(t, redrivetest.RecordOptions{}))
		r, err := redrive.New(redrive.Config{QueueURL: queue, SQS: e.sqs, Boot: []boot.Option{withRules(rulesDoc)}, Callback: newCallback(e.chime)})
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		sum, err := r.Run(ctx, nil)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, redrive.Summary{}, sum)
		assert.Len(t, e.left(t, queue), 1)
	})
}

func TestNew(t *testing.T) {
	client := sqs.New(sqs.Options{Region: region})
	cb := messaging.New(messaging.Options{Region: region, Credentials: creds, BaseEndpoint: "http://127.0.0.1:1"})
	tests := []struct {
		name string
		cfg  redrive.Config
		err  []string
	}{
		{"empty", redrive.Config{}, []string{"no queue URL", "no SQS client", "answer mode needs a callback client"}},
		{"invoke without a client", redrive.Config{QueueURL: "q", SQS: client, Function: "f"}, []string{"invoke mode needs a Lambda client"}},
		{"invoke with rules", redrive.Config{QueueURL: "q", SQS: client, Function: "f", DryRun: true, Boot: []boot.Option{withRules(rulesDoc)}}, []string{"rules options do not apply"}},
		{"limits", redrive.Config{QueueURL: "q", SQS: client, Callback: cb, Max: -1, Wait: 21 * time.Second, Visibility: 13 * time.Hour},
			[]string{"Max is negative", "Wait is longer than the 20 seconds", "Visibility is outside"}},
		{"bad rules", redrive.Config{QueueURL: "q", SQS: client, Callback: cb, Boot: []boot.Option{withRules("rules: [{rule: nope}]")}}, []string{`unknown rule "nope"`}},
		{"answer", redrive.Config{QueueURL: "q", SQS: client, Callback: cb, Boot: []boot.Option{withRules(rulesDoc)}}, nil},
		{"dry run needs no callback", redrive.Config{QueueURL: "q", SQS: client, DryRun: true, Boot: []boot.Option{withRules(rulesDoc)}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := redrive.New(tt.cfg)
			if tt.err == nil {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, w := range tt.err {
				assert.Contains(t, err.Error(), w)
			}
			if !strings.Contains(tt.name, "rules") || tt.name == "invoke with rules" {
				assert.True(t, errors.Is(err, redrive.ErrConfig), "%v", err)
			}
		})
	}
}

func TestFunctionRules(t *testing.T) {
	e := newEnv(t)
	l := newLambda(t, e)
	params := ssm.New(ssm.Options{Region: region, Credentials: creds, BaseEndpoint: aws.String(e.moto)})
	_, err := params.PutParameter(context.Background(), &ssm.PutParameterInput{Name: aws.String("/chimeflow/rules"), Value: aws.String(rulesDoc), Type: ssmtypes.ParameterTypeString})
	require.NoError(t, err)
	redrivetest.CreateFunction(t, l.client, e.moto, "with-rules", map[string]string{
		boot.EnvConfig: rulesDoc, boot.EnvErrorPolicy: "allow", boot.EnvLogLevel: "debug", "OTHER": "x",
	})
	redrivetest.CreateFunction(t, l.client, e.moto, "with-file", map[string]string{boot.EnvConfigFile: "/var/task/rules.yaml"})
	redrivetest.CreateFunction(t, l.client, e.moto, "with-parameter", map[string]string{boot.EnvConfigFile: "rules.yaml", boot.EnvConfigParameter: "/chimeflow/rules", boot.EnvErrorPolicy: "allow"})
	redrivetest.CreateFunction(t, l.client, e.moto, "with-missing-parameter", map[string]string{boot.EnvConfigFile: "rules.yaml", boot.EnvConfigParameter: "/chimeflow/none"})
	tests := []struct {
		function string
		want     map[string]string
		err      error
		text     string
	}{
		{function: l.function, want: map[string]string{}},
		{function: "with-rules", want: map[string]string{boot.EnvConfig: rulesDoc, boot.EnvErrorPolicy: "allow"}},
		{function: "with-file", text: "with-file reads its rules from CHIMEFLOW_CONFIG_FILE=/var/task/rules.yaml, a file of its package: pass that file with -config"},
		// The parameter's current document is what the running processor
		// reloads to: the answer applies it.
		{function: "with-parameter", want: map[string]string{boot.EnvConfig: rulesDoc, boot.EnvErrorPolicy: "allow"}},
		{function: "with-missing-parameter", err: paramstore.ErrNotFound, text: "with-missing-parameter reads its rules from the SSM parameter /chimeflow/none"},
		{function: "no-such-function", text: "read the configuration of no-such-function: "},
	}
	for _, tt := range tests {
		t.Run(tt.function, func(t *testing.T) {
			got, err := redrive.FunctionRules(context.Background(), l.client, params, tt.function)
			if tt.text != "" {
				assert.ErrorContains(t, err, tt.text)
				if tt.err != nil {
					assert.ErrorIs(t, err, tt.err)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestInterrupted: a run stopped while it answers finishes that record
// (answered and deleted), stops, and leaves the rest visible.
func TestInterrupted(t *testing.T) {
	e := newEnv(t)
	queue := e.queue(t, ev{n: 1}.record(t, redrivetest.RecordOptions{}), ev{n: 2}.record(t, redrivetest.RecordOptions{}), ev{n: 3}.record(t, redrivetest.RecordOptions{}))
	e.chime.InjectCallback(callbackID(1), messagingtest.Fault{Delay: time.Second})
	r, err := redrive.New(redrive.Config{QueueURL: queue, SQS: e.sqs, Boot: []boot.Option{withRules(rulesDoc)}, Callback: newCallback(e.chime)})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	var results []*redrive.Result
	sum, err := r.Run(ctx, func(res *redrive.Result) { results = append(results, res) })
	assert.ErrorIs(t, err, context.Canceled)
	require.Len(t, results, 1)
	assert.Equal(t, redrive.Answered, results[0].Status)
	assert.True(t, results[0].Deleted)
	assert.Equal(t, redrive.Summary{Read: 1, Answered: 1, Deleted: 1, Released: 2}, sum)
	assert.Len(t, e.left(t, queue), 2, "the others, visible again")
	assert.Equal(t, 1, redrivetest.Callbacks(e.chime))
}
