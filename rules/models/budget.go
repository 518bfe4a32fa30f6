package models

import (
	"context"
	"errors"
	"hash/fnv"
	"strings"
	"time"
	"unicode"

	"github.com/chimeflow/chimeflow/rules"
)

// Defaults of a Budget.
const (
	// DefaultTimeout bounds the model calls of one message: the message
	// waits, pending and visible to its sender only, until the callback.
	DefaultTimeout = time.Second
	// DefaultMinChars is the least number of letters and digits a text
	// needs to be worth a model call.
	DefaultMinChars = 3
	// DefaultRetries is how many times a throttled or failed call is
	// retried within the timeout.
	DefaultRetries = 1
	// MaxTimeout bounds Budget.Timeout: the processor must still call back
	// within the Lambda function's own timeout.
	MaxTimeout = 10 * time.Second
	// MaxRetries bounds Budget.Retries.
	MaxRetries = 5
)

// Budget is the latency and cost budget of a model rule: how long a
// message may wait for the model, which messages are worth a call, and
// what share of them is checked. The zero Budget is the default: a one
// second timeout, one retry, texts with fewer than three letters or
// digits, only emoji, symbols and punctuation, or only links skipped,
// every message checked.
//
// What happens when the model does not answer in time, or answers an
// error, is the rule's error policy: the stage's onError (or the
// pipeline's). deny (the default) fails closed: the message is denied;
// allow fails open: the message goes on as if the rule had passed it, and
// the error is logged and counted.
type Budget struct {
	// Timeout bounds the model calls of one message, retries included;
	// zero means DefaultTimeout. At most MaxTimeout.
	Timeout time.Duration `yaml:"timeout"`
	// Retries is how many times a throttled, failed or unanswered call is
	// retried, within the timeout; nil means DefaultRetries, 0 none.
	Retries *int `yaml:"retries"`
	// MinChars skips a text with fewer letters and digits than this (an
	// "ok", a "+1"); nil means DefaultMinChars, 0 skips none for length.
	MinChars *int `yaml:"minChars"`
	// SkipEmojiOnly skips a text of only emoji, symbols, punctuation and
	// spaces, with no letter or digit at all; nil means true.
	SkipEmojiOnly *bool `yaml:"skipEmojiOnly"`
	// SkipLinksOnly skips a text that is only links (http://, https:// or
	// www. words), which the links rule judges; nil means true.
	SkipLinksOnly *bool `yaml:"skipLinksOnly"`
	// Sample is the share of messages checked, above 0 and at most 1;
	// nil means 1, every message. The choice is made from the message id,
	// so that a message delivered twice, or edited, is chosen the same way.
	Sample *float64 `yaml:"sample"`
}

// Plan is a checked Budget, ready to use. It is immutable and safe for
// concurrent use.
type Plan struct {
	timeout       time.Duration
	retries       int
	minChars      int
	skipEmojiOnly bool
	skipLinksOnly bool
	sample        float64
	salt          string
}

// Compile checks b, recording each problem in bad under option (the
// budget's own option name, usually "budget"), and returns its Plan. salt
// makes the sample of one rule independent of another's: the rule's name
// serves.
func (b Budget) Compile(option, salt string, bad *rules.Problems) *Plan {
	p := &Plan{timeout: b.Timeout, retries: DefaultRetries, minChars: DefaultMinChars, skipEmojiOnly: true, skipLinksOnly: true, sample: 1, salt: salt}
	switch {
	case b.Timeout == 0:
		p.timeout = DefaultTimeout
	case b.Timeout < 0 || b.Timeout > MaxTimeout:
		bad.Add(join(option, "timeout"), "%s is not a timeout: want more than 0 and at most %s", b.Timeout, MaxTimeout)
	}
	if b.Retries != nil {
		if p.retries = *b.Retries; p.retries < 0 || p.retries > MaxRetries {
			bad.Add(join(option, "retries"), "%d: want 0 to %d", *b.Retries, MaxRetries)
		}
	}
	if b.MinChars != nil {
		if p.minChars = *b.MinChars; p.minChars < 0 {
			bad.Add(join(option, "minChars"), "%d: want 0 or more", *b.MinChars)
		}
	}
	if b.SkipEmojiOnly != nil {
		p.skipEmojiOnly = *b.SkipEmojiOnly
	}
	if b.SkipLinksOnly != nil {
		p.skipLinksOnly = *b.SkipLinksOnly
	}
	if b.Sample != nil {
		if p.sample = *b.Sample; !(p.sample > 0 && p.sample <= 1) {
			bad.Add(join(option, "sample"), "%v: want a share above 0 and at most 1 (0.25 checks a quarter of the messages)", *b.Sample)
		}
	}
	return p
}

// Timeout returns the time the model calls of one message may take.
func (p *Plan) Timeout() time.Duration { return p.timeout }

// Retries returns how many times a call is retried.
func (p *Plan) Retries() int { return p.retries }

// Sampled reports whether the message with this id is in the sample. The
// answer depends only on the id and the salt: a duplicate delivery, or an
// edit, gets the same answer.
func (p *Plan) Sampled(messageID string) bool {
	if p.sample >= 1 {
		return true
	}
	h := fnv.New64a()
	h.Write([]byte(p.salt))
	h.Write([]byte{0})
	h.Write([]byte(messageID))
	// FNV's high bits hardly change with the last bytes: mix them all
	// (murmur3's finaliser) before taking the top 53 bits as a fraction.
	x := h.Sum64()
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return float64(x>>11)/(1<<53) < p.sample
}

// Worth reports whether text is worth a model call: not skipped for being
// too short, only emoji and symbols, or only links.
func (p *Plan) Worth(text string) bool {
	alnum := 0
	for _, r := range text {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			alnum++
		}
	}
	if alnum < p.minChars {
		return false
	}
	if alnum == 0 && p.skipEmojiOnly {
		return false
	}
	if p.skipLinksOnly && onlyLinks(text) {
		return false
	}
	return true
}

// onlyLinks reports whether every word of text is a link.
func onlyLinks(text string) bool {
	words := strings.Fields(text)
	if len(words) == 0 {
		return false
	}
	for _, w := range words {
		lw := strings.ToLower(strings.Trim(w, "<>()[]\"'"))
		if !(strings.HasPrefix(lw, "https://") || strings.HasPrefix(lw, "http://") || strings.HasPrefix(lw, "www.")) || len(lw) < 8 {
			return false
		}
	}
	return true
}

// Context returns ctx bounded by the plan's timeout: the budget of all
// the model calls of one message.
func (p *Plan) Context(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, p.timeout)
}

// Call runs fn, under a ctx that Context bounded, and turns what goes
// wrong into an error that names the service, the operation, the error
// code and the HTTP status, and never what the service said (which may
// quote the message): a *CallError, matching ErrTimeout when ctx's time
// ran out.
func (p *Plan) Call(ctx context.Context, service, operation string, fn func(ctx context.Context) error) error {
	start := time.Now()
	err := fn(ctx)
	if err == nil {
		return nil
	}
	return newCallError(service, operation, err, errors.Is(ctx.Err(), context.DeadlineExceeded), time.Since(start), p.timeout)
}
