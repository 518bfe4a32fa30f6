package ebsink_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"

	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

type (
	sqsTypesAttr  = sqstypes.QueueAttributeName
	ebTypesTarget = ebtypes.Target
)

// recorder stands between the trail and a real EventBridge (moto): it
// records each PutEvents request's entries and size, and can answer
// chosen entries with an error code instead of forwarding them (the
// faults moto does not produce: throttling, internal failures, access
// denied). Everything it forwards, moto checks and delivers.
type recorder struct {
	target string
	// fault returns the error code for the call-th send of the event
	// with the given message id, or "" to forward it.
	fault func(call int, messageID string) string

	mu    sync.Mutex
	reqs  []reqInfo
	tries map[string]int
}

type reqInfo struct{ entries, bytes int }

type wireEntry struct {
	Source       string
	DetailType   string
	Detail       string
	EventBusName string
	Resources    []string
	Time         *float64
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var in struct{ Entries []json.RawMessage }
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	codes := make([]string, len(in.Entries))
	var forward []json.RawMessage
	info := reqInfo{entries: len(in.Entries)}
	r.mu.Lock()
	if r.tries == nil {
		r.tries = map[string]int{}
	}
	for i, raw := range in.Entries {
		var e wireEntry
		_ = json.Unmarshal(raw, &e)
		if e.Time != nil {
			info.bytes += 14
		}
		info.bytes += len(e.Source) + len(e.DetailType) + len(e.Detail)
		for _, res := range e.Resources {
			info.bytes += len(res)
		}
		var d struct{ MessageID string }
		_ = json.Unmarshal([]byte(e.Detail), &d)
		r.tries[d.MessageID]++
		if r.fault != nil {
			codes[i] = r.fault(r.tries[d.MessageID], d.MessageID)
		}
		if codes[i] == "" {
			forward = append(forward, raw)
		}
	}
	r.reqs = append(r.reqs, info)
	r.mu.Unlock()

	var results []json.RawMessage
	if len(forward) > 0 {
		fb, _ := json.Marshal(map[string]any{"Entries": forward})
		out, err := http.NewRequest(http.MethodPost, r.target+req.URL.Path, bytes.NewReader(fb))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out.Header = req.Header.Clone()
		out.Header.Del("Content-Length")
		resp, err := http.DefaultClient.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		rb, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
			w.WriteHeader(resp.StatusCode)
			_, _ = w.Write(rb)
			return
		}
		var res struct{ Entries []json.RawMessage }
		if err := json.Unmarshal(rb, &res); err != nil || len(res.Entries) != len(forward) {
			http.Error(w, "unexpected answer from the server: "+string(rb), http.StatusBadGateway)
			return
		}
		results = res.Entries
	}
	failed := 0
	merged := make([]any, len(codes))
	for i, code := range codes {
		if code != "" {
			merged[i] = map[string]string{"ErrorCode": code, "ErrorMessage": "injected by the test"}
			failed++
			continue
		}
		merged[i], results = results[0], results[1:]
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(map[string]any{"FailedEntryCount": failed, "Entries": merged})
}

func (r *recorder) requests() []reqInfo {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]reqInfo(nil), r.reqs...)
}

func (r *recorder) attempts(messageID string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tries[messageID]
}
