package metadata

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/chimeflow/chimeflow/internal/jsonstr"
	"github.com/chimeflow/chimeflow/processor"
)

// placeholder is a value a template can take from the message.
type placeholder uint8

const (
	phNone placeholder = iota
	phSenderArn
	phSenderName
	phSenderBot
	phChannelArn
	phSubChannelID
	phMessageID
	phMessageEdited
	phMessageCreated
	phMessageLastEdited
	phMessagePersistence
	phMessageContentType
	phTime
)

// placeholders maps the names a template may use to what they stand for.
// It is never written after package initialisation.
var placeholders = map[string]placeholder{
	"sender.arn":          phSenderArn,
	"sender.name":         phSenderName,
	"sender.bot":          phSenderBot,
	"channel.arn":         phChannelArn,
	"subChannel.id":       phSubChannelID,
	"message.id":          phMessageID,
	"message.edited":      phMessageEdited,
	"message.created":     phMessageCreated,
	"message.lastEdited":  phMessageLastEdited,
	"message.persistence": phMessagePersistence,
	"message.contentType": phMessageContentType,
	"time":                phTime,
}

// placeholderNames lists the placeholder names, sorted, for messages.
var placeholderNames = func() []string {
	names := make([]string, 0, len(placeholders))
	for n := range placeholders {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}()

// isBool reports whether the placeholder stands for true or false.
func (p placeholder) isBool() bool { return p == phSenderBot || p == phMessageEdited }

// value returns the placeholder's text for message m.
func (p placeholder) value(m *processor.Message) string {
	cm := &m.Event().ChannelMessage
	switch p {
	case phSenderArn:
		return cm.Sender.Arn
	case phSenderName:
		return cm.Sender.Name
	case phSenderBot:
		return strconv.FormatBool(cm.Sender.IsBot())
	case phChannelArn:
		return cm.ChannelArn
	case phSubChannelID:
		return cm.SubChannelID
	case phMessageID:
		return cm.MessageID
	case phMessageEdited:
		return strconv.FormatBool(cm.Edited())
	case phMessageCreated:
		return cm.CreatedTimestamp.Raw
	case phMessageLastEdited:
		return cm.LastEditedTimestamp.Raw
	case phMessagePersistence:
		return cm.Persistence
	case phMessageContentType:
		return cm.ContentType
	case phTime:
		ts := cm.CreatedTimestamp
		if cm.Edited() {
			ts = cm.LastEditedTimestamp
		}
		if !ts.Time.IsZero() {
			return ts.Time.UTC().Format(time.RFC3339Nano)
		}
		return ts.Raw
	}
	return ""
}

// segment is a run of literal text or one placeholder.
type segment struct {
	lit string
	ph  placeholder
}

// template is a string value with {{placeholders}}, parsed once when the
// configuration loads.
type template struct {
	segs []segment
}

// templateError is a mistake in a template, at a byte offset of its text.
type templateError struct {
	Offset int
	Msg    string
}

func (e templateError) Error() string { return fmt.Sprintf("%s (at offset %d)", e.Msg, e.Offset) }

// parseTemplate parses s: literal text with {{name}} placeholders (spaces
// around the name are allowed); "{{{{" stands for a literal "{{". It
// returns every mistake it finds.
func parseTemplate(s string) (template, []templateError) {
	var t template
	var errs []templateError
	lit := func(x string) {
		if x == "" {
			return
		}
		if n := len(t.segs); n > 0 && t.segs[n-1].ph == phNone {
			t.segs[n-1].lit += x
			return
		}
		t.segs = append(t.segs, segment{lit: x})
	}
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "{{")
		if j < 0 {
			lit(s[i:])
			break
		}
		j += i
		lit(s[i:j])
		if strings.HasPrefix(s[j:], "{{{{") {
			lit("{{")
			i = j + 4
			continue
		}
		k := strings.Index(s[j+2:], "}}")
		if k < 0 {
			errs = append(errs, templateError{j, "unterminated {{ (write {{{{ for a literal {{)"})
			break
		}
		k += j + 2
		name := strings.TrimSpace(s[j+2 : k])
		switch ph, ok := placeholders[name]; {
		case name == "":
			errs = append(errs, templateError{j, "empty placeholder {{}}"})
		case !ok:
			msg := "unknown placeholder {{" + name + "}}"
			if sug := suggest(name); sug != "" {
				msg += "; did you mean {{" + sug + "}}?"
			} else {
				msg += " (known: " + strings.Join(placeholderNames, ", ") + ")"
			}
			errs = append(errs, templateError{j, msg})
		default:
			t.segs = append(t.segs, segment{ph: ph})
		}
		i = k + 2
	}
	return t, errs
}

// hasPlaceholders reports whether the template takes anything from the
// message.
func (t *template) hasPlaceholders() bool {
	for _, s := range t.segs {
		if s.ph != phNone {
			return true
		}
	}
	return false
}

// literal returns the template's text when it has no placeholders.
func (t *template) literal() string {
	if len(t.segs) == 0 {
		return ""
	}
	return t.segs[0].lit
}

// appendJSON appends the template's value for m as JSON: a string, or
// true/false when the template is exactly one true-or-false placeholder
// such as {{message.edited}}.
func (t *template) appendJSON(dst []byte, m *processor.Message) []byte {
	if len(t.segs) == 1 && t.segs[0].ph.isBool() {
		return append(dst, t.segs[0].ph.value(m)...)
	}
	var b strings.Builder
	for _, s := range t.segs {
		if s.ph == phNone {
			b.WriteString(s.lit)
		} else {
			b.WriteString(s.ph.value(m))
		}
	}
	return jsonstr.Append(dst, b.String())
}

// suggest returns the known placeholder closest to name, if it is close.
func suggest(name string) string {
	best, bestD := "", 4
	for _, known := range placeholderNames {
		if strings.EqualFold(known, name) {
			return known
		}
		if d := distance(strings.ToLower(name), strings.ToLower(known)); d < bestD {
			best, bestD = known, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
