package rules

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Glob is a shell-like pattern: '*' matches any run of characters, slashes
// and colons included, and '?' matches exactly one character. Everything
// else matches itself.
type Glob string

// Match reports whether s matches the whole pattern.
func (g Glob) Match(s string) bool {
	p := string(g)
	// Iterative matching with one backtrack point: linear for patterns
	// with a single '*', O(len(p)*len(s)) at worst, never exponential.
	var px, sx, nextPx, nextSx int
	for px < len(p) || sx < len(s) {
		if px < len(p) {
			switch c := p[px]; c {
			case '*':
				nextPx, nextSx = px, sx+1
				px++
				continue
			case '?':
				if sx < len(s) {
					_, w := utf8.DecodeRuneInString(s[sx:])
					px++
					sx += w
					continue
				}
			default:
				if sx < len(s) && s[sx] == c {
					px++
					sx++
					continue
				}
			}
		}
		if 0 < nextSx && nextSx <= len(s) {
			px, sx = nextPx, nextSx
			continue
		}
		return false
	}
	return true
}

// ParseARNGlob checks that pattern is "*" or looks like an ARN, with globs
// allowed in any part: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
func ParseARNGlob(pattern string) (Glob, error) {
	if pattern == "*" {
		return Glob(pattern), nil
	}
	parts := strings.SplitN(pattern, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		if strings.HasPrefix(pattern, "arn:") && strings.Contains(pattern, "*") && len(parts) < 6 {
			// "arn:aws:chime:*" would match nothing useful: say how to write it.
			return "", fmt.Errorf("ARN glob %q has %d of the 6 colon-separated parts (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE); use * within a part", pattern, len(parts))
		}
		return "", fmt.Errorf("ARN glob %q must look like arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (or be *)", pattern)
	}
	for i, part := range parts[1:5] {
		for _, c := range part {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '*' || c == '?') {
				return "", fmt.Errorf("ARN glob %q: part %d (%q) may hold only a-z, 0-9, '-', '.', '*' and '?'", pattern, i+2, part)
			}
		}
	}
	if parts[5] == "" {
		return "", fmt.Errorf("ARN glob %q has an empty resource part", pattern)
	}
	return Glob(pattern), nil
}

// ParseIDGlob checks a glob over message or sub-channel ids: characters of
// [-_a-zA-Z0-9] and the wildcards '*' and '?'.
func ParseIDGlob(pattern string) (Glob, error) {
	if pattern == "" {
		return "", fmt.Errorf("id glob is empty")
	}
	for _, c := range pattern {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '*' || c == '?') {
			return "", fmt.Errorf("id glob %q may hold only [-_a-zA-Z0-9] and the wildcards * and ?", pattern)
		}
	}
	return Glob(pattern), nil
}
