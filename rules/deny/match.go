package deny

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

// matcher is a compiled condition.
type matcher interface {
	// match reports whether the condition holds for m. It must not
	// allocate when it does not hold.
	match(m *processor.Message) bool
	// why says why the condition holds; it is called only after match
	// returned true. explicit is true for a configured reason.
	why(m *processor.Message) (reason string, explicit bool)
	// String describes the condition.
	String() string
}

// anyOf holds when one of its conditions holds.
type anyOf []matcher

func (a anyOf) match(m *processor.Message) bool {
	for _, c := range a {
		if c.match(m) {
			return true
		}
	}
	return false
}

func (a anyOf) why(m *processor.Message) (string, bool) {
	for _, c := range a {
		if c.match(m) {
			return c.why(m)
		}
	}
	return a.String(), false
}

func (a anyOf) String() string { return list("any of", a) }

// allOf holds when every one of its conditions holds.
type allOf []matcher

func (a allOf) match(m *processor.Message) bool {
	for _, c := range a {
		if !c.match(m) {
			return false
		}
	}
	return true
}

func (a allOf) why(m *processor.Message) (string, bool) {
	reasons := make([]string, 0, len(a))
	for _, c := range a {
		r, explicit := c.why(m)
		if explicit {
			return r, true
		}
		reasons = append(reasons, r)
	}
	return strings.Join(reasons, " and "), false
}

func (a allOf) String() string { return list("all of", a) }

func list(what string, ms []matcher) string {
	parts := make([]string, len(ms))
	for i, c := range ms {
		parts[i] = c.String()
	}
	return what + " (" + strings.Join(parts, "; ") + ")"
}

// notOf holds when its condition does not.
type notOf struct{ m matcher }

func (n notOf) match(m *processor.Message) bool       { return !n.m.match(m) }
func (n notOf) why(*processor.Message) (string, bool) { return n.String(), false }
func (n notOf) String() string                        { return "not (" + n.m.String() + ")" }
func (r reasoned) match(m *processor.Message) bool    { return r.m.match(m) }
func (r reasoned) String() string                     { return r.m.String() }
func (r reasoned) why(m *processor.Message) (string, bool) {
	if inner, explicit := r.m.why(m); explicit {
		return inner, true
	}
	return r.reason, true
}

// reasoned gives a condition a configured reason; a reason configured on a
// condition inside it takes precedence.
type reasoned struct {
	m      matcher
	reason string
}

// arnIn holds when an ARN of the message matches one of its globs.
type arnIn struct {
	what  string // "sender" or "channel"
	arn   func(m *processor.Message) string
	globs []rules.Glob
}

func senderArn(m *processor.Message) string  { return m.Event().ChannelMessage.Sender.Arn }
func targetArn(m *processor.Message) string  { return m.Target() }
func channelArn(m *processor.Message) string { return m.Event().ChannelMessage.ChannelArn }

// match holds when the ARN is there (an untargeted message has no target)
// and matches a glob, "*" included.
func (a *arnIn) match(m *processor.Message) bool {
	arn := a.arn(m)
	return arn != "" && a.find(arn) >= 0
}

func (a *arnIn) find(arn string) int {
	for i, g := range a.globs {
		if g.Match(arn) {
			return i
		}
	}
	return -1
}

func (a *arnIn) why(m *processor.Message) (string, bool) {
	g := string(a.globs[max(a.find(a.arn(m)), 0)])
	if strings.ContainsAny(g, "*?") {
		return a.what + " matches " + strconv.Quote(g), false
	}
	return a.what + " is " + strconv.Quote(g), false
}

func (a *arnIn) String() string { return a.what + " in " + quoteAll(a.globs) }

// isBot holds when the sender is (or, with want false, is not) a bot.
type isBot bool

func (b isBot) match(m *processor.Message) bool       { return m.Sender().IsBot() == bool(b) }
func (b isBot) why(*processor.Message) (string, bool) { return b.String(), false }
func (b isBot) String() string {
	if b {
		return "sender is a bot"
	}
	return "sender is not a bot"
}

// isTargeted holds when the message is (or, with want false, is not) a
// targeted message.
type isTargeted bool

func (b isTargeted) match(m *processor.Message) bool       { return m.Targeted() == bool(b) }
func (b isTargeted) why(*processor.Message) (string, bool) { return b.String(), false }
func (b isTargeted) String() string {
	if b {
		return "message is targeted"
	}
	return "message is not targeted"
}

// regex holds when a text its scope covers matches.
type regex struct {
	re    *regexp.Regexp
	texts *rules.Texts
}

func (r regex) match(m *processor.Message) bool {
	return r.texts.Each(m, func(_ rules.Place, s string) bool { return !r.re.MatchString(s) })
}

func (r regex) why(m *processor.Message) (string, bool) {
	var where rules.Place
	r.texts.Each(m, func(p rules.Place, s string) bool {
		where = p
		return !r.re.MatchString(s)
	})
	return where.String() + " matches regex " + strconv.Quote(r.re.String()), false
}

func (r regex) String() string {
	return r.texts.String() + " match regex " + strconv.Quote(r.re.String())
}

// keywords holds when a text its scope covers holds one of the keywords as
// a word.
type keywords struct {
	set   *keywordSet
	texts *rules.Texts
}

func (k keywords) match(m *processor.Message) bool {
	return k.texts.Each(m, func(_ rules.Place, s string) bool { return k.set.find(s) < 0 })
}

func (k keywords) why(m *processor.Message) (string, bool) {
	var where rules.Place
	i := 0
	k.texts.Each(m, func(p rules.Place, s string) bool {
		where, i = p, k.set.find(s)
		return i < 0
	})
	return where.String() + " contains keyword " + strconv.Quote(k.set.texts[max(i, 0)]), false
}

func (k keywords) String() string {
	return k.texts.String() + " contain one of the keywords " + quoteAll(k.set.texts)
}

// longerThan holds when the content has more than n characters.
type longerThan int

func (n longerThan) match(m *processor.Message) bool {
	// A string of at most n bytes has at most n characters: skip counting.
	return len(m.Content) > int(n) && utf8.RuneCountInString(m.Content) > int(n)
}
func (n longerThan) why(*processor.Message) (string, bool) { return n.String(), false }
func (n longerThan) String() string {
	return "content is longer than " + strconv.Itoa(int(n)) + " characters"
}

// valueTest matches a value exactly or with a regular expression; the zero
// value matches anything.
type valueTest struct {
	equals *string
	re     *regexp.Regexp
}

func (v *valueTest) any() bool { return v.equals == nil && v.re == nil }

func (v *valueTest) test(s string) bool {
	switch {
	case v.equals != nil:
		return s == *v.equals
	case v.re != nil:
		return v.re.MatchString(s)
	}
	return true
}

func (v *valueTest) String() string {
	switch {
	case v.equals != nil:
		return "is " + strconv.Quote(*v.equals)
	case v.re != nil:
		return "matches regex " + strconv.Quote(v.re.String())
	}
	return "is present"
}

// metadataTest holds when a key of JSON metadata is present or has a value,
// or, with no key, when the metadata text matches.
type metadataTest struct {
	key   string
	path  []string
	value valueTest
}

func (t *metadataTest) match(m *processor.Message) bool {
	if t.path == nil {
		return t.value.test(m.Metadata)
	}
	raw, ok := lookup(m.Metadata, t.path)
	return ok && (t.value.any() || t.value.test(stringValue(raw)))
}

func (t *metadataTest) why(*processor.Message) (string, bool) { return t.String(), false }

func (t *metadataTest) String() string {
	if t.path == nil {
		return "metadata " + t.value.String()
	}
	return "metadata key " + strconv.Quote(t.key) + " " + t.value.String()
}

// attributeTest holds when a message attribute whose name matches has a
// value that matches.
type attributeTest struct {
	name  rules.Glob // "" for any name
	value valueTest
}

func (t *attributeTest) match(m *processor.Message) bool {
	for name, v := range m.MessageAttributes {
		if t.name != "" && !t.name.Match(name) {
			continue
		}
		if t.value.any() {
			return true
		}
		for _, s := range v.StringValues {
			if t.value.test(s) {
				return true
			}
		}
	}
	return false
}

func (t *attributeTest) why(*processor.Message) (string, bool) { return t.String(), false }

func (t *attributeTest) String() string {
	if t.name == "" {
		return "an attribute value " + t.value.String()
	}
	if t.value.any() {
		return "attribute " + strconv.Quote(string(t.name)) + " is present"
	}
	return "attribute " + strconv.Quote(string(t.name)) + " has a value that " + t.value.String()
}

// persistence holds when the message's persistence is the given one.
type persistence string

func (p persistence) match(m *processor.Message) bool       { return m.Persistence() == string(p) }
func (p persistence) why(*processor.Message) (string, bool) { return p.String(), false }
func (p persistence) String() string                        { return "message is " + string(p) }

// contentType holds when the message's content type matches a glob.
type contentType []rules.Glob

func (c contentType) match(m *processor.Message) bool {
	ct := m.ContentType()
	for _, g := range c {
		if g.Match(ct) {
			return true
		}
	}
	return false
}

// why names the glob that matched, never the content type, which the
// sender chose: the reason is logged.
func (c contentType) why(m *processor.Message) (string, bool) {
	ct := m.ContentType()
	for _, g := range c {
		if !g.Match(ct) {
			continue
		}
		if strings.ContainsAny(string(g), "*?") {
			return "content type matches " + strconv.Quote(string(g)), false
		}
		return "content type is " + strconv.Quote(string(g)), false
	}
	return c.String(), false
}

func (c contentType) String() string { return "content type in " + quoteAll(c) }

func quoteAll[S ~string](list []S) string {
	parts := make([]string, len(list))
	for i, s := range list {
		parts[i] = strconv.Quote(string(s))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
