package links

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
)

// newMessage returns a message with content and push from
// processortest.NewEvent.
func newMessage(content string, push *messaging.PushNotificationConfiguration) *processor.Message {
	ev := processortest.NewEvent(content)
	ev.ChannelMessage.PushNotification = push
	return processor.NewMessage(ev)
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		options string
		content string
		push    *messaging.PushNotificationConfiguration

		deny        string // substring of the deny reason; "" for no denial
		wantContent string // when not denied
		wantPush    *messaging.PushNotificationConfiguration
	}{
		{
			name:        "no links",
			options:     "deny: [evil.example.net]",
			content:     "nothing to see here, v1.2.3",
			wantContent: "nothing to see here, v1.2.3",
		},
		{
			name:    "deny list",
			options: "deny: [evil.example.net]",
			content: "look at https://www.EVIL.example.net/x",
			deny:    "links: Content links to www.evil.example.net, which is on the deny list",
		},
		{
			name:        "deny list does not cover look-alikes",
			options:     "deny: [evil.example.net]",
			content:     "see notevil.example.net/x and evil.example.network/x",
			wantContent: "see notevil.example.net/x and evil.example.network/x",
		},
		{
			name:        "allow list lets listed domains through",
			options:     "allow: [example.com]",
			content:     "docs at https://docs.example.com/a and example.com",
			wantContent: "docs at https://docs.example.com/a and example.com",
		},
		{
			name:    "allow list denies the others",
			options: "allow: [example.com]",
			content: "docs at https://docs.example.com/a or mirror.example.net",
			deny:    "links: Content links to mirror.example.net, which is not on the allow list",
		},
		{
			name:    "deny list wins over the allow list",
			options: "{allow: [example.com], deny: [ads.example.com]}",
			content: "https://ads.example.com/track",
			deny:    "ads.example.com, which is on the deny list",
		},
		{
			name:    "glob covers subdomains only",
			options: `deny: ["*.example.com"]`,
			content: "a.b.example.com/x",
			deny:    "a.b.example.com",
		},
		{
			name:        "glob does not cover the apex",
			options:     `deny: ["*.example.com"]`,
			content:     "example.com/x",
			wantContent: "example.com/x",
		},
		{
			name:    "no lists: no links at all",
			options: "",
			content: "try www.example.org",
			deny:    "links: Content links to www.example.org, and no links are allowed",
		},
		{
			name:    "Unicode host against a Unicode entry",
			options: "deny: [Bücher.example]",
			content: "https://xn--bcher-kva.example/",
			deny:    "xn--bcher-kva.example",
		},
		{
			name:    "Punycode host against a Unicode entry, and back",
			options: "deny: [xn--bcher-kva.de]",
			content: "bücher.de/katalog",
			deny:    "bücher.de",
		},
		{
			name:    "userinfo does not hide the host",
			options: "allow: [good.example]",
			content: "https://good.example@evil.example.net/",
			deny:    "evil.example.net, which is not on the allow list",
		},
		{
			name:        "bare domains can be ignored",
			options:     "{deny: [evil.example.net], bareDomains: false}",
			content:     "evil.example.net/x",
			wantContent: "evil.example.net/x",
		},
		{
			name:    "bare domains ignored, scheme still counts",
			options: "{deny: [evil.example.net], bareDomains: false}",
			content: "http://evil.example.net/x",
			deny:    "evil.example.net",
		},
		{
			name:        "push notification not checked when the scope leaves it out",
			options:     "{deny: [evil.example.net], scope: {push: false}}",
			content:     "hi",
			push:        &messaging.PushNotificationConfiguration{Title: "t", Body: "evil.example.net/x", Type: "DEFAULT"},
			wantContent: "hi",
			wantPush:    &messaging.PushNotificationConfiguration{Title: "t", Body: "evil.example.net/x", Type: "DEFAULT"},
		},
		{
			name:    "push notification body checked by default",
			options: "deny: [evil.example.net]",
			content: "hi",
			push:    &messaging.PushNotificationConfiguration{Title: "t", Body: "evil.example.net/x", Type: "DEFAULT"},
			deny:    "links: PushNotification.Body links to evil.example.net",
		},
		{
			name:        "strip removes the link and a space",
			options:     "{action: strip, deny: [evil.example.net]}",
			content:     "see https://evil.example.net/x now, or evil.example.net.",
			wantContent: "see now, or.",
		},
		{
			name:        "strip at the start of the text",
			options:     "{action: strip, deny: [evil.example.net]}",
			content:     "evil.example.net/x is bad",
			wantContent: "is bad",
		},
		{
			name:        "strip with a replacement",
			options:     `{action: strip, deny: [evil.example.net], replacement: "[link removed]"}`,
			content:     "see https://evil.example.net/x, and good.example",
			wantContent: "see [link removed], and good.example",
		},
		{
			name:        "strip keeps allowed links",
			options:     "{action: strip, allow: [example.com]}",
			content:     "ok: example.com/a, not ok other.example.org/b!",
			wantContent: "ok: example.com/a, not ok!",
		},
		{
			name:    "strip leaving nothing denies",
			options: "{action: strip}",
			content: "  https://example.com  ",
			deny:    "links: content was nothing but 1 disallowed link(s)",
		},
		{
			name:        "strip push notification",
			options:     `{action: strip, deny: [evil.example.net], replacement: "[link]"}`,
			content:     "fine",
			push:        &messaging.PushNotificationConfiguration{Title: "evil.example.net/a", Body: "go to evil.example.net/b now", Type: "DEFAULT"},
			wantContent: "fine",
			wantPush:    &messaging.PushNotificationConfiguration{Title: "[link]", Body: "go to [link] now", Type: "DEFAULT"},
		},
		{
			name:        "strip with Unicode around",
			options:     "{action: strip}",
			content:     "日本語 https://example.jp/パス 日本語",
			wantContent: "日本語 日本語",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := processortest.NewRule(t, Name, tt.options)
			m := newMessage(tt.content, tt.push)
			v, err := r.Apply(context.Background(), m)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			if tt.deny != "" {
				if !v.Deny || !strings.Contains(v.Reason, tt.deny) {
					t.Fatalf("verdict %+v, want a denial with %q", v, tt.deny)
				}
				return
			}
			if v.Deny {
				t.Fatalf("denied (%s), want %q", v.Reason, tt.wantContent)
			}
			if m.Content != tt.wantContent {
				t.Errorf("content %q, want %q", m.Content, tt.wantContent)
			}
			if (m.PushNotification == nil) != (tt.wantPush == nil) || tt.wantPush != nil && *m.PushNotification != *tt.wantPush {
				t.Errorf("push %+v, want %+v", m.PushNotification, tt.wantPush)
			}
		})
	}
}

// TestOptionErrors loads whole configuration files, as the processor
// does, and checks that every mistake is reported at its place.
func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name, options string // the options start at line 4, column 7
		want          []string
	}{
		{"bad action", "action: remove", []string{`:4:15: rule links: option action: "remove" is not deny or strip`}},
		{"unknown option", "denny: [x.com]", []string{`:4:7: rule links: unknown option "denny"`}},
		{"URL in a list", "deny: [https://x.com/]", []string{`:4:14: rule links: option deny.0: "https://x.com/" is a URL`}},
		{
			"several mistakes at once",
			"allow: [ok.example, \"a b\", \"\"]\ndeny: [x.com/path]",
			[]string{`:4:27: rule links: option allow.1`, `:4:34: rule links: option allow.2: empty domain`, `:5:14: rule links: option deny.0`},
		},
		{"replacement without strip", `replacement: "[x]"`, []string{":4:20: rule links: option replacement: is used only with action: strip"}},
		{"wrong type", "bareDomains: yes please", []string{`:4:20: rule links: option bareDomains: "yes please" is not true or false`}},
		{"bad scope", "scope: {push: false, content: false}", []string{":4:14: rule links: option scope: covers nothing"}},
		{"old push option", "pushNotification: true", []string{`:4:7: rule links: unknown option "pushNotification" (known: action, allow, deny, replacement, bareDomains, scope)`}},
		{"bad glob entry", `deny: ["*.exa mple.com"]`, []string{":4:14: rule links: option deny.0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ruletest.ExpectProblems(t, ruletest.OptionProblems(t, Name, "links.yaml", tt.options), tt.want)
		})
	}
}

func TestNew(t *testing.T) {
	off := false
	r, err := New(Config{Action: ActionStrip, Deny: []string{"evil.example.net"}, BareDomains: &off})
	if err != nil {
		t.Fatal(err)
	}
	m := newMessage("a http://evil.example.net b evil.example.net/x", nil)
	if _, err := r.Apply(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if want := "a b evil.example.net/x"; m.Content != want {
		t.Errorf("content %q, want %q", m.Content, want)
	}

	_, err = New(Config{Action: "nope", Allow: []string{"a/b"}})
	if err == nil || !strings.Contains(err.Error(), "option action") || !strings.Contains(err.Error(), "option allow.0") {
		t.Errorf("New with two mistakes: %v", err)
	}
}

func TestDomainsMatch(t *testing.T) {
	var bad rules.Problems
	d := parseDomains([]string{"Example.COM.", ".dot.example", "*.glob.example", "xn--bcher-kva.example"}, "deny", &bad)
	if err := bad.Err(); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]bool{
		"example.com":           true,
		"www.example.com":       true,
		"a.b.example.com":       true,
		"badexample.com":        false,
		"example.com.evil":      false,
		"dot.example":           true,
		"x.dot.example":         true,
		"glob.example":          false,
		"a.glob.example":        true,
		"xn--bcher-kva.example": true,
		"":                      false,
	} {
		if got := d.match(host); got != want {
			t.Errorf("match(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestCleanMessageDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	for _, options := range []string{"deny: [evil.example.net]", "{action: strip, allow: [example.com]}"} {
		r := processortest.NewRule(t, Name, options)
		m := newMessage("A long, clean message: no links, v1.2.3, 3.14, file.txt. And example.com/ok, allowed.", nil)
		if strings.Contains(options, "deny") {
			m.Content = "A long, clean message: no links, v1.2.3, 3.14, file.txt and README.md."
		}
		n := testing.AllocsPerRun(200, func() { _, _ = r.Apply(ctx, m) })
		if n != 0 {
			t.Errorf("%s: Apply on a clean message allocates %v times, want 0", options, n)
		}
	}
}

func BenchmarkApply(b *testing.B) {
	clean := strings.Repeat("A plain chat message, with sentences. Numbers: 3.14 and v1.2.3! ", 8)
	linked := clean + " see https://www.evil.example.net/path?q=1 and docs.example.com/a"
	for _, bc := range []struct{ name, options, content string }{
		{"deny/clean", "deny: [evil.example.net]", clean},
		{"deny/links", "allow: [example.com, evil.example.net]", linked},
		{"strip/clean", "{action: strip, deny: [evil.example.net]}", clean},
		{"strip/links", `{action: strip, deny: [evil.example.net], replacement: "[link]"}`, linked},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ruletest.BenchApply(b, processortest.NewRule(b, Name, bc.options), bc.content)
		})
	}
}

func BenchmarkFind(b *testing.B) {
	text := strings.Repeat("visit https://example.com/a, www.example.org or shop.example.co.uk/b. ", 8)
	b.ReportAllocs()
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		for pos := 0; ; {
			l, ok := next(text, pos, true)
			if !ok {
				break
			}
			pos = l.end
		}
	}
}

func TestStripShortensPush(t *testing.T) {
	r := processortest.NewRule(t, Name, `{action: strip, replacement: "[a link was removed here]"}`)
	title := "x.co/1 x.co/2 x.co/3 x.co/4 x.co/5 ok"
	m := newMessage("hello", &messaging.PushNotificationConfiguration{Title: title, Body: "b"})
	if _, err := r.Apply(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got := m.PushNotification.Title
	if n := utf8.RuneCountInString(got); n != messaging.MaxPushTitleLen || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "[a link was removed here] [a link") {
		t.Errorf("title %q (%d characters), want %d ending in an ellipsis", got, n, messaging.MaxPushTitleLen)
	}
	if m.PushNotification.Body != "b" {
		t.Errorf("body changed to %q", m.PushNotification.Body)
	}
}

// TestScope: the rule covers what its scope says, push notification
// included by default, so that a stripped link does not reach anyone
// through the notification; metadata and attributes when asked.
func TestScope(t *testing.T) {
	tests := []struct {
		name, options string
		event         *processor.Event
		want          *processor.Event
		deny          string
	}{
		{
			name:    "push notification stripped by default",
			options: "{action: strip, allow: [example.com]}",
			event:   processortest.NewEvent("see it", processortest.WithPush("Alice", "see https://evil.example.net/x")),
			want:    processortest.NewEvent("see it", processortest.WithPush("Alice", "see")),
		},
		{
			name:    "metadata and attributes when asked",
			options: "{action: strip, allow: [example.com], replacement: '[link]', scope: {metadata: [note], attributes: [url]}}",
			event: processortest.NewEvent("hi", processortest.WithMetadata(`{"note":"go to evil.example.net/x","other":"evil.example.net/y"}`),
				processortest.WithAttribute("url", "https://evil.example.net", "https://example.com")),
			want: processortest.NewEvent("hi", processortest.WithMetadata(`{"note":"go to [link]","other":"evil.example.net/y"}`),
				processortest.WithAttribute("url", "[link]", "https://example.com")),
		},
		{
			name:    "deny names the place from the configuration",
			options: "{deny: [evil.example.net], scope: {attributes: ['*']}}",
			event:   processortest.NewEvent("hi", processortest.WithAttribute("x-sender-chosen", "evil.example.net/x")),
			deny:    "links: MessageAttributes links to evil.example.net, which is on the deny list",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := processortest.RunRule(t, processortest.NewRule(t, Name, tt.options), tt.event)
			if tt.deny != "" {
				if out.Action != processor.ActionDeny || out.Reason != tt.deny {
					t.Fatalf("outcome %s %q, want a denial %q", out.Action, out.Reason, tt.deny)
				}
				return
			}
			want := processor.NewMessage(tt.want)
			assert.Equal(t, want.Content, out.Message.Content)
			assert.Equal(t, want.Metadata, out.Message.Metadata)
			assert.Equal(t, want.PushNotification, out.Message.PushNotification)
			assert.Equal(t, want.MessageAttributes, out.Message.MessageAttributes)
		})
	}
}
