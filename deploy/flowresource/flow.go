package flowresource

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/cfn"

	"github.com/chimeflow/chimeflow/messaging"
)

// DefaultProcessorName names the flow's processor when ChannelFlow.ProcessorName is empty.
const DefaultProcessorName = "chimeflow"

// Keys of the response Data, read in the template with
// !GetAtt ChannelFlow.<key>.
const (
	DataChannelFlowArn = "ChannelFlowArn"
	DataName           = "Name"
)

// ChannelFlow manages one channel flow per resource. Its Handle method is a
// cfn.CustomResourceFunction: give it to a Handler. It holds no state of its
// own between requests and is safe for concurrent use.
type ChannelFlow struct {
	// API calls Chime SDK Messaging: a *messaging.Client in Lambda, one
	// pointed at a local stand-in in tests.
	API messaging.FlowAPI
	// ProcessorName names the flow's processor; empty means DefaultProcessorName.
	ProcessorName string
}

// Handle does the work of one request and returns the physical resource id
// (the flow's ARN), the response data and an error that becomes the
// request's reason for failing.
func (f *ChannelFlow) Handle(ctx context.Context, e cfn.Event) (physicalID string, data map[string]any, err error) {
	switch e.RequestType {
	case cfn.RequestCreate:
		return f.Create(ctx, e)
	case cfn.RequestUpdate:
		return f.Update(ctx, e)
	case cfn.RequestDelete:
		return f.Delete(ctx, e)
	}
	return e.PhysicalResourceID, nil, fmt.Errorf("unknown RequestType %q (want Create, Update or Delete)", e.RequestType)
}

// Create creates the flow and associates the ChannelArns with it.
//
// The ClientRequestToken is derived from the request, so a Create that
// Lambda or CloudFormation sends again gets the same flow back. When an
// association fails, the flow's ARN is still returned with the error:
// CloudFormation's rollback then deletes the flow.
func (f *ChannelFlow) Create(ctx context.Context, e cfn.Event) (string, map[string]any, error) {
	p, err := ParseProperties(e.ResourceProperties)
	if err != nil {
		return "", nil, err
	}
	arn, err := f.create(ctx, p, ClientRequestToken(e))
	if err != nil {
		return "", nil, err
	}
	if err := f.associate(ctx, arn, p.ChimeBearerArn, p.ChannelArns); err != nil {
		return arn, nil, err
	}
	return arn, p.data(arn), nil
}

// Update applies new properties to the flow named by the physical id.
//
// It calls UpdateChannelFlow when the name, the processor or the fallback
// action changed, disassociates the channels removed from ChannelArns and
// associates the ones added; channels associated by other means (flowctl)
// are left alone. A flow deleted behind CloudFormation's back is created
// again (a replacement: the answer is the new flow's ARN).
//
// A flow belongs to one app instance, and so do the stack's roles and the
// processor's invoke permission: a new AppInstanceArn is refused with an
// *AppInstanceChangeError, changing nothing, and the stack rolls back. (A
// replacement in the new app instance cannot work: CloudFormation updates
// the function's role to the new app instance before it sends the Delete
// of the old flow, which the role then may no longer touch, and it ignores
// that failed Delete: the old flow and its channels would stay behind.)
// The rollback's Update, whose OldResourceProperties name the refused app
// instance, changes nothing either.
//
// When the work fails after creating a replacement, Update returns the
// replacement's ARN with the error: the Handler deletes it (Undo) or
// answers it so that CloudFormation's rollback does.
func (f *ChannelFlow) Update(ctx context.Context, e cfn.Event) (string, map[string]any, error) {
	oldID := e.PhysicalResourceID
	p, err := ParseProperties(e.ResourceProperties)
	if err != nil {
		return oldID, nil, err
	}
	if !IsChannelFlowARN(oldID) {
		return f.replace(ctx, e, p)
	}
	flowApp := appInstanceOf(oldID)
	if flowApp != p.AppInstanceArn {
		return oldID, nil, &AppInstanceChangeError{From: flowApp, To: p.AppInstanceArn, Flow: oldID, StackName: stackName(e.StackID)}
	}
	if prev, _ := e.OldResourceProperties[PropAppInstanceArn].(string); strings.TrimSpace(prev) != "" && strings.TrimSpace(prev) != flowApp {
		// The rollback of an update that was refused for moving the flow
		// to another app instance: that update changed nothing, and the
		// flow still has these properties.
		step(ctx, "nothing to do: rolling back a refused change of app instance")
		return oldID, p.data(oldID), nil
	}
	// Old properties this version cannot read (written for an earlier one)
	// say nothing reliable of the flow: apply everything, remove nothing.
	old, err := ParseProperties(e.OldResourceProperties)
	if err != nil {
		old = nil
	}
	if old == nil || p.flowChanged(old) {
		step(ctx, "updating channel flow %s", oldID)
		_, err := f.API.UpdateChannelFlow(ctx, &messaging.UpdateChannelFlowInput{
			ChannelFlowArn: oldID,
			Name:           p.Name,
			Processors:     p.processors(f.processorName()),
		})
		if isNotFound(err) {
			return f.replace(ctx, e, p)
		}
		if err != nil {
			return oldID, nil, explain(fmt.Sprintf("update channel flow %s", oldID), err)
		}
	}
	bearer := p.ChimeBearerArn
	if old != nil {
		var removed []string
		for _, c := range old.ChannelArns {
			if !slices.Contains(p.ChannelArns, c) {
				removed = append(removed, c)
			}
		}
		if bearer == "" {
			bearer = old.ChimeBearerArn
		}
		if err := f.disassociate(ctx, oldID, bearer, removed); err != nil {
			return oldID, nil, err
		}
	}
	if err := f.associate(ctx, oldID, bearer, p.ChannelArns); err != nil {
		return oldID, nil, err
	}
	return oldID, p.data(oldID), nil
}

// ErrAppInstanceChange is matched (errors.Is) by every *AppInstanceChangeError.
var ErrAppInstanceChange = errors.New("the app instance of a deployed channel flow cannot change")

// AppInstanceChangeError refuses an Update that moves the flow to another
// app instance. Its text tells the operator what to do instead.
type AppInstanceChangeError struct {
	// From and To are the flow's app instance and the requested one.
	From, To string
	// Flow is the flow's ARN.
	Flow string
	// StackName is the stack's name, when known.
	StackName string
}

// Error explains the refusal and the way to move to another app instance.
func (e *AppInstanceChangeError) Error() string {
	stack := e.StackName
	if stack == "" {
		stack = "STACK"
	}
	return fmt.Sprintf("AppInstanceArn cannot change in a deployed stack (from %s to %s): the stack's roles, the processor's invoke permission and channel flow %s all belong to one app instance, and CloudFormation would update the function's role before deleting the old flow, leaving it and its channels behind. Nothing was changed; the stack rolls back. To serve %s, deploy a new stack for it (sam deploy --stack-name NEW_STACK --parameter-overrides AppInstanceArn=%s ...), then delete this one (sam delete --stack-name %s)",
		e.From, e.To, e.Flow, e.To, e.To, stack)
}

// Is reports whether target is ErrAppInstanceChange.
func (e *AppInstanceChangeError) Is(target error) bool { return target == ErrAppInstanceChange }

// appInstanceOf returns the app instance ARN a channel flow ARN is under.
func appInstanceOf(flowARN string) string {
	app, _, _ := strings.Cut(flowARN, "/channel-flow/")
	return app
}

// stackName returns the name in a stack ARN
// (arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID), or "".
func stackName(stackID string) string {
	_, rest, ok := strings.Cut(stackID, ":stack/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// replace creates a new flow for p during an Update and associates its
// channels. When that fails after the flow exists, it returns the new ARN
// with the error (see Update).
func (f *ChannelFlow) replace(ctx context.Context, e cfn.Event, p *Properties) (string, map[string]any, error) {
	arn, err := f.create(ctx, p, ClientRequestToken(e))
	if err != nil {
		return e.PhysicalResourceID, nil, err
	}
	if err := f.associate(ctx, arn, p.ChimeBearerArn, p.ChannelArns); err != nil {
		return arn, nil, err
	}
	return arn, p.data(arn), nil
}

// Undo is the UndoFunc of a ChannelFlow's Handler: it deletes the channel
// flow a failed request created (disassociating the channels it had
// associated), given its ARN. Given none (a CreateChannelFlow was under way
// when the work was cut short, its answer unknown), it sends the request's
// CreateChannelFlow again, with the same ClientRequestToken: the service
// answers the flow the first one created, or creates it now, and either
// way the flow is then deleted.
func (f *ChannelFlow) Undo(ctx context.Context, e cfn.Event, createdID string) error {
	p, err := ParseProperties(e.ResourceProperties)
	if err != nil {
		return nil // nothing was created from properties that do not parse
	}
	if createdID == "" {
		token := ClientRequestToken(e)
		out, err := f.API.CreateChannelFlow(ctx, f.createInput(p, token))
		if err != nil {
			return fmt.Errorf("a channel flow named %q may have been created in %s (ClientRequestToken %s), and asking for it failed: %w; look for it with aws chime-sdk-messaging list-channel-flows --app-instance-arn %s and delete it with flowctl delete",
				p.Name, p.AppInstanceArn, token, err, p.AppInstanceArn)
		}
		createdID = out.ChannelFlowArn
	}
	if !IsChannelFlowARN(createdID) {
		return fmt.Errorf("%q is not a channel flow ARN", createdID)
	}
	return f.Remove(ctx, createdID, p.ChimeBearerArn)
}

// NewHandler returns a Handler that runs f's requests and undoes what a
// failed one created (f.Undo). Set its other fields before use.
func NewHandler(f *ChannelFlow) *Handler {
	return &Handler{Func: f.Handle, Undo: f.Undo}
}

// Delete removes the flow named by the physical id: it disassociates its
// channels when ChimeBearerArn is given, then deletes it. A flow that is
// already gone, and a physical id that is not a channel flow ARN (a Create
// that failed before the flow existed), are deleted successfully.
func (f *ChannelFlow) Delete(ctx context.Context, e cfn.Event) (string, map[string]any, error) {
	id := e.PhysicalResourceID
	if !IsChannelFlowARN(id) {
		step(ctx, "nothing to delete: %q is not a channel flow ARN", id)
		return id, nil, nil
	}
	// The properties were valid when the flow was made; read the bearer
	// leniently so that nothing stands in the way of a delete.
	bearer, _ := e.ResourceProperties[PropChimeBearerArn].(string)
	return id, nil, f.Remove(ctx, id, strings.TrimSpace(bearer))
}

// Remove disassociates every channel of the flow as bearer (when given),
// then deletes the flow. A flow that does not exist is not an error.
// Without a bearer, a flow that still has channels is not deleted and the
// error names them.
func (f *ChannelFlow) Remove(ctx context.Context, flowARN, bearer string) error {
	channels, err := f.AssociatedChannels(ctx, flowARN)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(channels) > 0 {
		if bearer == "" {
			return fmt.Errorf("channel flow %s is still associated with %d channel(s) (%s) and cannot be deleted: give the stack a ChimeBearerArn (an AppInstanceAdmin) so that it disassociates them, or disassociate them yourself (flowctl disassociate -flow %s -channel ARN -bearer ADMIN_ARN), then retry",
				flowARN, len(channels), summarize(channels, 3), flowARN)
		}
		if err := f.disassociate(ctx, flowARN, bearer, channels); err != nil {
			return err
		}
	}
	step(ctx, "deleting channel flow %s", flowARN)
	_, err = f.API.DeleteChannelFlow(ctx, &messaging.DeleteChannelFlowInput{ChannelFlowArn: flowARN})
	if err != nil && !isNotFound(err) {
		return explain(fmt.Sprintf("delete channel flow %s", flowARN), err)
	}
	return nil
}

// AssociatedChannels returns the ARNs of every channel associated with the
// flow, following NextToken.
func (f *ChannelFlow) AssociatedChannels(ctx context.Context, flowARN string) ([]string, error) {
	var (
		channels []string
		token    string
	)
	for {
		step(ctx, "listing the channels of channel flow %s", flowARN)
		out, err := f.API.ListChannelsAssociatedWithChannelFlow(ctx, &messaging.ListChannelsAssociatedWithChannelFlowInput{
			ChannelFlowArn: flowARN,
			MaxResults:     messaging.MaxChannelFlowPageSize,
			NextToken:      token,
		})
		if err != nil {
			return nil, explain(fmt.Sprintf("list the channels associated with channel flow %s", flowARN), err)
		}
		for _, c := range out.Channels {
			channels = append(channels, c.ChannelArn)
		}
		if out.NextToken == "" || out.NextToken == token {
			return channels, nil
		}
		token = out.NextToken
	}
}

func (f *ChannelFlow) processorName() string {
	if f.ProcessorName != "" {
		return f.ProcessorName
	}
	return DefaultProcessorName
}

// createInput is the CreateChannelFlow request for p; token makes a
// retry of it idempotent.
func (f *ChannelFlow) createInput(p *Properties, token string) *messaging.CreateChannelFlowInput {
	return &messaging.CreateChannelFlowInput{
		AppInstanceArn:     p.AppInstanceArn,
		Name:               p.Name,
		Processors:         p.processors(f.processorName()),
		ClientRequestToken: token,
	}
}

// create calls CreateChannelFlow and records the new ARN with the Handler
// as soon as it exists.
func (f *ChannelFlow) create(ctx context.Context, p *Properties, token string) (string, error) {
	step(ctx, "creating channel flow %q in %s", p.Name, p.AppInstanceArn)
	creating(ctx, true)
	out, err := f.API.CreateChannelFlow(ctx, f.createInput(p, token))
	if err != nil {
		// A 4xx refusal created nothing; after a 5xx, a transport error or
		// a deadline the outcome is unknown.
		var apiErr *messaging.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode < 500 {
			creating(ctx, false)
		}
		return "", explain(fmt.Sprintf("create channel flow %q in %s", p.Name, p.AppInstanceArn), err)
	}
	if !IsChannelFlowARN(out.ChannelFlowArn) {
		return "", fmt.Errorf("create channel flow %q: the service answered ChannelFlowArn %q, which is not a channel flow ARN (request id %s)", p.Name, out.ChannelFlowArn, out.RequestID)
	}
	created(ctx, out.ChannelFlowArn)
	return out.ChannelFlowArn, nil
}

// associate associates the channels not yet associated with the flow.
func (f *ChannelFlow) associate(ctx context.Context, flowARN, bearer string, channels []string) error {
	if len(channels) == 0 {
		return nil
	}
	current, err := f.AssociatedChannels(ctx, flowARN)
	if err != nil {
		return err
	}
	for _, c := range channels {
		if slices.Contains(current, c) {
			continue
		}
		step(ctx, "associating channel %s with channel flow %s", c, flowARN)
		_, err := f.API.AssociateChannelFlow(ctx, &messaging.AssociateChannelFlowInput{ChannelArn: c, ChannelFlowArn: flowARN, ChimeBearer: bearer})
		if err != nil {
			return explain(fmt.Sprintf("associate channel %s with channel flow %s as %s", c, flowARN, bearer), err)
		}
	}
	return nil
}

// disassociate disassociates channels from the flow; a channel that is not
// (or no longer) associated is skipped.
func (f *ChannelFlow) disassociate(ctx context.Context, flowARN, bearer string, channels []string) error {
	if len(channels) == 0 {
		return nil
	}
	if bearer == "" {
		return fmt.Errorf("cannot disassociate %s from channel flow %s without a ChimeBearerArn (an AppInstanceAdmin): set one, or disassociate them with flowctl", summarize(channels, 3), flowARN)
	}
	for _, c := range channels {
		step(ctx, "disassociating channel %s from channel flow %s", c, flowARN)
		_, err := f.API.DisassociateChannelFlow(ctx, &messaging.DisassociateChannelFlowInput{ChannelArn: c, ChannelFlowArn: flowARN, ChimeBearer: bearer})
		if err != nil && !isNotFound(err) {
			return explain(fmt.Sprintf("disassociate channel %s from channel flow %s as %s", c, flowARN, bearer), err)
		}
	}
	return nil
}

// data is the response Data of a flow.
func (p *Properties) data(arn string) map[string]any {
	return map[string]any{DataChannelFlowArn: arn, DataName: p.Name}
}

// ClientRequestToken returns the CreateChannelFlow token of a request: the
// SHA-256 of its StackId, LogicalResourceId and RequestId, in unpadded
// base64url (43 characters of [-_a-zA-Z0-9]). A request sent again gets the
// same token; another request, or the same resource in another stack, gets
// another.
func ClientRequestToken(e cfn.Event) string {
	sum := sha256.Sum256([]byte(e.StackID + "\n" + e.LogicalResourceID + "\n" + e.RequestID))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

var notFoundText = regexp.MustCompile(`(?i)not found|does not exist|doesn't exist|no such`)

// isNotFound reports whether err says the resource does not exist: a 404
// (NotFoundException), or a 400 whose message says so.
func isNotFound(err error) bool {
	var apiErr *messaging.APIError
	if !errors.As(err, &apiErr) {
		return false
	}
	return apiErr.StatusCode == 404 || apiErr.Code == "NotFoundException" ||
		apiErr.StatusCode == 400 && notFoundText.MatchString(apiErr.Message)
}

// explain wraps err from the call described by what with a hint at what to
// do about it.
func explain(what string, err error) error {
	var apiErr *messaging.APIError
	if !errors.As(err, &apiErr) {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s: %w: no answer from Chime SDK Messaging in time", what, err)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	var hint string
	switch {
	case apiErr.StatusCode == 401 || apiErr.StatusCode == 403:
		hint = "check that the function's role allows this chime action on the app instance and, for channel associations, that ChimeBearerArn is an AppInstanceAdmin of the app instance or a moderator of the channel"
	case apiErr.StatusCode == 404:
		hint = "check that the app instance, channel and bearer exist in this account and Region"
	case apiErr.StatusCode == 409:
		hint = "a conflicting change is under way, or the channel already uses another channel flow (disassociate it first with flowctl disassociate)"
	case apiErr.Code == "ResourceLimitExceededException":
		hint = "the app instance has as many channel flows as allowed: delete an unused one or ask for a higher quota"
	case apiErr.StatusCode == 429:
		hint = "throttled after every retry: retry the deployment in a minute"
	case apiErr.StatusCode >= 500:
		hint = "Chime SDK Messaging failed: retry the deployment; if it persists, contact AWS Support with the request id"
	case apiErr.StatusCode == 400:
		hint = "check the stack parameters"
	}
	if hint == "" {
		return fmt.Errorf("%s: %w", what, err)
	}
	return fmt.Errorf("%s: %w; %s", what, err, hint)
}

// summarize lists at most n items and counts the rest.
func summarize(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}
