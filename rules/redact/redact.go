// Package redact provides the "redact" rule: it masks personal data in a
// message — e-mail addresses, telephone numbers, payment card numbers and
// whatever configured patterns match — or denies a message that holds
// some.
//
// The built-in detectors are precise rather than eager, and read a
// normalised view of the text (digits of every script, look-alikes of '@',
// '.' and the separators as their ASCII selves, invisible characters
// skipped; see Find), each match mapped back to what the sender typed:
//
//   - email: local@domain.tld, internationalised addresses included;
//   - phone: international numbers ("+44 20 7946 0958", "+14155552671",
//     "(+44) 20 7946 0958", "0044 20 7946 0958"), national numbers with a
//     trunk prefix 0 written in groups ("020 7946 0958", "06 12 34 56
//     78") and national numbers without one in the groupings of the
//     countries that use them ("415 555 2671", "(415) 555-2671", "55 1234
//     5678"). Years, prices, dates, times, decimals, ranges ("250-1000")
//     and bare runs of digits such as order numbers are left alone;
//   - card: 13 to 19 digits, together or in groups, with any separators
//     (spaces, '-', '.', '/', '_', invisible characters, mixed), starting
//     with 2 to 6 (the card networks' industry identifiers), that pass the
//     Luhn check: a 16-digit number that fails it is kept, and so are
//     millisecond timestamps and 64-bit ids, which start with 1.
//
// Patterns are RE2 regular expressions, each with a name and an optional
// replacement (which may refer to submatches as $1 or ${name}; write $$
// for a dollar sign). They, too, see the normalised view.
//
// The rule looks at the texts its scope covers (see rules.Scope): the
// content and the push notification's title and body by default, string
// values of JSON metadata and message attributes when asked. Everything
// but the matches is kept byte for byte.
//
// Configuration:
//
//	rules:
//	  - rule: redact
//	    options:
//	      detectors: [email, phone, card]   # the default; [] for patterns only
//	      action: mask                      # mask (default) or deny
//	      style: label                      # label (default), mask or last4
//	      labels: {email: "[email]", phone: "[phone]", card: "[card]"}
//	      maskChar: "*"                     # style mask and last4
//	      patterns:
//	        - name: employee-id
//	          regex: '\bEMP-\d{6}\b'
//	          replacement: "EMP-******"     # default "[employee-id]", or masked
//	      scope:                            # where to look; content and push by default
//	        metadata: [note, profile.phone] # JSON key paths; "*" for all
//	        attributes: [comment]           # names; "*" for all
//
// With style label each match becomes its kind's label; with style mask
// the digits of telephone and card numbers, and every character of other
// matches, become maskChar, so lengths and separators are kept; last4 is
// mask but keeps the last four digits of a card number. With action deny
// the first match denies the message; the reason names its kind and place
// (as the configuration names it), never the data.
//
// The rule never fails on what a sender wrote: where labels or
// replacements would make a text too long for the callback (or empty the
// content), every match of that text is masked instead, which keeps its
// length; see rules.Texts.RewriteOr.
package redact

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

// Name is the name the rule is registered under.
const Name = "redact"

func init() { rules.Register(Name, rules.Define(New)) }

// Actions.
const (
	ActionMask = "mask" // replace what is found
	ActionDeny = "deny" // deny a message in which something is found
)

// Styles of replacement.
const (
	StyleLabel = "label" // "[email]", "[phone]", "[card]", "[pattern name]"
	StyleMask  = "mask"  // "****@*******.***", "+** ** **** ****"
	StyleLast4 = "last4" // as StyleMask, but a card keeps its last four digits
)

// Config holds the rule's options; the YAML option names are given in the
// field tags. The zero Config labels e-mail addresses, telephone numbers
// and payment card numbers in the content and the push notification.
type Config struct {
	// Detectors lists the built-in detectors to run: KindEmail, KindPhone,
	// KindCard. Nil means all three; an empty list, none.
	Detectors []string `yaml:"detectors"`
	// Patterns are extra things to redact.
	Patterns []Pattern `yaml:"patterns"`
	// Action is ActionMask (the default, when empty) or ActionDeny.
	Action string `yaml:"action"`
	// Style is StyleLabel (the default, when empty), StyleMask or
	// StyleLast4.
	Style string `yaml:"style"`
	// Labels override the labels of the built-in kinds, by kind.
	Labels map[string]string `yaml:"labels"`
	// MaskChar is the character that masks with StyleMask and StyleLast4;
	// "*" when empty.
	MaskChar string `yaml:"maskChar"`
	// Scope says which texts to redact: the content and the push
	// notification's title and body by default.
	Scope rules.Scope `yaml:"scope"`
}

// Pattern is a configured thing to redact.
type Pattern struct {
	// Name identifies the pattern in labels and deny reasons.
	Name string `yaml:"name"`
	// Regex is the RE2 expression to find, within the cost bounds of
	// rules.CompileRegexp.
	Regex string `yaml:"regex"`
	// Replacement, if set, replaces each match in every style; it may
	// refer to submatches ($1, ${name}). When nil, a match becomes
	// "[Name]" with StyleLabel, and is masked otherwise.
	Replacement *string `yaml:"replacement"`
}

// Rule is the redact rule. It is immutable and safe for concurrent use.
type Rule struct {
	dets     []int // enabled detectors: built-ins, then numBuiltins+i for patterns[i]
	builtins []int // enabled built-in detectors
	patterns []pattern
	deny     bool
	style    string
	labels   [numBuiltins]string
	mask     rune
	texts    *rules.Texts
	fallback rules.Rewriter // every match masked: see Apply
}

type pattern struct {
	name    string
	re      *regexp.Regexp
	label   string // "[name]"
	repl    string
	hasRepl bool
	expand  bool // repl refers to submatches
}

var _ processor.Rule = (*Rule)(nil)

// New builds the rule from c, reporting every problem with c by its
// option's path (see rules.Problems).
func New(c Config) (*Rule, error) {
	var bad rules.Problems
	r := &Rule{style: c.Style, mask: '*', texts: c.Scope.Compile("scope", &bad)}
	switch c.Action {
	case "", ActionMask:
	case ActionDeny:
		r.deny = true
	default:
		bad.Add("action", "%q is not %s or %s", c.Action, ActionMask, ActionDeny)
	}
	switch c.Style {
	case "":
		r.style = StyleLabel
	case StyleLabel, StyleMask, StyleLast4:
	default:
		bad.Add("style", "%q is not %s, %s or %s", c.Style, StyleLabel, StyleMask, StyleLast4)
	}
	if c.MaskChar != "" {
		if r.mask, _ = utf8.DecodeRuneInString(c.MaskChar); utf8.RuneCountInString(c.MaskChar) != 1 || r.mask == utf8.RuneError {
			bad.Add("maskChar", "%q is not a single character", c.MaskChar)
		}
	}

	// Detectors.
	names := c.Detectors
	if names == nil {
		names = builtinNames[:]
	}
	for i, name := range names {
		d := slices.Index(builtinNames[:], name)
		switch {
		case d < 0:
			bad.Add(fmt.Sprintf("detectors.%d", i), "unknown detector %q (known: %s)", name, strings.Join(builtinNames[:], ", "))
		case slices.Contains(r.builtins, d):
			bad.Add(fmt.Sprintf("detectors.%d", i), "%q given twice", name)
		default:
			r.builtins = append(r.builtins, d)
		}
	}
	slices.Sort(r.builtins) // precedence order
	r.dets = slices.Clone(r.builtins)
	for d, name := range builtinNames {
		r.labels[d] = "[" + name + "]"
	}
	for kind, label := range c.Labels {
		d := slices.Index(builtinNames[:], kind)
		if d < 0 {
			bad.Add("labels."+kind, "unknown kind %q (known: %s; patterns take a replacement)", kind, strings.Join(builtinNames[:], ", "))
			continue
		}
		r.labels[d] = label
	}

	// Patterns.
	seen := map[string]bool{}
	for i, p := range c.Patterns {
		at := fmt.Sprintf("patterns.%d", i)
		switch {
		case p.Name == "":
			bad.Add(at, "name is required")
		case seen[p.Name]:
			bad.Add(at+".name", "two patterns are named %q", p.Name)
		}
		seen[p.Name] = true
		if p.Regex == "" {
			bad.Add(at, "regex is required")
			continue
		}
		re, err := rules.CompileRegexp(p.Regex)
		switch {
		case err != nil:
			bad.Add(at+".regex", "%v", err)
			continue
		case re.MatchString(""):
			bad.Add(at+".regex", "%q matches the empty string, so it would match everywhere", p.Regex)
			continue
		}
		pt := pattern{name: p.Name, re: re, label: "[" + p.Name + "]"}
		if p.Replacement != nil {
			pt.repl, pt.hasRepl, pt.expand = *p.Replacement, true, strings.Contains(*p.Replacement, "$")
		}
		r.patterns = append(r.patterns, pt)
		r.dets = append(r.dets, numBuiltins+len(r.patterns)-1)
	}
	if len(names) == 0 && len(c.Patterns) == 0 {
		bad.Add("detectors", "nothing to redact: turn on a detector or add a pattern")
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	r.fallback = func(_ rules.Place, s string) string {
		out, _ := r.redactAs(s, true)
		return out
	}
	return r, nil
}

// Apply redacts the texts of the message its scope covers, in place, or
// denies the message if so configured.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if r.deny {
		verdict := processor.Continue
		r.texts.Each(m, func(p rules.Place, s string) bool {
			sp, found := r.first(s)
			if found {
				verdict = r.denial(sp, p)
			}
			return !found
		})
		return verdict, nil
	}
	// Where the labels or replacements would not fit (the metadata's 1024
	// characters, a push title's 50...), every match of the text (of the
	// document, in JSON metadata) is masked instead, which never makes it
	// longer; the walker cuts what still does not fit. Either way the rule
	// never fails, and so never lets what it found through.
	r.texts.RewriteOr(m, func(_ rules.Place, s string) string {
		out, _ := r.redact(s)
		return out
	}, r.fallback)
	return processor.Continue, nil
}

// denial denies a message in which sp was found, at where.
func (r *Rule) denial(sp span, where rules.Place) processor.Verdict {
	var what string
	switch sp.det {
	case detEmail:
		what = "contains an e-mail address"
	case detPhone:
		what = "contains a telephone number"
	case detCard:
		what = "contains a payment card number"
	default:
		what = fmt.Sprintf("matches pattern %q", r.patterns[sp.det-numBuiltins].name)
	}
	return processor.Deny("redact: " + where.String() + " " + what)
}
