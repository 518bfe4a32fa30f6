package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/rules"
)

func compile(t *testing.T, b Budget) *Plan {
	t.Helper()
	var bad rules.Problems
	p := b.Compile("budget", "test", &bad)
	require.NoError(t, bad.Err())
	return p
}

func TestBudgetDefaults(t *testing.T) {
	p := compile(t, Budget{})
	assert.Equal(t, DefaultTimeout, p.Timeout())
	assert.Equal(t, DefaultRetries, p.Retries())
	assert.True(t, p.Sampled("anything"))
}

func TestBudgetProblems(t *testing.T) {
	zero, neg, many, half := 0.0, -1, 6, 1.5
	var bad rules.Problems
	Budget{Timeout: -time.Second, Sample: &zero, MinChars: &neg, Retries: &many}.Compile("budget", "x", &bad)
	Budget{Timeout: 11 * time.Second, Sample: &half}.Compile("b", "x", &bad)
	assert.EqualError(t, bad.Err(), strings.Join([]string{
		"option budget.timeout: -1s is not a timeout: want more than 0 and at most 10s",
		"option budget.retries: 6: want 0 to 5",
		"option budget.minChars: -1: want 0 or more",
		"option budget.sample: 0: want a share above 0 and at most 1 (0.25 checks a quarter of the messages)",
		"option b.timeout: 11s is not a timeout: want more than 0 and at most 10s",
		"option b.sample: 1.5: want a share above 0 and at most 1 (0.25 checks a quarter of the messages)",
	}, "\n"))
}

func TestWorth(t *testing.T) {
	no, zero := false, 0
	def := compile(t, Budget{})
	lax := compile(t, Budget{MinChars: &zero, SkipEmojiOnly: &no, SkipLinksOnly: &no})
	tests := []struct {
		text     string
		def, lax bool
	}{
		{"you are awful", true, true},
		{"ok", false, true},
		{"abc", true, true},
		{"日本語", true, true},
		{"👍🎉", false, true},
		{"!!! ???", false, true},
		{"\u200b\u200b", false, true},
		{"", false, false},
		{"   ", false, false},
		{"https://example.com/path", false, true},
		{"<https://example.com> (www.example.org)", false, true},
		{"see https://example.com", true, true},
		{"http://", true, true},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.def, def.Worth(tt.text), "default %q", tt.text)
		assert.Equal(t, tt.lax, lax.Worth(tt.text) && strings.TrimSpace(tt.text) != "", "lax %q", tt.text)
	}
}

func TestSampled(t *testing.T) {
	quarter := 0.25
	p := compile(t, Budget{Sample: &quarter})
	other := Budget{Sample: &quarter}.Compile("budget", "other", &rules.Problems{})
	n, same := 0, 0
	for i := range 4000 {
		id := fmt.Sprintf("msg-%d", i)
		a := p.Sampled(id)
		assert.Equal(t, a, p.Sampled(id), "deterministic")
		if a {
			n++
		}
		if a == other.Sampled(id) {
			same++
		}
	}
	assert.InDelta(t, 1000, n, 120)
	// Two rules with the same share sample independently: they agree on
	// about 1/16 + 9/16 of the messages, not all.
	assert.InDelta(t, 2500, same, 200)
}

func TestCallErrors(t *testing.T) {
	p := compile(t, Budget{Timeout: 50 * time.Millisecond})
	ctx, cancel := p.Context(context.Background())
	defer cancel()
	err := p.Call(ctx, ServiceComprehend, "DetectToxicContent", func(ctx context.Context) error {
		<-ctx.Done()
		return fmt.Errorf("operation error: %w", ctx.Err())
	})
	assert.ErrorIs(t, err, ErrTimeout)
	assert.EqualError(t, err, "comprehend DetectToxicContent: no answer within the timeout of 50ms")

	err = p.Call(context.Background(), ServiceComprehend, "DetectPiiEntities", func(context.Context) error {
		return errors.New("dial tcp: connection refused: text the user wrote")
	})
	assert.EqualError(t, err, "comprehend DetectPiiEntities: no answer (connection failed)")
	assert.NotContains(t, err.Error(), "user wrote")
	assert.False(t, errors.Is(err, ErrTimeout))
	assert.NoError(t, p.Call(context.Background(), "s", "o", func(context.Context) error { return nil }))
}
