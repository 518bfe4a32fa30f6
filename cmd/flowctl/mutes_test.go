package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/processor/state"
	"github.com/chimeflow/chimeflow/processor/state/dynamostate"
)

const (
	mallory = "arn:aws:chime:us-east-1:111122223333:app-instance/a/user/mallory"
	trudy   = "arn:aws:chime:us-east-1:111122223333:app-instance/a/user/trudy"
)

// TestMutes lists and lifts mutes in a state table of a local
// DynamoDB-compatible server (moto), written there as the processor writes
// them.
func TestMutes(t *testing.T) {
	endpoint := testenv.Moto(t)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv(dynamostate.EnvTable, "chimeflow-state")
	ctx := context.Background()
	client := dynamodb.New(dynamodb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret"}, nil
		})})
	_, err := client.CreateTable(ctx, dynamostate.TableDefinition("chimeflow-state"))
	require.NoError(t, err)
	store, err := dynamostate.New(client, dynamostate.Options{Table: "chimeflow-state", Timeout: 10 * time.Second})
	require.NoError(t, err)
	now := time.Now().UTC().Truncate(time.Millisecond)
	mute := func(cb, stage, sender string, at time.Time, d time.Duration) {
		_, err := store.Finish(ctx, &state.Finish{CallbackID: cb, Time: at, Record: state.Record{Action: "DENY"},
			Violations: []state.Violation{{Key: stage + "|" + sender, Stage: stage, Subject: sender, Within: time.Minute, Threshold: 1, Mute: d}}})
		require.NoError(t, err)
	}
	mute("cb-1", "escalation", mallory, now.Add(-time.Minute), time.Hour)
	mute("cb-2", "escalation", trudy, now.Add(-2*time.Hour), time.Hour) // over
	mute("cb-3", "strict", mallory, now.Add(-time.Minute), 2*time.Hour)

	cmd := func(args ...string) (int, string, string) {
		var out, errs bytes.Buffer
		code := run(ctx, append(args, "-endpoint", endpoint), &out, &errs)
		return code, out.String(), errs.String()
	}
	code, out, errs := cmd("mutes", "list")
	require.Equal(t, 0, code, errs)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	assert.Contains(t, lines[1], mallory)
	assert.Contains(t, lines[1], "escalation")
	assert.Contains(t, lines[2], "strict")
	assert.NotContains(t, out, trudy, "over: listed with -all only")

	code, out, _ = cmd("mutes", "list", "-all", "-json")
	require.Equal(t, 0, code)
	var all []muteJSON
	require.NoError(t, json.Unmarshal([]byte(out), &all))
	require.Len(t, all, 3)
	statuses := map[string]string{}
	for _, m := range all {
		statuses[m.Stage+" "+m.Sender] = m.Status
	}
	assert.Equal(t, map[string]string{"escalation " + mallory: "active", "escalation " + trudy: "over", "strict " + mallory: "active"}, statuses)

	code, out, errs = cmd("mutes", "lift", "-sender", mallory, "-stage", "escalation")
	require.Equal(t, 0, code, errs)
	assert.Contains(t, out, "lifted the mute of "+mallory+" (stage escalation)")
	code, out, _ = cmd("mutes", "list")
	require.Equal(t, 0, code)
	assert.Equal(t, 2, strings.Count(out, "\n"), "the lifted mute is no longer in force:\n%s", out)
	assert.Contains(t, out, "strict")

	// Lifted: a message sent before the lift stays muted, one after passes.
	got, err := store.Decide(ctx, &state.Decision{CallbackID: "cb-4", Time: now.Add(-30 * time.Second), Record: state.Record{Action: "ALLOW"},
		Checks: []state.Check{{Kind: state.CheckMute, Key: "escalation|" + mallory}}})
	require.NoError(t, err)
	assert.True(t, got.Results[0].Tripped)
	got, err = store.Decide(ctx, &state.Decision{CallbackID: "cb-5", Time: time.Now().Add(time.Second), Record: state.Record{Action: "ALLOW"},
		Checks: []state.Check{{Kind: state.CheckMute, Key: "escalation|" + mallory}}})
	require.NoError(t, err)
	assert.True(t, got.Applied)

	code, _, errs = cmd("mutes", "lift", "-sender", trudy)
	assert.Equal(t, 1, code)
	assert.Contains(t, errs, "no mute in force for "+trudy)
}

func TestMutesUsage(t *testing.T) {
	t.Setenv(dynamostate.EnvTable, "")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"mutes"}, "usage: flowctl mutes list"},
		{[]string{"mutes", "purge"}, "usage: flowctl mutes list"},
		{[]string{"mutes", "list"}, "missing -table"},
		{[]string{"mutes", "lift", "-table", "t"}, "missing -sender"},
		{[]string{"mutes", "list", "-table", "t", "extra"}, "unexpected arguments"},
	} {
		var out, errs bytes.Buffer
		assert.Equal(t, 2, run(context.Background(), tc.args, &out, &errs), tc.args)
		assert.Contains(t, errs.String(), tc.want, tc.args)
	}
}
