package processor_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
)

// rule helpers for the tests.
func setContent(s string) processor.Rule {
	return processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		m.Content = s
		return processor.Continue, nil
	})
}

func replace(old, new string) processor.Rule {
	return processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		m.Content = strings.ReplaceAll(m.Content, old, new)
		if m.PushNotification != nil {
			m.PushNotification.Body = strings.ReplaceAll(m.PushNotification.Body, old, new)
		}
		return processor.Continue, nil
	})
}

var (
	allow   = processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) { return processor.Continue, nil })
	deny    = processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) { return processor.Deny("no"), nil })
	failing = processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) {
		return processor.Continue, errors.New("backend down")
	})
	panicking = processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) { panic("boom") })
)

func TestPipelineOutcomes(t *testing.T) {
	tests := []struct {
		name    string
		stages  []processor.Stage
		policy  processor.ErrorPolicy
		action  processor.Action
		rules   []string
		content string
		changed []string
		errs    int
	}{
		{"no rules", nil, "", processor.ActionAllow, nil, "hello darn world", nil, 0},
		{"allow", []processor.Stage{{Name: "a", Rule: allow}}, "", processor.ActionAllow, nil, "hello darn world", nil, 0},
		{"rewrite", []processor.Stage{{Name: "a", Rule: allow}, {Name: "r", Rule: replace("darn", "****")}}, "", processor.ActionRewrite, []string{"r"}, "hello **** world", []string{"Content", "PushNotification"}, 0},
		{"rewrite then deny stops", []processor.Stage{{Name: "r", Rule: replace("darn", "x")}, {Name: "d", Rule: deny}, {Name: "after", Rule: setContent("never")}}, "", processor.ActionDeny, []string{"r", "d"}, "", nil, 0},
		{"rewrite back to original is allow", []processor.Stage{{Name: "a", Rule: replace("darn", "x")}, {Name: "b", Rule: replace("x", "darn")}}, "", processor.ActionAllow, []string{"a", "b"}, "hello darn world", nil, 0},
		{"error denies by default", []processor.Stage{{Name: "r", Rule: replace("darn", "x")}, {Name: "f", Rule: failing}}, "", processor.ActionDeny, []string{"r", "f"}, "", nil, 1},
		{"error allowed skips the rule", []processor.Stage{{Name: "f", Rule: failing}, {Name: "r", Rule: replace("darn", "x")}}, processor.PolicyAllow, processor.ActionRewrite, []string{"r"}, "hello x world", []string{"Content", "PushNotification"}, 1},
		{"panic denies", []processor.Stage{{Name: "p", Rule: panicking}}, "", processor.ActionDeny, []string{"p"}, "", nil, 1},
		{"panic allowed", []processor.Stage{{Name: "p", Rule: panicking}}, processor.PolicyAllow, processor.ActionAllow, nil, "hello darn world", nil, 1},
		{"stage override", []processor.Stage{{Name: "p", Rule: panicking, OnError: processor.PolicyAllow}}, processor.PolicyDeny, processor.ActionAllow, nil, "hello darn world", nil, 1},
		{"nil rule", []processor.Stage{{Name: "n"}}, "", processor.ActionDeny, []string{"n"}, "", nil, 1},
		{"empty content breaks limit", []processor.Stage{{Name: "e", Rule: setContent("")}}, "", processor.ActionDeny, []string{"e"}, "", nil, 1},
		{"limit break allowed undoes it", []processor.Stage{{Name: "e", Rule: setContent("")}}, processor.PolicyAllow, processor.ActionAllow, nil, "hello darn world", nil, 1},
		{"dry run deny does not deny", []processor.Stage{{Name: "d", Rule: deny, DryRun: true}}, "", processor.ActionAllow, nil, "hello darn world", nil, 0},
		{"dry run rewrite does not rewrite", []processor.Stage{{Name: "r", Rule: replace("darn", "x"), DryRun: true}}, "", processor.ActionAllow, nil, "hello darn world", nil, 0},
		{"dry run failure does not deny", []processor.Stage{{Name: "f", Rule: panicking, DryRun: true}}, "", processor.ActionAllow, nil, "hello darn world", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := processortest.NewEvent("hello darn world", processortest.WithPush("Alice", "hello darn"))
			p := &processor.Pipeline{Name: "test", Stages: tt.stages, OnError: tt.policy}
			out := p.Run(context.Background(), ev)
			assert.Equal(t, tt.action, out.Action)
			assert.Equal(t, tt.rules, out.Rules)
			assert.Equal(t, tt.changed, out.Changed)
			assert.Len(t, out.Errors, tt.errs)
			cb := processor.NewCallback(ev, &out)
			require.NoError(t, cb.Validate())
			if tt.action == processor.ActionDeny {
				assert.True(t, cb.DeleteResource)
				assert.NotEmpty(t, out.Reason)
			} else {
				assert.False(t, cb.DeleteResource)
				assert.Equal(t, tt.content, cb.ChannelMessage.Content)
			}
			// The event itself is never changed.
			assert.Equal(t, "hello darn world", ev.ChannelMessage.Content)
			assert.Equal(t, "hello darn", ev.ChannelMessage.PushNotification.Body)
		})
	}
}

func TestPipelineRuleErrors(t *testing.T) {
	ev := processortest.NewEvent("x")
	out := processor.NewPipeline(processor.Stage{Name: "p", Rule: panicking}).Run(context.Background(), ev)
	require.Len(t, out.Errors, 1)
	re := out.Errors[0]
	assert.ErrorIs(t, re, processor.ErrRulePanic)
	assert.Equal(t, processor.PolicyDeny, re.Policy)
	assert.Contains(t, string(re.Stack), "panic")
	assert.Contains(t, out.Reason, `rule "p": panic: boom (error policy deny)`)

	out = processor.NewPipeline(processor.Stage{Name: "f", Rule: failing}).Run(context.Background(), ev)
	assert.Contains(t, out.Errors[0].Error(), "backend down")
	assert.Nil(t, out.Errors[0].Stack)
}

func TestPipelineLimits(t *testing.T) {
	set := func(f func(m *processor.Message)) processor.Rule {
		return processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
			f(m)
			return processor.Continue, nil
		})
	}
	tests := []struct {
		name  string
		rule  processor.Rule
		field string
	}{
		{"metadata 1025", set(func(m *processor.Message) { m.Metadata = strings.Repeat("ü", 1025) }), "ChannelMessage.Metadata"},
		{"push title 51", set(func(m *processor.Message) { m.PushNotification.Title = strings.Repeat("t", 51) }), "PushNotification.Title"},
		{"push body 151", set(func(m *processor.Message) { m.PushNotification.Body = strings.Repeat("b", 151) }), "PushNotification.Body"},
		{"push type", set(func(m *processor.Message) { m.PushNotification.Type = "LOUD" }), "PushNotification.Type"},
		{"attribute name 65", set(func(m *processor.Message) {
			m.MessageAttributes = map[string]messagingAttr{strings.Repeat("n", 65): {StringValues: []string{"v"}}}
		}), "MessageAttributes"},
		{"attribute value 513", set(func(m *processor.Message) {
			m.MessageAttributes = map[string]messagingAttr{"n": {StringValues: []string{strings.Repeat("v", 513)}}}
		}), "StringValues[0]"},
		{"attribute value empty", set(func(m *processor.Message) {
			m.MessageAttributes = map[string]messagingAttr{"n": {StringValues: []string{""}}}
		}), "StringValues[0]"},
		{"content empty", set(func(m *processor.Message) { m.Content = "" }), "Content"},
		{"metadata line break", set(func(m *processor.Message) { m.Metadata = "{\n}" }), "ChannelMessage.Metadata: line break (U+000A) at character 2"},
		{"metadata U+2028", set(func(m *processor.Message) { m.Metadata = "a\u2028" }), "ChannelMessage.Metadata: line break (U+2028)"},
		{"push title line break", set(func(m *processor.Message) { m.PushNotification.Title = "a\r\nb" }), "PushNotification.Title: line break (U+000D)"},
		{"content invalid UTF-8", set(func(m *processor.Message) { m.Content = "ok \xff" }), "ChannelMessage.Content: invalid UTF-8 at byte 3"},
		{"push body invalid UTF-8", set(func(m *processor.Message) { m.PushNotification.Body = "\xc3" }), "PushNotification.Body: invalid UTF-8 at byte 0"},
		{"attribute value invalid UTF-8", set(func(m *processor.Message) {
			m.MessageAttributes = map[string]messagingAttr{"n": {StringValues: []string{"\xed\xa0\x80"}}}
		}), "MessageAttributes[" + messaging.AttributeRef("n") + "].StringValues[0]: invalid UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := processortest.NewEvent("hi", processortest.WithPush("t", "b"))
			for _, policy := range []processor.ErrorPolicy{processor.PolicyDeny, processor.PolicyAllow} {
				out := (&processor.Pipeline{Stages: []processor.Stage{{Name: "r", Rule: tt.rule}}, OnError: policy}).Run(context.Background(), ev)
				require.Len(t, out.Errors, 1)
				assert.ErrorIs(t, out.Errors[0], processor.ErrLimit)
				assert.Contains(t, out.Errors[0].Error(), tt.field)
				if policy == processor.PolicyDeny {
					assert.Equal(t, processor.ActionDeny, out.Action)
				} else {
					assert.Equal(t, processor.ActionAllow, out.Action, "the rewrite is undone")
				}
				require.NoError(t, processor.NewCallback(ev, &out).Validate())
			}
		})
	}
	// At the limits is fine, and line breaks where the model allows them.
	ok := set(func(m *processor.Message) {
		m.Content = "line\r\nbreaks\u2028are fine in content"
		m.Metadata = strings.Repeat("ü", 1024)
		m.PushNotification.Title = strings.Repeat("t", 50)
		m.PushNotification.Body = strings.Repeat("b", 149) + "\n"
		m.MessageAttributes = map[string]messagingAttr{strings.Repeat("n", 64): {StringValues: []string{strings.Repeat("v", 512)}}}
	})
	out := processor.NewPipeline(processor.Stage{Name: "r", Rule: ok}).Run(context.Background(), processortest.NewEvent("hi", processortest.WithPush("t", "b")))
	assert.Empty(t, out.Errors)
	assert.Equal(t, processor.ActionRewrite, out.Action)
	assert.Equal(t, []string{"Content", "Metadata", "PushNotification", "MessageAttributes"}, out.Changed)
}

func TestPipelineDryRunRecords(t *testing.T) {
	p := processor.NewPipeline(
		processor.Stage{Name: "would-deny", Rule: deny, DryRun: true},
		processor.Stage{Name: "would-rewrite", Rule: replace("a", "b"), DryRun: true},
		processor.Stage{Name: "would-fail", Rule: failing, DryRun: true},
		processor.Stage{Name: "real", Rule: replace("a", "c")},
	)
	out := p.Run(context.Background(), processortest.NewEvent("aaa"))
	assert.Equal(t, processor.ActionRewrite, out.Action)
	assert.Equal(t, "ccc", out.Message.Content)
	assert.Equal(t, []processor.DryRunResult{
		{Rule: "would-deny", Would: processor.ActionDeny, Reason: "no"},
		{Rule: "would-rewrite", Would: processor.ActionRewrite, Changed: []string{"Content"}},
		{Rule: "would-fail", Would: processor.ActionError, Error: "backend down"},
	}, out.DryRun)
}

func TestPipelineWorkingCopyIsolation(t *testing.T) {
	ev := processortest.NewEvent("x", processortest.WithAttribute("tags", "a", "b"), processortest.WithPush("t", "b"))
	mutate := processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		m.MessageAttributes["tags"].StringValues[0] = "changed"
		m.PushNotification.Title = "changed"
		return processor.Continue, nil
	})
	out := processor.NewPipeline(processor.Stage{Name: "m", Rule: mutate}).Run(context.Background(), ev)
	assert.Equal(t, processor.ActionRewrite, out.Action)
	assert.Equal(t, []string{"a", "b"}, ev.ChannelMessage.MessageAttributes["tags"].StringValues)
	assert.Equal(t, "t", ev.ChannelMessage.PushNotification.Title)
	assert.Equal(t, []string{"PushNotification", "MessageAttributes"}, out.Changed)
}

func TestPipelineActedAndReadOnlyView(t *testing.T) {
	var seen []string
	var edited bool
	record := processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		seen = append([]string(nil), m.Acted()...)
		edited = m.Edited()
		assert.Equal(t, "msg-0001", m.Event().ChannelMessage.MessageID)
		assert.Equal(t, "Alice", m.Sender().Name)
		assert.Equal(t, "PERSISTENT", m.Persistence())
		return processor.Continue, nil
	})
	p := processor.NewPipeline(processor.Stage{Name: "one", Rule: replace("a", "b")}, processor.Stage{Name: "two", Rule: allow}, processor.Stage{Name: "rec", Rule: record})
	p.Run(context.Background(), processortest.NewEvent("a", processortest.Edited()))
	assert.Equal(t, []string{"one"}, seen)
	assert.True(t, edited)
}

func TestPipelineConcurrent(t *testing.T) {
	p := processor.NewPipeline(processor.Stage{Name: "r", Rule: replace("darn", "****")})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				content := strings.Repeat("darn ", i%4+1)
				out := p.Run(context.Background(), processortest.NewEvent(content))
				if out.Message.Content != strings.ReplaceAll(content, "darn", "****") {
					t.Errorf("got %q", out.Message.Content)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func TestMetadataField(t *testing.T) {
	tests := []struct {
		metadata string
		want     string
		err      error
	}{
		{"", `{"moderated":true}`, nil},
		{`{"b":1,"a":{"x":2}}`, `{"a":{"x":2},"b":1,"moderated":true}`, nil},
		{`{"moderated":false}`, `{"moderated":true}`, nil},
		{`not json`, `not json`, processor.ErrMetadataNotObject},
		{`[1,2]`, `[1,2]`, processor.ErrMetadataNotObject},
		{`null`, `null`, processor.ErrMetadataNotObject},
		{`{"a":"x\u2028y"}`, `{"a":"x\u2028y","moderated":true}`, nil},
		// Metadata is not HTML: <, > and & stay one character each.
		{`{"a":"<b> & c"}`, `{"a":"<b> & c","moderated":true}`, nil},
	}
	for _, tt := range tests {
		m := processor.NewMessage(processortest.NewEvent("x", processortest.WithMetadata(tt.metadata)))
		err := m.SetMetadataField("moderated", true)
		assert.ErrorIs(t, err, tt.err)
		assert.Equal(t, tt.want, m.Metadata)
	}
	// A value with line terminators stays on one line, as the model's
	// pattern for Metadata wants.
	m := processor.NewMessage(processortest.NewEvent("x"))
	require.NoError(t, m.SetMetadataField("note", "a\nb\u0085c\u2028d\u2029e\r"))
	assert.Equal(t, `{"note":"a\nb\u0085c\u2028d\u2029e\r"}`, m.Metadata)
	assert.Equal(t, -1, messaging.LineBreak(m.Metadata))
}

func TestParseErrorPolicy(t *testing.T) {
	for in, want := range map[string]processor.ErrorPolicy{"": processor.PolicyDeny, "deny": processor.PolicyDeny, "allow": processor.PolicyAllow} {
		got, err := processor.ParseErrorPolicy(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := processor.ParseErrorPolicy("ignore")
	assert.ErrorContains(t, err, `"ignore"`)
}

type messagingAttr = messaging.MessageAttributeValue
