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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/chimeflow/chimeflow/deploy/flowresource"
	"github.com/chimeflow/chimeflow/messaging"
)

// options are the flags every command takes.
type options struct {
	region, profile, endpoint string
	timeout                   time.Duration
	json                      bool
	flow, bearer              string
	channels                  strs
}

// run runs the command args[0] with the flags and arguments after it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "redrive" {
		return runRedrive(ctx, args[1:], stdout, stderr)
	}
	if args[0] == "rules" {
		return runRules(ctx, args[1:], os.Stdin, stdout, stderr)
	}
	if args[0] == "mutes" {
		return runMutes(ctx, args[1:], stdout, stderr)
	}
	return runFlow(ctx, args[0], args[1:], stdout, stderr)
}

// runFlow runs one of the channel flow commands.
func runFlow(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) int {
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
	cfg, err := loadConfig(ctx, o.region, o.profile, "")
	if err != nil {
		return nil, err
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

// loadConfig loads the AWS configuration from the usual sources, with the
// -region and -profile flags. Without a region from either, fallback (when
// not empty) is used.
func loadConfig(ctx context.Context, region, profile, fallback string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(profile))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = fallback
	}
	if cfg.Region == "" {
		return aws.Config{}, fmt.Errorf("%w: no region: pass -region or set AWS_REGION", errUsage)
	}
	return cfg, nil
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
