package messagingtest

import (
	"encoding/json"
	"errors"
	"slices"

	"github.com/chimeflow/chimeflow/messaging"
)

// Message is a channel message going through the flow, as the processor
// receives it: register it with AddMessage before its callback arrives.
type Message struct {
	ChannelArn string
	MessageID  string
	// CallbackID is the CallbackId of the invocation that carries the
	// message: its first accepted callback resolves the message.
	CallbackID string
	// SenderArn is the sender's ARN (an AppInstanceUser or AppInstanceBot).
	// When set, GetChannelMessageStatus answers only this bearer, as the
	// service lets only the sender ask.
	SenderArn string
	// SubChannelID is the message's SubChannel, for elastic channels.
	SubChannelID string
	// Refusal is how a second callback for this message is refused; zero
	// means the Server's Config.Refusal.
	Refusal Refusal
}

// MessageState is a registered message and what became of it.
type MessageState struct {
	Message
	// Status is PENDING until a callback is accepted, then SENT or DENIED
	// (or what SetStatus made it).
	Status messaging.ChannelMessageStatus
	// Resolution is the last accepted callback, nil while none was.
	Resolution *messaging.ChannelFlowCallbackInput
	// Accepted counts the callbacks accepted (one per invocation; an edit
	// registers a new one).
	Accepted int
	// Refused counts the callbacks refused because the message was no
	// longer pending.
	Refused int
}

type msgKey struct{ channel, id string }

// AddMessage registers m as PENDING. Registering a message again with
// another CallbackID (an edit) makes it PENDING again under that CallbackID;
// callbacks of its earlier CallbackIDs are then refused.
func (s *Server) AddMessage(m Message) error {
	if m.ChannelArn == "" || m.MessageID == "" || m.CallbackID == "" {
		return errors.New("messagingtest: AddMessage needs ChannelArn, MessageID and CallbackID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.callbacks[m.CallbackID]; ok && k != (msgKey{m.ChannelArn, m.MessageID}) {
		return errors.New("messagingtest: AddMessage: CallbackID " + m.CallbackID + " already belongs to another message")
	}
	s.register(m)
	return nil
}

// register adds or renews m as PENDING; s.mu is held.
func (s *Server) register(m Message) *MessageState {
	k := msgKey{m.ChannelArn, m.MessageID}
	st, ok := s.messages[k]
	if !ok {
		st = &MessageState{}
		s.messages[k] = st
	}
	st.Message, st.Status = m, messaging.StatusPending
	s.callbacks[m.CallbackID] = k
	return st
}

// MessageState returns the state of a message, and whether it is known.
func (s *Server) MessageState(channelArn, messageID string) (MessageState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.messages[msgKey{channelArn, messageID}]
	if !ok {
		return MessageState{}, false
	}
	out := *st
	if out.Resolution != nil {
		out.Resolution = cloneCallback(out.Resolution)
	}
	return out, true
}

// SetStatus sets the status of a known message, e.g. FAILED as when the
// flow's fallback action aborted it; it reports whether the message is known.
func (s *Server) SetStatus(channelArn, messageID string, status messaging.ChannelMessageStatus) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.messages[msgKey{channelArn, messageID}]
	if ok {
		st.Status = status
	}
	return ok
}

// Accepted returns every callback the Server accepted, in order.
func (s *Server) Accepted() []messaging.ChannelFlowCallbackInput {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]messaging.ChannelFlowCallbackInput, len(s.resolution))
	for i := range s.resolution {
		out[i] = *cloneCallback(&s.resolution[i])
	}
	return out
}

// callback does the work of ChannelFlowCallback; s.mu is held.
func (s *Server) callback(params map[string]any) (any, *apiError) {
	channel, _ := params["ChannelArn"].(string)
	cbID, _ := params["CallbackId"].(string)
	in := messaging.ChannelFlowCallbackInput{ChannelArn: channel, CallbackID: cbID}
	raw, _ := json.Marshal(params)
	if err := json.Unmarshal(raw, &in); err != nil || in.ChannelMessage == nil {
		return nil, s.fail("BadRequestException", "the callback does not decode")
	}
	in.ChannelArn = channel
	msgID, sub := in.ChannelMessage.MessageID, in.ChannelMessage.SubChannelID

	k, known := s.callbacks[cbID]
	var st *MessageState
	switch {
	case !known && s.cfg.RequireRegistered:
		return nil, s.fail("BadRequestException", "CallbackId %s is not an invocation of this channel flow", cbID)
	case !known:
		if other, ok := s.messages[msgKey{channel, msgID}]; ok && other.Status == messaging.StatusPending {
			return nil, s.fail("BadRequestException", "CallbackId %s is not the pending invocation of message %s", cbID, msgID)
		}
		st = s.register(Message{ChannelArn: channel, MessageID: msgID, CallbackID: cbID, SubChannelID: sub})
	default:
		if k != (msgKey{channel, msgID}) {
			return nil, s.fail("BadRequestException", "CallbackId %s does not belong to message %s of this channel", cbID, msgID)
		}
		st = s.messages[k]
	}
	if st.SubChannelID != "" && sub != st.SubChannelID {
		return nil, s.fail("BadRequestException", "SubChannelId does not match the message's SubChannel")
	}
	if st.Status != messaging.StatusPending || st.CallbackID != cbID {
		st.Refused++
		r := st.Refusal
		if r == 0 {
			r = s.cfg.Refusal
		}
		f := r.fault(msgID)
		return nil, &apiError{status: f.Status, code: f.Code, message: f.Message}
	}
	st.Status = messaging.StatusSent
	if in.DeleteResource {
		st.Status = messaging.StatusDenied
	}
	st.Accepted++
	st.Resolution = cloneCallback(&in)
	s.resolution = append(s.resolution, *cloneCallback(&in))
	return map[string]string{"ChannelArn": channel, "CallbackId": cbID}, nil
}

// status does the work of GetChannelMessageStatus; s.mu is held.
func (s *Server) status(params map[string]any) (any, *apiError) {
	channel, _ := params["ChannelArn"].(string)
	msgID, _ := params["MessageId"].(string)
	bearer, _ := params["ChimeBearer"].(string)
	sub, _ := params["SubChannelId"].(string)
	st, ok := s.messages[msgKey{channel, msgID}]
	if !ok {
		return nil, s.fail("NotFoundException", "The requested message was not found.")
	}
	if st.SenderArn != "" && bearer != st.SenderArn {
		return nil, s.fail("ForbiddenException", "You do not have sufficient access to perform this action.")
	}
	if st.SubChannelID != "" && sub != st.SubChannelID {
		return nil, s.fail("BadRequestException", "SubChannelId does not match the message's SubChannel")
	}
	if st.Status == messaging.StatusDenied && !s.cfg.ReportDenied {
		return nil, s.fail("NotFoundException", "The requested message was not found.")
	}
	return map[string]any{"Status": map[string]any{"Value": string(st.Status)}}, nil
}

// cloneCallback returns a deep copy of in.
func cloneCallback(in *messaging.ChannelFlowCallbackInput) *messaging.ChannelFlowCallbackInput {
	out := *in
	if in.ChannelMessage != nil {
		m := *in.ChannelMessage
		if m.PushNotification != nil {
			p := *m.PushNotification
			m.PushNotification = &p
		}
		if m.MessageAttributes != nil {
			attrs := make(map[string]messaging.MessageAttributeValue, len(m.MessageAttributes))
			for k, v := range m.MessageAttributes {
				attrs[k] = messaging.MessageAttributeValue{StringValues: slices.Clone(v.StringValues)}
			}
			m.MessageAttributes = attrs
		}
		out.ChannelMessage = &m
	}
	return &out
}
