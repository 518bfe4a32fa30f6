package links

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/rules/internal/domain"
	"github.com/chimeflow/chimeflow/rules/links/internal/idna"
	"github.com/chimeflow/chimeflow/rules/links/internal/markdown"
	"github.com/chimeflow/chimeflow/rules/links/internal/whatwg"
)

// Kind says how a link is written.
type Kind uint8

// Kinds of link.
const (
	// KindURL is a URL with a scheme: https://example.com/a,
	// wss://example.com, https:\\example.com, intent://example.com/#…,
	// and the hostless javascript:, vbscript:, data: and file:/// URLs.
	KindURL Kind = iota + 1
	// KindWWW is a host name starting with "www.": www.example.com.
	KindWWW
	// KindBare is a bare domain with a real top-level domain:
	// example.com/path.
	KindBare
	// KindAmbiguous is a bare domain that linkifiers make clickable but
	// that is more often something else: a file name whose extension is
	// also a top-level domain, without a path (README.md, setup.py,
	// evil.zip), or two sentences joined without a space whose second
	// word is a top-level domain (Hello.World, Evil.Com). Find reports
	// them; the rule's built-in check (next) does not.
	KindAmbiguous
	// KindRelative is a protocol-relative URL, which takes the scheme of
	// the page it is shown in: //example.com/path.
	KindRelative
	// KindTarget is the target of a markdown link or image, or of a
	// reference definition: [text](https://example.com),
	// ![alt](//example.com/a.png), [id]: https://example.com. Its
	// backslash escapes and character references are decoded.
	KindTarget
)

var kindNames = [...]string{"", "url", "www", "bare", "ambiguous", "relative", "target"}

// String returns the kind's name: url, www, bare, ambiguous, relative or
// target.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Link is a link found in a text.
type Link struct {
	// Start and End delimit the link in the text, in bytes: text[Start:End]
	// is what a strip removes: the link as written, trailing punctuation
	// excluded; for a markdown target, its opening parenthesis (or the ':'
	// of a reference definition), and its destination and closing
	// parenthesis too when the destination read as text is one link, so
	// that the link's text is left, no longer a link; for a hostless URL,
	// its scheme.
	Start, End int
	// Host is the link's host as written (after markdown decoding, for a
	// markdown target), the first of the hosts it may lead to; "" for a
	// URL without a host (javascript:, data:, file:///).
	Host string
	// Domain is Host normalised: see NormalizeHost.
	Domain string
	// Hosts are the normalised hosts the link may lead to, Domain first.
	// Readers disagree on some texts: "https://good.example@evil.example"
	// leads to evil.example in a browser and to good.example in a
	// linkifier that stops at '@'; the target of [x](https://a&period;b)
	// is https://a.b to a markdown renderer and https://a&period;b in
	// plain text. Each reading is listed.
	Hosts []string
	// Scheme is the link's scheme, lower-cased; "" when none was written
	// (www., bare and protocol-relative links, relative targets).
	Scheme string
	// Kind says how the link is written.
	Kind Kind
}

// Find returns the links in text, in order and without overlap: URLs with
// a scheme (https://…, wss://…, https:\\…, intent://…, and javascript:,
// data:, file: URLs), protocol-relative URLs (//example.com), host names
// that start with "www.", bare domains such as example.com/path whose
// top-level domain is a real one (and, as KindAmbiguous, those that are
// more often file names or sentences), and the targets of markdown links,
// images and reference definitions. A URL shown as a markdown link's
// text ([https://a.example](https://b.example)) is a link of its own,
// found before its target. It is what the links rule sees, with the
// ambiguous links added; use it to check what a message would trigger.
func Find(text string) []Link {
	var out []Link
	for pos := 0; ; {
		l, ok := scan(text, pos, scanOptions{bare: true, ambiguous: true})
		if !ok {
			return out
		}
		out = append(out, l.export(text))
		pos = l.end
	}
}

// export returns l as a Link.
func (l *link) export(s string) Link {
	out := Link{Start: l.start, End: l.end, Scheme: strings.ToLower(l.scheme), Kind: l.kind}
	if l.n > 0 {
		out.Host = l.hosts[0]
		for _, h := range l.hosts[:l.n] {
			if d := NormalizeHost(h); d != "" && !slices.Contains(out.Hosts, d) {
				out.Hosts = append(out.Hosts, d)
			}
		}
		out.Domain = NormalizeHost(out.Host)
		if len(out.Hosts) == 0 || out.Hosts[0] != out.Domain {
			out.Hosts = slices.Insert(out.Hosts, 0, out.Domain)
		}
	}
	return out
}

// maxHosts bounds how many readings of its host a link holds.
const maxHosts = 4

// link is a link found by next or scan.
type link struct {
	// start and end delimit the link: see Link.
	start, end int
	// hostStart and hostEnd delimit the first host as written in the
	// text; for a markdown target whose host was decoded, the host of its
	// undecoded text. hosts[0] is the host to check: use hostList.
	hostStart, hostEnd int
	hosts              [maxHosts]string
	n                  int
	scheme             string
	kind               Kind
}

// hostList returns the hosts the link may lead to, as written (decoded
// from markdown for a target), each to be normalised with NormalizeHost;
// empty for a hostless URL (javascript:, data:, file:///). It does not
// allocate.
func (l *link) hostList() []string { return l.hosts[:l.n] }

// hostless reports whether the link is a URL without a host
// (javascript:, vbscript:, data:, file:///); l.scheme names it.
func (l *link) hostless() bool { return l.n == 0 }

// addHost adds a reading of the link's host, if it is a new one.
func (l *link) addHost(h string) {
	if h == "" || l.n == len(l.hosts) || slices.Contains(l.hosts[:l.n], h) {
		return
	}
	l.hosts[l.n] = h
	l.n++
}

// scanOptions say which links scan reports.
type scanOptions struct {
	bare      bool // bare domains (example.com)
	ambiguous bool // and those of KindAmbiguous (README.md, Hello.World)
	noTargets bool // no markdown targets: scan reads one as text
}

// next returns the first link in s that starts at or after pos, as the
// links rule sees them: every kind but KindAmbiguous; bare domains only if
// bare is set. s[l.hostStart:l.hostEnd] is the link's first host as
// written; l.hostList() lists every reading of it. It does not allocate
// unless a markdown target has escapes or character references to decode.
func next(s string, pos int, bare bool) (link, bool) {
	return scan(s, pos, scanOptions{bare: bare})
}

// scan returns the first link in s that starts at or after pos. Each
// position of s is looked at a bounded number of times, whatever the
// text: no backtracking.
func scan(s string, pos int, o scanOptions) (link, bool) {
	var c authCache
	var wc wideCache
	for i := pos; i < len(s); {
		j := i
		for j < len(s) && !isTrigger[s[j]] {
			j++
		}
		if j == len(s) {
			return link{}, false
		}
		switch s[j] {
		case ':':
			if j > pos && s[j-1] == ']' && !o.noTargets {
				if l, ok := targetLink(s, j, j+1, o); ok {
					return l, true
				}
			}
			if l, ok := schemeLink(s, pos, j, &c); ok {
				return l, true
			}
		case '/':
			if l, ok := relativeLink(s, pos, j, &c); ok {
				return l, true
			}
		case ']':
			if j+1 < len(s) && s[j+1] == '(' && !o.noTargets {
				if l, ok := targetLink(s, j+1, j+2, o); ok {
					return l, true
				}
			}
		case '.':
			l, after, ok := hostLink(s, pos, j, o, &wc)
			if ok {
				return l, true
			}
			i = max(after, j+1)
			continue
		}
		i = j + 1
	}
	return link{}, false
}

// isTrigger marks the bytes where a link may be found: the dot of a
// host, the colon of a scheme or a reference definition, the slash of a
// protocol-relative URL, the bracket before a markdown target.
var isTrigger = [256]bool{'.': true, ':': true, '/': true, ']': true}

// hostlessSchemes are the schemes whose URLs run code or carry a document
// instead of pointing to a host.
var hostlessSchemes = [...]string{"javascript", "vbscript", "data"}

func isHostless(scheme string) bool {
	for _, h := range hostlessSchemes {
		if strings.EqualFold(scheme, h) {
			return true
		}
	}
	return false
}

// linkifySchemes are the schemes linkifiers recognise in text: a URL with
// one of them has the linkifier's reading of its host too (see
// linkifyHost).
var linkifySchemes = [...]string{"http", "https", "ftp"}

func isLinkifyScheme(scheme string) bool {
	for _, h := range linkifySchemes {
		if strings.EqualFold(scheme, h) {
			return true
		}
	}
	return false
}

// maxScheme bounds the length of a scheme, as CommonMark's autolinks do.
const maxScheme = 32

// schemeLink reports whether the colon at s[colon] ends the scheme of a
// URL that does not start before pos, and returns it.
func schemeLink(s string, pos, colon int, c *authCache) (link, bool) {
	if l, ok := schemeLinkFrom(s, pos, colon, c, linkifySchemeStart(s, pos, colon)); ok {
		return l, true
	}
	start := colon
	for start > pos && colon-start < maxScheme && isSchemeByte(s[start-1]) {
		start--
	}
	for start < colon && !isASCIILetter(s[start]) {
		start++
	}
	if colon-start < 2 {
		return link{}, false // no scheme, or a drive letter (C:)
	}
	if start > 0 && (isASCIILetter(s[start-1]) || isDigit(s[start-1])) {
		return link{}, false // "…xhttp://" past maxScheme, "127https://"
	}
	return schemeLinkFrom(s, pos, colon, c, start)
}

// linkifySchemeStart returns where a scheme linkifiers know (http, https,
// ftp) that ends at s[colon] starts, if "//" follows and it comes after
// the start of s, a space, punctuation or a control character, as
// linkify-it wants ("x.https://", "-https://"); -1 otherwise.
func linkifySchemeStart(s string, pos, colon int) int {
	if !strings.HasPrefix(s[colon:], "://") {
		return -1
	}
	for _, sc := range linkifySchemes {
		start := colon - len(sc)
		if start < pos || !strings.EqualFold(s[start:colon], sc) {
			continue
		}
		if start == 0 {
			return start
		}
		r, _ := utf8.DecodeLastRuneInString(s[:start])
		if r != '_' && (r == '<' || r == '>' || isZPCc(r)) {
			return start
		}
	}
	return -1
}

// schemeLinkFrom returns the URL whose scheme runs from s[start] to the
// colon at s[colon], if it is a link.
func schemeLinkFrom(s string, pos, colon int, c *authCache, start int) (link, bool) {
	if start < 0 || colon-start < 2 {
		return link{}, false
	}
	scheme := s[start:colon]
	rest := colon + 1
	l := link{start: start, scheme: scheme, kind: KindURL}
	if isHostless(scheme) {
		if rest < len(s) && s[rest] > ' ' {
			l.end, l.hostStart, l.hostEnd = rest, rest, rest
			return l, true
		}
		return link{}, false
	}
	special := whatwg.IsSpecial(scheme)
	file := special && strings.EqualFold(scheme, "file")
	a := rest
	switch {
	case file:
		if !hasTwoSlashes(s, rest, true) {
			return link{}, false
		}
		a += 2
	case special:
		for a < len(s) && (s[a] == '/' || s[a] == '\\') {
			a++
		}
	default:
		if !strings.HasPrefix(s[rest:], "//") {
			return link{}, false
		}
		a += 2
	}
	hs, he := c.host(s, a, special, !file)
	if file && hs == he {
		if a < len(s) && (s[a] == '/' || s[a] == '\\') { // file:///path
			l.end = trimPunct(s, a, urlEnd(s, a))
			l.hostStart, l.hostEnd = a, a
			return l, true
		}
		return link{}, false
	}
	twoSlashes := a == rest+2 && s[rest] == '/' && s[rest+1] == '/'
	var lhost string // the linkifier's reading
	if twoSlashes && isLinkifyScheme(scheme) {
		lhost = linkifyHost(s, a, len(s))
	}
	if !hasHostRune(s[hs:he]) && lhost == "" {
		return link{}, false
	}
	if special && a == rest && !strings.ContainsAny(s[hs:he], ".[") {
		return link{}, false // "http:foo" in prose; "http:example.com" counts
	}
	l.hostStart, l.hostEnd = hs, he
	if hs == he {
		l.hostStart, l.hostEnd = a, a+len(lhost)
	}
	l.addHost(s[l.hostStart:l.hostEnd])
	switch {
	case !twoSlashes && special:
		// https:evil.example, https:\\evil.example: browsers read them,
		// linkifiers do not: the host is text to them, where they may
		// find links of their own. The link is its scheme and slashes.
		l.end = a
	case hs < he && he+1 < len(s) && s[he] == ':' && !isDigit(s[he+1]):
		// "mailto://https://…": the host is the scheme of another URL.
		l.end = a
	case twoSlashes && isLinkifyScheme(scheme) && lhost == "":
		// No linkifier makes a link of it: what follows is text to them.
		l.end = a
	case lhost != "" && hs == a && a+len(lhost) < he:
		// The linkifier's host stops short of the browser's: its link
		// ends there, and what follows is text to it.
		l.end = authorityEnd(s, a, a+len(lhost), special, true)
	case isLinkifyScheme(scheme):
		l.end = authorityEnd(s, a, he, special, true)
	default:
		// Linkifiers do not know the scheme: all but the host is text
		// to them (a bare domain in the path is a link of its own).
		l.end = authorityEnd(s, a, he, special, false)
	}
	if lhost != "" {
		l.end = max(l.end, a+len(lhost))
	}
	if hs < he {
		l.addReadings(s, a, hs, min(he, max(l.end, hs)), l.end, lhost != "")
	} else {
		l.addHost(lhost)
	}
	if k := embeddedScheme(s, a, l.end); k >= 0 {
		l.end = max(k, l.start+len(scheme)+1)
		if hs < k && k < he {
			l.addHost(s[hs:k]) // the host as markdown-it reads it, the other URL cut off
		}
	}
	if junkHost(s[hs:he]) {
		// No browser reaches such a host; linkifiers stop at its first
		// punctuation and find what follows as links of their own: so
		// does scan, from there.
		l.end = a + len(lhost)
		if l.end == a {
			l.end = max(a, l.start+len(scheme)+1)
		}
	}
	return l, true
}

// authorityEnd returns where a URL whose authority starts at s[a] and
// whose host ends at s[he] ends: after the host and a port, and, when
// path is set, after a path, query or fragment if one follows (see
// urlEnd). Anything else after the host (a backslash too, which browsers
// read as a slash) ends the URL, as it ends it for linkifiers, which find
// links of their own in what follows. Trailing punctuation is left out.
func authorityEnd(s string, a, he int, special, path bool) int {
	e := he
	if e+1 < len(s) && s[e] == ':' && isDigit(s[e+1]) {
		e++
		for e < len(s) && isDigit(s[e]) {
			e++
		}
	}
	if path && e < len(s) && (s[e] == '/' || s[e] == '?' || s[e] == '#') {
		return trimPunct(s, a, urlEnd(s, e))
	}
	return trimPunct(s, a, e)
}

// junkHost reports whether the host, as written, cannot be reached: once
// normalised, it is empty, has an empty label, or holds something other
// than letters, digits, '-', '_' and dots (an IPv6 literal aside).
func junkHost(host string) bool {
	clean := func(h string) bool {
		for i := 0; i < len(h); i++ {
			if c := h[i]; !(isASCIILetter(c) || isDigit(c) || c == '-' || c == '_' || c == '.') {
				return false
			}
		}
		return true
	}
	if host != "" && clean(host) && !strings.Contains(host, "..") && host[0] != '.' || strings.HasPrefix(host, "[") {
		return false
	}
	n := NormalizeHost(host)
	return n == "" || !clean(n) || strings.Contains(n, "..") || strings.HasPrefix(n, ".")
}

// addReadings adds the readings of a host written in text that
// linkifiers make of it where a browser reads the host s[hs:he] of the
// authority that starts at s[a] in the URL ending at end: the host up to
// the first punctuation (when withLinkify is set: the URL has a scheme
// linkifiers know, or is protocol-relative), and the last domain name in
// the host, after its last punctuation, which a linkifier finds as a bare
// domain when it does not take the URL ("e%76il.example.net" holds the
// bare domain 76il.example.net, "evil。example.net" example.net).
func (l *link) addReadings(s string, a, hs, he, end int, withLinkify bool) {
	if withLinkify {
		l.addHost(linkifyHost(s, a, end))
	}
	// Labels of letters and digits only: what a linkifier that stops at
	// symbols such as '`' reads.
	p := hs
	for p < he {
		r, w := utf8.DecodeRuneInString(s[p:he])
		if r != '.' && !isHostRune(r) {
			break
		}
		p += w
	}
	if p > hs && p < he && strings.IndexByte(s[hs:p], '.') > 0 {
		l.addHost(strings.TrimRight(s[hs:p], "."))
	}
	t := he
	for t > hs {
		r, w := utf8.DecodeLastRuneInString(s[hs:t])
		if r != '.' && !isHostRune(r) {
			break
		}
		t -= w
	}
	for t < he && (s[t] == '.' || s[t] == '-') {
		t++
	}
	if t > hs && strings.IndexByte(s[t:he], '.') > 0 {
		l.addHost(s[t:he])
	}
}

// hasHostRune reports whether host holds a letter, a digit or an IPv6
// literal's bracket: "." and "-" alone are no host.
func hasHostRune(host string) bool {
	for _, r := range host {
		if r != '-' && (r == '[' || isHostRune(r)) {
			return true
		}
	}
	return false
}

// relativeLink reports whether the slash at s[j] starts a
// protocol-relative URL (//example.com/path) that linkifiers make
// clickable, and returns it.
func relativeLink(s string, pos, j int, c *authCache) (link, bool) {
	if j+2 >= len(s) || s[j+1] != '/' || j < pos {
		return link{}, false
	}
	if j > 0 {
		// After the start, a space, punctuation or a control character,
		// as for linkify-it, but not after ':', '/' or '_'.
		r, _ := utf8.DecodeLastRuneInString(s[:j])
		if r == ':' || r == '/' || r == '_' || !(r == '<' || r == '>' || isZPCc(r)) {
			return link{}, false
		}
	}
	a := j + 2
	hs, he := c.host(s, a, true, true)
	end := authorityEnd(s, a, he, true, true)
	he = min(he, end)
	lhost := linkifyHost(s, a, end)
	qualifies := func(h string) bool {
		return strings.ContainsAny(h, ".[") || strings.EqualFold(h, "localhost")
	}
	if !(hs < he && qualifies(s[hs:he])) && !qualifies(lhost) {
		return link{}, false // "//comment"
	}
	l := link{start: j, end: max(end, a+len(lhost)), hostStart: hs, hostEnd: he, kind: KindRelative}
	if hs == he {
		l.hostStart, l.hostEnd = a, a+len(lhost)
	}
	l.addHost(s[l.hostStart:l.hostEnd])
	l.addReadings(s, a, hs, he, end, true)
	if junkHost(s[hs:he]) {
		l.end = a + len(lhost)
	}
	if k := embeddedScheme(s, a, l.end); k >= 0 {
		l.end = max(k, j+2)
		if hs < k && k < he {
			l.addHost(s[hs:k])
		}
	}
	return l, true
}

// embeddedScheme returns where, in s[from:to], the scheme of another URL
// starts that markdown-it would link on its own ("https://" in
// "//a.bhttps://evil.com" or "example.com/x/https://evil.com"): http,
// https or ftp followed by "://", not after an ASCII letter, digit or one
// of ".+-"; -1 if there is none.
func embeddedScheme(s string, from, to int) int {
	for i := from; i < to; {
		k := strings.Index(s[i:min(len(s), to+3)], "://")
		if k < 0 {
			return -1
		}
		colon := i + k
		for _, sc := range linkifySchemes {
			start := colon - len(sc)
			if start < from || start >= to || !strings.EqualFold(s[start:colon], sc) {
				continue
			}
			if start == 0 || !isSchemeByte(s[start-1]) {
				return start
			}
		}
		i = colon + 3
	}
	return -1
}

// targetLink reads the markdown link destination that follows s[from:],
// which is right after the '(' of "](" or the ':' of "]:" at s[open], and
// returns it as a link if it leads to a host as a markdown renderer reads
// it (escapes and character references decoded). The link is that one
// character: a strip that removes it unmakes the markdown link, and the
// destination is scanned on as text, where a plain-text reader finds its
// own links (javascript: and data: targets among them); unless the
// destination read as text is one link from end to end, which the target
// link then takes in.
func targetLink(s string, open, from int, o scanOptions) (link, bool) {
	// Only a destination that starts with a scheme, a slash or a
	// backslash (or an escape or a reference that may decode to one) can
	// lead to a host: do not read the others ("](](](…").
	k := from
	for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\n' || s[k] == '\r' || s[k] == '<') {
		k++
	}
	if k == len(s) || !(isASCIILetter(s[k]) || s[k] == '/' || s[k] == '\\' || s[k] == '&') {
		return link{}, false
	}
	ds, de, ok := markdown.Destination(s, from)
	if !ok || ds == de {
		return link{}, false
	}
	raw := s[ds:de]
	dest := markdown.Decode(raw)
	scheme, host, hasHost := whatwg.Split(dest)
	if !hasHost {
		return link{}, false
	}
	l := link{start: open, end: open + 1, scheme: scheme, kind: KindTarget, hostStart: ds, hostEnd: ds}
	l.addHost(host)
	if dest == raw && !strings.ContainsAny(raw, "\t\n\r") {
		p := whatwg.Locate(raw)
		l.hostStart, l.hostEnd = ds+p.HostStart, ds+p.HostEnd
	}
	// When the destination, read as text, is one link from end to end,
	// the target link takes it in (and its closing parenthesis), with its
	// readings: a strip then leaves "[text]".
	inner, ok := scan(s[:de], ds, scanOptions{bare: o.bare, ambiguous: true, noTargets: true})
	if ok && inner.start == ds && inner.end == de {
		for _, h := range inner.hostList() {
			l.addHost(h)
		}
		l.end = de
		if l.end < len(s) && s[l.end] == '>' {
			l.end++
		}
		if l.end < len(s) && s[l.end] == ')' && s[open] == '(' {
			l.end++
		}
	}
	return l, true
}

// authCache remembers where the last authority scanned ends and where its
// last '@' is, so that authorities that share an end (as in
// "https:https:https:…") are not scanned again: scan's work stays linear.
type authCache struct {
	from, end, lastAt int // lastAt < from when there is none
	special, valid    bool
}

// host returns the host of the authority that starts at s[a]: after its
// last '@' (when userinfo is allowed), up to its port, its end ('/', '?',
// '#', '\' for special schemes) or the end of the URL text, which
// parentheses, brackets and braces end too, an IPv6 literal's brackets
// aside.
func (c *authCache) host(s string, a int, special, userinfo bool) (int, int) {
	if !c.valid || c.special != special || a < c.from || a >= c.end {
		c.from, c.end, c.lastAt, c.special, c.valid = a, a, a-1, special, true
		hostStart := a
	scan:
		for c.end < len(s) {
			switch ch := s[c.end]; ch {
			case '/', '?', '#':
				break scan
			case '\\':
				if special {
					break scan
				}
			case '@':
				c.lastAt = c.end
				hostStart = c.end + 1
			case '[':
				if c.end != hostStart {
					break scan
				}
				k := c.end + 1
				for k < len(s) && (isHexDigit(s[k]) || s[k] == ':' || s[k] == '.') {
					k++
				}
				if k == len(s) || s[k] != ']' {
					break scan
				}
				c.end = k
			case '(', ')', ']', '{', '}':
				break scan
			default:
				if ch >= utf8.RuneSelf {
					if isURLStop(s, c.end) {
						break scan
					}
					_, w := utf8.DecodeRuneInString(s[c.end:])
					c.end += w
					continue
				}
				if ch != '`' && isURLStop(s, c.end) { // linkify-it reads '`' as a letter
					break scan
				}
			}
			c.end++
		}
	}
	hs := a
	if userinfo && c.lastAt >= a {
		hs = c.lastAt + 1
	}
	he := c.end
	if hs < he && s[hs] == '[' {
		if k := strings.IndexByte(s[hs:he], ']'); k >= 0 {
			return hs, hs + k + 1
		}
		return hs, he
	}
	if k := strings.IndexByte(s[hs:he], ':'); k >= 0 {
		he = hs + k
	}
	return hs, he
}

// isURLStop reports whether the character at s[i] ends a URL written in
// text: white space, a control character, or one of <>"` and the
// full-width vertical line.
func isURLStop(s string, i int) bool {
	c := s[i]
	if c < utf8.RuneSelf {
		return c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == '`'
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\uff5c' || r == utf8.RuneError
}

// hasTwoSlashes reports whether s[i:] starts with two slashes (or, for a
// special scheme, backslashes).
func hasTwoSlashes(s string, i int, special bool) bool {
	isSlash := func(c byte) bool { return c == '/' || special && c == '\\' }
	return i+1 < len(s) && isSlash(s[i]) && isSlash(s[i+1])
}

// linkifyHost returns the host a linkifier reads in the authority that
// starts at s[a] and does not pass end: an IPv6 literal in brackets, or
// labels of letters, digits, symbols, marks and format characters joined
// by single dots, up to the first space or punctuation other than '-' (so
// it stops at '@', ':', '&', '_' or '。' where a browser reads on).
func linkifyHost(s string, a, end int) string {
	if a < end && s[a] == '[' {
		k := a + 1
		for k < end && (isHexDigit(s[k]) || s[k] == ':' || s[k] == '.') {
			k++
		}
		if k < end && s[k] == ']' {
			return s[a : k+1]
		}
		return ""
	}
	j := a
	for j < end {
		if c := s[j]; c < utf8.RuneSelf && asciiHost[c] != 0 {
			j++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[j:end])
		if r == '.' {
			if n, _ := utf8.DecodeRuneInString(s[j+1 : end]); j+1 < end && isLinkifyRune(n) && j > a {
				j++
				continue
			}
			break
		}
		if !isLinkifyRune(r) {
			break
		}
		j += w
	}
	return s[a:j]
}

// isZPCc reports whether r is white space, punctuation or a control
// character (Unicode's Z, P and Cc), or the full-width vertical line,
// which linkify-it reads as such: what may come before a URL or a host.
func isZPCc(r rune) bool {
	if r < utf8.RuneSelf {
		return r <= ' ' || r == 0x7f || strings.IndexByte(`!"#%&'()*,-./:;?@[\]_{}`, byte(r)) >= 0
	}
	return r == '\uff5c' || unicode.In(r, unicode.Z, unicode.P, unicode.Cc)
}

// isWideByte reports whether c is a dot or one of the ASCII symbols
// linkify-it reads as letters: what linkify-it's reading of a host may
// extend over beyond ours. Non-ASCII bytes may start host runes: true.
func isWideByte(c byte) bool {
	return c >= utf8.RuneSelf || c == '.' || strings.IndexByte(linkifySymbols, c) >= 0
}

// isLinkifyRune reports whether linkify-it reads r as a letter in a host:
// a host rune or one of the ASCII symbols it takes.
func isLinkifyRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiHost[r] != 0
	}
	return isHostRune(r)
}

// asciiHost classifies ASCII: 1 for the host runes (letters, digits,
// '-'), 2 for the symbols linkify-it also reads as letters.
var asciiHost = func() (t [utf8.RuneSelf]uint8) {
	for c := range t {
		b := byte(c)
		if isASCIILetter(b) || isDigit(b) || b == '-' {
			t[c] = 1
		}
		if strings.IndexByte(linkifySymbols, b) >= 0 {
			t[c] = 2
		}
	}
	return t
}()

// linkifySymbols are the ASCII symbols linkify-it reads as part of a
// host.
const linkifySymbols = "$+=^`|~"

// isHostRune reports whether r can be part of a host's label as
// linkifiers read it: an ASCII letter, digit or '-', or a non-ASCII
// character that is not white space, punctuation or a control character
// (letters, digits, marks, symbols such as emoji, and invisible format
// characters such as the soft hyphen, which host mapping removes).
func isHostRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiHost[r]&1 != 0
	}
	if r == utf8.RuneError || r == '\uff5c' {
		return false
	}
	return !unicode.In(r, unicode.Z, unicode.P, unicode.Cc) && !unicode.IsSpace(r)
}

// scanHost reads the host name that starts at s[start]: labels of host
// runes joined by single dots (domain.ScanFunc).
func scanHost(s string, start int) (end, labels, last int) {
	return domain.ScanFunc(s, start, isHostRune)
}

// hostLink reports whether the dot at s[dot] is part of a www. host or a
// bare domain that does not start before pos. When it is not, after is
// where the search may resume.
//
// Two readings of the host are made: labels of letters, digits, marks and
// symbols such as emoji (the strict one), and linkify-it's, which also
// reads the ASCII symbols $+=^`|~ as letters ("a=evil.com" is a link to
// a=evil.com there). The link holds each that is a host.
func hostLink(s string, pos, dot int, o scanOptions, wc *wideCache) (l link, after int, ok bool) {
	start := dot
	for start > pos {
		r, w := utf8.DecodeLastRuneInString(s[:start])
		if !isHostRune(r) {
			break
		}
		start -= w
	}
	if start == dot && (dot == pos || s[dot-1] == '.' || !isWideByte(s[dot-1])) {
		return link{}, dot + 1, false // no label before the dot
	}
	// The host runs forward from there: labels joined by single dots.
	end, labels, lastLabel := scanHost(s, start)
	after = max(end, dot+1)
	strictOK, strictEmail := bareHostOK(s, start, end)
	strict := start < dot && labels >= 2 && strictOK && (isWWW(s[start:end]) || o.bare && isTLD(s[lastLabel:end]))
	ws, we, wide, wideEmail := wc.get(s, pos, start, end, o)
	if !strict && !wide {
		return link{}, after, false
	}
	hs, he := start, end
	if !strict {
		hs, he = ws, we
	}
	// A port, a path, a query or a fragment.
	urlRest := max(he, we)
	if urlRest+1 < len(s) && s[urlRest] == ':' && isDigit(s[urlRest+1]) {
		urlRest++
		for urlRest < len(s) && isDigit(s[urlRest]) {
			urlRest++
		}
	}
	hostEnd := urlRest
	// A linkifier takes the path only of a host it links, whose top-level
	// domain it knows: letters. After one written with invisible
	// characters or symbols, the path is text to it.
	if urlRest < len(s) && strings.IndexByte("/?#", s[urlRest]) >= 0 && allLetters(s[strings.LastIndexByte(s[:he], '.')+1:he]) {
		urlRest = trimPunct(s, urlRest, urlEnd(s, urlRest))
	}
	if k := embeddedScheme(s, hs, max(urlRest, we)); k >= 0 {
		urlRest = max(k, he)
		if wide && we > k {
			we = k
			for we > ws && strings.IndexByte(".-"+linkifySymbols, s[we-1]) >= 0 {
				we--
			}
			wide = strict && (we > he || ws < hs)
		}
	}
	hasPath := urlRest > hostEnd
	host := s[hs:he]
	l = link{start: hs, end: urlRest, hostStart: hs, hostEnd: he, kind: KindBare}
	l.addHost(host)
	if wide {
		l.start = min(l.start, ws)
		l.addHost(s[ws:we])
		// Its last domain name, after its last symbol, which a
		// linkifier that does not take symbols reads.
		t := we
		for t > ws && s[t-1] < utf8.RuneSelf && strings.IndexByte(linkifySymbols, s[t-1]) < 0 || t > ws && s[t-1] >= utf8.RuneSelf {
			t--
		}
		if t > ws && t < we && strings.IndexByte(s[t:we], '.') > 0 {
			l.addHost(s[t:we])
		}
	}
	if isWWW(host) {
		l.kind = KindWWW
		return l, max(after, l.end), true
	}
	tld := host[strings.LastIndexByte(host, '.')+1:]
	email := strict && strictEmail || !strict && wideEmail
	// "Hello.World" and "end.Next" are sentences, "EXAMPLE.COM" is a
	// host; "README.md" is a file, "README.md/x" a link; "first.name" in
	// first.name@example.com is an e-mail address's local part.
	if hasASCIIUpper(tld) && hasASCIILower(host) || !hasPath && isFileExtension(tld) || email {
		if !o.ambiguous {
			return link{}, after, false
		}
		l.kind = KindAmbiguous
	}
	return l, max(after, l.end), true
}

// allLetters reports whether s is made of letters only.
func allLetters(s string) bool {
	for _, r := range s {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return s != ""
}

// isWWW reports whether host is a www. host name: "www." and two labels
// more.
func isWWW(host string) bool {
	return len(host) > 4 && strings.EqualFold(host[:4], "www.") && strings.IndexByte(host[4:], '.') > 0
}

// wideCache remembers linkify-it's reading of the last run of host
// runes, symbols and dots scan looked at, which every dot in the run
// shares: reading it again at each would cost the run's length each time.
type wideCache struct {
	from, to        int // the run
	ws, we          int
	wide, wideEmail bool
	valid, bare     bool
}

// get returns linkify-it's reading of the host around s[start:end]
// (see widen), and whether it makes a link: a host with a real top-level
// domain (or a www. host) that differs from s[start:end].
func (c *wideCache) get(s string, pos, start, end int, o scanOptions) (ws, we int, wide, email bool) {
	if (start == pos || !isWideByte(s[start-1])) && (end == len(s) || !isWideByte(s[end])) {
		return start, end, false, false // nothing to widen over
	}
	if c.valid && c.bare == o.bare && start >= c.from && end <= c.to {
		ws, we, wide, email = c.ws, c.we, c.wide, c.wideEmail
		return ws, we, wide && (ws < start || we > end), email
	}
	ws, we = widen(s, pos, start, end)
	from, to := ws, we
	wide, email = bareHostOK(s, ws, we)
	// linkify-it takes the first start that makes a host: after a symbol
	// if not before it ("x.=a.com~b.com" is a link to a.com~b.com).
	for tries := 0; !wide && tries < 4 && ws < min(start, we); tries++ {
		k := strings.IndexAny(s[ws:min(start, we)], "$+=^`|~")
		if k < 0 {
			break
		}
		ws += k + 1
		for ws < we && strings.IndexByte("$+=^`|.-", s[ws]) >= 0 {
			ws++
		}
		wide, email = bareHostOK(s, ws, we)
	}
	if wide {
		h := s[ws:we]
		wide = isWWW(h) || o.bare && isTLD(h[strings.LastIndexByte(h, '.')+1:])
	}
	*c = wideCache{from: from, to: to, ws: ws, we: we, wide: wide, wideEmail: email, valid: true, bare: o.bare}
	return ws, we, wide && (ws < start || we > end), email
}

// widen returns linkify-it's reading of the host s[start:end]: extended
// both ways over host runes, the ASCII symbols it reads as letters and
// single dots, but not before pos; it does not start with a symbol it
// refuses there ($+=^`|), a dot or a hyphen, nor end with a dot or a
// hyphen.
func widen(s string, pos, start, end int) (int, int) {
	isWide := func(r rune) bool {
		return isHostRune(r) || r < utf8.RuneSelf && strings.IndexByte(linkifySymbols, byte(r)) >= 0
	}
	ws := start
	for ws > pos {
		r, w := utf8.DecodeLastRuneInString(s[:ws])
		if r == '.' && ws-1 > pos && ws < len(s) && s[ws] != '.' {
			if p, _ := utf8.DecodeLastRuneInString(s[:ws-1]); isWide(p) {
				ws--
				continue
			}
		}
		if r == '.' || !isWide(r) {
			break
		}
		ws -= w
	}
	we := end
	for we < len(s) {
		r, w := utf8.DecodeRuneInString(s[we:])
		if r == '.' && we > ws && s[we-1] != '.' && we+1 < len(s) {
			if n, _ := utf8.DecodeRuneInString(s[we+1:]); isWide(n) {
				we++
				continue
			}
		}
		if r == '.' || !isWide(r) {
			break
		}
		we += w
	}
	for ws < we && strings.IndexByte("$+=^`|.-", s[ws]) >= 0 {
		ws++
	}
	for we > ws && strings.IndexByte(".-"+linkifySymbols, s[we-1]) >= 0 {
		we--
	}
	return ws, we
}

// bareHostOK reports whether s[start:end], written without a scheme, is
// a host linkifiers make a link of: at least two labels, neither starting
// nor ending with a hyphen, not inside a path or a file name (after ':',
// '/', '-', '_' or '@'; a '_' that opens markdown emphasis aside), not
// followed by '_' (unless it closes emphasis). email reports a host
// followed by '@' and a domain: the local part of an e-mail address,
// which some linkifiers still take.
func bareHostOK(s string, start, end int) (ok, email bool) {
	host := s[start:end]
	if strings.IndexByte(host, '.') <= 0 || hyphenAtEdge(host) || strings.HasSuffix(host, ".") {
		return false, false
	}
	if start > 0 {
		switch r, _ := utf8.DecodeLastRuneInString(s[:start]); r {
		case ':', '/', '-', '@':
			return false, false
		case '.':
			if start < 2 || s[start-2] != '.' { // "wait...evil.com"
				return false, false
			}
		case '_':
			if p, _ := utf8.DecodeLastRuneInString(s[:start-1]); start > 1 && isWordRune(p) {
				return false, false // my_file.com
			}
		}
	}
	if end < len(s) {
		switch s[end] {
		case '_':
			if n, _ := utf8.DecodeRuneInString(s[end+1:]); end+1 < len(s) && isWordRune(n) {
				return false, false
			}
		case '@':
			e, labels, last := scanHost(s, end+1)
			if labels >= 2 && isTLD(s[last:e]) {
				return true, true
			}
		}
	}
	return true, false
}

// hyphenAtEdge reports whether one of the labels of the dotted name starts
// or ends with '-', which no host name label may: "-example.com",
// "example-.com".
func hyphenAtEdge(name string) bool {
	return strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") ||
		strings.Contains(name, "-.") || strings.Contains(name, ".-")
}

// urlEnd returns where the path, query or fragment of a URL written in
// text that continues at s[i] ends, as linkify-it reads it: at white
// space, a control character, '<', '>', a closing parenthesis, bracket or
// brace that no opening one in the URL matches (the ']' that ends a
// markdown link's text, the ')' that ends its target), an opening one
// never closed, or punctuation it does not take in a path (such as '。'
// or "!)"). It reads each byte once or twice: no backtracking.
func urlEnd(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c >= utf8.RuneSelf {
			r, w := utf8.DecodeRuneInString(s[i:])
			if !isPathRune(r) {
				return i
			}
			i += w
			continue
		}
		switch {
		case isASCIILetter(c) || isDigit(c):
			i++
		case c == '\\' && i+1 < len(s) && markdownPunct(s[i+1]),
			c == '&' && isReference(s[i:]):
			// A markdown escape or a character reference splits the text
			// a markdown renderer linkifies: the URL ends there for it.
			return i
		case strings.IndexByte(`\/:%@#&=_~*$+^|`+"`", c) >= 0:
			i++
		case c == '(' || c == '[' || c == '{':
			e := pairEnd(s, i)
			if e < 0 {
				return i
			}
			i = e
		case c == '"' || c == '\'':
			if c == '\'' && i+1 < len(s) && (s[i+1] == '-' || isPathRuneAt(s, i+1)) {
				i++
				continue
			}
			k := strings.IndexByte(s[i+1:min(len(s), i+1+100*utf8.UTFMax)], c)
			if k < 0 || hasSpaceOrControl(s[i+1:i+1+k]) {
				return i
			}
			i += k + 2
		case c == '.':
			n := 1
			for i+n < len(s) && s[i+n] == '.' && n < 20 {
				n++
			}
			k := i + n
			if n >= 2 && k < len(s) && s[k] == ':' {
				k++
			}
			switch {
			case n >= 2 && k < len(s) && (isASCIILetter(s[k]) || isDigit(s[k]) || strings.IndexByte("%/&", s[k]) >= 0):
				i = k + 1
			case n == 1 && i+1 < len(s) && s[i+1] != '.' && !isSpaceOrControlAt(s, i+1):
				i++
			default:
				return i
			}
		case c == '-':
			i++
		case c == ',' || c == ';' || c == '!' || c == '?':
			k := i + 1
			for c == '!' && k < len(s) && s[k] == '!' {
				k++
			}
			if k >= len(s) || isSpaceOrControlAt(s, k) || c == '?' && s[k] == '?' {
				return i
			}
			i = k
		default: // space, control, <, >, and unmatched closing brackets
			return i
		}
	}
	return i
}

// markdownPunct reports whether a backslash before c is a markdown
// escape: c is ASCII punctuation.
func markdownPunct(c byte) bool {
	return c > ' ' && c < 0x7f && !isASCIILetter(c) && !isDigit(c)
}

// isReference reports whether s starts with something shaped like an
// HTML character reference: '&', a name or #number, ';'.
func isReference(s string) bool {
	k := 1
	for k < len(s) && k < 34 && (isASCIILetter(s[k]) || isDigit(s[k]) || k == 1 && s[k] == '#') {
		k++
	}
	return k > 1 && k < len(s) && s[k] == ';'
}

// pairEnd returns where the bracket pair that opens at s[i] ('(', '[' or
// '{') ends, after its closing bracket, pairs of the same kind nested in
// it; -1 if white space, a control character or the end of s comes first.
func pairEnd(s string, i int) int {
	open := s[i]
	closing := byte(')')
	switch open {
	case '[':
		closing = ']'
	case '{':
		closing = '}'
	}
	depth := 0
	for j := i; j < len(s); j++ {
		switch c := s[j]; {
		case c == open:
			depth++
		case c == closing:
			depth--
			if depth == 0 {
				return j + 1
			}
		case c <= ' ' || c == 0x7f:
			return -1
		case c >= utf8.RuneSelf && isSpaceOrControlAt(s, j):
			return -1
		}
	}
	return -1
}

// isPathRune reports whether linkify-it takes the non-ASCII r in a path:
// anything but white space, punctuation and control characters.
func isPathRune(r rune) bool {
	return r != utf8.RuneError && r != '\uff5c' && !unicode.In(r, unicode.Z, unicode.P, unicode.Cc) && !unicode.IsSpace(r)
}

func isPathRuneAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	if r < utf8.RuneSelf {
		return isHostRune(r)
	}
	return isPathRune(r)
}

func isSpaceOrControlAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return r <= ' ' || r == 0x7f || unicode.IsSpace(r) || unicode.IsControl(r)
}

func hasSpaceOrControl(s string) bool {
	for i := range s {
		if isSpaceOrControlAt(s, i) {
			return true
		}
	}
	return false
}

// trimPunct drops the punctuation that ends a sentence rather than the URL
// s[from:to].
func trimPunct(s string, from, to int) int {
	for to > from {
		r, w := utf8.DecodeLastRuneInString(s[from:to])
		switch {
		case strings.ContainsRune(".,;:!?'*", r):
		case r >= utf8.RuneSelf && unicode.IsPunct(r):
		default:
			return to
		}
		to -= w
	}
	return to
}

// NormalizeHost returns host in the form the allow and deny lists are
// matched against, the one a browser connects to: tabs and newlines
// removed,
// percent-escapes decoded, mapped per UTS #46 (lower case, full-width and
// other compatibility forms made plain, invisible characters such as the
// soft hyphen removed, ideographic full stops read as dots), every
// non-ASCII label in its Punycode form ("xn--…"), IPv4 addresses in
// dotted decimal whatever their form (2130706433, 0x7f.1, 0177.0.0.1,
// 127.1 are 127.0.0.1, and so is the IPv4-mapped [::ffff:7f00:1]), IPv6
// addresses in canonical form, and trailing dots dropped. User
// information and a port, if host still has them, are dropped.
func NormalizeHost(host string) string {
	h, _ := whatwg.Host(hostPart(host))
	return strings.TrimRight(whatwg.Unmap(h), ".")
}

// hostPart returns host without user information or port.
func hostPart(host string) string {
	if k := strings.LastIndexByte(host, '@'); k >= 0 {
		host = host[k+1:]
	}
	return whatwg.HostOnly(host)
}

// displayHost is NormalizeHost without the Punycode step: the host as a
// reader would write it, for messages.
func displayHost(host string) string {
	n := NormalizeHost(host)
	if !strings.Contains(n, "xn--") {
		return n
	}
	h := hostPart(host)
	if strings.IndexByte(h, '%') >= 0 {
		h = whatwg.PercentDecode(h)
	}
	return strings.TrimRight(idna.Map(h), ".")
}

// isTLD reports whether label (as written) is a top-level domain.
func isTLD(label string) bool {
	var buf [24]byte
	if len(label) <= len(buf) {
		ascii := true
		for i := 0; i < len(label); i++ {
			c := label[i]
			if c >= utf8.RuneSelf {
				ascii = false
				break
			}
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if ascii {
			_, ok := slices.BinarySearch(tlds[:], string(buf[:len(label)]))
			return ok
		}
	}
	_, ok := slices.BinarySearch(tlds[:], idna.ToASCII(label))
	return ok
}

// fileExtensions are top-level domains that are more often the extension
// of a file name ("README.md", "setup.py", "photos.zip"): a bare domain
// ending in one is KindAmbiguous unless a path or a port follows it.
var fileExtensions = [...]string{
	"ac", "am", "app", "as", "cc", "gs", "md", "mk", "ml", "mo", "mov",
	"pm", "ps", "py", "rs", "sh", "so", "sv", "tf", "zip",
}

func isFileExtension(tld string) bool {
	for _, e := range fileExtensions {
		if strings.EqualFold(tld, e) {
			return true
		}
	}
	return false
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r))
}

func isSchemeByte(c byte) bool {
	return isASCIILetter(c) || isDigit(c) || c == '+' || c == '-' || c == '.'
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

func hasASCIIUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return true
		}
	}
	return false
}

func hasASCIILower(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'a' && s[i] <= 'z' {
			return true
		}
	}
	return false
}
