package profanity

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

func init() { rules.Register("profanity", factory) }

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
	// metadata (see Options.FlagKey).
	ActionFlag Action = "flag"
)

// UnmarshalText accepts "mask", "deny" or "flag".
func (a *Action) UnmarshalText(b []byte) error {
	switch v := Action(b); v {
	case ActionMask, ActionDeny, ActionFlag:
		*a = v
		return nil
	}
	return fmt.Errorf("unknown action %q (want mask, deny or flag)", b)
}

// Options configure the profanity rule. The zero Options mask, with '*',
// the words of the built-in lexicon of moderate severity and above, in the
// content and the push notification.
type Options struct {
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
	// Push applies the rule to the push notification's title and body as
	// well as to the content; default true, so that a masked message
	// cannot leak through its notification.
	Push *bool `yaml:"push"`
	// MetadataFields lists top-level fields of JSON-object metadata whose
	// string values the rule applies to; "*" for every field. Metadata
	// that is not a JSON object is left alone.
	MetadataFields []string `yaml:"metadataFields"`
	// Attributes lists the message attributes whose values the rule
	// applies to; "*" for every attribute.
	Attributes []string `yaml:"attributes"`
	// FlagKey is the metadata key the flag action writes; default
	// "profanity". The message's metadata must be empty or a JSON object.
	FlagKey string `yaml:"flagKey"`
}

// Rule is the profanity rule: a processor.Rule built from Options. It is
// immutable and safe for concurrent use.
type Rule struct {
	filter   *Filter
	action   Action
	mask     rune
	push     bool
	metadata []string
	attrs    []string
	flagKey  string
}

// Field names in deny reasons and flags.
const (
	fieldContent   = "Content"
	fieldPushTitle = "PushNotification.Title"
	fieldPushBody  = "PushNotification.Body"
)

// NewRule builds the rule from its options.
func NewRule(o Options) (*Rule, error) {
	r := &Rule{action: o.Action, mask: '*', push: o.Push == nil || *o.Push, flagKey: o.FlagKey}
	if r.action == "" {
		r.action = ActionMask
	}
	if err := (&r.action).UnmarshalText([]byte(r.action)); err != nil {
		return nil, fmt.Errorf("profanity: %w", err)
	}
	if o.MaskChar != "" {
		m, err := parseMask(o.MaskChar)
		if err != nil {
			return nil, fmt.Errorf("profanity: maskChar: %w", err)
		}
		r.mask = m
	}
	if r.flagKey == "" {
		r.flagKey = "profanity"
	}
	f, err := NewFilter(Config{MinSeverity: o.MinSeverity, Categories: o.Categories, ExtraWords: o.ExtraWords, AllowWords: o.AllowWords})
	if err != nil {
		return nil, err
	}
	r.filter = f
	r.metadata = slices.Clone(o.MetadataFields)
	r.attrs = slices.Clone(o.Attributes)
	return r, nil
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

// factory builds the rule from a configuration file's options, reporting
// every problem at its place in the file.
func factory(opts rules.Options) (processor.Rule, error) {
	var o Options
	if err := opts.Decode(&o); err != nil {
		return nil, err
	}
	bad := false
	report := func(option string, err error) {
		opts.Errorf(option, "%s", strings.TrimPrefix(err.Error(), "profanity: "))
		bad = true
	}
	if o.MaskChar != "" {
		if _, err := parseMask(o.MaskChar); err != nil {
			report("maskChar", err)
		}
	}
	for i, w := range o.ExtraWords {
		if _, err := extraEntry(w); err != nil {
			report(fmt.Sprintf("extraWords.%d", i), err)
		}
	}
	for i, w := range o.AllowWords {
		if _, err := NewFilter(Config{AllowWords: []string{w}}); err != nil {
			report(fmt.Sprintf("allowWords.%d", i), err)
		}
	}
	for i, k := range o.MetadataFields {
		if k == "" {
			report(fmt.Sprintf("metadataFields.%d", i), fmt.Errorf("empty field name"))
		}
	}
	for i, k := range o.Attributes {
		if k == "" || utf8.RuneCountInString(k) > 64 {
			report(fmt.Sprintf("attributes.%d", i), fmt.Errorf("attribute names have 1 to 64 characters"))
		}
	}
	if bad {
		return nil, rules.ErrBadOptions
	}
	r, err := NewRule(o)
	if err != nil {
		return nil, opts.Errorf("", "%s", strings.TrimPrefix(err.Error(), "profanity: "))
	}
	return r, nil
}

// Filter returns the rule's filter.
func (r *Rule) Filter() *Filter { return r.filter }

// Apply masks, denies or flags a message that holds profanity in the
// fields the rule covers. A clean message costs no allocation.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	switch r.action {
	case ActionDeny:
		if field, match, ok := r.first(m); ok {
			return processor.Deny(fmt.Sprintf("profanity: %s word of %s severity in %s", match.Category, match.Severity, field)), nil
		}
		return processor.Continue, nil
	case ActionFlag:
		return processor.Continue, r.flag(m)
	}
	return processor.Continue, r.maskMessage(m)
}

// maskMessage masks every covered field in place.
func (r *Rule) maskMessage(m *processor.Message) error {
	if s, n := r.filter.Mask(m.Content, r.mask); n > 0 {
		m.Content = s
	}
	if p := m.PushNotification; r.push && p != nil {
		if s, n := r.filter.Mask(p.Title, r.mask); n > 0 {
			p.Title = s
		}
		if s, n := r.filter.Mask(p.Body, r.mask); n > 0 {
			p.Body = s
		}
	}
	if len(r.metadata) > 0 && r.metadataMayHold(m.Metadata) {
		s, err := r.maskMetadata(m.Metadata)
		if err != nil {
			return err
		}
		m.Metadata = s
	}
	if len(r.attrs) > 0 {
		for name, v := range m.MessageAttributes {
			if !covers(r.attrs, name) {
				continue
			}
			for i, s := range v.StringValues {
				if masked, n := r.filter.Mask(s, r.mask); n > 0 {
					v.StringValues[i] = masked
				}
			}
		}
	}
	return nil
}

// metadataMayHold is a cheap test on the raw metadata: JSON escapes aside,
// a field cannot hold a word the raw text does not.
func (r *Rule) metadataMayHold(raw string) bool {
	return strings.Contains(raw, `\u`) || r.filter.Contains(raw)
}

func covers(names []string, name string) bool {
	for _, n := range names {
		if n == "*" || n == name {
			return true
		}
	}
	return false
}

// maskMetadata masks the covered string fields of JSON-object metadata,
// rewriting only their values: every other byte is kept.
func (r *Rule) maskMetadata(raw string) (string, error) {
	var b strings.Builder
	last := 0
	err := r.metadataStrings(raw, func(key string, start, end int, value string) error {
		masked, n := r.filter.Mask(value, r.mask)
		if n == 0 {
			return nil
		}
		var enc bytes.Buffer
		e := json.NewEncoder(&enc)
		e.SetEscapeHTML(false)
		if err := e.Encode(masked); err != nil {
			return fmt.Errorf("profanity: encode metadata field %q: %w", key, err)
		}
		b.WriteString(raw[last:start])
		b.Write(bytes.TrimSuffix(enc.Bytes(), []byte("\n")))
		last = end
		return nil
	})
	if err != nil || last == 0 {
		return raw, err
	}
	b.WriteString(raw[last:])
	return b.String(), nil
}

// metadataStrings calls fn, in order, for each covered top-level string
// field of JSON-object metadata, with the byte span of its encoded value.
// Metadata that is not a JSON object has no fields.
func (r *Rule) metadataStrings(raw string, fn func(key string, start, end int, value string) error) error {
	dec := json.NewDecoder(strings.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := t.(string)
		start := int(dec.InputOffset())
		for start < len(raw) && strings.IndexByte(": \t\r\n", raw[start]) >= 0 {
			start++
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil
		}
		end := int(dec.InputOffset())
		if len(v) == 0 || v[0] != '"' || !covers(r.metadata, key) {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			continue
		}
		if err := fn(key, start, end, s); err != nil {
			return err
		}
	}
	return nil
}

// each calls fn for each covered field's text, in message order, until fn
// returns false.
func (r *Rule) each(m *processor.Message, fn func(field, text string) bool) {
	if !fn(fieldContent, m.Content) {
		return
	}
	if p := m.PushNotification; r.push && p != nil {
		if !fn(fieldPushTitle, p.Title) || !fn(fieldPushBody, p.Body) {
			return
		}
	}
	if len(r.metadata) > 0 && r.metadataMayHold(m.Metadata) {
		stop := false
		_ = r.metadataStrings(m.Metadata, func(key string, _, _ int, value string) error {
			if !stop && !fn("Metadata."+key, value) {
				stop = true
			}
			return nil
		})
		if stop {
			return
		}
	}
	if len(r.attrs) > 0 && r.attributesMayHold(m) {
		names := make([]string, 0, len(m.MessageAttributes))
		for name := range m.MessageAttributes {
			if covers(r.attrs, name) {
				names = append(names, name)
			}
		}
		slices.Sort(names)
		for _, name := range names {
			for _, s := range m.MessageAttributes[name].StringValues {
				if !fn("MessageAttributes."+name, s) {
					return
				}
			}
		}
	}
}

// attributesMayHold reports, without allocating, whether a covered message
// attribute holds profanity.
func (r *Rule) attributesMayHold(m *processor.Message) bool {
	for name, v := range m.MessageAttributes {
		if covers(r.attrs, name) {
			for _, s := range v.StringValues {
				if r.filter.Contains(s) {
					return true
				}
			}
		}
	}
	return false
}

// first returns the first profane word of the covered fields.
func (r *Rule) first(m *processor.Message) (field string, match Match, ok bool) {
	r.each(m, func(f, text string) bool {
		match, ok = r.filter.Find(text)
		if ok {
			field = f
		}
		return !ok
	})
	return field, match, ok
}

// Flag is the value the flag action writes under Options.FlagKey.
type Flag struct {
	// Severity is the highest severity found.
	Severity Severity `json:"severity"`
	// Categories are the categories found, sorted.
	Categories []Category `json:"categories"`
	// Fields are the fields that hold profanity, in message order.
	Fields []string `json:"fields"`
	// Count is the number of profane words found.
	Count int `json:"count"`
}

// flag annotates the metadata of a message that holds profanity.
func (r *Rule) flag(m *processor.Message) error {
	var fl Flag
	r.each(m, func(field, text string) bool {
		if !r.filter.Contains(text) {
			return true // no allocation for a clean field
		}
		before := fl.Count
		for match := range r.filter.All(text) {
			fl.Count++
			fl.Severity = max(fl.Severity, match.Severity)
			if !slices.Contains(fl.Categories, match.Category) {
				fl.Categories = append(fl.Categories, match.Category)
			}
		}
		if fl.Count > before {
			fl.Fields = append(fl.Fields, field)
		}
		return true
	})
	if fl.Count == 0 {
		return nil
	}
	slices.Sort(fl.Categories)
	if err := m.SetMetadataField(r.flagKey, fl); err != nil {
		return fmt.Errorf("profanity: flag: %w", err)
	}
	return nil
}
