package awsmodeltest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/chimeflow/chimeflow/internal/awsmodel"
)

// Recording is a file of model answers, for replays without AWS: a
// Server given one (Config.Recording) answers each request from it. The
// file is JSON:
//
//	{"answers": [
//	  {"operation": "DetectToxicContent", "contains": "idiot",
//	   "toxic": {"labels": {"INSULT": 0.97}, "toxicity": 0.93}},
//	  {"operation": "DetectPiiEntities",
//	   "entities": [{"type": "PHONE", "text": "555-0100"}]},
//	  {"operation": "DetectDominantLanguage", "contains": "bonjour", "language": "fr"},
//	  {"operation": "ApplyGuardrail", "contains": "crypto tips",
//	   "guardrail": {"topics": [{"name": "investment advice", "action": "BLOCKED"}]}},
//	  {"operation": "DetectToxicContent", "contains": "slow day", "fault": "timeout"},
//	  {"operation": "DetectPiiEntities", "contains": "as recorded", "output": {"Entities": []}}
//	]}
//
// An answer applies to a request of its operation when one of the
// request's texts contains its "contains" (every request when it is
// empty). DetectToxicContent is answered segment by segment: each segment
// gets the "toxic" scores of the first answer that applies to it, zero
// scores when none does. DetectPiiEntities reports the "entities" of
// every answer that applies, at each place their text occurs, the offsets
// counted as the service counts them. The other operations take the first
// answer that applies. "output" is an answer body as the service sent it
// (a recorded answer), checked against the model when the file is loaded;
// "fault" is throttle, error (500), unavailable (503), access-denied or
// timeout (no answer at all). A request no answer applies to gets the
// clean default answer (DefaultOutput). The first answer that applies
// and gives "output" or "fault" decides the whole request.
type Recording struct {
	Answers []RecordedAnswer `json:"answers"`
}

// RecordedAnswer is one answer of a Recording.
type RecordedAnswer struct {
	Operation string           `json:"operation"`
	Contains  string           `json:"contains,omitempty"`
	Toxic     *ToxicResult     `json:"toxic,omitempty"`
	Entities  []PiiEntity      `json:"entities,omitempty"`
	Language  string           `json:"language,omitempty"`
	Guardrail *GuardrailResult `json:"guardrail,omitempty"`
	Output    json.RawMessage  `json:"output,omitempty"`
	Fault     string           `json:"fault,omitempty"`
}

// recordedFaults are the faults a Recording names.
var recordedFaults = map[string]Fault{
	"throttle":      Throttle(),
	"error":         ServerError(),
	"unavailable":   Unavailable(),
	"access-denied": AccessDenied(),
	"timeout":       Hang(),
}

// LoadRecording reads and checks a Recording file.
func LoadRecording(path string) (*Recording, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("awsmodeltest: recording: %w", err)
	}
	return ParseRecording(b, path)
}

// ParseRecording decodes and checks a Recording; source names it in
// errors. Unknown fields, operations the Server does not serve, fields
// that do not fit the operation and verbatim outputs that break the
// model's output shape are errors.
func ParseRecording(data []byte, source string) (*Recording, error) {
	var r Recording
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("awsmodeltest: recording %s: %w", source, err)
	}
	svcs, err := models()
	if err != nil {
		return nil, err
	}
	var problems []string
	for i, a := range r.Answers {
		bad := func(format string, args ...any) {
			problems = append(problems, fmt.Sprintf("answers[%d] (%s): %s", i, a.Operation, fmt.Sprintf(format, args...)))
		}
		var model *awsmodel.Model
		for _, s := range svcs {
			if _, ok := s.model.Operations[a.Operation]; ok {
				model = s.model
			}
		}
		if model == nil {
			bad("not an operation the stand-in serves (%s, %s, %s, %s)", OpDetectToxicContent, OpDetectPiiEntities, OpDetectDominantLanguage, OpApplyGuardrail)
			continue
		}
		given := 0
		for _, set := range []bool{a.Toxic != nil, len(a.Entities) > 0, a.Language != "", a.Guardrail != nil, len(a.Output) > 0, a.Fault != ""} {
			if set {
				given++
			}
		}
		if given != 1 {
			bad("give exactly one of toxic, entities, language, guardrail, output, fault")
			continue
		}
		switch {
		case a.Fault != "":
			if _, ok := recordedFaults[a.Fault]; !ok {
				bad("fault %q: want throttle, error, unavailable, access-denied or timeout", a.Fault)
			}
		case len(a.Output) > 0:
			doc, err := awsmodel.DecodeObject(a.Output)
			if err != nil {
				bad("output: %v", err)
				continue
			}
			for _, p := range model.CheckOutput(model.Operations[a.Operation], doc) {
				bad("output: %s", p)
			}
		case a.Toxic != nil && a.Operation != OpDetectToxicContent,
			len(a.Entities) > 0 && a.Operation != OpDetectPiiEntities,
			a.Language != "" && a.Operation != OpDetectDominantLanguage,
			a.Guardrail != nil && a.Operation != OpApplyGuardrail:
			bad("this kind of answer does not fit the operation")
		}
		for j, e := range a.Entities {
			if e.Text == "" || e.Type == "" {
				bad("entities[%d]: give its type and text", j)
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("awsmodeltest: recording %s:\n  %s", source, strings.Join(problems, "\n  "))
	}
	return &r, nil
}

// applies reports whether a applies to a request about texts.
func (a *RecordedAnswer) applies(texts ...string) bool {
	if a.Contains == "" {
		return true
	}
	for _, t := range texts {
		if strings.Contains(t, a.Contains) {
			return true
		}
	}
	return false
}

// Answer returns the recorded answer to req (see Recording).
func (r *Recording) Answer(req *Request) Answer {
	var mine []*RecordedAnswer
	for i := range r.Answers {
		if a := &r.Answers[i]; a.Operation == req.Operation && a.applies(req.Texts...) {
			mine = append(mine, a)
		}
	}
	if len(mine) == 0 {
		return Answer{}
	}
	for _, a := range mine {
		switch {
		case a.Fault != "":
			f := recordedFaults[a.Fault]
			return Answer{Fault: &f}
		case len(a.Output) > 0:
			return Answer{Output: a.Output}
		}
	}
	switch req.Operation {
	case OpDetectToxicContent:
		results := make([]ToxicResult, len(req.Texts))
		for i, t := range req.Texts {
			for _, a := range mine {
				if a.Toxic != nil && a.applies(t) {
					results[i] = *a.Toxic
					break
				}
			}
		}
		return Answer{Output: ToxicOutput(results...)}
	case OpDetectPiiEntities:
		text := ""
		if len(req.Texts) > 0 {
			text = req.Texts[0]
		}
		var ents []PiiEntity
		for _, a := range mine {
			for _, e := range a.Entities {
				if strings.Contains(text, e.Text) {
					ents = append(ents, e)
				}
			}
		}
		out, err := PiiOutput(text, ents...)
		if err != nil {
			f := ServerError()
			f.Message = err.Error()
			return Answer{Fault: &f}
		}
		return Answer{Output: out}
	}
	a := mine[0]
	switch {
	case a.Language != "":
		return Answer{Output: LanguageOutput(a.Language, 0.99)}
	case a.Guardrail != nil:
		return Answer{Output: GuardrailOutput(req.Texts, *a.Guardrail)}
	}
	return Answer{}
}
