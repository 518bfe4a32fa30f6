package repeat_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
	"github.com/chimeflow/chimeflow/rules/repeat"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	bob    = "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/user/bob"
	random = "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/channel/random"
)

func newRule(t *testing.T, c repeat.Config) *repeat.Rule {
	t.Helper()
	r, err := repeat.New(c)
	require.NoError(t, err)
	return r
}

type msg struct {
	text            string
	sender, channel string
	at              float64
}

func (m msg) event(i int) *processor.Event {
	opts := []processortest.Option{ruletest.At(ruletest.CallbackID(i), t0.Add(time.Duration(m.at*float64(time.Second))))}
	if m.sender != "" {
		opts = append(opts, processortest.WithSender(m.sender, ""))
	}
	if m.channel != "" {
		opts = append(opts, processortest.WithChannel(m.channel))
	}
	return processortest.NewEvent(m.text, opts...)
}

func run(t *testing.T, r *repeat.Rule, msgs []msg) string {
	t.Helper()
	s := ruletest.NewStateful(t, processor.Stage{Name: "repeat", Rule: r})
	got := ""
	for i, m := range msgs {
		got += string(s.Send(t, m.event(i)).Outcome.Action[0])
	}
	return got
}

const spam = "Buy cheap watches now at our store"

func TestRepeats(t *testing.T) {
	minute := repeat.Config{Window: time.Minute}
	for _, tc := range []struct {
		name string
		c    repeat.Config
		msgs []msg
		want string
	}{
		{"the same text within the window", minute, []msg{{text: spam, at: 0}, {text: spam, at: 30}, {text: spam, at: 59.9}}, "ADD"},
		{"the window slides from the last copy that passed", minute, []msg{{text: spam, at: 0}, {text: spam, at: 30}, {text: spam, at: 60}, {text: spam, at: 61}, {text: spam, at: 121}}, "ADADA"},
		{"other text passes", minute, []msg{{text: spam, at: 0}, {text: "Sell cheap watches now at our store", at: 1}}, "AA"},
		{"other senders' copies are theirs", minute, []msg{{text: spam, at: 0}, {text: spam, sender: bob, at: 1}}, "AA"},
		{"per sender: across channels", minute, []msg{{text: spam, at: 0}, {text: spam, channel: random, at: 1}}, "AD"},
		{"per channel: a raid", repeat.Config{Window: time.Minute, Per: rules.PerChannel}, []msg{{text: spam, at: 0}, {text: spam, sender: bob, at: 1}, {text: spam, channel: random, at: 2}}, "ADA"},
		{"per sender in channel", repeat.Config{Window: time.Minute, Per: rules.PerSenderInChannel}, []msg{{text: spam, at: 0}, {text: spam, channel: random, at: 1}, {text: spam, at: 2}}, "AAD"},
		{"short replies never repeat", minute, []msg{{text: "thank you", at: 0}, {text: "thank you", at: 1}, {text: "ok", at: 2}, {text: "ok", at: 3}}, "AAAA"},
		{"a late copy older than the last one is a repeat", minute, []msg{{text: spam, at: 100}, {text: spam, at: 10}}, "AD"},
	} {
		t.Run(tc.name, func(t *testing.T) { assert.Equal(t, tc.want, run(t, newRule(t, tc.c), tc.msgs)) })
	}
}

// TestObfuscatedCopies: what a reader takes for the same text is a repeat.
func TestObfuscatedCopies(t *testing.T) {
	for _, copy := range []string{
		"buy cheap watches now at our store",
		"BUY CHEAP WATCHES NOW AT OUR STORE!!!",
		"Buy  cheap\twatches\nnow at our store.",
		"B u y cheap watches now at our store",
		"Buy ch3ap w@tches n0w at 0ur st0re",
		"Buy cheap watches now at our store \u200b\u200d",
		"Buy che\u200bap watc\u00adhes now at our store",
		"Вuу сheaр watсhes now at our store", // Cyrillic look-alikes
		"Ｂｕｙ ｃｈｅａｐ ｗａｔｃｈｅｓ now at our store", // fullwidth
		"Búy cheáp wätches nöw at our störe",
		"Buyyy cheeeap watches nowww at our store",
		"**Buy cheap watches** now at _our_ store",
	} {
		got := run(t, newRule(t, repeat.Config{Window: time.Minute}), []msg{{text: spam, at: 0}, {text: copy, at: 1}})
		assert.Equal(t, "AD", got, "%q", copy)
	}
}

func TestEditsAreNotRepeatsOfThemselves(t *testing.T) {
	s := ruletest.NewStateful(t, processor.Stage{Name: "repeat", Rule: newRule(t, repeat.Config{Window: time.Minute})})
	orig := msg{text: spam, at: 0}.event(0)
	assert.Equal(t, processor.ActionAllow, s.Send(t, orig).Outcome.Action)
	edit := msg{text: spam + "!", at: 0}.event(1)
	edit.ChannelMessage.MessageID = orig.ChannelMessage.MessageID
	edit.ChannelMessage.LastEditedTimestamp = processor.NewTimestamp(t0.Add(10 * time.Second).Format(time.RFC3339))
	assert.Equal(t, processor.ActionAllow, s.Send(t, edit).Outcome.Action, "an edit of the message seen")
	assert.Equal(t, processor.ActionDeny, s.Send(t, msg{text: spam, at: 20}.event(2)).Outcome.Action, "another message")
}

func TestSizes(t *testing.T) {
	four := strings.Repeat("abcdefghij", 409) + "abcdef" // 4096 characters
	eight := strings.Repeat("é", 4096)                   // 4096 characters, 8192 bytes
	for _, text := range []string{four, eight, strings.Repeat("🔥", 1024)} {
		assert.Equal(t, "AD", run(t, newRule(t, repeat.Config{Window: time.Minute, MinLength: ptr(1)}), []msg{{text: text, at: 0}, {text: text, at: 1}}))
	}
	// At, under and over MinLength, in canonical characters.
	for _, tc := range []struct {
		text string
		want string
	}{{"abcdefghij", "AD"}, {"abcdefghi", "AA"}, {"a.b.c.d.e.f.g.h.i", "AA"}, {"abcdefghijk", "AD"}} {
		assert.Equal(t, tc.want, run(t, newRule(t, repeat.Config{Window: time.Minute}), []msg{{text: tc.text, at: 0}, {text: tc.text, at: 1}}), tc.text)
	}
}

func ptr[T any](v T) *T { return &v }

func TestReasonNamesConfigurationOnly(t *testing.T) {
	s := ruletest.NewStateful(t, processor.Stage{Name: "repeat", Rule: newRule(t, repeat.Config{Window: time.Minute})})
	s.Send(t, msg{text: spam, at: 0}.event(0))
	out := s.Send(t, msg{text: spam, at: 1}.event(1)).Outcome
	assert.Equal(t, "repeat: the same content within 1m0s per sender", out.Reason)
	assert.NotContains(t, out.Reason, "watches")
}

func TestFlag(t *testing.T) {
	s := ruletest.NewStateful(t, processor.Stage{Name: "repeat", Rule: newRule(t, repeat.Config{Window: time.Minute, Action: rules.TripFlag})})
	s.Send(t, msg{text: spam, at: 0}.event(0))
	out := s.Send(t, msg{text: spam, at: 1}.event(1)).Outcome
	assert.Equal(t, processor.ActionAllow, out.Action)
	assert.Equal(t, []processor.Flag{{Rule: "repeat", Reason: "repeat: the same content within 1m0s per sender"}}, out.Flags)
}

func TestOptions(t *testing.T) {
	for _, tc := range []struct {
		options string
		want    []string
	}{
		{`{}`, []string{"4:7: rule repeat: option window: required"}},
		{`{window: 1m, minLength: 0}`, []string{"4:31: rule repeat: option minLength: 0 is out of range: from 1 to 4096"}},
		{`{window: 1m, minLength: 5000}`, []string{"option minLength"}},
		{`{window: 48h}`, []string{"option window: 48h0m0s is out of range"}},
		{`{window: 1m, per: everyone}`, []string{`option per: "everyone" is not sender`}},
		{`{window: 1m, action: deny}`, nil},
	} {
		ruletest.ExpectProblems(t, optionProblems(t, tc.options), tc.want)
	}
}

func optionProblems(t *testing.T, options string) []string {
	t.Helper()
	if _, err := rules.New("repeat", []byte(options)); err == nil {
		return nil
	}
	return ruletest.OptionProblems(t, "repeat", "rules.yaml", options)
}

var keyPattern = regexp.MustCompile(`^sender\|` + regexp.QuoteMeta(processortest.UserArn) + `\|[0-9a-f]{32}\|1m0s$`)

func FuzzStateChecks(f *testing.F) {
	for _, s := range []string{spam, "", "ok", "\xff\xfe", strings.Repeat("ab", 2048), "Вuу сheaр"} {
		f.Add(s, s+"!")
	}
	r, err := repeat.New(repeat.Config{Window: time.Minute, MinLength: ptr(1)})
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, a, b string) {
		ka := r.StateChecks(processor.NewMessage(processortest.NewEvent(a)), t0, nil)
		kb := r.StateChecks(processor.NewMessage(processortest.NewEvent(b)), t0, nil)
		for _, k := range append(ka, kb...) {
			assert.Regexp(t, keyPattern, k.Key, "the key holds a hash, not the text")
		}
		// Deterministic: the same text, the same key.
		assert.Equal(t, ka, r.StateChecks(processor.NewMessage(processortest.NewEvent(a)), t0, nil))
	})
}
