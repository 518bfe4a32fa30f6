package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/chimeflow/chimeflow/deploy/redrive"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor/boot"
	_ "github.com/chimeflow/chimeflow/rules/all" // the built-in rules, as cmd/processor has them
)

const redriveUsage = `usage: flowctl redrive -queue URL [flags]

Reads the processor's dead-letter queue (its asynchronous on-failure
destination: Lambda invocation records), shows why each event failed, and,
while Chime SDK Messaging still accepts an answer (48 hours after the
message), answers it again:

  default      through the same pipeline as the processor, here: the rules of
               -config FILE, or those the deployed function FN runs with
               (-config-from FN), or the bundled default, and a callback
               signed with your AWS credentials;
  -invoke FN   by invoking the processor function FN again, asynchronously,
               with the original event: the deployed rules answer it.

A record answered (or refused by the service as already answered) or
invoked is deleted from the queue. A record that failed again, is past the
48 hours, or cannot be parsed is kept, and visible again when the command
ends. -dry-run shows the pipeline's decision for each event and sends,
invokes and deletes nothing.

One line per record on standard output (one JSON object with -json);
progress and the summary on standard error.

Exit status: 0 when every record read was answered, invoked or
deliberately kept (dry run, expired); 1 when one failed, could not be
parsed or could not be deleted, or the queue could not be read; 2 on a
usage error.

flags:
`

// redriveFlags are the flags of flowctl redrive.
type redriveFlags struct {
	queue, invoke, config, configFrom                  string
	errorPolicy, logLevel                              string
	region, profile                                    string
	endpoint, sqsEndpoint, lambdaEndpoint, ssmEndpoint string
	dryRun, deleteExpired, json                        bool
	max, progress                                      int
	window, visibility, wait, timeout                  time.Duration
}

func runRedrive(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var f redriveFlags
	fs := flag.NewFlagSet("flowctl redrive", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, redriveUsage)
		fs.PrintDefaults()
	}
	fs.StringVar(&f.queue, "queue", "", "the dead-letter queue `URL` (the stack's DeadLetterQueueUrl output)")
	fs.StringVar(&f.invoke, "invoke", "", "invoke this processor `function` (name or ARN) again with each event, instead of answering here")
	fs.StringVar(&f.config, "config", "", "rules configuration `file` to answer with (default: the bundled default)")
	fs.StringVar(&f.configFrom, "config-from", "", "answer with the rules the deployed processor `function` runs with (its SSM parameter's current document, or its CHIMEFLOW_CONFIG, and its CHIMEFLOW_ERROR_POLICY)")
	fs.StringVar(&f.errorPolicy, "error-policy", "", "override the configuration's error policy: deny or allow")
	fs.BoolVar(&f.dryRun, "dry-run", false, "show what would be done; send, invoke and delete nothing")
	fs.BoolVar(&f.deleteExpired, "delete-expired", false, "delete the records past the 48-hour answer window instead of keeping them")
	fs.IntVar(&f.max, "max", 0, "read at most `N` records (0: until the queue has none left)")
	fs.BoolVar(&f.json, "json", false, "print one JSON object per record")
	fs.IntVar(&f.progress, "progress", redrive.DefaultProgressEvery, "print the counts to stderr every `N` records (and every 5s); 0: never")
	fs.StringVar(&f.logLevel, "log", "", "write the processor's log lines to stderr at this `level` (debug, info, warn, error)")
	fs.DurationVar(&f.window, "window", redrive.AnswerWindow, "how long the service accepts an answer; older records count as expired (5m margin)")
	fs.DurationVar(&f.visibility, "visibility", redrive.DefaultVisibility, "how long each record stays hidden from other readers while the command runs")
	fs.DurationVar(&f.wait, "wait", redrive.DefaultWait, "long-poll time of each receive (up to 20s); an empty receive ends the run")
	fs.DurationVar(&f.timeout, "timeout", 0, "time limit of the whole command (0: none; Ctrl-C stops cleanly)")
	fs.StringVar(&f.region, "region", "", "AWS Region (default: from the AWS configuration, else the queue URL's)")
	fs.StringVar(&f.profile, "profile", "", "shared configuration profile")
	fs.StringVar(&f.endpoint, "endpoint", "", "Chime SDK Messaging endpoint `URL` (default: https://messaging-chime.REGION.amazonaws.com)")
	fs.StringVar(&f.sqsEndpoint, "sqs-endpoint", "", "SQS endpoint `URL` (default: the SDK's, or $AWS_ENDPOINT_URL_SQS)")
	fs.StringVar(&f.ssmEndpoint, "ssm-endpoint", "", "SSM endpoint `URL` for -config-from a function whose rules are an SSM parameter (default: the SDK's, or $AWS_ENDPOINT_URL_SSM)")
	fs.StringVar(&f.lambdaEndpoint, "lambda-endpoint", "", "Lambda endpoint `URL` (default: the SDK's, or $AWS_ENDPOINT_URL_LAMBDA)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	fail := func(code int, err error) int {
		fmt.Fprintf(stderr, "flowctl redrive: %v\n", err)
		return code
	}
	if err := f.check(fs.Args()); err != nil {
		return fail(2, err)
	}
	if f.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, f.timeout)
		defer cancel()
	}
	rc, err := f.build(ctx, stderr)
	if err != nil {
		if errors.Is(err, errUsage) {
			return fail(2, err)
		}
		return fail(1, err)
	}
	p := &printer{w: stdout, json: f.json}
	rc.Progress = func(s redrive.Summary) { fmt.Fprintf(stderr, "flowctl redrive: so far %s\n", counts(s)) }
	if f.progress <= 0 {
		rc.Progress = nil
	}
	rc.ProgressEvery = f.progress
	r, err := redrive.New(rc)
	if err != nil {
		return fail(2, err)
	}
	if !f.json {
		p.header()
	}
	sum, runErr := r.Run(ctx, p.print)
	if p.err != nil {
		return fail(1, fmt.Errorf("write the results: %w", p.err))
	}
	fmt.Fprintf(stderr, "\nflowctl redrive: %s\n", summary(sum, &rc))
	if runErr != nil {
		return fail(1, runErr)
	}
	if !sum.OK() {
		return 1
	}
	return 0
}

// check reports flags missing or in conflict.
func (f *redriveFlags) check(rest []string) error {
	var problems []string
	if len(rest) > 0 {
		problems = append(problems, fmt.Sprintf("unexpected arguments %q", rest))
	}
	if f.queue == "" {
		problems = append(problems, "missing -queue")
	}
	if f.invoke != "" && (f.config != "" || f.configFrom != "" || f.errorPolicy != "" || f.logLevel != "") {
		problems = append(problems, "-invoke uses the deployed function's rules: -config, -config-from, -error-policy and -log do not apply")
	}
	if f.config != "" && f.configFrom != "" {
		problems = append(problems, "-config and -config-from: choose one")
	}
	if f.max < 0 {
		problems = append(problems, "-max is negative")
	}
	if f.window <= 0 {
		problems = append(problems, "-window must be positive")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", errUsage, strings.Join(problems, "; "))
	}
	return nil
}

// build builds the redrive configuration: the AWS clients, and the rules
// of the pipeline in answer mode.
func (f *redriveFlags) build(ctx context.Context, stderr io.Writer) (redrive.Config, error) {
	cfg, err := loadConfig(ctx, f.region, f.profile, queueRegion(f.queue))
	if err != nil {
		return redrive.Config{}, err
	}
	rc := redrive.Config{
		QueueURL: f.queue,
		SQS: sqs.NewFromConfig(cfg, func(o *sqs.Options) {
			if f.sqsEndpoint != "" {
				o.BaseEndpoint = aws.String(f.sqsEndpoint)
			}
		}),
		DryRun: f.dryRun, DeleteExpired: f.deleteExpired, Max: f.max,
		Window: f.window, Visibility: f.visibility, Wait: f.wait,
	}
	if f.wait == 0 {
		rc.Wait = -1
	}
	lambdaClient := awslambda.NewFromConfig(cfg, func(o *awslambda.Options) {
		if f.lambdaEndpoint != "" {
			o.BaseEndpoint = aws.String(f.lambdaEndpoint)
		}
	})
	if f.invoke != "" {
		rc.Function, rc.Lambda = f.invoke, lambdaClient
		return rc, nil
	}
	// The rules come from the flags only, never from CHIMEFLOW_* variables
	// the shell may hold.
	env := map[string]string{boot.EnvConfigFile: f.config}
	if f.configFrom != "" {
		params := ssm.NewFromConfig(cfg, func(o *ssm.Options) {
			if f.ssmEndpoint != "" {
				o.BaseEndpoint = aws.String(f.ssmEndpoint)
			}
		})
		if env, err = redrive.FunctionRules(ctx, lambdaClient, params, f.configFrom); err != nil {
			return redrive.Config{}, err
		}
	}
	if f.errorPolicy != "" {
		env[boot.EnvErrorPolicy] = f.errorPolicy
	}
	env[boot.EnvLogLevel] = f.logLevel
	rc.Boot = []boot.Option{boot.WithGetenv(func(k string) string { return env[k] })}
	if f.logLevel != "" {
		rc.Log = stderr
	}
	if !f.dryRun {
		rc.Callback = messaging.NewFromConfig(cfg, func(o *messaging.Options) {
			if f.endpoint != "" {
				o.BaseEndpoint = f.endpoint
			}
		})
	}
	return rc, nil
}

// queueRegion returns the Region of an SQS queue URL
// (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME), or "".
func queueRegion(queueURL string) string {
	u, err := url.Parse(queueURL)
	if err != nil {
		return ""
	}
	labels := strings.Split(u.Hostname(), ".")
	if len(labels) >= 4 && labels[0] == "sqs" && labels[2] == "amazonaws" {
		return labels[1]
	}
	return ""
}

// printer writes one line, or one JSON object, per record.
type printer struct {
	w    io.Writer
	json bool
	err  error
}

const lineFormat = "%-10s  %-7s  %-17s  %5s  %-7s  %-28s  %s\n"

func (p *printer) header() {
	_, p.err = fmt.Fprintf(p.w, lineFormat, "STATUS", "AGE", "CONDITION", "TRIES", "OUTCOME", "CHANNEL/MESSAGE", "DETAIL")
}

func (p *printer) print(r *redrive.Result) {
	if p.err != nil {
		return
	}
	if p.json {
		b, err := json.Marshal(r)
		if err == nil {
			_, err = fmt.Fprintf(p.w, "%s\n", b)
		}
		p.err = err
		return
	}
	age, tries, outcome, which := "-", "-", "-", r.SQSMessageID
	if r.AgeFrom != "" {
		age = shortDuration(r.Age)
	}
	if r.Condition != "" {
		tries = fmt.Sprint(r.InvokeCount)
	}
	if r.Outcome != nil {
		outcome = string(r.Action)
	}
	if r.MessageID != "" {
		which = r.ChannelArn[strings.LastIndexByte(r.ChannelArn, '/')+1:] + "/" + r.MessageID
	}
	_, p.err = fmt.Fprintf(p.w, lineFormat, r.Status, age, orDash(r.Condition), tries, outcome, which, detail(r))
}

// detail says what was done with the record and why it had failed.
func detail(r *redrive.Result) string {
	var parts []string
	switch {
	case r.Would != "":
		parts = append(parts, "would "+r.Would)
	case r.Deleted:
		parts = append(parts, "deleted")
	default:
		parts = append(parts, "kept")
	}
	if r.Error != "" {
		parts = append(parts, "error: "+oneLine(r.Error, 300))
	}
	if r.DeleteError != "" {
		parts = append(parts, "delete failed: "+oneLine(r.DeleteError, 200))
	}
	if r.Outcome != nil && len(r.Rules) > 0 {
		parts = append(parts, "rules: "+strings.Join(r.Rules, ","))
	}
	if r.ErrorType != "" || r.ErrorMessage != "" {
		was := r.ErrorMessage
		if r.ErrorType != "" {
			was = r.ErrorType + ": " + was
		}
		parts = append(parts, "was: "+oneLine(was, 200))
	}
	return strings.Join(parts, "; ")
}

// oneLine makes s printable on one line of at most n runes.
func oneLine(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
	if rs := []rune(s); len(rs) > n {
		s = string(rs[:n-1]) + "…"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// shortDuration prints d as 49h12m, 13m or 42s.
func shortDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// counts prints the totals of a summary.
func counts(s redrive.Summary) string {
	c := fmt.Sprintf("%d read: %d answered, %d duplicate, %d invoked, %d expired, %d failed, %d kept, %d unparsable; %d deleted",
		s.Read, s.Answered, s.Duplicate, s.Invoked, s.Expired, s.Failed, s.Kept, s.Unparsable, s.Deleted)
	if s.DeleteFailed > 0 {
		c += fmt.Sprintf(", %d answered but not deleted", s.DeleteFailed)
	}
	return c
}

// summary is the last line of a run.
func summary(s redrive.Summary, rc *redrive.Config) string {
	b := counts(s) + fmt.Sprintf(", %d left in the queue", s.Left())
	if rc.DryRun {
		b += " (dry run: nothing sent, invoked or deleted)"
	}
	if s.Unreleased > 0 {
		b += fmt.Sprintf("\n%d kept record(s) stay hidden until their visibility timeout (%v) ends", s.Unreleased, rc.Visibility)
	}
	if s.DeleteFailed > 0 {
		b += "\nrecords answered but not deleted will be answered again by the next run, and counted as duplicates"
	}
	return b
}
