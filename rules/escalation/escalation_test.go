package escalation_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules/deny"
	"github.com/chimeflow/chimeflow/rules/escalation"
	"github.com/chimeflow/chimeflow/rules/internal/ruletest"
	"github.com/chimeflow/chimeflow/rules/ratelimit"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const bob = "arn:aws:chime:us-east-1:111122223333:app-instance/11111111-2222-3333-4444-555555555555/user/bob"

func stages(t *testing.T, c escalation.Config, dryRun bool) []processor.Stage {
	t.Helper()
	esc, err := escalation.New(c)
	require.NoError(t, err)
	bad, err := deny.New(deny.Config{Keywords: []string{"badword"}})
	require.NoError(t, err)
	other, err := deny.New(deny.Config{Keywords: []string{"other"}})
	require.NoError(t, err)
	return []processor.Stage{
		{Name: "escalation", Rule: esc, DryRun: dryRun},
		{Name: "words", Rule: bad},
		{Name: "other", Rule: other},
	}
}

type msg struct {
	text, sender string
	at           time.Duration
}

func send(t *testing.T, s *ruletest.Stateful, i int, m msg) processor.Outcome {
	t.Helper()
	opts := []processortest.Option{ruletest.At(ruletest.CallbackID(i), t0.Add(m.at))}
	if m.sender != "" {
		opts = append(opts, processortest.WithSender(m.sender, ""))
	}
	return s.Send(t, processortest.NewEvent(m.text, opts...)).Outcome
}

// letters is one letter per outcome: A allow, D deny by the words rule, M
// denied by the mute, O denied by the other rule.
func letters(outs []processor.Outcome) string {
	s := ""
	for _, o := range outs {
		switch {
		case o.Action != processor.ActionDeny:
			s += "A"
		case o.Rules[len(o.Rules)-1] == "escalation":
			s += "M"
		case o.Rules[len(o.Rules)-1] == "other":
			s += "O"
		default:
			s += "D"
		}
	}
	return s
}

func TestMute(t *testing.T) {
	three := escalation.Config{Violations: 3, Within: 10 * time.Minute, Mute: time.Hour, Count: []string{"words"}}
	for _, tc := range []struct {
		name string
		c    escalation.Config
		msgs []msg
		want string
	}{
		{"three violations mute", three, []msg{
			{"badword", "", 0}, {"hi", "", time.Minute}, {"badword", "", 2 * time.Minute}, {"badword", "", 3 * time.Minute},
			// A message another rule denies anyway is denied by it, muted or not.
			{"hi", "", 4 * time.Minute}, {"badword", "", 5 * time.Minute}}, "DADDMD"},
		{"the mute ends", three, []msg{
			{"badword", "", 0}, {"badword", "", time.Second}, {"badword", "", 2 * time.Second},
			{"hi", "", time.Hour + time.Second}, {"hi", "", time.Hour + 3*time.Second}}, "DDDMA"},
		{"violations out of the window do not add up", three, []msg{
			{"badword", "", 0}, {"badword", "", 6 * time.Minute}, {"badword", "", 12 * time.Minute}, {"hi", "", 13 * time.Minute}}, "DDDA"},
		{"other senders are not muted", three, []msg{
			{"badword", "", 0}, {"badword", "", 1}, {"badword", "", 2}, {"hi", bob, 3}, {"hi", "", 4}}, "DDDAM"},
		{"only counted rules count", three, []msg{
			{"other", "", 0}, {"other", "", 1}, {"other", "", 2}, {"hi", "", 3}}, "OOOA"},
		{"every other rule counts by default", escalation.Config{Violations: 2, Within: time.Minute, Mute: time.Minute}, []msg{
			{"other", "", 0}, {"badword", "", 1}, {"hi", "", 2}}, "ODM"},
		{"a muted sender's messages do not extend the mute", escalation.Config{Violations: 1, Within: time.Hour, Mute: time.Minute}, []msg{
			{"badword", "", 0}, {"badword", "", 30 * time.Second}, {"hi", "", 61 * time.Second}}, "DDA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := ruletest.NewStateful(t, stages(t, tc.c, false)...)
			var outs []processor.Outcome
			for i, m := range tc.msgs {
				outs = append(outs, send(t, s, i, m))
			}
			assert.Equal(t, tc.want, letters(outs))
		})
	}
}

func TestMuteIsReportedAndListed(t *testing.T) {
	s := ruletest.NewStateful(t, stages(t, escalation.Config{Violations: 1, Within: time.Minute, Mute: time.Hour}, false)...)
	out := send(t, s, 0, msg{"badword", "", 0})
	assert.Equal(t, []string{"escalation"}, out.State.Muted)
	mutes, err := s.Store.Mutes(context.Background())
	require.NoError(t, err)
	require.Len(t, mutes, 1)
	assert.Equal(t, "escalation", mutes[0].Stage)
	assert.Equal(t, processortest.UserArn, mutes[0].Subject)
	assert.Equal(t, t0.Add(time.Hour), mutes[0].Until)
	out = send(t, s, 1, msg{"hi", "", time.Minute})
	assert.Equal(t, "escalation: sender muted for 1h0m0s after 1 violations within 1m0s", out.Reason)
	// Lifted: later messages pass, earlier ones stay muted.
	require.NoError(t, s.Store.Lift(context.Background(), mutes[0].Key, t0.Add(2*time.Minute)))
	assert.Equal(t, processor.ActionAllow, send(t, s, 2, msg{"hi", "", 3 * time.Minute}).Action)
	assert.Equal(t, processor.ActionDeny, send(t, s, 3, msg{"hi", "", 90 * time.Second}).Action)
}

func TestDryRun(t *testing.T) {
	s := ruletest.NewStateful(t, stages(t, escalation.Config{Violations: 1, Within: time.Minute, Mute: time.Hour}, true)...)
	send(t, s, 0, msg{"badword", "", 0})
	out := send(t, s, 1, msg{"hi", "", time.Second})
	assert.Equal(t, processor.ActionAllow, out.Action)
	assert.Equal(t, []processor.DryRunResult{{Rule: "escalation", Would: processor.ActionDeny,
		Reason: "escalation: sender muted for 1h0m0s after 1 violations within 1m0s"}}, out.DryRun)
}

func TestRuleFailuresAreNotViolations(t *testing.T) {
	esc, err := escalation.New(escalation.Config{Violations: 1, Within: time.Minute, Mute: time.Hour})
	require.NoError(t, err)
	failing := processor.RuleFunc(func(context.Context, *processor.Message) (processor.Verdict, error) {
		return processor.Verdict{}, assert.AnError
	})
	s := ruletest.NewStateful(t, processor.Stage{Name: "escalation", Rule: esc}, processor.Stage{Name: "broken", Rule: failing})
	assert.Equal(t, processor.ActionDeny, send(t, s, 0, msg{"hi", "", 0}).Action)
	assert.Nil(t, send(t, s, 1, msg{"hi", "", time.Second}).State.Muted)
	mutes, err := s.Store.Mutes(context.Background())
	require.NoError(t, err)
	assert.Empty(t, mutes)
}

func TestWithRateLimit(t *testing.T) {
	esc, err := escalation.New(escalation.Config{Violations: 2, Within: time.Minute, Mute: 10 * time.Minute, Count: []string{"ratelimit"}})
	require.NoError(t, err)
	rl, err := ratelimit.New(ratelimit.Config{Limit: 2, Window: 10 * time.Second})
	require.NoError(t, err)
	s := ruletest.NewStateful(t, processor.Stage{Name: "escalation", Rule: esc}, processor.Stage{Name: "ratelimit", Rule: rl})
	var got string
	for i := range 8 {
		out := send(t, s, i, msg{"hi", "", time.Duration(i) * time.Second})
		switch {
		case out.Action == processor.ActionAllow:
			got += "A"
		case out.Rules[0] == "escalation":
			got += "M"
		default:
			got += "R"
		}
		assert.LessOrEqual(t, out.State.Checks, 2, "one request holds both checks")
	}
	assert.Equal(t, "AARRMMMM", got)
}

func TestOptions(t *testing.T) {
	ruletest.ExpectProblems(t, ruletest.OptionProblems(t, "escalation", "rules.yaml", `{}`), []string{
		"option violations: required", "option within: required", "option mute: required"})
	ruletest.ExpectProblems(t, ruletest.OptionProblems(t, "escalation", "rules.yaml", `{violations: 3, within: 8d, mute: 31d}`), []string{
		"option within", "option mute"})
	ruletest.ExpectProblems(t, ruletest.OptionProblems(t, "escalation", "rules.yaml", `{violations: 3, within: 1h, mute: 1h, count: [""]}`), []string{
		"option count.0: empty stage name"})
}
