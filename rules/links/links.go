// Package links provides the "links" rule: it finds the links in a
// message and denies the message, or strips the links, by the domains they
// lead to.
//
// A link is whatever a browser's URL parser (the WHATWG URL standard) or a
// markdown renderer with linkify would make clickable (see Find): a URL
// with any scheme followed by "//" (https://example.com/a, wss://…,
// intent://…), a special scheme's odd forms (https:example.com,
// https:\\example.com), a protocol-relative URL (//example.com/x), a host
// name starting with "www.", a bare domain with a real top-level domain
// (example.com/path), the target and the text of a markdown link, image
// or reference definition, and the hostless javascript:, vbscript:, data:
// and file:/// URLs. File names and sentences that linkifiers would make
// clickable too (README.md, evil.zip, Hello.World) are ambiguous links.
//
// Each host is read as a browser reads it (tabs and newlines removed,
// percent-escapes decoded, UTS #46 mapping, Punycode, IPv4 in every form
// browsers accept, IPv6 in canonical form, trailing dots dropped), and
// where readers disagree on a link's host (a linkifier that stops at '@',
// a markdown renderer that decodes character references), every reading
// is kept. A link offends when:
//
//   - it is hostless (javascript:, vbscript:, data:, file:///): always;
//   - any reading of its host is on the deny list;
//   - allow is given and any reading of its host is not on it
//     (allow-only); the deny list still wins over it;
//   - with neither list: always (no links at all).
//
// Ambiguous links are checked against the deny list only: counting them
// under allow-only or "no links" would deny ordinary chat.
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
// action deny, the first offending link denies the message; the reason
// names the place and the deny list entry that matched, from the
// configuration, never the host as the sender wrote it. With action strip,
// every offending link is removed (or replaced), a hostless URL whole, and
// the text is stripped again until no offending link is left (removing a
// link can make one of what was around it; a text that still holds one
// after four strips denies the message); a message whose content is left
// with nothing but white space is denied, since Chime needs some content. Where a replacement would make a text too long for the callback
// (a push notification's title, the metadata), the links are removed
// without it instead; the rule never fails on what a sender wrote.
package links

//go:generate go run gentlds.go

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/links/internal/idna"
	"github.com/chimeflow/chimeflow/rules/links/internal/whatwg"
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
	// BareDomains counts bare domains such as example.com/path (and the
	// ambiguous ones, such as README.md) as links; nil means true. When
	// false, URLs with a scheme, protocol-relative URLs, markdown targets
	// and www. hosts are still links.
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
	if _, n := r.stripLinks(c.Replacement, ""); n > 0 {
		bad.Add("replacement", "%q holds a link the rule would strip", c.Replacement)
		return nil, bad.Err()
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
	// The content's outcome: how many links were stripped from it, and
	// whether nothing but white space is left. The fallback, which the
	// walker calls only where the replacements do not fit, removes the
	// links without replacement; its outcome is then the one that counts.
	// A text that still holds a link after maxPasses strips denies the
	// message.
	stripped, blank, unclean := 0, false, false
	outcome := func(p rules.Place, out string, n int, clean bool) string {
		unclean = unclean || !clean
		if p.Part == rules.PartContent {
			stripped, blank = n, n > 0 && strings.TrimSpace(out) == ""
		}
		return out
	}
	r.texts.RewriteOr(m, func(p rules.Place, s string) string {
		out, n, clean := r.stripAll(s, r.replacement)
		return outcome(p, out, n, clean)
	}, func(p rules.Place, s string) string {
		out, n, clean := r.stripAll(s, "")
		return outcome(p, out, n, clean)
	})
	switch {
	case unclean:
		return processor.Deny("links: a text still held links after " + strconv.Itoa(maxPasses) + " strips"), nil
	case blank:
		return processor.Deny(fmt.Sprintf("links: content was nothing but %d disallowed link(s)", stripped)), nil
	}
	return processor.Continue, nil
}

// maxPasses bounds the strips of one text: see stripAll.
const maxPasses = 4

// stripAll strips the offending links of s until none is left: removing
// a link changes what is around it, and can make a link of what was not
// one ("[id]://evil.example", a markdown reference whose destination is
// no link after its ':', leaves "[id]//evil.example" once the ':' goes).
// It returns the text, how many links it stripped, and whether none is
// left after at most maxPasses strips. The second strip, which finds
// nothing on all but such texts, runs only on a text that had an
// offending link.
func (r *Rule) stripAll(s, replacement string) (string, int, bool) {
	out, n := r.stripLinks(s, replacement)
	total := n
	for pass := 1; n > 0; pass++ {
		if pass == maxPasses {
			return out, total, false
		}
		out, n = r.stripLinks(out, replacement)
		total += n
	}
	return out, total, true
}

// next returns the first link in s at or after pos that the rule checks:
// every kind, ambiguous links only when there is a deny list to check them
// against, bare domains only if the rule counts them.
func (r *Rule) next(s string, pos int) (link, bool) {
	return scan(s, pos, scanOptions{bare: r.bare, ambiguous: r.hasDeny})
}

// firstOffence returns a deny verdict for the first offending link in s,
// found at where.
func (r *Rule) firstOffence(s string, where rules.Place) (processor.Verdict, bool) {
	for pos := 0; ; {
		l, ok := r.next(s, pos)
		if !ok {
			return processor.Continue, false
		}
		if o := r.offends(&l); o.bad() {
			return processor.Deny(o.reason(where)), true
		}
		pos = l.end
	}
}

// offence says why a link offends. It holds configuration only: the deny
// list entry that matched, the name of a hostless scheme from a fixed
// list, never anything the sender wrote.
type offence struct {
	why   offenceKind
	entry string // the deny list entry that matched, as configured
	kind  string // the hostless scheme: javascript, vbscript, data or file
}

type offenceKind uint8

const (
	notOffending offenceKind = iota
	onDenyList
	offAllowList
	noLinksAllowed
	hostless
)

func (o offence) bad() bool { return o.why != notOffending }

// reason is the deny reason for an offending link found at where. It is
// logged at info level: it must hold nothing the sender wrote.
func (o offence) reason(where rules.Place) string {
	switch o.why {
	case onDenyList:
		return "links: " + where.String() + " links to a denied domain (deny entry " + strconv.Quote(o.entry) + ")"
	case offAllowList:
		return "links: " + where.String() + " links to a domain not on the allow list"
	case hostless:
		return "links: " + where.String() + " holds a " + o.kind + ": link"
	}
	return "links: " + where.String() + " holds a link, and no links are allowed"
}

// offends reports whether the link l offends, and why: see the package
// documentation. It does not allocate for hosts written in lower-case
// ASCII.
func (r *Rule) offends(l *link) offence {
	if l.hostless() {
		return offence{why: hostless, kind: hostlessKind(l.scheme)}
	}
	hosts := l.hostList()
	if r.hasDeny {
		for _, h := range hosts {
			if entry, ok := r.deny.match(NormalizeHost(h)); ok {
				return offence{why: onDenyList, entry: entry}
			}
		}
	}
	switch {
	case l.kind == KindAmbiguous:
		return offence{}
	case r.hasAllow:
		reachable := 0
		for _, h := range hosts {
			d := NormalizeHost(h)
			if d == "" {
				continue // a reading that leads nowhere
			}
			reachable++
			if _, ok := r.allow.match(d); !ok {
				return offence{why: offAllowList}
			}
		}
		if reachable == 0 {
			return offence{why: offAllowList}
		}
		return offence{}
	case !r.hasDeny:
		return offence{why: noLinksAllowed}
	}
	return offence{}
}

// hostlessKind names the scheme of a hostless link from the fixed list of
// hostless schemes, never as the sender spelt it.
func hostlessKind(scheme string) string {
	for _, h := range hostlessSchemes {
		if strings.EqualFold(scheme, h) {
			return h
		}
	}
	return "file"
}

// stripLinks returns s with its offending links replaced by replacement
// (removed, with a space next to them, when it is empty), and how many
// there were. It returns s itself, without allocating, when there are
// none.
func (r *Rule) stripLinks(s, replacement string) (string, int) {
	var b strings.Builder
	n, copied := 0, 0
	for pos := 0; ; {
		l, ok := r.next(s, pos)
		if !ok {
			break
		}
		pos = l.end
		if !r.offends(&l).bad() {
			continue
		}
		n++
		start, end := l.start, l.end
		if l.hostless() {
			// The whole URL, as a linkifier reads its extent: what follows
			// the scheme ("//evil.example" in "javascript://evil.example")
			// is no link after a ':', but would be one after whatever
			// took the scheme's place.
			end = max(end, trimPunct(s, end, urlEnd(s, end)))
		}
		if replacement == "" {
			start, end = tidy(s, copied, start, end)
		}
		b.WriteString(s[copied:start])
		b.WriteString(replacement)
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
	names   []string     // normalised; each covers its subdomains
	globs   []rules.Glob // normalised patterns, matched against the whole host
	entries []string     // the entries as configured: names' then globs'
}

// match reports whether the normalised host is covered by the list, and
// the entry that covers it, as configured.
func (d *domains) match(host string) (string, bool) {
	if host == "" {
		return "", false
	}
	for i, n := range d.names {
		if host == n || strings.HasSuffix(host, n) && host[len(host)-len(n)-1] == '.' {
			return d.entries[i], true
		}
	}
	for i, g := range d.globs {
		if g.Match(host) {
			return d.entries[len(d.names)+i], true
		}
	}
	return "", false
}

// parseDomains checks and normalises the entries of a domain list. A
// domain name is normalised as a link's host is (see NormalizeHost), so
// that an entry and a host match however either is written: Bücher.example
// and xn--bcher-kva.example, 127.0.0.1 and 2130706433. An IPv6 address is
// written in brackets, as in a URL: [2001:db8::1].
func parseDomains(list []string, option string, bad *rules.Problems) domains {
	var d domains
	var globEntries []string
	for i, e := range list {
		where := fmt.Sprintf("%s.%d", option, i)
		entry := strings.TrimSpace(e)
		ipv6 := strings.HasPrefix(entry, "[") && strings.HasSuffix(entry, "]")
		switch {
		case entry == "":
			bad.Add(where, "empty domain")
			continue
		case strings.Contains(entry, "://"):
			bad.Add(where, "%q is a URL; write the domain alone, like example.com", e)
			continue
		case strings.ContainsAny(entry, "/@ \t") || strings.Contains(entry, ":") && !ipv6:
			bad.Add(where, "%q is not a domain name (no path, port or user); like example.com, *.example.com or [2001:db8::1]", e)
			continue
		}
		entry = strings.TrimPrefix(strings.TrimRight(strings.ToLower(entry), "."), ".")
		if entry == "" || strings.Contains(entry, "..") {
			bad.Add(where, "%q is not a domain name", e)
			continue
		}
		if strings.ContainsAny(entry, "*?") {
			d.globs = append(d.globs, rules.Glob(idna.ToASCII(entry)))
			globEntries = append(globEntries, strings.TrimSpace(e))
			continue
		}
		if _, err := whatwg.Host(entry); err != nil {
			bad.Add(where, "%q is not a domain name a browser can reach", e)
			continue
		}
		d.names = append(d.names, NormalizeHost(entry))
		d.entries = append(d.entries, strings.TrimSpace(e))
	}
	d.entries = append(d.entries, globEntries...)
	return d
}
