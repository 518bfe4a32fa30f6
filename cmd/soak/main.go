// Command soak runs the processor's compiled bootstrap as Lambda runs it
// for asynchronous invocations (several containers, deadlines enforced by
// killing, retries, an on-failure destination, duplicate deliveries,
// SIGKILLs) against the model-checked Chime SDK Messaging stand-in under a
// schedule of faults, and prints what became of every event. It exits 1
// when an event was lost, answered two ways or wrongly, a request broke the
// service model, a container crashed or a redirect was followed, and, with
// -stateful, when the state table is not exactly what the accepted
// decisions imply.
//
// Run it from the repository's root:
//
//	go run ./cmd/soak -events 10000
//	go run ./cmd/soak -events 2000 -stateful   # state in DynamoDB (moto), counts checked exactly
//
// See docs/soak.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/chimeflow/chimeflow/internal/soak"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var cfg soak.Config
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Events, "events", 10000, "events to send")
	fs.IntVar(&cfg.Containers, "containers", 16, "the function's concurrency: containers running at once")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the events and the fault schedule")
	fs.DurationVar(&cfg.Timeout, "timeout", 3*time.Second, "function timeout")
	retries := fs.Int("retries", 2, "MaximumRetryAttempts, 0 to 2")
	fs.Float64Var(&cfg.RetryScale, "retry-scale", 1.0/600, "scale of Lambda's retry delays (1 and 2 minutes)")
	fs.DurationVar(&cfg.MaxEventAge, "max-event-age", 900*time.Second, "MaximumEventAgeInSeconds (not scaled)")
	fs.Float64Var(&cfg.DuplicateRate, "duplicates", 0.05, "share of events delivered twice")
	fs.Float64Var(&cfg.FaultRate, "faults", 0.30, "share of CallbackIds whose first callbacks are faulted")
	fs.Float64Var(&cfg.KillRate, "kills", 0.005, "share of attempts SIGKILLed at a random instant")
	fs.Float64Var(&cfg.KillInCallbackRate, "callback-kills", 0.005, "share of callback requests during which the container is SIGKILLed")
	fs.StringVar(&cfg.EventsDir, "fixtures", "", "directory of the event fixtures (default testdata/events)")
	fs.StringVar(&cfg.ConfigFile, "config", "", "the processor's rules configuration (default testdata/config/moderation.yaml)")
	fs.BoolVar(&cfg.Stateful, "stateful", false, "the stateful soak: rate limit, repeat check and escalation on a DynamoDB table, its counts checked exactly")
	fs.StringVar(&cfg.DynamoDBEndpoint, "dynamodb", "", "with -stateful, a DynamoDB-compatible endpoint (default: start python3.11 -m moto.server)")
	fs.StringVar(&cfg.Bootstrap, "bootstrap", "", "a build of ./cmd/processor to run (default: build it)")
	fs.DurationVar(&cfg.MaxWait, "max-wait", 10*time.Minute, "how long to wait for the last invocations to settle")
	quiet := fs.Bool("q", false, "no progress lines")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "soak: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if cfg.DynamoDBEndpoint != "" && !cfg.Stateful {
		fmt.Fprintln(stderr, "soak: -dynamodb needs -stateful")
		return 2
	}
	if cfg.Stateful && (cfg.EventsDir != "" || cfg.ConfigFile != "") {
		fmt.Fprintln(stderr, "soak: -stateful makes its own events and configuration: drop -fixtures and -config")
		return 2
	}
	if *retries < 0 || *retries > 2 {
		fmt.Fprintln(stderr, "soak: -retries must be 0, 1 or 2")
		return 2
	}
	// Config reads 0 as the default; -1 means none.
	cfg.MaxRetryAttempts = *retries
	if *retries == 0 {
		cfg.MaxRetryAttempts = -1
	}
	for _, v := range []*float64{&cfg.DuplicateRate, &cfg.FaultRate, &cfg.KillRate, &cfg.KillInCallbackRate} {
		if *v == 0 {
			*v = -1
		}
	}
	if !*quiet {
		cfg.Progress = stderr
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r, err := soak.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 1
	}
	if err := r.Print(stdout); err != nil {
		fmt.Fprintf(stderr, "soak: %v\n", err)
		return 1
	}
	if err := r.Err(); errors.Is(err, soak.ErrFailed) {
		return 1
	}
	return 0
}
