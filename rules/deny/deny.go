// Package deny is the "deny" rule: it denies a message when a condition
// holds, such as a blocked sender, a bot, a targeted message, a channel, a
// keyword or pattern in the content, an over-long message, a metadata key
// or message attribute, the persistence or the content type.
//
// Importing the package registers the rule under the name "deny":
//
//	import _ "github.com/chimeflow/chimeflow/rules/deny"
//
// The options are one condition; any and all combine conditions (and nest),
// not negates one. A configuration example:
//
//	rules:
//	  - rule: deny
//	    options:
//	      any:
//	        - sender:                      # ARNs or ARN globs
//	            - arn:aws:chime:us-east-1:111122223333:app-instance/*/user/spammer
//	            - arn:aws:chime:*:111122223333:app-instance/*/user/banned-*
//	          reason: sender is banned
//	        - keywords: [buy now, free money] # whole words, any case
//	        - regex: '(?i)\bcrypto\s*giveaway\b' # RE2
//	          scope: {metadata: [note]}    # where regex and keywords look
//	        - longerThan: 2000             # characters
//	        - all:                         # bots may not post persistent messages
//	            - bot: true
//	            - persistence: PERSISTENT
//	        - metadata: {key: app.priority, value: spam}
//	        - attribute: {name: "x-*", regex: '^https?://'}
//	        - contentType: ["application/x-*"]
//	        - all:
//	            - channel: ["arn:aws:chime:*:111122223333:app-instance/*/channel/announcements"]
//	            - not: {sender: ["arn:aws:chime:*:111122223333:app-instance/*/user/admin-*"]}
//	          reason: only admins post announcements
//
// Each condition is a mapping with exactly one of the keys below, an
// optional reason and, for regex and keywords, an optional scope:
//
//	sender: [ARN glob, ...]   the sender's ARN matches one
//	bot: true|false           the sender is (is not) an app instance bot
//	target: [ARN glob, ...]   the message is targeted, at a member whose ARN
//	                          matches one
//	targeted: true|false      the message is (is not) a targeted message, seen
//	                          only by its sender and its target
//	channel: [ARN glob, ...]  the channel's ARN matches one
//	regex: RE2                a text the scope covers matches (content and
//	                          push notification by default; see rules.Scope)
//	keywords: [text, ...]     a text the scope covers holds one as a whole word
//	                          or phrase, in any case ("Spam!" holds spam;
//	                          "spammer" does not)
//	longerThan: N             the content has more than N characters
//	metadata: {key, value | regex}
//	                          a key (dotted path) of the JSON metadata is
//	                          present, equals value, or matches regex (strings
//	                          by their text, other values by their JSON); with
//	                          no key, the whole metadata text is tested
//	attribute: {name, value | regex}
//	                          a message attribute whose name matches the glob
//	                          (any name if none) is present, or has a value that
//	                          equals value or matches regex
//	persistence: PERSISTENT|NON_PERSISTENT
//	contentType: [glob, ...]  the message's content type matches one
//	any: [condition, ...]     one of them holds
//	all: [condition, ...]     every one of them holds
//	not: condition            it does not hold
//
// The deny reason, which the handler logs (it is never shown to the
// sender), is the reason of the condition that matched: the innermost one
// that has a reason, else a description such as
// `Content contains keyword "free money"`. Content, regex and keyword tests
// see the message as earlier rules left it.
//
// Everything is compiled and checked by New, when the configuration loads
// (regular expressions within the cost bounds of rules.CompileRegexp);
// Apply does not allocate for a message that matches no condition.
package deny

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/keypath"
)

// Name is the name the rule is registered under.
const Name = "deny"

func init() { rules.Register(Name, rules.Define(New)) }

// Config is the rule's options: one condition, which any, all and not
// combine with others. The zero Config has no condition, and New refuses
// it.
type Config = Condition

// Condition is one condition of the rule's options. Exactly one of the
// fields other than Reason and Scope is given.
type Condition struct {
	// Reason is the deny reason when the condition holds.
	Reason string `yaml:"reason"`

	Any []Condition `yaml:"any"` // one of them holds
	All []Condition `yaml:"all"` // every one holds
	Not *Condition  `yaml:"not"` // it does not hold

	Sender      []string        `yaml:"sender"`      // ARN globs: the sender's ARN matches one
	Bot         *bool           `yaml:"bot"`         // the sender is (not) a bot
	Target      []string        `yaml:"target"`      // ARN globs: a targeted message's target matches one
	Targeted    *bool           `yaml:"targeted"`    // the message is (not) a targeted message
	Channel     []string        `yaml:"channel"`     // ARN globs: the channel's ARN matches one
	Regex       string          `yaml:"regex"`       // RE2: a covered text matches
	Keywords    []string        `yaml:"keywords"`    // a covered text holds one as a word
	LongerThan  *int            `yaml:"longerThan"`  // the content has more characters
	Metadata    *MetadataMatch  `yaml:"metadata"`    // the metadata matches
	Attribute   *AttributeMatch `yaml:"attribute"`   // an attribute matches
	Persistence string          `yaml:"persistence"` // PERSISTENT or NON_PERSISTENT
	ContentType []string        `yaml:"contentType"` // globs: the content type matches one

	// Scope says which texts Regex and Keywords look at: the content and
	// the push notification's title and body by default.
	Scope rules.Scope `yaml:"scope"`
}

// MetadataMatch tests the message metadata.
type MetadataMatch struct {
	// Key is a dotted key path into JSON-object metadata ("a.b" is key b of
	// object a; "\." is a dot within a key). Empty tests the whole text.
	Key string `yaml:"key"`
	// Value, when given, is the exact value wanted: a string's text, or the
	// JSON text of any other value ("true", "3").
	Value *string `yaml:"value"`
	// Regex, when given, is an RE2 expression the value must match.
	Regex string `yaml:"regex"`
}

// AttributeMatch tests the message attributes.
type AttributeMatch struct {
	// Name is a glob over attribute names; empty means any name.
	Name string `yaml:"name"`
	// Value, when given, is a value one of the attribute's values must equal.
	Value *string `yaml:"value"`
	// Regex, when given, is an RE2 expression one of the attribute's
	// values must match.
	Regex string `yaml:"regex"`
}

// Rule is the compiled deny rule. It is immutable and safe for concurrent
// use.
type Rule struct {
	cond matcher
}

// New builds the rule from c, reporting every problem with c by its
// option's path (see rules.Problems).
func New(c Config) (*Rule, error) {
	var bad rules.Problems
	m := (&compiler{bad: &bad}).compile(&c, "")
	if err := bad.Err(); err != nil {
		return nil, err
	}
	return &Rule{cond: m}, nil
}

// Apply denies m when the condition holds.
func (r *Rule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if !r.cond.match(m) {
		return processor.Continue, nil
	}
	reason, _ := r.cond.why(m)
	return processor.Deny(reason), nil
}

// String describes the rule's condition.
func (r *Rule) String() string { return "deny when " + r.cond.String() }

type compiler struct {
	bad *rules.Problems
}

// kinds are the keys of a condition that say what it tests.
var kinds = []string{"sender", "bot", "target", "targeted", "channel", "regex", "keywords", "longerThan", "metadata", "attribute", "persistence", "contentType", "any", "all", "not"}

// given returns the kinds c has.
func given(c *Condition) []string {
	has := []bool{c.Sender != nil, c.Bot != nil, c.Target != nil, c.Targeted != nil, c.Channel != nil, c.Regex != "", c.Keywords != nil, c.LongerThan != nil,
		c.Metadata != nil, c.Attribute != nil, c.Persistence != "", c.ContentType != nil, c.Any != nil, c.All != nil, c.Not != nil}
	var found []string
	for i, k := range kinds {
		if has[i] {
			found = append(found, k)
		}
	}
	return found
}

// at joins a key to a dotted option path.
func at(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// compile compiles the condition c at path (a dotted option path, "" for
// the options themselves).
func (cp *compiler) compile(c *Condition, path string) matcher {
	found := given(c)
	switch len(found) {
	case 0:
		cp.bad.Add(path, "no condition: want one of %s", strings.Join(kinds, ", "))
		return anyOf(nil)
	case 1:
	default:
		cp.bad.Add(path, "a condition tests one thing, this one has %s: combine them with all (or any)", strings.Join(found, " and "))
		return anyOf(nil)
	}
	scoped := found[0] == "regex" || found[0] == "keywords"
	var texts *rules.Texts
	switch s := c.Scope; {
	case scoped:
		texts = s.Compile(at(path, "scope"), cp.bad)
	case s.Content != nil || s.Push != nil || s.Metadata != nil || s.Attributes != nil || s.Lex != "":
		cp.bad.Add(at(path, "scope"), "applies only to regex and keywords conditions, not to %s", found[0])
	}
	m := cp.kind(c, path, found[0], texts)
	if c.Reason != "" {
		m = reasoned{m: m, reason: c.Reason}
	}
	return m
}

// kind compiles the condition's one test.
func (cp *compiler) kind(c *Condition, path, kind string, texts *rules.Texts) matcher {
	here := at(path, kind)
	switch kind {
	case "any":
		return anyOf(cp.list(c.Any, here))
	case "all":
		return allOf(cp.list(c.All, here))
	case "not":
		return notOf{cp.compile(c.Not, here)}
	case "sender":
		return cp.arns(kind, c.Sender, senderArn, here)
	case "bot":
		return isBot(*c.Bot)
	case "target":
		return cp.arns(kind, c.Target, targetArn, here)
	case "targeted":
		return isTargeted(*c.Targeted)
	case "channel":
		return cp.arns(kind, c.Channel, channelArn, here)
	case "regex":
		return regex{re: cp.regexp(c.Regex, here), texts: texts}
	case "keywords":
		return cp.keywords(c.Keywords, here, texts)
	case "longerThan":
		if *c.LongerThan < 0 {
			cp.bad.Add(here, "want a number of characters, 0 or more, got %d", *c.LongerThan)
		}
		return longerThan(*c.LongerThan)
	case "metadata":
		return cp.metadata(c.Metadata, here)
	case "attribute":
		return cp.attribute(c.Attribute, here)
	case "persistence":
		if c.Persistence != "PERSISTENT" && c.Persistence != "NON_PERSISTENT" {
			cp.bad.Add(here, "%q is not PERSISTENT or NON_PERSISTENT", c.Persistence)
		}
		return persistence(c.Persistence)
	default: // contentType
		if len(c.ContentType) == 0 {
			cp.bad.Add(here, "the list is empty: it would match nothing")
		}
		globs := make(contentType, len(c.ContentType))
		for i, g := range c.ContentType {
			globs[i] = rules.Glob(g)
		}
		return globs
	}
}

func (cp *compiler) list(cs []Condition, path string) []matcher {
	if len(cs) == 0 {
		cp.bad.Add(path, "the list of conditions is empty")
	}
	ms := make([]matcher, len(cs))
	for i := range cs {
		ms[i] = cp.compile(&cs[i], at(path, strconv.Itoa(i)))
	}
	return ms
}

func (cp *compiler) arns(what string, list []string, arn func(*processor.Message) string, path string) matcher {
	if len(list) == 0 {
		cp.bad.Add(path, "the list is empty: it would match nothing")
	}
	globs := make([]rules.Glob, 0, len(list))
	for i, s := range list {
		g, err := rules.ParseARNGlob(s)
		if err != nil {
			cp.bad.Add(at(path, strconv.Itoa(i)), "%v", err)
		}
		globs = append(globs, g)
	}
	return &arnIn{what: what, arn: arn, globs: globs}
}

// regexp compiles an expression of the options, or returns nil.
func (cp *compiler) regexp(expr, path string) *regexp.Regexp {
	re, err := rules.CompileRegexp(expr)
	if err != nil {
		cp.bad.Add(path, "%v", err)
	}
	return re
}

func (cp *compiler) keywords(list []string, path string, texts *rules.Texts) matcher {
	if len(list) == 0 {
		cp.bad.Add(path, "the list is empty: it would match nothing")
	}
	words := make([]string, 0, len(list))
	for i, s := range list {
		if strings.TrimSpace(s) == "" {
			cp.bad.Add(at(path, strconv.Itoa(i)), "an empty keyword would match everywhere")
			continue
		}
		words = append(words, s)
	}
	return keywords{set: newKeywordSet(words), texts: texts}
}

func (cp *compiler) values(value *string, expr, path string) valueTest {
	v := valueTest{equals: value}
	if expr != "" {
		v.re = cp.regexp(expr, at(path, "regex"))
	}
	if value != nil && expr != "" {
		cp.bad.Add(path, "give value or regex, not both")
	}
	return v
}

func (cp *compiler) metadata(mm *MetadataMatch, path string) matcher {
	t := &metadataTest{key: mm.Key, value: cp.values(mm.Value, mm.Regex, path)}
	if mm.Key == "" {
		if mm.Value == nil && mm.Regex == "" {
			cp.bad.Add(path, "want a key, a value or a regex")
		}
		return t
	}
	p, err := keypath.Parse(mm.Key)
	if err != nil {
		cp.bad.Add(at(path, "key"), "%v", err)
	}
	t.path = p
	return t
}

func (cp *compiler) attribute(am *AttributeMatch, path string) matcher {
	t := &attributeTest{name: rules.Glob(am.Name), value: cp.values(am.Value, am.Regex, path)}
	if am.Name == "" && am.Value == nil && am.Regex == "" {
		cp.bad.Add(path, "want a name, a value or a regex")
	}
	return t
}
