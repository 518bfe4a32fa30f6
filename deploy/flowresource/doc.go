// Package flowresource is the CloudFormation custom resource that creates,
// updates and deletes an Amazon Chime SDK Messaging channel flow whose one
// processor is a chimeflow Lambda function, and associates channels with it.
//
// It has two halves:
//
//   - ChannelFlow does the work of a request (a cfn.CustomResourceFunction):
//     Create calls CreateChannelFlow with a ClientRequestToken derived from
//     the request, so a retried Create does not make a second flow; Update
//     calls UpdateChannelFlow when only the name, the processor or the
//     fallback action change, makes the flow again when it was deleted
//     outside the stack, and refuses a new app instance (the stack's roles
//     belong to one: deploy another stack); Delete disassociates the flow's
//     channels first when a bearer is given, tolerates a flow that is
//     already gone, and treats a physical id that is not a channel flow ARN
//     (left by a failed Create) as nothing to delete.
//   - Handler always answers CloudFormation: on success, on error, on panic
//     and before the Lambda function's own deadline, with a reason a person
//     can act on, so a stack never waits an hour for a response that will
//     not come. A request that fails leaves nothing behind: the Handler's
//     Undo (ChannelFlow.Undo) deletes what it created, or the answer names
//     it so that CloudFormation's rollback does. A failed delivery of the
//     answer is logged without the pre-signed URL's query.
//
// NewHandler wires the two.
//
// cmd/flowresource wires both to the Lambda runtime; the resource is declared
// in template.yaml as Custom::ChimeChannelFlow.
package flowresource
