// Command customrule is a channel flow processor with a rule of its own:
// it registers the rule, then starts the standard entry point unchanged.
// Its configuration (CHIMEFLOW_CONFIG) picks the rule by name, next to the
// built-in ones:
//
//	rules:
//	  - rule: ticket-links
//	    options:
//	      baseURL: https://tickets.example.com/browse/
//
// Build it like cmd/processor and point the SAM template's CodeUri at it.
package main

import (
	"context"
	"regexp"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
	"github.com/chimeflow/chimeflow/rules"
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

func main() { boot.Main() }
