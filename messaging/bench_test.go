package messaging

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkChannelFlowCallback measures one signed callback round trip to a
// local server (keep-alive connection), allocations included.
func BenchmarkChannelFlowCallback(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("X-Amzn-RequestId", "bench")
		_, _ = io.WriteString(w, okCallback)
	}))
	defer srv.Close()
	c := newTestClient(b, srv.URL)
	in := benchInput()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.ChannelFlowCallback(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidate measures Validate of a full, valid callback.
func BenchmarkValidate(b *testing.B) {
	in := benchInput()
	b.ReportAllocs()
	for b.Loop() {
		if err := in.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func benchInput() *ChannelFlowCallbackInput {
	in := validCallback()
	m := in.ChannelMessage
	m.Content = strings.Repeat("a moderately long chat message ", 20)
	m.Metadata = `{"moderation":{"rule":"profanity","action":"rewrite"},"lang":"en"}`
	m.PushNotification = &PushNotificationConfiguration{Title: "New message", Body: "You have a new message", Type: "DEFAULT"}
	m.MessageAttributes = map[string]MessageAttributeValue{"topic": {StringValues: []string{"news", "sport"}}}
	m.SubChannelID = "sub-1"
	m.ContentType = "text/plain"
	return in
}
