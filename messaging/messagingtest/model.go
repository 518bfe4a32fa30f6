package messagingtest

import (
	_ "embed"

	"github.com/chimeflow/chimeflow/internal/awsmodel"
)

// modelJSON holds the operations the Server serves, as the official service
// model (chime-sdk-messaging-2021-05-15) defines them, with every shape
// their inputs, outputs and errors reach and without documentation.
// TestModelIsCurrent checks it against the verbatim model in
// messaging/testdata; go test -run TestModelIsCurrent -update rewrites it.
//
//go:embed model.json
var modelJSON []byte

// served lists the operations of the model the Server serves.
var served = []string{
	"ChannelFlowCallback",
	"GetChannelMessageStatus",
	"CreateChannelFlow",
	"UpdateChannelFlow",
	"DeleteChannelFlow",
	"DescribeChannelFlow",
	"AssociateChannelFlow",
	"DisassociateChannelFlow",
	"ListChannelsAssociatedWithChannelFlow",
}

// The model's types, read by package awsmodel, which the Server shares
// with the other stand-ins.
type (
	model     = awsmodel.Model
	operation = awsmodel.Operation
)

// loadModel decodes the embedded model and prepares its operations and
// patterns.
func loadModel(data []byte) (*model, error) { return awsmodel.Load(data) }

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string { return awsmodel.SortedKeys(m) }

// truncate shortens s to at most n bytes on a rune boundary.
func truncate(s string, n int) string { return awsmodel.Truncate(s, n) }
