package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/chimeflow/chimeflow"
	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/processor/replay"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/live"
	"github.com/chimeflow/chimeflow/rules/live/paramstore"
)

const rulesUsage = `usage: flowctl rules COMMAND [flags] [FILE]

Checks a rules document and publishes it to the SSM Parameter Store
parameter the processor reads (the template's RulesParameterName; the
processor picks up a new version within RulesReloadSeconds, without a
deployment):

  validate FILE    check FILE: every problem, with its line and column
  get              print the document deployed in the parameter
  diff FILE        show what publishing FILE would change in the parameter
  publish FILE     check FILE, show the change, and publish it as a new
                   version of the parameter, only if it loads (and, with
                   -replay or -replay-bundled, only if no event it answers
                   under the deployed rules fails under FILE)

FILE - reads standard input. validate and publish replay events against
FILE first when asked: -replay PATH (an event file, a directory of them, a
.jsonl file; repeatable) or -replay-bundled (the fixtures bundled with
flowctl), and print each event whose outcome FILE changes.

The rules are those flowctl registers: every built-in rule. A document that
names rules of your own processor does not load here.

Exit status: 0 on success (validate: FILE loads), 1 when FILE does not
load, a replayed event fails, or a call fails; 2 on a usage error.

flags:
`

// rulesFlags are the flags of flowctl rules.
type rulesFlags struct {
	parameter, region, profile, endpoint, keyID string
	replay                                      strs
	bundled, secure, dryRun, json               bool
	timeout                                     time.Duration
}

// runRules runs flowctl rules.
func runRules(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fmt.Fprint(stderr, strings.TrimSuffix(rulesUsage, "flags:\n"))
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, args := args[0], args[1:]
	var f rulesFlags
	fs := flag.NewFlagSet("flowctl rules "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, rulesUsage)
		fs.PrintDefaults()
	}
	needsParameter := cmd == "get" || cmd == "diff" || cmd == "publish"
	if needsParameter {
		fs.StringVar(&f.parameter, "parameter", os.Getenv(boot.EnvConfigParameter), "the SSM parameter `name` (the stack's RulesParameterName; default $"+boot.EnvConfigParameter+")")
		fs.StringVar(&f.region, "region", "", "AWS Region of the parameter (default: from the AWS configuration)")
		fs.StringVar(&f.profile, "profile", "", "shared configuration profile")
		fs.StringVar(&f.endpoint, "endpoint", "", "SSM endpoint `URL` (default: the Region's)")
	}
	if cmd == "validate" || cmd == "publish" {
		fs.Var(&f.replay, "replay", "replay the events of `PATH` against the document first (repeatable)")
		fs.BoolVar(&f.bundled, "replay-bundled", false, "replay the event fixtures bundled with flowctl against the document first")
		fs.BoolVar(&f.json, "json", false, "print the result as JSON")
	}
	if cmd == "publish" {
		fs.BoolVar(&f.secure, "secure", false, "create the parameter as a SecureString (an existing parameter keeps its type)")
		fs.StringVar(&f.keyID, "key-id", "", "KMS `key` of a SecureString (default: the parameter's own, or aws/ssm for a new one)")
		fs.BoolVar(&f.dryRun, "dry-run", false, "check and show the change; publish nothing")
	}
	fs.DurationVar(&f.timeout, "timeout", time.Minute, "time limit of the whole command")
	switch cmd {
	case "validate", "get", "diff", "publish":
	default:
		fmt.Fprintf(stderr, "flowctl rules: unknown command %q\n\n", cmd)
		fs.Usage()
		return 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	wantFile := cmd != "get"
	switch {
	case wantFile && fs.NArg() != 1:
		fmt.Fprintf(stderr, "flowctl rules %s: give one FILE (or - for standard input)\n", cmd)
		return 2
	case !wantFile && fs.NArg() != 0:
		fmt.Fprintf(stderr, "flowctl rules %s: unexpected arguments %q\n", cmd, fs.Args())
		return 2
	case needsParameter && f.parameter == "":
		fmt.Fprintf(stderr, "flowctl rules %s: missing -parameter (or $%s)\n", cmd, boot.EnvConfigParameter)
		return 2
	}

	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	rc := &rulesCmd{flags: f, stdout: stdout, stderr: stderr}
	if wantFile {
		name := fs.Arg(0)
		var err error
		if name == "-" {
			rc.doc, err = io.ReadAll(stdin)
			name = "stdin"
		} else {
			rc.doc, err = os.ReadFile(name)
		}
		if err != nil {
			fmt.Fprintf(stderr, "flowctl rules %s: %v\n", cmd, err)
			return 2
		}
		rc.name = name
	}
	if needsParameter {
		api, err := newSSM(ctx, &f)
		if err != nil {
			fmt.Fprintf(stderr, "flowctl rules %s: %v\n", cmd, err)
			return 1
		}
		rc.api = api
	}
	if err := rc.run(ctx, cmd); err != nil {
		fmt.Fprintf(stderr, "flowctl rules %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// newSSM builds the SSM client from the AWS configuration and the flags.
func newSSM(ctx context.Context, f *rulesFlags) (paramstore.PublishAPI, error) {
	cfg, err := loadConfig(ctx, f.region, f.profile, "")
	if err != nil {
		return nil, err
	}
	return ssm.NewFromConfig(cfg, func(o *ssm.Options) {
		if f.endpoint != "" {
			o.BaseEndpoint = aws.String(f.endpoint)
		}
	}), nil
}

// rulesCmd is one run of flowctl rules.
type rulesCmd struct {
	flags          rulesFlags
	name           string // FILE as given, "stdin" for -
	doc            []byte
	api            paramstore.PublishAPI
	stdout, stderr io.Writer
}

// errNotLoaded marks a document that does not load; its problems are
// already printed.
var errNotLoaded = errors.New("the document does not load")

// rulesResult is the JSON output of validate and publish.
type rulesResult struct {
	File      string          `json:"file"`
	Version   string          `json:"version"`
	Loads     bool            `json:"loads"`
	Problems  []string        `json:"problems,omitempty"`
	Deployed  string          `json:"deployed,omitempty"`
	Changed   *bool           `json:"changed,omitempty"`
	Replay    *replaySummary  `json:"replay,omitempty"`
	Published *publishedValue `json:"published,omitempty"`
}

type publishedValue struct {
	Parameter string `json:"parameter"`
	Version   int64  `json:"version"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Tier      string `json:"tier"`
}

func (rc *rulesCmd) run(ctx context.Context, cmd string) error {
	switch cmd {
	case "get":
		p, err := paramstore.Read(ctx, rc.api, rc.flags.parameter)
		if err != nil {
			return err
		}
		fmt.Fprintf(rc.stderr, "%s, version %d (%s)\n", p.Name, p.Version, p.VersionName())
		_, err = io.WriteString(rc.stdout, p.Value)
		return err
	case "diff":
		cur, err := rc.deployed(ctx)
		if err != nil {
			return err
		}
		rc.printDiff(cur)
		return nil
	}

	res := &rulesResult{File: rc.name, Version: live.HashVersion(rc.doc)}
	cfg, err := rules.Parse(rc.doc, rc.name)
	if err != nil {
		var ce *rules.ConfigError
		if !errors.As(err, &ce) {
			return err
		}
		for _, p := range ce.Problems {
			res.Problems = append(res.Problems, p.String())
		}
		if rc.flags.json {
			_ = rc.printJSON(res)
		} else {
			fmt.Fprintln(rc.stderr, err)
		}
		return errNotLoaded
	}
	res.Loads = true
	if !rc.flags.json {
		fmt.Fprintf(rc.stdout, "%s loads: %s (%s)\n", rc.name, describeConfig(cfg), res.Version)
	}

	var cur *paramstore.Parameter
	var base *rules.Config
	if cmd == "publish" {
		if cur, err = rc.deployed(ctx); err != nil {
			return err
		}
		if cur != nil {
			res.Deployed = cur.VersionName()
			if b, err := rules.Parse([]byte(cur.Value), "ssm:"+cur.Name+"@deployed"); err == nil {
				base = b
			} else if !rc.flags.json {
				fmt.Fprintf(rc.stdout, "the deployed %s does not load here (%v): events are compared with nothing\n", cur.VersionName(), firstLine(err))
			}
		}
		changed := cur == nil || cur.Value != string(rc.doc)
		res.Changed = &changed
		if !rc.flags.json {
			rc.printDiff(cur)
		}
	}
	if rc.flags.bundled || len(rc.flags.replay) > 0 {
		sum, err := rc.replay(ctx, cfg, base)
		if err != nil {
			return err
		}
		res.Replay = sum
		if sum.Failed > 0 {
			if rc.flags.json {
				_ = rc.printJSON(res)
			}
			msg := fmt.Sprintf("%d replayed event(s) fail under %s", sum.Failed, rc.name)
			if base != nil {
				msg += " and did not under " + res.Deployed
			}
			if cmd == "publish" {
				msg += ": not published"
			}
			return errors.New(msg)
		}
	}
	if cmd == "publish" && *res.Changed && !rc.flags.dryRun {
		var expect int64
		if cur != nil {
			expect = cur.Version
		}
		pub, err := paramstore.Publish(ctx, rc.api, paramstore.PublishInput{Name: rc.flags.parameter, Value: string(rc.doc),
			Expect: expect, Secure: rc.flags.secure, KeyID: rc.flags.keyID})
		if err != nil {
			return err
		}
		p := paramstore.Parameter{Version: pub.Version}
		res.Published = &publishedValue{Parameter: rc.flags.parameter, Version: pub.Version, Name: p.VersionName(), Type: string(pub.Type), Tier: string(pub.Tier)}
		if !rc.flags.json {
			fmt.Fprintf(rc.stdout, "published %s as version %d of %s (%s, %s tier): processors pick it up at their next check\n",
				rc.name, pub.Version, rc.flags.parameter, pub.Type, pub.Tier)
			if pub.Raced {
				fmt.Fprintf(rc.stdout, "note: version %d is not the one after %d: someone else published meanwhile\n", pub.Version, expect)
			}
		}
	} else if cmd == "publish" && !rc.flags.json {
		switch {
		case !*res.Changed:
			fmt.Fprintf(rc.stdout, "nothing to publish: %s is version %d of %s\n", rc.name, cur.Version, rc.flags.parameter)
		case rc.flags.dryRun:
			fmt.Fprintln(rc.stdout, "dry run: nothing published")
		}
	}
	if rc.flags.json {
		return rc.printJSON(res)
	}
	return nil
}

// deployed reads the parameter; nil when it does not exist yet.
func (rc *rulesCmd) deployed(ctx context.Context) (*paramstore.Parameter, error) {
	p, err := paramstore.Read(ctx, rc.api, rc.flags.parameter)
	if errors.Is(err, paramstore.ErrNotFound) {
		return nil, nil
	}
	return p, err
}

// printDiff prints what publishing the document would change.
func (rc *rulesCmd) printDiff(cur *paramstore.Parameter) {
	from, old := rc.flags.parameter+" (does not exist yet)", ""
	if cur != nil {
		from, old = fmt.Sprintf("%s version %d", cur.Name, cur.Version), cur.Value
	}
	d := unifiedDiff(from, rc.name, old, string(rc.doc))
	if d == "" {
		fmt.Fprintf(rc.stdout, "no change: %s is version %d of %s\n", rc.name, cur.Version, cur.Name)
		return
	}
	fmt.Fprint(rc.stdout, d)
}

func (rc *rulesCmd) printJSON(v any) error {
	enc := json.NewEncoder(rc.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// replaySummary is what replaying events against the document showed.
type replaySummary struct {
	Events  int            `json:"events"`
	Changed []replayChange `json:"changed"`
	// Failed counts the events that fail under the document (not
	// answered, or a rule failed) and did not fail under the deployed
	// rules.
	Failed int `json:"failed"`
	// Invalid counts the events refused as invalid, before any rule:
	// fixtures of bad input, whatever the rules.
	Invalid int `json:"invalid"`
}

// fails reports whether a valid event failed: it was not answered, or a
// rule failed on it (whatever its error policy then did).
func fails(r *replay.Report) bool { return r.Action == processor.ActionError || len(r.RuleErrors) > 0 }

// replayChange is an event whose outcome the document changes.
type replayChange struct {
	Event  string   `json:"event"`
	Before string   `json:"before,omitempty"`
	After  string   `json:"after"`
	Rules  []string `json:"rules"`
	Reason string   `json:"reason,omitempty"`
	Errors []string `json:"errors,omitempty"`
	Fails  bool     `json:"fails,omitempty"`
}

// acceptAll stands in for the service: it accepts every callback, which the
// handler has checked against the API's limits.
var acceptAll = messaging.CallbackFunc(func(_ context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
	return &messaging.ChannelFlowCallbackOutput{ChannelArn: in.ChannelArn, CallbackID: in.CallbackID}, nil
})

// replay runs the chosen events through the document's rules, and through
// base's when there are deployed rules, with processor/replay's engine.
func (rc *rulesCmd) replay(ctx context.Context, cfg, base *rules.Config) (*replaySummary, error) {
	var sources []replay.Source
	if rc.flags.bundled {
		b, err := bundledEvents()
		if err != nil {
			return nil, err
		}
		sources = append(sources, b...)
	}
	if len(rc.flags.replay) > 0 {
		s, err := replay.Load(rc.flags.replay, nil)
		if err != nil {
			return nil, err
		}
		sources = append(sources, s...)
	}
	// Each configuration gets a host of its own: stateful rules count in
	// memory, from the events' own timestamps, and rules that call AWS
	// services (toxicity, pii) call them with the shell's AWS
	// configuration, loaded only if one asks.
	for _, c := range []*rules.Config{cfg, base} {
		if c == nil {
			continue
		}
		host := rules.NewHost(rules.WithState(state.NewMemory()), rules.WithAWSConfigLoader(func(ctx context.Context) (aws.Config, error) {
			return config.LoadDefaultConfig(ctx)
		}))
		if err := c.Provision(ctx, host); err != nil {
			return nil, fmt.Errorf("replay: %w", err)
		}
	}
	run := func(router processor.Router, src replay.Source) (replay.Report, error) {
		src.Path = "" // outcomes, not golden files: those belong to other configurations
		h, err := processor.NewHandler(router, acceptAll)
		if err != nil {
			return replay.Report{}, err
		}
		r, err := (&replay.Runner{Handler: h}).Run(ctx, src)
		return r.Report, err
	}
	sum := &replaySummary{Events: len(sources), Changed: []replayChange{}}
	for _, src := range sources {
		after, err := run(cfg, src)
		if err != nil {
			return nil, err
		}
		if errors.Is(after.Err, processor.ErrInvalidEvent) {
			sum.Invalid++ // refused before any rule runs, whatever the rules
			continue
		}
		c := replayChange{Event: src.Name, After: string(after.Action), Rules: after.Rules, Reason: after.Reason, Errors: after.RuleErrors}
		if after.Error != "" {
			c.Errors = append(c.Errors, after.Error)
		}
		failsAfter := fails(&after)
		failsBefore := false
		if base != nil {
			before, err := run(base, src)
			if err != nil {
				return nil, err
			}
			c.Before = string(before.Action)
			failsBefore = fails(&before)
			if before.Action == after.Action && equalCallbacks(before.Callback, after.Callback) && failsBefore == failsAfter {
				continue
			}
		} else if after.Action == processor.ActionAllow && !failsAfter {
			continue
		}
		c.Fails = failsAfter && !failsBefore
		if c.Fails {
			sum.Failed++
		}
		sum.Changed = append(sum.Changed, c)
	}
	if !rc.flags.json {
		rc.printReplay(sum, base != nil)
	}
	return sum, nil
}

// equalCallbacks reports whether two reports' callbacks say the same.
func equalCallbacks(a, b *replay.CallbackRequest) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

func (rc *rulesCmd) printReplay(sum *replaySummary, compared bool) {
	what := "changed by " + rc.name
	if !compared {
		what = "not allowed unchanged"
	}
	fmt.Fprintf(rc.stdout, "replayed %d event(s): %d %s", sum.Events, len(sum.Changed), what)
	if sum.Invalid > 0 {
		fmt.Fprintf(rc.stdout, " (%d invalid on purpose, refused before any rule: not shown)", sum.Invalid)
	}
	fmt.Fprintln(rc.stdout)
	for _, c := range sum.Changed {
		line := "  " + c.Event + ": "
		if c.Before != "" {
			line += c.Before + " -> "
		}
		line += c.After
		if len(c.Rules) > 0 {
			line += " (" + strings.Join(c.Rules, ", ") + ")"
		}
		if c.Reason != "" {
			line += ": " + firstLine(errors.New(c.Reason))
		}
		if c.Fails {
			line += "  FAILS"
		}
		fmt.Fprintln(rc.stdout, line)
		for _, e := range c.Errors {
			fmt.Fprintln(rc.stdout, "    "+e)
		}
	}
}

// bundledEvents returns the event fixtures bundled with flowctl.
func bundledEvents() ([]replay.Source, error) {
	fsys := chimeflow.EventFixtures()
	entries, err := fs.ReadDir(fsys, chimeflow.EventFixturesDir)
	if err != nil {
		return nil, fmt.Errorf("bundled events: %w", err)
	}
	var out []replay.Source
	for _, e := range entries {
		if replay.IsGolden(e.Name()) {
			continue
		}
		data, err := fs.ReadFile(fsys, path.Join(chimeflow.EventFixturesDir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("bundled events: %w", err)
		}
		out = append(out, replay.Source{Name: e.Name(), Data: data})
	}
	return out, nil
}

// describeConfig summarises a configuration: its pipelines and stages.
func describeConfig(c *rules.Config) string {
	stages := len(c.Default.Stages)
	for _, cp := range c.Channels {
		stages += len(cp.Pipeline.Stages)
	}
	return fmt.Sprintf("%d pipeline(s), %d rule stage(s)", 1+len(c.Channels), stages)
}

// firstLine returns the first line of an error's text.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
