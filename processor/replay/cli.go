package replay

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

// Exit codes of Command.
const (
	ExitOK    = 0 // every event processed and matching its golden file
	ExitFail  = 1 // some event was not answered, or differs from its golden file
	ExitUsage = 2 // bad flags, paths or configuration
)

// IO is what Command talks to.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// NewClient builds the real callback client for -endpoint; nil makes
	// -endpoint a usage error.
	NewClient func(ctx context.Context, endpoint, region string) (messaging.CallbackAPI, error)
}

const usage = `usage: replay [flags] PATH...

Replays Chime SDK Messaging channel flow events through the processor's
handler and prints what each message would become. PATH is an event file,
a directory of *.json events, a .jsonl file (one event per line), or - for
JSON Lines on stdin. Callbacks are recorded, not sent, unless -endpoint is
given. An event X.json with X.golden.json beside it (X.NAME.golden.json
under -config NAME.yaml) is checked against it.

Exit status: 0 when every event was processed and matched its golden file,
1 when any was not, 2 on usage errors.

flags:
`

// Command runs the replay command line: cmd/replay is main calling it.
func Command(ctx context.Context, args []string, stdio IO) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stdio.Stderr)
	fs.Usage = func() {
		fmt.Fprint(stdio.Stderr, usage)
		fs.PrintDefaults()
	}
	configPath := fs.String("config", "", "rules configuration `file` (YAML or JSON); default: the bundled default pipeline")
	asJSON := fs.Bool("json", false, "print one JSON object per event per line instead of a table")
	update := fs.Bool("update", false, "write the golden file of every event file")
	endpoint := fs.String("endpoint", "", "send the callbacks for real, signed, to this Chime SDK Messaging endpoint `URL`")
	region := fs.String("region", "", "region for -endpoint signing (default: from the AWS configuration, else us-east-1)")
	errorPolicy := fs.String("error-policy", "", "override the configuration's error policy: deny or allow")
	logLevel := fs.String("log", "disabled", "write the processor's log lines to stderr at this `level` (debug, info, warn, error)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitOK
		}
		return ExitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stdio.Stderr, "replay: no PATH given")
		fs.Usage()
		return ExitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(stdio.Stderr, "replay: %v\n", err)
		return ExitUsage
	}

	cfg, err := rules.Load(*configPath)
	if err != nil {
		return fail(err)
	}
	if *errorPolicy != "" {
		p, err := processor.ParseErrorPolicy(*errorPolicy)
		if err != nil {
			return fail(err)
		}
		cfg.SetErrorPolicy(p)
	}
	level, err := zerolog.ParseLevel(*logLevel)
	if err != nil {
		return fail(fmt.Errorf("-log: %w", err))
	}

	var callback messaging.CallbackAPI = &Recorder{}
	if *endpoint != "" {
		if *update {
			return fail(errors.New("-update and -endpoint do not mix: golden files come from recorded runs"))
		}
		if stdio.NewClient == nil {
			return fail(errors.New("-endpoint is not available in this build"))
		}
		c, err := stdio.NewClient(ctx, *endpoint, *region)
		if err != nil {
			return fail(err)
		}
		callback = c
	}
	h, err := processor.NewHandler(cfg, callback, processor.WithLogger(zerolog.New(stdio.Stderr).Level(level)))
	if err != nil {
		return fail(err)
	}

	sources, err := Load(fs.Args(), stdio.Stdin)
	if err != nil {
		return fail(err)
	}
	rn := &Runner{Handler: h, ConfigName: ConfigName(*configPath), Update: *update}
	results := make([]Result, 0, len(sources))
	var table *Table
	if !*asJSON {
		table = NewTable(stdio.Stdout)
	}
	for _, src := range sources {
		r, err := rn.Run(ctx, src)
		if err != nil {
			fmt.Fprintf(stdio.Stderr, "replay: %s: %v\n", src.Name, err)
			r.Golden = GoldenMismatch
		}
		results = append(results, r)
		if *asJSON {
			if err := WriteJSON(stdio.Stdout, &r); err != nil {
				return fail(err)
			}
		} else {
			table.Add(&r)
		}
	}
	if table != nil {
		if err := table.Flush(); err != nil {
			return fail(err)
		}
	}
	for i := range results {
		if r := &results[i]; r.Golden == GoldenMismatch && r.Want != nil {
			fmt.Fprintf(stdio.Stderr, "\n%s differs from %s:\n%s", r.Report.Source, r.GoldenPath, Diff(r.Want, &r.Report))
		}
	}
	sum := Summarize(results)
	fmt.Fprintln(stdio.Stderr, sum)
	if sum.Failed > 0 {
		return ExitFail
	}
	return ExitOK
}
