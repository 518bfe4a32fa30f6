// Command flowctl manages Amazon Chime SDK Messaging channel flows from the
// command line, with the same client as the chimeflow deployment: associate
// and disassociate channels, describe a flow, list its channels, delete it;
// and recovers the events the processor could not answer from its
// dead-letter queue (redrive); checks a rules document and publishes it to
// the SSM parameter the processor reloads its rules from (rules).
//
// Usage:
//
//	flowctl associate    -flow ARN -bearer ARN -channel ARN [-channel ARN ...]
//	flowctl disassociate -flow ARN -bearer ARN -channel ARN [-channel ARN ...]
//	flowctl describe     -flow ARN
//	flowctl list         -flow ARN
//	flowctl delete       -flow ARN [-bearer ARN]
//	flowctl redrive      -queue URL [-invoke FUNCTION | -config FILE] [-dry-run] [-json] [-max N]
//	flowctl rules        validate|get|diff|publish [-parameter NAME] [-replay PATH | -replay-bundled] [FILE]
//	flowctl mutes        list|lift [-table NAME] [-sender ARN] [-stage NAME]
//
// Every command takes -region, -profile, -endpoint and -timeout, and
// prints JSON with -json. Credentials and region come from the usual AWS
// sources (environment, shared config and credentials files, SSO, instance
// roles), as for the AWS CLI. The bearer (an AppInstanceAdmin or channel
// moderator ARN, sent as x-amz-chime-bearer) defaults to
// $CHIMEFLOW_BEARER_ARN. Channel ARNs may also follow the flags as
// arguments. 'flowctl redrive -h' explains redrive; docs/redrive.md is its
// guide. 'flowctl rules -h' explains rules (validate needs no AWS access);
// docs/flowctl.md is its guide.
//
// Exit status: 0 on success, 1 when a call fails (redrive: when a record
// could not be answered), 2 on a usage error.
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// EnvBearer names the environment variable of the default -bearer.
const EnvBearer = "CHIMEFLOW_BEARER_ARN"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `flowctl manages Amazon Chime SDK Messaging channel flows.

Usage:
  flowctl associate    -flow ARN -bearer ARN -channel ARN [-channel ARN ...]
  flowctl disassociate -flow ARN -bearer ARN -channel ARN [-channel ARN ...]
  flowctl describe     -flow ARN
  flowctl list         -flow ARN
  flowctl delete       -flow ARN [-bearer ARN]
  flowctl redrive      -queue URL [-invoke FUNCTION | -config FILE] [-dry-run] [-json] [-max N]
  flowctl rules        validate|get|diff|publish [-parameter NAME] [-replay PATH | -replay-bundled] [FILE]
  flowctl mutes        list|lift [-table NAME] [-sender ARN]

Run 'flowctl COMMAND -h' for the flags of a command.
`

// errUsage marks an error as a usage error (exit status 2).
var errUsage = errors.New("usage")

// strs is a repeatable string flag.
type strs []string

// String joins the values with commas.
func (s *strs) String() string { return strings.Join(*s, ",") }

// Set adds a value.
func (s *strs) Set(v string) error { *s = append(*s, v); return nil }
