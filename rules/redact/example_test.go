package redact_test

import (
	"context"
	"fmt"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/redact"
)

func message(content string) *processor.Message {
	return processor.NewMessage(&processor.Event{ChannelMessage: processor.ChannelMessage{Content: content}})
}

// The rule as a configuration file builds it, with its default options:
// e-mail addresses, telephone and card numbers become labels; ordinary
// numbers stay.
func Example() {
	r, err := rules.New("redact", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	m := message("Mail jo@example.com or call +44 20 7946 0958. Card 4111 1111 1111 1111, order 123456789 of 2024-05-01.")
	_, _ = r.Apply(context.Background(), m)
	fmt.Println(m.Content)
	// Output: Mail [email] or call [phone]. Card [card], order 123456789 of 2024-05-01.
}

// Style mask keeps lengths and separators; last4 also keeps a card's last
// four digits.
func Example_mask() {
	r, err := rules.New("redact", []byte(`{style: last4, maskChar: "#"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := message("jo@example.com, (415) 555-2671, 5555-5555-5555-4444")
	_, _ = r.Apply(context.Background(), m)
	fmt.Println(m.Content)
	// Output: ##############, (###) ###-####, ####-####-####-4444
}

// With action deny, a message holding personal data is denied; the reason
// says what and where, never the data itself.
func Example_deny() {
	r, err := rules.New("redact", []byte(`
action: deny
detectors: [card]
patterns:
  - name: api-key
    regex: 'sk_live_[0-9A-Za-z]{8,}'
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, text := range []string{
		"ref 4111 1111 1111 1112 (fails the Luhn check)",
		"use sk_live_4eC39HqLyjWDarjtT1zdp7dc",
	} {
		v, _ := r.Apply(context.Background(), message(text))
		fmt.Printf("%v %q\n", v.Deny, v.Reason)
	}
	// Output:
	// false ""
	// true "redact: Content matches pattern \"api-key\""
}

// Patterns may rewrite with submatches; metadata values and attributes can
// be redacted too.
func Example_patternsAndMetadata() {
	r, err := rules.New("redact", []byte(`
patterns:
  - name: ticket
    regex: '(?i)ticket\s+#?(\d+)'
    replacement: 'ticket #$1'
  - name: employee-id
    regex: '\bEMP-\d{6}\b'
scope: {metadata: [author]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := message("Ticket 42 from EMP-123456")
	m.Metadata = `{"author": {"mail": "jo@example.com"}, "id": "jo@example.com"}`
	_, _ = r.Apply(context.Background(), m)
	fmt.Println(m.Content)
	fmt.Println(m.Metadata)
	// Output:
	// ticket #42 from [employee-id]
	// {"author": {"mail": "[email]"}, "id": "jo@example.com"}
}

// New builds the rule from Go code, for a pipeline assembled by hand.
func ExampleNew() {
	r, err := redact.New(redact.Config{
		Detectors: []string{redact.KindEmail},
		Patterns:  []redact.Pattern{{Name: "iban", Regex: `\bGB\d{2}[A-Z]{4}\d{14}\b`}},
		Scope:     rules.Scope{Content: new(false)},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := message("unchanged: jo@example.com")
	m.PushNotification = &messaging.PushNotificationConfiguration{Title: "Alice", Body: "pay GB33BUKB20201555555555 or ask jo@example.com"}
	_, _ = r.Apply(context.Background(), m)
	fmt.Println(m.Content)
	fmt.Println(m.PushNotification.Body)
	// Output:
	// unchanged: jo@example.com
	// pay [iban] or ask [email]
}
