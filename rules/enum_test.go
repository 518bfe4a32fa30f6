package rules_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/chimeflow/chimeflow/rules"
)

type color string

func TestParseEnum(t *testing.T) {
	tests := []struct {
		in      string
		valid   []color
		want    color
		wantErr string
	}{
		{"red", []color{"red", "green"}, "red", ""},
		{"green", []color{"red", "green"}, "green", ""},
		{"Red", []color{"red", "green"}, "", `"Red" is not red or green`},
		{"", []color{"red", "green", "blue"}, "", `"" is not red, green or blue`},
		{"x", []color{"only"}, "", `"x" is not only`},
		{"red\x00", []color{"red"}, "", `"red\x00" is not red`},
	}
	for _, tt := range tests {
		got, err := rules.ParseEnum([]byte(tt.in), tt.valid...)
		if tt.wantErr != "" {
			assert.EqualError(t, err, tt.wantErr, "%q", tt.in)
			continue
		}
		assert.NoError(t, err, "%q", tt.in)
		assert.Equal(t, tt.want, got)
	}
}

// Mode is a rule option that is one of two words.
type Mode string

func (m *Mode) UnmarshalText(b []byte) (err error) {
	*m, err = rules.ParseEnum(b, Mode("quiet"), Mode("strict"))
	return err
}

func ExampleParseEnum() {
	var m Mode
	fmt.Println(m.UnmarshalText([]byte("strict")), m)
	fmt.Println(m.UnmarshalText([]byte("loud")))
	// Output:
	// <nil> strict
	// "loud" is not quiet or strict
}
