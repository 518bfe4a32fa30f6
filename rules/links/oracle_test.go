package links

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/rules/links/internal/whatwg"
)

// envOracle names the variable that points the differential test at a
// directory whose node_modules holds the oracle's packages
// (testdata/oracle/package.json); .ci/steps/20-links-oracle.sh sets it.
// Once it is set, a missing node or package skips the test, or fails it
// under CHIMEFLOW_CI=1.
const envOracle = "CHIMEFLOW_LINKS_ORACLE"

// envOracleRandom names the variable that sets how many random texts the
// differential test generates (3000 unless set): a larger number searches
// further, with another seed.
const envOracleRandom = "CHIMEFLOW_LINKS_ORACLE_RANDOM"

// oracleLink is one link the oracle found.
type oracleLink struct {
	Reader string `json:"reader"`
	Href   string `json:"href"`
	Scheme string `json:"scheme"`
	Host   string `json:"host"`
	Error  string `json:"error"`
}

// oracle runs testdata/oracle/oracle.js: one node process, one JSON line
// in and out per text.
type oracle struct {
	in  *json.Encoder
	out *bufio.Scanner
}

func startOracle(t *testing.T) *oracle {
	t.Helper()
	// The packages are installed by .ci/steps/20-links-oracle.sh, which
	// sets the variable and runs this test; the plain go test run (CI's
	// included, which comes before the steps) skips it.
	dir := os.Getenv(envOracle)
	if dir == "" {
		t.Skipf("%s is not set: .ci/steps/20-links-oracle.sh installs markdown-it and linkify-it, sets it and runs this test", envOracle)
	}
	node := testenv.Tool(t, "node")
	modules := filepath.Join(dir, "node_modules")
	for _, pkg := range []string{"markdown-it", "linkify-it"} {
		if _, err := os.Stat(filepath.Join(modules, pkg, "package.json")); err != nil {
			testenv.Missing(t, "%s: %s is not installed: %v", envOracle, pkg, err)
		}
	}
	cmd := exec.Command(node, filepath.Join("testdata", "oracle", "oracle.js"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the oracle: %v", err)
	}
	t.Cleanup(func() {
		_ = stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("oracle: %v", err)
		}
	})
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 16<<20)
	return &oracle{in: json.NewEncoder(stdin), out: sc}
}

func (o *oracle) links(t *testing.T, text string) []oracleLink {
	t.Helper()
	if err := o.in.Encode(map[string]string{"text": text}); err != nil {
		t.Fatalf("oracle: write: %v", err)
	}
	if !o.out.Scan() {
		t.Fatalf("oracle: no answer for %q: %v", text, o.out.Err())
	}
	var ans struct {
		Links []oracleLink `json:"links"`
	}
	if err := json.Unmarshal(o.out.Bytes(), &ans); err != nil {
		t.Fatalf("oracle: %v: %s", err, o.out.Bytes())
	}
	return ans.Links
}

// host asks the oracle for the host node's URL parses out of u.
func (o *oracle) host(t *testing.T, u string) (string, bool) {
	t.Helper()
	if err := o.in.Encode(map[string]string{"url": u}); err != nil {
		t.Fatalf("oracle: write: %v", err)
	}
	if !o.out.Scan() {
		t.Fatalf("oracle: no answer for %q: %v", u, o.out.Err())
	}
	var ans struct {
		Host  string `json:"host"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(o.out.Bytes(), &ans); err != nil {
		t.Fatalf("oracle: %v: %s", err, o.out.Bytes())
	}
	return ans.Host, ans.Error == ""
}

// TestOracleHosts compares NormalizeHost with node's WHATWG host parser
// on hosts in every form browsers accept: IPv4 addresses as one to four
// numbers in decimal, octal and hexadecimal, IPv6 literals compressed or
// not, with an IPv4 part, and domains with full-width, circled,
// mathematical, decomposed, case-folded and invisible characters and
// percent-escapes. Wherever node parses the host, NormalizeHost must give
// the same host (IPv4-mapped IPv6 addresses as their IPv4 address, which
// NormalizeHost makes of them, trailing dots dropped).
func TestOracleHosts(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	o := startOracle(t)
	hosts := generatedHosts(4000)
	compared, failed := 0, 0
	for _, h := range hosts {
		want, ok := o.host(t, "https://"+h+"/")
		if !ok {
			continue
		}
		compared++
		want = strings.TrimRight(whatwg.Unmap(want), ".")
		if got := NormalizeHost(h); got != want {
			failed++
			if failed <= 40 {
				t.Errorf("NormalizeHost(%q) = %q, node's URL: %q", h, got, want)
			}
		}
	}
	t.Logf("%d hosts, %d parsed by node and compared, %d differ", len(hosts), compared, failed)
	if compared < len(hosts)/2 {
		t.Errorf("only %d of %d hosts compared", compared, len(hosts))
	}
}

// generatedHosts returns hosts written in the many forms browsers accept,
// from a fixed seed.
func generatedHosts(n int) []string {
	rng := rand.New(rand.NewPCG(46, 46))
	num := func(v uint64) string {
		switch rng.IntN(4) {
		case 0:
			return fmt.Sprintf("0x%x", v)
		case 1:
			return fmt.Sprintf("0X%X", v)
		case 2:
			return fmt.Sprintf("0%o", v)
		}
		return fmt.Sprint(v)
	}
	ipv4 := func() string {
		v := rng.Uint32()
		if rng.IntN(8) == 0 {
			v = 0x7f000001
		}
		switch parts := 1 + rng.IntN(4); parts {
		case 1:
			return num(uint64(v))
		case 2:
			return num(uint64(v>>24)) + "." + num(uint64(v&0xffffff))
		case 3:
			return num(uint64(v>>24)) + "." + num(uint64(v>>16&0xff)) + "." + num(uint64(v&0xffff))
		default:
			return num(uint64(v>>24)) + "." + num(uint64(v>>16&0xff)) + "." + num(uint64(v>>8&0xff)) + "." + num(uint64(v&0xff))
		}
	}
	ipv6 := func() string {
		var p []string
		for range 8 {
			switch rng.IntN(3) {
			case 0:
				p = append(p, "0")
			case 1:
				p = append(p, fmt.Sprintf("%x", rng.IntN(0x10000)))
			default:
				p = append(p, fmt.Sprintf("%04X", rng.IntN(0x10000)))
			}
		}
		s := strings.Join(p, ":")
		switch rng.IntN(4) {
		case 0:
			s = strings.Replace(s, ":0:0:", "::", 1)
		case 1:
			s = "::ffff:" + fmt.Sprintf("%d.%d.%d.%d", rng.IntN(256), rng.IntN(256), rng.IntN(256), rng.IntN(256))
		case 2:
			s = "::" + p[7]
		}
		return "[" + s + "]"
	}
	pieces := []string{
		"evil", "example", "com", "ｅｖｉｌ", "ⓔⓥⓘⓛ", "𝐞𝐯𝐢𝐥", "ﬁle", "bu\u0308cher", "BÜCHER", "straße", "ΣΟΦΟΣ",
		"ς", "ẞ", "İ", "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufe0f", "\u034f", "%65", "%2e", "%C3%BC",
		"。", "．", "｡", "-", "xn--bcher-kva", "пример", "рф", "한국", "\u1100\u1161\u11a8", "a\u0323\u0301",
		"ＥＸＡＭＰＬＥ", "①", "⑴", "Å", "Å", "ǅ", "ᾈ", "ﷺ", "㍿", "㌀", "·", "٠١", "e\u0301",
	}
	out := make([]string, 0, n)
	for range n {
		switch rng.IntN(5) {
		case 0:
			h := ipv4()
			if rng.IntN(5) == 0 {
				h += "."
			}
			out = append(out, h)
		case 1:
			out = append(out, ipv6())
		default:
			var b strings.Builder
			for k := range 1 + rng.IntN(4) {
				if k > 0 {
					b.WriteString(".")
				}
				for range 1 + rng.IntN(3) {
					b.WriteString(pieces[rng.IntN(len(pieces))])
				}
			}
			out = append(out, b.String())
		}
	}
	return out
}

// resolvable reports whether a normalised host can lead anywhere: an IP
// address, localhost, or a name under a top-level domain of the root
// zone. Linkifiers make links of other names too (evil.web, https://evil
// when '&' cut the host short); they resolve nowhere, so the finder need
// not read them the same way, only see a link there.
func resolvable(host string) bool {
	if strings.HasPrefix(host, "[") || host == "localhost" || isIPv4(host) && strings.Count(host, ".") == 3 {
		return true
	}
	tld := host[strings.LastIndexByte(host, '.')+1:]
	_, ok := slices.BinarySearch(tlds[:], tld)
	return ok && strings.Contains(host, ".")
}

func isIPv4(h string) bool {
	for _, c := range h {
		if c != '.' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// TestOracle compares the finder with real implementations
// (testdata/oracle/oracle.js: markdown-it with linkify-it, linkify-it on
// its own, node's WHATWG URL) over the evasion corpus, generated variants
// of it and random texts: every resolvable host the oracle makes a link
// to must be among the hosts the finder reports for the text. The finder
// may report more; how many is logged, and plain prose must stay clean.
func TestOracle(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	o := startOracle(t)
	var texts []string
	for _, p := range readProbes(t) {
		if p.Want != "out-of-scope" {
			texts = append(texts, p.Probe)
		}
	}
	texts = append(texts, generatedTexts()...)
	n := 3000
	if v, err := strconv.Atoi(os.Getenv(envOracleRandom)); err == nil && v > 0 {
		n = v
	}
	texts = append(texts, randomTexts(n, uint64(n))...)

	misses, extra, unresolvable, compared := 0, 0, 0, 0
	for _, text := range texts {
		found := seenHosts(text, scanOptions{bare: true, ambiguous: true})
		var want []string
		for _, l := range o.links(t, text) {
			if l.Error != "" || l.Host == "" {
				continue
			}
			h := NormalizeHost(l.Host)
			if !resolvable(h) {
				unresolvable++
				continue
			}
			compared++
			if !slices.Contains(want, h) {
				want = append(want, h)
			}
			if !slices.Contains(found, h) {
				misses++
				if misses <= 40 {
					t.Errorf("%q: %s links to %q (href %q); the finder sees %q", text, l.Reader, h, l.Href, found)
				}
			}
		}
		for _, h := range found {
			if !slices.Contains(want, h) {
				extra++
			}
		}
	}
	if misses > 40 {
		t.Errorf("%d hosts missed in all", misses)
	}
	t.Logf("%d texts: %d oracle links compared, %d missed; %d unresolvable oracle hosts skipped; %d hosts the finder reports beyond the oracle's",
		len(texts), compared, misses, unresolvable, extra)
	if compared < 1000 {
		t.Errorf("only %d links compared: is the oracle working?", compared)
	}
}

// TestOracleProse checks that the finder reports no links where the
// oracle sees none in ordinary chat prose.
func TestOracleProse(t *testing.T) {
	if testing.Short() {
		t.Skip("runs node")
	}
	o := startOracle(t)
	b, err := os.ReadFile(filepath.Join("testdata", "prose.txt"))
	if err != nil {
		t.Fatal(err)
	}
	lines, falsePositives := 0, 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		lines++
		if n := len(o.links(t, line)); n > 0 {
			t.Errorf("prose.txt holds a line the oracle makes links of, pick another: %q", line)
			continue
		}
		if got := seenHosts(line, scanOptions{bare: true}); len(got) > 0 {
			falsePositives++
			t.Errorf("%q: the finder reports links to %q where no renderer makes one", line, got)
		}
	}
	t.Logf("%d lines of prose, %d with a false link", lines, falsePositives)
}

// generatedTexts writes hosts in every form a link can take.
func generatedTexts() []string {
	hosts := []string{
		"evil.example.net", "ｅｖｉｌ.example.net", "ev\u00adil.example.net", "ev\u200bil.example.net",
		"bücher.example.net", "xn--bcher-kva.example.net", "EVIL.Example.NET", "evil.example.net.",
		"127.1", "0x7f.0.0.1", "2130706433", "0177.0.0.01", "[::ffff:127.0.0.1]", "[2001:DB8::1]",
		"a.b.c.example.org", "sub_x.evil.example.net", "e%76il.example.net", "evil。example.net",
		"ⓔⓥⓘⓛ.example.net", "user@evil.example.net", "evil.example.net:8080", "пример.рф",
	}
	forms := []string{
		"%s", "see %s, or not", "https://%s/x", "http://%s", "HTTPS://%s?q=1#f", "//%s/x", "www.%s",
		"[x](https://%s/a)", "[https://good.example.org/](https://%s)", "![a](https://%s/i.png)",
		"<https://%s/>", "[x][r]\n\n[r]: https://%s", "[x][r]\n\n[r]: <//%s>", "https:%s", "https:/%s",
		"https:\\\\%s", "wss://%s", "ws://%s/x", "(https://%s)", "**https://%s**", "\"https://%s\"",
		"https://good.example.org@%s/", "[x](//%s)", "<%s>", "`https://%s`", "[%s](https://good.example.org)",
		"ftp://%s:21/", "https://%s:8080/p?q#f", "[x](<https://%s>)", "[x](https://%s \"t\")",
		"intent://%s/#Intent;end", "file://%s/share", "(//%s)", "*//%s*", "x=%s", "**%s**", "[%s]",
	}
	var out []string
	for _, h := range hosts {
		for _, f := range forms {
			out = append(out, fmt.Sprintf(f, h))
		}
	}
	return out
}

// randomTexts returns n texts made of URL fragments in random order, from
// a fixed seed: the places where finder and renderers are likeliest to
// disagree (brackets, escapes, odd schemes and separators).
func randomTexts(n int, seed uint64) []string {
	tokens := []string{
		"https://", "http:", "//", "\\\\", "/", "\\", ":", "@", ".", "..", "[", "]", "(", ")", "](", "]:",
		"<", ">", "!", "*", "_", "`", "\"", "'", " ", "\n", "\t", "&period;", "&#46;", "%2e", "%40",
		"evil", "example", "net", "com", "co.uk", "www.", "good.example.org", "ｅ", "\u00ad", "\u200b",
		"。", "．", "127", "0x7f", "1", "[::1]", "~", "=", "#", "?", "x", "wss://", "javascript:",
		"mailto:", "a.b", "-", "ü", "xn--", "&amp;", "\\.", "8080", "::ffff:", "Evil.Com", "README.md",
	}
	rng := rand.New(rand.NewPCG(seed, 20))
	out := make([]string, 0, n)
	for range n {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(tokens[rng.IntN(len(tokens))])
		}
		out = append(out, b.String())
	}
	return out
}
