// Package mentions is the mentions rule: it denies a message that
// mentions more people than a cap, counted in the CHIME.mentions message
// attribute (one member ARN per value: the attribute Chime SDK messaging
// reads to route a message to the bots it mentions) and in the @-mentions
// of the text. It keeps no state.
//
//	rules:
//	  - rule: mentions
//	    options: {max: 5, everyone: [all, here, channel, everyone]}
//
// A message mentions the larger of its two counts: the distinct values of
// CHIME.mentions, and the distinct @handles of its content (a client that
// writes both for each person is not counted twice). docs/rules/mentions.md
// says what counts as an @-mention.
package mentions

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

func init() { rules.Register("mentions", rules.Define(New)) }

// Attribute is the message attribute that lists the members a message
// mentions.
const Attribute = "CHIME.mentions"

// MaxMentions bounds Config.Max.
const MaxMentions = 1000

// Config configures the mentions rule.
type Config struct {
	// Max is the most people a message may mention, 0 to MaxMentions;
	// required.
	Max *int `yaml:"max"`
	// Everyone lists handles that mention the whole channel ("all",
	// "here"): a message that uses one is over the cap, whatever Max.
	// Compared without case; written without the '@'.
	Everyone []string `yaml:"everyone"`
	// Text says whether the @-mentions of the content count; default true.
	Text *bool `yaml:"text"`
}

// Rule is a configured mentions rule.
type Rule struct {
	max      int
	everyone map[string]string // folded handle -> as configured
	text     bool
	reason   string
}

// New checks c and builds the rule.
func New(c Config) (*Rule, error) {
	var bad rules.Problems
	r := &Rule{text: c.Text == nil || *c.Text, everyone: map[string]string{}}
	switch {
	case c.Max == nil:
		bad.Add("max", "required: the most people a message may mention, from 0 to %d", MaxMentions)
	case *c.Max < 0 || *c.Max > MaxMentions:
		bad.Add("max", "%d is out of range: from 0 to %d", *c.Max, MaxMentions)
	default:
		r.max = *c.Max
	}
	for i, h := range c.Everyone {
		bare := strings.TrimPrefix(h, "@")
		folded := string(appendHandle(nil, bare))
		if folded == "" || strings.ContainsFunc(bare, func(r rune) bool { return !isHandleRune(r) }) {
			bad.Add(fmt.Sprintf("everyone.%d", i), "%q is not a handle: letters, digits, '.', '_' and '-'", h)
			continue
		}
		r.everyone[folded] = h
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	r.reason = fmt.Sprintf("mentions: more than %d people mentioned", r.max)
	return r, nil
}

// Apply denies a message over the cap.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	attr := countAttribute(m.MessageAttributes[Attribute].StringValues)
	if attr > r.max {
		return processor.Deny(r.reason), nil
	}
	if !r.text {
		return processor.Continue, nil
	}
	n, everyone := r.countText(m.Content)
	switch {
	case everyone != "":
		return processor.Deny("mentions: @" + everyone + " mentions everyone"), nil
	case n > r.max:
		return processor.Deny(r.reason), nil
	}
	return processor.Continue, nil
}

// countAttribute counts the distinct non-blank values.
func countAttribute(values []string) int {
	n := 0
	for i, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		dup := false
		for _, w := range values[:i] {
			if strings.TrimSpace(w) == v {
				dup = true
				break
			}
		}
		if !dup {
			n++
		}
	}
	return n
}

// countText returns the number of distinct @handles in s and, when one is
// an Everyone handle, that handle as configured. Handles are told apart by
// a 64-bit FNV-1a hash of their compared form; it does not allocate for up
// to 32 of them.
func (r *Rule) countText(s string) (int, string) {
	var seenBuf [32]uint64
	seen := seenBuf[:0]
	var hbuf [64]byte
	for i := 0; i < len(s); {
		at, size := utf8.DecodeRuneInString(s[i:])
		if !isAt(at) || wordBefore(s[:i]) {
			i += size
			continue
		}
		j := i + size
		for j < len(s) {
			c, n := utf8.DecodeRuneInString(s[j:])
			if !isHandleRune(c) && !isInvisible(c) {
				break
			}
			j += n
		}
		h := appendHandle(hbuf[:0], s[i+size:j])
		i = j
		if len(h) == 0 {
			continue
		}
		if len(r.everyone) > 0 {
			if e, ok := r.everyone[string(h)]; ok {
				return len(seen), e
			}
		}
		if sum := fnv64(h); !slices.Contains(seen, sum) {
			seen = append(seen, sum)
		}
	}
	return len(seen), ""
}

// fnv64 is the 64-bit FNV-1a hash of b.
func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// isAt reports whether r is a commercial at or one of its look-alikes.
func isAt(r rune) bool { return r == '@' || r == '\uFF20' || r == '\uFE6B' }

// isHandleRune reports whether r can be part of a handle.
func isHandleRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || r == '.' || r == '_' || r == '-'
}

// isInvisible reports whether r renders as nothing (a format character).
func isInvisible(r rune) bool { return unicode.Is(unicode.Cf, r) }

// wordBefore reports whether the visible character before the end of s is
// part of a word: an @ there is an e-mail address, not a mention.
func wordBefore(s string) bool {
	for len(s) > 0 {
		r, n := utf8.DecodeLastRuneInString(s)
		if !isInvisible(r) {
			return unicode.IsLetter(r) || unicode.IsDigit(r)
		}
		s = s[:len(s)-n]
	}
	return false
}

// appendHandle appends the handle h as compared: invisible characters
// dropped, case folded, trailing dots, dashes and underscores (sentence
// punctuation, markdown emphasis) dropped.
func appendHandle(dst []byte, h string) []byte {
	for _, r := range h {
		if isInvisible(r) {
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	for len(dst) > 0 && (dst[len(dst)-1] == '.' || dst[len(dst)-1] == '-' || dst[len(dst)-1] == '_') {
		dst = dst[:len(dst)-1]
	}
	return dst
}
