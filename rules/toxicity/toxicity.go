// Package toxicity is a rule that denies or flags toxic messages (insults,
// hate speech, harassment, threats, graphic or sexual content, profanity)
// as a model judges them: Amazon Comprehend's toxicity detection
// (DetectToxicContent), or an Amazon Bedrock guardrail's content filters,
// denied topics and word filters (ApplyGuardrail).
//
//	rules:
//	  - rule: toxicity
//	    onError: allow           # fail open when Comprehend is slow or down
//	    options:
//	      threshold: 0.7         # overall toxicity score
//	      labels: {HATE_SPEECH: 0.5, VIOLENCE_OR_THREAT: 0.5}
//	      budget: {timeout: 800ms}
//
// The content and the push notification are judged in the same call.
// Comprehend's toxicity detection reads English only; a message in another
// language is let through unjudged (language: auto asks Comprehend first,
// one call more). The rule needs its host's AWS configuration: a program
// that loads a configuration calls rules.Config.Provision before the first
// message. docs/rules/models.md is the user's guide.
package toxicity

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/comprehend"
	ctypes "github.com/aws/aws-sdk-go-v2/service/comprehend/types"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/modelrule"
	"github.com/chimeflow/chimeflow/rules/models"
)

func init() { rules.Register("toxicity", rules.Define(New)) }

// Action is what the rule does to a toxic message.
type Action string

// Actions.
const (
	// ActionDeny denies the message. The default.
	ActionDeny Action = "deny"
	// ActionFlag delivers the message unchanged and writes what the model
	// found into its metadata, under Config.FlagKey.
	ActionFlag Action = "flag"
)

// UnmarshalText accepts "deny" or "flag".
func (a *Action) UnmarshalText(b []byte) (err error) {
	*a, err = rules.ParseEnum(b, ActionDeny, ActionFlag)
	return err
}

// Defaults.
const (
	// DefaultThreshold is the overall toxicity score at or above which the
	// rule acts, unless Config.Threshold says otherwise.
	DefaultThreshold = 0.7
	// DefaultFlagKey is the metadata key the flag action writes.
	DefaultFlagKey = "toxicity"
	// LanguageAuto asks Comprehend for the message's language first.
	LanguageAuto = "auto"
)

// Languages lists the languages Comprehend's toxicity detection reads.
// The API's LanguageCode takes twelve codes, but its reference says:
// "Currently, English is the only supported language."
var Languages = []string{"en"}

// Labels lists Comprehend's toxic content labels.
var Labels = []string{"GRAPHIC", "HARASSMENT_OR_ABUSE", "HATE_SPEECH", "INSULT", "PROFANITY", "SEXUAL", "VIOLENCE_OR_THREAT"}

// Config configures the toxicity rule. The zero Config denies a message
// whose content or push notification Comprehend scores 0.7 or more
// toxic, in English, within the default budget (models.Budget).
type Config struct {
	// Provider is comprehend (the default) or guardrail.
	Provider models.Provider `yaml:"provider"`
	// Action is deny (the default) or flag.
	Action Action `yaml:"action"`
	// Threshold is the overall toxicity score, from 0 to 1, at or above
	// which the rule acts; nil means DefaultThreshold. Comprehend only.
	Threshold *float64 `yaml:"threshold"`
	// Labels are scores, by label (Labels), at or above which the rule
	// acts whatever the overall score: {HATE_SPEECH: 0.5}. Comprehend only.
	Labels map[string]float64 `yaml:"labels"`
	// Language is the language of the messages, "en" (the default and the
	// only one Comprehend reads for toxicity), or "auto": Comprehend's
	// DetectDominantLanguage names it first, one call more per message,
	// and a message in another language is let through unjudged.
	// Comprehend only.
	Language string `yaml:"language"`
	// Guardrail names the guardrail of the provider guardrail: the rule
	// acts when it blocks (or, in detect mode, finds) something with its
	// content filters, denied topics or word filters.
	Guardrail models.GuardrailRef `yaml:"guardrail"`
	// Scope says which texts are judged: the content and the push
	// notification by default, all in one call.
	Scope rules.Scope `yaml:"scope"`
	// Budget is the latency and cost budget.
	Budget models.Budget `yaml:"budget"`
	// FlagKey is the top-level metadata key the flag action owns;
	// DefaultFlagKey when empty.
	FlagKey string `yaml:"flagKey"`
}

// Rule is the toxicity rule. It is immutable once provisioned and safe for
// concurrent use.
type Rule struct {
	model     modelrule.Model // provider, budget, texts read, client
	action    Action
	threshold float64
	labels    map[string]float64
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
			Plan:     c.Budget.Compile("budget", "toxicity", &bad),
		},
		action:    c.Action,
		threshold: DefaultThreshold,
		language:  c.Language,
		guardrail: c.Guardrail,
		flagKey:   c.FlagKey,
	}
	if r.action == "" {
		r.action = ActionDeny
	}
	if err := (&r.action).UnmarshalText([]byte(r.action)); err != nil {
		bad.Add("action", "%v", err)
	}
	switch {
	case r.flagKey == "":
		r.flagKey = DefaultFlagKey
	case r.action != ActionFlag:
		bad.Add("flagKey", "applies only with action: flag (action is %s)", r.action)
	}
	if r.model.Provider == models.Guardrail {
		if !models.GuardrailLinked() {
			bad.Add("provider", "%v", models.ErrGuardrailNotLinked)
		}
		c.Guardrail.Check("guardrail", &bad)
		for option, given := range map[string]bool{"threshold": c.Threshold != nil, "labels": len(c.Labels) > 0, "language": c.Language != ""} {
			if given {
				bad.Add(option, "applies to the provider comprehend; a guardrail's own filter strengths and topics decide what it finds")
			}
		}
		return r, bad.Err()
	}
	if !c.Guardrail.IsZero() {
		bad.Add("guardrail", "applies to the provider guardrail (provider is %s)", r.model.Provider)
	}
	if c.Threshold != nil {
		if r.threshold = *c.Threshold; !(r.threshold >= 0 && r.threshold <= 1) {
			bad.Add("threshold", "%v is not a score: want 0 to 1", *c.Threshold)
		}
	}
	r.labels = map[string]float64{}
	for _, name := range slices.Sorted(maps.Keys(c.Labels)) {
		score := c.Labels[name]
		switch {
		case !slices.Contains(Labels, name):
			bad.Add("labels."+name, "not a label (want one of %s)", strings.Join(Labels, ", "))
		case !(score >= 0 && score <= 1):
			bad.Add("labels."+name, "%v is not a score: want 0 to 1", score)
		default:
			r.labels[name] = score
		}
	}
	switch {
	case r.language == "":
		r.language = "en"
	case r.language == LanguageAuto || slices.Contains(Languages, r.language):
	default:
		bad.Add("language", "%q: Comprehend's toxicity detection reads %s only (API reference, DetectToxicContent: \"Currently, English is the only supported language\"); say auto to let other languages through unjudged", r.language, strings.Join(Languages, ", "))
	}
	return r, bad.Err()
}

// Provision builds the client of the rule's provider from the host's AWS
// configuration. It is called once, at start-up (rules.Provisioner).
func (r *Rule) Provision(ctx context.Context, h *rules.Host) error {
	if err := r.model.Provision(ctx, h); err != nil {
		return fmt.Errorf("toxicity: %w", err)
	}
	return nil
}

// Finding is what the model found toxic in a message.
type Finding struct {
	// Score is the highest overall toxicity score of the judged texts
	// (Comprehend); 0 from a guardrail.
	Score float64 `json:"score,omitempty"`
	// Labels are the labels at or above their thresholds, or the overall
	// threshold, with their highest scores (Comprehend); or the guardrail's
	// findings: "filter:HATE", "topic:<topic name>", "word".
	Labels map[string]float64 `json:"labels"`
	// Fields are the places judged toxic, in message order
	// ("Content", "PushNotification.Body"); empty from a guardrail, which
	// judges the texts together.
	Fields []string `json:"fields,omitempty"`
}

// Apply judges the covered texts of m and denies or flags a toxic message.
// A message outside the sample, or with nothing worth judging, costs no
// call and is let through; a failed or late call is an error, for the
// stage's error policy to decide on.
func (r *Rule) Apply(ctx context.Context, m *processor.Message) (processor.Verdict, error) {
	f, err := modelrule.Run(ctx, &r.model, m, r.detect, r.applyGuardrail)
	if err != nil {
		return processor.Continue, fmt.Errorf("toxicity: %w", err)
	}
	if r.action == ActionFlag {
		var v any
		if f != nil {
			v = f
		}
		if err := modelrule.SetFlag(m, r.flagKey, v); err != nil {
			return processor.Continue, fmt.Errorf("toxicity: flag: %w", err)
		}
		return processor.Continue, nil
	}
	if f == nil {
		return processor.Continue, nil
	}
	if r.model.Provider == models.Guardrail {
		return processor.Deny("toxicity: guardrail " + r.guardrail.ID + " version " + r.guardrail.Version + ": " + f.reason()), nil
	}
	return processor.Deny("toxicity: " + f.reason()), nil
}

// reason says what was found and where, from the model's labels and the
// configuration only, never the message's words: "score 0.91, INSULT
// 0.88 in Content".
func (f *Finding) reason() string {
	names := slices.Sorted(maps.Keys(f.Labels))
	sort.SliceStable(names, func(i, j int) bool { return f.Labels[names[i]] > f.Labels[names[j]] })
	var parts []string
	if f.Score > 0 {
		parts = append(parts, "score "+strconv.FormatFloat(f.Score, 'f', 2, 64))
	}
	for _, n := range names {
		if s := f.Labels[n]; s > 0 {
			parts = append(parts, n+" "+strconv.FormatFloat(s, 'f', 2, 64))
		} else {
			parts = append(parts, n)
		}
	}
	out := strings.Join(parts, ", ")
	if len(f.Fields) > 0 {
		out += " in " + strings.Join(f.Fields, ", ")
	}
	return out
}

// detect judges the items with Comprehend: one DetectToxicContent call
// for up to 10 segments (10 KB); more segments, in more calls at once.
func (r *Rule) detect(ctx context.Context, items []modelrule.Item) (*Finding, error) {
	if r.language == LanguageAuto {
		lang, err := modelrule.DominantLanguage(ctx, r.model.Comprehend, r.model.Plan, items)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(Languages, lang) {
			return nil, nil // a language toxicity detection does not read
		}
	}
	segs := modelrule.Segments(items)
	if len(segs) == 0 {
		return nil, nil
	}
	ends := modelrule.Batches(len(segs), func(i int) int { return len(segs[i].Text) }, models.MaxSegments, models.MaxSegmentsBytes)
	results := make([]ctypes.ToxicLabels, len(segs))
	errs := make([]error, len(ends))
	var wg sync.WaitGroup
	from := 0
	for b, end := range ends {
		wg.Add(1)
		go func(b, from, end int) {
			defer wg.Done()
			errs[b] = r.model.Plan.Call(ctx, models.ServiceComprehend, "DetectToxicContent", func(ctx context.Context) error {
				in := &comprehend.DetectToxicContentInput{LanguageCode: ctypes.LanguageCode(r.language)}
				if r.language == LanguageAuto {
					in.LanguageCode = ctypes.LanguageCodeEn
				}
				for _, s := range segs[from:end] {
					in.TextSegments = append(in.TextSegments, ctypes.TextSegment{Text: aws.String(s.Text)})
				}
				out, err := r.model.Comprehend.DetectToxicContent(ctx, in)
				if err != nil {
					return err
				}
				if len(out.ResultList) != end-from {
					return fmt.Errorf("%w: %d results for %d segments", errAnswer, len(out.ResultList), end-from)
				}
				copy(results[from:end], out.ResultList)
				return nil
			})
		}(b, from, end)
		from = end
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return r.judge(items, segs, results), nil
}

// errAnswer is an answer that does not fit the question.
var errAnswer = fmt.Errorf("an answer that does not fit the request")

// judge applies the thresholds to Comprehend's results, segment by
// segment; nil means nothing reached a threshold. A segment is toxic when
// its overall score reaches the threshold (its highest label then says
// why) or a label reaches its own threshold.
func (r *Rule) judge(items []modelrule.Item, segs []modelrule.Segment, results []ctypes.ToxicLabels) *Finding {
	f := &Finding{Labels: map[string]float64{}}
	hit := make([]bool, len(items))
	for i, res := range results {
		score := float64(aws.ToFloat32(res.Toxicity))
		toxic := score >= r.threshold
		top, topScore := "", -1.0
		for _, l := range res.Labels {
			name, s := string(l.Name), float64(aws.ToFloat32(l.Score))
			if s > topScore {
				top, topScore = name, s
			}
			if t, named := r.labels[name]; named && s >= t {
				f.Labels[name] = max(f.Labels[name], s)
				toxic = true
			}
		}
		if !toxic {
			continue
		}
		if score >= r.threshold && top != "" {
			f.Labels[top] = max(f.Labels[top], topScore)
		}
		f.Score = max(f.Score, score)
		hit[segs[i].Item] = true
	}
	for i, h := range hit {
		if p := items[i].Place.String(); h && !slices.Contains(f.Fields, p) {
			f.Fields = append(f.Fields, p)
		}
	}
	if len(f.Fields) == 0 {
		return nil
	}
	return f
}

// applyGuardrail judges the items with one ApplyGuardrail call.
func (r *Rule) applyGuardrail(ctx context.Context, items []modelrule.Item) (*Finding, error) {
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
	f := &Finding{Labels: map[string]float64{}}
	for _, c := range a.Filters {
		f.Labels["filter:"+c.Type] = max(f.Labels["filter:"+c.Type], confidence(c.Confidence))
	}
	for _, t := range a.Topics {
		f.Labels["topic:"+t.Name] = 0
	}
	for _, w := range a.Words {
		if w.Type != "" {
			f.Labels["word:"+w.Type] = 0
		} else {
			f.Labels["word"] = 0 // never the word: it is the sender's
		}
	}
	if len(f.Labels) == 0 {
		return nil, nil
	}
	return f, nil
}

// confidence puts a guardrail's confidence level on the scale of scores,
// for flags and reasons: LOW 0.25, MEDIUM 0.5, HIGH 0.75.
func confidence(level string) float64 {
	switch level {
	case "LOW":
		return 0.25
	case "MEDIUM":
		return 0.5
	case "HIGH":
		return 0.75
	}
	return 0
}
