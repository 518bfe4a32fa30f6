package rules

import (
	"context"
	"time"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/state"
)

// UsesState is embedded by a stateful rule (processor.StatefulRule): it
// provisions the host's state store (Provision) and hands it to the
// pipeline (StateStore).
type UsesState struct {
	store state.Store
}

// Provision implements Provisioner: it takes the host's state store.
func (u *UsesState) Provision(ctx context.Context, h *Host) error {
	s, err := h.State(ctx)
	if err != nil {
		return err
	}
	u.store = s
	return nil
}

// StateStore implements processor.StatefulRule.
func (u *UsesState) StateStore() state.Store { return u.store }

// Per says whose messages a stateful rule counts together.
type Per string

// What Per can be. The zero value means PerSender.
const (
	// PerSender counts a sender's messages, in every channel together.
	PerSender Per = "sender"
	// PerChannel counts a channel's messages, every sender's together; an
	// elastic channel's sub-channels count apart.
	PerChannel Per = "channel"
	// PerSenderInChannel counts a sender's messages in each channel apart.
	PerSenderInChannel Per = "senderInChannel"
)

// UnmarshalText accepts sender, channel or senderInChannel.
func (p *Per) UnmarshalText(b []byte) (err error) {
	*p, err = ParseEnum(b, PerSender, PerChannel, PerSenderInChannel)
	return err
}

// Key returns the part of a state key that names whose messages m counts
// with: the sender's ARN, the channel's (with the sub-channel), or both.
func (p Per) Key(m *processor.Message) string {
	cm := &m.Event().ChannelMessage
	channel := cm.ChannelArn
	if sub := cm.SubChannelID; sub != "" {
		channel += "#" + sub
	}
	switch p {
	case PerChannel:
		return "channel|" + channel
	case PerSenderInChannel:
		return "senderInChannel|" + channel + "|" + m.Sender().Arn
	}
	return "sender|" + m.Sender().Arn
}

// String names p as configurations do; "" reads as sender.
func (p Per) String() string {
	if p == "" {
		return string(PerSender)
	}
	return string(p)
}

// TripAction says what a stateful rule does with a message when its check
// trips.
type TripAction string

// Trip actions. The zero value means TripDeny.
const (
	// TripDeny denies the message. Its check runs before the callback.
	TripDeny TripAction = "deny"
	// TripFlag delivers the message and reports the flag (in the log line,
	// as "flags"). Its check runs after the callback, so the message is not
	// held for it; it cannot change the message.
	TripFlag TripAction = "flag"
)

// UnmarshalText accepts deny or flag.
func (a *TripAction) UnmarshalText(b []byte) (err error) {
	*a, err = ParseEnum(b, TripDeny, TripFlag)
	return err
}

// Stateful windows are between MinWindow and MaxWindow, in whole
// milliseconds.
const (
	MinWindow = time.Second
	MaxWindow = 24 * time.Hour
)

// CheckWindow records in bad a window option (at path) that is missing,
// out of [MinWindow, max] or not in whole milliseconds.
func CheckWindow(bad *Problems, path string, d, max time.Duration) {
	switch {
	case d == 0:
		bad.Add(path, "required: a duration such as 10s, 5m or 1h")
	case d < MinWindow || d > max:
		bad.Add(path, "%v is out of range: from %v to %v", d, MinWindow, max)
	case d%time.Millisecond != 0:
		bad.Add(path, "%v: use whole milliseconds", d)
	}
}

// checkPer records in bad a Per that UnmarshalText would refuse.
func checkPer(bad *Problems, path string, p Per) {
	if p != "" {
		if err := new(Per).UnmarshalText([]byte(p)); err != nil {
			bad.Add(path, "%v", err)
		}
	}
}

// CheckStateOptions records in bad a Per or TripAction (at their paths)
// that a configuration file could not have given.
func CheckStateOptions(bad *Problems, perPath string, p Per, actionPath string, a TripAction) {
	checkPer(bad, perPath, p)
	if a != "" {
		if err := new(TripAction).UnmarshalText([]byte(a)); err != nil {
			bad.Add(actionPath, "%v", err)
		}
	}
}
