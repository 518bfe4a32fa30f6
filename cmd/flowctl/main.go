// Command flowctl manages Amazon Chime SDK Messaging channel flows from the
// command line, with the same client as the chimeflow deployment: associate
// and disassociate channels, describe a flow, list its channels, delete it.
//
// Usage:
//
//	flowctl associate    -flow ARN -bearer ARN -channel ARN [-channel ARN ...]
//	flowctl disassociate -flow ARN -bearer ARN -channel ARN [-channel ARN ...]
//	flowctl describe     -flow ARN
//	flowctl list         -flow ARN
//	flowctl delete       -flow ARN [-bearer ARN]
//
// Every command takes -region, -profile, -endpoint, -timeout and -json.
// Credentials and region come from the usual AWS sources (environment,
// shared config and credentials files, SSO, instance roles), as for the AWS
// CLI. The bearer (an AppInstanceAdmin or channel moderator ARN, sent as
// x-amz-chime-bearer) defaults to $CHIMEFLOW_BEARER_ARN. Channel ARNs may
// also follow the flags as arguments.
//
// Exit status: 0 on success, 1 when a call fails, 2 on a usage error.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/chimeflow/chimeflow/deploy/flowresource"
	"github.com/chimeflow/chimeflow/messaging"
)

// EnvBearer names the environment variable of the default -bearer.
const EnvBearer = "CHIMEFLOW_BEARER_ARN"

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `flowctl manages Amazon Chime SDK Messaging channel flows.

Usage:
  flowctl associate    -flow ARN -bearer ARN -channel ARN [-channel ARN ...]
  flowctl disassociate -flow ARN -bearer ARN -channel ARN [-channel ARN ...]
  flowctl describe     -flow ARN
  flowctl list         -flow ARN
  flowctl delete       -flow ARN [-bearer ARN]

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

// options are the flags every command takes.
type options struct {
	region, profile, endpoint string
	timeout                   time.Duration
	json                      bool
	flow, bearer              string
	channels                  strs
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, args := args[0], args[1:]
	var o options
	fs := flag.NewFlagSet("flowctl "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.region, "region", "", "AWS Region of the app instance (default: from the AWS configuration)")
	fs.StringVar(&o.profile, "profile", "", "shared configuration profile")
	fs.StringVar(&o.endpoint, "endpoint", "", "Chime SDK Messaging endpoint URL (default: https://messaging-chime.REGION.amazonaws.com)")
	fs.DurationVar(&o.timeout, "timeout", time.Minute, "time limit of the whole command")
	fs.BoolVar(&o.json, "json", false, "print JSON")
	fs.StringVar(&o.flow, "flow", "", "channel flow ARN (the stack's ChannelFlowArn output)")
	switch cmd {
	case "associate", "disassociate", "delete":
		fs.StringVar(&o.bearer, "bearer", os.Getenv(EnvBearer), "AppInstanceAdmin or moderator ARN sent as x-amz-chime-bearer (default $"+EnvBearer+")")
	}
	switch cmd {
	case "associate", "disassociate":
		fs.Var(&o.channels, "channel", "channel ARN (repeatable; ARNs may also follow the flags)")
	case "describe", "list", "delete":
	default:
		fmt.Fprintf(stderr, "flowctl: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	o.channels = append(o.channels, fs.Args()...)
	if len(fs.Args()) > 0 && cmd != "associate" && cmd != "disassociate" {
		fmt.Fprintf(stderr, "flowctl %s: unexpected arguments %q\n", cmd, fs.Args())
		return 2
	}

	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	err := o.check(cmd)
	if err == nil {
		var api messaging.FlowAPI
		if api, err = newAPI(ctx, &o); err == nil {
			err = do(ctx, cmd, &o, api, stdout)
		}
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "flowctl %s: %v\n", cmd, err)
		return 2
	default:
		fmt.Fprintf(stderr, "flowctl %s: %v\n", cmd, err)
		return 1
	}
}

// check reports missing flags.
func (o *options) check(cmd string) error {
	var missing []string
	if o.flow == "" {
		missing = append(missing, "-flow")
	}
	if (cmd == "associate" || cmd == "disassociate") && o.bearer == "" {
		missing = append(missing, "-bearer (or $"+EnvBearer+")")
	}
	if (cmd == "associate" || cmd == "disassociate") && len(o.channels) == 0 {
		missing = append(missing, "-channel")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing %s", errUsage, strings.Join(missing, ", "))
	}
	return nil
}

// newAPI builds the client from the AWS configuration and the flags.
func newAPI(ctx context.Context, o *options) (messaging.FlowAPI, error) {
	var opts []func(*config.LoadOptions) error
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	if o.profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("%w: no region: pass -region or set AWS_REGION", errUsage)
	}
	return messaging.NewFromConfig(cfg, func(mo *messaging.Options) {
		if o.endpoint != "" {
			mo.BaseEndpoint = o.endpoint
		}
	}), nil
}

// do runs the command.
func do(ctx context.Context, cmd string, o *options, api messaging.FlowAPI, stdout io.Writer) error {
	flows := &flowresource.ChannelFlow{API: api}
	switch cmd {
	case "associate":
		for _, c := range o.channels {
			if _, err := api.AssociateChannelFlow(ctx, &messaging.AssociateChannelFlowInput{ChannelArn: c, ChannelFlowArn: o.flow, ChimeBearer: o.bearer}); err != nil {
				return err
			}
			if !o.json {
				fmt.Fprintf(stdout, "associated %s with %s\n", c, o.flow)
			}
		}
		return printJSON(o, stdout, map[string]any{"ChannelFlowArn": o.flow, "Associated": o.channels})
	case "disassociate":
		for _, c := range o.channels {
			if _, err := api.DisassociateChannelFlow(ctx, &messaging.DisassociateChannelFlowInput{ChannelArn: c, ChannelFlowArn: o.flow, ChimeBearer: o.bearer}); err != nil {
				return err
			}
			if !o.json {
				fmt.Fprintf(stdout, "disassociated %s from %s\n", c, o.flow)
			}
		}
		return printJSON(o, stdout, map[string]any{"ChannelFlowArn": o.flow, "Disassociated": o.channels})
	case "describe":
		out, err := api.DescribeChannelFlow(ctx, &messaging.DescribeChannelFlowInput{ChannelFlowArn: o.flow})
		if err != nil {
			return err
		}
		if out.ChannelFlow == nil {
			return fmt.Errorf("the service answered no ChannelFlow (request id %s)", out.RequestID)
		}
		if o.json {
			return printJSON(o, stdout, describeJSON(out.ChannelFlow))
		}
		describeText(stdout, out.ChannelFlow)
		return nil
	case "list":
		var all []messaging.ChannelAssociatedWithFlowSummary
		in := &messaging.ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: o.flow, MaxResults: messaging.MaxChannelFlowPageSize}
		for {
			out, err := api.ListChannelsAssociatedWithChannelFlow(ctx, in)
			if err != nil {
				return err
			}
			all = append(all, out.Channels...)
			if out.NextToken == "" || out.NextToken == in.NextToken {
				break
			}
			in.NextToken = out.NextToken
		}
		if o.json {
			if all == nil {
				all = []messaging.ChannelAssociatedWithFlowSummary{}
			}
			return printJSON(o, stdout, all)
		}
		for _, c := range all {
			fmt.Fprintln(stdout, c.ChannelArn)
		}
		return nil
	case "delete":
		if err := flows.Remove(ctx, o.flow, o.bearer); err != nil {
			return err
		}
		if !o.json {
			fmt.Fprintf(stdout, "deleted %s\n", o.flow)
		}
		return printJSON(o, stdout, map[string]any{"Deleted": o.flow})
	}
	return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
}

// printJSON prints v indented when -json is set.
func printJSON(o *options, w io.Writer, v any) error {
	if !o.json {
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// describeJSON is a ChannelFlow with its timestamps, which
// messaging.ChannelFlow does not marshal.
func describeJSON(f *messaging.ChannelFlow) any {
	type out struct {
		ChannelFlowArn       string
		Name                 string
		Processors           []messaging.Processor
		CreatedTimestamp     *time.Time `json:",omitempty"`
		LastUpdatedTimestamp *time.Time `json:",omitempty"`
	}
	return out{f.ChannelFlowArn, f.Name, f.Processors, f.CreatedTimestamp, f.LastUpdatedTimestamp}
}

func describeText(w io.Writer, f *messaging.ChannelFlow) {
	fmt.Fprintf(w, "ChannelFlowArn: %s\nName:           %s\n", f.ChannelFlowArn, f.Name)
	if f.CreatedTimestamp != nil {
		fmt.Fprintf(w, "Created:        %s\n", f.CreatedTimestamp.UTC().Format(time.RFC3339))
	}
	if f.LastUpdatedTimestamp != nil {
		fmt.Fprintf(w, "Last updated:   %s\n", f.LastUpdatedTimestamp.UTC().Format(time.RFC3339))
	}
	for _, p := range f.Processors {
		fmt.Fprintf(w, "Processor %d:    %s: %s (%s), fallback %s\n", p.ExecutionOrder, p.Name,
			p.Configuration.Lambda.ResourceArn, p.Configuration.Lambda.InvocationType, p.FallbackAction)
	}
}
