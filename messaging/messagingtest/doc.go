// Package messagingtest is to package messaging what net/http/httptest is
// to net/http: stand-ins for Amazon Chime SDK Messaging that tests, the
// project's and its users', run against instead of AWS.
//
// # Recorder
//
// Recorder is a messaging.CallbackAPI that records each callback and
// answers success, for tests of code that takes a CallbackAPI (a Handler,
// a rule's pipeline) and only needs to see what would be sent.
//
// # Server
//
// Server is a Chime SDK Messaging endpoint on loopback (an httptest.Server)
// for tests of the wire: a messaging.Client, a Lambda bootstrap binary or
// a command points at Server.URL. It
//
//   - checks every request against the official service model (method,
//     path labels, query, headers, body members, required members, types,
//     lengths, patterns read as the service reads them, enums) and its SigV4
//     signature, recomputed with the credentials it is configured with; a
//     request that breaks either is refused as the service refuses it (400
//     BadRequestException; 403 InvalidSignatureException and the like) and
//     counted: Nonconforming must stay 0 for a conforming client;
//   - serves ChannelFlowCallback over a registry of messages: a message
//     registered PENDING (AddMessage) is resolved by its first accepted
//     callback, and every later callback is refused in the form the test
//     chooses (Refusal: the generic 403, 409, or 400 "non-pending");
//   - serves GetChannelMessageStatus (the bearer must be the sender);
//   - serves the channel flow operations with their state (flows created
//     once per ClientRequestToken, associations, pagination);
//   - refuses, when given the role's policy (Config.Policy, ParsePolicy),
//     what IAM would refuse: 403 AccessDeniedException;
//   - applies scripted faults (Fault, Inject, InjectCallback, Schedule):
//     429, 500, 503 with JSON or HTML bodies, reset connections, slow
//     answers, malformed 2xx bodies, redirects, the three refusal forms and
//     a real AccessDeniedException.
//
// The service model is embedded (model.json, the served operations of the
// verbatim botocore model in messaging/testdata, checked by a test).
package messagingtest
