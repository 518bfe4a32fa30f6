// Package ebsink is the decision trail's EventBridge sink: it puts the
// entries package trail hands it on one event bus with PutEvents, through
// the official EventBridge client, and reports each entry's fate (its
// event id, or EventBridge's error code and whether EventBridge documents
// it as retryable).
//
// It is a package of its own so that only a program that wants the trail
// links the EventBridge client, whose package initialisation every cold
// start pays: cmd/processor passes NewFromConfig to boot.WithTrail, unless
// built with the tag chimeflow_notrail.
package ebsink

import (
	"context"
	"fmt"
	"regexp"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"github.com/chimeflow/chimeflow/processor/trail"
)

// PutEventsAPI is the part of the EventBridge client the sink uses;
// *eventbridge.Client implements it.
type PutEventsAPI interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// maxBusLen is the longest EventBusNameOrArn EventBridge takes.
const maxBusLen = 1600

// busPattern is EventBridge's EventBusNameOrArn pattern.
var busPattern = regexp.MustCompile(`^(arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus/)?[/.\-_A-Za-z0-9]+$`)

// Sink puts trail entries on one event bus. It is safe for concurrent use.
type Sink struct {
	api PutEventsAPI
	bus string
}

var _ trail.Sink = (*Sink)(nil)

// New returns the sink that puts entries on bus (an event bus name or
// ARN) with api. Its errors match trail.ErrOptions.
func New(api PutEventsAPI, bus string) (*Sink, error) {
	if api == nil {
		return nil, fmt.Errorf("%w: no EventBridge client", trail.ErrOptions)
	}
	if err := checkBus(bus); err != nil {
		return nil, err
	}
	return &Sink{api: api, bus: bus}, nil
}

// NewFromConfig is New with an EventBridge client made from cfg. It is
// the opener boot.WithTrail takes.
func NewFromConfig(cfg aws.Config, bus string) (*Sink, error) {
	if err := checkBus(bus); err != nil {
		return nil, err
	}
	return New(eventbridge.NewFromConfig(cfg), bus)
}

// checkBus checks bus against EventBridge's EventBusNameOrArn.
func checkBus(bus string) error {
	if len(bus) > maxBusLen || !busPattern.MatchString(bus) {
		return fmt.Errorf("%w: bus %q is not an event bus name or ARN", trail.ErrOptions, bus)
	}
	return nil
}

// Bus returns the event bus name or ARN the sink puts entries on.
func (s *Sink) Bus() string { return s.bus }

// Put sends entries in one PutEvents request. It returns an error when
// the request failed, or one result per entry: its event id, or its error
// code, retryable when EventBridge documents it so (InternalFailure,
// ThrottlingException).
func (s *Sink) Put(ctx context.Context, entries []trail.Entry) ([]trail.Result, error) {
	in := &eventbridge.PutEventsInput{Entries: make([]types.PutEventsRequestEntry, len(entries))}
	for i, e := range entries {
		re := types.PutEventsRequestEntry{
			Source: aws.String(e.Source), DetailType: aws.String(e.DetailType), Detail: aws.String(e.Detail),
			EventBusName: aws.String(s.bus), Resources: e.Resources,
		}
		if !e.Time.IsZero() {
			at := e.Time
			re.Time = &at
		}
		in.Entries[i] = re
	}
	out, err := s.api.PutEvents(ctx, in)
	if err != nil {
		return nil, err
	}
	results := make([]trail.Result, len(out.Entries))
	for i, r := range out.Entries {
		code := aws.ToString(r.ErrorCode)
		results[i] = trail.Result{EventID: aws.ToString(r.EventId), ErrorCode: code, Retryable: retryable(code)}
	}
	return results, nil
}

// retryable reports whether EventBridge documents an entry's error code as
// worth another attempt.
func retryable(code string) bool {
	return code == "InternalFailure" || code == "ThrottlingException"
}
