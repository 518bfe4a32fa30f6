package messaging

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fields returns the fields an error of Validate names, or nil.
func fields(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	var ip *InvalidParamsError
	require.ErrorAs(t, err, &ip)
	assert.ErrorIs(t, err, ErrInvalidParams)
	var out []string
	for _, p := range ip.Params {
		out = append(out, p.Field)
	}
	return out
}

func TestChannelFlowCallbackValidate(t *testing.T) {
	const (
		msg   = "ChannelMessage"
		push  = "ChannelMessage.PushNotification"
		attrs = "ChannelMessage.MessageAttributes"
	)
	tests := []struct {
		name   string
		mutate func(in *ChannelFlowCallbackInput)
		want   []string // fields reported; nil means valid
	}{
		{"valid", func(*ChannelFlowCallbackInput) {}, nil},
		{"CallbackId 31", func(in *ChannelFlowCallbackInput) { in.CallbackID = strings.Repeat("c", 31) }, []string{"CallbackId"}},
		{"CallbackId 32", func(in *ChannelFlowCallbackInput) { in.CallbackID = strings.Repeat("c", 32) }, nil},
		{"CallbackId 64", func(in *ChannelFlowCallbackInput) { in.CallbackID = strings.Repeat("c", 64) }, nil},
		{"CallbackId 65", func(in *ChannelFlowCallbackInput) { in.CallbackID = strings.Repeat("c", 65) }, []string{"CallbackId"}},
		{"CallbackId empty", func(in *ChannelFlowCallbackInput) { in.CallbackID = "" }, []string{"CallbackId"}},
		{"ChannelArn empty", func(in *ChannelFlowCallbackInput) { in.ChannelArn = "" }, []string{"ChannelArn"}},
		{"ChannelArn not an ARN", func(in *ChannelFlowCallbackInput) { in.ChannelArn = "channel/1" }, []string{"ChannelArn"}},
		{"ChannelArn resource starts with /", func(in *ChannelFlowCallbackInput) { in.ChannelArn = "arn:aws:chime:us-east-1:1:/x" }, []string{"ChannelArn"}},
		{"ChannelArn upper-case partition", func(in *ChannelFlowCallbackInput) { in.ChannelArn = "arn:AWS:chime:us-east-1:1:x" }, []string{"ChannelArn"}},
		{"ChannelArn 1600", func(in *ChannelFlowCallbackInput) {
			in.ChannelArn = "arn:" + strings.Repeat("p", 63) + ":" + strings.Repeat("s", 63) + ":" + strings.Repeat("r", 63) + ":" + strings.Repeat("a", 63) + ":"
			in.ChannelArn += strings.Repeat("x", 1600-len(in.ChannelArn))
		}, []string{"ChannelArn"}}, // the resource part exceeds its own 1024
		{"ChannelMessage nil", func(in *ChannelFlowCallbackInput) { in.ChannelMessage = nil }, []string{msg}},
		{"MessageId empty", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.MessageID = "" }, []string{msg + ".MessageId"}},
		{"MessageId pattern", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.MessageID = "msg id" }, []string{msg + ".MessageId"}},
		{"MessageId dot", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.MessageID = "a.b" }, []string{msg + ".MessageId"}},
		{"MessageId 128", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.MessageID = strings.Repeat("m", 128) }, nil},
		{"MessageId 129", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.MessageID = strings.Repeat("m", 129) }, []string{msg + ".MessageId"}},
		{"Metadata 1024 multi-byte", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = strings.Repeat("é", 1024) }, nil},
		{"Metadata 1024 4-byte", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = strings.Repeat("😀", 1024) }, nil},
		{"Metadata 1025 multi-byte", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = strings.Repeat("é", 1025) }, []string{msg + ".Metadata"}},
		{"Metadata 1025 ASCII", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = strings.Repeat("m", 1025) }, []string{msg + ".Metadata"}},
		{"Push Title 50", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.PushNotification = &PushNotificationConfiguration{Title: strings.Repeat("ü", 50), Body: "b", Type: "VOIP"}
		}, nil},
		{"Push Title 51", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.PushNotification = &PushNotificationConfiguration{Title: strings.Repeat("ü", 51), Body: "b"}
		}, []string{push + ".Title"}},
		{"Push Body 150", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.PushNotification = &PushNotificationConfiguration{Title: "t", Body: strings.Repeat("b", 150)}
		}, nil},
		{"Push Body 151", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.PushNotification = &PushNotificationConfiguration{Title: "t", Body: strings.Repeat("b", 151)}
		}, []string{push + ".Body"}},
		{"Push Type enum", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.PushNotification = &PushNotificationConfiguration{Title: "t", Body: "b", Type: "default"}
		}, []string{push + ".Type"}},
		{"attribute name 64", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{strings.Repeat("n", 64): {StringValues: []string{"v"}}}
		}, nil},
		{"attribute name 65", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{strings.Repeat("n", 65): {StringValues: []string{"v"}}}
		}, []string{attrs + `["` + strings.Repeat("n", 64) + `..."]`}},
		{"attribute name empty", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"": {StringValues: []string{"v"}}}
		}, []string{attrs + `[""]`}},
		{"attribute value 512", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a": {StringValues: []string{strings.Repeat("ß", 512)}}}
		}, nil},
		{"attribute value 513", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a": {StringValues: []string{"ok", strings.Repeat("v", 513)}}}
		}, []string{attrs + `["a"].StringValues[1]`}},
		{"attribute value empty", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a": {StringValues: []string{""}}}
		}, []string{attrs + `["a"].StringValues[0]`}},
		{"attribute without values", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a": {}}
		}, nil},
		{"SubChannelId valid", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.SubChannelID = "sub_1-A" }, nil},
		{"SubChannelId pattern", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.SubChannelID = "sub/1" }, []string{msg + ".SubChannelId"}},
		{"SubChannelId 129", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.SubChannelID = strings.Repeat("s", 129) }, []string{msg + ".SubChannelId"}},
		{"ContentType 45", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.ContentType = strings.Repeat("ç", 45) }, nil},
		{"ContentType 46", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.ContentType = strings.Repeat("c", 46) }, []string{msg + ".ContentType"}},
		{"everything wrong at once", func(in *ChannelFlowCallbackInput) {
			in.CallbackID, in.ChannelArn, in.ChannelMessage.MessageID = "x", "y", "z z"
		}, []string{"CallbackId", "ChannelArn", msg + ".MessageId"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validCallback()
			tt.mutate(in)
			assert.Equal(t, tt.want, fields(t, in.Validate()))
		})
	}
}

func TestFlowInputsValidate(t *testing.T) {
	proc := func(mutate func(p *Processor)) []Processor {
		p := validProcessor()
		mutate(&p)
		return []Processor{p}
	}
	create := func(mutate func(in *CreateChannelFlowInput)) *CreateChannelFlowInput {
		in := &CreateChannelFlowInput{AppInstanceArn: testAppInstanceArn, Name: "flow", Processors: []Processor{validProcessor()}, ClientRequestToken: "token-1"}
		mutate(in)
		return in
	}
	tests := []struct {
		name string
		in   interface{ Validate() error }
		want []string
	}{
		{"create valid", create(func(*CreateChannelFlowInput) {}), nil},
		{"create empty", &CreateChannelFlowInput{}, []string{"AppInstanceArn", "Name", "Processors", "ClientRequestToken"}},
		{"create token 1", create(func(in *CreateChannelFlowInput) { in.ClientRequestToken = "a" }), []string{"ClientRequestToken"}},
		{"create token 2", create(func(in *CreateChannelFlowInput) { in.ClientRequestToken = "ab" }), nil},
		{"create token 64", create(func(in *CreateChannelFlowInput) { in.ClientRequestToken = strings.Repeat("t", 64) }), nil},
		{"create token 65", create(func(in *CreateChannelFlowInput) { in.ClientRequestToken = strings.Repeat("t", 65) }), []string{"ClientRequestToken"}},
		{"create token pattern", create(func(in *CreateChannelFlowInput) { in.ClientRequestToken = "a.b" }), []string{"ClientRequestToken"}},
		{"create name 256", create(func(in *CreateChannelFlowInput) { in.Name = strings.Repeat("ñ", 256) }), nil},
		{"create name 257", create(func(in *CreateChannelFlowInput) { in.Name = strings.Repeat("n", 257) }), []string{"Name"}},
		{"create name control char", create(func(in *CreateChannelFlowInput) { in.Name = "a\x00b" }), []string{"Name"}},
		{"create 3 processors", create(func(in *CreateChannelFlowInput) {
			in.Processors = []Processor{validProcessor(), validProcessor(), validProcessor()}
		}), nil},
		{"create 4 processors", create(func(in *CreateChannelFlowInput) {
			in.Processors = []Processor{validProcessor(), validProcessor(), validProcessor(), validProcessor()}
		}), []string{"Processors"}},
		{"create no processor", create(func(in *CreateChannelFlowInput) { in.Processors = nil }), []string{"Processors"}},
		{"create 50 tags", create(func(in *CreateChannelFlowInput) { in.Tags = make([]Tag, 50); fillTags(in.Tags) }), nil},
		{"create 51 tags", create(func(in *CreateChannelFlowInput) { in.Tags = make([]Tag, 51); fillTags(in.Tags) }), []string{"Tags"}},
		{"create tag key 129, empty value", create(func(in *CreateChannelFlowInput) { in.Tags = []Tag{{Key: strings.Repeat("k", 129)}} }), []string{"Tags[0].Key", "Tags[0].Value"}},
		{"create tag value 257", create(func(in *CreateChannelFlowInput) { in.Tags = []Tag{{Key: "k", Value: strings.Repeat("v", 257)}} }), []string{"Tags[0].Value"}},
		{"processor order 0", &UpdateChannelFlowInput{ChannelFlowArn: testFlowArn, Name: "f", Processors: proc(func(p *Processor) { p.ExecutionOrder = 0 })}, []string{"Processors[0].ExecutionOrder"}},
		{"processor order 3", &UpdateChannelFlowInput{ChannelFlowArn: testFlowArn, Name: "f", Processors: proc(func(p *Processor) { p.ExecutionOrder = 3 })}, nil},
		{"processor order 4", &UpdateChannelFlowInput{ChannelFlowArn: testFlowArn, Name: "f", Processors: proc(func(p *Processor) { p.ExecutionOrder = 4 })}, []string{"Processors[0].ExecutionOrder"}},
		{"processor fallback", &UpdateChannelFlowInput{ChannelFlowArn: testFlowArn, Name: "f", Processors: proc(func(p *Processor) { p.FallbackAction = "continue" })}, []string{"Processors[0].FallbackAction"}},
		{"processor invocation type", &UpdateChannelFlowInput{ChannelFlowArn: testFlowArn, Name: "f", Processors: proc(func(p *Processor) { p.Configuration.Lambda.InvocationType = "SYNC" })}, []string{"Processors[0].Configuration.Lambda.InvocationType"}},
		{"processor lambda arn", &UpdateChannelFlowInput{ChannelFlowArn: testFlowArn, Name: "f", Processors: proc(func(p *Processor) { p.Configuration.Lambda.ResourceArn = testAppInstanceArn })}, []string{"Processors[0].Configuration.Lambda.ResourceArn"}},
		{"processor lambda arn empty", &UpdateChannelFlowInput{ChannelFlowArn: testFlowArn, Name: "f", Processors: proc(func(p *Processor) { p.Configuration.Lambda.ResourceArn = "" })}, []string{"Processors[0].Configuration.Lambda.ResourceArn"}},
		{"processor name empty", &UpdateChannelFlowInput{ChannelFlowArn: testFlowArn, Name: "f", Processors: proc(func(p *Processor) { p.Name = "" })}, []string{"Processors[0].Name"}},
		{"update empty", &UpdateChannelFlowInput{}, []string{"ChannelFlowArn", "Name", "Processors"}},
		{"delete", &DeleteChannelFlowInput{ChannelFlowArn: testFlowArn}, nil},
		{"delete empty", &DeleteChannelFlowInput{}, []string{"ChannelFlowArn"}},
		{"describe bad arn", &DescribeChannelFlowInput{ChannelFlowArn: "flow"}, []string{"ChannelFlowArn"}},
		{"associate", &AssociateChannelFlowInput{ChannelArn: testChannelArn, ChannelFlowArn: testFlowArn, ChimeBearer: testBearerArn}, nil},
		{"associate empty", &AssociateChannelFlowInput{}, []string{"ChannelArn", "ChannelFlowArn", "ChimeBearer"}},
		{"disassociate no bearer", &DisassociateChannelFlowInput{ChannelArn: testChannelArn, ChannelFlowArn: testFlowArn}, []string{"ChimeBearer"}},
		{"list", &ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: testFlowArn}, nil},
		{"list max 50", &ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: testFlowArn, MaxResults: 50}, nil},
		{"list max 51", &ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: testFlowArn, MaxResults: 51}, []string{"MaxResults"}},
		{"list max -1", &ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: testFlowArn, MaxResults: -1}, []string{"MaxResults"}},
		{"list token 2049", &ListChannelsAssociatedWithChannelFlowInput{ChannelFlowArn: testFlowArn, NextToken: strings.Repeat("t", 2049)}, []string{"NextToken"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, fields(t, tt.in.Validate()))
		})
	}
}

func fillTags(tags []Tag) {
	for i := range tags {
		tags[i] = Tag{Key: "k", Value: "v"}
	}
}

// TestInvalidInputIsNotSent: every operation validates before sending.
func TestInvalidInputIsNotSent(t *testing.T) {
	fs := newFakeServer(t, script())
	c := newTestClient(t, fs.URL)
	ctx := context.Background()
	calls := map[string]func() error{
		OpChannelFlowCallback: func() error {
			_, err := c.ChannelFlowCallback(ctx, &ChannelFlowCallbackInput{})
			return err
		},
		OpCreateChannelFlow: func() error {
			_, err := c.CreateChannelFlow(ctx, &CreateChannelFlowInput{})
			return err
		},
		OpUpdateChannelFlow: func() error {
			_, err := c.UpdateChannelFlow(ctx, &UpdateChannelFlowInput{})
			return err
		},
		OpDeleteChannelFlow: func() error {
			_, err := c.DeleteChannelFlow(ctx, &DeleteChannelFlowInput{})
			return err
		},
		OpDescribeChannelFlow: func() error {
			_, err := c.DescribeChannelFlow(ctx, &DescribeChannelFlowInput{})
			return err
		},
		OpAssociateChannelFlow: func() error {
			_, err := c.AssociateChannelFlow(ctx, &AssociateChannelFlowInput{})
			return err
		},
		OpDisassociateChannelFlow: func() error {
			_, err := c.DisassociateChannelFlow(ctx, &DisassociateChannelFlowInput{})
			return err
		},
		OpListChannelsAssociatedWithChannelFlow: func() error {
			_, err := c.ListChannelsAssociatedWithChannelFlow(ctx, nil)
			return err
		},
	}
	for op, call := range calls {
		err := call()
		var ip *InvalidParamsError
		require.True(t, errors.As(err, &ip), "%s: %v", op, err)
		assert.Equal(t, op, ip.Operation)
		assert.NotEmpty(t, ip.Params)
	}
	assert.Equal(t, 0, fs.count())
}

func TestValidateDoesNotAllocate(t *testing.T) {
	in := validCallback()
	in.ChannelMessage.PushNotification = &PushNotificationConfiguration{Title: "t", Body: "b", Type: "DEFAULT"}
	in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a": {StringValues: []string{"v"}}}
	allocs := testing.AllocsPerRun(100, func() {
		if in.Validate() != nil {
			t.Fatal("invalid")
		}
	})
	assert.Zero(t, allocs)
}

func TestInvalidParamsErrorMessage(t *testing.T) {
	err := (&ChannelFlowCallbackInput{CallbackID: "short", ChannelArn: testChannelArn, ChannelMessage: &ChannelMessageCallback{MessageID: "m"}}).Validate()
	assert.EqualError(t, err, "messaging: ChannelFlowCallback: 1 invalid parameter(s): CallbackId: length 5 is below the minimum 32")
}
