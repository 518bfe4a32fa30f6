package profanity

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

func init() { rules.Register("profanity", rules.Define(New)) }

// Action is what the rule does to a message that holds profanity.
type Action string

// Actions.
const (
	// ActionMask replaces the offending characters with the mask character
	// and lets the message through. The default.
	ActionMask Action = "mask"
	// ActionDeny denies the message.
	ActionDeny Action = "deny"
	// ActionFlag lets the message through unchanged and annotates its
	// metadata (see Config.FlagKey).
	ActionFlag Action = "flag"
)

// UnmarshalText accepts "mask", "deny" or "flag".
func (a *Action) UnmarshalText(b []byte) (err error) {
	*a, err = rules.ParseEnum(b, ActionMask, ActionDeny, ActionFlag)
	return err
}

// DefaultFlagKey is the metadata key the flag action writes unless
// Config.FlagKey says otherwise.
const DefaultFlagKey = "profanity"

// Config configures the profanity rule; the YAML option names are given in
// the field tags. The zero Config masks, with '*', the words of the
// built-in lexicon of moderate severity and above, in the content and the
// push notification.
type Config struct {
	// Action is mask (the default), deny or flag.
	Action Action `yaml:"action"`
	// MaskChar is the character that replaces each offending character;
	// default "*". It must be one character, not a letter, digit or space.
	MaskChar string `yaml:"maskChar"`
	// MinSeverity is the least severity acted on: mild, moderate (the
	// default) or severe.
	MinSeverity Severity `yaml:"minSeverity"`
	// Categories restricts the categories acted on (profanity, sexual,
	// insult, slur); empty means all.
	Categories []Category `yaml:"categories"`
	// ExtraWords adds words, always acted on: "word" matches the whole
	// word, "word*" the word with a common ending, "*word*" anywhere in a
	// word.
	ExtraWords []string `yaml:"extraWords"`
	// AllowWords are words never acted on (names, products...).
	AllowWords []string `yaml:"allowWords"`
	// Scope says which texts the rule reads and masks: the content and the
	// push notification's title and body by default, so that a masked
	// message cannot leak through its notification.
	Scope rules.Scope `yaml:"scope"`
	// FlagKey is the top-level metadata key the flag action owns:
	// DefaultFlagKey when empty. Where the flag cannot be written (the
	// metadata is not empty or a JSON object, or the flag would make it
	// longer than 1024 characters), the rule masks the message instead.
	FlagKey string `yaml:"flagKey"`
}

// Rule is the profanity rule: a processor.Rule built from a Config. It
// is immutable and safe for concurrent use.
type Rule struct {
	filter   *Filter
	action   Action
	mask     rune
	texts    *rules.Texts
	flagKey  string
	fallback rules.Rewriter // see mask
}

// New builds the rule from c, reporting every problem with c by its
// option's path (see rules.Problems).
func New(c Config) (*Rule, error) {
	var bad rules.Problems
	r := &Rule{action: c.Action, mask: '*', flagKey: c.FlagKey, texts: c.Scope.Compile("scope", &bad)}
	if r.action == "" {
		r.action = ActionMask
	}
	if err := (&r.action).UnmarshalText([]byte(r.action)); err != nil {
		bad.Add("action", "%v", err)
	}
	if c.MaskChar != "" {
		m, err := parseMask(c.MaskChar)
		if err != nil {
			bad.Add("maskChar", "%v", err)
		}
		r.mask = m
	}
	switch {
	case r.flagKey == "":
		r.flagKey = DefaultFlagKey
	case r.action != ActionFlag:
		bad.Add("flagKey", "applies only with action: flag (action is %s)", r.action)
	}
	if c.MinSeverity > Severe {
		bad.Add("minSeverity", "%d is not a severity (want mild, moderate or severe)", c.MinSeverity)
	}
	for i, cat := range c.Categories {
		if err := new(Category).UnmarshalText([]byte(cat)); err != nil {
			bad.Add("categories."+strconv.Itoa(i), "%v", err)
		}
	}
	fc := FilterConfig{MinSeverity: c.MinSeverity, Categories: c.Categories, ExtraWords: c.ExtraWords, AllowWords: c.AllowWords}
	f, err := NewFilter(fc)
	if err != nil && bad.Len() == 0 {
		badWords(&bad, "extraWords", c.ExtraWords, func(w string) FilterConfig { return FilterConfig{ExtraWords: []string{w}} })
		badWords(&bad, "allowWords", c.AllowWords, func(w string) FilterConfig { return FilterConfig{AllowWords: []string{w}} })
		if bad.Len() == 0 {
			bad.Add("", "%s", strings.TrimPrefix(err.Error(), "profanity: "))
		}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	r.filter = f
	if r.mask == '"' || r.mask == '\\' {
		// JSON escapes them: a masked character takes two in JSON
		// metadata, where a document that would no longer fit is masked
		// with '*' instead.
		r.fallback = func(_ rules.Place, s string) string {
			masked, _ := f.Mask(s, '*')
			return masked
		}
	}
	return r, nil
}

// badWords reports each word of the option list that a filter cannot use
// on its own.
func badWords(bad *rules.Problems, option string, words []string, config func(w string) FilterConfig) {
	for i, w := range words {
		if _, err := NewFilter(config(w)); err != nil {
			bad.Add(option+"."+strconv.Itoa(i), "%s", strings.TrimPrefix(err.Error(), "profanity: "))
		}
	}
}

func parseMask(s string) (rune, error) {
	r, size := utf8.DecodeRuneInString(s)
	if size != len(s) || r == utf8.RuneError {
		return 0, fmt.Errorf("%q is not one character", s)
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Mn, r) {
		return 0, fmt.Errorf("%q is a letter, digit, space or control character", s)
	}
	return r, nil
}

// Filter returns the rule's filter.
func (r *Rule) Filter() *Filter { return r.filter }

// Apply masks, denies or flags a message that holds profanity in the
// texts its scope covers. A clean message costs no allocation. It never
// fails: a mask takes no more characters than what it masks, and a flag
// that cannot be written gives way to a mask.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	switch r.action {
	case ActionDeny:
		if place, match, ok := r.first(m); ok {
			return processor.Deny(fmt.Sprintf("profanity: %s word of %s severity in %s", match.Category, match.Severity, place)), nil
		}
		return processor.Continue, nil
	case ActionFlag:
		if r.flag(m) {
			return processor.Continue, nil
		}
	}
	r.maskTexts(m)
	return processor.Continue, nil
}

// maskTexts masks the profanity of the texts the rule's scope covers.
func (r *Rule) maskTexts(m *processor.Message) {
	r.texts.RewriteOr(m, func(_ rules.Place, s string) string {
		masked, _ := r.filter.Mask(s, r.mask)
		return masked
	}, r.fallback)
}

// first returns the first profane word of the covered texts, and where it
// is.
func (r *Rule) first(m *processor.Message) (place rules.Place, match Match, ok bool) {
	r.texts.Each(m, func(p rules.Place, text string) bool {
		if match, ok = r.filter.Find(text); ok {
			place = p
		}
		return !ok
	})
	return place, match, ok
}

// Flag is the value the flag action writes under Config.FlagKey.
type Flag struct {
	// Severity is the highest severity found.
	Severity Severity `json:"severity"`
	// Categories are the categories found, sorted.
	Categories []Category `json:"categories"`
	// Fields are the places that hold profanity, in message order, named
	// as rules.Place names them ("Content", "PushNotification.Body",
	// "Metadata.caption").
	Fields []string `json:"fields"`
	// Count is the number of profane words found.
	Count int `json:"count"`
}

// flag annotates the metadata of a message that holds profanity, and
// reports whether it did what the flag action does: it reports false,
// having removed whatever the sender put under the flag key, when the
// flag cannot be written (the metadata is not empty or a JSON object, or
// the flag would not fit in it), so that the message is masked instead.
// The rule owns its key: a value the sender put there is removed from a
// clean message, so that no client takes it for the rule's.
func (r *Rule) flag(m *processor.Message) bool {
	var fl Flag
	r.texts.Each(m, func(p rules.Place, text string) bool {
		if !r.filter.Contains(text) {
			return true // no allocation for a clean text
		}
		before := fl.Count
		for match := range r.filter.All(text) {
			fl.Count++
			fl.Severity = max(fl.Severity, match.Severity)
			if !slices.Contains(fl.Categories, match.Category) {
				fl.Categories = append(fl.Categories, match.Category)
			}
		}
		if place := p.String(); fl.Count > before && !slices.Contains(fl.Fields, place) {
			fl.Fields = append(fl.Fields, place)
		}
		return true
	})
	// Removing a key keeps the rest byte for byte: never longer.
	if doc, ok := rules.DeleteMetadataKey(m.Metadata, r.flagKey); ok {
		m.Metadata = doc
	}
	if fl.Count == 0 {
		return true
	}
	slices.Sort(fl.Categories)
	raw, err := json.Marshal(fl) // place names, lexicon names and numbers: it cannot fail
	if err != nil {
		return false
	}
	doc, ok := rules.SetMetadataKey(m.Metadata, r.flagKey, raw)
	if !ok || utf8.RuneCountInString(doc) > messaging.MaxMetadataLen || messaging.LineBreak(doc) >= 0 {
		return false // U+0085 in a configured place name: encoding/json leaves it raw
	}
	m.Metadata = doc
	return true
}
