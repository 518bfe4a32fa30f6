package links

import (
	"slices"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
)

// acted runs the rule with the given options on text as a message's
// content and reports whether it acted (denied, or changed the text), and
// the text it left.
func acted(t *testing.T, options, text string) (bool, string) {
	t.Helper()
	r := processortest.NewRule(t, Name, options)
	out := processortest.RunRule(t, r, processortest.NewEvent(text))
	if len(out.Errors) > 0 {
		t.Fatalf("%s on %q: %v", options, text, out.Errors)
	}
	return out.Action == processor.ActionDeny || out.Message.Content != text, out.Message.Content
}

// onlyAmbiguous reports whether every link of text that leads to host is
// an ambiguous one (README.md, Evil.Com).
func onlyAmbiguous(text, host string) bool {
	for pos := 0; ; {
		l, ok := scan(text, pos, scanOptions{bare: true, ambiguous: true})
		if !ok {
			return true
		}
		for _, h := range l.hostList() {
			if NormalizeHost(h) == host && l.kind != KindAmbiguous {
				return false
			}
		}
		pos = l.end
	}
}

// TestEvasionCorpusRule runs every probe of the evasion corpus through
// the rule, not only the finder: with a deny list that names the probe's
// host, both actions act on every caught probe, and a strip leaves no link
// to the host behind; with the shipped moderation configuration (allow
// example.com, strip), every caught probe whose host is not example.com is
// acted on, but those whose only link to it is ambiguous (checked against
// deny lists only). Clean probes pass untouched under both.
func TestEvasionCorpusRule(t *testing.T) {
	const moderation = "{action: strip, allow: [example.com]}"
	exempt := 0
	for _, p := range readProbes(t) {
		host := NormalizeHost(p.Host)
		switch p.Want {
		case "caught":
			deny := `deny: ["` + host + `"]`
			if ok, _ := acted(t, deny, p.Probe); !ok {
				t.Errorf("%q (%s): %s let it through", p.Probe, p.Tries, deny)
			}
			strip := `{action: strip, deny: ["` + host + `"]}`
			if ok, out := acted(t, strip, p.Probe); !ok {
				t.Errorf("%q (%s): %s let it through", p.Probe, p.Tries, strip)
			} else if left := seenHosts(out, scanOptions{bare: true, ambiguous: true}); slices.Contains(left, host) {
				t.Errorf("%q (%s): %s left %q, which still links to %s", p.Probe, p.Tries, strip, out, host)
			}
			if host == "example.com" || strings.HasSuffix(host, ".example.com") {
				continue
			}
			ok, out := acted(t, moderation, p.Probe)
			switch {
			case onlyAmbiguous(p.Probe, host):
				exempt++
			case !ok:
				t.Errorf("%q (%s): the moderation configuration let it through", p.Probe, p.Tries)
			default:
				if left := seenHosts(out, scanOptions{bare: true}); slices.Contains(left, host) {
					t.Errorf("%q (%s): the moderation configuration left %q, which still links to %s", p.Probe, p.Tries, out, host)
				}
			}
		case "clean":
			for _, options := range []string{moderation, `deny: [example.com, evil.example, evil.com]`} {
				if ok, out := acted(t, options, p.Probe); ok {
					t.Errorf("%q (%s): %s changed a clean probe to %q", p.Probe, p.Tries, options, out)
				}
			}
		}
	}
	t.Logf("%d caught probes link to their host only ambiguously, and pass an allow-only list by design", exempt)
}
