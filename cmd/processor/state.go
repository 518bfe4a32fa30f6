//go:build !chimeflow_nostate

package main

import (
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/processor/state/dynamostate"
)

// The stateful rules (ratelimit, repeat, escalation) keep their state in
// the DynamoDB table CHIMEFLOW_STATE_TABLE names, opened only when the
// configuration has one of them. Build with -tags chimeflow_nostate to
// leave DynamoDB out.
func init() { options = append(options, boot.WithState(dynamostate.FromEnv)) }
