package rules_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
)

// A Lex reply with every kind of message, from the Chime SDK developer
// guide's example extended with the other Lex V2 content types.
const lexReply = `{"Messages":[` +
	`{"Content":"Hello!","ContentType":"PlainText"},` +
	`{"ContentType":"ImageResponseCard","ImageResponseCard":{"Title":"Hello! I'm BB, the Bank Bot.","Subtitle":"I can help you with the following transactions",` +
	`"ImageUrl":"https://example.com/bb.png","Buttons":[{"Text":"Check balance","Value":"Check balance"},{"Text":"Escalate to agent","Value":"Escalate to agent"}]}},` +
	`{"Content":"<speak>Hi</speak>","ContentType":"SSML"},` +
	`{"Content":"{\"widget\":\"map\"}","ContentType":"CustomPayload"}]}`

func lexMessage(content, contentType string) *processor.Message {
	return processor.NewMessage(processortest.NewEvent(content, processortest.WithContentType(contentType),
		processortest.WithPush("title", "body")))
}

func TestLexTexts(t *testing.T) {
	for _, tc := range []struct {
		name        string
		content, ct string
		scope       rules.Scope
		want        []string
	}{
		{"a reply: the texts people read", lexReply, processor.ContentTypeLex, rules.Scope{Push: new(false)}, []string{
			"Content=Hello!", "Content=Hello! I'm BB, the Bank Bot.", "Content=I can help you with the following transactions",
			"Content=Check balance", "Content=Escalate to agent"}},
		{"the same reply without its content type is plain text", lexReply, "", rules.Scope{Push: new(false)}, []string{"Content=" + lexReply}},
		{"skipped", lexReply, processor.ContentTypeLex, rules.Scope{Lex: rules.LexSkip}, []string{"PushNotification.Title=title", "PushNotification.Body=body"}},
		{"an error reply holds no text", `{"Code":"LexBotError"}`, processor.ContentTypeLexError, rules.Scope{Push: new(false)}, nil},
		{"keys in any case, each occurrence, in document order",
			`{"messages":[{"CONTENT":"one","Content":"two","contenttype":"plaintext"},{"Content":"three"}]}`, processor.ContentTypeLex,
			rules.Scope{Push: new(false)}, []string{"Content=one", "Content=two", "Content=three"}},
		{"the last content type counts", `{"Messages":[{"Content":"x","ContentType":"PlainText","ContentType":"CustomPayload"},{"ContentType":"CustomPayload","ContentType":"PlainText","Content":"y"}]}`,
			processor.ContentTypeLex, rules.Scope{Push: new(false)}, []string{"Content=y"}},
		{"escapes decoded", `{"Messages":[{"Content":"caf\u00e9 \"quoted\"\n"}]}`, processor.ContentTypeLex, rules.Scope{Push: new(false)},
			[]string{"Content=café \"quoted\"\n"}},
		{"not JSON: plain text", `Hello, "Messages"`, processor.ContentTypeLex, rules.Scope{Push: new(false)}, []string{`Content=Hello, "Messages"`}},
		{"not JSON, skip mode: still plain text", `shit`, processor.ContentTypeLex, rules.Scope{Lex: rules.LexSkip, Push: new(false)}, []string{`Content=shit`}},
		{"no Messages list: plain text", `{"Message":"hi"}`, processor.ContentTypeLex, rules.Scope{Push: new(false)}, []string{`Content={"Message":"hi"}`}},
		{"Messages not a list: plain text", `{"Messages":"hi"}`, processor.ContentTypeLex, rules.Scope{Push: new(false)}, []string{`Content={"Messages":"hi"}`}},
		{"an array: plain text", `["hi"]`, processor.ContentTypeLexError, rules.Scope{Push: new(false)}, []string{`Content=["hi"]`}},
		{"content not covered", lexReply, processor.ContentTypeLex, rules.Scope{Content: new(false)}, []string{"PushNotification.Title=title", "PushNotification.Body=body"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, visits(compile(t, tc.scope), lexMessage(tc.content, tc.ct)))
		})
	}
}

func TestLexRewriteKeepsTheJSON(t *testing.T) {
	texts := compile(t, rules.Scope{Push: new(false)})
	m := lexMessage(lexReply, processor.ContentTypeLex)
	texts.Rewrite(m, func(_ rules.Place, s string) string {
		if s == "Hello!" {
			return `He said "hi" \o/` + "\n"
		}
		return "[" + s + "]"
	})
	var got, want any
	require.NoError(t, json.Unmarshal([]byte(m.Content), &got), m.Content)
	require.NoError(t, json.Unmarshal([]byte(`{"Messages":[`+
		`{"Content":"He said \"hi\" \\o/\n","ContentType":"PlainText"},`+
		`{"ContentType":"ImageResponseCard","ImageResponseCard":{"Title":"[Hello! I'm BB, the Bank Bot.]","Subtitle":"[I can help you with the following transactions]",`+
		`"ImageUrl":"https://example.com/bb.png","Buttons":[{"Text":"[Check balance]","Value":"Check balance"},{"Text":"[Escalate to agent]","Value":"Escalate to agent"}]}},`+
		`{"Content":"<speak>Hi</speak>","ContentType":"SSML"},`+
		`{"Content":"{\"widget\":\"map\"}","ContentType":"CustomPayload"}]}`), &want))
	assert.Equal(t, want, got)

	// Stopping early leaves the rest untouched.
	m = lexMessage(lexReply, processor.ContentTypeLex)
	var seen []string
	stopped := texts.Each(m, func(_ rules.Place, s string) bool { seen = append(seen, s); return len(seen) < 2 })
	assert.True(t, stopped)
	assert.Equal(t, []string{"Hello!", "Hello! I'm BB, the Bank Bot."}, seen)
}

func TestLexRewriteAllocatesNothingWhenNothingChanges(t *testing.T) {
	texts := compile(t, rules.Scope{})
	m := lexMessage(lexReply, processor.ContentTypeLex)
	allocs := testing.AllocsPerRun(100, func() {
		texts.Rewrite(m, func(_ rules.Place, s string) string { return s })
	})
	assert.Zero(t, allocs)
}

func TestLexOption(t *testing.T) {
	for _, tc := range []struct {
		scope rules.Scope
		want  string
	}{
		{rules.Scope{Lex: "mask"}, `option scope.lex: "mask" is not text or skip`},
		{rules.Scope{Lex: rules.LexSkip, Content: new(false)}, "option scope.lex: applies to the content, which this scope does not cover"},
	} {
		var bad rules.Problems
		tc.scope.Compile("scope", &bad)
		assert.EqualError(t, bad.Err(), tc.want)
	}
	assert.Equal(t, "Content (not of Lex replies), PushNotification", compile(t, rules.Scope{Lex: rules.LexSkip}).String())
}

// BenchmarkLexWalk compares, in one run, reading the texts of a Lex reply
// (parsing its JSON) with reading the same bytes as plain content, and a
// rewrite that changes every text of the reply.
//
//	go test -run XXX -bench LexWalk -benchmem ./rules
func BenchmarkLexWalk(b *testing.B) {
	texts := compile(b, rules.Scope{Push: new(false)})
	for _, bc := range []struct {
		name, ct string
		rewrite  bool
	}{{"plain", "", false}, {"lex-read", processor.ContentTypeLex, false}, {"lex-rewrite", processor.ContentTypeLex, true}} {
		b.Run(bc.name, func(b *testing.B) {
			m := lexMessage(lexReply, bc.ct)
			b.ReportAllocs()
			b.SetBytes(int64(len(lexReply)))
			for b.Loop() {
				if bc.rewrite {
					m.Content = lexReply
					texts.Rewrite(m, func(_ rules.Place, s string) string { return s + "!" })
				} else {
					texts.Each(m, func(rules.Place, string) bool { return true })
				}
			}
		})
	}
}
