package awsmodeltest

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ToxicLabels are the labels of DetectToxicContent, in the model's order.
var ToxicLabels = []string{"GRAPHIC", "HARASSMENT_OR_ABUSE", "HATE_SPEECH", "INSULT", "PROFANITY", "SEXUAL", "VIOLENCE_OR_THREAT"}

// ToxicResult is the answer for one text segment: a score for some labels
// (the others score 0) and the overall toxicity.
type ToxicResult struct {
	Labels   map[string]float64 `json:"labels,omitempty"`
	Toxicity float64            `json:"toxicity,omitempty"`
}

// ToxicOutput returns a DetectToxicContent answer with one result per
// segment, in order, each listing every label, as the service does.
func ToxicOutput(results ...ToxicResult) map[string]any {
	list := make([]any, len(results))
	for i, r := range results {
		labels := make([]any, len(ToxicLabels))
		for j, name := range ToxicLabels {
			labels[j] = map[string]any{"Name": name, "Score": r.Labels[name]}
		}
		list[i] = map[string]any{"Labels": labels, "Toxicity": r.Toxicity}
	}
	return map[string]any{"ResultList": list}
}

// PiiEntity is an entity to find in a DetectPiiEntities text, by its text.
type PiiEntity struct {
	Type  string  `json:"type"`
	Text  string  `json:"text"`
	Score float64 `json:"score,omitempty"` // 0 means 0.99
}

// PiiOutput returns a DetectPiiEntities answer for text that reports every
// occurrence of each entity's text, with BeginOffset and EndOffset counted
// in characters (Unicode code points) from the start of text, the end
// exclusive, as the service counts them. An entity whose text does not
// occur is an error.
func PiiOutput(text string, entities ...PiiEntity) (map[string]any, error) {
	list := []any{}
	for _, e := range entities {
		if e.Text == "" {
			return nil, fmt.Errorf("awsmodeltest: entity %s has no text", e.Type)
		}
		score := e.Score
		if score == 0 {
			score = 0.99
		}
		found := false
		for from := 0; ; {
			i := strings.Index(text[from:], e.Text)
			if i < 0 {
				break
			}
			found = true
			begin := utf8.RuneCountInString(text[:from+i])
			end := begin + utf8.RuneCountInString(e.Text)
			list = append(list, map[string]any{"Type": e.Type, "Score": score, "BeginOffset": begin, "EndOffset": end})
			from += i + len(e.Text)
		}
		if !found {
			return nil, fmt.Errorf("awsmodeltest: entity %s: its text does not occur in the request", e.Type)
		}
	}
	return map[string]any{"Entities": list}, nil
}

// LanguageOutput returns a DetectDominantLanguage answer naming one
// language.
func LanguageOutput(code string, score float64) map[string]any {
	return map[string]any{"Languages": []any{map[string]any{"LanguageCode": code, "Score": score}}}
}

// GuardrailFilter is one content filter's finding.
type GuardrailFilter struct {
	Type       string `json:"type"`       // HATE, INSULTS, SEXUAL, VIOLENCE, MISCONDUCT, PROMPT_ATTACK
	Confidence string `json:"confidence"` // NONE, LOW, MEDIUM, HIGH
	Action     string `json:"action"`     // BLOCKED, NONE
}

// GuardrailTopic is one denied topic's finding.
type GuardrailTopic struct {
	Name   string `json:"name"`
	Action string `json:"action"` // BLOCKED, NONE
}

// GuardrailPii is one sensitive-information finding.
type GuardrailPii struct {
	Type   string `json:"type"` // ADDRESS, EMAIL, PHONE, ...
	Match  string `json:"match"`
	Action string `json:"action"` // ANONYMIZED, BLOCKED, NONE
}

// GuardrailResult is what a guardrail found in a request.
type GuardrailResult struct {
	Filters []GuardrailFilter `json:"filters,omitempty"`
	Topics  []GuardrailTopic  `json:"topics,omitempty"`
	Words   []string          `json:"words,omitempty"` // custom words blocked
	Pii     []GuardrailPii    `json:"pii,omitempty"`
}

// GuardrailOutput returns an ApplyGuardrail answer reporting r in one
// assessment; the action is GUARDRAIL_INTERVENED when a finding's action
// is not NONE. The usage counts one text unit per started 1,000
// characters of texts for each policy that reported.
func GuardrailOutput(texts []string, r GuardrailResult) map[string]any {
	units := 0
	for _, t := range texts {
		units += (utf8.RuneCountInString(t) + 999) / 1000
	}
	intervened := false
	act := func(a string) string {
		if a != "" && a != "NONE" {
			intervened = true
		}
		if a == "" {
			return "NONE"
		}
		return a
	}
	assessment := map[string]any{}
	usage := map[string]any{"topicPolicyUnits": 0, "contentPolicyUnits": 0, "wordPolicyUnits": 0, "sensitiveInformationPolicyUnits": 0, "sensitiveInformationPolicyFreeUnits": 0, "contextualGroundingPolicyUnits": 0}
	if len(r.Filters) > 0 {
		fs := make([]any, len(r.Filters))
		for i, f := range r.Filters {
			a := act(f.Action)
			fs[i] = map[string]any{"type": f.Type, "confidence": f.Confidence, "action": a, "detected": a != "NONE" || f.Confidence != "NONE"}
		}
		assessment["contentPolicy"] = map[string]any{"filters": fs}
		usage["contentPolicyUnits"] = units
	}
	if len(r.Topics) > 0 {
		ts := make([]any, len(r.Topics))
		for i, t := range r.Topics {
			a := act(t.Action)
			ts[i] = map[string]any{"name": t.Name, "type": "DENY", "action": a, "detected": true}
		}
		assessment["topicPolicy"] = map[string]any{"topics": ts}
		usage["topicPolicyUnits"] = units
	}
	if len(r.Words) > 0 {
		ws := make([]any, len(r.Words))
		for i, w := range r.Words {
			ws[i] = map[string]any{"match": w, "action": act("BLOCKED"), "detected": true}
		}
		assessment["wordPolicy"] = map[string]any{"customWords": ws, "managedWordLists": []any{}}
		usage["wordPolicyUnits"] = units
	}
	if len(r.Pii) > 0 {
		ps := make([]any, len(r.Pii))
		for i, p := range r.Pii {
			a := act(p.Action)
			ps[i] = map[string]any{"type": p.Type, "match": p.Match, "action": a, "detected": true}
		}
		assessment["sensitiveInformationPolicy"] = map[string]any{"piiEntities": ps, "regexes": []any{}}
		usage["sensitiveInformationPolicyUnits"] = units
	}
	action := "NONE"
	outputs := []any{}
	if intervened {
		action = "GUARDRAIL_INTERVENED"
		outputs = append(outputs, map[string]any{"text": "Sorry, the guardrail blocked this text."})
	}
	assessments := []any{}
	if len(assessment) > 0 {
		assessments = append(assessments, assessment)
	}
	return map[string]any{"action": action, "outputs": outputs, "assessments": assessments, "usage": usage}
}

// DefaultOutput is the clean answer of an operation to a request about
// texts: every toxic label scored 0, no personal data, English, a
// guardrail that does not intervene.
func DefaultOutput(op string, texts []string) map[string]any {
	switch op {
	case OpDetectToxicContent:
		return ToxicOutput(make([]ToxicResult, len(texts))...)
	case OpDetectPiiEntities:
		return map[string]any{"Entities": []any{}}
	case OpDetectDominantLanguage:
		return LanguageOutput("en", 0.99)
	case OpApplyGuardrail:
		return GuardrailOutput(texts, GuardrailResult{})
	}
	return map[string]any{}
}
