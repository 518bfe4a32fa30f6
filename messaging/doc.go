// Package messaging is a small client for the Amazon Chime SDK Messaging
// operations that a channel flow processor and its deployment need:
// ChannelFlowCallback, GetChannelMessageStatus, and the channel flow
// management calls (Create/Update/Delete/DescribeChannelFlow,
// Associate/DisassociateChannelFlow, ListChannelsAssociatedWithChannelFlow).
// Its test kit, package messagingtest, holds a Recorder and a model- and
// signature-checking stand-in for the service.
//
// # Why it is hand-written
//
// The official client, github.com/aws/aws-sdk-go-v2/service/chimesdkmessaging,
// cannot be fetched where this project is built. This package is written on
// the aws-sdk-go-v2 core instead, following the official service model
// (chime-sdk-messaging-2021-05-15, rest-json) to the letter:
//
//   - the same method shape: ChannelFlowCallback(ctx, *Input, ...func(*Options)) (*Output, error);
//   - the same wire format: method, requestUri, path labels escaped as one
//     segment as the SDK's httpbinding encoder does ('/' -> %2F, ':' -> %3A),
//     query and header members, a JSON body with the model's member names;
//   - SigV4 signing with the SDK's v4 signer (signing name "chime"), with
//     credentials retrieved afresh for every attempt;
//   - the SDK's exponential jitter backoff, retrying 429 (which the SDK's
//     standard retryer would not: ThrottledClientException is not in its
//     throttle codes), 5xx and transport errors, never other 4xx nor a
//     canceled context, within Options.MaxAttempts and the context's deadline;
//   - service errors as *APIError (status, code, message, request id);
//     inputs that break the model as *InvalidParamsError, before sending.
//
// # Under real faults
//
//   - A 2xx answer to a callback is a delivery, whatever its body.
//   - A redirect is refused (*RedirectError, ErrRedirect), never followed:
//     the body and the session token go to the endpoint only.
//   - A plain http:// endpoint is refused (ErrInsecureEndpoint) unless its
//     host is loopback or Options.AllowHTTP is set.
//   - No attempt and no backoff sleep starts unless it can end
//     Options.DeadlineMargin before the context's deadline (by default
//     500ms for the callback and status calls a processor makes within its
//     invocation, none for the flow management calls); when the deadline
//     ends the retries, the error is the last one an attempt met, "after N
//     attempts". Only a call that met no real error returns a
//     *TimeoutError.
//   - The service refuses the second callback of an answered message in
//     three forms (a generic 403, a 409, a 400 about a non-pending
//     message), which a real failure can also take. MaybeResolved
//     recognises them; ConfirmResolved asks GetChannelMessageStatus, as the
//     message's sender, whether the message is still pending: a duplicate
//     delivery is done, anything else stays a failure.
//
// The tests check every operation's requests against the model, and against
// botocore's own serializer, validator and SigV4 signer.
//
// # Configuration
//
// In AWS Lambda, EnvOptions reads the region and the function's credentials
// from the environment without loading the shared config (and without
// importing github.com/aws/aws-sdk-go-v2/config, whose package init alone
// costs cold-start time):
//
//	opts, err := messaging.EnvOptions()
//	if err != nil { ... }
//	client := messaging.New(opts)
//
// Elsewhere, NewFromConfig takes an aws.Config from config.LoadDefaultConfig.
// Both honour AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING, then AWS_ENDPOINT_URL,
// unless Options.BaseEndpoint is set.
//
// # Swapping in the official client
//
// Code depends on the CallbackAPI and FlowAPI interfaces, not on *Client.
// The official client has the same methods but its own input, output and
// option types, so it stands in behind a small adapter:
//
//	official := chimesdkmessaging.NewFromConfig(cfg)
//	var api messaging.CallbackAPI = messaging.CallbackFunc(func(ctx context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
//		out, err := official.ChannelFlowCallback(ctx, &chimesdkmessaging.ChannelFlowCallbackInput{
//			CallbackId:     aws.String(in.CallbackID),
//			ChannelArn:     aws.String(in.ChannelArn),
//			DeleteResource: in.DeleteResource,
//			ChannelMessage: toOfficial(in.ChannelMessage),
//		})
//		if err != nil {
//			return nil, err
//		}
//		return &messaging.ChannelFlowCallbackOutput{ChannelArn: aws.ToString(out.ChannelArn), CallbackID: aws.ToString(out.CallbackId)}, nil
//	})
//
// The official client's errors are smithy.APIError values; MaybeResolved
// only knows *APIError, so such an adapter should map them (ErrorCode,
// ErrorMessage and the HTTP status from smithyhttp.ResponseError).
package messaging
