package links

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFind(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // the links as written
	}{
		{"none", "hello there, nothing to see", nil},
		{"empty", "", nil},
		{"https", "see https://example.com/a/b?c=d#e now", []string{"https://example.com/a/b?c=d#e"}},
		{"http upper case", "HTTP://EXAMPLE.COM/X", []string{"HTTP://EXAMPLE.COM/X"}},
		{"ftp", "ftp://files.example.net/a.txt", []string{"ftp://files.example.net/a.txt"}},
		{"scheme with userinfo and port", "https://u:p@example.com:8443/x", []string{"https://u:p@example.com:8443/x"}},
		{"scheme without host", "http:// and https:// and ftp:/", nil},
		{"extra slashes: the path's first segment is the host", "https:///path", []string{"https:///"}},
		{"other schemes with an authority", "ssh://example.com git+https://example.com xhttp://a.com", []string{"ssh://example.com", "git+https://example.com", "xhttp://a.com"}},
		{"WebSocket and intent", "wss://example.com/s intent://example.com/#Intent;end", []string{"wss://example.com", "intent://example.com"}},
		{"special scheme without two slashes: the scheme alone", `https:example.com https:/example.com https:\\example.com`, []string{"https:", "https:/", `https:\\`, "example.com"}},
		{"hostless schemes: the scheme alone", "javascript:alert(1) data:text/html,x vbscript:x", []string{"javascript:", "data:", "vbscript:"}},
		{"file URLs", "file:///etc/passwd file://server/share", []string{"file:///etc/passwd", "file://server"}},
		{"protocol-relative", "see //example.com/x, (//example.org)", []string{"//example.com/x", "//example.org"}},
		{"not protocol-relative", "a//example.com //comment _//example.com x://example.com", nil},
		{"markdown link: its text and its target", "[https://example.com/login](https://evil.example/x)", []string{"https://example.com/login", "(https://evil.example/x)"}},
		{"markdown image and title", `![a](//img.example/a.png "https://t.example")`, []string{"(//img.example/a.png", "https://t.example"}},
		{"markdown reference definition", "[x][1]\n\n[1]: <https://evil.example>", []string{": <https://evil.example>"}},
		{"markdown relative target is not a link", "[x](./page.html) [y](#top)", nil},
		{"markdown javascript target: a hostless URL, then what it holds", "[x](javascript:go('https://evil.example'))", []string{"javascript:", "https://evil.example"}},
		{"markdown target with references: read decoded, and as written", "[x](https://evil&period;example)", []string{"(", "https://evil"}},
		{"userinfo", "https://example.com@evil.example/", []string{"https://example.com@evil.example/"}},
		{"non-linkify schemes end at the host: linkifiers read on", "wss://a.example?x.example.net", []string{"wss://a.example", "x.example.net"}},
		{"a markdown escape ends a path", `example.com/a\_b.example.net`, []string{"example.com/a", "b.example.net"}},
		{"a URL inside a bare domain's path is its own link", "example.com/x/https://evil.example/y", []string{"example.com/x/", "https://evil.example/y"}},
		{"junk host: linkifiers stop at its punctuation", "https://good.example&evil.example.net/", []string{"https://good.example", "evil.example.net/"}},
		{"IP host", "http://192.0.2.1/x", []string{"http://192.0.2.1/x"}},
		{"IPv6 host", "http://[2001:db8::1]:80/", []string{"http://[2001:db8::1]:80/"}},
		{"www", "visit www.example.com today", []string{"www.example.com"}},
		{"www with file-extension TLD", "www.example.zip", []string{"www.example.zip"}},
		{"www alone is not enough", "www.example and www.", nil},
		{"bare domain", "go to example.com", []string{"example.com"}},
		{"bare domain with path", "example.com/path?q=1", []string{"example.com/path?q=1"}},
		{"bare domain with port", "example.com:8080 is up", []string{"example.com:8080"}},
		{"colon after domain is not a port", "example.com: it is up", []string{"example.com"}},
		{"subdomains", "shop.example.co.uk", []string{"shop.example.co.uk"}},
		{"all caps host", "EXAMPLE.COM", []string{"EXAMPLE.COM"}},
		{"capitalised host", "Example.com is fine", []string{"Example.com"}},
		{"internationalised", "пример.рф and bücher.de", []string{"пример.рф", "bücher.de"}},
		{"scheme with Unicode host", "https://bücher.example/ü", []string{"https://bücher.example/ü"}},
		{"trailing full stop", "I like example.com.", []string{"example.com"}},
		{"trailing punctuation", "(see https://example.com/a), or example.org!", []string{"https://example.com/a", "example.org"}},
		{"balanced parentheses kept", "https://en.example.org/wiki/Go_(language)", []string{"https://en.example.org/wiki/Go_(language)"}},
		{"ellipsis before", "wait...evil.com", []string{"evil.com"}},
		{"quoted", `"https://example.com" and <https://example.org>`, []string{"https://example.com", "https://example.org"}},
		{"CJK punctuation after", "见 https://example.com/a。", []string{"https://example.com/a"}},
		{"two adjacent", "https://a.example https://b.example", []string{"https://a.example", "https://b.example"}},
		{"path after bare domain with dots", "example.com/a.b.c", []string{"example.com/a.b.c"}},
		{"single-letter label with path", "t.co/abc", []string{"t.co/abc"}},
		{"file-extension TLD with path", "evil.zip/payload", []string{"evil.zip/payload"}},

		// Things that look like domains but are not links.
		{"file name", "open file.txt and data.json", nil},
		{"file-extension TLDs (ambiguous)", "README.md setup.py main.rs install.sh lib.so photos.zip clip.mov", nil},
		{"abbreviations", "e.g. i.e. a.m. p.m. U.S. Ph.D. etc.", nil},
		{"version numbers", "v1.2.3 and 1.20.4 and go1.26", nil},
		{"decimals and IPs without scheme", "3.14 and 0.5% and 192.168.0.1", nil},
		{"sentences without a space (ambiguous)", "I am done.Next time.Really", nil},
		{"mixed case TLD (ambiguous)", "Example.Com and example.COM", nil},
		{"e-mail address", "write to bob.smith@example.com", nil},
		{"path on its own", "/usr/share/example.com and ~/dir/example.com", nil},
		{"made-up TLD", "example.notatld and foo.bar1", nil},
		{"hyphen at label edge", "-example.com example-.com", nil},
		{"JavaScript libraries", "node.js and vue.js", nil},
		{"snake case", "my_file.com", nil},
		{"empty labels", "example..com", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// What the rule sees: Find less the ambiguous links.
			var got []string
			for _, l := range Find(tt.text) {
				if l.Kind != KindAmbiguous {
					got = append(got, tt.text[l.Start:l.End])
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Find(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestFindKinds(t *testing.T) {
	tests := []struct {
		text   string
		kind   Kind
		scheme string
		hosts  []string
	}{
		{"https://Example.com/a", KindURL, "https", []string{"example.com"}},
		{"javascript:alert(1)", KindURL, "javascript", nil},
		{"www.example.org", KindWWW, "", []string{"www.example.org"}},
		{"example.com/x", KindBare, "", []string{"example.com"}},
		{"README.md", KindAmbiguous, "", []string{"readme.md"}},
		{"evil.zip", KindAmbiguous, "", []string{"evil.zip"}},
		{"Hello.World", KindAmbiguous, "", []string{"hello.world"}},
		{"//example.com", KindRelative, "", []string{"example.com"}},
		{"[x](https://evil&period;example)", KindTarget, "https", []string{"evil.example"}},
		{"[x](//evil.example)", KindTarget, "", []string{"evil.example"}},
		{"https://good.example@evil.example", KindURL, "https", []string{"evil.example", "good.example"}},
		{"a=evil.com", KindBare, "", []string{"evil.com", "a=evil.com"}},
		{"https://e%76il.example.net", KindURL, "https", []string{"evil.example.net", "e"}},
		{"https://example.com@evil.example", KindURL, "https", []string{"evil.example", "example.com"}},
	}
	for _, tt := range tests {
		ls := Find(tt.text)
		if len(ls) == 0 {
			t.Errorf("Find(%q): no link", tt.text)
			continue
		}
		l := ls[0] // the first; others are readings scanned on as text
		if l.Kind != tt.kind || l.Scheme != tt.scheme || !slices.Equal(l.Hosts, tt.hosts) {
			t.Errorf("Find(%q) = kind %v, scheme %q, hosts %q; want %v, %q, %q", tt.text, l.Kind, l.Scheme, l.Hosts, tt.kind, tt.scheme, tt.hosts)
		}
	}
}

func TestFindHost(t *testing.T) {
	tests := []struct{ text, host, domain string }{
		{"https://User:pw@Example.COM:8080/a", "Example.COM", "example.com"},
		{"http://evil.example\\@good.example/", "evil.example", "evil.example"},
		{"http://a@b@evil.example/", "evil.example", "evil.example"},
		{"https://example.com./x", "example.com.", "example.com"},
		{"https://bücher.example", "bücher.example", "xn--bcher-kva.example"},
		{"https://%65vil.example/", "%65vil.example", "evil.example"},
		{"https://evil\u3002example/", "evil\u3002example", "evil.example"},
		{"http://[2001:DB8::1]:80/", "[2001:DB8::1]", "[2001:db8::1]"},
		{"Example.com/x", "Example.com", "example.com"},
	}
	for _, tt := range tests {
		ls := Find(tt.text)
		if len(ls) != 1 {
			t.Errorf("Find(%q) found %d links, want 1", tt.text, len(ls))
			continue
		}
		if ls[0].Host != tt.host || ls[0].Domain != tt.domain {
			t.Errorf("Find(%q): host %q, domain %q; want %q, %q", tt.text, ls[0].Host, ls[0].Domain, tt.host, tt.domain)
		}
	}
}

func TestNormalizeHost(t *testing.T) {
	tests := []struct{ in, want string }{
		{"example.com", "example.com"},
		{"EXAMPLE.com", "example.com"},
		{"user:pass@Example.com:443", "example.com"},
		{"example.com...", "example.com"},
		{"Bücher.Example", "xn--bcher-kva.example"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"ПРИМЕР.РФ", "xn--e1afmkfd.xn--p1ai"},
		{"example\uff0ecom", "example.com"},
		{"%45xample.com", "example.com"},
		{"%zz.example", "%zz.example"},
		{"[::1]:80", "[::1]"},
		{"", ""},
		{"\xff\xfe", "xn--zn7ca"},
	}
	for _, tt := range tests {
		if got := NormalizeHost(tt.in); got != tt.want {
			t.Errorf("NormalizeHost(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTLDTable(t *testing.T) {
	if !slices.IsSorted(tlds[:]) {
		t.Fatal("tlds is not sorted: regenerate it with go generate")
	}
	for _, tld := range []string{"com", "org", "uk", "de", "io", "xn--p1ai", "zip"} {
		if !isTLD(tld) {
			t.Errorf("isTLD(%q) = false", tld)
		}
	}
	for _, s := range []string{"txt", "json", "js", "exe", "notatld", "", "1"} {
		if isTLD(s) {
			t.Errorf("isTLD(%q) = true", s)
		}
	}
	if !isTLD("рф") || !isTLD("COM") {
		t.Error("isTLD does not lower-case or encode its argument")
	}
}

func TestFindAllocs(t *testing.T) {
	text := strings.Repeat("A plain message, with sentences. And numbers: 3.14, v1.2.3! ", 20)
	if n := testing.AllocsPerRun(100, func() { _, _ = next(text, 0, true) }); n != 0 {
		t.Errorf("next on a text without links allocates %v times, want 0", n)
	}
}

// FuzzFind checks that Find never panics and that what it returns is
// consistent: links in order, inside the text, not overlapping and not
// splitting a character; a host as written that is in the text (decoded
// for a markdown target), a domain that is its normalised host, first of
// the hosts. It checks that next always moves forward, as the rule's
// loops need.
func FuzzFind(f *testing.F) {
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, l := range Find(text) {
			if l.Start < prev || l.Start >= l.End || l.End > len(text) {
				t.Fatalf("Find(%q): bad extent [%d:%d] after %d", text, l.Start, l.End, prev)
			}
			prev = l.End
			if l.Host != "" && l.Kind != KindTarget && !strings.Contains(text, l.Host) {
				t.Fatalf("Find(%q): host %q not in the text", text, l.Host)
			}
			if l.Domain != NormalizeHost(l.Host) {
				t.Fatalf("Find(%q): domain %q, NormalizeHost(%q) = %q", text, l.Domain, l.Host, NormalizeHost(l.Host))
			}
			if l.Host != "" && (len(l.Hosts) == 0 || l.Hosts[0] != l.Domain) {
				t.Fatalf("Find(%q): hosts %q do not start with the domain %q", text, l.Hosts, l.Domain)
			}
			if utf8.ValidString(text) && !utf8.ValidString(text[l.Start:l.End]) {
				t.Fatalf("Find(%q): link %q splits a character", text, text[l.Start:l.End])
			}
		}
		for _, bare := range []bool{true, false} {
			for pos := 0; ; {
				l, ok := next(text, pos, bare)
				if !ok {
					break
				}
				if l.start < pos || l.end <= l.start || l.end > len(text) || l.hostStart > l.hostEnd || l.hostEnd > len(text) {
					t.Fatalf("next(%q, %d, %v) = %+v", text, pos, bare, l)
				}
				pos = l.end
			}
		}
	})
}

// FuzzNormalizeHost checks that NormalizeHost never panics and returns a
// lower-case host without trailing dots.
func FuzzNormalizeHost(f *testing.F) {
	f.Fuzz(func(t *testing.T, host string) {
		got := NormalizeHost(host)
		if strings.HasSuffix(got, ".") {
			t.Fatalf("NormalizeHost(%q) = %q ends with a dot", host, got)
		}
		if hasASCIIUpper(got) {
			t.Fatalf("NormalizeHost(%q) = %q has upper-case letters", host, got)
		}
		_ = displayHost(host)
	})
}

// benchTexts are the inputs of BenchmarkNext: ordinary messages, and 4 KB
// of what could make a scanner backtrack.
var benchTexts = []struct{ name, text string }{
	{"prose", strings.Repeat("A plain chat message, with sentences. Numbers: 3.14 and v1.2.3! ", 64)[:4096]},
	{"links", strings.Repeat("visit https://example.com/a, www.example.org or shop.example.co.uk/b. ", 64)[:4096]},
	{"markdown", strings.Repeat("[https://example.com/login](https://evil.example/x) ![i](//cdn.example/a.png) ", 64)[:4096]},
	{"brackets", strings.Repeat("[", 4096)},
	{"closing", strings.Repeat("](", 2048)},
	{"parens", "[x](" + strings.Repeat("(", 4092)},
	{"dots", strings.Repeat(".", 4096)},
	{"labels", strings.Repeat("a.", 2048)},
	{"schemes", strings.Repeat("https:", 682)},
	{"slashes", strings.Repeat("//a", 1365)},
	{"userinfo", "https://" + strings.Repeat("a@", 2044)},
	{"ipv6", "http://[" + strings.Repeat(":", 4088)},
	{"symbols", strings.Repeat("a=b.", 1024)},
	{"references", "[x](https://" + strings.Repeat("&#46;", 816)},
}

// BenchmarkNext measures the rule's scan over each benchText, one link
// after the other as the rule reads them.
func BenchmarkNext(b *testing.B) {
	for _, bc := range benchTexts {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.text)))
			for b.Loop() {
				for pos := 0; ; {
					l, ok := next(bc.text, pos, true)
					if !ok {
						break
					}
					pos = l.end
				}
			}
		})
	}
}

// A markdown link whose text is a trusted URL is two links: the text, and
// the target a renderer makes of it. Each link lists every host a reader
// may resolve it to.
func ExampleFind_markdown() {
	text := "[https://example.com/login](https://ｅｖｉｌ.example/x) or //0x7f.1/admin"
	for _, l := range Find(text) {
		fmt.Printf("%s %q %v\n", l.Kind, text[l.Start:l.End], l.Hosts)
	}
	// Output:
	// url "https://example.com/login" [example.com]
	// target "(https://ｅｖｉｌ.example/x)" [evil.example]
	// relative "//0x7f.1/admin" [127.0.0.1]
}

func TestNextHostList(t *testing.T) {
	tests := []struct {
		text     string
		hosts    []string // as written, every reading
		hostless bool
	}{
		{"https://example.com/x", []string{"example.com"}, false},
		{"https://good.example@evil.example/", []string{"evil.example", "good.example"}, false},
		{"[x](https://evil&period;example)", []string{"evil.example"}, false},
		{"javascript:alert(1)", nil, true},
		{"data:text/html,hi", nil, true},
	}
	for _, tt := range tests {
		l, ok := next(tt.text, 0, true)
		if !ok {
			t.Errorf("next(%q): no link", tt.text)
			continue
		}
		if got := l.hostList(); !slices.Equal(got, tt.hosts) || l.hostless() != tt.hostless {
			t.Errorf("next(%q): hosts %q, hostless %v; want %q, %v", tt.text, got, l.hostless(), tt.hosts, tt.hostless)
		}
	}
	if n := testing.AllocsPerRun(100, func() {
		l, _ := next("see https://good.example@evil.example/ now", 0, true)
		_ = l.hostList()
	}); n != 0 {
		t.Errorf("next and hostList allocate %v times", n)
	}
}
