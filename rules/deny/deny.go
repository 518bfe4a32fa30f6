// Package deny is the "deny" rule: it denies a message when a condition
// holds, such as a blocked sender, a bot, a channel, a keyword or pattern
// in the content, an over-long message, a metadata key or message
// attribute, the persistence or the content type.
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
// Each condition is a mapping with exactly one of the keys below, and an
// optional reason:
//
//	sender: [ARN glob, ...]   the sender's ARN matches one
//	bot: true|false           the sender is (is not) an app instance bot
//	channel: [ARN glob, ...]  the channel's ARN matches one
//	regex: RE2                the content matches
//	keywords: [text, ...]     the content holds one as a whole word or phrase,
//	                          in any case ("Spam!" holds spam; "spammer" does not)
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
// `content contains keyword "free money"`. Content, regex and keyword tests
// see the content as earlier rules left it.
//
// Everything is compiled when the configuration loads; Apply does not
// allocate for a message that matches no condition.
package deny

import (
	"context"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/keypath"
	"github.com/chimeflow/chimeflow/rules/internal/yamlnode"
)

// Name is the name the rule is registered under.
const Name = "deny"

func init() { rules.Register(Name, New) }

// Condition is one condition of the rule's options; the options themselves
// are a Condition. Exactly one of the fields other than Reason is given.
type Condition struct {
	// Reason is the deny reason when the condition holds.
	Reason string `yaml:"reason"`

	Any []Condition `yaml:"any"` // one of them holds
	All []Condition `yaml:"all"` // every one holds
	Not *Condition  `yaml:"not"` // it does not hold

	Sender      []rules.ARNGlob `yaml:"sender"`      // the sender's ARN matches one
	Bot         *bool           `yaml:"bot"`         // the sender is (not) a bot
	Channel     []rules.ARNGlob `yaml:"channel"`     // the channel's ARN matches one
	Regex       *rules.Regexp   `yaml:"regex"`       // the content matches
	Keywords    []string        `yaml:"keywords"`    // the content holds one as a word
	LongerThan  *int            `yaml:"longerThan"`  // the content has more characters
	Metadata    *MetadataMatch  `yaml:"metadata"`    // the metadata matches
	Attribute   *AttributeMatch `yaml:"attribute"`   // an attribute matches
	Persistence string          `yaml:"persistence"` // PERSISTENT or NON_PERSISTENT
	ContentType []rules.Glob    `yaml:"contentType"` // the content type matches one
}

// MetadataMatch tests the message metadata.
type MetadataMatch struct {
	// Key is a dotted key path into JSON-object metadata ("a.b" is key b of
	// object a; "\." is a dot within a key). Empty tests the whole text.
	Key string `yaml:"key"`
	// Value, when given, is the exact value wanted: a string's text, or the
	// JSON text of any other value ("true", "3").
	Value *string `yaml:"value"`
	// Regex, when given, must match the value.
	Regex *rules.Regexp `yaml:"regex"`
}

// AttributeMatch tests the message attributes.
type AttributeMatch struct {
	// Name is a glob over attribute names; empty means any name.
	Name rules.Glob `yaml:"name"`
	// Value, when given, is a value one of the attribute's values must equal.
	Value *string `yaml:"value"`
	// Regex, when given, must match one of the attribute's values.
	Regex *rules.Regexp `yaml:"regex"`
}

// Rule is the compiled deny rule. It is immutable and safe for concurrent
// use.
type Rule struct {
	cond matcher
}

// New builds the rule from its options; it is the rule's rules.Factory.
// Every mistake is reported through opts, with its place in the file.
func New(opts rules.Options) (processor.Rule, error) {
	var c Condition
	decodeFailed := opts.Decode(&c) != nil
	// The options again, as written: which keys each condition has, even
	// where a value failed to decode.
	var doc yaml.Node
	_ = opts.Decode(&doc)
	cp := compiler{opts: opts}
	m := cp.compile(&c, &doc, "")
	if decodeFailed || cp.failed {
		return nil, rules.ErrBadOptions
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
	opts   rules.Options
	failed bool
}

func (cp *compiler) bad(path, format string, args ...any) {
	cp.failed = true
	_ = cp.opts.Errorf(path, format, args...)
}

// kinds are the keys of a condition that say what it tests.
var kinds = []string{"sender", "bot", "channel", "regex", "keywords", "longerThan", "metadata", "attribute", "persistence", "contentType", "any", "all", "not"}

// compile compiles the condition c, decoded from n, at path (a dotted
// option path, "" for the options themselves). A key whose value failed to
// decode has been reported already and is skipped.
func (cp *compiler) compile(c *Condition, n *yaml.Node, path string) matcher {
	n = yamlnode.Resolve(n)
	if n == nil || n.Kind != yaml.MappingNode {
		if n != nil && n.Kind != 0 && !yamlnode.IsNull(n) {
			return anyOf(nil) // reported by Decode
		}
		cp.bad(path, "no condition: want a mapping with one of %s", strings.Join(kinds, ", "))
		return anyOf(nil)
	}
	var found []string
	for _, k := range kinds {
		if has(n, k) {
			found = append(found, k)
		}
	}
	switch len(found) {
	case 0:
		cp.bad(path, "no condition: want one of %s", strings.Join(kinds, ", "))
		return anyOf(nil)
	case 1:
	default:
		cp.bad(path, "a condition tests one thing, this one has %s: combine them with all (or any)", strings.Join(found, " and "))
		return anyOf(nil)
	}
	if v := yamlnode.Resolve(yamlnode.Child(n, found[0])); yamlnode.IsNull(v) {
		return anyOf(nil) // reported by Decode
	}
	m := cp.kind(c, n, path, found[0])
	if m == nil {
		return anyOf(nil) // its value failed to decode
	}
	if c.Reason != "" {
		m = reasoned{m: m, reason: c.Reason}
	}
	return m
}

// kind compiles the condition's one test, or returns nil when its value
// failed to decode.
func (cp *compiler) kind(c *Condition, n *yaml.Node, path, kind string) matcher {
	at := yamlnode.Join(path, kind)
	switch kind {
	case "any":
		if c.Any != nil {
			return anyOf(cp.list(c.Any, yamlnode.Child(n, kind), at))
		}
	case "all":
		if c.All != nil {
			return allOf(cp.list(c.All, yamlnode.Child(n, kind), at))
		}
	case "not":
		if c.Not != nil {
			return notOf{cp.compile(c.Not, yamlnode.Child(n, kind), at)}
		}
	case "sender":
		if c.Sender != nil {
			return cp.arns(kind, c.Sender, senderArn, at)
		}
	case "bot":
		if c.Bot != nil {
			return isBot(*c.Bot)
		}
	case "channel":
		if c.Channel != nil {
			return cp.arns(kind, c.Channel, channelArn, at)
		}
	case "regex":
		if c.Regex != nil && c.Regex.Regexp != nil {
			return regex{*c.Regex}
		}
	case "keywords":
		if c.Keywords != nil {
			return cp.keywords(c.Keywords, at)
		}
	case "longerThan":
		if c.LongerThan != nil {
			if *c.LongerThan < 0 {
				cp.bad(at, "want a number of characters, 0 or more, got %d", *c.LongerThan)
			}
			return longerThan(*c.LongerThan)
		}
	case "metadata":
		if c.Metadata != nil {
			return cp.metadata(c.Metadata, yamlnode.Child(n, kind), at)
		}
	case "attribute":
		if c.Attribute != nil {
			return cp.attribute(c.Attribute, yamlnode.Child(n, kind), at)
		}
	case "persistence":
		if c.Persistence != "" {
			if c.Persistence != "PERSISTENT" && c.Persistence != "NON_PERSISTENT" {
				cp.bad(at, "%q is not PERSISTENT or NON_PERSISTENT", c.Persistence)
			}
			return persistence(c.Persistence)
		}
		if v := yamlnode.Child(n, kind); v != nil && v.Kind == yaml.ScalarNode {
			cp.bad(at, "want PERSISTENT or NON_PERSISTENT")
		}
	case "contentType":
		if c.ContentType != nil {
			if len(c.ContentType) == 0 {
				cp.bad(at, "the list is empty: it would match nothing")
			}
			return contentType(c.ContentType)
		}
	}
	return nil
}

func (cp *compiler) list(cs []Condition, n *yaml.Node, path string) []matcher {
	if len(cs) == 0 {
		cp.bad(path, "the list of conditions is empty")
	}
	ms := make([]matcher, len(cs))
	for i := range cs {
		ms[i] = cp.compile(&cs[i], yamlnode.Child(n, strconv.Itoa(i)), yamlnode.Join(path, strconv.Itoa(i)))
	}
	return ms
}

func (cp *compiler) arns(what string, globs []rules.ARNGlob, arn func(*processor.Message) string, path string) matcher {
	if len(globs) == 0 {
		cp.bad(path, "the list is empty: it would match nothing")
	}
	return &arnIn{what: what, arn: arn, globs: globs}
}

func (cp *compiler) keywords(list []string, path string) matcher {
	if len(list) == 0 {
		cp.bad(path, "the list is empty: it would match nothing")
	}
	texts := make([]string, 0, len(list))
	for i, s := range list {
		if strings.TrimSpace(s) == "" {
			cp.bad(yamlnode.Join(path, strconv.Itoa(i)), "an empty keyword would match everywhere")
			continue
		}
		texts = append(texts, s)
	}
	return keywords{newKeywordSet(texts)}
}

func (cp *compiler) values(value *string, re *rules.Regexp, path string) valueTest {
	if value != nil && re != nil {
		cp.bad(path, "give value or regex, not both")
	}
	return valueTest{equals: value, re: re}
}

func (cp *compiler) metadata(mm *MetadataMatch, n *yaml.Node, path string) matcher {
	t := &metadataTest{key: mm.Key, value: cp.values(mm.Value, mm.Regex, path)}
	if mm.Key == "" {
		if !has(n, "key") && !has(n, "value") && !has(n, "regex") {
			cp.bad(path, "want a key, a value or a regex")
		}
		return t
	}
	p, err := keypath.Parse(mm.Key)
	if err != nil {
		cp.bad(yamlnode.Join(path, "key"), "%v", err)
	}
	t.path = p
	return t
}

func (cp *compiler) attribute(am *AttributeMatch, n *yaml.Node, path string) matcher {
	t := &attributeTest{name: am.Name, value: cp.values(am.Value, am.Regex, path)}
	if !has(n, "name") && !has(n, "value") && !has(n, "regex") {
		cp.bad(path, "want a name, a value or a regex")
	}
	return t
}

// has reports whether the mapping n has the key.
func has(n *yaml.Node, key string) bool {
	return yamlnode.Child(n, key) != nil && yamlnode.Resolve(n).Kind == yaml.MappingNode
}
