package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/processor/state/dynamostate"
)

const mutesUsage = `usage: flowctl mutes list [-table NAME] [-all] [-json]
       flowctl mutes lift [-table NAME] -sender ARN [-stage NAME] [-json]

Lists and lifts the mutes of the escalation rule, kept in the processor's
state table (the stack's StateTableName output; default
$CHIMEFLOW_STATE_TABLE).

  list   the mutes in force now (with -all, also those lifted or over,
         until their state expires): sender, stage, from, until, status.
  lift   ends the mutes of a sender (of one escalation stage with -stage)
         for the messages sent from now on; a message sent during the mute
         stays denied, whenever it is delivered.

Exit status: 0 on success, 1 when a call fails or there is no mute to
lift, 2 on a usage error.

flags:
`

// mutesFlags are the flags of flowctl mutes.
type mutesFlags struct {
	table, region, profile, endpoint string
	sender, stage                    string
	all, json                        bool
	timeout                          time.Duration
}

// runMutes runs flowctl mutes list|lift.
func runMutes(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || (args[0] != "list" && args[0] != "lift") {
		fmt.Fprint(stderr, mutesUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			return 0
		}
		return 2
	}
	sub := args[0]
	var f mutesFlags
	fs := flag.NewFlagSet("flowctl mutes "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, mutesUsage); fs.PrintDefaults() }
	fs.StringVar(&f.table, "table", os.Getenv(dynamostate.EnvTable), "the state table (default $"+dynamostate.EnvTable+")")
	fs.StringVar(&f.region, "region", "", "AWS Region (default: from the AWS configuration)")
	fs.StringVar(&f.profile, "profile", "", "shared configuration profile")
	fs.StringVar(&f.endpoint, "endpoint", "", "DynamoDB endpoint `URL` (default: the SDK's, or $AWS_ENDPOINT_URL_DYNAMODB)")
	fs.DurationVar(&f.timeout, "timeout", time.Minute, "time limit of the whole command")
	fs.BoolVar(&f.json, "json", false, "print JSON")
	if sub == "list" {
		fs.BoolVar(&f.all, "all", false, "also the mutes lifted or over")
	} else {
		fs.StringVar(&f.sender, "sender", "", "the muted sender's ARN")
		fs.StringVar(&f.stage, "stage", "", "only the mute of this escalation stage")
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case fs.NArg() > 0:
		fmt.Fprintf(stderr, "flowctl mutes %s: unexpected arguments %q\n", sub, fs.Args())
		return 2
	case f.table == "":
		fmt.Fprintf(stderr, "flowctl mutes %s: missing -table (or $%s)\n", sub, dynamostate.EnvTable)
		return 2
	case sub == "lift" && f.sender == "":
		fmt.Fprintf(stderr, "flowctl mutes lift: missing -sender\n")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	admin, err := f.store(ctx)
	if err == nil {
		if sub == "list" {
			err = listMutes(ctx, admin, &f, time.Now(), stdout)
		} else {
			err = liftMutes(ctx, admin, &f, time.Now(), stdout)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "flowctl mutes %s: %v\n", sub, err)
		return 1
	}
	return 0
}

// store opens the state table with the AWS configuration and the flags.
func (f *mutesFlags) store(ctx context.Context) (state.Admin, error) {
	cfg, err := loadConfig(ctx, f.region, f.profile, "")
	if err != nil {
		return nil, err
	}
	client := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if f.endpoint != "" {
			o.BaseEndpoint = aws.String(f.endpoint)
		}
	})
	return dynamostate.New(client, dynamostate.Options{Table: f.table, Timeout: f.timeout})
}

// muteJSON is a mute as -json prints it.
type muteJSON struct {
	Sender string     `json:"sender"`
	Stage  string     `json:"stage"`
	From   time.Time  `json:"from"`
	Until  time.Time  `json:"until"`
	Lifted *time.Time `json:"lifted,omitempty"`
	Status string     `json:"status"`
}

// status says whether a mute is in force at now, lifted, or over.
func status(m *state.Mute, now time.Time) string {
	switch {
	case !m.Lifted.IsZero() && !now.Before(m.Lifted):
		return "lifted"
	case !now.Before(m.Until):
		return "over"
	}
	return "active"
}

func toJSON(m *state.Mute, now time.Time) muteJSON {
	j := muteJSON{Sender: m.Subject, Stage: m.Stage, From: m.From, Until: m.Until, Status: status(m, now)}
	if !m.Lifted.IsZero() {
		l := m.Lifted
		j.Lifted = &l
	}
	return j
}

func listMutes(ctx context.Context, admin state.Admin, f *mutesFlags, now time.Time, w io.Writer) error {
	all, err := admin.Mutes(ctx)
	if err != nil {
		return err
	}
	list := []muteJSON{}
	for i := range all {
		if m := &all[i]; f.all || status(m, now) == "active" {
			list = append(list, toJSON(m, now))
		}
	}
	if f.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(list)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SENDER\tSTAGE\tFROM\tUNTIL\tSTATUS")
	for _, m := range list {
		st := m.Status
		if m.Lifted != nil {
			st += " " + m.Lifted.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Sender, m.Stage, m.From.UTC().Format(time.RFC3339), m.Until.UTC().Format(time.RFC3339), st)
	}
	return tw.Flush()
}

func liftMutes(ctx context.Context, admin state.Admin, f *mutesFlags, now time.Time, w io.Writer) error {
	all, err := admin.Mutes(ctx)
	if err != nil {
		return err
	}
	lifted := []muteJSON{}
	for i := range all {
		m := &all[i]
		if m.Subject != f.sender || (f.stage != "" && m.Stage != f.stage) || status(m, now) != "active" {
			continue
		}
		if err := admin.Lift(ctx, m.Key, now); err != nil {
			return fmt.Errorf("lift the mute of %s (stage %s): %w", m.Subject, m.Stage, err)
		}
		m.Lifted = now
		lifted = append(lifted, toJSON(m, now))
		if !f.json {
			fmt.Fprintf(w, "lifted the mute of %s (stage %s), which ran until %s\n", m.Subject, m.Stage, m.Until.UTC().Format(time.RFC3339))
		}
	}
	if f.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(lifted); err != nil {
			return err
		}
	}
	if len(lifted) == 0 {
		return fmt.Errorf("no mute in force for %s", f.sender)
	}
	return nil
}
