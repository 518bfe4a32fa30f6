package rules

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules/internal/keypath"
)

// Scope says which texts of a message a rule reads or rewrites. Every rule
// that reads or rewrites message text takes it as its "scope" option, with
// the same default everywhere: the content and the push notification's
// title and body. In a configuration file:
//
//	scope:
//	  content: true          # default true
//	  push: true             # the push notification's title and body; default true
//	  metadata: [note, profile.phone]   # key paths into JSON metadata; "*" for all
//	  attributes: [subject]  # message attribute names; "*" for all
//	  lex: text              # a Lex bot reply's content: its texts (default), or skip
//
// A rule checks its Scope with Compile and walks the texts it covers with
// the Texts that Compile returns.
type Scope struct {
	// Content covers the message content; nil means true.
	Content *bool `yaml:"content"`
	// Push covers the push notification's title and body; nil means true,
	// so that a rewritten message cannot leak through its notification.
	Push *bool `yaml:"push"`
	// Metadata lists key paths into JSON metadata ("note", "profile.phone";
	// `a\.b` for a key with a dot): the string values under each, arrays
	// included, are covered. "*" covers every string value of JSON
	// metadata, and metadata that is not JSON as one text. None by
	// default.
	Metadata []string `yaml:"metadata"`
	// Attributes lists the message attributes whose values are covered;
	// "*" covers every attribute except those the service itself reads
	// (names starting with "CHIME.", such as CHIME.mentions), which are
	// covered only when named. None by default.
	Attributes []string `yaml:"attributes"`
	// Lex says what the content of a reply of an AppInstanceBot backed by
	// Amazon Lex (ContentType application/amz-chime-lex-msgs or
	// application/amz-chime-lex-error) covers: LexText ("text", the
	// default) the texts people read in its JSON, each written back as a
	// JSON string; LexSkip ("skip") none. A content that claims to be a
	// Lex reply and is not JSON of its shape is covered as plain text
	// either way. See docs/targeted-and-bots.md.
	Lex LexMode `yaml:"lex"`
}

// maxMetadataPaths bounds the key paths of Scope.Metadata: the walk keeps
// the paths still in play in one machine word.
const maxMetadataPaths = 64

// reservedAttributePrefix starts the names of the attributes the service
// reads itself; "*" does not cover them.
const reservedAttributePrefix = "CHIME."

// Compile checks s, recording each problem in bad under the dotted path
// option (the scope's own option name, usually "scope"), and returns the
// Texts it covers. The Texts are usable only when no problem was recorded.
func (s Scope) Compile(option string, bad *Problems) *Texts {
	t := &Texts{content: s.Content == nil || *s.Content, push: s.Push == nil || *s.Push}
	switch s.Lex {
	case "", LexText:
	case LexSkip:
		t.lexSkip = true
	default:
		bad.Add(joinPath(option, "lex"), "%q is not %s or %s", s.Lex, LexText, LexSkip)
	}
	if s.Lex != "" && !t.content {
		bad.Add(joinPath(option, "lex"), "applies to the content, which this scope does not cover")
	}
	at := func(list string, i int) string { return joinPath(option, list+"."+strconv.Itoa(i)) }
	for i, k := range s.Metadata {
		switch {
		case k == "*":
			t.metaAll = true
		case slices.Contains(s.Metadata[:i], k):
			bad.Add(at("metadata", i), "%q given twice", k)
		default:
			p, err := keypath.Parse(k)
			if err != nil {
				bad.Add(at("metadata", i), "%v", err)
				continue
			}
			t.metaPaths = append(t.metaPaths, p)
			t.metaNames = append(t.metaNames, k)
		}
	}
	if len(t.metaPaths) > maxMetadataPaths {
		bad.Add(joinPath(option, "metadata"), "%d key paths, over the bound of %d (use a shorter path that covers several)", len(t.metaPaths), maxMetadataPaths)
	}
	for i, a := range s.Attributes {
		switch n := utf8.RuneCountInString(a); {
		case a == "*":
			t.attrAll = true
		case n == 0 || n > messaging.MaxAttributeNameLen:
			bad.Add(at("attributes", i), "attribute names have 1 to %d characters, %q has %d", messaging.MaxAttributeNameLen, a, n)
		case slices.Contains(s.Attributes[:i], a):
			bad.Add(at("attributes", i), "%q given twice", a)
		default:
			t.attrs = append(t.attrs, a)
		}
	}
	slices.Sort(t.attrs)
	if !t.content && !t.push && len(s.Metadata) == 0 && len(s.Attributes) == 0 {
		bad.Add(option, "covers nothing: turn on content or push, or list metadata key paths or attributes")
	}
	return t
}

// Texts are the texts of a message that a Scope covers. A Texts is
// immutable and safe for concurrent use; the zero Texts covers nothing.
type Texts struct {
	content, push bool
	lexSkip       bool // Scope.Lex is LexSkip
	metaAll       bool
	metaPaths     [][]string // parsed key paths
	metaNames     []string   // the same, as configured
	attrAll       bool
	attrs         []string // named attributes, sorted
}

// Part is a part of a message that holds text.
type Part uint8

// The parts of a message, in the order Texts visits them.
const (
	PartContent   Part = iota // the content
	PartPushTitle             // the push notification's title
	PartPushBody              // the push notification's body
	PartMetadata              // a string value of the metadata, or the whole of metadata that is not JSON
	PartAttribute             // a value of a message attribute
)

var partNames = [...]string{"Content", "PushNotification.Title", "PushNotification.Body", "Metadata", "MessageAttributes"}

// String returns the part's name as the callback spells it: "Content",
// "PushNotification.Title", "PushNotification.Body", "Metadata",
// "MessageAttributes".
func (p Part) String() string {
	if int(p) < len(partNames) {
		return partNames[p]
	}
	return "Part(" + strconv.Itoa(int(p)) + ")"
}

// Place says where a covered text is.
type Place struct {
	Part Part
	// Name is, for PartMetadata, the key path of Scope.Metadata that
	// covers the value (the shortest, and the first listed among equals),
	// or "*"; for PartAttribute, the attribute's name when
	// Scope.Attributes names it, or "*". It always comes from the
	// configuration, never from the message, so it is safe to log.
	Name string
}

// String names the place for deny reasons and logs: "Content",
// "PushNotification.Body", "Metadata.profile.phone", "Metadata" (a value
// covered by "*"), "MessageAttributes.subject", "MessageAttributes".
func (p Place) String() string {
	if p.Name == "" || p.Name == "*" {
		return p.Part.String()
	}
	return p.Part.String() + "." + p.Name
}

// String lists what t covers, for descriptions of rules.
func (t *Texts) String() string {
	var parts []string
	if t.content {
		parts = append(parts, "Content")
		if t.lexSkip {
			parts[len(parts)-1] += " (not of Lex replies)"
		}
	}
	if t.push {
		parts = append(parts, "PushNotification")
	}
	if t.metaAll {
		parts = append(parts, "Metadata")
	} else {
		for _, n := range t.metaNames {
			parts = append(parts, "Metadata."+n)
		}
	}
	if t.attrAll {
		parts = append(parts, "MessageAttributes")
	}
	for _, a := range t.attrs {
		parts = append(parts, "MessageAttributes."+a)
	}
	return strings.Join(parts, ", ")
}

// Each calls fn with each text of m that t covers, in this order, until fn
// returns false: the content (or the texts of a Lex reply's content, in
// document order); the push notification's title and body; the
// covered string values of JSON metadata, in document order (or the whole
// of metadata that is not JSON, with "*"); the values of the covered
// attributes, by name and then in order. It reports whether fn stopped
// the walk. It does not allocate, unless the metadata holds escaped keys
// or strings.
func (t *Texts) Each(m *processor.Message, fn func(p Place, text string) bool) (stopped bool) {
	w := walker{read: fn}
	return w.walk(t, m)
}

// Rewriter returns what a rule makes of the text at p.
type Rewriter func(p Place, text string) string

// Rewrite calls fn with each text of m that t covers, in the order of
// Each, and puts the text fn returns in its place, made to fit the
// callback: whatever the sender wrote, a text Rewrite changes is one the
// service accepts, so that a rule built on it cannot be made to fail (and,
// under onError: allow, undone). In a changed text, invalid UTF-8 is
// replaced by U+FFFD, and line terminators by spaces in the metadata and
// the push notification's title, whose model pattern refuses them. A text
// longer than its part allows (see Part.Limit; the metadata's limit is
// that of the whole document) is shortened to the limit with an ellipsis
// ("…"), and an emptied content or attribute value, which the service
// needs a character in, is written "…". In JSON metadata the rewritten
// values are cut, in document order, to the room the document has left;
// the others are kept byte for byte. See RewriteOr for a rule that has a
// shorter rewrite to offer first.
//
// A metadata value is written back as a JSON string with the rest of the
// document byte for byte; an attribute's values are copied before the
// first change, never written through; attribute names are never
// changed. Rewrite does not allocate when fn changes nothing (and the
// metadata holds no escapes).
func (t *Texts) Rewrite(m *processor.Message, fn func(p Place, text string) string) {
	t.RewriteOr(m, fn, nil)
}

// RewriteOr is Rewrite with a fallback: where the text fn returns does not
// fit its part (in JSON metadata: where the document with fn's rewrites
// does not fit), RewriteOr puts back what fallback makes of the original
// text instead (of every rewritten value of the document); only if that
// does not fit either is it cut, as Rewrite cuts. fallback should do what
// fn does in as few characters as it can (a plain mask rather than a
// label, say); it is called only when needed. A nil fallback makes
// RewriteOr Rewrite.
func (t *Texts) RewriteOr(m *processor.Message, fn func(p Place, text string) string, fallback Rewriter) {
	w := walker{write: fn, fallback: fallback}
	w.walk(t, m)
}

// walker walks the texts of a message: it reads them (read) or rewrites
// them (write, with a fallback).
type walker struct {
	read     func(p Place, text string) bool
	write    func(p Place, text string) string
	fallback Rewriter
}

// visit reads or rewrites one text; it returns what to put in its place
// (the text itself when reading), and whether to go on.
func (w *walker) visit(p Place, s string) (string, bool) {
	if w.write == nil {
		return s, w.read(p, s)
	}
	return w.write(p, s), true
}

// text reads or rewrites the whole text *s at p (not a value of JSON
// metadata), fitting a rewrite to the part; it reports whether the walk
// stops.
func (w *walker) text(p Place, s *string) bool {
	out, more := w.visit(p, *s)
	if w.write != nil && out != *s {
		*s = fitText(p, *s, out, w.fallback)
	}
	return !more
}

func (w *walker) walk(t *Texts, m *processor.Message) bool {
	if t.content && w.content(t, m) {
		return true
	}
	if p := m.PushNotification; t.push && p != nil {
		if w.text(Place{Part: PartPushTitle}, &p.Title) || w.text(Place{Part: PartPushBody}, &p.Body) {
			return true
		}
	}
	if (t.metaAll || len(t.metaPaths) > 0) && w.metadata(t, m) {
		return true
	}
	if t.attrAll || len(t.attrs) > 0 {
		return w.attributes(t, m)
	}
	return false
}

// metadata visits the covered texts of the metadata; it reports whether
// the walk stops.
func (w *walker) metadata(t *Texts, m *processor.Message) bool {
	doc := m.Metadata
	if strings.TrimSpace(doc) == "" {
		return false
	}
	if !validJSON(doc) {
		return t.metaAll && w.text(Place{Part: PartMetadata, Name: "*"}, &m.Metadata)
	}
	jw := jsonWalk{doc: doc, texts: t}
	var live uint64
	if len(t.metaPaths) > 0 {
		live = 1<<len(t.metaPaths) - 1
	}
	jw.value(w, 0, live, -1)
	if len(jw.edits) > 0 {
		m.Metadata = fitDocument(doc, jw.edits, w.fallback)
	}
	return jw.stopped
}

// attributes visits the values of the covered attributes, by name; it
// reports whether the walk stops.
func (w *walker) attributes(t *Texts, m *processor.Message) bool {
	attrs := m.MessageAttributes
	for name, ok := firstName(attrs); ok; name, ok = nextName(attrs, name) {
		p, covered := t.attributePlace(name)
		if !covered {
			continue
		}
		a := attrs[name]
		copied := false
		stopped := false
		for i, v := range a.StringValues {
			out, more := w.visit(p, v)
			if w.write != nil && out != v {
				if !copied { // never write through to a slice someone else holds
					a.StringValues, copied = slices.Clone(a.StringValues), true
				}
				a.StringValues[i] = fitText(p, v, out, w.fallback)
			}
			if !more {
				stopped = true
				break
			}
		}
		if copied {
			attrs[name] = a
		}
		if stopped {
			return true
		}
	}
	return false
}

// attributePlace says whether t covers the attribute name, and as what.
func (t *Texts) attributePlace(name string) (Place, bool) {
	if _, named := slices.BinarySearch(t.attrs, name); named {
		return Place{Part: PartAttribute, Name: name}, true
	}
	if t.attrAll && !strings.HasPrefix(name, reservedAttributePrefix) {
		return Place{Part: PartAttribute, Name: "*"}, true
	}
	return Place{}, false
}

// firstName and nextName walk the names of attrs in sorted order without
// allocating: messages have few attributes.
func firstName(attrs map[string]messaging.MessageAttributeValue) (string, bool) {
	first, ok := "", false
	for k := range attrs {
		if !ok || k < first {
			first, ok = k, true
		}
	}
	return first, ok
}

func nextName(attrs map[string]messaging.MessageAttributeValue, after string) (string, bool) {
	next, ok := "", false
	for k := range attrs {
		if k > after && (!ok || k < next) {
			next, ok = k, true
		}
	}
	return next, ok
}
