package links

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/rules/internal/domain"
	"github.com/chimeflow/chimeflow/rules/links/internal/idna"
)

// Link is a URL found in a text.
type Link struct {
	// Start and End delimit the link in the text, in bytes: text[Start:End]
	// is the link as written, trailing punctuation excluded.
	Start, End int
	// Host is the link's host as written in the text.
	Host string
	// Domain is Host normalised: see NormalizeHost.
	Domain string
}

// Find returns the links in text, in order: URLs with an http, https or
// ftp scheme, host names that start with "www.", and bare domains such as
// example.com/path whose top-level domain is a real one. It is what the
// links rule sees; use it to check what a message would trigger.
func Find(text string) []Link {
	var out []Link
	for pos := 0; ; {
		l, ok := next(text, pos, true)
		if !ok {
			return out
		}
		host := text[l.hostStart:l.hostEnd]
		out = append(out, Link{Start: l.start, End: l.end, Host: host, Domain: NormalizeHost(host)})
		pos = l.end
	}
}

// link is a URL found by next: its extent and its host's, in bytes.
type link struct {
	start, end         int
	hostStart, hostEnd int
}

// next returns the first link in s that starts at or after pos. Bare
// domains (no scheme, no www.) are found only if bare is set. It does not
// allocate.
func next(s string, pos int, bare bool) (link, bool) {
	for i := pos; i < len(s); {
		j := strings.IndexAny(s[i:], ".:")
		if j < 0 {
			return link{}, false
		}
		j += i
		if s[j] == ':' {
			if l, ok := schemeLink(s, pos, j); ok {
				return l, true
			}
			i = j + 1
			continue
		}
		l, after, ok := hostLink(s, pos, j, bare)
		if ok {
			return l, true
		}
		i = max(after, j+1)
	}
	return link{}, false
}

// schemes are the URL schemes whose URLs are links, lower-case.
var schemes = [...]string{"http", "https", "ftp"}

// schemeLink reports whether the colon at s[colon] ends the scheme of a
// link such as https://example.com/path, which must not start before pos.
func schemeLink(s string, pos, colon int) (link, bool) {
	if !strings.HasPrefix(s[colon:], "://") {
		return link{}, false
	}
	start := colon
	for start > pos && colon-start < 6 && isASCIILetter(s[start-1]) {
		start--
	}
	scheme := s[start:colon]
	known := false
	for _, k := range schemes {
		if strings.EqualFold(scheme, k) {
			known = true
			break
		}
	}
	if !known {
		return link{}, false
	}
	if r, _ := utf8.DecodeLastRuneInString(s[:start]); start > 0 && (isWordRune(r) || strings.ContainsRune("+-.", r)) {
		return link{}, false // "xhttp://", "git+https://"
	}
	body := colon + 3
	end := trimPunct(s, body, urlEnd(s, body))
	// The authority runs up to the first '/', '?', '#' or '\' (which
	// browsers read as '/').
	auth := end
	if k := strings.IndexAny(s[body:end], "/?#\\"); k >= 0 {
		auth = body + k
	}
	hs, he := hostOf(s, body, auth)
	if hs == he {
		return link{}, false
	}
	return link{start: start, end: end, hostStart: hs, hostEnd: he}, true
}

// hostOf returns the host part of the authority s[from:to]: after the last
// '@' (user information), before the port.
func hostOf(s string, from, to int) (int, int) {
	if k := strings.LastIndexByte(s[from:to], '@'); k >= 0 {
		from += k + 1
	}
	if from < to && s[from] == '[' { // an IPv6 literal
		if k := strings.IndexByte(s[from:to], ']'); k >= 0 {
			return from, from + k + 1
		}
		return from, to
	}
	if k := strings.IndexByte(s[from:to], ':'); k >= 0 {
		to = from + k
	}
	return from, to
}

// hostLink reports whether the dot at s[dot] is part of a www. host or a
// bare domain that does not start before pos. When it is not, after is
// where the search may resume.
func hostLink(s string, pos, dot int, bare bool) (l link, after int, ok bool) {
	start := dot
	for start > pos {
		r, w := utf8.DecodeLastRuneInString(s[:start])
		if !domain.IsLabelRune(r) {
			break
		}
		start -= w
	}
	if start == dot {
		return link{}, dot + 1, false
	}
	// The host runs forward from there: labels joined by single dots.
	end, labels, lastLabel := domain.Scan(s, start)
	after = end
	if labels < 2 {
		return link{}, after, false
	}
	if r, _ := utf8.DecodeLastRuneInString(s[:start]); start > 0 && strings.ContainsRune("@_-/\\#$%&=+~", r) {
		return link{}, after, false // a path, an e-mail's domain, a file name
	}
	if r, _ := utf8.DecodeRuneInString(s[end:]); end < len(s) && strings.ContainsRune("@_", r) {
		return link{}, after, false // the local part of an e-mail address
	}
	host, tld := s[start:end], s[lastLabel:end]
	if domain.HyphenAtEdge(host) {
		return link{}, after, false
	}
	// A port, a path, a query or a fragment.
	urlRest := end
	if end+1 < len(s) && s[end] == ':' && isDigit(s[end+1]) {
		urlRest = end + 1
		for urlRest < len(s) && isDigit(s[urlRest]) {
			urlRest++
		}
	}
	if urlRest < len(s) && strings.IndexByte("/?#", s[urlRest]) >= 0 {
		urlRest = trimPunct(s, urlRest, urlEnd(s, urlRest))
	}
	hasPath := urlRest > end
	l = link{start: start, end: urlRest, hostStart: start, hostEnd: end}
	if labels >= 3 && strings.EqualFold(host[:4], "www.") {
		return l, after, true
	}
	if !bare || !isTLD(tld) {
		return link{}, after, false
	}
	// "Hello.World" and "end.Next" are sentences, "EXAMPLE.COM" is a host.
	if hasASCIIUpper(tld) && hasASCIILower(host) {
		return link{}, after, false
	}
	if !hasPath && isFileExtension(tld) {
		return link{}, after, false
	}
	return l, after, true
}

// urlEnd returns where the URL text that continues at s[i] ends: at a
// space, a control character, or a character that cannot be part of a URL
// written in text.
func urlEnd(s string, i int) int {
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if r < ' ' || r == 0x7f || unicode.IsSpace(r) || strings.ContainsRune(`<>"`+"`", r) {
			break
		}
		i += w
	}
	return i
}

// trimPunct drops the punctuation that ends a sentence rather than the URL
// s[from:to], and closing brackets with no opening one in the URL.
func trimPunct(s string, from, to int) int {
	for to > from {
		r, w := utf8.DecodeLastRuneInString(s[from:to])
		switch {
		case strings.ContainsRune(".,;:!?'*", r):
		case r == ')' && strings.Count(s[from:to], "(") < strings.Count(s[from:to], ")"):
		case r == ']' && strings.Count(s[from:to], "[") < strings.Count(s[from:to], "]"):
		case r >= utf8.RuneSelf && unicode.IsPunct(r):
		default:
			return to
		}
		to -= w
	}
	return to
}

// NormalizeHost returns host in the form the allow and deny lists are
// matched against: percent-escapes decoded, ideographic full stops read as
// dots, lower-cased, trailing dots dropped, and every non-ASCII label in
// its Punycode form ("xn--…"). User information and a port, if host still
// has them, are dropped.
func NormalizeHost(host string) string {
	return idna.ToASCII(displayHost(host))
}

// displayHost is NormalizeHost without the Punycode step: the host as a
// reader would write it, for messages.
func displayHost(host string) string {
	if k := strings.LastIndexByte(host, '@'); k >= 0 {
		host = host[k+1:]
	}
	if strings.HasPrefix(host, "[") {
		if k := strings.IndexByte(host, ']'); k >= 0 {
			host = host[:k+1]
		}
	} else if k := strings.IndexByte(host, ':'); k >= 0 {
		host = host[:k]
	}
	if strings.IndexByte(host, '%') >= 0 {
		if h, err := url.PathUnescape(host); err == nil && utf8.ValidString(h) {
			host = h
		}
	}
	if strings.ContainsAny(host, "\u3002\uff0e\uff61") {
		host = strings.NewReplacer("\u3002", ".", "\uff0e", ".", "\uff61", ".").Replace(host)
	}
	return strings.TrimRight(strings.ToLower(host), ".")
}

// isTLD reports whether label (as written) is a top-level domain.
func isTLD(label string) bool {
	label = idna.ToASCII(strings.ToLower(label))
	_, ok := slices.BinarySearch(tlds[:], label)
	return ok
}

// fileExtensions are top-level domains that are more often the extension
// of a file name ("README.md", "setup.py", "photos.zip"): a bare domain
// ending in one is a link only when a path or a port follows it.
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

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

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
