// Package processortest helps test rules and pipelines: build events, run a
// rule or a pipeline against a recording callback sink, and replay a
// directory of event fixtures against their golden files from a go test.
//
// It is to chimeflow what net/http/httptest is to net/http.
//
// It registers no rule: a test whose configuration names a built-in rule
// imports that rule's package (or rules/all) for its side effect, as the
// processor's own main does. A rule that is not registered fails the test
// with the rules package's error, which names the package to import.
package processortest

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/replay"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
)

// Example ARNs used by NewEvent; 111122223333 is the documentation account.
const (
	ChannelArn = "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/channel/general"
	UserArn    = "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/user/alice"
	BotArn     = "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/bot/helper"
	CallbackID = "00000000-1111-2222-3333-444444444444"
)

// Option changes an event built by NewEvent.
type Option func(*processor.Event)

// NewEvent returns a valid CHANNEL_MESSAGE_EVENT for a new, persistent
// message with the given content from a user in ChannelArn.
func NewEvent(content string, opts ...Option) *processor.Event {
	ev := &processor.Event{
		EventType:  processor.EventTypeChannelMessage,
		CallbackID: CallbackID,
		ChannelMessage: processor.ChannelMessage{
			MessageID:        "msg-0001",
			ChannelArn:       ChannelArn,
			Content:          content,
			Sender:           processor.Sender{Arn: UserArn, Name: "Alice"},
			Persistence:      "PERSISTENT",
			Type:             "STANDARD",
			CreatedTimestamp: processor.NewTimestamp("2024-05-01T12:00:00Z"),
		},
	}
	for _, o := range opts {
		o(ev)
	}
	return ev
}

// WithIDs sets the event's CallbackId and the message's MessageId, for
// tests that need several distinct messages (the defaults are CallbackID
// and "msg-0001").
func WithIDs(callbackID, messageID string) Option {
	return func(ev *processor.Event) {
		ev.CallbackID, ev.ChannelMessage.MessageID = callbackID, messageID
	}
}

// WithMetadata sets the message metadata.
func WithMetadata(md string) Option {
	return func(ev *processor.Event) { ev.ChannelMessage.Metadata = md }
}

// WithSender sets the sender.
func WithSender(arn, name string) Option {
	return func(ev *processor.Event) { ev.ChannelMessage.Sender = processor.Sender{Arn: arn, Name: name} }
}

// WithChannel sets the channel ARN.
func WithChannel(arn string) Option {
	return func(ev *processor.Event) { ev.ChannelMessage.ChannelArn = arn }
}

// WithSubChannel sets the elastic channel's sub-channel id.
func WithSubChannel(id string) Option {
	return func(ev *processor.Event) { ev.ChannelMessage.SubChannelID = id }
}

// WithPush adds a DEFAULT push notification.
func WithPush(title, body string) Option {
	return func(ev *processor.Event) {
		ev.ChannelMessage.PushNotification = &messaging.PushNotificationConfiguration{Title: title, Body: body, Type: "DEFAULT"}
	}
}

// WithAttribute adds a message attribute.
func WithAttribute(name string, values ...string) Option {
	return func(ev *processor.Event) {
		if ev.ChannelMessage.MessageAttributes == nil {
			ev.ChannelMessage.MessageAttributes = map[string]messaging.MessageAttributeValue{}
		}
		ev.ChannelMessage.MessageAttributes[name] = messaging.MessageAttributeValue{StringValues: values}
	}
}

// WithTarget makes the message a targeted message, for the member memberArn.
func WithTarget(memberArn string) Option {
	return func(ev *processor.Event) { ev.ChannelMessage.Target = processor.TargetList{{MemberArn: memberArn}} }
}

// WithContentType sets the content type.
func WithContentType(ct string) Option {
	return func(ev *processor.Event) { ev.ChannelMessage.ContentType = ct }
}

// Edited marks the message as an edit.
func Edited() Option {
	return func(ev *processor.Event) {
		ev.ChannelMessage.LastEditedTimestamp = processor.NewTimestamp("2024-05-01T12:05:00Z")
	}
}

// NonPersistent marks the message NON_PERSISTENT.
func NonPersistent() Option {
	return func(ev *processor.Event) { ev.ChannelMessage.Persistence = "NON_PERSISTENT" }
}

// Payload encodes an event as Chime would send it.
func Payload(t testing.TB, ev *processor.Event) []byte {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatalf("processortest: encode event: %v", err)
	}
	return b
}

// RunRule runs one rule, as a pipeline of one stage named "rule" with the
// deny error policy, on ev and returns the outcome.
func RunRule(t testing.TB, r processor.Rule, ev *processor.Event) processor.Outcome {
	t.Helper()
	return processor.NewPipeline(processor.Stage{Name: "rule", Rule: r}).Run(context.Background(), ev)
}

// NewRule builds a registered rule from YAML (or JSON) options and
// provisions it, failing the test on an error. A stateful rule gets a
// store of its own, in the process (state.Memory); host adds what else the
// rule needs, such as rules.WithAWSConfig for a rule that calls AWS (a
// stand-in's configuration in a test).
func NewRule(t testing.TB, name, options string, host ...rules.HostOption) processor.Rule {
	t.Helper()
	r, err := rules.New(name, []byte(options))
	if err != nil {
		t.Fatalf("processortest: NewRule: %v", err)
	}
	h := rules.NewHost(append([]rules.HostOption{rules.WithState(state.NewMemory())}, host...)...)
	if err := rules.Provision(context.Background(), h, r); err != nil {
		t.Fatalf("processortest: NewRule: %v", err)
	}
	return r
}

// NewHandler returns a handler for router whose callbacks are recorded by a
// messagingtest.Recorder, which checks each one as the client would.
func NewHandler(router processor.Router) (*processor.Handler, *messagingtest.Recorder) {
	rec := &messagingtest.Recorder{}
	h, err := processor.NewHandler(router, rec)
	if err != nil {
		panic("processortest: " + err.Error())
	}
	return h, rec
}

// Handle runs ev through a handler for router and returns the result and
// the one recorded callback (nil when none was sent).
func Handle(t testing.TB, router processor.Router, ev *processor.Event) (processor.Result, *messaging.ChannelFlowCallbackInput) {
	t.Helper()
	h, rec := NewHandler(router)
	res, err := h.Handle(context.Background(), Payload(t, ev))
	if err != nil {
		t.Fatalf("processortest: handle: %v", err)
	}
	calls := rec.Calls()
	if len(calls) != 1 {
		t.Fatalf("processortest: %d callbacks, want exactly 1", len(calls))
	}
	return res, calls[0]
}

// UpdateEnv is the environment variable that makes ReplayDir rewrite the
// golden files instead of checking them: CHIMEFLOW_UPDATE_GOLDEN=1 go test.
const UpdateEnv = "CHIMEFLOW_UPDATE_GOLDEN"

// ReplayDir replays every event of dir through a handler for the
// configuration file configPath ("" for the bundled default), one subtest
// per event, and fails each event that differs from its golden file, or
// that has none. The rules the configuration names must be registered.
// The events are replayed in the order of their timestamps (replay.Timed,
// as cmd/replay -timed does), and stateful rules share one store in the
// process (state.Memory), new for the call.
func ReplayDir(t *testing.T, dir, configPath string) {
	t.Helper()
	cfg, err := rules.Load(configPath)
	if err != nil {
		t.Fatalf("processortest: ReplayDir: %v", err)
	}
	if err := cfg.Provision(context.Background(), rules.NewHost(rules.WithState(state.NewMemory()))); err != nil {
		t.Fatalf("processortest: ReplayDir: %v", err)
	}
	sources, err := replay.Load([]string{dir}, nil)
	if err != nil {
		t.Fatalf("processortest: ReplayDir: %v", err)
	}
	sources = replay.Timed(sources)
	h, _ := NewHandler(cfg)
	rn := &replay.Runner{Handler: h, ConfigName: replay.ConfigName(configPath), Update: os.Getenv(UpdateEnv) != ""}
	for _, src := range sources {
		t.Run(src.Name, func(t *testing.T) {
			r, err := rn.Run(context.Background(), src)
			if err != nil {
				t.Fatal(err)
			}
			switch r.Golden {
			case replay.GoldenMismatch:
				t.Errorf("differs from %s (rerun with %s=1 to update):\n%s", r.GoldenPath, UpdateEnv, replay.Diff(r.Want, &r.Report))
			case replay.GoldenNone:
				if src.Path != "" {
					t.Errorf("no golden file %s (create it with %s=1)", replay.GoldenPath(src.Path, rn.ConfigName), UpdateEnv)
				}
			}
		})
	}
}
