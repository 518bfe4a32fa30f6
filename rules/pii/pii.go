// Package pii is a rule that masks, denies or flags personal data as a
// model finds it: Amazon Comprehend's DetectPiiEntities, or an Amazon
// Bedrock guardrail's sensitive information filters (ApplyGuardrail).
//
//	rules:
//	  - rule: pii
//	    options:
//	      entities: [CREDIT_DEBIT_NUMBER, SSN, EMAIL, PHONE]
//	      scope: {metadata: [note]}
//	      budget: {timeout: 800ms}
//
// Every covered text (the content and the push notification by default,
// metadata values and attributes when the scope says so) goes to the model
// in one call, and what it finds is masked where the user typed it: the
// model's offsets count characters (Unicode code points), mapped back to
// the message byte for byte, invisible characters inside an entity
// included. The rule needs its host's AWS configuration: a program that
// loads a configuration calls rules.Config.Provision before the first
// message. docs/rules/models.md is the user's guide.
package pii

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/comprehend"
	ctypes "github.com/aws/aws-sdk-go-v2/service/comprehend/types"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/modelrule"
	"github.com/chimeflow/chimeflow/rules/internal/textmap"
	"github.com/chimeflow/chimeflow/rules/models"
)

func init() { rules.Register("pii", rules.Define(New)) }

// Action is what the rule does to a message that holds personal data.
type Action string

// Actions.
const (
	// ActionMask masks the personal data and lets the message through. The
	// default.
	ActionMask Action = "mask"
	// ActionDeny denies the message.
	ActionDeny Action = "deny"
	// ActionFlag delivers the message unchanged and writes the kinds and
	// places of what was found (never the data) into its metadata, under
	// Config.FlagKey.
	ActionFlag Action = "flag"
)

// UnmarshalText accepts "mask", "deny" or "flag".
func (a *Action) UnmarshalText(b []byte) (err error) {
	*a, err = rules.ParseEnum(b, ActionMask, ActionDeny, ActionFlag)
	return err
}

// MaskStyle is how masked data is written.
type MaskStyle string

// Mask styles.
const (
	// MaskChars replaces each character with Config.MaskChar: the text
	// keeps its length. The default.
	MaskChars MaskStyle = "chars"
	// MaskType replaces each entity with its type in brackets: "[PHONE]".
	MaskType MaskStyle = "type"
)

// UnmarshalText accepts "chars" or "type".
func (s *MaskStyle) UnmarshalText(b []byte) (err error) {
	*s, err = rules.ParseEnum(b, MaskChars, MaskType)
	return err
}

// Defaults.
const (
	// DefaultMinScore is the least confidence of a Comprehend entity the
	// rule acts on.
	DefaultMinScore = 0.5
	// DefaultFlagKey is the metadata key the flag action writes.
	DefaultFlagKey = "pii"
	// LanguageAuto asks Comprehend for the message's language first.
	LanguageAuto = "auto"
	// AllEntities in Config.Entities stands for every type.
	AllEntities = "*"
)

// Languages lists the languages DetectPiiEntities reads (its reference:
// "Enter the language code for English (en) or Spanish (es)").
var Languages = []string{"en", "es"}

// DefaultEntities are the Comprehend entity types acted on when
// Config.Entities is empty: secrets, payment data and government ids.
// Names, addresses, e-mail addresses, telephone numbers, dates, ages,
// URLs, user names and network addresses, which people share in chat on
// purpose, are acted on only when named.
var DefaultEntities = []string{
	"AWS_ACCESS_KEY", "AWS_SECRET_KEY", "PASSWORD", "PIN",
	"BANK_ACCOUNT_NUMBER", "BANK_ROUTING", "CREDIT_DEBIT_NUMBER", "CREDIT_DEBIT_CVV", "CREDIT_DEBIT_EXPIRY",
	"INTERNATIONAL_BANK_ACCOUNT_NUMBER", "SWIFT_CODE",
	"SSN", "PASSPORT_NUMBER", "DRIVER_ID", "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER",
	"UK_NATIONAL_INSURANCE_NUMBER", "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "UK_NATIONAL_HEALTH_SERVICE_NUMBER",
	"CA_SOCIAL_INSURANCE_NUMBER", "CA_HEALTH_NUMBER",
	"IN_PERMANENT_ACCOUNT_NUMBER", "IN_NREGA", "IN_AADHAAR", "IN_VOTER_NUMBER",
}

// GuardrailEntities are the entity types of a guardrail's sensitive
// information filters (the GuardrailPiiEntityType of the Bedrock Runtime
// model; a test holds the list to the official client's enum).
var GuardrailEntities = []string{
	"ADDRESS", "AGE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "CA_HEALTH_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
	"CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY", "CREDIT_DEBIT_CARD_NUMBER", "DRIVER_ID", "EMAIL",
	"INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "LICENSE_PLATE", "MAC_ADDRESS", "NAME", "PASSWORD",
	"PHONE", "PIN", "SWIFT_CODE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER",
	"UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "URL", "USERNAME", "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER",
	"US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_PASSPORT_NUMBER", "US_SOCIAL_SECURITY_NUMBER",
	"VEHICLE_IDENTIFICATION_NUMBER",
}

// separator joins the covered texts into the one text DetectPiiEntities
// reads: a blank line, so that no entity reads across two places.
const separator = "\n\n"

// Config configures the pii rule. The zero Config masks, with '*', the
// DefaultEntities Comprehend finds with a confidence of 0.5 or more in
// the content and the push notification, in English, within the default
// budget (models.Budget).
type Config struct {
	// Provider is comprehend (the default) or guardrail.
	Provider models.Provider `yaml:"provider"`
	// Action is mask (the default), deny or flag.
	Action Action `yaml:"action"`
	// Entities are the entity types acted on, in the provider's names
	// (Comprehend: SSN, CREDIT_DEBIT_NUMBER...; a guardrail:
	// US_SOCIAL_SECURITY_NUMBER, CREDIT_DEBIT_CARD_NUMBER...), or "*" for
	// all. Empty means DefaultEntities for Comprehend, and everything a
	// guardrail reports (its own policy chose the types), its regular
	// expressions included.
	Entities []string `yaml:"entities"`
	// MinScore is the least confidence, from 0 to 1, of an entity the rule
	// acts on; nil means DefaultMinScore. Comprehend only.
	MinScore *float64 `yaml:"minScore"`
	// MaskStyle is chars (the default) or type.
	MaskStyle MaskStyle `yaml:"maskStyle"`
	// MaskChar is the character of MaskChars; default "*".
	MaskChar string `yaml:"maskChar"`
	// Language is "en" (the default), "es", or "auto": Comprehend's
	// DetectDominantLanguage names it first, one call more per message,
	// and a message in another language is let through unread.
	// Comprehend only.
	Language string `yaml:"language"`
	// Guardrail names the guardrail of the provider guardrail.
	Guardrail models.GuardrailRef `yaml:"guardrail"`
	// Scope says which texts are read and masked: the content and the
	// push notification by default.
	Scope rules.Scope `yaml:"scope"`
	// Budget is the latency and cost budget.
	Budget models.Budget `yaml:"budget"`
	// FlagKey is the top-level metadata key the flag action owns;
	// DefaultFlagKey when empty.
	FlagKey string `yaml:"flagKey"`
}

// Rule is the pii rule. It is immutable once provisioned and safe for
// concurrent use.
type Rule struct {
	model     modelrule.Model // provider, budget, texts read, client
	action    Action
	entities  []string // nil means all
	minScore  float64
	style     MaskStyle
	mask      string
	language  string
	guardrail models.GuardrailRef
	flagKey   string
}

// New builds the rule from c, reporting every problem by its option's
// path. The rule calls nothing until it is provisioned (Provision).
func New(c Config) (*Rule, error) {
	var bad rules.Problems
	r := &Rule{
		model: modelrule.Model{
			Provider: c.Provider.Check("provider", &bad),
			Texts:    c.Scope.Compile("scope", &bad),
			Plan:     c.Budget.Compile("budget", "pii", &bad),
		},
		action:    c.Action,
		minScore:  DefaultMinScore,
		style:     c.MaskStyle,
		mask:      "*",
		language:  c.Language,
		guardrail: c.Guardrail,
		flagKey:   c.FlagKey,
	}
	if r.action == "" {
		r.action = ActionMask
	}
	if err := (&r.action).UnmarshalText([]byte(r.action)); err != nil {
		bad.Add("action", "%v", err)
	}
	if r.style == "" {
		r.style = MaskChars
	}
	if err := (&r.style).UnmarshalText([]byte(r.style)); err != nil {
		bad.Add("maskStyle", "%v", err)
	}
	if c.MaskChar != "" {
		if ch, n := utf8.DecodeRuneInString(c.MaskChar); n != len(c.MaskChar) || ch == utf8.RuneError || !maskable(ch) {
			bad.Add("maskChar", "%q: want one character that is not a letter, digit, space or control character", c.MaskChar)
		}
		r.mask = c.MaskChar
		if r.style != MaskChars {
			bad.Add("maskChar", "applies only with maskStyle: chars")
		}
	}
	if r.action != ActionMask && (c.MaskChar != "" || c.MaskStyle != "") {
		bad.Add("", "maskChar and maskStyle apply only with action: mask (action is %s)", r.action)
	}
	switch {
	case r.flagKey == "":
		r.flagKey = DefaultFlagKey
	case r.action != ActionFlag:
		bad.Add("flagKey", "applies only with action: flag (action is %s)", r.action)
	}
	known := knownComprehend()
	if r.model.Provider == models.Guardrail {
		known = GuardrailEntities
		if !models.GuardrailLinked() {
			bad.Add("provider", "%v", models.ErrGuardrailNotLinked)
		}
		c.Guardrail.Check("guardrail", &bad)
		for option, given := range map[string]bool{"minScore": c.MinScore != nil, "language": c.Language != ""} {
			if given {
				bad.Add(option, "applies to the provider comprehend; a guardrail's own policy decides what it finds")
			}
		}
	} else if !c.Guardrail.IsZero() {
		bad.Add("guardrail", "applies to the provider guardrail (provider is %s)", r.model.Provider)
	}
	r.entities = checkEntities(c.Entities, known, r.model.Provider, &bad)
	if r.model.Provider == models.Comprehend {
		if c.MinScore != nil {
			if r.minScore = *c.MinScore; !(r.minScore >= 0 && r.minScore <= 1) {
				bad.Add("minScore", "%v is not a score: want 0 to 1", *c.MinScore)
			}
		}
		switch {
		case r.language == "":
			r.language = "en"
		case r.language == LanguageAuto || slices.Contains(Languages, r.language):
		default:
			bad.Add("language", "%q: DetectPiiEntities reads %s only; say auto to let other languages through unread", r.language, strings.Join(Languages, ", "))
		}
	}
	return r, bad.Err()
}

// maskable reports whether r may mask: not a letter, digit, space or
// control character, which would read as data.
func maskable(r rune) bool {
	return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsSpace(r) && !unicode.IsControl(r)
}

// knownComprehend lists Comprehend's entity types, from the official
// client's enum.
func knownComprehend() []string {
	var out []string
	for _, v := range ctypes.PiiEntityType("").Values() {
		if v != ctypes.PiiEntityTypeAll {
			out = append(out, string(v))
		}
	}
	return out
}

// checkEntities checks the configured entity types against the provider's
// and returns those to act on, nil for all.
func checkEntities(given, known []string, p models.Provider, bad *rules.Problems) []string {
	if len(given) == 0 {
		if p == models.Comprehend {
			return DefaultEntities
		}
		return nil
	}
	var out []string
	for i, e := range given {
		switch {
		case e == AllEntities:
			if len(given) > 1 {
				bad.Add(fmt.Sprintf("entities.%d", i), `"*" stands for every type: give it alone`)
			}
			return nil
		case slices.Contains(given[:i], e):
			bad.Add(fmt.Sprintf("entities.%d", i), "%q given twice", e)
		case !slices.Contains(known, e):
			bad.Add(fmt.Sprintf("entities.%d", i), "%q is not an entity type of the provider %s (want one of %s, or \"*\")", e, p, strings.Join(known, ", "))
		default:
			out = append(out, e)
		}
	}
	return out
}

// Provision builds the client of the rule's provider from the host's AWS
// configuration. It is called once, at start-up (rules.Provisioner).
func (r *Rule) Provision(ctx context.Context, h *rules.Host) error {
	if err := r.model.Provision(ctx, h); err != nil {
		return fmt.Errorf("pii: %w", err)
	}
	return nil
}

// Flag is the value the flag action writes under Config.FlagKey: the kinds
// and places of what was found, never the data.
type Flag struct {
	// Types are the entity types found, sorted.
	Types []string `json:"types"`
	// Fields are the places that hold them, in message order.
	Fields []string `json:"fields"`
	// Count is the number of entities found.
	Count int `json:"count"`
}

// span is a byte range of a covered text that holds an entity.
type span struct {
	from, to int
	kind     string
}

// found is what the model found in a message: for each item, its spans.
type found struct {
	items []modelrule.Item
	spans [][]span
	count int
}

// Apply reads the covered texts of m and masks, denies or flags the
// personal data the model finds. A message outside the sample, or with
// nothing worth reading, costs no call and is let through; a failed or
// late call is an error, for the stage's error policy to decide on.
func (r *Rule) Apply(ctx context.Context, m *processor.Message) (processor.Verdict, error) {
	f, err := modelrule.Run(ctx, &r.model, m, r.detect, r.applyGuardrail)
	if err != nil {
		return processor.Continue, fmt.Errorf("pii: %w", err)
	}
	switch r.action {
	case ActionFlag:
		var v any
		if f != nil {
			v = f.flag()
		}
		if err := modelrule.SetFlag(m, r.flagKey, v); err != nil {
			return processor.Continue, fmt.Errorf("pii: flag: %w", err)
		}
		return processor.Continue, nil
	case ActionDeny:
		if f != nil {
			fl := f.flag()
			return processor.Deny(fmt.Sprintf("pii: %s in %s", strings.Join(fl.Types, ", "), strings.Join(fl.Fields, ", "))), nil
		}
		return processor.Continue, nil
	}
	if f != nil {
		r.maskAll(m, f)
	}
	return processor.Continue, nil
}

func (f *found) flag() *Flag {
	fl := &Flag{Count: f.count}
	for i, spans := range f.spans {
		if len(spans) == 0 {
			continue
		}
		if p := f.items[i].Place.String(); !slices.Contains(fl.Fields, p) {
			fl.Fields = append(fl.Fields, p)
		}
		for _, s := range spans {
			if !slices.Contains(fl.Types, s.kind) {
				fl.Types = append(fl.Types, s.kind)
			}
		}
	}
	slices.Sort(fl.Types)
	return fl
}

// maskAll masks the spans of each item in its text, where the walk of the
// covered texts finds it again.
func (r *Rule) maskAll(m *processor.Message, f *found) {
	byVisit := map[int]int{}
	for i, it := range f.items {
		if len(f.spans[i]) > 0 {
			byVisit[it.Visit] = i
		}
	}
	visit := 0
	r.model.Texts.Rewrite(m, func(_ rules.Place, s string) string {
		i, ok := byVisit[visit]
		visit++
		if !ok || s != f.items[i].Text.Orig {
			return s
		}
		return r.maskText(s, f.spans[i])
	})
}

// maskText masks the spans of s, merged where they overlap.
func (r *Rule) maskText(s string, spans []span) string {
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	var b strings.Builder
	last := 0
	for i := 0; i < len(spans); {
		cur := spans[i]
		for i++; i < len(spans) && spans[i].from < cur.to; i++ {
			cur.to = max(cur.to, spans[i].to)
		}
		if cur.from < last {
			cur.from = last
		}
		b.WriteString(s[last:cur.from])
		if r.style == MaskType {
			b.WriteString("[" + cur.kind + "]")
		} else {
			b.WriteString(strings.Repeat(r.mask, utf8.RuneCountInString(s[cur.from:cur.to])))
		}
		last = cur.to
	}
	b.WriteString(s[last:])
	return b.String()
}

// detect reads the items with Comprehend: their texts joined in one
// DetectPiiEntities call (more calls, at once, past 100 KB).
func (r *Rule) detect(ctx context.Context, items []modelrule.Item) (*found, error) {
	lang := r.language
	if lang == LanguageAuto {
		var err error
		if lang, err = modelrule.DominantLanguage(ctx, r.model.Comprehend, r.model.Plan, items); err != nil {
			return nil, err
		}
		if !slices.Contains(Languages, lang) {
			return nil, nil // a language DetectPiiEntities does not read
		}
	}
	ends := modelrule.Batches(len(items), func(i int) int { return len(items[i].Text.Sent) + len(separator) }, len(items), models.MaxTextBytes)
	f := &found{items: items, spans: make([][]span, len(items))}
	errs := make([]error, len(ends))
	var mu sync.Mutex
	var wg sync.WaitGroup
	from := 0
	for b, end := range ends {
		wg.Add(1)
		go func(b, from, end int) {
			defer wg.Done()
			texts := make([]textmap.Text, end-from)
			for i := range texts {
				texts[i] = items[from+i].Text
			}
			joined := textmap.Join(texts, separator)
			var out *comprehend.DetectPiiEntitiesOutput
			errs[b] = r.model.Plan.Call(ctx, models.ServiceComprehend, "DetectPiiEntities", func(ctx context.Context) error {
				var err error
				out, err = r.model.Comprehend.DetectPiiEntities(ctx, &comprehend.DetectPiiEntitiesInput{Text: aws.String(joined.Sent), LanguageCode: ctypes.LanguageCode(lang)})
				return err
			})
			if errs[b] != nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, e := range out.Entities {
				kind := string(e.Type)
				if aws.ToFloat32(e.Score) < float32(r.minScore) || r.entities != nil && !slices.Contains(r.entities, kind) {
					continue
				}
				places, ok := joined.Locate(int(aws.ToInt32(e.BeginOffset)), int(aws.ToInt32(e.EndOffset)))
				if !ok {
					errs[b] = fmt.Errorf("comprehend DetectPiiEntities: %w: a %s entity at characters %d to %d of a text of %d", errOffsets, kind, aws.ToInt32(e.BeginOffset), aws.ToInt32(e.EndOffset), joined.Len())
					return
				}
				f.count++
				for _, p := range places {
					f.spans[from+p.Part] = append(f.spans[from+p.Part], span{from: p.From, to: p.To, kind: kind})
				}
			}
		}(b, from, end)
		from = end
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if f.count == 0 {
		return nil, nil
	}
	return f, nil
}

// errOffsets is an entity whose offsets fall outside the text sent: the
// rule cannot know what to mask, and masks nothing rather than the wrong
// thing.
var errOffsets = fmt.Errorf("offsets outside the text")

// errUnlocated is personal data a guardrail reports that the rule cannot
// find in the texts it sent.
var errUnlocated = fmt.Errorf("personal data the guardrail reports is not in the texts sent")

// applyGuardrail reads the items with one ApplyGuardrail call and locates
// what its sensitive information filters report in the texts.
func (r *Rule) applyGuardrail(ctx context.Context, items []modelrule.Item) (*found, error) {
	texts := modelrule.GuardrailText(items)
	var a *models.Assessment
	err := r.model.Plan.Call(ctx, models.ServiceBedrockRuntime, "ApplyGuardrail", func(ctx context.Context) error {
		var err error
		a, err = r.model.Bedrock.Apply(ctx, r.guardrail, texts)
		return err
	})
	if err != nil {
		return nil, err
	}
	type finding struct{ kind, match string }
	var all []finding
	for _, e := range a.Entities {
		if r.entities == nil || slices.Contains(r.entities, e.Type) {
			all = append(all, finding{e.Type, e.Match})
		}
	}
	if r.entities == nil {
		for _, e := range a.Regexes {
			all = append(all, finding{"REGEX:" + e.Name, e.Match})
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	f := &found{items: items, spans: make([][]span, len(items)), count: len(all)}
	for _, fd := range all {
		located := false
		for i := range items {
			for _, sp := range locate(&items[i].Text, fd.match) {
				f.spans[i] = append(f.spans[i], span{from: sp[0], to: sp[1], kind: fd.kind})
				located = true
			}
		}
		if !located {
			return nil, fmt.Errorf("bedrock-runtime ApplyGuardrail: %w (a %s)", errUnlocated, fd.kind)
		}
	}
	return f, nil
}

// locate returns the byte ranges of the original text that hold each
// occurrence of match in the prepared text.
func locate(t *textmap.Text, match string) [][2]int {
	if match == "" {
		return nil
	}
	var out [][2]int
	for from := 0; ; {
		i := strings.Index(t.Sent[from:], match)
		if i < 0 {
			return out
		}
		b := utf8.RuneCountInString(t.Sent[:from+i])
		if lo, hi, ok := t.Span(b, b+utf8.RuneCountInString(match)); ok {
			out = append(out, [2]int{lo, hi})
		}
		from += i + len(match)
	}
}
