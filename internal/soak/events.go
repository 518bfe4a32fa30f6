package soak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/boot"
	// The rules cmd/processor registers: the oracle must know the same.
	_ "github.com/chimeflow/chimeflow/rules/all"
)

// Kind is what the pipeline makes of an event.
type Kind string

// Kinds of event, by the outcome the processor gives them.
const (
	Clean     Kind = "clean"     // ALLOW: answered unchanged
	Rewritten Kind = "rewritten" // REWRITE
	Denied    Kind = "denied"    // DENY
	Malformed Kind = "malformed" // refused: no callback, the on-failure record
)

// Kinds lists the kinds in the order reports show them.
var Kinds = []Kind{Clean, Rewritten, Denied, Malformed}

// kindOf is the kind of an outcome.
func kindOf(a processor.Action) Kind {
	switch a {
	case processor.ActionAllow:
		return Clean
	case processor.ActionRewrite:
		return Rewritten
	case processor.ActionDeny:
		return Denied
	}
	return Malformed
}

// Event is one generated event and what the processor must make of it.
type Event struct {
	// Seq numbers the events from 0.
	Seq int
	// Source is the fixture it was made from, and the mutation applied,
	// if any ("bad-metadata.json", "minimal.json+callback-id-short").
	Source  string
	Kind    Kind
	Payload []byte
	// CallbackID, ChannelArn, MessageID and SenderArn are the event's,
	// when it decodes.
	CallbackID, ChannelArn, MessageID, SenderArn string
	// Want is the callback the processor must have accepted, nil for a
	// malformed event (which must end in the on-failure destination), and
	// for an event of a stateful soak, whose decision depends on the
	// order in which containers reach the table.
	Want *messaging.ChannelFlowCallbackInput

	// state is set for an event of a stateful soak.
	state *stateEvent
}

// Oracle is the processor's handler run in this process, with the same
// configuration as the binary, its callbacks recorded instead of sent: what
// it decides is what the binary must decide.
type Oracle struct {
	h   *processor.Handler
	rec *messagingtest.Recorder
}

// NewOracle builds the handler as the bootstrap does (boot.NewHandler) from
// env, KEY=value entries (CHIMEFLOW_CONFIG_FILE and the like).
func NewOracle(env []string) (*Oracle, error) {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	rec := &messagingtest.Recorder{}
	h, err := boot.NewHandler(boot.WithGetenv(func(k string) string { return vars[k] }), boot.WithCallback(rec), boot.WithLogOutput(io.Discard))
	if err != nil {
		return nil, err
	}
	return &Oracle{h: h, rec: rec}, nil
}

// Decide returns the callback the processor sends for payload, nil when it
// refuses the event. It is not safe for concurrent use.
func (o *Oracle) Decide(payload []byte) (*processor.Result, *messaging.ChannelFlowCallbackInput) {
	o.rec.Reset()
	res, err := o.h.Handle(context.Background(), payload)
	if err != nil {
		return &res, nil
	}
	return &res, o.rec.Last()
}

// template is an event to make variations of.
type template struct {
	name    string
	payload []byte
	kind    Kind
	// callbackID and messageID are the values the variations replace;
	// empty for a malformed template, which is sent as it is.
	callbackID, messageID string
}

// mutation breaks a valid event in one way.
type mutation struct {
	name string
	f    func(ev map[string]any)
}

// mutations make malformed events out of valid ones. The oracle decides
// what each result is; a mutation the processor accepts is simply not
// malformed.
var mutations = []mutation{
	{"callback-id-short", func(ev map[string]any) { ev["CallbackId"] = "0123456789abcdef0123456789abcde" }},
	{"callback-id-missing", func(ev map[string]any) { delete(ev, "CallbackId") }},
	{"message-id-space", func(ev map[string]any) { msg(ev)["MessageId"] = "soak message" }},
	{"channel-arn-garbage", func(ev map[string]any) { msg(ev)["ChannelArn"] = "arn:aws:chime:us-east-1:111122223333:not-a-channel" }},
	{"content-number", func(ev map[string]any) { msg(ev)["Content"] = 42 }},
	{"metadata-1025", func(ev map[string]any) { msg(ev)["Metadata"] = strings.Repeat("m", 1025) }},
	{"type-control", func(ev map[string]any) { msg(ev)["Type"] = "CONTROL" }},
	{"event-type-other", func(ev map[string]any) { ev["EventType"] = "CHANNEL_MESSAGE_DELETED" }},
	{"message-not-object", func(ev map[string]any) { ev["ChannelMessage"] = "hello" }},
}

func msg(ev map[string]any) map[string]any {
	m, _ := ev["ChannelMessage"].(map[string]any)
	if m == nil {
		m = map[string]any{}
		ev["ChannelMessage"] = m
	}
	return m
}

// idsOf returns an event's ids, empty where it has none.
func idsOf(payload []byte) (callbackID, channelArn, messageID, senderArn string) {
	var ev struct {
		CallbackID     string `json:"CallbackId"`
		ChannelMessage struct {
			MessageID  string `json:"MessageId"`
			ChannelArn string `json:"ChannelArn"`
			Sender     struct {
				Arn string `json:"Arn"`
			} `json:"Sender"`
		} `json:"ChannelMessage"`
	}
	_ = json.Unmarshal(payload, &ev)
	return ev.CallbackID, ev.ChannelMessage.ChannelArn, ev.ChannelMessage.MessageID, ev.ChannelMessage.Sender.Arn
}

// Fixtures are the templates of a run and the fixtures left out.
type Fixtures struct {
	templates []template
	// Skipped names the fixtures that cannot be sent, with why: Lambda's
	// Invoke API refuses a payload that is not JSON.
	Skipped []string
}

// Count returns how many templates there are of kind k.
func (f *Fixtures) Count(k Kind) int {
	n := 0
	for _, t := range f.templates {
		if t.kind == k {
			n++
		}
	}
	return n
}

// LoadFixtures reads the events of dir (*.json, golden files excluded),
// decides each with the oracle, and adds the mutations of each valid one
// as malformed templates when the oracle refuses them.
func LoadFixtures(dir string, o *Oracle) (*Fixtures, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	f := &Fixtures{}
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		name := filepath.Base(p)
		if !json.Valid(b) {
			f.Skipped = append(f.Skipped, name+": not JSON, refused by Lambda's Invoke API")
			continue
		}
		res, cb := o.Decide(b)
		t := template{name: name, payload: b, kind: kindOf(res.Outcome.Action)}
		if cb == nil {
			t.kind = Malformed
			f.templates = append(f.templates, t)
			continue
		}
		t.callbackID, t.messageID = cb.CallbackID, cb.ChannelMessage.MessageID
		f.templates = append(f.templates, t)
		var ev map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&ev); err != nil {
			continue
		}
		for _, m := range mutations {
			cp := deepCopy(ev)
			m.f(cp)
			mb, err := json.Marshal(cp)
			if err != nil {
				return nil, err
			}
			if _, cb := o.Decide(mb); cb == nil {
				f.templates = append(f.templates, template{name: name + "+" + m.name, payload: mb, kind: Malformed})
			}
		}
	}
	for _, k := range Kinds {
		if f.Count(k) == 0 {
			return nil, fmt.Errorf("soak: no %s event among the fixtures of %s", k, dir)
		}
	}
	return f, nil
}

func deepCopy(v map[string]any) map[string]any {
	b, _ := json.Marshal(v)
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	_ = dec.Decode(&out)
	return out
}

// Mix is the share of each kind among the generated events.
type Mix map[Kind]float64

// DefaultMix is most messages clean, a quarter rewritten, a tenth denied
// and a tenth malformed.
var DefaultMix = Mix{Clean: 0.55, Rewritten: 0.25, Denied: 0.10, Malformed: 0.10}

// Generate makes n events from the fixtures: each valid one with a
// CallbackId and MessageId of its own (the same length as the fixture's
// where that leaves room for a unique prefix, within the model's limits),
// its JSON compacted half of the time; malformed ones as they are. The
// oracle decides what each must become. Two valid events never share a
// CallbackId or a message.
func Generate(f *Fixtures, o *Oracle, n int, mix Mix, seed uint64) ([]Event, error) {
	rng := rand.New(rand.NewPCG(seed, 0x50a6))
	byKind := map[Kind][]template{}
	for _, t := range f.templates {
		byKind[t.kind] = append(byKind[t.kind], t)
	}
	var total float64
	for _, k := range Kinds {
		total += mix[k]
	}
	events := make([]Event, 0, n)
	seenCallback, seenMessage := map[string]string{}, map[[2]string]string{}
	for i := range n {
		x := rng.Float64() * total
		k := Kinds[len(Kinds)-1]
		for _, kk := range Kinds {
			if x < mix[kk] {
				k = kk
				break
			}
			x -= mix[kk]
		}
		ts := byKind[k]
		t := ts[rng.IntN(len(ts))]
		payload := t.payload
		if t.callbackID != "" {
			payload = bytes.ReplaceAll(payload, quote(t.callbackID), quote(uniqueID(t.callbackID, i, 32, 64)))
			payload = bytes.ReplaceAll(payload, quote(t.messageID), quote(uniqueID(t.messageID, i, 1, 128)))
		}
		if rng.IntN(2) == 0 {
			var buf bytes.Buffer
			if json.Compact(&buf, payload) == nil {
				payload = buf.Bytes()
			}
		}
		payload = slices.Clone(payload)
		ev := Event{Seq: i, Source: t.name, Payload: payload}
		ev.CallbackID, ev.ChannelArn, ev.MessageID, ev.SenderArn = idsOf(payload)
		res, cb := o.Decide(payload)
		ev.Kind, ev.Want = kindOf(res.Outcome.Action), cb
		if cb == nil {
			ev.Kind = Malformed
		} else {
			msgKey := [2]string{ev.ChannelArn, ev.MessageID}
			if other, ok := seenCallback[ev.CallbackID]; ok {
				return nil, fmt.Errorf("soak: events from %s and %s share CallbackId %s", other, t.name, ev.CallbackID)
			}
			if other, ok := seenMessage[msgKey]; ok {
				return nil, fmt.Errorf("soak: events from %s and %s share message %s", other, t.name, ev.MessageID)
			}
			seenCallback[ev.CallbackID], seenMessage[msgKey] = t.name, t.name
		}
		events = append(events, ev)
	}
	return events, nil
}

func quote(s string) []byte { b, _ := json.Marshal(s); return b }

// uniqueID returns an id for event i made from orig: a prefix unique to i,
// then orig, cut to orig's length (or minLen) when that leaves the
// prefix whole, padded with 0 to minLen and cut to maxLen characters. Ids are
// [-_a-zA-Z0-9].
func uniqueID(orig string, i, minLen, maxLen int) string {
	prefix := "s" + strconv.FormatInt(int64(i), 36) + "-"
	id := prefix + orig
	if target := max(len(orig), minLen); target > len(prefix) && len(id) > target {
		id = id[:target]
	}
	for len(id) < minLen {
		id += "0"
	}
	if len(id) > maxLen {
		id = id[:maxLen]
	}
	return id
}
