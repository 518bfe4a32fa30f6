package messagingtest

import (
	"context"
	"strconv"
	"sync"

	"github.com/chimeflow/chimeflow/messaging"
)

// Recorder is a messaging.CallbackAPI that records each callback instead of
// sending it and answers success. Like the real client it refuses, with
// the same *messaging.InvalidParamsError, a callback that breaks the
// service model's limits, and records only the callbacks it accepts. Its
// zero value is ready; it is safe for concurrent use.
type Recorder struct {
	mu    sync.Mutex
	calls []*messaging.ChannelFlowCallbackInput
}

var _ messaging.CallbackAPI = (*Recorder)(nil)

// ChannelFlowCallback validates in, records a copy of it and answers as
// the service does.
func (r *Recorder) ChannelFlowCallback(_ context.Context, in *messaging.ChannelFlowCallbackInput, _ ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
	if in == nil {
		return nil, &messaging.InvalidParamsError{Operation: messaging.OpChannelFlowCallback, Params: []messaging.ParamError{{Field: "input", Reason: "required"}}}
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.calls = append(r.calls, cloneCallback(in))
	n := len(r.calls)
	r.mu.Unlock()
	return &messaging.ChannelFlowCallbackOutput{ChannelArn: in.ChannelArn, CallbackID: in.CallbackID, RequestID: "recorder-" + strconv.Itoa(n)}, nil
}

// Calls returns copies of the recorded callbacks, in order.
func (r *Recorder) Calls() []*messaging.ChannelFlowCallbackInput {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*messaging.ChannelFlowCallbackInput, len(r.calls))
	for i, c := range r.calls {
		out[i] = cloneCallback(c)
	}
	return out
}

// Len returns how many callbacks were recorded.
func (r *Recorder) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.calls)
}

// Last returns a copy of the last recorded callback, or nil.
func (r *Recorder) Last() *messaging.ChannelFlowCallbackInput {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		return nil
	}
	return cloneCallback(r.calls[len(r.calls)-1])
}

// Reset forgets every recorded callback.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = nil
}
