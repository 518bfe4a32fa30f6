package processor_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/processor/replay"
)

// FuzzHandle feeds arbitrary payloads to the handler: it must never panic,
// and must end every payload in exactly one valid callback or in an error
// with none, and never answer ALLOW for a message Decode had to repair. The
// seeds are the bundled fixtures and testdata/fuzz/FuzzHandle.
func FuzzHandle(f *testing.F) {
	paths, _ := filepath.Glob("../testdata/events/*.json")
	for _, p := range paths {
		if replay.IsGolden(p) {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	rewrite := processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
		if strings.Contains(m.Content, "deny") {
			return processor.Deny("fuzz"), nil
		}
		m.Content = strings.ReplaceAll(m.Content, "a", "")
		if m.PushNotification != nil {
			m.PushNotification.Title += "!"
		}
		return processor.Continue, m.SetMetadataField("fuzzed", true)
	})
	p := &processor.Pipeline{Stages: []processor.Stage{{Name: "rewrite", Rule: rewrite}}, OnError: processor.PolicyAllow}
	f.Fuzz(func(t *testing.T, payload []byte) {
		h, rec := processortest.NewHandler(p)
		res, err := h.Handle(context.Background(), payload)
		calls := rec.Calls()
		if err != nil {
			if len(calls) != 0 {
				t.Fatalf("error %v with %d callbacks", err, len(calls))
			}
			return
		}
		if len(calls) != 1 {
			t.Fatalf("%d callbacks, want 1", len(calls))
		}
		if verr := calls[0].Validate(); verr != nil {
			t.Fatalf("sent an invalid callback: %v", verr)
		}
		if calls[0].CallbackID != res.Event.CallbackID {
			t.Fatalf("callback id %q, event %q", calls[0].CallbackID, res.Event.CallbackID)
		}
		if !calls[0].DeleteResource && calls[0].ChannelMessage.Content == "" {
			t.Fatal("a delivered message with no content")
		}
		// Invalid input is never changed silently: an ALLOW carries no
		// repaired part.
		if res.Outcome.Action == processor.ActionAllow {
			for _, r := range res.Event.Repairs() {
				for _, echoed := range []string{"ChannelMessage.Content", "ChannelMessage.Metadata", "ChannelMessage.PushNotification.", "ChannelMessage.MessageAttributes[", "ChannelMessage.ContentType"} {
					if strings.HasPrefix(r.Field, echoed) {
						t.Fatalf("ALLOW with a repaired %s", r.Field)
					}
				}
			}
		}
	})
}
