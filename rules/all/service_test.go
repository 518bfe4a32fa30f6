package all_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
)

// offending holds something every built-in rule acts on: a profane word, a
// phone number, a link to a host no list allows, a keyword.
const offending = "shit, call +1 415 555 0100, see https://evil.example/x, free money"

// rewriters are the built-in rules in configurations that rewrite texts,
// with the widest scope they take.
var rewriters = []struct{ name, options string }{
	{"profanity", `{action: mask, scope: {metadata: ["*"], attributes: ["*"]}}`},
	{"redact", `{scope: {metadata: ["*"], attributes: ["*"]}}`},
	{"links", `{action: strip, allow: [example.com], scope: {metadata: ["*"], attributes: ["*"]}}`},
	{"metadata", `{set: {audit.by: chimeflow}, merge: {app: {x: 1}}, delete: [debug], annotate: {when: always}, nonJSON: replace}`},
}

// deniers are the built-in rules in configurations that deny on the texts
// they read, widest scope.
var deniers = []struct{ name, options string }{
	{"profanity", `{action: deny, scope: {metadata: ["*"], attributes: ["*"]}}`},
	{"links", `{action: deny, allow: [example.com], scope: {metadata: ["*"], attributes: ["*"]}}`},
	{"deny", `{keywords: [free money], scope: {metadata: ["*"], attributes: ["*"]}}`},
}

// TestServiceAttributesSurviveEveryRule: the attributes the service reads
// (CHIME.mentions routes a message to a bot; CHIME.LEX.* carry a Lex
// session) leave every built-in rule as they came, whatever they hold,
// unless a rule names them; a scope's "*" does not read them either (deny's
// attribute condition, which names attributes by glob, can: reading them
// changes nothing).
func TestServiceAttributesSurviveEveryRule(t *testing.T) {
	service := map[string][]string{
		"CHIME.mentions":                              {"arn:aws:chime:us-east-1:111122223333:app-instance/a/bot/helper", offending},
		"CHIME.LEX.sessionState.intent.name":          {offending},
		"CHIME.LEX.sessionState.sessionId":            {"https://evil.example/session"},
		"CHIME.LEX.sessionState.originatingRequestId": {"+1 415 555 0100"},
	}
	event := func(content string) *processor.Event {
		opts := []processortest.Option{processortest.WithMetadata(`{"note":"` + offending + `","debug":{"x":1}}`),
			processortest.WithAttribute("subject", offending)}
		for name, values := range service {
			opts = append(opts, processortest.WithAttribute(name, values...))
		}
		return processortest.NewEvent(content, opts...)
	}
	for _, r := range rewriters {
		t.Run(r.name, func(t *testing.T) {
			out := processortest.RunRule(t, processortest.NewRule(t, r.name, r.options), event(offending))
			require.Equal(t, processor.ActionRewrite, out.Action, "the rule acted: %v", out)
			for name, values := range service {
				assert.Equal(t, values, out.Message.MessageAttributes[name].StringValues, name)
			}
		})
	}
	for _, r := range deniers {
		t.Run(r.name+" "+r.options, func(t *testing.T) {
			rule := processortest.NewRule(t, r.name, r.options)
			// Only the service's attributes offend: no deny.
			clean := processortest.NewEvent("hello")
			for name, values := range service {
				processortest.WithAttribute(name, values...)(clean)
			}
			assert.Equal(t, processor.ActionAllow, processortest.RunRule(t, rule, clean).Action)
		})
	}
	// Named, they are covered: a rule told to change them does.
	out := processortest.RunRule(t, processortest.NewRule(t, "profanity", `{action: mask, scope: {attributes: [CHIME.LEX.sessionState.intent.name]}}`), event("hello"))
	assert.Equal(t, []string{"****, call +1 415 555 0100, see https://evil.example/x, free money"}, out.Message.MessageAttributes["CHIME.LEX.sessionState.intent.name"].StringValues)
}

// TestLexRepliesStayLexReplies: every built-in rule that rewrites text
// acts on the texts of a Lex reply and leaves it JSON of the same shape;
// the rules that deny see the same texts.
func TestLexRepliesStayLexReplies(t *testing.T) {
	body := `{"Messages":[{"Content":"` + offending + `","ContentType":"PlainText"},` +
		`{"ContentType":"ImageResponseCard","ImageResponseCard":{"Title":"` + offending + `","ImageUrl":"https://evil.example/card.png",` +
		`"Buttons":[{"Text":"` + offending + `","Value":"` + offending + `"}]}},` +
		`{"Content":"{\"note\":\"` + offending + `\"}","ContentType":"CustomPayload"}]}`
	type reply struct {
		Messages []struct {
			Content, ContentType string
			ImageResponseCard    *struct {
				Title, ImageUrl string
				Buttons         []struct{ Text, Value string }
			}
		}
	}
	var before reply
	require.NoError(t, json.Unmarshal([]byte(body), &before))
	for _, r := range rewriters {
		t.Run(r.name, func(t *testing.T) {
			out := processortest.RunRule(t, processortest.NewRule(t, r.name, r.options),
				processortest.NewEvent(body, processortest.WithContentType(processor.ContentTypeLex)))
			var after reply
			require.NoError(t, json.Unmarshal([]byte(out.Message.Content), &after), out.Message.Content)
			require.Len(t, after.Messages, 3)
			read := []string{after.Messages[0].Content, after.Messages[1].ImageResponseCard.Title, after.Messages[1].ImageResponseCard.Buttons[0].Text}
			for i, s := range read {
				if r.name == "metadata" {
					assert.Equal(t, offending, s, "metadata never touches the content")
				} else {
					assert.NotEqual(t, offending, s, "text %d was rewritten", i)
				}
			}
			// What people do not read as text stays as it was.
			assert.Equal(t, before.Messages[1].ImageResponseCard.ImageUrl, after.Messages[1].ImageResponseCard.ImageUrl)
			assert.Equal(t, before.Messages[1].ImageResponseCard.Buttons[0].Value, after.Messages[1].ImageResponseCard.Buttons[0].Value)
			assert.Equal(t, before.Messages[2], after.Messages[2], "CustomPayload is left to the client")
			for i := range after.Messages {
				assert.Equal(t, before.Messages[i].ContentType, after.Messages[i].ContentType)
			}
		})
	}
	for _, r := range deniers {
		t.Run("deny "+r.name, func(t *testing.T) {
			out := processortest.RunRule(t, processortest.NewRule(t, r.name, r.options),
				processortest.NewEvent(body, processortest.WithContentType(processor.ContentTypeLex)))
			assert.Equal(t, processor.ActionDeny, out.Action)
		})
	}
	// skip: the Lex reply is left alone by a rule told so.
	out := processortest.RunRule(t, processortest.NewRule(t, "profanity", `{action: mask, scope: {lex: skip}}`),
		processortest.NewEvent(body, processortest.WithContentType(processor.ContentTypeLex)))
	assert.Equal(t, processor.ActionAllow, out.Action)
}
