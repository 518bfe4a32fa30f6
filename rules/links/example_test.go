package links_test

import (
	"context"
	"fmt"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/links"
)

func message(content string) *processor.Message {
	return processor.NewMessage(&processor.Event{ChannelMessage: processor.ChannelMessage{Content: content}})
}

// The rule as a configuration file builds it: links to domains off the
// allow list are replaced by a notice.
func Example() {
	r, err := rules.New("links", []byte(`
action: strip
replacement: "[link removed]"
allow: [example.com]
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := message("Docs: https://docs.example.com/start. Free stuff: www.spam.example.net!")
	v, _ := r.Apply(context.Background(), m)
	fmt.Println(v.Deny, m.Content)
	// Output: false Docs: https://docs.example.com/start. Free stuff: [link removed]!
}

// With action deny, the first offending link denies the message; the
// reason names its domain.
func Example_deny() {
	r, err := rules.New("links", []byte(`deny: ["*.example.net", bad.example.org]`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, text := range []string{
		"see example.net and https://example.org",
		"see HTTPS://User@Shop.Example.NET:8443/deal",
		"see bad.example.org/offer",
	} {
		v, _ := r.Apply(context.Background(), message(text))
		fmt.Printf("%v %q\n", v.Deny, v.Reason)
	}
	// Output:
	// false ""
	// true "links: Content links to a denied domain (deny entry \"*.example.net\")"
	// true "links: Content links to a denied domain (deny entry \"bad.example.org\")"
}

// New builds the rule from Go code, for a pipeline assembled by hand.
func ExampleNew() {
	r, err := links.New(links.Config{Action: links.ActionStrip, Deny: []string{"example.net"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := message("mirror at ftp://ftp.example.net/pub now")
	_, _ = r.Apply(context.Background(), m)
	fmt.Println(m.Content)
	// Output: mirror at now
}

func ExampleFind() {
	text := "Read https://example.com/a, www.example.org and shop.example.co.uk/b; not file.txt, e.g. v1.2.3."
	for _, l := range links.Find(text) {
		fmt.Printf("%s -> %s\n", text[l.Start:l.End], l.Domain)
	}
	// Output:
	// https://example.com/a -> example.com
	// www.example.org -> www.example.org
	// shop.example.co.uk/b -> shop.example.co.uk
}

func ExampleNormalizeHost() {
	fmt.Println(links.NormalizeHost("User@WWW.Example.COM.:443"))
	fmt.Println(links.NormalizeHost("Bücher.example"))
	// Output:
	// www.example.com
	// xn--bcher-kva.example
}
