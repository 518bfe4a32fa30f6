// Package messagingtest provides a stand-in for Amazon Chime SDK Messaging
// in tests.
package messagingtest
