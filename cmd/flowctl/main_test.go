package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
)

const (
	app      = "arn:aws:chime:us-east-1:111122223333:app-instance/abc"
	admin    = app + "/user/admin"
	channelA = app + "/channel/a"
	channelB = app + "/channel/b"
	lambda   = "arn:aws:lambda:us-east-1:111122223333:function:proc"
)

// setup starts the Chime stand-in, points the AWS configuration at its
// credentials only, and returns it with a flow.
func setup(t *testing.T) (*messagingtest.Server, messagingtest.Flow) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":                    messagingtest.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":                messagingtest.SecretAccessKey,
		"AWS_SESSION_TOKEN":                    messagingtest.SessionToken,
		"AWS_REGION":                           messagingtest.Region,
		"AWS_PROFILE":                          "",
		"AWS_CONFIG_FILE":                      filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":          filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":            "true",
		"AWS_ENDPOINT_URL":                     "",
		"AWS_ENDPOINT_URL_CHIME_SDK_MESSAGING": "",
		EnvBearer:                              "",
	} {
		t.Setenv(k, v)
	}
	s := messagingtest.NewServer(messagingtest.Config{})
	t.Cleanup(s.Close)
	t.Cleanup(func() {
		if v := s.Problems(); len(v) > 0 {
			t.Errorf("requests broke the service model:\n%s", strings.Join(v, "\n"))
		}
	})
	s.AddBearers(admin)
	s.AddChannels(channelA, channelB)
	f := s.PutFlow(messagingtest.Flow{AppInstanceArn: app, Name: "moderation", Processors: []messaging.Processor{{
		Name: "chimeflow", ExecutionOrder: 1, FallbackAction: messaging.FallbackAbort,
		Configuration: messaging.ProcessorConfiguration{Lambda: messaging.LambdaConfiguration{ResourceArn: lambda, InvocationType: "ASYNC"}},
	}}})
	return s, f
}

func flowctl(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestAssociateListDisassociate(t *testing.T) {
	s, f := setup(t)
	code, out, errOut := flowctl(t, "associate", "-endpoint", s.URL, "-flow", f.Arn, "-bearer", admin, "-channel", channelA, channelB)
	if code != 0 {
		t.Fatalf("associate: exit %d: %s", code, errOut)
	}
	if want := "associated " + channelA + " with " + f.Arn + "\nassociated " + channelB + " with " + f.Arn + "\n"; out != want {
		t.Errorf("associate printed %q, want %q", out, want)
	}
	if got, _ := s.Flow(f.Arn); !reflect.DeepEqual(got.Channels, []string{channelA, channelB}) {
		t.Fatalf("channels %v", got.Channels)
	}
	for _, c := range s.Calls() {
		if c.Operation == messaging.OpAssociateChannelFlow && c.Bearer != admin {
			t.Errorf("associated as %q", c.Bearer)
		}
	}

	s.SetPageSize(1)
	code, out, _ = flowctl(t, "list", "-endpoint", s.URL, "-flow", f.Arn)
	if code != 0 || out != channelA+"\n"+channelB+"\n" {
		t.Errorf("list: exit %d, %q", code, out)
	}
	code, out, _ = flowctl(t, "list", "-endpoint", s.URL, "-flow", f.Arn, "-json")
	var summaries []messaging.ChannelAssociatedWithFlowSummary
	if err := json.Unmarshal([]byte(out), &summaries); code != 0 || err != nil || len(summaries) != 2 || summaries[1].ChannelArn != channelB {
		t.Errorf("list -json: exit %d, %v, %q", code, err, out)
	}

	t.Setenv(EnvBearer, admin)
	code, out, errOut = flowctl(t, "disassociate", "-endpoint", s.URL, "-flow", f.Arn, "-channel", channelA)
	if code != 0 || out != "disassociated "+channelA+" from "+f.Arn+"\n" {
		t.Fatalf("disassociate: exit %d, %q, %s", code, out, errOut)
	}
	if got, _ := s.Flow(f.Arn); !reflect.DeepEqual(got.Channels, []string{channelB}) {
		t.Errorf("channels after disassociate %v", got.Channels)
	}
}

func TestDescribe(t *testing.T) {
	s, f := setup(t)
	code, out, errOut := flowctl(t, "describe", "-endpoint", s.URL, "-region", "us-east-1", "-flow", f.Arn)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"ChannelFlowArn: " + f.Arn, "Name:           moderation", "Processor 1:    chimeflow: " + lambda + " (ASYNC), fallback ABORT", "Created:        2023-11-14T22:13:20Z"} {
		if !strings.Contains(out, want) {
			t.Errorf("describe lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = flowctl(t, "describe", "-endpoint", s.URL, "-flow", f.Arn, "-json")
	var got struct {
		ChannelFlowArn, Name string
		Processors           []messaging.Processor
		CreatedTimestamp     string
	}
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || got.ChannelFlowArn != f.Arn || len(got.Processors) != 1 || got.CreatedTimestamp == "" {
		t.Errorf("describe -json: exit %d, %v, %q", code, err, out)
	}
}

func TestDelete(t *testing.T) {
	s, f := setup(t)
	s.PutFlow(messagingtest.Flow{Arn: f.Arn, AppInstanceArn: app, Name: f.Name, Processors: f.Processors, Channels: []string{channelA}})
	code, _, errOut := flowctl(t, "delete", "-endpoint", s.URL, "-flow", f.Arn)
	if code != 1 || !strings.Contains(errOut, "still associated with 1 channel(s)") {
		t.Fatalf("delete without a bearer: exit %d, %s", code, errOut)
	}
	code, out, errOut := flowctl(t, "delete", "-endpoint", s.URL, "-flow", f.Arn, "-bearer", admin)
	if code != 0 || out != "deleted "+f.Arn+"\n" {
		t.Fatalf("delete: exit %d, %q, %s", code, out, errOut)
	}
	if _, ok := s.Flow(f.Arn); ok {
		t.Error("the flow is still there")
	}
}

func TestErrors(t *testing.T) {
	s, f := setup(t)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no command", nil, 2, "Usage:"},
		{"unknown command", []string{"create"}, 2, `unknown command "create"`},
		{"missing flags", []string{"associate", "-endpoint", s.URL}, 2, "missing -flow, -bearer (or $CHIMEFLOW_BEARER_ARN), -channel"},
		{"bad flag", []string{"list", "-bogus"}, 2, "flag provided but not defined: -bogus"},
		{"stray arguments", []string{"describe", "-flow", f.Arn, "extra"}, 2, `unexpected arguments ["extra"]`},
		{"unknown channel", []string{"associate", "-endpoint", s.URL, "-flow", f.Arn, "-bearer", admin, app + "/channel/nope"}, 1, "HTTP 404 NotFoundException: channel " + app + "/channel/nope not found"},
		{"not a flow", []string{"describe", "-endpoint", s.URL, "-flow", app + "/channel-flow/missing"}, 1, "HTTP 404 NotFoundException"},
		{"invalid ARN caught before sending", []string{"list", "-endpoint", s.URL, "-flow", "not-an-arn"}, 1, "invalid parameter"},
		{"help", []string{"help"}, 0, "Usage:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := flowctl(t, tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errOut, tt.code, tt.stderr)
			}
		})
	}
}
