// Package boot starts a channel flow processor in AWS Lambda: it reads the
// configuration from the environment, builds the pipelines and the callback
// client, and hands the processor.Handler to aws-lambda-go.
//
// cmd/processor is one line, boot.Main(). A team with its own rules writes
// the same one line after registering them:
//
//	func init() { rules.Register("shout", newShout) }
//	func main() { boot.Main() }
//
// Environment:
//
//	CHIMEFLOW_CONFIG        the rules configuration document itself (YAML or JSON)
//	CHIMEFLOW_CONFIG_FILE   or a path to it; neither means the bundled default
//	CHIMEFLOW_ERROR_POLICY  deny | allow: overrides the document's onError everywhere
//	CHIMEFLOW_LOG_LEVEL     debug | info | warn | error (default info)
//	AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//	                        set by Lambda; the callback client signs with them
//	AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING, AWS_ENDPOINT_URL
//	                        optional endpoint override
//
// A bad configuration fails at start-up, with every problem listed: Lambda
// reports the init error and no message is processed by a half-configured
// pipeline.
package boot

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/rs/zerolog"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/all" // the built-in rules
)

// Environment variable names.
const (
	EnvConfig      = "CHIMEFLOW_CONFIG"
	EnvConfigFile  = "CHIMEFLOW_CONFIG_FILE"
	EnvErrorPolicy = "CHIMEFLOW_ERROR_POLICY"
	EnvLogLevel    = "CHIMEFLOW_LOG_LEVEL"
)

// LoadRules loads the rules configuration the environment names: the
// document in CHIMEFLOW_CONFIG, the file in CHIMEFLOW_CONFIG_FILE, or the
// bundled default; CHIMEFLOW_ERROR_POLICY then overrides every pipeline's
// error policy. getenv is os.Getenv outside tests.
func LoadRules(getenv func(string) string) (*rules.Config, error) {
	doc, file := getenv(EnvConfig), getenv(EnvConfigFile)
	var (
		cfg *rules.Config
		err error
	)
	switch {
	case doc != "" && file != "":
		return nil, fmt.Errorf("set %s or %s, not both", EnvConfig, EnvConfigFile)
	case strings.TrimSpace(doc) != "":
		cfg, err = rules.Parse([]byte(doc), "$"+EnvConfig)
	default:
		cfg, err = rules.Load(file)
	}
	if err != nil {
		return nil, err
	}
	if s := getenv(EnvErrorPolicy); s != "" {
		policy, err := processor.ParseErrorPolicy(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvErrorPolicy, err)
		}
		cfg.SetErrorPolicy(policy)
	}
	return cfg, nil
}

// NewLogger returns the JSON logger the processor writes its one line per
// message to, at the level CHIMEFLOW_LOG_LEVEL names.
func NewLogger(getenv func(string) string, w io.Writer) (zerolog.Logger, error) {
	level := zerolog.InfoLevel
	if s := getenv(EnvLogLevel); s != "" {
		l, err := zerolog.ParseLevel(strings.ToLower(s))
		if err != nil || l == zerolog.NoLevel {
			return zerolog.Logger{}, fmt.Errorf("%s: %q is not one of debug, info, warn, error", EnvLogLevel, s)
		}
		level = l
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

// NewHandler builds the processor's handler from the environment: rules,
// logger (to w) and a callback client signed with the credentials Lambda
// puts in the environment. Every configuration problem is returned, joined.
func NewHandler(getenv func(string) string, w io.Writer) (*processor.Handler, error) {
	cfg, errRules := LoadRules(getenv)
	logger, errLog := NewLogger(getenv, w)
	opts, errClient := messaging.EnvOptions()
	if err := errors.Join(errRules, errLog, errClient); err != nil {
		return nil, err
	}
	return processor.NewHandler(cfg, messaging.New(opts), processor.WithLogger(logger))
}

// Main builds the handler from the environment and starts the Lambda
// runtime loop. On a bad configuration it prints every problem and exits
// non-zero, so Lambda reports an init error.
func Main() {
	h, err := NewHandler(os.Getenv, os.Stdout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "chimeflow: refusing to start: %v\n", err)
		os.Exit(1)
	}
	lambda.StartHandler(h)
}
