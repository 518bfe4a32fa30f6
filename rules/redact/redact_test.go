package redact

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
)

type msg struct {
	content  string
	metadata string
	push     *messaging.PushNotificationConfiguration
	attrs    map[string]messaging.MessageAttributeValue
}

// newMessage returns a message with m's fields from
// processortest.NewEvent.
func newMessage(m msg) *processor.Message {
	ev := processortest.NewEvent(m.content, processortest.WithMetadata(m.metadata))
	ev.ChannelMessage.PushNotification = m.push
	ev.ChannelMessage.MessageAttributes = m.attrs
	return processor.NewMessage(ev)
}

func attr(values ...string) messaging.MessageAttributeValue {
	return messaging.MessageAttributeValue{StringValues: values}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		options string
		in      msg
		want    msg    // when not denied
		deny    string // the deny reason; "" for no denial
	}{
		{
			name: "clean message",
			in:   msg{content: "See you at 10:30 on 2024-01-15, order 123456789 ($1,299.99)."},
			want: msg{content: "See you at 10:30 on 2024-01-15, order 123456789 ($1,299.99)."},
		},
		{
			name: "labels by default",
			in:   msg{content: "Mail jo@example.com, call +44 20 7946 0958, pay 4111 1111 1111 1111!"},
			want: msg{content: "Mail [email], call [phone], pay [card]!"},
		},
		{
			name:    "custom labels",
			options: `labels: {email: "<e-mail hidden>", card: "💳"}`,
			in:      msg{content: "jo@example.com 4111111111111111 (415) 555-2671"},
			want:    msg{content: "<e-mail hidden> 💳 [phone]"},
		},
		{
			name:    "mask keeps length and separators",
			options: "style: mask",
			in:      msg{content: "jo@example.com, +44 20 7946 0958, 4111-1111-1111-1111"},
			want:    msg{content: "**************, +** ** **** ****, ****-****-****-****"},
		},
		{
			name:    "mask counts characters, not bytes",
			options: `{style: mask, maskChar: "•"}`,
			in:      msg{content: "ünï@bücher.de"},
			want:    msg{content: "•••••••••••••"},
		},
		{
			name:    "last4 keeps a card's last four digits",
			options: "style: last4",
			in:      msg{content: "card 4111 1111 1111 1111 or 3782 822463 10005, tel 415-555-2671"},
			want:    msg{content: "card **** **** **** 1111 or **** ****** *0005, tel ***-***-****"},
		},
		{
			name:    "only some detectors",
			options: "detectors: [card]",
			in:      msg{content: "jo@example.com 4111111111111111"},
			want:    msg{content: "jo@example.com [card]"},
		},
		{
			name:    "card failing Luhn is kept",
			in:      msg{content: "ref 4111 1111 1111 1112"},
			want:    msg{content: "ref 4111 1111 1111 1112"},
			options: "",
		},
		{
			// Invalid UTF-8 cannot go out in a callback (encoding/json
			// would send U+FFFD for it anyway): a rewritten text has it
			// replaced. The engine itself keeps every byte (FuzzRedact).
			name: "characters around matches are kept exactly",
			in:   msg{content: "\t«jo@example.com»\u00a0\n\xff日本 +81 3 1234 5678。"},
			want: msg{content: "\t«[email]»\u00a0\n\uFFFD日本 [phone]。"},
		},
		{
			name: "push notification title and body",
			in: msg{content: "hi", push: &messaging.PushNotificationConfiguration{
				Title: "From jo@example.com", Body: "Call 415-555-2671", Type: "DEFAULT"}},
			want: msg{content: "hi", push: &messaging.PushNotificationConfiguration{
				Title: "From [email]", Body: "Call [phone]", Type: "DEFAULT"}},
		},
		{
			name:    "scope restricted to content",
			options: "scope: {push: false}",
			in:      msg{content: "jo@example.com", push: &messaging.PushNotificationConfiguration{Body: "jo@example.com"}},
			want:    msg{content: "[email]", push: &messaging.PushNotificationConfiguration{Body: "jo@example.com"}},
		},
		{
			name:    "a label too long for the push title gives way to the mask",
			options: `labels: {email: "[an e-mail address was removed from this notification]"}`,
			in:      msg{content: "x", push: &messaging.PushNotificationConfiguration{Title: "a@example.com", Body: "b"}},
			want: msg{content: "x", push: &messaging.PushNotificationConfiguration{
				Title: "*************", Body: "b"}},
		},
		{
			name: "patterns with names and replacements",
			options: `patterns:
  - {name: employee-id, regex: '\bEMP-\d{6}\b'}
  - {name: ticket, regex: '(?i)\bticket\s+#?(\d+)', replacement: 'ticket #$1 (redacted)'}
  - {name: secret, regex: 'sk_live_[0-9a-zA-Z]+', replacement: ""}`,
			in:   msg{content: "EMP-123456 sent Ticket 42 and key sk_live_abc123 to jo@example.com"},
			want: msg{content: "[employee-id] sent ticket #42 (redacted) and key  to [email]"},
		},
		{
			name:    "patterns are masked in style mask",
			options: `{style: mask, detectors: [], patterns: [{name: id, regex: 'ID-\d+'}]}`,
			in:      msg{content: "ID-12345 and ID-6"},
			want:    msg{content: "******** and ****"},
		},
		{
			name:    "a pattern that can match empty is never used empty",
			options: `{detectors: [], patterns: [{name: b, regex: '\bx*y'}]}`,
			in:      msg{content: "a y xxy"},
			want:    msg{content: "a [b] [b]"},
		},
		{
			name:    "overlapping matches: the earliest, then the longest",
			options: `patterns: [{name: host, regex: 'example\.com'}, {name: local, regex: 'jo@ex'}]`,
			in:      msg{content: "jo@example.com example.com"},
			want:    msg{content: "[email] [host]"},
		},
		{
			name:    "deny",
			options: "action: deny",
			in:      msg{content: "my card is 4111 1111 1111 1111"},
			deny:    "redact: Content contains a payment card number",
		},
		{
			name:    "deny on the push notification",
			options: "action: deny",
			in:      msg{content: "hi", push: &messaging.PushNotificationConfiguration{Body: "jo@example.com"}},
			deny:    "redact: PushNotification.Body contains an e-mail address",
		},
		{
			name:    "deny on a pattern",
			options: `{action: deny, detectors: [], patterns: [{name: employee-id, regex: 'EMP-\d+'}]}`,
			in:      msg{content: "I am EMP-42"},
			deny:    `redact: Content matches pattern "employee-id"`,
		},
		{
			name:    "deny lets a clean message through",
			options: "action: deny",
			in:      msg{content: "order 123456789, 2024"},
			want:    msg{content: "order 123456789, 2024"},
		},
		{
			name:    "metadata keys",
			options: "scope: {metadata: [note, profile.phone]}",
			in:      msg{content: "x", metadata: `{"note": "mail jo@example.com", "profile": {"phone": ["+44 20 7946 0958"], "email": "a@example.com"}, "n": 4111111111111111}`},
			want:    msg{content: "x", metadata: `{"note": "mail [email]", "profile": {"phone": ["[phone]"], "email": "a@example.com"}, "n": 4111111111111111}`},
		},
		{
			name:    "metadata with escapes",
			options: `{scope: {metadata: ["*"]}, labels: {email: "<\"e\">"}}`,
			in:      msg{content: "x", metadata: `{"a":"jo\u0040example.com \u00e9<>","b":"\"q\""}`},
			want:    msg{content: "x", metadata: `{"a":"<\"e\"> é<>","b":"\"q\""}`},
		},
		{
			name:    "metadata that is not JSON is left alone",
			options: "scope: {metadata: [note]}",
			in:      msg{content: "x", metadata: "note: jo@example.com"},
			want:    msg{content: "x", metadata: "note: jo@example.com"},
		},
		{
			name:    "metadata that is not JSON is text for *",
			options: `scope: {metadata: ["*"]}`,
			in:      msg{content: "x", metadata: "note: jo@example.com"},
			want:    msg{content: "x", metadata: "note: [email]"},
		},
		{
			name:    "metadata keys do not match values or keys",
			options: "scope: {metadata: [note]}",
			in:      msg{content: "x", metadata: `{"jo@example.com": "note", "other": "jo@example.com"}`},
			want:    msg{content: "x", metadata: `{"jo@example.com": "note", "other": "jo@example.com"}`},
		},
		{
			name:    "deny on metadata",
			options: "{action: deny, scope: {metadata: [profile]}}",
			in:      msg{content: "x", metadata: `{"profile": {"contact": {"tel": "(415) 555-2671"}}}`},
			deny:    `redact: Metadata.profile contains a telephone number`,
		},
		{
			name:    "attributes",
			options: "scope: {attributes: [comment]}",
			in: msg{content: "x", attrs: map[string]messaging.MessageAttributeValue{
				"comment": attr("ok", "jo@example.com"), "other": attr("jo@example.com")}},
			want: msg{content: "x", attrs: map[string]messaging.MessageAttributeValue{
				"comment": attr("ok", "[email]"), "other": attr("jo@example.com")}},
		},
		{
			name:    "all attributes, deny",
			options: `{action: deny, scope: {attributes: ["*"]}}`,
			in: msg{content: "x", attrs: map[string]messaging.MessageAttributeValue{
				"b": attr("jo@example.com"), "a": attr("4111111111111111")}},
			deny: `redact: MessageAttributes contains a payment card number`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := processortest.NewRule(t, Name, tt.options)
			m := newMessage(tt.in)
			v, err := r.Apply(context.Background(), m)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if tt.deny != "" {
				if !v.Deny || v.Reason != tt.deny {
					t.Fatalf("verdict %+v, want a denial: %q", v, tt.deny)
				}
				return
			}
			if v.Deny {
				t.Fatalf("denied: %s", v.Reason)
			}
			if m.Content != tt.want.content {
				t.Errorf("content\n got %q\nwant %q", m.Content, tt.want.content)
			}
			if m.Metadata != tt.want.metadata {
				t.Errorf("metadata\n got %s\nwant %s", m.Metadata, tt.want.metadata)
			}
			if (m.PushNotification == nil) != (tt.want.push == nil) || tt.want.push != nil && *m.PushNotification != *tt.want.push {
				t.Errorf("push %+v, want %+v", m.PushNotification, tt.want.push)
			}
			if !maps.EqualFunc(m.MessageAttributes, tt.want.attrs, func(a, b messaging.MessageAttributeValue) bool {
				return slices.Equal(a.StringValues, b.StringValues)
			}) {
				t.Errorf("attributes %v, want %v", m.MessageAttributes, tt.want.attrs)
			}
		})
	}
}

// TestAttributesCopyOnWrite checks that redacting an attribute never
// writes through to a slice the message shares with someone else.
func TestAttributesCopyOnWrite(t *testing.T) {
	r := processortest.NewRule(t, Name, "scope: {attributes: [a]}")
	m := newMessage(msg{content: "x"})
	shared := []string{"jo@example.com"}
	m.MessageAttributes = map[string]messaging.MessageAttributeValue{"a": {StringValues: shared}}
	if _, err := r.Apply(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if shared[0] != "jo@example.com" {
		t.Errorf("the shared slice was changed to %q", shared[0])
	}
	if got := m.MessageAttributes["a"].StringValues[0]; got != "[email]" {
		t.Errorf("attribute %q, want [email]", got)
	}
}

// TestPipeline runs the rule in a pipeline, which checks the rewritten
// message against the callback limits.
func TestPipeline(t *testing.T) {
	r := processortest.NewRule(t, Name, "style: last4")
	ev := processortest.NewEvent("pay with 5555 5555 5555 4444")
	out := processor.NewPipeline(processor.Stage{Name: "redact", Rule: r}).Run(context.Background(), ev)
	if out.Action != processor.ActionRewrite || out.Message.Content != "pay with **** **** **** 4444" || len(out.Errors) > 0 {
		t.Errorf("outcome %s %q %v", out.Action, out.Message.Content, out.Errors)
	}
	if ev.ChannelMessage.Content != "pay with 5555 5555 5555 4444" {
		t.Errorf("the event was changed")
	}
}

// TestOptionErrors loads whole configuration files, as the processor
// does, and checks that every mistake is reported at its place.
func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name, options string // the options start at line 4, column 7
		want          []string
	}{
		{"bad action", "action: block", []string{`:4:15: rule redact: option action: "block" is not mask or deny`}},
		{"bad style", "style: stars", []string{`:4:14: rule redact: option style: "stars" is not label, mask or last4`}},
		{"unknown detector", "detectors: [email, iban]", []string{`:4:26: rule redact: option detectors.1: unknown detector "iban"`}},
		{"detector twice", "detectors: [email, email]", []string{`:4:26: rule redact: option detectors.1: "email" given twice`}},
		{"nothing to redact", "detectors: []", []string{`:4:18: rule redact: option detectors: nothing to redact`}},
		{"bad mask", `maskChar: "**"`, []string{`:4:17: rule redact: option maskChar: "**" is not a single character`}},
		{"unknown label", `labels: {ssn: "[ssn]"}`, []string{`:4:21: rule redact: option labels.ssn: unknown kind "ssn"`}},
		{"bad regex", `patterns: [{name: x, regex: 'a(b'}]`, []string{`:4:35: rule redact: option patterns.0.regex: bad regular expression`}},
		{"empty regex match", `patterns: [{name: x, regex: 'a*'}]`, []string{`:4:35: rule redact: option patterns.0.regex: "a*" matches the empty string`}},
		{"pattern without name or regex", `patterns: [{replacement: x}]`, []string{`:4:18: rule redact: option patterns.0: name is required`, `:4:18: rule redact: option patterns.0: regex is required`}},
		{"duplicate pattern", `patterns: [{name: x, regex: a}, {name: x, regex: b}]`, []string{`:4:46: rule redact: option patterns.1.name: two patterns are named "x"`}},
		{"too costly a regex", `patterns: [{name: x, regex: 'a{1000}'}]`, []string{`:4:35: rule redact: option patterns.0.regex: regular expression too costly: it repeats a part 1000 times, over the bound of 100`}},
		{"old fields option", "fields: [content]", []string{`:4:7: rule redact: unknown option "fields" (known: detectors, patterns, action, style, labels, maskChar, scope)`}},
		{"nowhere to look", "scope: {content: false, push: false}", []string{`:4:14: rule redact: option scope: covers nothing`}},
		{"bad metadata path", `scope: {metadata: ["a..b", ""]}`, []string{`:4:26: rule redact: option scope.metadata.0`, `:4:34: rule redact: option scope.metadata.1`}},
		{"unknown option", "mask: true", []string{`:4:7: rule redact: unknown option "mask"`}},
		{
			"several at once",
			"action: block\nstyle: stars\ndetectors: [ssn]",
			[]string{":4:15: rule redact: option action", ":5:14: rule redact: option style", ":6:19: rule redact: option detectors.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ruletest.ExpectProblems(t, ruletest.OptionProblems(t, Name, "redact.yaml", tt.options), tt.want)
		})
	}
}

func TestNew(t *testing.T) {
	repl := "[id]"
	r, err := New(Config{
		Detectors: []string{KindEmail},
		Patterns:  []Pattern{{Name: "id", Regex: `ID-\d+`, Replacement: &repl}},
		Scope:     rules.Scope{Push: new(false)},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := newMessage(msg{content: "ID-7 jo@example.com 4111111111111111"})
	if _, err := r.Apply(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if want := "[id] [email] 4111111111111111"; m.Content != want {
		t.Errorf("content %q, want %q", m.Content, want)
	}
	_, err = New(Config{Action: "x", Style: "y"})
	if err == nil || !strings.Contains(err.Error(), "option action") || !strings.Contains(err.Error(), "option style") {
		t.Errorf("New with two mistakes: %v", err)
	}
}

func TestCleanMessageDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	for _, options := range []string{
		"",
		"style: mask",
		"action: deny",
		"scope: {metadata: [note]}",
		// Not patterns: the regexp package pools its machines, and the
		// race detector empties pools at random.
	} {
		r := processortest.NewRule(t, Name, options)
		m := newMessage(msg{
			content:  "A clean message: meet at 10:30 on 2024-01-15, order 123456789 costs $1,299.99 (v1.2.3).",
			metadata: `{"note": "nothing here", "n": 2024}`,
			push:     &messaging.PushNotificationConfiguration{Title: "Alice", Body: "A clean message", Type: "DEFAULT"},
		})
		if n := testing.AllocsPerRun(100, func() { _, _ = r.Apply(ctx, m) }); n != 0 {
			t.Errorf("options %q: Apply on a clean message allocates %v times, want 0", options, n)
		}
	}
}

// FuzzRedact checks that redaction never panics, replaces exactly what
// Find finds and keeps every other byte, keeps valid UTF-8 valid, and
// keeps the length in characters with style mask.
func FuzzRedact(f *testing.F) {
	labels := processortest.NewRule(f, Name, "").(*Rule)
	mask := processortest.NewRule(f, Name, "style: mask").(*Rule)
	f.Fuzz(func(t *testing.T, text string) {
		var want strings.Builder
		last := 0
		for _, m := range Find(text) {
			want.WriteString(text[last:m.Start] + "[" + m.Kind + "]")
			last = m.End
		}
		want.WriteString(text[last:])
		got, _ := labels.redact(text)
		if got != want.String() {
			t.Fatalf("redact(%q) = %q, want %q", text, got, want.String())
		}
		if utf8.ValidString(text) && !utf8.ValidString(got) {
			t.Fatalf("redact(%q) = %q is not valid UTF-8", text, got)
		}
		masked, _ := mask.redact(text)
		if utf8.RuneCountInString(masked) != utf8.RuneCountInString(text) {
			t.Fatalf("masking %q gave %q, of another length", text, masked)
		}
	})
}

// FuzzMetadata checks that redacting JSON metadata never panics and keeps
// valid JSON valid, that metadata which is not JSON is left intact (unless
// "*" covers it), and that metadata that fitted the callback still fits
// once labelled.
func FuzzMetadata(f *testing.F) {
	r := processortest.NewRule(f, Name, `{scope: {metadata: [a, b.c]}, style: mask}`).(*Rule)
	labels := processortest.NewRule(f, Name, `scope: {content: false, push: false, metadata: ["*"]}`).(*Rule)
	f.Fuzz(func(t *testing.T, doc string) {
		m := newMessage(msg{content: "x", metadata: doc})
		if _, err := r.Apply(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		valid := json.Valid([]byte(doc))
		switch {
		case valid && !json.Valid([]byte(m.Metadata)):
			t.Fatalf("metadata %s became invalid: %s", doc, m.Metadata)
		case !valid && m.Metadata != doc:
			t.Fatalf("metadata %q is not JSON but was changed to %q", doc, m.Metadata)
		}
		if strings.ContainsAny(doc, "\n\r\u0085\u2028\u2029") {
			return // the processor repairs such metadata as it decodes an event
		}
		m = newMessage(msg{content: "x", metadata: doc})
		if _, err := labels.Apply(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if valid && !json.Valid([]byte(m.Metadata)) {
			t.Fatalf("metadata %s became invalid: %s", doc, m.Metadata)
		}
		if m.Metadata != doc && utf8.RuneCountInString(doc) <= messaging.MaxMetadataLen {
			if n := utf8.RuneCountInString(m.Metadata); n > messaging.MaxMetadataLen || strings.ContainsAny(m.Metadata, "\u0085\u2028\u2029") {
				t.Fatalf("labelling %q gave %q (%d characters), which does not fit", doc, m.Metadata, n)
			}
		}
	})
}
