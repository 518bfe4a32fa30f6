package links

import (
	"context"
	"strings"
	"testing"

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
			deny:    `links: Content links to a denied domain (deny entry "evil.example.net")`,
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
			deny:    "links: Content links to a domain not on the allow list",
		},
		{
			name:    "deny list wins over the allow list",
			options: "{allow: [example.com], deny: [ads.example.com]}",
			content: "https://ads.example.com/track",
			deny:    `(deny entry "ads.example.com")`,
		},
		{
			name:    "glob covers subdomains only",
			options: `deny: ["*.example.com"]`,
			content: "a.b.example.com/x",
			deny:    `(deny entry "*.example.com")`,
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
			deny:    "links: Content holds a link, and no links are allowed",
		},
		{
			name:    "Unicode host against a Unicode entry",
			options: "deny: [Bücher.example]",
			content: "https://xn--bcher-kva.example/",
			deny:    `(deny entry "Bücher.example")`,
		},
		{
			name:    "Punycode host against a Unicode entry, and back",
			options: "deny: [xn--bcher-kva.de]",
			content: "bücher.de/katalog",
			deny:    `(deny entry "xn--bcher-kva.de")`,
		},
		{
			name:    "userinfo does not hide the host",
			options: "allow: [good.example]",
			content: "https://good.example@evil.example.net/",
			deny:    "links: Content links to a domain not on the allow list",
		},
		{
			name:    "userinfo does not hide the host from a deny list",
			options: "deny: [evil.example.net]",
			content: "https://good.example@evil.example.net/",
			deny:    `links: Content links to a denied domain (deny entry "evil.example.net")`,
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
			deny:    `(deny entry "evil.example.net")`,
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
			deny:    `links: PushNotification.Body links to a denied domain (deny entry "evil.example.net")`,
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
		{"a port is not a domain", `deny: ["example.com:443", "[::1]:80", "[::1"]`, []string{
			`:4:14: rule links: option deny.0: "example.com:443" is not a domain name (no path, port or user)`,
			`:4:33: rule links: option deny.1: "[::1]:80" is not a domain name`,
			`:4:45: rule links: option deny.2: "[::1" is not a domain name`}},
		{"a host no browser reaches", `deny: ["[not-ipv6]", "a<b.com"]`, []string{
			`:4:14: rule links: option deny.0: "[not-ipv6]" is not a domain name a browser can reach`,
			`:4:28: rule links: option deny.1: "a<b.com" is not a domain name a browser can reach`}},
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
	d := parseDomains([]string{"Example.COM.", ".dot.example", "*.glob.example", "xn--bcher-kva.example", " spaced.example "}, "deny", &bad)
	if err := bad.Err(); err != nil {
		t.Fatal(err)
	}
	for host, want := range map[string]string{ // the entry that covers it
		"example.com":           "Example.COM.",
		"www.example.com":       "Example.COM.",
		"a.b.example.com":       "Example.COM.",
		"badexample.com":        "",
		"example.com.evil":      "",
		"dot.example":           ".dot.example",
		"x.dot.example":         ".dot.example",
		"glob.example":          "",
		"a.glob.example":        "*.glob.example",
		"xn--bcher-kva.example": "xn--bcher-kva.example",
		"spaced.example":        "spaced.example",
		"":                      "",
	} {
		if got, ok := d.match(host); got != want || ok != (want != "") {
			t.Errorf("match(%q) = %q, %v; want %q", host, got, ok, want)
		}
	}
}

// TestCleanMessageDoesNotAllocate: a message without links, and one with
// links written in lower case that do not offend, cost no allocation. (A
// host with upper-case letters costs one, to lower-case it; with a deny
// list, ambiguous links such as README.md are checked too.)
func TestCleanMessageDoesNotAllocate(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct{ options, content string }{
		{"deny: [evil.example.net]", "A long, clean message: no links, v1.2.3, 3.14, file.txt."},
		{"deny: [evil.example.net]", "A long, clean message: see readme.md, setup.py and example.com/ok."},
		{"{action: strip, allow: [example.com]}", "A long, clean message: no links, v1.2.3, 3.14, file.txt and README.md."},
		{"{action: strip, allow: [example.com]}", "A long, clean message: see example.com/ok and https://www.example.com, allowed."},
	} {
		r := processortest.NewRule(t, Name, tt.options)
		m := newMessage(tt.content, nil)
		n := testing.AllocsPerRun(200, func() { _, _ = r.Apply(ctx, m) })
		if n != 0 {
			t.Errorf("%s: Apply on %q allocates %v times, want 0", tt.options, tt.content, n)
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

// TestStripFitsPush: where the replacements would make a push
// notification's title too long, the links are removed without them; the
// body, which has room, keeps them.
func TestStripFitsPush(t *testing.T) {
	r := processortest.NewRule(t, Name, `{action: strip, replacement: "[a link was removed here]"}`)
	title := "x.co/1 x.co/2 x.co/3 x.co/4 x.co/5 ok"
	m := newMessage("hello", &messaging.PushNotificationConfiguration{Title: title, Body: "see x.co/1"})
	if _, err := r.Apply(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := m.PushNotification.Title; got != "ok" {
		t.Errorf("title %q, want %q", got, "ok")
	}
	if got := m.PushNotification.Body; got != "see [a link was removed here]" {
		t.Errorf("body %q", got)
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
			deny:    `links: MessageAttributes links to a denied domain (deny entry "evil.example.net")`,
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

// TestEveryKind: hostless links always offend; ambiguous links offend
// only through the deny list; every reading of a link's host is checked.
func TestEveryKind(t *testing.T) {
	const (
		none     = ""
		denyList = "deny: [evil.example, evil.zip, readme.md, good.example]"
		allow    = "allow: [example.com]"
		both     = "{allow: [example.com], deny: [evil.zip]}"
	)
	tests := []struct {
		name, content string
		want          map[string]string // options: the reason, "" for none
	}{
		{"javascript:", "click javascript:alert(document.cookie)", map[string]string{
			none: "links: Content holds a javascript: link", denyList: "links: Content holds a javascript: link",
			allow: "links: Content holds a javascript: link", both: "links: Content holds a javascript: link"}},
		{"the scheme as spelt does not matter", "[x](JaVaScRiPt:alert(1))", map[string]string{
			none: "links: Content holds a javascript: link", allow: "links: Content holds a javascript: link"}},
		{"vbscript:", "vbscript:msgbox(1)", map[string]string{denyList: "links: Content holds a vbscript: link"}},
		{"data:", "see data:text/html,<script>x</script>", map[string]string{
			denyList: "links: Content holds a data: link", allow: "links: Content holds a data: link"}},
		{"file:///", "open file:///etc/passwd", map[string]string{
			denyList: "links: Content holds a file: link", allow: "links: Content holds a file: link"}},
		{"file with a host is checked by its host", "open file://evil.example/share", map[string]string{
			denyList: `links: Content links to a denied domain (deny entry "evil.example")`,
			allow:    "links: Content links to a domain not on the allow list"}},
		{"a file name is ambiguous: deny list only", "see evil.zip and README.md", map[string]string{
			none: "", denyList: `links: Content links to a denied domain (deny entry "evil.zip")`, allow: "",
			both: `links: Content links to a denied domain (deny entry "evil.zip")`}},
		{"a capitalised sentence is ambiguous", "Hello.World", map[string]string{none: "", allow: ""}},
		{"a capitalised domain on the deny list", "go to Evil.Com now", map[string]string{
			"deny: [evil.com]": `links: Content links to a denied domain (deny entry "evil.com")`, allow: ""}},
		{"every reading: the linkifier's host before @", "https://good.example@evil.example/", map[string]string{
			denyList:                              `links: Content links to a denied domain (deny entry "evil.example")`,
			"deny: [good.example]":                `links: Content links to a denied domain (deny entry "good.example")`,
			"allow: [evil.example]":               "links: Content links to a domain not on the allow list",
			"allow: [good.example]":               "links: Content links to a domain not on the allow list",
			"allow: [evil.example, good.example]": ""}},
		{"every reading: a markdown target decoded and as text", "[x](https://evil&period;example)", map[string]string{
			denyList: `links: Content links to a denied domain (deny entry "evil.example")`,
			allow:    "links: Content links to a domain not on the allow list"}},
		{"an IPv6 entry", "http://[0:0::1]/admin", map[string]string{
			"deny: ['[::1]']": `links: Content links to a denied domain (deny entry "[::1]")`}},
		{"an IPv4 entry in another form", "http://2130706433/", map[string]string{
			"deny: [127.1]": `links: Content links to a denied domain (deny entry "127.1")`}},
	}
	for _, tt := range tests {
		for options, want := range tt.want {
			t.Run(tt.name+"/"+options, func(t *testing.T) {
				v, err := processortest.NewRule(t, Name, options).Apply(context.Background(), newMessage(tt.content, nil))
				if err != nil {
					t.Fatal(err)
				}
				if v.Deny != (want != "") || v.Reason != want {
					t.Errorf("verdict %+v, want reason %q", v, want)
				}
			})
		}
	}
}

// TestStripHostless: a strip removes a hostless URL whole, so that what
// followed its scheme cannot become a link of its own.
func TestStripHostless(t *testing.T) {
	r := processortest.NewRule(t, Name, "{action: strip, deny: [evil.example]}")
	m := newMessage("[click](javascript:alert(1)) or data:text/html,x javascript://evil.example/%0aalert(1)", nil)
	if _, err := r.Apply(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if want := "[click]() or"; m.Content != want || len(Find(m.Content)) > 0 {
		t.Errorf("left %q, with links %v; want %q", m.Content, Find(m.Content), want)
	}
}

// TestStripUntilClean: removing a link can make one of what was around
// it; the rule strips again until none is left, and denies a text that
// still holds links after four strips.
func TestStripUntilClean(t *testing.T) {
	r := processortest.NewRule(t, Name, "{action: strip, allow: [example.com]}")
	for in, want := range map[string]string{
		"see [id]://evil.example/x":                     "see [id]", // the reference's ':' went, then the protocol-relative URL
		"run javascript://evil.example/%0aalert(1) now": "run now",  // a hostless URL goes whole
		"ok https://example.com/a":                      "ok https://example.com/a",
	} {
		m := newMessage(in, nil)
		v, err := r.Apply(context.Background(), m)
		if err != nil || v.Deny || m.Content != want {
			t.Errorf("%q: %q, %+v, %v; want %q", in, m.Content, v, err, want)
		}
	}
	v, _ := r.Apply(context.Background(), newMessage("x https:https:https:https:https:x.co", nil))
	if v.Reason != "links: a text still held links after 4 strips" {
		t.Errorf("verdict %+v", v)
	}
	if _, err := New(Config{Action: ActionStrip, Replacement: "see www.example.org"}); err == nil || !strings.Contains(err.Error(), `option replacement: "see www.example.org" holds a link the rule would strip`) {
		t.Errorf("a replacement with a link: %v", err)
	}
	if _, err := New(Config{Action: ActionStrip, Allow: []string{"example.org"}, Replacement: "see www.example.org"}); err != nil {
		t.Errorf("a replacement with an allowed link: %v", err)
	}
}

// TestReasonsHoldNoSenderText: a deny or dry-run reason is logged at info
// level, so it holds configuration only: never a host, a scheme or
// anything else as the sender wrote it, wherever the link is.
func TestReasonsHoldNoSenderText(t *testing.T) {
	const marker = "zqx7"
	everywhere := []*processor.Event{
		processortest.NewEvent("see https://" + marker + ".evil.example/x"),
		processortest.NewEvent("hi", processortest.WithPush("t", "https://"+marker+"@"+marker+".evil.example")),
		processortest.NewEvent("hi", processortest.WithMetadata(`{"note":"[`+marker+`](https://`+marker+`.evil.example)"}`)),
		processortest.NewEvent("hi", processortest.WithAttribute("x-"+marker, "//"+marker+".evil.example/"+marker)),
		processortest.NewEvent("JaVaScRiPt:" + marker + "()"),
	}
	denyOnly := processortest.NewEvent("see "+marker+".Evil.Com", processortest.WithPush(marker, "x")) // ambiguous
	offDeny := processortest.NewEvent("http://" + marker + ".example.org/" + marker)
	for options, events := range map[string][]*processor.Event{
		`{deny: ["*.evil.example", "*.evil.com"], scope: {metadata: ["*"], attributes: ["*"]}}`: append(everywhere, denyOnly),
		`{allow: [example.com], scope: {metadata: [note], attributes: ["*"]}}`:                  append(everywhere, offDeny),
		`{scope: {metadata: ["*"], attributes: ["*"]}}`:                                         append(everywhere, offDeny),
	} {
		r := processortest.NewRule(t, Name, options)
		for _, ev := range events {
			out := processortest.RunRule(t, r, ev)
			if out.Action != processor.ActionDeny {
				t.Errorf("%s: %s: not denied", options, ev.ChannelMessage.Content)
				continue
			}
			if strings.Contains(strings.ToLower(out.Reason), marker) {
				t.Errorf("%s: reason %q holds text the sender wrote", options, out.Reason)
			}
		}
	}
}
