package toxicity_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/awsmodeltest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/models"
	_ "github.com/chimeflow/chimeflow/rules/models/guardrail"
	"github.com/chimeflow/chimeflow/rules/toxicity"
)

// standIn starts the Comprehend and Bedrock stand-in; at the end of the
// test every request must have conformed to the models.
func standIn(t *testing.T) *awsmodeltest.Server {
	t.Helper()
	s := awsmodeltest.NewServer(awsmodeltest.Config{})
	t.Cleanup(func() {
		s.Close()
		assert.Zero(t, s.Nonconforming(), "nonconforming: %q", s.Problems())
		assert.Empty(t, s.Problems())
	})
	return s
}

// host offers the stand-in's AWS configuration and an empty environment.
func host(s *awsmodeltest.Server) *rules.Host {
	return rules.NewHost(rules.WithAWSConfig(s.AWSConfig()), rules.WithHostGetenv(func(string) string { return "" }))
}

// newRule builds the rule from YAML options, as a configuration file does,
// and provisions it from the stand-in.
func newRule(t *testing.T, s *awsmodeltest.Server, options string) *toxicity.Rule {
	t.Helper()
	return processortest.NewRule(t, "toxicity", options, rules.WithAWSConfig(s.AWSConfig()), rules.WithHostGetenv(func(string) string { return "" })).(*toxicity.Rule)
}

// scores answers DetectToxicContent: a segment holding a key of byWord
// gets its result, the others score 0.
func scores(byWord map[string]awsmodeltest.ToxicResult) awsmodeltest.Handler {
	return func(r *awsmodeltest.Request) awsmodeltest.Answer {
		results := make([]awsmodeltest.ToxicResult, len(r.Texts))
		for i, t := range r.Texts {
			for w, res := range byWord {
				if strings.Contains(t, w) {
					results[i] = res
				}
			}
		}
		return awsmodeltest.Answer{Output: awsmodeltest.ToxicOutput(results...)}
	}
}

var insult = awsmodeltest.ToxicResult{Labels: map[string]float64{"INSULT": 0.95, "PROFANITY": 0.4}, Toxicity: 0.9}

func apply(t *testing.T, r processor.Rule, ev *processor.Event) (processor.Verdict, error, *processor.Message) {
	t.Helper()
	m := processor.NewMessage(ev)
	v, err := r.Apply(context.Background(), m)
	return v, err, m
}

func TestDeniesToxicAndPassesClean(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectToxicContent, scores(map[string]awsmodeltest.ToxicResult{"idiot": insult}))
	r := newRule(t, s, "")

	out := processortest.RunRule(t, r, processortest.NewEvent("you are an idiot"))
	assert.Equal(t, processor.ActionDeny, out.Action)
	assert.Equal(t, "toxicity: score 0.90, INSULT 0.95 in Content", out.Reason)
	assert.NotContains(t, out.Reason, "idiot", "a reason never quotes the message")

	out = processortest.RunRule(t, r, processortest.NewEvent("have a lovely day"))
	assert.Equal(t, processor.ActionAllow, out.Action)
	assert.Equal(t, 2, s.Count(awsmodeltest.OpDetectToxicContent))
}

// TestPushInTheSameCall: the content, the push notification's title and
// body go in one call, in that order, and the place of the toxic one is
// named.
func TestPushInTheSameCall(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectToxicContent, scores(map[string]awsmodeltest.ToxicResult{"idiot": insult}))
	r := newRule(t, s, "")
	out := processortest.RunRule(t, r, processortest.NewEvent("see you at noon", processortest.WithPush("New message", "from an idiot")))
	assert.Equal(t, processor.ActionDeny, out.Action)
	assert.Equal(t, "toxicity: score 0.90, INSULT 0.95 in PushNotification.Body", out.Reason)
	calls := s.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, []string{"see you at noon", "New message", "from an idiot"}, calls[0].Texts)
	assert.Equal(t, "en", calls[0].Params["LanguageCode"])
}

func TestThresholds(t *testing.T) {
	mild := awsmodeltest.ToxicResult{Labels: map[string]float64{"HATE_SPEECH": 0.55, "INSULT": 0.3}, Toxicity: 0.5}
	tests := []struct {
		name    string
		options string
		result  awsmodeltest.ToxicResult
		reason  string // "" means allowed
	}{
		{"overall below the default", "", mild, ""},
		{"overall at the threshold", "threshold: 0.5", mild, "toxicity: score 0.50, HATE_SPEECH 0.55 in Content"},
		{"a label at its threshold", "labels: {HATE_SPEECH: 0.55}", mild, "toxicity: score 0.50, HATE_SPEECH 0.55 in Content"},
		{"a label below its threshold", "labels: {HATE_SPEECH: 0.6}", mild, ""},
		{"an unnamed label does not act alone", "labels: {INSULT: 0.9}", mild, ""},
		{"threshold 1 leaves the labels to act", "threshold: 1\nlabels: {INSULT: 0.9}", insult, "toxicity: score 0.90, INSULT 0.95 in Content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := standIn(t)
			s.Handle(awsmodeltest.OpDetectToxicContent, scores(map[string]awsmodeltest.ToxicResult{"text": tt.result}))
			out := processortest.RunRule(t, newRule(t, s, tt.options), processortest.NewEvent("some text"))
			if tt.reason == "" {
				assert.Equal(t, processor.ActionAllow, out.Action, out.Reason)
				return
			}
			assert.Equal(t, processor.ActionDeny, out.Action)
			assert.Equal(t, tt.reason, out.Reason)
		})
	}
}

// TestFlag writes the finding under the rule's key, and removes a key a
// sender forged from a clean message.
func TestFlag(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectToxicContent, scores(map[string]awsmodeltest.ToxicResult{"idiot": insult}))
	r := newRule(t, s, "action: flag\nflagKey: mod")

	out := processortest.RunRule(t, r, processortest.NewEvent("you idiot", processortest.WithMetadata(`{"a":1}`)))
	assert.Equal(t, processor.ActionRewrite, out.Action)
	var md map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out.Message.Metadata), &md))
	assert.JSONEq(t, `{"score":0.9,"labels":{"INSULT":0.95},"fields":["Content"]}`, roundScores(t, md["mod"]))
	assert.JSONEq(t, `1`, string(md["a"]))

	out = processortest.RunRule(t, r, processortest.NewEvent("hello there", processortest.WithMetadata(`{"a":1,"mod":{"score":0.99}}`)))
	assert.Equal(t, processor.ActionRewrite, out.Action)
	assert.JSONEq(t, `{"a":1}`, out.Message.Metadata)
}

// roundScores rounds the float32 scores of a flag to two places.
func roundScores(t *testing.T, raw json.RawMessage) string {
	var f toxicity.Finding
	require.NoError(t, json.Unmarshal(raw, &f))
	round := func(x float64) float64 { return float64(int(x*100+0.5)) / 100 }
	f.Score = round(f.Score)
	for k, v := range f.Labels {
		f.Labels[k] = round(v)
	}
	b, err := json.Marshal(f)
	require.NoError(t, err)
	return string(b)
}

// TestSegments: a text longer than a segment is split, none of it
// dropped; more segments than one call takes go in more calls.
func TestSegments(t *testing.T) {
	word := "abcdefghi " // 10 bytes
	tests := []struct {
		name     string
		content  string
		segments []int // bytes of each segment, in call order
		calls    int
	}{
		{"exactly one segment", strings.Repeat(word, 100), []int{1000}, 1},
		{"one byte more", strings.Repeat(word, 100) + "x", []int{1000, 1}, 1},
		{"ten segments, 10 KB", strings.Repeat(word, 1000), repeat(1000, 10), 1},
		{"eleven segments", strings.Repeat(word, 1000) + "x", append(repeat(1000, 10), 1), 2},
		{"4 KB of three-byte characters", strings.Repeat("語", 4096), append(repeat(999, 12), 300), 2},
		{"astral characters", strings.Repeat("😀a", 500), []int{1000, 1000, 500}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := standIn(t)
			r := newRule(t, s, "")
			_, err, _ := apply(t, r, processortest.NewEvent(tt.content))
			require.NoError(t, err)
			var got []int
			var joined strings.Builder
			calls := s.Calls()
			for _, c := range calls {
				for _, seg := range c.Texts {
					got = append(got, len(seg))
					joined.WriteString(seg)
				}
			}
			if len(calls) > 1 && len(calls[0].Texts) < len(calls[1].Texts) {
				// The calls run at once: put the first batch first.
				calls[0], calls[1] = calls[1], calls[0]
			}
			assert.Len(t, calls, tt.calls)
			assert.ElementsMatch(t, tt.segments, got)
			assert.Equal(t, len(tt.content), joined.Len(), "nothing dropped")
			for _, c := range calls {
				assert.LessOrEqual(t, len(c.Texts), models.MaxSegments)
			}
		})
	}
}

func repeat(n, times int) []int {
	out := make([]int, times)
	for i := range out {
		out[i] = n
	}
	return out
}

// TestBudgetSkipsWhatCannotNeedIt: short texts, emoji and links alone cost
// no call.
func TestBudgetSkipsWhatCannotNeedIt(t *testing.T) {
	s := standIn(t)
	r := newRule(t, s, "")
	for _, content := range []string{"ok", "👍👍🎉", "!!!", "https://example.com/x", "<https://example.com> www.example.org", "\u200b\u200b\u200b", "   "} {
		out := processortest.RunRule(t, r, processortest.NewEvent(content))
		assert.Equal(t, processor.ActionAllow, out.Action, "%q", content)
	}
	assert.Zero(t, s.Count(awsmodeltest.OpDetectToxicContent))

	// The same texts are judged when the budget says so.
	r = newRule(t, s, "budget: {minChars: 0, skipEmojiOnly: false, skipLinksOnly: false}")
	processortest.RunRule(t, r, processortest.NewEvent("👍👍🎉"))
	processortest.RunRule(t, r, processortest.NewEvent("https://example.com/x"))
	assert.Equal(t, 2, s.Count(awsmodeltest.OpDetectToxicContent))

	// Only the text worth it goes: the push title "Hi" stays out.
	s2 := standIn(t)
	r = newRule(t, s2, "")
	processortest.RunRule(t, r, processortest.NewEvent("a longer message", processortest.WithPush("Hi", "👍")))
	require.Len(t, s2.Calls(), 1)
	assert.Equal(t, []string{"a longer message"}, s2.Calls()[0].Texts)
}

// TestSampling: a share of the messages is judged, chosen by message id,
// so that a duplicate delivery is chosen the same way.
func TestSampling(t *testing.T) {
	s := standIn(t)
	r := newRule(t, s, "budget: {sample: 0.25}")
	judged := map[string]bool{}
	for i := range 400 {
		ev := processortest.NewEvent("a message worth judging")
		ev.ChannelMessage.MessageID = fmt.Sprintf("msg-%04d", i)
		before := s.Count(awsmodeltest.OpDetectToxicContent)
		processortest.RunRule(t, r, ev)
		judged[ev.ChannelMessage.MessageID] = s.Count(awsmodeltest.OpDetectToxicContent) > before
	}
	n := 0
	for _, j := range judged {
		if j {
			n++
		}
	}
	assert.InDelta(t, 100, n, 30, "about a quarter of 400")
	// Each message again, as a duplicate delivery or an edit: the same choice.
	for id, was := range judged {
		ev := processortest.NewEvent("a message worth judging, edited", processortest.Edited())
		ev.ChannelMessage.MessageID = id
		before := s.Count(awsmodeltest.OpDetectToxicContent)
		processortest.RunRule(t, r, ev)
		assert.Equal(t, was, s.Count(awsmodeltest.OpDetectToxicContent) > before, id)
	}
}

// TestFailures: a throttled, failing or late model is an error naming the
// call, never the message, and the stage's error policy decides: deny
// fails closed, allow fails open.
func TestFailures(t *testing.T) {
	tests := []struct {
		name    string
		options string
		faults  []awsmodeltest.Fault
		is      error
		want    string
	}{
		{"throttled", "budget: {retries: 0}", []awsmodeltest.Fault{awsmodeltest.Throttle()}, models.ErrThrottled, "comprehend DetectToxicContent: ThrottlingException (HTTP 400)"},
		{"5xx", "budget: {retries: 0}", []awsmodeltest.Fault{awsmodeltest.ServerError()}, nil, "comprehend DetectToxicContent: InternalServerException (HTTP 500)"},
		{"503 page", "budget: {retries: 0}", []awsmodeltest.Fault{awsmodeltest.UnavailableHTML()}, nil, "comprehend DetectToxicContent: HTTP 503"},
		{"denied", "", []awsmodeltest.Fault{awsmodeltest.AccessDenied()}, models.ErrDenied, "comprehend DetectToxicContent: AccessDeniedException (HTTP 403)"},
		{"no answer", "budget: {timeout: 150ms}", []awsmodeltest.Fault{awsmodeltest.Hang()}, models.ErrTimeout, "comprehend DetectToxicContent: no answer within the timeout of 150ms"},
		{"throttled twice, one retry", "budget: {retries: 1}", []awsmodeltest.Fault{awsmodeltest.Throttle(), awsmodeltest.Throttle()}, models.ErrThrottled, "ThrottlingException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := standIn(t)
			s.Inject(awsmodeltest.OpDetectToxicContent, tt.faults...)
			r := newRule(t, s, tt.options)
			ev := processortest.NewEvent("you are an idiot")
			_, err, _ := apply(t, r, ev)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "idiot")
			var ce *models.CallError
			assert.True(t, errors.As(err, &ce))
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}

			// Fail closed (the default policy) and fail open.
			for _, policy := range []processor.ErrorPolicy{processor.PolicyDeny, processor.PolicyAllow} {
				s.Inject(awsmodeltest.OpDetectToxicContent, tt.faults...)
				p := processor.NewPipeline(processor.Stage{Name: "toxicity", Rule: r, OnError: policy})
				out := p.Run(context.Background(), ev)
				require.Len(t, out.Errors, 1)
				if policy == processor.PolicyDeny {
					assert.Equal(t, processor.ActionDeny, out.Action)
				} else {
					assert.Equal(t, processor.ActionAllow, out.Action)
				}
			}
		})
	}
}

// TestRetryWithinBudget: one throttled answer, then a good one.
func TestRetryWithinBudget(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectToxicContent, scores(map[string]awsmodeltest.ToxicResult{"idiot": insult}))
	s.Inject(awsmodeltest.OpDetectToxicContent, awsmodeltest.Throttle())
	r := newRule(t, s, "")
	out := processortest.RunRule(t, r, processortest.NewEvent("idiot"))
	assert.Equal(t, processor.ActionDeny, out.Action)
	assert.Equal(t, 2, s.Count(awsmodeltest.OpDetectToxicContent))
}

// TestLanguageAuto asks Comprehend for the language first, and lets a
// language toxicity detection does not read through unjudged.
func TestLanguageAuto(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectDominantLanguage, func(r *awsmodeltest.Request) awsmodeltest.Answer {
		if strings.Contains(r.Texts[0], "bonjour") {
			return awsmodeltest.Answer{Output: awsmodeltest.LanguageOutput("fr", 0.98)}
		}
		return awsmodeltest.Answer{}
	})
	s.Handle(awsmodeltest.OpDetectToxicContent, scores(map[string]awsmodeltest.ToxicResult{"idiot": insult}))
	r := newRule(t, s, "language: auto")
	out := processortest.RunRule(t, r, processortest.NewEvent("bonjour, espèce d'idiot"))
	assert.Equal(t, processor.ActionAllow, out.Action)
	assert.Zero(t, s.Count(awsmodeltest.OpDetectToxicContent))
	out = processortest.RunRule(t, r, processortest.NewEvent("hello, you idiot"))
	assert.Equal(t, processor.ActionDeny, out.Action)
	assert.Equal(t, 2, s.Count(awsmodeltest.OpDetectDominantLanguage))
	assert.Equal(t, 1, s.Count(awsmodeltest.OpDetectToxicContent))

	// The language detection gets at most LanguageSampleBytes.
	processortest.RunRule(t, r, processortest.NewEvent(strings.Repeat("long text ", 500)))
	calls := s.Calls()
	var last awsmodeltest.Call
	for _, c := range calls {
		if c.Operation == awsmodeltest.OpDetectDominantLanguage {
			last = c
		}
	}
	assert.LessOrEqual(t, len(last.Texts[0]), models.LanguageSampleBytes)
}

// TestAdversarial: invisible characters are removed before the model reads
// the text; look-alike digits are folded; sizes at and past the limits.
func TestAdversarial(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectToxicContent, scores(map[string]awsmodeltest.ToxicResult{"idiot": insult}))
	r := newRule(t, s, "")
	for _, content := range []string{
		"i\u200bd\u200bi\u200bo\u200bt",
		"id\u00adiot",
		"\u202eidiot\u202c",
		"idi\ufe0fot",
	} {
		out := processortest.RunRule(t, r, processortest.NewEvent("you "+content))
		assert.Equal(t, processor.ActionDeny, out.Action, "%q", content)
	}
	for _, c := range s.Calls() {
		assert.Equal(t, "you idiot", c.Texts[0])
	}

	// A message made of 4096 astral characters: 4 bytes each, split
	// between characters, never inside one.
	s2 := standIn(t)
	r = newRule(t, s2, "budget: {skipEmojiOnly: false, minChars: 0}")
	_, err, _ := apply(t, r, processortest.NewEvent(strings.Repeat("😀", 4096)))
	require.NoError(t, err)
	total := 0
	for _, c := range s2.Calls() {
		for _, seg := range c.Texts {
			assert.True(t, utf8.ValidString(seg))
			assert.LessOrEqual(t, len(seg), models.MaxSegmentBytes)
			total += len(seg)
		}
	}
	assert.Equal(t, 4*4096, total)
}

func TestGuardrail(t *testing.T) {
	const options = "provider: guardrail\nguardrail: {id: gr0abc123, version: \"3\"}"
	tests := []struct {
		name   string
		result awsmodeltest.GuardrailResult
		reason string
	}{
		{"content filter", awsmodeltest.GuardrailResult{Filters: []awsmodeltest.GuardrailFilter{{Type: "HATE", Confidence: "HIGH", Action: "BLOCKED"}}}, "toxicity: guardrail gr0abc123 version 3: filter:HATE 0.75"},
		{"denied topic", awsmodeltest.GuardrailResult{Topics: []awsmodeltest.GuardrailTopic{{Name: "investment advice", Action: "BLOCKED"}}}, "toxicity: guardrail gr0abc123 version 3: topic:investment advice"},
		{"custom word, never quoted", awsmodeltest.GuardrailResult{Words: []string{"idiot"}}, "toxicity: guardrail gr0abc123 version 3: word"},
		{"detect mode", awsmodeltest.GuardrailResult{Filters: []awsmodeltest.GuardrailFilter{{Type: "INSULTS", Confidence: "MEDIUM", Action: "NONE"}}}, "toxicity: guardrail gr0abc123 version 3: filter:INSULTS 0.50"},
		{"personal data is the pii rule's", awsmodeltest.GuardrailResult{Pii: []awsmodeltest.GuardrailPii{{Type: "EMAIL", Match: "a@example.com", Action: "ANONYMIZED"}}}, ""},
		{"nothing", awsmodeltest.GuardrailResult{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := standIn(t)
			s.Handle(awsmodeltest.OpApplyGuardrail, func(r *awsmodeltest.Request) awsmodeltest.Answer {
				return awsmodeltest.Answer{Output: awsmodeltest.GuardrailOutput(r.Texts, tt.result)}
			})
			r := newRule(t, s, options)
			out := processortest.RunRule(t, r, processortest.NewEvent("you idiot", processortest.WithPush("Title", "body text")))
			if tt.reason == "" {
				assert.Equal(t, processor.ActionAllow, out.Action)
			} else {
				assert.Equal(t, processor.ActionDeny, out.Action)
				assert.Equal(t, tt.reason, out.Reason)
			}
			calls := s.Calls()
			require.Len(t, calls, 1)
			assert.Equal(t, []string{"you idiot\n\nTitle\n\nbody text"}, calls[0].Texts, "one text block: one text unit")
			assert.Equal(t, "gr0abc123", calls[0].Params["guardrailIdentifier"])
			assert.Equal(t, "3", calls[0].Params["guardrailVersion"])
			assert.Equal(t, "INPUT", calls[0].Params["source"])
		})
	}

	// A throttled guardrail: 429, for the error policy.
	s := standIn(t)
	s.Inject(awsmodeltest.OpApplyGuardrail, awsmodeltest.Throttle(), awsmodeltest.Throttle())
	r := newRule(t, s, options)
	_, err, _ := apply(t, r, processortest.NewEvent("you idiot"))
	assert.ErrorIs(t, err, models.ErrThrottled)
	assert.Contains(t, err.Error(), "bedrock-runtime ApplyGuardrail: ThrottlingException (HTTP 429)")
}

func TestNotProvisioned(t *testing.T) {
	r, err := toxicity.New(toxicity.Config{})
	require.NoError(t, err)
	_, err = r.Apply(context.Background(), processor.NewMessage(processortest.NewEvent("hello there")))
	assert.ErrorIs(t, err, models.ErrNotProvisioned)

	// A host without AWS says so at start-up.
	err = r.Provision(context.Background(), rules.NewHost())
	assert.ErrorIs(t, err, rules.ErrNoAWSConfig)
}
