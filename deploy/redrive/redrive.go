package redrive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
)

// Defaults of Config.
const (
	// AnswerWindow is how long Chime SDK Messaging accepts a callback for a
	// pending message: 48 hours, after which it refuses it.
	AnswerWindow = 48 * time.Hour
	// DefaultMargin is kept free before the end of the window: a record
	// within it counts as expired, so that no answer starts just before the
	// service stops accepting it.
	DefaultMargin = 5 * time.Minute
	// MaxEventAge is the longest MaximumEventAgeInSeconds Lambda allows
	// (6 hours): how long before its record an event may have been sent.
	// When an event carries no timestamp Redrive can read, its age is
	// taken from the record's time plus MaxEventAge, erring towards
	// expired.
	MaxEventAge = 6 * time.Hour
	// DefaultVisibility is how long a received record stays hidden from
	// other readers of the queue while Redrive works on it.
	DefaultVisibility = 5 * time.Minute
	// DefaultWait is the long-poll time of each receive; an empty receive
	// ends the run.
	DefaultWait = time.Second
	// DefaultProgressEvery and DefaultProgressInterval pace Config.Progress.
	DefaultProgressEvery    = 100
	DefaultProgressInterval = 5 * time.Second
	// DefaultRecordTimeout bounds the work on one record: the answer with
	// its retries, or the invocation, and the delete.
	DefaultRecordTimeout = time.Minute
)

// SQSAPI is the part of *sqs.Client Redrive uses.
type SQSAPI interface {
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, optFns ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, optFns ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibilityBatch(ctx context.Context, in *sqs.ChangeMessageVisibilityBatchInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityBatchOutput, error)
}

// LambdaAPI is the part of *lambda.Client Redrive uses.
type LambdaAPI interface {
	Invoke(ctx context.Context, in *lambda.InvokeInput, optFns ...func(*lambda.Options)) (*lambda.InvokeOutput, error)
}

// Config configures a Redriver. QueueURL and SQS are required, and either
// Callback (answer mode) or Function and Lambda (invoke mode); a dry run
// needs neither Callback nor Lambda.
type Config struct {
	// QueueURL is the on-failure destination queue.
	QueueURL string
	// SQS reads and deletes the records.
	SQS SQSAPI

	// Callback receives the answers in answer mode (Function empty): the
	// real Chime SDK Messaging client. Each call is signed for the Region
	// of the message's channel ARN. Not called in a dry run.
	Callback messaging.CallbackAPI
	// Boot builds the processor.Handler that answers each event (its
	// rules: boot.WithGetenv, boot.WithDefaultConfig, boot.WithRouter).
	// New adds boot.WithCallback and boot.WithLogOutput.
	Boot []boot.Option
	// Log receives the handler's log lines; nil discards them.
	Log io.Writer

	// Function, when set, selects invoke mode: each event is sent again to
	// this Lambda function (name, ARN or name:qualifier), asynchronously,
	// through Lambda.
	Function string
	Lambda   LambdaAPI

	// DryRun reads and reports, and neither sends, invokes nor deletes; in
	// answer mode the pipeline still runs, to show its decision.
	DryRun bool
	// DeleteExpired deletes records past the answer window instead of
	// keeping them.
	DeleteExpired bool
	// Max bounds the records read; 0 means until the queue has none left.
	Max int

	// Window is how long the service accepts an answer (AnswerWindow when
	// 0) and Margin the time kept free before its end (DefaultMargin when
	// 0, none when negative).
	Window, Margin time.Duration
	// Visibility (DefaultVisibility when 0) hides each record received
	// while the run lasts; records kept are made visible again at its end.
	Visibility time.Duration
	// Wait is the long poll of each receive, 0 to 20 seconds (DefaultWait
	// when 0, none when negative).
	Wait time.Duration

	// Progress, when set, gets the running totals every ProgressEvery
	// records (DefaultProgressEvery when 0) or ProgressInterval
	// (DefaultProgressInterval when 0), whichever comes first.
	Progress         func(Summary)
	ProgressEvery    int
	ProgressInterval time.Duration

	// RecordTimeout bounds the work on one record (DefaultRecordTimeout
	// when 0). The record in hand is finished when the run's context ends.
	RecordTimeout time.Duration

	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Status is what became of one record.
type Status string

// Statuses. Answered, Duplicate and Invoked records are deleted from the
// queue (not in a dry run); the others stay, Expired ones unless
// Config.DeleteExpired.
const (
	// Answered: the pipeline answered the event and the service accepted it.
	Answered Status = "answered"
	// Duplicate: the service said the message was already resolved.
	Duplicate Status = "duplicate"
	// Invoked: Lambda accepted the event for an asynchronous invocation.
	Invoked Status = "invoked"
	// Expired: the answer window has passed; nothing was sent.
	Expired Status = "expired"
	// Failed: the answer or the invocation failed; the record is kept.
	Failed Status = "failed"
	// Kept: deliberately left in the queue (a dry run).
	Kept Status = "kept"
	// Unparsable: the message is not an on-failure record of a channel
	// flow event; it is kept.
	Unparsable Status = "unparsable"
)

// Result is what Redrive did with one record. It holds no message content.
type Result struct {
	Status Status `json:"status"`
	// Would says, in a dry run, what a real run would do: answer, invoke,
	// delete (an expired record with DeleteExpired) or keep.
	Would string `json:"would,omitempty"`
	// Deleted reports whether the record was deleted from the queue.
	Deleted bool `json:"deleted"`
	// Error says why the record failed or could not be parsed.
	Error string `json:"error,omitempty"`
	// DeleteError says why an answered record could not be deleted; it
	// will be answered again, as a duplicate, by the next run.
	DeleteError string `json:"deleteError,omitempty"`

	// SQSMessageID and ReceiveCount are the queue's.
	SQSMessageID string `json:"sqsMessageId"`
	ReceiveCount int    `json:"receiveCount,omitempty"`

	// From the record: why Lambda gave up.
	Condition     string     `json:"condition,omitempty"`
	InvokeCount   int        `json:"approximateInvokeCount,omitempty"`
	RequestID     string     `json:"requestId,omitempty"`
	FunctionArn   string     `json:"functionArn,omitempty"`
	FunctionError string     `json:"functionError,omitempty"`
	ErrorType     string     `json:"errorType,omitempty"`
	ErrorMessage  string     `json:"errorMessage,omitempty"`
	RecordTime    *time.Time `json:"recordTime,omitempty"`

	// From the event.
	CallbackID string `json:"callbackId,omitempty"`
	ChannelArn string `json:"channelArn,omitempty"`
	MessageID  string `json:"messageId,omitempty"`
	Edited     bool   `json:"edited,omitempty"`
	// Age is how long the message has been waiting for its answer, from
	// the time AgeFrom names: LastEditedTimestamp, CreatedTimestamp, or,
	// when the event has neither, the record's timestamp or the queue's
	// SentTimestamp plus MaxEventAge.
	Age     time.Duration `json:"-"`
	AgeSecs float64       `json:"ageSeconds,omitempty"`
	AgeFrom string        `json:"ageFrom,omitempty"`

	// Outcome is the pipeline's decision in answer mode (its JSON fields
	// inline: outcome, pipeline, rules, changed, reason, dryRun).
	*processor.Outcome
}

// Summary counts the records of a run by Status.
type Summary struct {
	Read       int `json:"read"`
	Answered   int `json:"answered"`
	Duplicate  int `json:"duplicate"`
	Invoked    int `json:"invoked"`
	Expired    int `json:"expired"`
	Failed     int `json:"failed"`
	Kept       int `json:"kept"`
	Unparsable int `json:"unparsable"`
	// Deleted counts the records deleted from the queue; DeleteFailed the
	// answered ones whose delete failed.
	Deleted      int `json:"deleted"`
	DeleteFailed int `json:"deleteFailed"`
	// Released counts the kept records made visible again at the end of
	// the run; Unreleased those that could not be, which come back when
	// their visibility timeout ends.
	Released   int `json:"released"`
	Unreleased int `json:"unreleased"`
}

// OK reports whether every record read was answered, or deliberately kept
// or deleted: nothing failed, nothing was unparsable, every delete worked.
func (s Summary) OK() bool { return s.Failed == 0 && s.Unparsable == 0 && s.DeleteFailed == 0 }

// Left returns how many of the records read are still in the queue.
func (s Summary) Left() int { return s.Read - s.Deleted }

func (s *Summary) add(r *Result) {
	s.Read++
	switch r.Status {
	case Answered:
		s.Answered++
	case Duplicate:
		s.Duplicate++
	case Invoked:
		s.Invoked++
	case Expired:
		s.Expired++
	case Failed:
		s.Failed++
	case Kept:
		s.Kept++
	case Unparsable:
		s.Unparsable++
	}
	if r.Deleted {
		s.Deleted++
	}
	if r.DeleteError != "" {
		s.DeleteFailed++
	}
}

// Redriver reads a processor's on-failure queue and answers, re-invokes,
// keeps or deletes each record. Build it with New.
type Redriver struct {
	cfg     Config
	handler *processor.Handler
}

// ErrConfig is matched by the errors New returns for a bad Config.
var ErrConfig = errors.New("redrive: bad configuration")

// New checks cfg, fills in its defaults and, in answer mode, builds the
// handler with boot.NewHandler: with cfg.Callback, or in a dry run with a
// callback that sends nothing and accepts every answer.
func New(cfg Config) (*Redriver, error) {
	var problems []string
	if cfg.QueueURL == "" {
		problems = append(problems, "no queue URL")
	}
	if cfg.SQS == nil {
		problems = append(problems, "no SQS client")
	}
	if cfg.Function != "" {
		if cfg.Lambda == nil && !cfg.DryRun {
			problems = append(problems, "invoke mode needs a Lambda client")
		}
		if len(cfg.Boot) > 0 {
			problems = append(problems, "invoke mode uses the deployed function's rules: rules options do not apply")
		}
	} else if cfg.Callback == nil && !cfg.DryRun {
		problems = append(problems, "answer mode needs a callback client")
	}
	if cfg.Max < 0 {
		problems = append(problems, "Max is negative")
	}
	if cfg.Wait > 20*time.Second {
		problems = append(problems, "Wait is longer than the 20 seconds SQS allows")
	}
	if cfg.Visibility < 0 || cfg.Visibility > 12*time.Hour {
		problems = append(problems, "Visibility is outside the 0 to 12 hours SQS allows")
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrConfig, strings.Join(problems, "; "))
	}
	if cfg.Window == 0 {
		cfg.Window = AnswerWindow
	}
	switch {
	case cfg.Margin == 0:
		cfg.Margin = DefaultMargin
	case cfg.Margin < 0:
		cfg.Margin = 0
	}
	if cfg.Visibility == 0 {
		cfg.Visibility = DefaultVisibility
	}
	switch {
	case cfg.Wait == 0:
		cfg.Wait = DefaultWait
	case cfg.Wait < 0:
		cfg.Wait = 0
	}
	if cfg.ProgressEvery <= 0 {
		cfg.ProgressEvery = DefaultProgressEvery
	}
	if cfg.ProgressInterval <= 0 {
		cfg.ProgressInterval = DefaultProgressInterval
	}
	if cfg.RecordTimeout <= 0 {
		cfg.RecordTimeout = DefaultRecordTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	r := &Redriver{cfg: cfg}
	if cfg.Function == "" {
		cb := inChannelRegion(cfg.Callback)
		if cfg.DryRun {
			cb = sendNothing
		}
		log := cfg.Log
		if log == nil {
			log = io.Discard
		}
		opts := append(append([]boot.Option(nil), cfg.Boot...), boot.WithCallback(cb), boot.WithLogOutput(log))
		h, err := boot.NewHandler(opts...)
		if err != nil {
			return nil, fmt.Errorf("build the processor's handler: %w", err)
		}
		r.handler = h
	}
	return r, nil
}

// sendNothing accepts every callback without sending it: the dry run's.
// The handler has already checked the request against the API's limits.
var sendNothing = messaging.CallbackFunc(func(_ context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
	return &messaging.ChannelFlowCallbackOutput{ChannelArn: in.ChannelArn, CallbackID: in.CallbackID}, nil
})

// inChannelRegion signs each callback, and each status question the
// handler asks about a refused one, for the Region of its channel: the app
// instance's, which may differ from the operator's default Region.
func inChannelRegion(api messaging.CallbackAPI) messaging.CallbackAPI {
	if api == nil {
		return nil
	}
	r := regional{callback: api}
	r.status, _ = api.(messaging.StatusAPI)
	return r
}

// regional is a CallbackAPI and a StatusAPI that sign for the channel's
// Region.
type regional struct {
	callback messaging.CallbackAPI
	status   messaging.StatusAPI // nil when the callback cannot ask
}

func inRegion(arn string, optFns []func(*messaging.Options)) []func(*messaging.Options) {
	if region := arnRegion(arn); region != "" {
		optFns = append(optFns, func(o *messaging.Options) { o.Region = region })
	}
	return optFns
}

// ChannelFlowCallback sends in signed for its channel's Region.
func (r regional) ChannelFlowCallback(ctx context.Context, in *messaging.ChannelFlowCallbackInput, optFns ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
	return r.callback.ChannelFlowCallback(ctx, in, inRegion(in.ChannelArn, optFns)...)
}

// GetChannelMessageStatus asks in the channel's Region; without a status
// API underneath it fails, and the refusal stays a failure.
func (r regional) GetChannelMessageStatus(ctx context.Context, in *messaging.GetChannelMessageStatusInput, optFns ...func(*messaging.Options)) (*messaging.GetChannelMessageStatusOutput, error) {
	if r.status == nil {
		return nil, errors.New("redrive: the callback client cannot ask a message's status")
	}
	return r.status.GetChannelMessageStatus(ctx, in, inRegion(in.ChannelArn, optFns)...)
}

// arnRegion returns the Region field of an ARN, or "".
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 5)
	if len(parts) < 5 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

// Run reads the queue until it has no visible record left or Max records
// were read, handles each record, and calls each (when not nil) with its
// Result. Records it keeps stay hidden while the run lasts, so that none is
// read twice, and are made visible again at its end. When ctx ends, Run
// finishes the record in hand and stops. It returns the totals, and an
// error when the queue could not be read or ctx ended; the records handled
// until then are counted and nothing is lost.
func (r *Redriver) Run(ctx context.Context, each func(*Result)) (Summary, error) {
	var sum Summary
	kept := map[string]string{} // SQS message id -> latest receipt handle
	progress := r.pacer()
	var runErr error
	for r.cfg.Max == 0 || sum.Read < r.cfg.Max {
		if err := ctx.Err(); err != nil {
			runErr = err
			break
		}
		n := int32(10)
		if r.cfg.Max > 0 {
			n = int32(min(10, r.cfg.Max-sum.Read))
		}
		out, err := r.cfg.SQS.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:                    aws.String(r.cfg.QueueURL),
			MaxNumberOfMessages:         n,
			WaitTimeSeconds:             int32(r.cfg.Wait / time.Second),
			VisibilityTimeout:           int32(r.cfg.Visibility / time.Second),
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameSentTimestamp, sqstypes.MessageSystemAttributeNameApproximateReceiveCount},
		})
		if err != nil {
			runErr = fmt.Errorf("receive from %s: %w", r.cfg.QueueURL, err)
			break
		}
		fresh := 0
		for i := range out.Messages {
			m := &out.Messages[i]
			id := aws.ToString(m.MessageId)
			if _, ok := kept[id]; ok {
				// Back after its visibility timeout, in a long run: it was
				// handled; keep its newest receipt handle for the release.
				kept[id] = aws.ToString(m.ReceiptHandle)
				continue
			}
			if ctx.Err() != nil {
				// Stopped: left as it came, and released below.
				kept[id] = aws.ToString(m.ReceiptHandle)
				continue
			}
			fresh++
			// The record in hand is finished even when ctx ends: an answer
			// is never cut off half-way.
			work, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.RecordTimeout)
			res := r.one(work, m)
			cancel()
			sum.add(res)
			if !res.Deleted {
				kept[id] = aws.ToString(m.ReceiptHandle)
			}
			if each != nil {
				each(res)
			}
			progress(sum)
		}
		if fresh == 0 {
			break
		}
	}
	if runErr == nil {
		runErr = ctx.Err()
	}
	sum.Released, sum.Unreleased = r.release(ctx, kept)
	return sum, runErr
}

// pacer returns the function Run calls after each record to report
// progress.
func (r *Redriver) pacer() func(Summary) {
	if r.cfg.Progress == nil {
		return func(Summary) {}
	}
	last, lastAt := 0, r.cfg.Now()
	return func(s Summary) {
		if now := r.cfg.Now(); s.Read-last >= r.cfg.ProgressEvery || now.Sub(lastAt) >= r.cfg.ProgressInterval {
			last, lastAt = s.Read, now
			r.cfg.Progress(s)
		}
	}
}

// release makes the kept records visible again, ten at a time, even when
// ctx has ended.
func (r *Redriver) release(ctx context.Context, kept map[string]string) (released, unreleased int) {
	if len(kept) == 0 {
		return 0, 0
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var entries []sqstypes.ChangeMessageVisibilityBatchRequestEntry
	flush := func() {
		if len(entries) == 0 {
			return
		}
		out, err := r.cfg.SQS.ChangeMessageVisibilityBatch(ctx, &sqs.ChangeMessageVisibilityBatchInput{QueueUrl: aws.String(r.cfg.QueueURL), Entries: entries})
		switch {
		case err != nil:
			unreleased += len(entries)
		default:
			released += len(out.Successful)
			unreleased += len(out.Failed)
		}
		entries = entries[:0]
	}
	for _, handle := range kept {
		entries = append(entries, sqstypes.ChangeMessageVisibilityBatchRequestEntry{
			Id: aws.String(strconv.Itoa(len(entries))), ReceiptHandle: aws.String(handle), VisibilityTimeout: 0,
		})
		if len(entries) == 10 {
			flush()
		}
	}
	flush()
	return released, unreleased
}

// one handles one queue message.
func (r *Redriver) one(ctx context.Context, m *sqstypes.Message) *Result {
	res := &Result{SQSMessageID: aws.ToString(m.MessageId)}
	res.ReceiveCount, _ = strconv.Atoi(m.Attributes[string(sqstypes.MessageSystemAttributeNameApproximateReceiveCount)])
	rec, err := ParseRecord([]byte(aws.ToString(m.Body)))
	if err != nil {
		res.Status, res.Error = Unparsable, err.Error()
		return res
	}
	rc := &rec.RequestContext
	res.Condition, res.InvokeCount, res.RequestID, res.FunctionArn = rc.Condition, rc.ApproximateInvokeCount, rc.RequestID, rc.FunctionArn
	res.FunctionError = rec.ResponseContext.FunctionError
	res.ErrorType, res.ErrorMessage = rec.Failure()
	recordTime, hasRecordTime := rec.Time()
	if hasRecordTime {
		res.RecordTime = &recordTime
	}
	ev, err := processor.Decode(rec.RequestPayload)
	if err != nil {
		res.Status, res.Error = Unparsable, fmt.Errorf("%w: requestPayload: %w", ErrUnparsable, err).Error()
		return res
	}
	cm := &ev.ChannelMessage
	res.CallbackID, res.ChannelArn, res.MessageID, res.Edited = ev.CallbackID, cm.ChannelArn, cm.MessageID, cm.Edited()

	now := r.cfg.Now()
	var since time.Time
	switch {
	case !cm.LastEditedTimestamp.Time.IsZero():
		since, res.AgeFrom = cm.LastEditedTimestamp.Time, "LastEditedTimestamp"
	case !cm.CreatedTimestamp.Time.IsZero():
		since, res.AgeFrom = cm.CreatedTimestamp.Time, "CreatedTimestamp"
	case hasRecordTime:
		since, res.AgeFrom = recordTime.Add(-MaxEventAge), "record timestamp + 6h"
	default:
		if ms, err := strconv.ParseInt(m.Attributes[string(sqstypes.MessageSystemAttributeNameSentTimestamp)], 10, 64); err == nil {
			since, res.AgeFrom = time.UnixMilli(ms).Add(-MaxEventAge), "SentTimestamp + 6h"
		}
	}
	if res.AgeFrom == "" {
		// No time at all: the answer window cannot be checked, so nothing
		// is sent.
		res.Status, res.Error = Unparsable, fmt.Sprintf("%v: no time to check the %v answer window against (no timestamp in the event, the record or the queue)", ErrUnparsable, r.cfg.Window)
		return res
	}
	res.Age = now.Sub(since)
	res.AgeSecs = res.Age.Seconds()

	if res.Age >= r.cfg.Window-r.cfg.Margin {
		res.Status = Expired
		if r.cfg.DeleteExpired {
			r.delete(ctx, m, res)
		} else if r.cfg.DryRun {
			res.Would = "keep"
		}
		return res
	}
	if r.cfg.Function != "" {
		r.invoke(ctx, rec.RequestPayload, m, res)
	} else {
		r.answer(ctx, rec.RequestPayload, m, res)
	}
	return res
}

// answer runs the event through the handler and deletes it when answered.
func (r *Redriver) answer(ctx context.Context, payload []byte, m *sqstypes.Message, res *Result) {
	out, err := r.handler.Handle(ctx, payload)
	if out.Event != nil || out.Outcome.Action != "" {
		o := out.Outcome
		res.Outcome = &o
	}
	switch {
	case err != nil:
		res.Status, res.Error = Failed, err.Error()
	case r.cfg.DryRun:
		res.Status, res.Would = Kept, "answer"
	case out.Duplicate:
		res.Status = Duplicate
		r.delete(ctx, m, res)
	default:
		res.Status = Answered
		r.delete(ctx, m, res)
	}
}

// invoke sends the event to the function asynchronously and deletes the
// record when Lambda accepts it: a new failure makes a new record.
func (r *Redriver) invoke(ctx context.Context, payload []byte, m *sqstypes.Message, res *Result) {
	if r.cfg.DryRun {
		res.Status, res.Would = Kept, "invoke"
		return
	}
	out, err := r.cfg.Lambda.Invoke(ctx, &lambda.InvokeInput{
		FunctionName:   aws.String(r.cfg.Function),
		InvocationType: lambdatypes.InvocationTypeEvent,
		Payload:        payload,
	})
	switch {
	case err != nil:
		res.Status, res.Error = Failed, fmt.Sprintf("invoke %s: %v", r.cfg.Function, err)
	case out.StatusCode != 202:
		res.Status, res.Error = Failed, fmt.Sprintf("invoke %s: HTTP status %d, want 202 (queued)", r.cfg.Function, out.StatusCode)
	default:
		res.Status = Invoked
		r.delete(ctx, m, res)
	}
}

// delete deletes the record from the queue, unless in a dry run.
func (r *Redriver) delete(ctx context.Context, m *sqstypes.Message, res *Result) {
	if r.cfg.DryRun {
		res.Would = "delete"
		return
	}
	_, err := r.cfg.SQS.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(r.cfg.QueueURL), ReceiptHandle: m.ReceiptHandle})
	if err != nil {
		res.DeleteError = err.Error()
		return
	}
	res.Deleted = true
}
