package profanity_test

import (
	"context"
	"fmt"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/profanity"
)

// The filter on its own: mask replaces only the offending characters.
func ExampleFilter_Mask() {
	f := profanity.Default()
	for _, s := range []string{
		"what the fuck",
		"f.u.c.k this",
		"ｓｈｉｔ happens",
		"fu\u200bck", // a zero-width space inside
		"Scunthorpe, cocktails and hot water",
	} {
		masked, n := f.Mask(s, '*')
		fmt.Printf("%q %d\n", masked, n)
	}
	// Output:
	// "what the ****" 1
	// "*.*.*.* this" 1
	// "**** happens" 1
	// "**\u200b**" 1
	// "Scunthorpe, cocktails and hot water" 0
}

func ExampleFilter_Find() {
	m, ok := profanity.Default().Find("you are a b!tch")
	fmt.Println(ok, m.Word, m.Category, m.Severity, m.Start, m.End)
	// Output:
	// true bitch insult moderate 10 15
}

func ExampleNewFilter() {
	f, err := profanity.NewFilter(profanity.FilterConfig{
		MinSeverity: profanity.Severe,
		ExtraWords:  []string{"frak*"},
		AllowWords:  []string{"Dickfest"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range []string{"shit", "f@ggot", "frakking toaster", "Dickfest 2024"} {
		fmt.Println(s, f.Contains(s))
	}
	// Output:
	// shit false
	// f@ggot true
	// frakking toaster true
	// Dickfest 2024 false
}

// The rule as a configuration file builds it.
func ExampleRule() {
	r, err := rules.New("profanity", []byte(`{action: mask, maskChar: "#"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := processortest.NewEvent("sh1t, the build broke", processortest.WithPush("Alice", "sh1t, the build broke"))
	m := processor.NewMessage(ev)
	if _, err := r.Apply(context.Background(), m); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Content)
	fmt.Println(m.PushNotification.Body)
	// Output:
	// ####, the build broke
	// ####, the build broke
}

// New builds the rule from Go code, for a pipeline assembled by hand.
func ExampleNew() {
	r, err := profanity.New(profanity.Config{Action: profanity.ActionDeny, Categories: []profanity.Category{profanity.CategorySlur}})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range []string{"damn it", "you f a g g o t"} {
		v, _ := r.Apply(context.Background(), processor.NewMessage(processortest.NewEvent(s)))
		fmt.Printf("%q deny=%v %q\n", s, v.Deny, v.Reason)
	}
	// Output:
	// "damn it" deny=false ""
	// "you f a g g o t" deny=true "profanity: slur word of severe severity in Content"
}
