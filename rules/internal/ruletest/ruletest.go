// Package ruletest holds the test helpers that the built-in rule packages
// share, beyond what processor/processortest offers: loading a
// configuration to check the problems it reports, and benchmarking a rule
// on a message. Only tests import it.
package ruletest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/rules"
)

// ConfigProblems parses the configuration doc, named source in messages,
// and returns the problems reported, in the order of the document, each
// as "SOURCE:LINE:COLUMN: MESSAGE". It stops the test unless parsing fails
// with a *rules.ConfigError.
func ConfigProblems(t testing.TB, doc, source string) []string {
	t.Helper()
	_, err := rules.Parse([]byte(doc), source)
	var ce *rules.ConfigError
	if !errors.As(err, &ce) {
		t.Fatalf("parse %s: got %v, want a *rules.ConfigError", source, err)
	}
	problems := make([]string, len(ce.Problems))
	for i, p := range ce.Problems {
		problems[i] = p.String()
	}
	return problems
}

// OptionProblems returns the problems reported for a configuration,
// named source, whose only rule is rule with the given options, as
// ConfigProblems does. The options are written as at the top level of a
// document; OptionProblems indents them under "options:", where their
// first line is line 4 and starts at column 7.
func OptionProblems(t testing.TB, rule, source, options string) []string {
	t.Helper()
	doc := "rules:\n  - rule: " + rule + "\n    options:\n      " +
		strings.ReplaceAll(strings.TrimSpace(options), "\n", "\n      ") + "\n"
	return ConfigProblems(t, doc, source)
}

// ExpectProblems fails the test unless there are as many problems as
// wants, and each problem contains its want, in order.
func ExpectProblems(t testing.TB, problems, want []string) {
	t.Helper()
	if !matchProblems(problems, want) {
		t.Errorf("problems:\n\t%s\nwant, in order, problems containing:\n\t%s",
			strings.Join(problems, "\n\t"), strings.Join(want, "\n\t"))
	}
}

func matchProblems(problems, want []string) bool {
	if len(problems) != len(want) {
		return false
	}
	for i, w := range want {
		if !strings.Contains(problems[i], w) {
			return false
		}
	}
	return true
}

// BenchApply benchmarks r.Apply on a message with the given content (see
// processortest.NewEvent), putting the content back before each call as a
// rule may rewrite it. It reports allocations, and throughput in bytes of
// content.
func BenchApply(b *testing.B, r processor.Rule, content string) {
	b.Helper()
	ctx := context.Background()
	m := processor.NewMessage(processortest.NewEvent(content))
	b.ReportAllocs()
	b.SetBytes(int64(len(content)))
	for b.Loop() {
		m.Content = content
		if _, err := r.Apply(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
}

// Stateful is a handler for one pipeline of stateful (and other) rules,
// provisioned with one in-process state store, whose callbacks are
// recorded: the path a message takes in Lambda, with the state of one
// container.
type Stateful struct {
	Handler  *processor.Handler
	Recorder *messagingtest.Recorder
	Store    *state.Memory
}

// NewStateful provisions every stage's rule that needs it with a new
// state.Memory and returns the handler of a pipeline of the stages.
func NewStateful(t testing.TB, stages ...processor.Stage) *Stateful {
	t.Helper()
	s := &Stateful{Store: state.NewMemory()}
	host := rules.NewHost(rules.WithState(s.Store))
	for _, st := range stages {
		if p, ok := st.Rule.(rules.Provisioner); ok {
			if err := p.Provision(context.Background(), host); err != nil {
				t.Fatalf("provision %s: %v", st.Name, err)
			}
		}
	}
	s.Handler, s.Recorder = processortest.NewHandler(processor.NewPipeline(stages...))
	return s
}

// Send runs ev through the handler and returns the result; the test stops
// if the handler fails.
func (s *Stateful) Send(t testing.TB, ev *processor.Event) processor.Result {
	t.Helper()
	res, err := s.Handler.Handle(context.Background(), processortest.Payload(t, ev))
	if err != nil {
		t.Fatalf("handle: %v", err)
	}
	return res
}

// At returns an option that gives an event the CallbackId cb, a
// MessageId made from it, and the creation time at.
func At(cb string, at time.Time) processortest.Option {
	return func(ev *processor.Event) {
		ev.CallbackID = cb
		ev.ChannelMessage.MessageID = "m" + cb
		ev.ChannelMessage.CreatedTimestamp = processor.NewTimestamp(at.UTC().Format(time.RFC3339Nano))
	}
}

// CallbackID returns the i-th CallbackId of a test: 32 characters.
func CallbackID(i int) string { return fmt.Sprintf("cb-%029d", i) }
