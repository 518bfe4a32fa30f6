package messaging

import "time"

// ChannelFlowCallbackInput is the request of the ChannelFlowCallback
// operation (POST /channels/{channelArn}?operation=channel-flow-callback).
//
// ChannelArn travels in the path; every other field is the JSON body. Field
// names and limits follow the official service model
// (chime-sdk-messaging-2021-05-15).
type ChannelFlowCallbackInput struct {
	// CallbackID identifies the pending message; 32-64 characters, taken from
	// the invocation event, never invented.
	CallbackID string `json:"CallbackId"`
	// ChannelArn is the channel the message belongs to (path parameter).
	ChannelArn string `json:"-"`
	// DeleteResource true denies (deletes) the pending message.
	DeleteResource bool `json:"DeleteResource"`
	// ChannelMessage is the message as it should be delivered.
	ChannelMessage *ChannelMessageCallback `json:"ChannelMessage"`
}

// ChannelFlowCallbackOutput is the response of ChannelFlowCallback.
type ChannelFlowCallbackOutput struct {
	ChannelArn string `json:"ChannelArn,omitempty"`
	CallbackID string `json:"CallbackId,omitempty"`
	// RequestID is the x-amzn-RequestId of the response, when the service sent one.
	RequestID string `json:"-"`
}

// GetChannelMessageStatusInput is the request of GetChannelMessageStatus
// (GET /channels/{channelArn}/messages/{messageId}?scope=message-status).
// Every field travels in the path, the query or a header.
type GetChannelMessageStatusInput struct {
	ChannelArn string
	MessageID  string
	// ChimeBearer is the x-amz-chime-bearer header: the ARN of the
	// AppInstanceUser or AppInstanceBot making the call. Only the message's
	// sender may ask.
	ChimeBearer string
	// SubChannelID is the message's SubChannel, for elastic channels.
	SubChannelID string
}

// GetChannelMessageStatusOutput is the response of GetChannelMessageStatus.
type GetChannelMessageStatusOutput struct {
	Status    *ChannelMessageStatusStructure `json:"Status,omitempty"`
	RequestID string                         `json:"-"`
}

// ChannelMessageStatusStructure is a message's status and its details.
type ChannelMessageStatusStructure struct {
	Value  ChannelMessageStatus `json:"Value,omitempty"`
	Detail string               `json:"Detail,omitempty"`
}

// ChannelMessageStatus is the processing status of a channel message.
type ChannelMessageStatus string

// Message statuses, as in the service model.
const (
	// StatusSent: processed and delivered.
	StatusSent ChannelMessageStatus = "SENT"
	// StatusPending: the flow has not answered yet.
	StatusPending ChannelMessageStatus = "PENDING"
	// StatusFailed: processing failed.
	StatusFailed ChannelMessageStatus = "FAILED"
	// StatusDenied: the processor denied the message.
	StatusDenied ChannelMessageStatus = "DENIED"
)

// ChannelMessageCallback is the message part of a ChannelFlowCallback request.
// Only MessageID is required; absent optional fields are omitted on the wire.
type ChannelMessageCallback struct {
	MessageID         string                           `json:"MessageId"`
	Content           string                           `json:"Content,omitempty"`
	Metadata          string                           `json:"Metadata,omitempty"`
	PushNotification  *PushNotificationConfiguration   `json:"PushNotification,omitempty"`
	MessageAttributes map[string]MessageAttributeValue `json:"MessageAttributes,omitempty"`
	SubChannelID      string                           `json:"SubChannelId,omitempty"`
	ContentType       string                           `json:"ContentType,omitempty"`
}

// PushNotificationConfiguration is the push notification sent with a message.
type PushNotificationConfiguration struct {
	Title string `json:"Title,omitempty"`
	Body  string `json:"Body,omitempty"`
	// Type is DEFAULT or VOIP.
	Type string `json:"Type,omitempty"`
}

// MessageAttributeValue holds the values of one message attribute.
type MessageAttributeValue struct {
	StringValues []string `json:"StringValues,omitempty"`
}

// FallbackAction tells Chime what to do with a message when it cannot reach
// a processor.
type FallbackAction string

// Fallback actions of a channel flow processor.
const (
	FallbackContinue FallbackAction = "CONTINUE"
	FallbackAbort    FallbackAction = "ABORT"
)

// InvocationTypeAsync is the only invocation type a processor supports.
const InvocationTypeAsync = "ASYNC"

// Processor is one step of a channel flow.
type Processor struct {
	Name           string                 `json:"Name"`
	Configuration  ProcessorConfiguration `json:"Configuration"`
	ExecutionOrder int                    `json:"ExecutionOrder"`
	FallbackAction FallbackAction         `json:"FallbackAction"`
}

// ProcessorConfiguration holds the Lambda target of a processor.
type ProcessorConfiguration struct {
	Lambda LambdaConfiguration `json:"Lambda"`
}

// LambdaConfiguration names the processor function and how it is invoked.
type LambdaConfiguration struct {
	ResourceArn    string `json:"ResourceArn"`
	InvocationType string `json:"InvocationType"`
}

// Tag is a key-value tag on a channel flow.
type Tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

// CreateChannelFlowInput is the request of CreateChannelFlow (POST /channel-flows).
type CreateChannelFlowInput struct {
	AppInstanceArn     string      `json:"AppInstanceArn"`
	Name               string      `json:"Name"`
	Processors         []Processor `json:"Processors"`
	Tags               []Tag       `json:"Tags,omitempty"`
	ClientRequestToken string      `json:"ClientRequestToken"`
}

// CreateChannelFlowOutput is the response of CreateChannelFlow.
type CreateChannelFlowOutput struct {
	ChannelFlowArn string `json:"ChannelFlowArn"`
	RequestID      string `json:"-"`
}

// UpdateChannelFlowInput is the request of UpdateChannelFlow
// (PUT /channel-flows/{channelFlowArn}).
type UpdateChannelFlowInput struct {
	ChannelFlowArn string      `json:"-"`
	Name           string      `json:"Name"`
	Processors     []Processor `json:"Processors"`
}

// UpdateChannelFlowOutput is the response of UpdateChannelFlow.
type UpdateChannelFlowOutput struct {
	ChannelFlowArn string `json:"ChannelFlowArn"`
	RequestID      string `json:"-"`
}

// DeleteChannelFlowInput is the request of DeleteChannelFlow
// (DELETE /channel-flows/{channelFlowArn}).
type DeleteChannelFlowInput struct {
	ChannelFlowArn string `json:"-"`
}

// DeleteChannelFlowOutput is the (empty) response of DeleteChannelFlow.
type DeleteChannelFlowOutput struct {
	RequestID string `json:"-"`
}

// DescribeChannelFlowInput is the request of DescribeChannelFlow
// (GET /channel-flows/{channelFlowArn}).
type DescribeChannelFlowInput struct {
	ChannelFlowArn string `json:"-"`
}

// DescribeChannelFlowOutput is the response of DescribeChannelFlow.
type DescribeChannelFlowOutput struct {
	ChannelFlow *ChannelFlow `json:"ChannelFlow"`
	RequestID   string       `json:"-"`
}

// ChannelFlow describes a channel flow.
type ChannelFlow struct {
	ChannelFlowArn       string      `json:"ChannelFlowArn"`
	Name                 string      `json:"Name"`
	Processors           []Processor `json:"Processors"`
	CreatedTimestamp     *time.Time  `json:"-"`
	LastUpdatedTimestamp *time.Time  `json:"-"`
}

// AssociateChannelFlowInput is the request of AssociateChannelFlow
// (PUT /channels/{channelArn}/channel-flow). ChimeBearer (an app instance
// admin or moderator ARN) travels in the x-amz-chime-bearer header.
type AssociateChannelFlowInput struct {
	ChannelArn     string `json:"-"`
	ChannelFlowArn string `json:"ChannelFlowArn"`
	ChimeBearer    string `json:"-"`
}

// AssociateChannelFlowOutput is the (empty) response of AssociateChannelFlow.
type AssociateChannelFlowOutput struct {
	RequestID string `json:"-"`
}

// DisassociateChannelFlowInput is the request of DisassociateChannelFlow
// (DELETE /channels/{channelArn}/channel-flow/{channelFlowArn}).
type DisassociateChannelFlowInput struct {
	ChannelArn     string `json:"-"`
	ChannelFlowArn string `json:"-"`
	ChimeBearer    string `json:"-"`
}

// DisassociateChannelFlowOutput is the (empty) response of DisassociateChannelFlow.
type DisassociateChannelFlowOutput struct {
	RequestID string `json:"-"`
}

// ListChannelsAssociatedWithChannelFlowInput is the request of
// ListChannelsAssociatedWithChannelFlow
// (GET /channels?scope=channel-flow-associations).
type ListChannelsAssociatedWithChannelFlowInput struct {
	ChannelFlowArn string
	MaxResults     int    // 1-50; 0 leaves it to the service
	NextToken      string // from a previous page
}

// ListChannelsAssociatedWithChannelFlowOutput is one page of associated channels.
type ListChannelsAssociatedWithChannelFlowOutput struct {
	Channels  []ChannelAssociatedWithFlowSummary `json:"Channels"`
	NextToken string                             `json:"NextToken,omitempty"`
	RequestID string                             `json:"-"`
}

// ChannelAssociatedWithFlowSummary summarises a channel associated with a flow.
type ChannelAssociatedWithFlowSummary struct {
	Name       string `json:"Name"`
	ChannelArn string `json:"ChannelArn"`
	Mode       string `json:"Mode"`
	Privacy    string `json:"Privacy"`
	Metadata   string `json:"Metadata,omitempty"`
}
