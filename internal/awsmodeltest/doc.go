// Package awsmodeltest is a stand-in for the AWS model APIs the model-based
// rules call: Amazon Comprehend (DetectToxicContent, DetectPiiEntities,
// DetectDominantLanguage; json protocol) and Amazon Bedrock Runtime
// (ApplyGuardrail; rest-json), on one loopback endpoint, for tests and for
// offline replays.
//
// Server, like messaging/messagingtest.Server (both read the model with
// internal/awsmodel, and share their server, record of calls and fault
// queues with internal/standin),
//
//   - checks every request against the service's own model (comprehend.json
//     and bedrock-runtime.json, the served operations of the verbatim
//     botocore models in testdata, checked by a test) and the limits the
//     service documents beyond it (DetectToxicContent: at most 10 segments,
//     1 KB each, 10 KB in all; DetectPiiEntities and DetectDominantLanguage:
//     100 KB; both read as thousands of bytes, the stricter reading), and
//     its SigV4 signature with the service's signing name; a request that
//     breaks either is refused as the service refuses it and counted
//     (Nonconforming);
//   - answers with what a Handler decides (Handle), a Recording (a file of
//     answers: see LoadRecording), or a clean default answer; every answer
//     is checked against the operation's output shape before it is sent, so
//     a scripted answer the real service could not give fails the test;
//   - applies faults (Inject, or a Handler's Answer.Fault): throttling, 5xx,
//     answers delayed or never sent, reset connections.
//
// AWSConfig returns an aws.Config whose clients (the official
// service/comprehend and service/bedrockruntime) call the Server; Env
// returns the environment for a process.
package awsmodeltest
