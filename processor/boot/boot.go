// Package boot starts a channel flow processor in AWS Lambda: it reads the
// configuration from the environment, builds the processor.Handler and its
// callback client, and runs aws-lambda-go's runtime loop with it. Its shape
// is aws-lambda-go's: Main(opts...) builds and starts, Start(h, opts...)
// starts a handler built elsewhere.
//
// boot registers no rule. The main package chooses its rules by importing
// them, as database/sql programs import their drivers: cmd/processor
// imports rules/all, and a team's own main imports the built-in rules it
// wants next to its own:
//
//	import (
//		_ "github.com/chimeflow/chimeflow/rules/profanity"
//		"github.com/chimeflow/chimeflow/processor/boot"
//	)
//
//	func main() { boot.Main() }
//
// Environment:
//
//	CHIMEFLOW_CONFIG        the rules configuration document itself (YAML or JSON)
//	CHIMEFLOW_CONFIG_FILE   or a path to it (relative to LAMBDA_TASK_ROOT when
//	                        that is set); neither means the default
//	                        (WithDefaultConfig, else the bundled default.yaml)
//	CHIMEFLOW_CONFIG_PARAMETER
//	                        an SSM Parameter Store parameter (name or ARN) holding
//	                        the document: read at start, checked again every
//	                        CHIMEFLOW_CONFIG_RELOAD; the document above serves
//	                        while the parameter cannot be read or does not load
//	CHIMEFLOW_CONFIG_RELOAD how often the rules are checked for a new version
//	                        (60s, 5m; 0 never); default 60s with a parameter,
//	                        else 0
//	CHIMEFLOW_ERROR_POLICY  deny | allow: overrides the document's onError everywhere
//	CHIMEFLOW_LOG_LEVEL     debug | info | warn | error (default info)
//	CHIMEFLOW_LOG_CONTENT   true: debug lines carry what senders wrote (default false)
//	CHIMEFLOW_LOG_DEBUG_SAMPLE
//	                        fraction of messages with a debug line, 0-1 (default 1)
//	CHIMEFLOW_METRICS_NAMESPACE, CHIMEFLOW_METRICS_DIMENSIONS
//	                        the metrics (package metrics), written to standard
//	                        output in CloudWatch embedded metric format
//	CHIMEFLOW_TRAIL_BUS, CHIMEFLOW_TRAIL_CONTENT
//	                        the decision trail (package trail): off unless the
//	                        bus is named; delivered by the sink the opener given
//	                        to WithTrail makes (cmd/processor: EventBridge, see
//	                        processor/trail/ebsink), refused without one
//	GOMAXPROCS              the Go runtime's; boot sets 1 when it is unset
//	AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//	                        set by Lambda; the callback client signs with them
//	AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING, AWS_ENDPOINT_URL_EVENTBRIDGE, AWS_ENDPOINT_URL
//	                        optional endpoint overrides
//	AWS_ENDPOINT_URL_COMPREHEND, AWS_ENDPOINT_URL_BEDROCK_RUNTIME
//	                        the same for the rules that call them (toxicity, pii);
//	                        rules that call AWS get their clients at start-up
//	                        (rules.Config.Provision), and only those
//	CHIMEFLOW_STATE_TABLE, CHIMEFLOW_STATE_TIMEOUT
//	                        the state store of stateful rules, read by the
//	                        opener given to WithState (cmd/processor: the
//	                        DynamoDB table, see processor/state/dynamostate)
//
// The handler's metrics are flushed, and its decision trail waited for,
// before each invocation returns; with a trail, on SIGTERM
// (lambda.WithEnableSIGTERM) the trail delivers what it still holds and
// the metrics are flushed.
//
// A bad configuration fails at start-up, with every problem listed: the
// process exits before it asks Lambda for an event, Lambda reports the init
// error, and no message is processed by a half-configured pipeline.
package boot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/processor/trail"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/live"
	"github.com/chimeflow/chimeflow/rules/live/paramstore"
)

// Environment variable names.
const (
	EnvConfig          = "CHIMEFLOW_CONFIG"
	EnvConfigFile      = "CHIMEFLOW_CONFIG_FILE"
	EnvConfigParameter = "CHIMEFLOW_CONFIG_PARAMETER"
	EnvConfigReload    = "CHIMEFLOW_CONFIG_RELOAD"
	// EnvTaskRoot is set by Lambda to the directory of the function's
	// code; a relative CHIMEFLOW_CONFIG_FILE is taken from it.
	EnvTaskRoot    = "LAMBDA_TASK_ROOT"
	EnvErrorPolicy = "CHIMEFLOW_ERROR_POLICY"
	EnvLogLevel    = "CHIMEFLOW_LOG_LEVEL"
	// EnvGOMAXPROCS is the Go runtime's own variable: when it is set, boot
	// leaves the runtime's choice alone.
	EnvGOMAXPROCS = "GOMAXPROCS"
)

// Option configures Main, Start and NewHandler.
type Option func(*settings)

type settings struct {
	getenv        func(string) string
	logOutput     io.Writer
	router        processor.Router
	defaultDoc    []byte
	defaultSource string
	callback      messaging.CallbackAPI
	openState     func(getenv func(string) string) (state.Store, error)
	openTrail     func(cfg aws.Config, bus string) (trail.Sink, error)
	hostOnce      sync.Once
	rulesHost     *rules.Host
	lambdaOpts    []lambda.Option
	// building lists the options given that build a handler, for Start
	// to refuse.
	building []string
}

func newSettings(opts []Option) *settings {
	s := &settings{getenv: os.Getenv, logOutput: os.Stdout}
	for _, o := range opts {
		o(s)
	}
	return s
}

// WithGetenv reads the CHIMEFLOW_* variables and GOMAXPROCS through getenv
// instead of os.Getenv. The AWS variables are read by the callback client
// from the process environment.
func WithGetenv(getenv func(string) string) Option {
	return func(s *settings) { s.getenv = getenv }
}

// WithLogOutput writes the one JSON log line per message, and the
// metrics documents, to w instead of standard output (where Lambda
// collects them). CHIMEFLOW_LOG_LEVEL still sets the level.
func WithLogOutput(w io.Writer) Option {
	return func(s *settings) {
		s.logOutput = w
		s.building = append(s.building, "WithLogOutput")
	}
}

// WithDefaultConfig makes doc, a rules configuration document (YAML or
// JSON, often embedded with go:embed), the configuration used when neither
// CHIMEFLOW_CONFIG nor CHIMEFLOW_CONFIG_FILE is set, in place of the bundled
// default. source names it in error messages.
func WithDefaultConfig(source string, doc []byte) Option {
	return func(s *settings) {
		s.defaultSource, s.defaultDoc = source, doc
		s.building = append(s.building, "WithDefaultConfig")
	}
}

// WithRouter routes messages with r, rules chosen in code, instead of a
// configuration document: CHIMEFLOW_CONFIG and CHIMEFLOW_CONFIG_FILE are
// then refused at start-up, so that nobody believes they apply.
// CHIMEFLOW_ERROR_POLICY applies when r has a SetErrorPolicy method, as
// *rules.Config does, and is refused otherwise.
func WithRouter(r processor.Router) Option {
	return func(s *settings) {
		s.router = r
		s.building = append(s.building, "WithRouter")
	}
}

// WithCallback sends the callbacks through api instead of the client
// signed with Lambda's credentials: the official SDK client, a client with
// options of its own, or a recorder in a test. The AWS variables are then
// not required.
func WithCallback(api messaging.CallbackAPI) Option {
	return func(s *settings) {
		s.callback = api
		s.building = append(s.building, "WithCallback")
	}
}

// WithState makes open, called with boot's getenv, open the state store
// that stateful rules share (ratelimit, repeat, escalation), the first
// time the configuration has one: a configuration without them never opens
// it. cmd/processor passes dynamostate.FromEnv (the DynamoDB table
// CHIMEFLOW_STATE_TABLE names). Without WithState, a configuration with a
// stateful rule is refused at start-up.
func WithState[S state.Store](open func(getenv func(string) string) (S, error)) Option {
	return func(s *settings) {
		s.openState = func(getenv func(string) string) (state.Store, error) { return open(getenv) }
	}
}

// host returns the rules' host, one for the settings (a configuration
// loaded again is provisioned by the same host, with the same store): the
// AWS configuration of the environment Lambda sets and the state store,
// each built on first use, only when a configured rule asks.
func (s *settings) host() *rules.Host {
	s.hostOnce.Do(func() {
		s.rulesHost = rules.NewHost(rules.WithHostGetenv(s.getenv), rules.WithAWSConfigLoader(s.rulesAWSConfig), rules.WithStateOpener(func(context.Context) (state.Store, error) {
			if s.openState == nil {
				return nil, fmt.Errorf("%w; this program has no state store (boot.WithState)", rules.ErrNoStateStore)
			}
			return s.openState(s.getenv)
		}))
	})
	return s.rulesHost
}

// provisioner is a router whose rules need services (*rules.Config).
type provisioner interface {
	Provision(ctx context.Context, h *rules.Host) error
}

// WithLambdaOptions passes options to aws-lambda-go's
// lambda.StartWithOptions, for example lambda.WithEnableSIGTERM to flush
// something of your own when Lambda shuts the sandbox down.
func WithLambdaOptions(opts ...lambda.Option) Option {
	return func(s *settings) { s.lambdaOpts = append(s.lambdaOpts, opts...) }
}

// NewHandler builds the processor's handler from the environment and the
// options: rules, logger and callback client. Every problem is returned,
// joined, not only the first.
func NewHandler(opts ...Option) (*processor.Handler, error) {
	return newSettings(opts).handler()
}

func (s *settings) handler() (*processor.Handler, error) {
	logger, errLog := s.logger()
	router, errRules := s.rules(logger)
	api, errClient := s.callback, error(nil)
	if api == nil {
		var o messaging.Options
		if o, errClient = messaging.EnvOptions(); errClient == nil {
			api = messaging.New(o)
		}
	}
	obs, errObs := s.readObservation()
	if err := errors.Join(errRules, errLog, errClient, errObs); err != nil {
		return nil, err
	}
	opts, err := s.startObservation(obs, logger, router)
	if err != nil {
		return nil, err
	}
	return processor.NewHandler(router, api, append(opts, processor.WithLogger(logger))...)
}

// errorPolicySetter is a router whose error policy can be overridden.
type errorPolicySetter interface {
	SetErrorPolicy(processor.ErrorPolicy)
}

// rules returns the router: the one given to WithRouter, or a
// *live.Router serving the configuration the environment names
// (CHIMEFLOW_CONFIG_PARAMETER, with CHIMEFLOW_CONFIG, CHIMEFLOW_CONFIG_FILE
// or the default as its fallback), with CHIMEFLOW_ERROR_POLICY applied.
func (s *settings) rules(logger zerolog.Logger) (processor.Router, error) {
	doc, file, param := s.getenv(EnvConfig), s.getenv(EnvConfigFile), s.getenv(EnvConfigParameter)
	var errs []error
	var policy processor.ErrorPolicy
	if v := s.getenv(EnvErrorPolicy); v != "" {
		var err error
		if policy, err = processor.ParseErrorPolicy(v); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvErrorPolicy, err))
		}
	}
	if s.router != nil {
		for _, name := range []string{EnvConfig, EnvConfigFile, EnvConfigParameter, EnvConfigReload} {
			if s.getenv(name) != "" {
				errs = append(errs, fmt.Errorf("%s is set, but this processor's rules are chosen in code (boot.WithRouter): unset it", name))
			}
		}
		setter, ok := s.router.(errorPolicySetter)
		switch {
		case policy == "":
		case ok:
			setter.SetErrorPolicy(policy)
		default:
			errs = append(errs, fmt.Errorf("%s is set, but the router given to boot.WithRouter (%T) has no SetErrorPolicy method", EnvErrorPolicy, s.router))
		}
		if p, ok := s.router.(provisioner); ok && len(errs) == 0 {
			if err := p.Provision(context.Background(), s.host()); err != nil {
				errs = append(errs, err)
			}
		}
		return s.router, errors.Join(errs...)
	}
	if doc != "" && file != "" {
		return nil, fmt.Errorf("set %s or %s, not both", EnvConfig, EnvConfigFile)
	}
	var static live.Source
	switch {
	case strings.TrimSpace(doc) != "":
		static = live.Bytes{Name: "$" + EnvConfig, Data: []byte(doc)}
	case file != "":
		if root := s.getenv(EnvTaskRoot); root != "" && !filepath.IsAbs(file) {
			file = filepath.Join(root, file)
		}
		static = live.File(file)
	case s.defaultDoc != nil:
		static = live.Bytes{Name: s.defaultSource, Data: s.defaultDoc}
	default:
		static = live.Bytes{Name: rules.DefaultSource, Data: rules.DefaultDocument()}
	}
	opts := live.Options{ErrorPolicy: policy, Logger: logger, Host: s.host()}
	src := static
	if param != "" {
		ps, err := paramstore.NewFromEnv(param, os.Getenv)
		if err != nil {
			errs = append(errs, err)
		}
		src, opts.Fallback, opts.Interval = ps, static, DefaultReload
	}
	if v := s.getenv(EnvConfigReload); v != "" {
		d, err := parseInterval(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", EnvConfigReload, err))
		}
		opts.Interval = d
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return live.New(context.Background(), src, opts)
}

// DefaultReload is the interval between checks of a rules parameter when
// CHIMEFLOW_CONFIG_RELOAD is not set.
const DefaultReload = time.Minute

// parseInterval reads CHIMEFLOW_CONFIG_RELOAD: a Go duration ("90s",
// "5m") or a number of seconds; "0" means never.
func parseInterval(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		n, nerr := strconv.ParseUint(v, 10, 32)
		if nerr != nil {
			return 0, fmt.Errorf("%q is not a duration (60s, 5m) or a number of seconds", v)
		}
		d = time.Duration(n) * time.Second
	}
	if d != 0 && d < live.MinInterval {
		return 0, fmt.Errorf("%q: want 0 (never) or at least %v", v, live.MinInterval)
	}
	return d, nil
}

// logger returns the JSON logger the handler writes its one line per
// message to, at the level CHIMEFLOW_LOG_LEVEL names.
func (s *settings) logger() (zerolog.Logger, error) {
	level := zerolog.InfoLevel
	if v := s.getenv(EnvLogLevel); v != "" {
		l, err := zerolog.ParseLevel(strings.ToLower(v))
		if err != nil || l == zerolog.NoLevel || l == zerolog.Disabled {
			return zerolog.Logger{}, fmt.Errorf("%s: %q is not one of debug, info, warn, error", EnvLogLevel, v)
		}
		level = l
	}
	return zerolog.New(s.logOutput).Level(level).With().Timestamp().Logger(), nil
}

// Main builds the handler from the environment and the options, and starts
// the Lambda runtime loop with it; it does not return. On a bad
// configuration it prints every problem to standard error and exits with
// status 1, so Lambda reports an init error.
func Main(opts ...Option) {
	s := newSettings(opts)
	h, err := s.handler()
	if err != nil {
		refuse(err)
	}
	s.start(h)
}

// Start runs the Lambda runtime loop with a handler built elsewhere (by
// NewHandler and changed, or wrapped in middleware of your own); it does
// not return. A handler with a Close(context.Context) error method, as
// *processor.Handler has, is closed on SIGTERM, unless its NeedsClose
// method says there is nothing to close. Only WithGetenv and WithLambdaOptions apply: the options that
// build a handler are refused, at start-up, as a mistake.
func Start(h lambda.Handler, opts ...Option) {
	s := newSettings(opts)
	if len(s.building) > 0 {
		refuse(fmt.Errorf("boot.Start got %s, which build a handler: pass them to boot.NewHandler or boot.Main", strings.Join(s.building, ", ")))
	}
	if h == nil {
		refuse(errors.New("boot.Start got a nil handler"))
	}
	s.start(h)
}

func (s *settings) start(h lambda.Handler) {
	setGOMAXPROCS(s.getenv)
	opts := s.lambdaOpts
	if o, ok := sigtermFor(h); ok {
		opts = append(opts[:len(opts):len(opts)], o)
	}
	lambda.StartWithOptions(h, opts...)
}

// setGOMAXPROCS gives the runtime one P unless GOMAXPROCS is set; see
// docs/perf/gomaxprocs.md for the measurement behind it.
func setGOMAXPROCS(getenv func(string) string) {
	if getenv(EnvGOMAXPROCS) == "" {
		runtime.GOMAXPROCS(1)
	}
}

func refuse(err error) {
	fmt.Fprintf(os.Stderr, "chimeflow: refusing to start: %v\n", err)
	os.Exit(1)
}
