// Command customrule is a channel flow processor with a rule of its own:
// it registers the rule, imports the one built-in rule it uses (profanity),
// and starts the standard entry point. Its configuration, rules.yaml beside
// this file, picks both by name: main embeds it as the default, and the
// Makefile deploys it beside the binary (CHIMEFLOW_CONFIG_FILE in the
// template), and the template's RulesParameterName replaces it without a
// rebuild.
//
// sam build builds it in place of cmd/processor when the Makefile's
// PROCESSOR variable names it; CI builds it through the same make target
// (.ci/deploy.sh). See docs/custom-processor.md.
//
//	PROCESSOR=./examples/customrule sam build
//	make build-ProcessorFunction PROCESSOR=./examples/customrule ARTIFACTS_DIR=build/ProcessorFunction
package main

import (
	"context"
	_ "embed"
	"net/url"
	"regexp"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/profanity" // the built-in rule this processor uses
)

// ticketConfig holds the options of the ticket-links rule.
type ticketConfig struct {
	// BaseURL is the address a ticket id is appended to; required.
	BaseURL string `yaml:"baseURL"`
}

// ticketLinks turns ticket ids like OPS-123 into links.
type ticketLinks struct {
	baseURL string
}

// newTicketLinks checks the options and builds the rule; the same checks
// serve a configuration file and a Go caller.
func newTicketLinks(c ticketConfig) (*ticketLinks, error) {
	var bad rules.Problems
	if u, err := url.Parse(c.BaseURL); c.BaseURL == "" {
		bad.Add("baseURL", "required")
	} else if err != nil || u.Scheme != "https" || u.Host == "" {
		bad.Add("baseURL", "%q is not an https:// address", c.BaseURL)
	}
	return &ticketLinks{baseURL: c.BaseURL}, bad.Err()
}

var ticketID = regexp.MustCompile(`\b[A-Z]{2,10}-[0-9]+\b`)

func (r *ticketLinks) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	m.Content = ticketID.ReplaceAllString(m.Content, "[$0]("+r.baseURL+"$0)")
	return processor.Continue, nil
}

func init() { rules.Register("ticket-links", rules.Define(newTicketLinks)) }

// defaultRules is the processor's configuration when the environment names
// none; the Makefile deploys the same file beside the binary.
//
//go:embed rules.yaml
var defaultRules []byte

func main() { boot.Main(boot.WithDefaultConfig("customrule rules.yaml", defaultRules)) }
