// Command replay replays Chime SDK Messaging channel flow events through the
// processor's handler, locally, with no AWS account and no Docker, and
// prints what each message would become:
//
//	go run ./cmd/replay testdata/events
//	go run ./cmd/replay -config testdata/config/moderation.yaml testdata/events
//
// PATH is an event file, a directory of *.json events, a .jsonl file (one
// event per line), or - for JSON Lines on stdin. An event X.json with
// X.golden.json beside it (X.NAME.golden.json under -config NAME.yaml) is
// checked against it; -update writes them. Callbacks are built and
// validated but not sent, unless -endpoint names a Chime SDK Messaging
// endpoint to send them to, signed. The model-based rules (toxicity, pii)
// answer from a recording of model answers with -models FILE, offline, and
// call AWS otherwise (docs/rules/models.md). -metrics FILE writes the
// metrics the Lambda would write (CloudWatch embedded metric format, one
// flush per event).
//
// The table goes to standard output (one JSON report per line with -json);
// golden differences and the summary go to standard error. Exit status: 0
// when every event was answered or matched its golden file, 1 when any did
// not, 2 on usage errors. docs/replay.md explains every column.
//
// It registers every built-in rule (rules/all), as cmd/processor does.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/metrics"
	"github.com/chimeflow/chimeflow/processor/replay"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/all"              // the built-in rules
	_ "github.com/chimeflow/chimeflow/rules/models/guardrail" // and the guardrail provider of toxicity and pii
)

// Exit codes.
const (
	exitOK    = 0 // every event answered, or matching its golden file
	exitFail  = 1 // some event was not answered, or differs from its golden file
	exitUsage = 2 // bad flags, paths or configuration
)

// cli is what the command talks to.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// newClient builds the real callback client for -endpoint.
	newClient func(ctx context.Context, endpoint, region string) (messaging.CallbackAPI, error)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, newClient: newClient}.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

const usage = `usage: replay [flags] PATH...

Replays Chime SDK Messaging channel flow events through the processor's
handler and prints what each message would become: ALLOW (sent unchanged),
REWRITE (sent changed), DENY (deleted) or ERROR (not answered: an invalid
event, or a callback the endpoint refused).

PATH is an event file, a directory of *.json events, a .jsonl file (one
event per line), or - for JSON Lines on stdin. Callbacks are built and
checked but not sent, unless -endpoint is given. An event X.json with
X.golden.json beside it (X.NAME.golden.json under -config NAME.yaml) is
checked against it.

Exit status: 0 when every event was answered or matched its golden file,
1 when any was not, 2 on usage errors.

flags:
`

// accept stands in for the service when nothing is sent: it accepts every
// callback, as Chime SDK Messaging does a valid one. The handler has
// already checked each request against the API's limits.
var accept = messaging.CallbackFunc(func(_ context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
	return &messaging.ChannelFlowCallbackOutput{ChannelArn: in.ChannelArn, CallbackID: in.CallbackID}, nil
})

func (c cli) run(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.Usage = func() {
		fmt.Fprint(c.stderr, usage)
		fs.PrintDefaults()
	}
	configPath := fs.String("config", "", "rules configuration `file` (YAML or JSON); default: the bundled default pipeline")
	asJSON := fs.Bool("json", false, "print one JSON report per event per line instead of a table")
	update := fs.Bool("update", false, "write the golden file of every event file")
	endpoint := fs.String("endpoint", "", "send the callbacks for real, signed, to this Chime SDK Messaging endpoint `URL`")
	region := fs.String("region", "", "region for -endpoint signing (default: from the AWS configuration, else us-east-1)")
	errorPolicy := fs.String("error-policy", "", "override the configuration's error policy: deny or allow")
	logLevel := fs.String("log", "disabled", "write the processor's log lines to stderr at this `level` (debug, info, warn, error)")
	modelAnswers := fs.String("models", "", "answer the model-based rules (toxicity, pii) from this recording `file` of Comprehend and Bedrock answers, offline; without it they call AWS with the shared AWS configuration")
	timed := fs.Bool("timed", false, "replay the events in the order of their timestamps (edit time, else creation time) rather than of their files")
	metricsPath := fs.String("metrics", "", "write the metrics the Lambda would write, in CloudWatch embedded metric format, to `FILE` (- for stderr), flushed after each event")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(c.stderr, "replay: no PATH given")
		fs.Usage()
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(c.stderr, "replay: %v\n", err)
		return exitUsage
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
	// Stateful rules keep their state in this process for the run: one
	// container's view, from the events' own timestamps.
	host, stopModels, err := modelsHost(*modelAnswers, rules.WithState(state.NewMemory()))
	if err != nil {
		return fail(err)
	}
	defer stopModels()
	if err := cfg.Provision(ctx, host); err != nil {
		return fail(err)
	}
	level, err := zerolog.ParseLevel(*logLevel)
	if err != nil {
		return fail(fmt.Errorf("-log: %w", err))
	}

	var callback messaging.CallbackAPI = accept
	if *endpoint != "" {
		if *update {
			return fail(errors.New("-update and -endpoint do not mix: golden files come from local runs"))
		}
		api, err := c.newClient(ctx, *endpoint, *region)
		if err != nil {
			return fail(err)
		}
		callback = api
	}
	opts := []processor.HandlerOption{processor.WithLogger(zerolog.New(c.stderr).Level(level))}
	if *metricsPath != "" {
		em, closeMetrics, err := c.metrics(*metricsPath)
		if err != nil {
			return fail(err)
		}
		defer closeMetrics()
		opts = append(opts, processor.WithMetrics(em))
	}
	h, err := processor.NewHandler(cfg, callback, opts...)
	if err != nil {
		return fail(err)
	}

	sources, err := replay.Load(fs.Args(), c.stdin)
	if err != nil {
		return fail(err)
	}
	if *timed {
		sources = replay.Timed(sources)
	}
	rn := &replay.Runner{Handler: h, ConfigName: replay.ConfigName(*configPath), Update: *update}
	results := make([]replay.Result, 0, len(sources))
	var table *table
	if !*asJSON {
		table = newTable(c.stdout)
	}
	for _, src := range sources {
		r, err := rn.Run(ctx, src)
		if err != nil {
			fmt.Fprintf(c.stderr, "replay: %s: %v\n", src.Name, err)
			r.Golden = replay.GoldenMismatch
		}
		// As the Lambda does at the end of each invocation.
		if err := h.Flush(ctx); err != nil {
			return fail(err)
		}
		results = append(results, r)
		if *asJSON {
			if err := writeJSON(c.stdout, &r.Report); err != nil {
				return fail(err)
			}
		} else {
			table.add(&r)
		}
	}
	if table != nil {
		if err := table.flush(); err != nil {
			return fail(err)
		}
	}
	for i := range results {
		if r := &results[i]; r.Golden == replay.GoldenMismatch && r.Want != nil {
			fmt.Fprintf(c.stderr, "\n%s differs from %s:\n%s", r.Report.Source, r.GoldenPath, replay.Diff(r.Want, &r.Report))
		}
	}
	sum := summarize(results)
	fmt.Fprint(c.stderr, "\n", sum.String())
	if sum.failed > 0 {
		return exitFail
	}
	return exitOK
}

// metrics returns the emitter of -metrics FILE ("-" for stderr), with the
// namespace and dimensions of the environment as in Lambda
// (CHIMEFLOW_METRICS_NAMESPACE, CHIMEFLOW_METRICS_DIMENSIONS), and what
// closes the file.
func (c cli) metrics(path string) (*metrics.Emitter, func(), error) {
	opts, err := metrics.OptionsFromEnv(os.Getenv)
	if err != nil {
		return nil, nil, err
	}
	w, closeFile := c.stderr, func() {}
	if path != "-" {
		f, err := os.Create(path)
		if err != nil {
			return nil, nil, fmt.Errorf("-metrics: %w", err)
		}
		w, closeFile = f, func() { _ = f.Close() }
	}
	em, err := metrics.New(w, opts)
	if err != nil {
		closeFile()
		return nil, nil, err
	}
	return em, closeFile, nil
}

// newClient builds the real client for -endpoint from the shared AWS
// configuration. A loopback endpoint with no credentials configured gets
// placeholder ones, so a local stand-in works on a machine with no AWS setup.
func newClient(ctx context.Context, endpoint, region string) (messaging.CallbackAPI, error) {
	u, err := url.Parse(endpoint)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("-endpoint %q is not an absolute URL", endpoint)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if region != "" {
		cfg.Region = region
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if err := credentialsUsable(ctx, cfg.Credentials); err != nil {
		host := u.Hostname()
		if host != "localhost" && host != "127.0.0.1" && host != "::1" {
			return nil, fmt.Errorf("no AWS credentials for %s: %w", endpoint, err)
		}
		fmt.Fprintln(os.Stderr, "replay: no AWS credentials found; signing with placeholder credentials for the local endpoint")
		cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDLOCALREPLAY", SecretAccessKey: "local-replay-secret", Source: "replay"}, nil
		})
	}
	return messaging.NewFromConfig(cfg, func(o *messaging.Options) { o.BaseEndpoint = endpoint }), nil
}

func credentialsUsable(ctx context.Context, p aws.CredentialsProvider) error {
	if p == nil {
		return errors.New("no credentials provider")
	}
	_, err := p.Retrieve(ctx)
	return err
}
