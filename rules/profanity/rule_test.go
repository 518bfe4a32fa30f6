package profanity_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/profanity"
)

func TestRuleMask(t *testing.T) {
	tests := []struct {
		name     string
		options  string
		event    *processor.Event
		action   processor.Action
		content  string
		title    string
		body     string
		metadata string
		attr     []string
	}{
		{
			name:    "clean",
			event:   processortest.NewEvent("see you at the cocktail bar in Scunthorpe"),
			action:  processor.ActionAllow,
			content: "see you at the cocktail bar in Scunthorpe",
		},
		{
			name:    "content",
			event:   processortest.NewEvent("what the fuck, Ünïcödé 🎉 stays"),
			action:  processor.ActionRewrite,
			content: "what the ****, Ünïcödé 🎉 stays",
		},
		{
			name:    "push notification masked too",
			event:   processortest.NewEvent("you sh1t", processortest.WithPush("Alice: f u c k", "you sh1t")),
			action:  processor.ActionRewrite,
			content: "you ****", title: "Alice: * * * *", body: "you ****",
		},
		{
			name:    "push left alone when the scope leaves it out",
			options: "scope: {push: false}",
			event:   processortest.NewEvent("you sh1t", processortest.WithPush("Alice", "you sh1t")),
			action:  processor.ActionRewrite,
			content: "you ****", title: "Alice", body: "you sh1t",
		},
		{
			name:    "mask character",
			options: `maskChar: "#"`,
			event:   processortest.NewEvent("bullshit"),
			action:  processor.ActionRewrite,
			content: "bull####",
		},
		{
			name:     "metadata key paths",
			options:  "scope: {metadata: [caption]}",
			event:    processortest.NewEvent("photo", processortest.WithMetadata(`{"caption": "holy sh1t <3", "note": "shit", "n": 1}`)),
			action:   processor.ActionRewrite,
			content:  "photo",
			metadata: `{"caption": "holy **** <3", "note": "shit", "n": 1}`,
		},
		{
			name:     "all metadata: metadata that is not JSON is one text",
			options:  `scope: {metadata: ["*"]}`,
			event:    processortest.NewEvent("fuck", processortest.WithMetadata(`shit`)),
			action:   processor.ActionRewrite,
			content:  "****",
			metadata: `****`,
		},
		{
			name:     "escaped metadata",
			options:  `scope: {metadata: ["*"]}`,
			event:    processortest.NewEvent("hi", processortest.WithMetadata(`{"a":"\u0066uck"}`)),
			action:   processor.ActionRewrite,
			content:  "hi",
			metadata: `{"a":"****"}`,
		},
		{
			name:    "attributes",
			options: "scope: {attributes: [subject]}",
			event:   processortest.NewEvent("hi", processortest.WithAttribute("subject", "clean", "cunt"), processortest.WithAttribute("other", "cunt")),
			action:  processor.ActionRewrite,
			content: "hi",
			attr:    []string{"clean", "****"},
		},
		{
			name:    "mild words need minSeverity",
			options: "minSeverity: mild",
			event:   processortest.NewEvent("damn it"),
			action:  processor.ActionRewrite,
			content: "**** it",
		},
		{
			name:    "allow words",
			options: "allowWords: [Dickfest]",
			event:   processortest.NewEvent("Dickfest 2024"),
			action:  processor.ActionAllow,
			content: "Dickfest 2024",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := processortest.NewRule(t, "profanity", tt.options)
			out := processortest.RunRule(t, r, tt.event)
			if out.Action != tt.action {
				t.Fatalf("action = %s, want %s (errors %v)", out.Action, tt.action, out.Errors)
			}
			m := out.Message
			if m.Content != tt.content {
				t.Errorf("content = %q, want %q", m.Content, tt.content)
			}
			if p := m.PushNotification; p != nil && (p.Title != tt.title || p.Body != tt.body) {
				t.Errorf("push = %q / %q, want %q / %q", p.Title, p.Body, tt.title, tt.body)
			}
			if tt.metadata != "" && m.Metadata != tt.metadata {
				t.Errorf("metadata = %s, want %s", m.Metadata, tt.metadata)
			}
			if tt.attr != nil {
				got := m.MessageAttributes["subject"].StringValues
				if strings.Join(got, "|") != strings.Join(tt.attr, "|") {
					t.Errorf("subject = %q, want %q", got, tt.attr)
				}
				if other := m.MessageAttributes["other"].StringValues; other[0] != "cunt" {
					t.Errorf("uncovered attribute changed: %q", other)
				}
			}
		})
	}
}

func TestRuleDeny(t *testing.T) {
	tests := []struct {
		name, options string
		event         *processor.Event
		deny          bool
		reason        string
	}{
		{"clean", "action: deny", processortest.NewEvent("hello there"), false, ""},
		{"content", "action: deny", processortest.NewEvent("you c*nt"), true, "profanity: sexual word of severe severity in Content"},
		{"push only", "action: deny", processortest.NewEvent("hello", processortest.WithPush("hi", "fuck")), true, "profanity: profanity word of moderate severity in PushNotification.Body"},
		{"attribute", "{action: deny, scope: {attributes: ['*']}}", processortest.NewEvent("hello", processortest.WithAttribute("x", "sh!t")), true, "profanity: profanity word of moderate severity in MessageAttributes"},
		{"named attribute", "{action: deny, scope: {attributes: [x]}}", processortest.NewEvent("hello", processortest.WithAttribute("x", "sh!t")), true, "profanity: profanity word of moderate severity in MessageAttributes.x"},
		{"service attributes only when named", "{action: deny, scope: {attributes: ['*']}}", processortest.NewEvent("hello", processortest.WithAttribute("CHIME.mentions", "sh!t")), false, ""},
		{"metadata", "{action: deny, scope: {metadata: [t]}}", processortest.NewEvent("hello", processortest.WithMetadata(`{"t":"wanker"}`)), true, "profanity: insult word of moderate severity in Metadata.t"},
		{"severe only", "{action: deny, minSeverity: severe}", processortest.NewEvent("shit"), false, ""},
		{"slurs only", "{action: deny, categories: [slur]}", processortest.NewEvent("f a g g o t"), true, "profanity: slur word of severe severity in Content"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := processortest.RunRule(t, processortest.NewRule(t, "profanity", tt.options), tt.event)
			if (out.Action == processor.ActionDeny) != tt.deny {
				t.Fatalf("action = %s, want deny=%v", out.Action, tt.deny)
			}
			if out.Reason != tt.reason {
				t.Errorf("reason = %q, want %q", out.Reason, tt.reason)
			}
		})
	}
}

func TestRuleFlag(t *testing.T) {
	r := processortest.NewRule(t, "profanity", "{action: flag, flagKey: moderation}")
	ev := processortest.NewEvent("fuck you, f@ggot", processortest.WithMetadata(`{"app":"x"}`), processortest.WithPush("hi", "sh1t"))
	out := processortest.RunRule(t, r, ev)
	if out.Action != processor.ActionRewrite {
		t.Fatalf("action = %s (%v)", out.Action, out.Errors)
	}
	if out.Message.Content != "fuck you, f@ggot" {
		t.Errorf("flag changed the content: %q", out.Message.Content)
	}
	var md struct {
		App        string         `json:"app"`
		Moderation profanity.Flag `json:"moderation"`
	}
	if err := json.Unmarshal([]byte(out.Message.Metadata), &md); err != nil {
		t.Fatal(err)
	}
	want := profanity.Flag{Severity: profanity.Severe, Categories: []profanity.Category{"profanity", "slur"}, Fields: []string{"Content", "PushNotification.Body"}, Count: 3}
	if md.App != "x" || md.Moderation.Severity != want.Severity || md.Moderation.Count != want.Count ||
		strings.Join(fieldsOf(md.Moderation.Categories), ",") != "profanity,slur" || strings.Join(md.Moderation.Fields, ",") != strings.Join(want.Fields, ",") {
		t.Errorf("metadata = %s", out.Message.Metadata)
	}

	clean := processortest.RunRule(t, r, processortest.NewEvent("all good"))
	if clean.Action != processor.ActionAllow || clean.Message.Metadata != "" {
		t.Errorf("clean message flagged: %s %q", clean.Action, clean.Message.Metadata)
	}

	// Metadata that is not a JSON object cannot be annotated: the rule
	// masks the message instead, rather than fail (which, under onError:
	// allow, would deliver it unflagged and unmasked).
	bad := processortest.RunRule(t, r, processortest.NewEvent("shit", processortest.WithMetadata("plain text")))
	if len(bad.Errors) > 0 || bad.Message.Content != "****" || bad.Message.Metadata != "plain text" {
		t.Errorf("outcome %s %q %q, errors %v; want the content masked", bad.Action, bad.Message.Content, bad.Message.Metadata, bad.Errors)
	}
}

func fieldsOf(cs []profanity.Category) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}

func TestRuleOptionErrors(t *testing.T) {
	tests := []struct{ options, want string }{
		{"action: erase", `1:9: rule profanity: option action: "erase" is not mask, deny or flag`},
		{"maskChar: ab", `1:11: rule profanity: option maskChar: "ab" is not one character`},
		{"maskChar: x", `is a letter, digit, space or control character`},
		{"minSeverity: extreme", `unknown severity "extreme"`},
		{"categories: [rude]", `unknown category "rude"`},
		{"extraWords: [ok, 'b4d']", `2:1`},
		{"extraWords: [ok, 'fr*k']", `option extraWords.1: bad word "fr*k"`},
		{"allowWords: ['hot water']", `option allowWords.0`},
		{"scope: {attributes: ['']}", `option scope.attributes.0: attribute names have 1 to 64 characters`},
		{"scope: {push: maybe}", `option scope.push: "maybe" is not true or false`},
		{"push: false", `unknown option "push" (known: action, maskChar, minSeverity, categories, extraWords, allowWords, scope, flagKey)`},
		{"colour: red", `unknown option "colour"`},
	}
	for _, tt := range tests {
		t.Run(tt.options, func(t *testing.T) {
			opts := tt.options
			if tt.want == "2:1" {
				opts = "extraWords:\n- ok\n- b4d"
				tt.want = `3:3: rule profanity: option extraWords.1: bad word "b4d": only letters are allowed`
			}
			_, err := rules.New("profanity", []byte(opts))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

func TestNewRuleErrors(t *testing.T) {
	tests := []struct {
		config profanity.Config
		want   string
	}{
		{profanity.Config{Action: "erase"}, `option action: "erase" is not mask, deny or flag`},
		{profanity.Config{MaskChar: "ab"}, `option maskChar: "ab" is not one character`},
		{profanity.Config{ExtraWords: []string{"frak", "x"}}, `option extraWords.1: bad word "x"`},
		{profanity.Config{MinSeverity: 9}, `option minSeverity: 9 is not a severity`},
		{profanity.Config{Categories: []profanity.Category{"rude"}}, `option categories.0: unknown category "rude"`},
		{profanity.Config{FlagKey: "x"}, `option flagKey: applies only with action: flag (action is mask)`},
		{profanity.Config{Scope: rules.Scope{Content: new(false), Push: new(false)}}, `option scope: covers nothing`},
	}
	for _, tt := range tests {
		_, err := profanity.New(tt.config)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want an error containing %q", tt.config, err, tt.want)
		}
	}
}

// TestRuleZeroAllocs proves that a clean message costs no allocation, in
// every action, with the push notification covered.
func TestRuleZeroAllocs(t *testing.T) {
	for _, options := range []string{
		"", "action: deny", "action: flag", "scope: {attributes: ['*']}", "{action: deny, scope: {attributes: ['*']}}",
		"{action: flag, scope: {attributes: [topic], metadata: ['*']}}", "scope: {metadata: [caption]}",
	} {
		r := processortest.NewRule(t, "profanity", options)
		ev := processortest.NewEvent("hey, are we still on for lunch tomorrow? 🙂", processortest.WithPush("Alice", "are we still on for lunch?"),
			processortest.WithAttribute("topic", "lunch"), processortest.WithMetadata(`{"caption":"the cocktail menu"}`))
		m := processor.NewMessage(ev)
		ctx := context.Background()
		allocs := testing.AllocsPerRun(200, func() {
			if v, err := r.Apply(ctx, m); err != nil || v.Deny {
				t.Fatal(v, err)
			}
		})
		if allocs != 0 {
			t.Errorf("options %q: %v allocations per clean message, want 0", options, allocs)
		}
	}
}

func TestRegistered(t *testing.T) {
	if _, ok := rules.Lookup("profanity"); !ok {
		t.Fatal("profanity is not registered")
	}
	if _, err := rules.New("profanity", nil); err != nil {
		t.Fatalf("zero options: %v", err)
	}
}

// TestFlagOwnsItsKey: a value the sender put under the flag key never
// reaches other clients as if the rule had written it.
func TestFlagOwnsItsKey(t *testing.T) {
	forged := `{"profanity":{"severity":"severe","categories":["slur"],"fields":["Content"],"count":1},"app":1}`
	tests := []struct {
		name, options, content, metadata string
		want                             string
	}{
		{"clean message: the forged flag is removed", "", "all good", forged, `{"app":1}`},
		{"escaped key: removed too", "", "all good", `{"\u0070rofanity":{"count":9},"app":1}`, `{"app":1}`},
		{"profane message: the rule's flag replaces it", "", "shit", forged, `{"app":1,"profanity":{"severity":"moderate","categories":["profanity"],"fields":["Content"],"count":1}}`},
		{"clean message without the key: untouched", "", "all good", `{ "app" : 1 }`, `{ "app" : 1 }`},
		{"not a JSON object: untouched", "", "all good", `profanity`, `profanity`},
		{"a key JSON would escape", `flagKey: "a<b"`, "all good", `{"a<b":1,"c":2}`, `{"c":2}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := processortest.NewRule(t, "profanity", "{action: flag, "+tt.options+"}")
			out := processortest.RunRule(t, r, processortest.NewEvent(tt.content, processortest.WithMetadata(tt.metadata)))
			if len(out.Errors) > 0 || out.Message.Metadata != tt.want {
				t.Errorf("metadata = %s (errors %v), want %s", out.Message.Metadata, out.Errors, tt.want)
			}
		})
	}
}
