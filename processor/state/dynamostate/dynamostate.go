// Package dynamostate is a state.Store kept in one Amazon DynamoDB table,
// shared by every container of a processor, through the official
// aws-sdk-go-v2 DynamoDB client.
//
// Decide is one TransactWriteItems request: a Put of the message's record
// with attribute_not_exists (the claim of its CallbackId), then one
// conditional Update or ConditionCheck per check, each returning the item
// when its condition fails (ReturnValuesOnConditionCheckFailure ALL_OLD).
// DynamoDB applies all of it or none: when the transaction is cancelled,
// its cancellation reasons say which checks tripped and, for the record,
// what an earlier delivery decided. Finish is a second transaction, after
// the callback, guarded by the record, then a Query and an Update per
// violation that reaches escalation's threshold.
//
// The table has a string partition key pk and a string sort key sk, a TTL
// attribute "expires" (set on every item), and a global secondary index
// "mutes" (partition key "muteList") that holds the mute items only.
// TableDefinition describes it; the SAM template creates it; docs/state.md
// lists its items.
package dynamostate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/chimeflow/chimeflow/processor/state"
)

// API is the part of *dynamodb.Client the store uses.
type API interface {
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
}

// Defaults.
const (
	// DefaultTimeout bounds a Decide or a Finish, retries included.
	DefaultTimeout = 300 * time.Millisecond
	// DefaultAttempts bounds the attempts of a transaction that DynamoDB
	// cancels because another one was working on one of its items.
	DefaultAttempts = 4
	// MutesIndex is the name of the global secondary index of the mutes.
	MutesIndex = "mutes"
)

// Options configure a Store.
type Options struct {
	// Table is the table's name; required.
	Table string
	// Timeout bounds each Decide and Finish, retries included; 0 means
	// DefaultTimeout. A store that does not answer in time is an error,
	// which the pipeline hands to each stateful rule's error policy.
	Timeout time.Duration
	// Attempts bounds the attempts of a transaction cancelled by a
	// conflict with another; 0 means DefaultAttempts.
	Attempts int
	// Now returns the wall-clock time, for TTLs and lifts; nil means
	// time.Now. Decisions never read it: they use the message's time.
	Now func() time.Time
}

// Store is a state.Store and state.Admin on one DynamoDB table. It is safe
// for concurrent use.
type Store struct {
	api API
	o   Options
}

var (
	_ state.Store = (*Store)(nil)
	_ state.Admin = (*Store)(nil)
)

// New returns a store on the table o.Table through api (a
// *dynamodb.Client).
func New(api API, o Options) (*Store, error) {
	if api == nil {
		return nil, errors.New("dynamostate: no DynamoDB client")
	}
	if o.Table == "" {
		return nil, errors.New("dynamostate: no table name")
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Attempts <= 0 {
		o.Attempts = DefaultAttempts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{api: api, o: o}, nil
}

// Attribute names. Every item has pk, sk and expires.
const (
	attrPK       = "pk"
	attrSK       = "sk"
	attrExpires  = "expires"
	attrAction   = "action"
	attrDigest   = "digest"
	attrRules    = "rules"
	attrReason   = "reason"
	attrAnswered = "answered"
	attrCount    = "n"
	attrSeen     = "seen"
	attrCallback = "cb"
	attrMessage  = "msg"
	attrFrom     = "from"
	attrUntil    = "until"
	attrLifted   = "lifted"
	attrStage    = "stage"
	attrSubject  = "subject"
	attrMuteList = "muteList"
)

// Key prefixes and sort keys.
const (
	pkRecord    = "cb#"
	pkLimit     = "lim#"
	pkRecent    = "rep#"
	pkSender    = "esc#"
	skRecord    = "record"
	skRecent    = "seen"
	skMute      = "mute"
	skViolation = "v#"
	muteList    = "mute"
)

// maxKey bounds the part of a partition key a rule's key makes; a longer
// key is replaced by its SHA-256 (DynamoDB allows 2048 bytes).
const maxKey = 1024

func partition(prefix, key string) string {
	if len(key) > maxKey {
		sum := sha256.Sum256([]byte(key))
		key = "sha256:" + hex.EncodeToString(sum[:])
	}
	return prefix + key
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: str(pk), attrSK: str(sk)}
}

// expires returns the TTL of an item last read at base: base plus the
// state horizon, with base kept between now and a year from now, so that a
// message time far off (a replayed fixture, a clock gone wrong) neither
// deletes fresh state nor keeps it forever.
func (s *Store) expires(base time.Time) types.AttributeValue {
	now := s.o.Now()
	if base.Before(now) {
		base = now
	}
	if limit := now.Add(366 * 24 * time.Hour); base.After(limit) {
		base = limit
	}
	return num(base.Add(state.Horizon).Unix())
}

// ms is a time as Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// names maps the expression attribute names the store uses to themselves.
func names(attrs ...string) map[string]string {
	m := make(map[string]string, len(attrs))
	for _, a := range attrs {
		m["#"+a] = a
	}
	return m
}

// recordPut claims the CallbackId and records the decision.
func (s *Store) recordPut(cb string, t time.Time, r *state.Record) types.TransactWriteItem {
	item := key(partition(pkRecord, cb), skRecord)
	item[attrExpires] = s.expires(t)
	item[attrAction] = str(r.Action)
	item[attrDigest] = str(r.Digest)
	item[attrRules] = rulesList(r.Rules)
	if r.Reason != "" {
		item[attrReason] = str(r.Reason)
	}
	item[attrAnswered] = &types.AttributeValueMemberBOOL{Value: r.Answered}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                           &s.o.Table,
		Item:                                item,
		ConditionExpression:                 aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames:            names(attrPK),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

// recordFinish records the decision if no delivery has, and marks it
// answered, unless a delivery already has.
func (s *Store) recordFinish(cb string, t time.Time, r *state.Record) types.TransactWriteItem {
	update := "SET #expires = :expires, #action = :action, #digest = :digest, #rules = :rules, #answered = :true"
	values := map[string]types.AttributeValue{
		":expires": s.expires(t),
		":action":  str(r.Action),
		":digest":  str(r.Digest),
		":rules":   rulesList(r.Rules),
		":true":    &types.AttributeValueMemberBOOL{Value: true},
	}
	attrs := []string{attrPK, attrExpires, attrAction, attrDigest, attrRules, attrAnswered}
	if r.Reason != "" {
		update += ", #reason = :reason"
		values[":reason"] = str(r.Reason)
		attrs = append(attrs, attrReason)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                           &s.o.Table,
		Key:                                 key(partition(pkRecord, cb), skRecord),
		UpdateExpression:                    &update,
		ConditionExpression:                 aws.String("attribute_not_exists(#pk) OR #answered <> :true"),
		ExpressionAttributeNames:            names(attrs...),
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}
}

func rulesList(rules []string) types.AttributeValue {
	l := make([]types.AttributeValue, len(rules))
	for i, r := range rules {
		l[i] = str(r)
	}
	return &types.AttributeValueMemberL{Value: l}
}

// notMuted is the condition under which a sender is not muted at :t, and
// under which a new mute may start.
const notMuted = "attribute_not_exists(#until) OR #until <= :t OR #from > :t OR #lifted <= :t"

// checkItem is the transaction item of one check.
func (s *Store) checkItem(c *state.Check, cb, msg string, t time.Time) types.TransactWriteItem {
	all := types.ReturnValuesOnConditionCheckFailureAllOld
	switch c.Kind {
	case state.CheckLimit:
		start := state.WindowStart(t, c.Window)
		return types.TransactWriteItem{Update: &types.Update{
			TableName:                &s.o.Table,
			Key:                      key(partition(pkLimit, c.Key), "w#"+strconv.FormatInt(ms(start), 10)),
			UpdateExpression:         aws.String("ADD #n :one SET #expires = :expires"),
			ConditionExpression:      aws.String("attribute_not_exists(#n) OR #n < :limit"),
			ExpressionAttributeNames: names(attrCount, attrExpires),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":one": num(1), ":limit": num(c.Limit), ":expires": s.expires(start.Add(c.Window)),
			},
			ReturnValuesOnConditionCheckFailure: all,
		}}
	case state.CheckRecent:
		values := map[string]types.AttributeValue{
			":t": num(ms(t)), ":since": num(ms(t.Add(-c.Window))), ":cb": str(cb),
			":expires": s.expires(t.Add(c.Window)),
		}
		update := "SET #seen = :t, #cb = :cb, #expires = :expires"
		cond := "attribute_not_exists(#seen) OR #seen <= :since OR #cb = :cb"
		if msg != "" {
			update += ", #msg = :msg"
			cond += " OR #msg = :msg"
			values[":msg"] = str(msg)
		}
		return types.TransactWriteItem{Update: &types.Update{
			TableName:                           &s.o.Table,
			Key:                                 key(partition(pkRecent, c.Key), skRecent),
			UpdateExpression:                    &update,
			ConditionExpression:                 &cond,
			ExpressionAttributeNames:            names(attrSeen, attrCallback, attrMessage, attrExpires),
			ExpressionAttributeValues:           values,
			ReturnValuesOnConditionCheckFailure: all,
		}}
	default: // state.CheckMute
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName:                           &s.o.Table,
			Key:                                 key(partition(pkSender, c.Key), skMute),
			ConditionExpression:                 aws.String(notMuted),
			ExpressionAttributeNames:            names(attrUntil, attrFrom, attrLifted),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":t": num(ms(t))},
			ReturnValuesOnConditionCheckFailure: all,
		}}
	}
}

// violationPut records one violation of a sender.
func (s *Store) violationPut(v *state.Violation, cb string, t time.Time) types.TransactWriteItem {
	item := key(partition(pkSender, v.Key), violationSK(ms(t), cb))
	item[attrExpires] = s.expires(t.Add(v.Within))
	return types.TransactWriteItem{Put: &types.Put{TableName: &s.o.Table, Item: item}}
}

// violationSK sorts a sender's violations by time: "v#" and the Unix
// milliseconds in 16 digits (negative times as 0), then the CallbackId.
func violationSK(t int64, cb string) string {
	if t < 0 {
		t = 0
	}
	return fmt.Sprintf("%s%016d#%s", skViolation, t, cb)
}

// Reason codes of a cancelled transaction.
const (
	codeNone       = "None"
	codeCondition  = "ConditionalCheckFailed"
	codeConflict   = "TransactionConflict"
	maxBackoff     = 40 * time.Millisecond
	initialBackoff = 5 * time.Millisecond
)

// ErrUnexpected matches an answer the store does not understand.
var ErrUnexpected = errors.New("dynamostate: unexpected answer")

// transact sends items; on cancellation it returns the reasons (one per
// item). It retries a cancellation caused by a conflict alone, with
// jittered backoff, within ctx.
func (s *Store) transact(ctx context.Context, items []types.TransactWriteItem) ([]types.CancellationReason, error) {
	backoff := initialBackoff
	for attempt := 1; ; attempt++ {
		_, err := s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil, nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return nil, fmt.Errorf("dynamostate: TransactWriteItems: %w", err)
		}
		reasons := tce.CancellationReasons
		if len(reasons) != len(items) {
			return nil, fmt.Errorf("%w: %d cancellation reasons for %d items", ErrUnexpected, len(reasons), len(items))
		}
		conflict, decisive := false, false
		for _, r := range reasons {
			switch code := aws.ToString(r.Code); {
			case code == codeConflict:
				conflict = true
			case code == codeCondition:
				decisive = true
			case code == codeNone || code == "":
			default:
				return nil, fmt.Errorf("dynamostate: transaction cancelled: %s: %s", code, aws.ToString(r.Message))
			}
		}
		if !conflict {
			return reasons, nil
		}
		if attempt >= s.o.Attempts {
			if decisive {
				return reasons, nil // what tripped is known; a conflict reads as no answer
			}
			return nil, fmt.Errorf("dynamostate: transaction conflicted %d times", attempt)
		}
		sleep := backoff/2 + rand.N(backoff/2+1)
		if backoff *= 2; backoff > maxBackoff {
			backoff = maxBackoff
		}
		t := time.NewTimer(sleep)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("dynamostate: transaction conflicted, then %w", ctx.Err())
		case <-t.C:
		}
	}
}

// Decide implements state.Store: one TransactWriteItems request (more only
// when DynamoDB cancels it for a conflict with another transaction).
func (s *Store) Decide(ctx context.Context, d *state.Decision) (state.Decided, error) {
	if err := state.ValidateDecision(d); err != nil {
		return state.Decided{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	rec := d.Record
	rec.Answered = false
	items := make([]types.TransactWriteItem, 0, 1+len(d.Checks))
	items = append(items, s.recordPut(d.CallbackID, d.Time, &rec))
	for i := range d.Checks {
		items = append(items, s.checkItem(&d.Checks[i], d.CallbackID, d.MessageID, d.Time))
	}
	reasons, err := s.transact(ctx, items)
	if err != nil {
		return state.Decided{}, err
	}
	out := state.Decided{Results: make([]state.Result, len(d.Checks))}
	if reasons == nil {
		out.Applied = true
		return out, nil
	}
	if aws.ToString(reasons[0].Code) == codeCondition {
		earlier, err := parseRecord(reasons[0].Item)
		if err != nil {
			return state.Decided{}, err
		}
		return state.Decided{Earlier: earlier}, nil
	}
	for i := range d.Checks {
		if r := reasons[i+1]; aws.ToString(r.Code) == codeCondition {
			out.Results[i] = tripped(&d.Checks[i], r.Item)
		}
	}
	return out, nil
}

// tripped is the result of a check whose condition failed on item.
func tripped(c *state.Check, item map[string]types.AttributeValue) state.Result {
	r := state.Result{Tripped: true}
	switch c.Kind {
	case state.CheckLimit:
		r.Count = getNum(item, attrCount)
	case state.CheckRecent:
		r.Seen = time.UnixMilli(getNum(item, attrSeen)).UTC()
	case state.CheckMute:
		r.Until = time.UnixMilli(getNum(item, attrUntil)).UTC()
	}
	return r
}

func getNum(item map[string]types.AttributeValue, name string) int64 {
	if v, ok := item[name].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func getStr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// parseRecord reads a record item.
func parseRecord(item map[string]types.AttributeValue) (*state.Record, error) {
	if item == nil {
		return nil, fmt.Errorf("%w: the record's condition failed and DynamoDB returned no item", ErrUnexpected)
	}
	r := &state.Record{Action: getStr(item, attrAction), Digest: getStr(item, attrDigest), Reason: getStr(item, attrReason)}
	if l, ok := item[attrRules].(*types.AttributeValueMemberL); ok {
		for _, v := range l.Value {
			if s, ok := v.(*types.AttributeValueMemberS); ok {
				r.Rules = append(r.Rules, s.Value)
			}
		}
	}
	if b, ok := item[attrAnswered].(*types.AttributeValueMemberBOOL); ok {
		r.Answered = b.Value
	}
	if r.Action == "" {
		return nil, fmt.Errorf("%w: a record without an action", ErrUnexpected)
	}
	return r, nil
}

// Finish implements state.Store: a transaction guarded by the record (a
// few when soft checks trip: each attempt drops the checks that tripped),
// then, per violation, a Query of the sender's violations within the
// window and, at the threshold, an Update of the mute.
func (s *Store) Finish(ctx context.Context, f *state.Finish) (state.Finished, error) {
	if err := state.ValidateFinish(f); err != nil {
		return state.Finished{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.o.Timeout)
	defer cancel()
	out := state.Finished{Results: make([]state.Result, len(f.Checks)), Muted: make([]time.Time, len(f.Violations))}
	live := make([]int, len(f.Checks)) // the checks still in the transaction
	for i := range live {
		live[i] = i
	}
	for {
		items := make([]types.TransactWriteItem, 0, 1+len(live)+len(f.Violations))
		items = append(items, s.recordFinish(f.CallbackID, f.Time, &f.Record))
		for _, i := range live {
			items = append(items, s.checkItem(&f.Checks[i], f.CallbackID, f.MessageID, f.Time))
		}
		for i := range f.Violations {
			items = append(items, s.violationPut(&f.Violations[i], f.CallbackID, f.Time))
		}
		reasons, err := s.transact(ctx, items)
		if err != nil {
			return state.Finished{}, err
		}
		if reasons == nil {
			break
		}
		if aws.ToString(reasons[0].Code) == codeCondition {
			return state.Finished{Duplicate: true}, nil
		}
		kept := live[:0]
		for k, i := range live {
			if r := reasons[k+1]; aws.ToString(r.Code) == codeCondition {
				out.Results[i] = tripped(&f.Checks[i], r.Item)
			} else {
				kept = append(kept, i)
			}
		}
		if len(kept) == len(live) {
			return state.Finished{}, fmt.Errorf("%w: Finish cancelled with no check tripped", ErrUnexpected)
		}
		live = kept
	}
	for i := range f.Violations {
		until, err := s.escalate(ctx, &f.Violations[i], f.Time)
		if err != nil {
			return out, err
		}
		out.Muted[i] = until
	}
	return out, nil
}

// escalate counts the sender's violations within the window ending at t
// and, at the threshold, mutes the sender from t, unless already muted.
func (s *Store) escalate(ctx context.Context, v *state.Violation, t time.Time) (time.Time, error) {
	pk := partition(pkSender, v.Key)
	q, err := s.api.Query(ctx, &dynamodb.QueryInput{
		TableName:                &s.o.Table,
		KeyConditionExpression:   aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi"),
		ExpressionAttributeNames: names(attrPK, attrSK),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(pk),
			":lo": str(violationSK(ms(t.Add(-v.Within))+1, "")),
			":hi": str(violationSK(ms(t), "~")),
		},
		ConsistentRead: aws.Bool(true),
		Select:         types.SelectCount,
		Limit:          aws.Int32(int32(min(v.Threshold, 1<<30))),
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("dynamostate: Query violations: %w", err)
	}
	if int64(q.Count) < v.Threshold {
		return time.Time{}, nil
	}
	until := t.Add(v.Mute)
	_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.o.Table,
		Key:                      key(pk, skMute),
		UpdateExpression:         aws.String("SET #from = :t, #until = :until, #stage = :stage, #subject = :subject, #muteList = :list, #expires = :expires REMOVE #lifted"),
		ConditionExpression:      aws.String(notMuted),
		ExpressionAttributeNames: names(attrFrom, attrUntil, attrStage, attrSubject, attrMuteList, attrExpires, attrLifted),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":t": num(ms(t)), ":until": num(ms(until)), ":stage": str(v.Stage), ":subject": str(v.Subject),
			":list": str(muteList), ":expires": s.expires(until),
		},
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return time.Time{}, nil // muted already
	case err != nil:
		return time.Time{}, fmt.Errorf("dynamostate: UpdateItem mute: %w", err)
	}
	return until, nil
}

// Mutes implements state.Admin: a Query of the mutes index.
func (s *Store) Mutes(ctx context.Context) ([]state.Mute, error) {
	var out []state.Mute
	in := &dynamodb.QueryInput{
		TableName:                 &s.o.Table,
		IndexName:                 aws.String(MutesIndex),
		KeyConditionExpression:    aws.String("#muteList = :list"),
		ExpressionAttributeNames:  names(attrMuteList),
		ExpressionAttributeValues: map[string]types.AttributeValue{":list": str(muteList)},
	}
	for {
		q, err := s.api.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("dynamostate: Query mutes: %w", err)
		}
		for _, item := range q.Items {
			m := state.Mute{
				Key:     strings.TrimPrefix(getStr(item, attrPK), pkSender),
				Stage:   getStr(item, attrStage),
				Subject: getStr(item, attrSubject),
				From:    time.UnixMilli(getNum(item, attrFrom)).UTC(),
				Until:   time.UnixMilli(getNum(item, attrUntil)).UTC(),
			}
			if _, ok := item[attrLifted]; ok {
				m.Lifted = time.UnixMilli(getNum(item, attrLifted)).UTC()
			}
			out = append(out, m)
		}
		if len(q.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = q.LastEvaluatedKey
	}
	state.SortMutes(out)
	return out, nil
}

// Lift implements state.Admin: an UpdateItem of the mute that sets when
// it was lifted. key is a Mute's Key as Mutes lists it.
func (s *Store) Lift(ctx context.Context, mute string, at time.Time) error {
	_, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.o.Table,
		Key:                       map[string]types.AttributeValue{attrPK: str(pkSender + mute), attrSK: str(skMute)},
		UpdateExpression:          aws.String("SET #lifted = :at"),
		ConditionExpression:       aws.String("attribute_exists(#until)"),
		ExpressionAttributeNames:  names(attrLifted, attrUntil),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": num(ms(at))},
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return state.ErrNoMute
	}
	if err != nil {
		return fmt.Errorf("dynamostate: UpdateItem lift: %w", err)
	}
	return nil
}

// TableDefinition describes the table the store needs, as CreateTable
// takes it (on-demand billing, the mutes index); its TTL attribute,
// "expires", is enabled by UpdateTimeToLive (see TTLSpecification). The
// SAM template creates the same table.
func TableDefinition(table string) *dynamodb.CreateTableInput {
	s := types.ScalarAttributeTypeS
	return &dynamodb.CreateTableInput{
		TableName:   &table,
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(attrPK), AttributeType: s},
			{AttributeName: aws.String(attrSK), AttributeType: s},
			{AttributeName: aws.String(attrMuteList), AttributeType: s},
			{AttributeName: aws.String(attrSubject), AttributeType: s},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(attrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(attrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName: aws.String(MutesIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(attrMuteList), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(attrSubject), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		SSESpecification: &types.SSESpecification{Enabled: aws.Bool(true)},
	}
}

// TTLSpecification is the table's time-to-live setting: the attribute
// "expires", in Unix seconds, on every item.
func TTLSpecification(table string) *dynamodb.UpdateTimeToLiveInput {
	return &dynamodb.UpdateTimeToLiveInput{
		TableName: &table,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(attrExpires),
			Enabled:       aws.Bool(true),
		},
	}
}
