// Package whatwg reads the host of a URL the way browsers do: it follows
// the WHATWG URL standard (https://url.spec.whatwg.org/) for splitting a
// URL into its scheme and authority, and for parsing a host (percent
// decoding, UTS #46 mapping, IPv4 numbers in every form browsers accept,
// IPv6 literals).
//
// Only what decides where a URL leads is implemented: paths, queries,
// fragments, user names and ports are skipped, not parsed. Nothing here
// allocates unless a host has to be decoded or mapped.
package whatwg

import (
	"errors"
	"strings"

	"github.com/chimeflow/chimeflow/rules/links/internal/idna"
)

// Errors returned by Host. A host that fails to parse does not lead
// anywhere in a browser; callers that must be strict may still match the
// best-effort form Host returns with the error.
var (
	// ErrIPv6 reports a bracketed host that is not a valid IPv6 address.
	ErrIPv6 = errors.New("whatwg: invalid IPv6 address")
	// ErrIPv4 reports a host that ends in a number but is not a valid
	// IPv4 address.
	ErrIPv4 = errors.New("whatwg: invalid IPv4 address")
	// ErrForbidden reports a host holding a code point no domain may
	// hold (space, control characters, and %/:<>?@[\]^| and the like).
	ErrForbidden = errors.New("whatwg: forbidden code point in host")
	// ErrEmpty reports an empty host.
	ErrEmpty = errors.New("whatwg: empty host")
)

// special reports whether scheme (lower case) is one of the WHATWG
// standard's special schemes, whose URLs always have a host (file aside)
// and treat '\' as '/'.
func special(scheme string) bool {
	switch scheme {
	case "http", "https", "ws", "wss", "ftp", "file":
		return true
	}
	return false
}

// IsSpecial reports whether scheme, in any case, is a special scheme:
// http, https, ws, wss, ftp or file.
func IsSpecial(scheme string) bool {
	if len(scheme) > 5 {
		return false
	}
	var b [5]byte
	for i := 0; i < len(scheme); i++ {
		b[i] = lower(scheme[i])
	}
	return special(string(b[:len(scheme)]))
}

// Split returns the scheme of the URL u (as written; "" for a relative
// URL) and its host as written, if it has one: the part of its authority
// after the last '@' and before the port. A relative URL has a host when
// it starts with two slashes; it is read as if against a base with a
// special scheme (such as the https page a chat runs in), so '\' counts as
// '/' there too. For a special scheme other than file, the slashes after
// the colon may be missing, doubled or backslashes ("https:evil.example",
// "https:\\evil.example"), as browsers accept.
//
// Leading and trailing spaces and control characters are ignored; tabs
// and newlines anywhere in u are removed first, as browsers do (which
// then costs one allocation). The results are substrings of u otherwise.
func Split(u string) (scheme, host string, hasHost bool) {
	if strings.ContainsAny(u, "\t\n\r") {
		u = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(u)
	}
	p := Locate(u)
	return u[p.SchemeStart:p.SchemeEnd], u[p.HostStart:p.HostEnd], p.HostEnd > p.HostStart
}

// Parts says where the scheme, the authority and the host of a URL are in
// it, as byte offsets; see Locate.
type Parts struct {
	// u[SchemeStart:SchemeEnd] is the scheme, empty for a relative URL.
	SchemeStart, SchemeEnd int
	// u[AuthStart:] starts the authority (user information, host, port),
	// when there is one.
	AuthStart int
	// u[HostStart:HostEnd] is the host; empty when there is none.
	HostStart, HostEnd int
}

// Locate finds the scheme and the host of the URL u as Split does, but
// returns offsets into u. It does not remove tabs or newlines: u must
// have none (Split removes them).
func Locate(u string) Parts {
	i := 0
	for i < len(u) && u[i] <= ' ' {
		i++
	}
	end := len(u)
	for end > i && u[end-1] <= ' ' {
		end--
	}
	v := u[i:end]
	p := Parts{SchemeStart: i, SchemeEnd: i, AuthStart: i, HostStart: i, HostEnd: i}
	authority := func(a int, special, userinfo bool) Parts {
		hs, he := authorityHost(v[a:], special, userinfo)
		p.AuthStart, p.HostStart, p.HostEnd = i+a, i+a+hs, i+a+he
		return p
	}
	n := schemeLen(v)
	if n > 0 {
		p.SchemeEnd = i + n
		scheme := v[:n]
		a := n + 1
		sp := IsSpecial(scheme)
		switch {
		case sp && strings.EqualFold(scheme, "file"):
			if len(v) >= a+2 && isSlash(v[a], true) && isSlash(v[a+1], true) {
				return authority(a+2, true, false)
			}
		case sp:
			for a < len(v) && (v[a] == '/' || v[a] == '\\') {
				a++
			}
			return authority(a, true, true)
		case strings.HasPrefix(v[a:], "//"):
			return authority(a+2, false, true)
		}
		p.AuthStart, p.HostStart, p.HostEnd = i+a, i+a, i+a
		return p
	}
	if len(v) >= 2 && isSlash(v[0], true) && isSlash(v[1], true) {
		return authority(2, true, true)
	}
	return p
}

// schemeLen returns the length of the scheme that starts u (ASCII letter,
// then letters, digits, '+', '-', '.') if a colon ends it, or 0.
func schemeLen(u string) int {
	if u == "" || !isAlpha(u[0]) {
		return 0
	}
	for i := 1; i < len(u); i++ {
		c := u[i]
		switch {
		case isAlpha(c) || isDigit(c) || c == '+' || c == '-' || c == '.':
		case c == ':':
			return i
		default:
			return 0
		}
	}
	return 0
}

// authorityHost returns where the host of the authority that starts s
// is in it (the authority runs to the first '/', '?', '#', or, for
// special schemes, '\\'). With userinfo, the host follows the last '@'.
func authorityHost(s string, special, userinfo bool) (int, int) {
	end := len(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '/' || c == '?' || c == '#' || special && c == '\\' {
			end = i
			break
		}
	}
	hs := 0
	if userinfo {
		if k := strings.LastIndexByte(s[:end], '@'); k >= 0 {
			hs = k + 1
		}
	}
	return hs, hs + len(HostOnly(s[hs:end]))
}

// HostOnly returns the host part of a host and port: before the first
// ':' that is not inside brackets.
func HostOnly(hostport string) string {
	inBrackets := false
	for i := 0; i < len(hostport); i++ {
		switch hostport[i] {
		case '[':
			inBrackets = true
		case ']':
			inBrackets = false
		case ':':
			if !inBrackets {
				return hostport[:i]
			}
		}
	}
	return hostport
}

func isSlash(c byte, special bool) bool { return c == '/' || special && c == '\\' }

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Host parses the host of a URL with a special scheme as the WHATWG host
// parser does and returns its serialisation: an IPv6 literal in brackets
// and canonical form, an IPv4 address in dotted decimal (from any of the
// forms browsers accept: 0x7f.1, 2130706433, 0177.0.0.1, 127.1), or a
// domain, percent-decoded, mapped per UTS #46 and in ASCII (Punycode)
// form. Tabs and newlines are removed first.
//
// On failure it returns one of the errors above, with the best-effort
// form of the host that a caller may still match (lower-cased and mapped,
// never empty unless input is).
func Host(input string) (string, error) {
	if strings.ContainsAny(input, "\t\n\r") {
		input = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(input)
	}
	if input == "" {
		return "", ErrEmpty
	}
	if input[0] == '[' {
		if input[len(input)-1] != ']' {
			return strings.ToLower(input), ErrIPv6
		}
		a, ok := parseIPv6(input[1 : len(input)-1])
		if !ok {
			return strings.ToLower(input), ErrIPv6
		}
		return "[" + serializeIPv6(a) + "]", nil
	}
	domain := input
	if strings.IndexByte(domain, '%') >= 0 {
		domain = PercentDecode(domain)
	}
	ascii := idna.ToASCII(domain)
	if ascii == "" {
		return "", ErrEmpty
	}
	for i := 0; i < len(ascii); i++ {
		if forbiddenDomain(ascii[i]) {
			return ascii, ErrForbidden
		}
	}
	if endsInNumber(ascii) {
		v, ok := parseIPv4(ascii)
		if !ok {
			return ascii, ErrIPv4
		}
		return serializeIPv4(v), nil
	}
	return ascii, nil
}

// forbiddenDomain reports whether c is a forbidden domain code point
// (ASCII only: UTS #46 has mapped the rest).
func forbiddenDomain(c byte) bool {
	if c <= 0x20 || c == 0x7f {
		return true
	}
	return strings.IndexByte("#%/:<>?@[\\]^|", c) >= 0
}

// PercentDecode decodes %XX escapes; invalid UTF-8 in the result becomes
// U+FFFD, as the standard's "UTF-8 decode without BOM" does.
func PercentDecode(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

func isHex(c byte) bool { return isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'f' }

func unhex(c byte) byte {
	if isDigit(c) {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}
