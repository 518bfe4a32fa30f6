package main

import (
	"context"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
)

func TestTicketLinksOptions(t *testing.T) {
	tests := []struct{ baseURL, want string }{
		{"https://tickets.example.com/browse/", ""},
		{"", "option baseURL: required"},
		{"tickets.example.com", `option baseURL: "tickets.example.com" is not an https:// address`},
		{"http://tickets.example.com/", `option baseURL: "http://tickets.example.com/" is not an https:// address`},
	}
	for _, tt := range tests {
		_, err := newTicketLinks(ticketConfig{BaseURL: tt.baseURL})
		if got := errString(err); got != tt.want {
			t.Errorf("baseURL %q: error %q, want %q", tt.baseURL, got, tt.want)
		}
		// A configuration file reaches the same checks.
		_, err = rules.New("ticket-links", []byte("baseURL: '"+tt.baseURL+"'"))
		if (err == nil) != (tt.want == "") {
			t.Errorf("baseURL %q from a file: %v", tt.baseURL, err)
		}
	}
}

func TestTicketLinksApply(t *testing.T) {
	r, err := newTicketLinks(ticketConfig{BaseURL: "https://t.example.com/"})
	if err != nil {
		t.Fatal(err)
	}
	m := processor.NewMessage(processortest.NewEvent("see OPS-1 and ab-2"))
	if _, err := r.Apply(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if want := "see [OPS-1](https://t.example.com/OPS-1) and ab-2"; m.Content != want {
		t.Errorf("content %q, want %q", m.Content, want)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
