package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRunRefusesBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-events", "many"}, "invalid value"},
		{[]string{"-retries", "3"}, "-retries must be 0, 1 or 2"},
		{[]string{"-retries", "-1"}, "-retries must be 0, 1 or 2"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"-nosuchflag"}, "flag provided but not defined"},
		{[]string{"-dynamodb", "http://127.0.0.1:1"}, "-dynamodb needs -stateful"},
		{[]string{"-stateful", "-config", "x.yaml"}, "makes its own events and configuration"},
		{[]string{"-stateful", "-fixtures", "testdata/events"}, "makes its own events and configuration"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(tt.args, &stdout, &stderr), "%q", tt.args)
		assert.Contains(t, stderr.String(), tt.want, "%q", tt.args)
		assert.Empty(t, stdout.String())
	}
}

func TestRunReportsWhatCannotRun(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-q", "-bootstrap", "/nonexistent/bootstrap", "-fixtures", "/nonexistent", "-config", "../../testdata/config/moderation.yaml", "-events", "10"}, &stdout, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "soak:")
	assert.Empty(t, stdout.String())
}
