package messaging

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
)

// Compile-time checks that *Client implements the package's interfaces.
var (
	_ CallbackAPI = (*Client)(nil)
	_ StatusAPI   = (*Client)(nil)
	_ FlowAPI     = (*Client)(nil)
)

// Operation names, as in the service model.
const (
	OpChannelFlowCallback                   = "ChannelFlowCallback"
	OpGetChannelMessageStatus               = "GetChannelMessageStatus"
	OpCreateChannelFlow                     = "CreateChannelFlow"
	OpUpdateChannelFlow                     = "UpdateChannelFlow"
	OpDeleteChannelFlow                     = "DeleteChannelFlow"
	OpDescribeChannelFlow                   = "DescribeChannelFlow"
	OpAssociateChannelFlow                  = "AssociateChannelFlow"
	OpDisassociateChannelFlow               = "DisassociateChannelFlow"
	OpListChannelsAssociatedWithChannelFlow = "ListChannelsAssociatedWithChannelFlow"
)

// validator is implemented by every input.
type validatable interface{ Validate() error }

// prepare validates in and, when body is not nil, marshals it as the JSON body.
func prepare(op string, in validatable, isNil bool, body any) (*request, error) {
	if isNil {
		return nil, &InvalidParamsError{Operation: op, Params: []ParamError{{Field: "input", Reason: "required"}}}
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r := &request{op: op}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("messaging: %s: encode request: %w", op, err)
		}
		r.body, r.hasBody = b, true
	}
	return r, nil
}

// ChannelFlowCallback answers a channel flow invocation:
// POST /channels/{ChannelArn}?operation=channel-flow-callback. It sends the
// processed message back (DeleteResource false) or denies it (true).
//
// Any 2xx answer is a delivered callback, whatever its body: a body that
// does not decode leaves ChannelArn and CallbackID as sent.
func (c *Client) ChannelFlowCallback(ctx context.Context, in *ChannelFlowCallbackInput, optFns ...func(*Options)) (*ChannelFlowCallbackOutput, error) {
	r, err := prepare(OpChannelFlowCallback, callbackCheck(ctx, in), in == nil, in)
	if err != nil {
		return nil, err
	}
	r.method = "POST"
	r.path = "/channels/" + escapeLabel(in.ChannelArn)
	r.query = "operation=channel-flow-callback"
	r.bodyOptional = true
	r.inInvocation = true
	out := &ChannelFlowCallbackOutput{}
	if out.RequestID, err = c.invoke(ctx, r, out, optFns); err != nil {
		return nil, err
	}
	if out.ChannelArn == "" {
		out.ChannelArn = in.ChannelArn
	}
	if out.CallbackID == "" {
		out.CallbackID = in.CallbackID
	}
	return out, nil
}

// GetChannelMessageStatus returns the status of a message going through a
// channel flow:
// GET /channels/{ChannelArn}/messages/{MessageId}?scope=message-status, as
// ChimeBearer, which must be the message's sender (see ConfirmResolved).
func (c *Client) GetChannelMessageStatus(ctx context.Context, in *GetChannelMessageStatusInput, optFns ...func(*Options)) (*GetChannelMessageStatusOutput, error) {
	r, err := prepare(OpGetChannelMessageStatus, in, in == nil, nil)
	if err != nil {
		return nil, err
	}
	q := url.Values{"scope": {"message-status"}}
	if in.SubChannelID != "" {
		q.Set("sub-channel-id", in.SubChannelID)
	}
	r.method = "GET"
	r.path = "/channels/" + escapeLabel(in.ChannelArn) + "/messages/" + escapeLabel(in.MessageID)
	r.query = q.Encode()
	r.bearer = in.ChimeBearer
	r.inInvocation = true
	out := &GetChannelMessageStatusOutput{}
	if out.RequestID, err = c.invoke(ctx, r, out, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

// CreateChannelFlow creates a channel flow: POST /channel-flows (201).
func (c *Client) CreateChannelFlow(ctx context.Context, in *CreateChannelFlowInput, optFns ...func(*Options)) (*CreateChannelFlowOutput, error) {
	r, err := prepare(OpCreateChannelFlow, in, in == nil, in)
	if err != nil {
		return nil, err
	}
	r.method = "POST"
	r.path = "/channel-flows"
	out := &CreateChannelFlowOutput{}
	if out.RequestID, err = c.invoke(ctx, r, out, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateChannelFlow replaces the name and processors of a channel flow:
// PUT /channel-flows/{ChannelFlowArn}.
func (c *Client) UpdateChannelFlow(ctx context.Context, in *UpdateChannelFlowInput, optFns ...func(*Options)) (*UpdateChannelFlowOutput, error) {
	r, err := prepare(OpUpdateChannelFlow, in, in == nil, in)
	if err != nil {
		return nil, err
	}
	r.method = "PUT"
	r.path = "/channel-flows/" + escapeLabel(in.ChannelFlowArn)
	out := &UpdateChannelFlowOutput{}
	if out.RequestID, err = c.invoke(ctx, r, out, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

// DeleteChannelFlow deletes a channel flow that no channel uses:
// DELETE /channel-flows/{ChannelFlowArn} (204).
func (c *Client) DeleteChannelFlow(ctx context.Context, in *DeleteChannelFlowInput, optFns ...func(*Options)) (*DeleteChannelFlowOutput, error) {
	r, err := prepare(OpDeleteChannelFlow, in, in == nil, nil)
	if err != nil {
		return nil, err
	}
	r.method = "DELETE"
	r.path = "/channel-flows/" + escapeLabel(in.ChannelFlowArn)
	out := &DeleteChannelFlowOutput{}
	if out.RequestID, err = c.invoke(ctx, r, nil, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

// DescribeChannelFlow returns a channel flow: GET /channel-flows/{ChannelFlowArn}.
func (c *Client) DescribeChannelFlow(ctx context.Context, in *DescribeChannelFlowInput, optFns ...func(*Options)) (*DescribeChannelFlowOutput, error) {
	r, err := prepare(OpDescribeChannelFlow, in, in == nil, nil)
	if err != nil {
		return nil, err
	}
	r.method = "GET"
	r.path = "/channel-flows/" + escapeLabel(in.ChannelFlowArn)
	out := &DescribeChannelFlowOutput{}
	if out.RequestID, err = c.invoke(ctx, r, out, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

// AssociateChannelFlow attaches a channel flow to a channel:
// PUT /channels/{ChannelArn}/channel-flow, as ChimeBearer (an app instance
// admin or channel moderator).
func (c *Client) AssociateChannelFlow(ctx context.Context, in *AssociateChannelFlowInput, optFns ...func(*Options)) (*AssociateChannelFlowOutput, error) {
	r, err := prepare(OpAssociateChannelFlow, in, in == nil, in)
	if err != nil {
		return nil, err
	}
	r.method = "PUT"
	r.path = "/channels/" + escapeLabel(in.ChannelArn) + "/channel-flow"
	r.bearer = in.ChimeBearer
	out := &AssociateChannelFlowOutput{}
	if out.RequestID, err = c.invoke(ctx, r, nil, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

// DisassociateChannelFlow detaches a channel flow from a channel:
// DELETE /channels/{ChannelArn}/channel-flow/{ChannelFlowArn} (204), as
// ChimeBearer.
func (c *Client) DisassociateChannelFlow(ctx context.Context, in *DisassociateChannelFlowInput, optFns ...func(*Options)) (*DisassociateChannelFlowOutput, error) {
	r, err := prepare(OpDisassociateChannelFlow, in, in == nil, nil)
	if err != nil {
		return nil, err
	}
	r.method = "DELETE"
	r.path = "/channels/" + escapeLabel(in.ChannelArn) + "/channel-flow/" + escapeLabel(in.ChannelFlowArn)
	r.bearer = in.ChimeBearer
	out := &DisassociateChannelFlowOutput{}
	if out.RequestID, err = c.invoke(ctx, r, nil, optFns); err != nil {
		return nil, err
	}
	return out, nil
}

// ListChannelsAssociatedWithChannelFlow returns one page of the channels
// that use a channel flow:
// GET /channels?scope=channel-flow-associations&channel-flow-arn=...
// Pass the returned NextToken back for the next page.
func (c *Client) ListChannelsAssociatedWithChannelFlow(ctx context.Context, in *ListChannelsAssociatedWithChannelFlowInput, optFns ...func(*Options)) (*ListChannelsAssociatedWithChannelFlowOutput, error) {
	r, err := prepare(OpListChannelsAssociatedWithChannelFlow, in, in == nil, nil)
	if err != nil {
		return nil, err
	}
	q := url.Values{
		"scope":            {"channel-flow-associations"},
		"channel-flow-arn": {in.ChannelFlowArn},
	}
	if in.MaxResults > 0 {
		q.Set("max-results", strconv.Itoa(in.MaxResults))
	}
	if in.NextToken != "" {
		q.Set("next-token", in.NextToken)
	}
	r.method = "GET"
	r.path = "/channels"
	r.query = q.Encode()
	out := &ListChannelsAssociatedWithChannelFlowOutput{}
	if out.RequestID, err = c.invoke(ctx, r, out, optFns); err != nil {
		return nil, err
	}
	return out, nil
}
