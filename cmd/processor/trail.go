//go:build !chimeflow_notrail

package main

import (
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/processor/trail/ebsink"
)

// The decision trail puts its events on the EventBridge bus
// CHIMEFLOW_TRAIL_BUS names, with a client made at start-up only when that
// variable is set. Build with -tags chimeflow_notrail to leave EventBridge
// out.
func init() { options = append(options, boot.WithTrail(ebsink.NewFromConfig)) }
