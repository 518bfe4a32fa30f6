package rules_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/rules"
)

func TestProblems(t *testing.T) {
	var bad rules.Problems
	assert.NoError(t, bad.Err())
	assert.Zero(t, bad.Len())

	bad.Add("maskChar", "%q is a letter", "a")
	bad.Add("", "nothing to do")
	var scope rules.Problems
	scope.Add("metadata.1", "bad path")
	scope.Add("", "covers nothing")
	bad.AddError("scope", scope.Err())
	bad.AddError("extraWords.0", errors.New("not a word"))
	bad.AddError("ignored", nil)
	assert.Equal(t, 5, bad.Len())

	err := fmt.Errorf("profanity: %w", bad.Err())
	var oe *rules.OptionsError
	require.ErrorAs(t, err, &oe)
	assert.Equal(t, []rules.OptionProblem{
		{Option: "maskChar", Msg: `"a" is a letter`},
		{Option: "", Msg: "nothing to do"},
		{Option: "scope.metadata.1", Msg: "bad path"},
		{Option: "scope", Msg: "covers nothing"},
		{Option: "extraWords.0", Msg: "not a word"},
	}, oe.Problems[:5])
	assert.Equal(t, "option maskChar: \"a\" is a letter\nnothing to do\noption scope.metadata.1: bad path\noption scope: covers nothing\noption extraWords.0: not a word", oe.Error())

	// Err hands out a copy: later problems do not change an error already returned.
	bad.Add("later", "x")
	assert.Len(t, oe.Problems, 5)
}
