// Command customrule is a channel flow processor with a rule of its own:
// it registers the rule, imports the one built-in rule it uses (profanity),
// and starts the standard entry point. Its default configuration, given to
// boot in main, picks both by name; CHIMEFLOW_CONFIG (the template's
// RulesConfig parameter) replaces it without a rebuild.
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
	"regexp"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/profanity" // the built-in rule this processor uses
)

// ticketLinks turns ticket ids like OPS-123 into links.
type ticketLinks struct {
	baseURL string
}

var ticketID = regexp.MustCompile(`\b[A-Z]{2,10}-[0-9]+\b`)

func (r *ticketLinks) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	m.Content = ticketID.ReplaceAllString(m.Content, "[$0]("+r.baseURL+"$0)")
	return processor.Continue, nil
}

func init() {
	rules.Register("ticket-links", func(o rules.Options) (processor.Rule, error) {
		var opts struct {
			BaseURL string `yaml:"baseURL"`
		}
		if err := o.Decode(&opts); err != nil {
			return nil, err
		}
		if opts.BaseURL == "" {
			return nil, o.Errorf("baseURL", "required")
		}
		return &ticketLinks{baseURL: opts.BaseURL}, nil
	})
}

func main() {
	boot.Main(boot.WithDefaultConfig("customrule default", []byte(`
rules:
  - rule: ticket-links
    options:
      baseURL: https://tickets.example.com/browse/
  - rule: profanity
    options:
      action: mask
`)))
}
