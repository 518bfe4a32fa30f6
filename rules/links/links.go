// Package links provides the "links" rule: it finds the URLs in a message
// and denies the message, or strips the URLs, by the domain they point to.
//
// A link is a URL with an http, https or ftp scheme (https://example.com/a),
// a host name starting with "www." (www.example.com), or a bare domain with
// a real top-level domain (example.com/path, shop.example.co.uk). File
// names ("notes.txt", "README.md", "setup.py"), abbreviations ("e.g."),
// version numbers ("v1.2.3"), decimals and the domain of an e-mail address
// are not links.
//
// Each link's host is normalised (user information and port dropped,
// lower-cased, trailing dots dropped, internationalised names compared in
// their Punycode form) and checked against the lists:
//
//   - deny: a link to a listed domain offends;
//   - allow: when the list is given, a link to any domain not on it offends
//     (allow-only); the deny list still wins over it;
//   - with neither list, every link offends (no links at all).
//
// A listed domain covers its subdomains: "example.com" covers example.com
// and www.example.com. An entry with a '*' or '?' is a glob over the whole
// host: "*.example.com" covers the subdomains but not example.com itself.
//
// Configuration:
//
//	rules:
//	  - rule: links
//	    options:
//	      action: strip                   # deny (default) or strip
//	      replacement: "[link removed]"   # strip: text put in place of a link; "" removes it
//	      allow: [example.com, "*.example.org"]
//	      deny: [bad.example.com]
//	      bareDomains: true               # count bare domains such as example.com (default true)
//	      scope: {metadata: [note]}       # where to look: content and push notification by default
//
// The rule looks at the texts its scope covers (see rules.Scope): the
// content and the push notification's title and body by default, so that
// a stripped link cannot reach anyone through the notification. With
// action deny, the first offending link denies the message, and the reason
// names its domain and where it was. With action strip, every offending
// link is removed (or replaced); a message whose content is left with
// nothing but white space is denied, since Chime needs some content, and a
// push notification title or body that a replacement made too long is
// shortened with an ellipsis.
package links

//go:generate go run gentlds.go

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/links/internal/idna"
)

// Name is the name the rule is registered under.
const Name = "links"

func init() { rules.Register(Name, rules.Define(New)) }

// Actions.
const (
	ActionDeny  = "deny"  // deny a message with an offending link
	ActionStrip = "strip" // remove offending links from the message
)

// Config holds the rule's options; the YAML option names are given in the
// field tags. The zero Config denies every message with a link in its
// content or push notification.
type Config struct {
	// Action is ActionDeny (the default, when empty) or ActionStrip.
	Action string `yaml:"action"`
	// Allow lists the domains links may point to; when it is not empty,
	// links to any other domain offend.
	Allow []string `yaml:"allow"`
	// Deny lists domains links must not point to.
	Deny []string `yaml:"deny"`
	// Replacement is the text put in place of a stripped link; empty
	// removes the link (and a space next to it).
	Replacement string `yaml:"replacement"`
	// BareDomains counts bare domains such as example.com/path as links;
	// nil means true. When false, only URLs with a scheme and www. hosts
	// are links.
	BareDomains *bool `yaml:"bareDomains"`
	// Scope says which texts to check (and strip): the content and the
	// push notification's title and body by default.
	Scope rules.Scope `yaml:"scope"`
}

// Rule is the links rule. It is immutable and safe for concurrent use.
type Rule struct {
	strip       bool
	replacement string
	texts       *rules.Texts
	bare        bool
	allow, deny domains
	hasAllow    bool
	hasDeny     bool
}

var _ processor.Rule = (*Rule)(nil)

// New builds the rule from c, reporting every problem with c by its
// option's path (see rules.Problems).
func New(c Config) (*Rule, error) {
	var bad rules.Problems
	r := &Rule{
		replacement: c.Replacement,
		bare:        c.BareDomains == nil || *c.BareDomains,
		hasAllow:    len(c.Allow) > 0,
		hasDeny:     len(c.Deny) > 0,
		texts:       c.Scope.Compile("scope", &bad),
	}
	switch c.Action {
	case "", ActionDeny:
	case ActionStrip:
		r.strip = true
	default:
		bad.Add("action", "%q is not %s or %s", c.Action, ActionDeny, ActionStrip)
	}
	if c.Replacement != "" && !r.strip {
		bad.Add("replacement", "is used only with action: strip")
	}
	r.allow = parseDomains(c.Allow, "allow", &bad)
	r.deny = parseDomains(c.Deny, "deny", &bad)
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return r, nil
}

// Apply checks the texts of the message the rule's scope covers for
// offending links and denies the message or strips them.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if !r.strip {
		verdict := processor.Continue
		r.texts.Each(m, func(p rules.Place, s string) bool {
			v, found := r.firstOffence(s, p)
			verdict = v
			return !found
		})
		return verdict, nil
	}
	stripped := 0
	r.texts.Rewrite(m, func(p rules.Place, s string) string {
		out, n := r.stripLinks(s)
		if p.Part == rules.PartContent {
			stripped = n
		}
		return out
	})
	if stripped > 0 && strings.TrimSpace(m.Content) == "" {
		return processor.Deny(fmt.Sprintf("links: content was nothing but %d disallowed link(s)", stripped)), nil
	}
	return processor.Continue, nil
}

// firstOffence returns a deny verdict for the first offending link in s,
// found at where.
func (r *Rule) firstOffence(s string, where rules.Place) (processor.Verdict, bool) {
	for pos := 0; ; {
		l, ok := next(s, pos, r.bare)
		if !ok {
			return processor.Continue, false
		}
		if why, bad := r.offends(s[l.hostStart:l.hostEnd]); bad {
			return processor.Deny(fmt.Sprintf("links: %s links to %s, %s", where, displayHost(s[l.hostStart:l.hostEnd]), why)), true
		}
		pos = l.end
	}
}

// offends reports whether a link to host (as written) offends, and why.
func (r *Rule) offends(host string) (why string, bad bool) {
	domain := NormalizeHost(host)
	switch {
	case r.hasDeny && r.deny.match(domain):
		return "which is on the deny list", true
	case r.hasAllow && !r.allow.match(domain):
		return "which is not on the allow list", true
	case !r.hasAllow && !r.hasDeny:
		return "and no links are allowed", true
	}
	return "", false
}

// stripLinks returns s without its offending links, and how many there
// were. It returns s itself, without allocating, when there are none.
func (r *Rule) stripLinks(s string) (string, int) {
	var b strings.Builder
	n, copied := 0, 0
	for pos := 0; ; {
		l, ok := next(s, pos, r.bare)
		if !ok {
			break
		}
		pos = l.end
		if _, bad := r.offends(s[l.hostStart:l.hostEnd]); !bad {
			continue
		}
		n++
		start, end := l.start, l.end
		if r.replacement == "" {
			start, end = tidy(s, copied, start, end)
		}
		b.WriteString(s[copied:start])
		b.WriteString(r.replacement)
		copied = end
		pos = end
	}
	if n == 0 {
		return s, 0
	}
	b.WriteString(s[copied:])
	return b.String(), n
}

// tidy widens the link s[start:end] that is about to be removed to take one
// space next to it, so that "see https://x.example now" becomes "see now"
// rather than "see  now". It never reaches before from.
func tidy(s string, from, start, end int) (int, int) {
	before, _ := utf8.DecodeLastRuneInString(s[:start])
	after, _ := utf8.DecodeRuneInString(s[end:])
	spaceBefore := start > from && unicode.IsSpace(before)
	switch {
	case spaceBefore && (end == len(s) || unicode.IsSpace(after) || strings.ContainsRune(".,;:!?)", after)):
		_, w := utf8.DecodeLastRuneInString(s[:start])
		return start - w, end
	case start == from && end < len(s) && unicode.IsSpace(after):
		_, w := utf8.DecodeRuneInString(s[end:])
		return start, end + w
	}
	return start, end
}

// domains is a parsed allow or deny list.
type domains struct {
	names []string     // normalised; each covers its subdomains
	globs []rules.Glob // normalised patterns, matched against the whole host
}

// match reports whether the normalised host is covered by the list.
func (d *domains) match(host string) bool {
	for _, n := range d.names {
		if host == n || strings.HasSuffix(host, n) && host[len(host)-len(n)-1] == '.' {
			return true
		}
	}
	for _, g := range d.globs {
		if g.Match(host) {
			return true
		}
	}
	return false
}

// parseDomains checks and normalises the entries of a domain list.
func parseDomains(list []string, option string, bad *rules.Problems) domains {
	var d domains
	for i, e := range list {
		where := fmt.Sprintf("%s.%d", option, i)
		entry := strings.TrimSpace(e)
		switch {
		case entry == "":
			bad.Add(where, "empty domain")
			continue
		case strings.Contains(entry, "://"):
			bad.Add(where, "%q is a URL; write the domain alone, like example.com", e)
			continue
		case strings.ContainsAny(entry, "/:@ \t"):
			bad.Add(where, "%q is not a domain name (no path, port or user); like example.com or *.example.com", e)
			continue
		}
		entry = strings.TrimPrefix(strings.TrimRight(strings.ToLower(entry), "."), ".")
		if entry == "" || strings.Contains(entry, "..") {
			bad.Add(where, "%q is not a domain name", e)
			continue
		}
		entry = idna.ToASCII(entry)
		if strings.ContainsAny(entry, "*?") {
			d.globs = append(d.globs, rules.Glob(entry))
		} else {
			d.names = append(d.names, entry)
		}
	}
	return d
}
