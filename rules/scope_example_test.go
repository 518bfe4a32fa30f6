package rules_test

import (
	"fmt"
	"strings"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
)

// A rule that labels what it finds offers a plain mask as its fallback:
// where a label would make a text too long for the callback (here the
// push notification's title, 50 characters), the mask, which keeps the
// length, is used instead, and the rule cannot be made to fail.
func ExampleTexts_RewriteOr() {
	var bad rules.Problems
	texts := rules.Scope{}.Compile("scope", &bad) // content and push notification
	label := func(_ rules.Place, s string) string {
		return strings.ReplaceAll(s, "secret", "[a secret was removed here]")
	}
	mask := func(_ rules.Place, s string) string { return strings.ReplaceAll(s, "secret", "******") }

	m := processor.NewMessage(processortest.NewEvent("my secret", processortest.WithPush("secret secret secret", "my secret")))
	texts.RewriteOr(m, label, mask)
	fmt.Println(m.Content)
	fmt.Println(m.PushNotification.Title)
	fmt.Println(m.PushNotification.Body)
	// Output:
	// my [a secret was removed here]
	// ****** ****** ******
	// my [a secret was removed here]
}

// A rule that annotates metadata sets its own key and keeps the rest of
// the document as the sender wrote it, so the metadata does not grow by
// being re-encoded.
func ExampleSetMetadataKey() {
	doc := `{"theme": "<dark>", "verdict": "forged"}`
	out, ok := rules.SetMetadataKey(doc, "verdict", []byte(`{"ok":true}`))
	fmt.Println(out, ok)
	out, ok = rules.DeleteMetadataKey(doc, "verdict")
	fmt.Println(out, ok)
	_, ok = rules.SetMetadataKey("plain text", "verdict", []byte(`1`))
	fmt.Println(ok)
	// Output:
	// {"theme": "<dark>","verdict":{"ok":true}} true
	// {"theme": "<dark>"} true
	// false
}

// Each part of a message has its limit, in characters.
func ExamplePart_Limit() {
	for _, p := range []rules.Part{rules.PartContent, rules.PartPushTitle, rules.PartPushBody, rules.PartMetadata, rules.PartAttribute} {
		fmt.Println(p, p.Limit())
	}
	// Output:
	// Content 4096
	// PushNotification.Title 50
	// PushNotification.Body 150
	// Metadata 1024
	// MessageAttributes 512
}
