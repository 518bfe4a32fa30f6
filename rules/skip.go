package rules

import (
	"strconv"
	"strings"

	"github.com/chimeflow/chimeflow/processor"
)

// Skip says which messages go past a stage, or a whole pipeline, without
// its rules running: the messages any one of its tests matches. It is the
// "skip" of a stage, of a channel pipeline and of the document, so that any
// rule can be exempted for a team's own bots (and their replies cannot
// loop through rules written for people) without each rule testing the
// sender itself:
//
//	skip:
//	  bots: true          # any AppInstanceBot
//	  users: false        # any AppInstanceUser (a sender that is not a bot)
//	  senders: ["arn:aws:chime:*:111122223333:app-instance/*/bot/helpdesk"]
//	  contentTypes: ["application/amz-chime-lex-*"]
//
// A skipped stage is listed in the outcome's Skipped, and its rule does not
// see the message at all: to deny bots something, use a deny rule (its bot
// and sender conditions) rather than a skip.
type Skip struct {
	// Bots matches every message an AppInstanceBot sent (a sender ARN
	// ending in app-instance/ID/bot/ID).
	Bots bool `yaml:"bots"`
	// Users matches every message a sender that is not a bot sent.
	Users bool `yaml:"users"`
	// Senders are ARN globs; a message whose sender's ARN matches one is
	// skipped.
	Senders []string `yaml:"senders"`
	// ContentTypes are globs over the content type; a message whose
	// content type matches one is skipped ("*" matches any run of
	// characters, an empty glob an absent content type).
	ContentTypes []string `yaml:"contentTypes"`
}

// IsZero reports whether s has no test: it skips nothing.
func (s Skip) IsZero() bool {
	return !s.Bots && !s.Users && s.Senders == nil && s.ContentTypes == nil
}

// Compile checks s, recording each problem in bad under the dotted path
// option, and returns the processor.Skipper it describes, nil for a zero
// Skip. The Skipper is usable only when no problem was recorded.
func (s Skip) Compile(option string, bad *Problems) processor.Skipper {
	if s.IsZero() {
		return nil
	}
	t := &skipTest{bots: s.Bots, users: s.Users}
	if s.Bots && s.Users {
		bad.Add(option, "bots and users together skip every message: remove the rule (or the pipeline) instead")
	}
	if s.Senders != nil && len(s.Senders) == 0 {
		bad.Add(joinPath(option, "senders"), "the list is empty: it would match nothing")
	}
	for i, g := range s.Senders {
		glob, err := ParseARNGlob(g)
		if err != nil {
			bad.Add(joinPath(option, "senders."+strconv.Itoa(i)), "%v", err)
		}
		t.senders = append(t.senders, glob)
	}
	if s.ContentTypes != nil && len(s.ContentTypes) == 0 {
		bad.Add(joinPath(option, "contentTypes"), "the list is empty: it would match nothing")
	}
	for _, g := range s.ContentTypes {
		t.contentTypes = append(t.contentTypes, Glob(g))
	}
	return t
}

// skipTest is a compiled Skip.
type skipTest struct {
	bots, users  bool
	senders      []Glob
	contentTypes []Glob
}

// Skip reports whether m is to go past.
func (t *skipTest) Skip(m *processor.Message) bool {
	sender := m.Sender()
	bot := sender.IsBot()
	if t.bots && bot || t.users && !bot {
		return true
	}
	for _, g := range t.senders {
		if g.Match(sender.Arn) {
			return true
		}
	}
	ct := m.ContentType()
	for _, g := range t.contentTypes {
		if g.Match(ct) {
			return true
		}
	}
	return false
}

// String describes what t skips.
func (t *skipTest) String() string {
	var parts []string
	if t.bots {
		parts = append(parts, "bots")
	}
	if t.users {
		parts = append(parts, "users")
	}
	for _, g := range t.senders {
		parts = append(parts, "sender "+strconv.Quote(string(g)))
	}
	for _, g := range t.contentTypes {
		parts = append(parts, "content type "+strconv.Quote(string(g)))
	}
	return "skip " + strings.Join(parts, ", ")
}
