package pii_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf16"

	brtypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/awsmodeltest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/models"
	_ "github.com/chimeflow/chimeflow/rules/models/guardrail"
	"github.com/chimeflow/chimeflow/rules/pii"
)

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

func newRule(t *testing.T, s *awsmodeltest.Server, options string) *pii.Rule {
	t.Helper()
	return processortest.NewRule(t, "pii", options, rules.WithAWSConfig(s.AWSConfig()), rules.WithHostGetenv(func(string) string { return "" })).(*pii.Rule)
}

// entities answers DetectPiiEntities with each entity whose text occurs,
// at every place it occurs, its offsets counted as the service counts
// them (code points).
func entities(ents ...awsmodeltest.PiiEntity) awsmodeltest.Handler {
	return func(r *awsmodeltest.Request) awsmodeltest.Answer {
		var present []awsmodeltest.PiiEntity
		for _, e := range ents {
			if strings.Contains(r.Texts[0], e.Text) {
				present = append(present, e)
			}
		}
		out, err := awsmodeltest.PiiOutput(r.Texts[0], present...)
		if err != nil {
			f := awsmodeltest.ServerError()
			return awsmodeltest.Answer{Fault: &f}
		}
		return awsmodeltest.Answer{Output: out}
	}
}

var (
	phone = awsmodeltest.PiiEntity{Type: "PHONE", Text: "555-0100"}
	email = awsmodeltest.PiiEntity{Type: "EMAIL", Text: "ann@example.com"}
	card  = awsmodeltest.PiiEntity{Type: "CREDIT_DEBIT_NUMBER", Text: "4111 1111 1111 1111"}
	name  = awsmodeltest.PiiEntity{Type: "NAME", Text: "Ann Lee"}
)

func TestMasksWhereTyped(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectPiiEntities, entities(phone, email, card, name))
	tests := []struct {
		name, options, content, want string
	}{
		{"default entities: the card, not the name", "", "Ann Lee paid with 4111 1111 1111 1111", "Ann Lee paid with *******************"},
		{"named entities", "entities: [PHONE, EMAIL]", "call 555-0100 or mail ann@example.com", "call ******** or mail ***************"},
		{"all entities", `entities: ["*"]`, "Ann Lee: 555-0100", "*******: ********"},
		{"mask char", "maskChar: '#'\nentities: [PHONE]", "call 555-0100", "call ########"},
		{"type style", "maskStyle: type\nentities: [PHONE, EMAIL]", "call 555-0100 or ann@example.com", "call [PHONE] or [EMAIL]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := processortest.RunRule(t, newRule(t, s, tt.options), processortest.NewEvent(tt.content))
			assert.Equal(t, tt.want, out.Message.Content)
		})
	}
}

// TestOffsetsAreCodePoints masks an entity after one-, two-, three- and
// four-byte characters. The stand-in counts offsets in code points, as
// Comprehend does (an astral character is one); counted in UTF-16 units,
// each astral character before the entity would shift it by one, and a
// character of it would leak: the test proves the rule reads code points.
func TestOffsetsAreCodePoints(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectPiiEntities, entities(card))
	r := newRule(t, s, "")
	content := "😀😀 é 日本 𝐜𝐚𝐫𝐝 4111 1111 1111 1111 👍"
	out := processortest.RunRule(t, r, processortest.NewEvent(content))
	assert.Equal(t, "😀😀 é 日本 𝐜𝐚𝐫𝐝 ******************* 👍", out.Message.Content)

	// The two readings differ on this text: what UTF-16 offsets would be.
	text := s.Calls()[0].Texts[0]
	i := strings.Index(text, "4111")
	assert.NotEqual(t, len([]rune(text[:i])), len(utf16.Encode([]rune(text[:i]))))
}

// TestOneCallForEveryPlace: content, push, a metadata value and an
// attribute go in one call, and each is masked in place.
func TestOneCallForEveryPlace(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectPiiEntities, entities(phone, email))
	r := newRule(t, s, "entities: [PHONE, EMAIL]\nscope: {metadata: [note], attributes: [subject]}")
	ev := processortest.NewEvent("call 555-0100",
		processortest.WithPush("New message", "mail ann@example.com"),
		processortest.WithMetadata(`{"note":"phone 555-0100","keep":"555-0100"}`),
		processortest.WithAttribute("subject", "about ann@example.com"),
		processortest.WithAttribute("other", "555-0100"))
	out := processortest.RunRule(t, r, ev)
	require.Equal(t, processor.ActionRewrite, out.Action)
	m := out.Message
	assert.Equal(t, "call ********", m.Content)
	assert.Equal(t, "New message", m.PushNotification.Title)
	assert.Equal(t, "mail ***************", m.PushNotification.Body)
	assert.JSONEq(t, `{"note":"phone ********","keep":"555-0100"}`, m.Metadata)
	assert.Equal(t, []string{"about ***************"}, m.MessageAttributes["subject"].StringValues)
	assert.Equal(t, []string{"555-0100"}, m.MessageAttributes["other"].StringValues, "not in the scope")
	calls := s.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, "call 555-0100\n\nNew message\n\nmail ann@example.com\n\nphone 555-0100\n\nabout ann@example.com", calls[0].Texts[0])
	assert.Equal(t, "en", calls[0].Params["LanguageCode"])
}

// TestAdversarial: invisible characters and look-alike digits inside an
// entity are what the model reads without, and what is masked with.
func TestAdversarial(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectPiiEntities, entities(phone))
	r := newRule(t, s, "entities: [PHONE]")
	tests := []struct{ in, want string }{
		{"call 555\u200b-0100 now", "call ********* now"},
		{"call 5\u00ad55-01\u200d00 now", "call ********** now"},
		{"call \uff15\uff15\uff15-\uff10\uff11\uff10\uff10 now", "call ******** now"},
		{"call \u202e555-0100\u202c now", "call \u202e********\u202c now"},
	}
	for _, tt := range tests {
		out := processortest.RunRule(t, r, processortest.NewEvent(tt.in))
		assert.Equal(t, tt.want, out.Message.Content, "%q", tt.in)
	}
	for _, c := range s.Calls() {
		assert.Contains(t, c.Texts[0], "555-0100")
	}
}

func TestDenyAndFlag(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectPiiEntities, entities(phone, email))
	r := newRule(t, s, "action: deny\nentities: [PHONE, EMAIL]")
	out := processortest.RunRule(t, r, processortest.NewEvent("mail ann@example.com", processortest.WithPush("Hi there", "call 555-0100")))
	assert.Equal(t, processor.ActionDeny, out.Action)
	assert.Equal(t, "pii: EMAIL, PHONE in Content, PushNotification.Body", out.Reason)

	r = newRule(t, s, "action: flag\nentities: [PHONE]")
	out = processortest.RunRule(t, r, processortest.NewEvent("call 555-0100 or 555-0100"))
	assert.Equal(t, "call 555-0100 or 555-0100", out.Message.Content, "flag leaves the text")
	var md map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out.Message.Metadata), &md))
	assert.JSONEq(t, `{"types":["PHONE"],"fields":["Content"],"count":2}`, string(md["pii"]))
	assert.NotContains(t, out.Message.Metadata, "0100", "the flag never holds the data")

	out = processortest.RunRule(t, r, processortest.NewEvent("nothing here", processortest.WithMetadata(`{"pii":{"count":0}}`)))
	assert.JSONEq(t, `{}`, out.Message.Metadata, "a forged flag is removed")
}

func TestMinScore(t *testing.T) {
	s := standIn(t)
	low := phone
	low.Score = 0.4
	s.Handle(awsmodeltest.OpDetectPiiEntities, entities(low))
	r := newRule(t, s, "entities: [PHONE]")
	out := processortest.RunRule(t, r, processortest.NewEvent("call 555-0100"))
	assert.Equal(t, processor.ActionAllow, out.Action)
	r = newRule(t, s, "entities: [PHONE]\nminScore: 0.3")
	out = processortest.RunRule(t, r, processortest.NewEvent("call 555-0100"))
	assert.Equal(t, "call ********", out.Message.Content)
}

// TestBadOffsets: an entity outside the text is an error: nothing is
// masked, and the error policy decides.
func TestBadOffsets(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectPiiEntities, func(r *awsmodeltest.Request) awsmodeltest.Answer {
		return awsmodeltest.Answer{Output: map[string]any{"Entities": []any{map[string]any{"Type": "PHONE", "Score": 0.9, "BeginOffset": 5, "EndOffset": 500}}}}
	})
	r := newRule(t, s, "entities: [PHONE]")
	out := processortest.RunRule(t, r, processortest.NewEvent("call 555-0100"))
	assert.Equal(t, processor.ActionDeny, out.Action)
	require.Len(t, out.Errors, 1)
	assert.Contains(t, out.Errors[0].Error(), "offsets outside the text")
	assert.NotContains(t, out.Errors[0].Error(), "555")
}

func TestLanguages(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectPiiEntities, entities(phone))
	s.Handle(awsmodeltest.OpDetectDominantLanguage, func(r *awsmodeltest.Request) awsmodeltest.Answer {
		switch {
		case strings.Contains(r.Texts[0], "llama"):
			return awsmodeltest.Answer{Output: awsmodeltest.LanguageOutput("es", 0.97)}
		case strings.Contains(r.Texts[0], "appelle"):
			return awsmodeltest.Answer{Output: awsmodeltest.LanguageOutput("fr", 0.97)}
		}
		return awsmodeltest.Answer{}
	})
	r := newRule(t, s, "language: auto\nentities: [PHONE]")
	out := processortest.RunRule(t, r, processortest.NewEvent("llama al 555-0100"))
	assert.Equal(t, "llama al ********", out.Message.Content)
	out = processortest.RunRule(t, r, processortest.NewEvent("appelle le 555-0100"))
	assert.Equal(t, "appelle le 555-0100", out.Message.Content, "French is not read")
	var langs []any
	for _, c := range s.Calls() {
		if c.Operation == awsmodeltest.OpDetectPiiEntities {
			langs = append(langs, c.Params["LanguageCode"])
		}
	}
	assert.Equal(t, []any{"es"}, langs)
}

func TestGuardrail(t *testing.T) {
	const options = "provider: guardrail\nguardrail: {id: gr0abc123, version: DRAFT}"
	s := standIn(t)
	s.Handle(awsmodeltest.OpApplyGuardrail, func(r *awsmodeltest.Request) awsmodeltest.Answer {
		var found []awsmodeltest.GuardrailPii
		for _, txt := range r.Texts {
			if strings.Contains(txt, "555-0100") {
				found = append(found, awsmodeltest.GuardrailPii{Type: "PHONE", Match: "555-0100", Action: "ANONYMIZED"})
			}
			if strings.Contains(txt, "123-45-6789") {
				found = append(found, awsmodeltest.GuardrailPii{Type: "US_SOCIAL_SECURITY_NUMBER", Match: "123-45-6789", Action: "BLOCKED"})
			}
			if strings.Contains(txt, "ghost") {
				found = append(found, awsmodeltest.GuardrailPii{Type: "EMAIL", Match: "ghost@example.com", Action: "ANONYMIZED"})
			}
		}
		return awsmodeltest.Answer{Output: awsmodeltest.GuardrailOutput(r.Texts, awsmodeltest.GuardrailResult{Pii: found})}
	})
	r := newRule(t, s, options)
	out := processortest.RunRule(t, r, processortest.NewEvent("call 555-0100, ssn 123-45-6789", processortest.WithPush("t", "555-0100")))
	assert.Equal(t, "call ********, ssn ***********", out.Message.Content)
	assert.Equal(t, "********", out.Message.PushNotification.Body)

	r = newRule(t, s, options+"\nentities: [US_SOCIAL_SECURITY_NUMBER]")
	out = processortest.RunRule(t, r, processortest.NewEvent("call 555-0100, ssn 123-45-6789"))
	assert.Equal(t, "call 555-0100, ssn ***********", out.Message.Content)

	// Data the guardrail reports but the rule cannot find: fail, never
	// leave it unmasked quietly.
	r = newRule(t, s, options)
	out = processortest.RunRule(t, r, processortest.NewEvent("a ghost wrote"))
	assert.Equal(t, processor.ActionDeny, out.Action)
	require.Len(t, out.Errors, 1)
	assert.NotContains(t, out.Errors[0].Error(), "ghost")
}

// TestGuardrailEntities holds the list to the official client's enum.
func TestGuardrailEntities(t *testing.T) {
	var want []string
	for _, v := range brtypes.GuardrailPiiEntityType("").Values() {
		want = append(want, string(v))
	}
	assert.ElementsMatch(t, want, pii.GuardrailEntities)
}

func TestFailures(t *testing.T) {
	s := standIn(t)
	s.Inject(awsmodeltest.OpDetectPiiEntities, awsmodeltest.Hang())
	r := newRule(t, s, "budget: {timeout: 100ms}")
	_, err := r.Apply(context.Background(), processor.NewMessage(processortest.NewEvent("call 555-0100")))
	assert.ErrorIs(t, err, models.ErrTimeout)
	assert.NotContains(t, err.Error(), "555")

	s.Inject(awsmodeltest.OpDetectPiiEntities, awsmodeltest.ServerError(), awsmodeltest.ServerError())
	p := processor.NewPipeline(processor.Stage{Name: "pii", Rule: r, OnError: processor.PolicyAllow})
	out := p.Run(context.Background(), processortest.NewEvent("call 555-0100"))
	assert.Equal(t, processor.ActionAllow, out.Action, "fail open")
	require.Len(t, out.Errors, 1)
	assert.Contains(t, out.Errors[0].Error(), "InternalServerException (HTTP 500)")
}

// TestPastOneText: covered texts past DetectPiiEntities' 100 KB go in
// more calls, at once, each within the limit, and every entity is masked.
func TestPastOneText(t *testing.T) {
	s := standIn(t)
	s.Handle(awsmodeltest.OpDetectPiiEntities, entities(phone))
	r := newRule(t, s, "entities: [PHONE]\nscope: {attributes: [\"*\"]}")
	value := strings.Repeat("é", 240) + " call 555-0100" // 494 bytes
	var opts []processortest.Option
	for i := range 250 {
		opts = append(opts, processortest.WithAttribute(fmt.Sprintf("a%03d", i), value))
	}
	m := processor.NewMessage(processortest.NewEvent("call 555-0100", opts...))
	_, err := r.Apply(context.Background(), m)
	require.NoError(t, err)
	require.Equal(t, 2, s.Count(awsmodeltest.OpDetectPiiEntities))
	for _, c := range s.Calls() {
		assert.LessOrEqual(t, len(c.Texts[0]), models.MaxTextBytes)
	}
	assert.Equal(t, "call ********", m.Content)
	for name, v := range m.MessageAttributes {
		assert.True(t, strings.HasSuffix(v.StringValues[0], " call ********"), name)
	}
}
