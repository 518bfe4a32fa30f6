package rulebuild

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
)

// config and build make a small rule that denies messages longer than
// Limit bytes; Words are only checked, to give it a list option.
type config struct {
	Limit int
	Words []string
}

type lengthRule struct{ limit int }

func (r *lengthRule) Apply(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if len(m.Content) > r.limit {
		return processor.Deny("too long"), nil
	}
	return processor.Continue, nil
}

func build(c config, report func(option, msg string)) *lengthRule {
	if c.Limit < 1 {
		report("limit", fmt.Sprintf("want 1 or more, got %d", c.Limit))
	}
	for i, w := range c.Words {
		if w == "" {
			report(fmt.Sprintf("words.%d", i), "empty word")
		}
	}
	return &lengthRule{limit: c.Limit}
}

func TestNew(t *testing.T) {
	r, err := New("length", config{Limit: 3, Words: []string{"a"}}, build)
	if err != nil || r == nil || r.limit != 3 {
		t.Fatalf("New with a good config = %+v, %v", r, err)
	}

	r, err = New("length", config{Limit: 0, Words: []string{"a", "", ""}}, build)
	want := "length: option limit: want 1 or more, got 0\n" +
		"length: option words.1: empty word\n" +
		"length: option words.2: empty word"
	if r != nil || err == nil || err.Error() != want {
		t.Fatalf("New with three mistakes = %+v, %v; want nil and\n%s", r, err, want)
	}
}

// fakeOptions decodes to a fixed config and records what is reported.
type fakeOptions struct {
	config    config
	decodeErr error
	reported  []string
}

var errReported = errors.New("reported")

func (o *fakeOptions) Decode(v any) error {
	*v.(*config) = o.config
	return o.decodeErr
}

func (o *fakeOptions) Errorf(option, format string, args ...any) error {
	o.reported = append(o.reported, option+": "+fmt.Sprintf(format, args...))
	return fmt.Errorf("%w (%d so far)", errReported, len(o.reported))
}

func (o *fakeOptions) Stage() string { return "length" }

var _ rules.Options = (*fakeOptions)(nil)

func TestFactory(t *testing.T) {
	factory := Factory(build)
	tests := []struct {
		name     string
		opts     fakeOptions
		wantErr  string // "" for a rule
		reported []string
	}{
		{name: "good", opts: fakeOptions{config: config{Limit: 5}}},
		{
			name:     "mistakes",
			opts:     fakeOptions{config: config{Limit: -1, Words: []string{""}}},
			wantErr:  "reported (2 so far)",
			reported: []string{"limit: want 1 or more, got -1", "words.0: empty word"},
		},
		{
			name:    "decoding fails",
			opts:    fakeOptions{config: config{Limit: -1}, decodeErr: rules.ErrBadOptions},
			wantErr: rules.ErrBadOptions.Error(),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := factory(&tt.opts)
			if !slices.Equal(tt.opts.reported, tt.reported) {
				t.Errorf("reported %q, want %q", tt.opts.reported, tt.reported)
			}
			if tt.wantErr != "" {
				if r != nil || err == nil || err.Error() != tt.wantErr {
					t.Fatalf("factory = %v, %v; want no rule (a nil interface) and the error %q", r, err, tt.wantErr)
				}
				return
			}
			lr, ok := r.(*lengthRule)
			if err != nil || !ok || lr.limit != tt.opts.config.Limit {
				t.Fatalf("factory = %#v, %v; want a rule with limit %d", r, err, tt.opts.config.Limit)
			}
		})
	}
}

func ExampleNew() {
	_, err := New("length", config{Limit: 0, Words: []string{""}}, build)
	fmt.Println(err)
	// Output:
	// length: option limit: want 1 or more, got 0
	// length: option words.0: empty word
}
