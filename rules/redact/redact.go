// Package redact provides the "redact" rule: it masks personal data in a
// message — e-mail addresses, telephone numbers, payment card numbers and
// whatever configured patterns match — or denies a message that holds
// some.
//
// The built-in detectors are precise rather than eager:
//
//   - email: local@domain.tld, internationalised addresses included;
//   - phone: international numbers ("+44 20 7946 0958", "+14155552671",
//     "0044 20 7946 0958"), North American numbers written with separators
//     ("(415) 555-2671", "415.555.2671", "1-800-555-0199") and national
//     numbers with a trunk prefix 0 written in groups ("020 7946 0958",
//     "06 12 34 56 78"). Years, prices, dates, times, decimals, ranges
//     ("250-1000") and bare runs of digits such as order numbers are left
//     alone; a number written without '+' or separators is not taken for a
//     telephone number;
//   - card: 13 to 19 digits, together or in groups of four (or 4-6-5 and
//     4-6-4), separated by single spaces or hyphens, starting with 2 to 6
//     (the card networks' industry identifiers), that pass the Luhn check:
//     a 16-digit number that fails it is kept, and so are millisecond
//     timestamps and 64-bit ids, which start with 1.
//
// Patterns are RE2 regular expressions, each with a name and an optional
// replacement (which may refer to submatches as $1 or ${name}; write $$
// for a dollar sign).
//
// The rule looks at the content and the push notification's title and
// body, and optionally at string values of JSON metadata and at message
// attributes. Everything but the matches is kept byte for byte.
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
//	      fields: [content, pushTitle, pushBody]   # the default
//	      metadataKeys: [note, profile.phone]      # JSON paths; "*" for all
//	      attributes: [comment]                    # names; "*" for all
//
// With style label each match becomes its kind's label; with style mask
// the digits of telephone and card numbers, and every character of other
// matches, become maskChar, so lengths and separators are kept; last4 is
// mask but keeps the last four digits of a card number. With action deny
// the first match denies the message; the reason names its kind and place,
// never the data.
package redact

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/ellipsis"
	"github.com/chimeflow/chimeflow/rules/internal/rulebuild"
)

// Name is the name the rule is registered under.
const Name = "redact"

func init() { rules.Register(Name, rulebuild.Factory(build)) }

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

// Fields of the message the rule can look at.
const (
	FieldContent   = "content"
	FieldPushTitle = "pushTitle"
	FieldPushBody  = "pushBody"
)

// Config holds the rule's options; the YAML option names are given in the
// field tags.
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
	// Fields lists the parts of the message to redact: FieldContent,
	// FieldPushTitle, FieldPushBody. Nil means all three.
	Fields []string `yaml:"fields"`
	// MetadataKeys selects string values of JSON metadata by dotted path
	// ("note", "profile.phone"; a path covers everything under it, arrays
	// included); "*" selects the whole metadata, which is then redacted as
	// text if it is not JSON. Metadata that is not JSON is otherwise left
	// alone.
	MetadataKeys []string `yaml:"metadataKeys"`
	// Attributes names the message attributes whose values are redacted;
	// "*" for all.
	Attributes []string `yaml:"attributes"`
}

// Pattern is a configured thing to redact.
type Pattern struct {
	// Name identifies the pattern in labels and deny reasons.
	Name string `yaml:"name"`
	// Regex is the RE2 expression to find.
	Regex rules.Regexp `yaml:"regex"`
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

	content, pushTitle, pushBody bool
	metaAll                      bool
	metaPaths                    [][]string
	attrAll                      bool
	attrs                        []string
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

// New builds the rule from c. It reports every problem with c, joined.
func New(c Config) (*Rule, error) { return rulebuild.New(Name, c, build) }

// build checks c and builds the rule, reporting each problem by the
// option's dotted path.
func build(c Config, report func(option, msg string)) *Rule {
	r := &Rule{style: c.Style, mask: '*'}
	switch c.Action {
	case "", ActionMask:
	case ActionDeny:
		r.deny = true
	default:
		report("action", fmt.Sprintf("%q is not %s or %s", c.Action, ActionMask, ActionDeny))
	}
	switch c.Style {
	case "":
		r.style = StyleLabel
	case StyleLabel, StyleMask, StyleLast4:
	default:
		report("style", fmt.Sprintf("%q is not %s, %s or %s", c.Style, StyleLabel, StyleMask, StyleLast4))
	}
	if c.MaskChar != "" {
		if r.mask, _ = utf8.DecodeRuneInString(c.MaskChar); utf8.RuneCountInString(c.MaskChar) != 1 || r.mask == utf8.RuneError {
			report("maskChar", fmt.Sprintf("%q is not a single character", c.MaskChar))
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
			report(fmt.Sprintf("detectors.%d", i), fmt.Sprintf("unknown detector %q (known: %s)", name, strings.Join(builtinNames[:], ", ")))
		case slices.Contains(r.builtins, d):
			report(fmt.Sprintf("detectors.%d", i), fmt.Sprintf("%q given twice", name))
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
			report("labels."+kind, fmt.Sprintf("unknown kind %q (known: %s; patterns take a replacement)", kind, strings.Join(builtinNames[:], ", ")))
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
			report(at, "name is required")
		case seen[p.Name]:
			report(at+".name", fmt.Sprintf("two patterns are named %q", p.Name))
		}
		seen[p.Name] = true
		if p.Regex.Regexp == nil {
			report(at, "regex is required")
			continue
		}
		if p.Regex.MatchString("") {
			report(at+".regex", fmt.Sprintf("%q matches the empty string, so it would match everywhere", p.Regex.String()))
			continue
		}
		pt := pattern{name: p.Name, re: p.Regex.Regexp, label: "[" + p.Name + "]"}
		if p.Replacement != nil {
			pt.repl, pt.hasRepl, pt.expand = *p.Replacement, true, strings.Contains(*p.Replacement, "$")
		}
		r.patterns = append(r.patterns, pt)
		r.dets = append(r.dets, numBuiltins+len(r.patterns)-1)
	}
	if len(names) == 0 && len(c.Patterns) == 0 {
		report("detectors", "nothing to redact: turn on a detector or add a pattern")
	}

	// Where to look.
	fields := c.Fields
	if fields == nil {
		fields = []string{FieldContent, FieldPushTitle, FieldPushBody}
	}
	for i, f := range fields {
		switch f {
		case FieldContent:
			r.content = true
		case FieldPushTitle:
			r.pushTitle = true
		case FieldPushBody:
			r.pushBody = true
		default:
			report(fmt.Sprintf("fields.%d", i), fmt.Sprintf("unknown field %q (known: %s, %s, %s; see also metadataKeys and attributes)", f, FieldContent, FieldPushTitle, FieldPushBody))
		}
	}
	for i, k := range c.MetadataKeys {
		path := strings.Split(k, ".")
		switch {
		case k == "*":
			r.metaAll = true
		case slices.Contains(path, ""):
			report(fmt.Sprintf("metadataKeys.%d", i), fmt.Sprintf("%q is not a dotted path of keys like profile.phone", k))
		default:
			r.metaPaths = append(r.metaPaths, path)
		}
	}
	for i, a := range c.Attributes {
		switch a {
		case "":
			report(fmt.Sprintf("attributes.%d", i), "empty attribute name")
		case "*":
			r.attrAll = true
		default:
			r.attrs = append(r.attrs, a)
		}
	}
	if len(fields) == 0 && len(c.MetadataKeys) == 0 && len(c.Attributes) == 0 {
		report("fields", "nowhere to look: give fields, metadataKeys or attributes")
	}
	return r
}

// Apply redacts the message in place, or denies it if so configured.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if r.content {
		if v, ok := r.text(&m.Content, "content", 0); ok {
			return v, nil
		}
	}
	if p := m.PushNotification; p != nil {
		if r.pushTitle {
			if v, ok := r.text(&p.Title, "push notification title", messaging.MaxPushTitleLen); ok {
				return v, nil
			}
		}
		if r.pushBody {
			if v, ok := r.text(&p.Body, "push notification body", messaging.MaxPushBodyLen); ok {
				return v, nil
			}
		}
	}
	if r.metaAll || len(r.metaPaths) > 0 {
		if v, ok := r.metadata(m); ok {
			return v, nil
		}
	}
	if r.attrAll || len(r.attrs) > 0 {
		if v, ok := r.attributes(m); ok {
			return v, nil
		}
	}
	return processor.Continue, nil
}

// text redacts *s, shortening it to limit characters if limit > 0, or,
// with action deny, returns a deny verdict (and true) if it finds
// something.
func (r *Rule) text(s *string, where string, limit int) (processor.Verdict, bool) {
	if r.deny {
		if sp, found := r.first(*s); found {
			return r.denial(sp, where), true
		}
		return processor.Continue, false
	}
	if out, changed := r.redact(*s); changed {
		if limit > 0 {
			out = ellipsis.Shorten(out, limit)
		}
		*s = out
	}
	return processor.Continue, false
}

func (r *Rule) denial(sp span, where string) processor.Verdict {
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
	return processor.Deny("redact: " + where + " " + what)
}

// attributes redacts the configured message attributes' values.
func (r *Rule) attributes(m *processor.Message) (processor.Verdict, bool) {
	names := r.attrs
	if r.attrAll {
		names = make([]string, 0, len(m.MessageAttributes))
		for name := range m.MessageAttributes {
			names = append(names, name)
		}
		slices.Sort(names) // a stable deny reason
	}
	for _, name := range names {
		a, ok := m.MessageAttributes[name]
		if !ok {
			continue
		}
		copied := false
		for i, v := range a.StringValues {
			if r.deny {
				if sp, found := r.first(v); found {
					return r.denial(sp, fmt.Sprintf("message attribute %q", name)), true
				}
				continue
			}
			out, changed := r.redact(v)
			if !changed {
				continue
			}
			if !copied { // never write through to a slice someone else holds
				a.StringValues, copied = slices.Clone(a.StringValues), true
			}
			a.StringValues[i] = out
		}
		if copied {
			m.MessageAttributes[name] = a
		}
	}
	return processor.Continue, false
}
