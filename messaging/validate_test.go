package messaging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

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
		}, []string{attrs + "[" + AttributeRef(strings.Repeat("n", 65)) + "]"}},
		{"attribute name empty", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"": {StringValues: []string{"v"}}}
		}, []string{attrs + `[""]`}},
		{"attribute value 512", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a": {StringValues: []string{strings.Repeat("ß", 512)}}}
		}, nil},
		{"attribute value 513", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a": {StringValues: []string{"ok", strings.Repeat("v", 513)}}}
		}, []string{attrs + "[#ca978112].StringValues[1]"}},
		{"attribute value empty", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a": {StringValues: []string{""}}}
		}, []string{attrs + "[#ca978112].StringValues[0]"}},
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

// TestCheckCallbackPatterns: every pattern of every shape the callback
// sends, not only lengths. Metadata and the push title carry `.*`, which
// (read as Java reads it) refuses \n, \r, U+0085, U+2028 and U+2029; the
// other texts carry `[\s\S]*`. Every string must be valid UTF-8.
func TestCheckCallbackPatterns(t *testing.T) {
	const (
		md    = "ChannelMessage.Metadata"
		title = "ChannelMessage.PushNotification.Title"
		body  = "ChannelMessage.PushNotification.Body"
	)
	push := func(title, body string) func(in *ChannelFlowCallbackInput) {
		return func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.PushNotification = &PushNotificationConfiguration{Title: title, Body: body, Type: "DEFAULT"}
		}
	}
	tests := []struct {
		name   string
		mutate func(in *ChannelFlowCallbackInput)
		field  string // "" for valid
		reason string
	}{
		{"metadata LF", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = "{\n}" }, md, "line break (U+000A) at character 2; the model's pattern .* allows none"},
		{"metadata CR", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = "a\rb" }, md, "line break (U+000D) at character 2"},
		{"metadata NEL", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = "éa\u0085" }, md, "line break (U+0085) at character 3"},
		{"metadata LS", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = "\u2028" }, md, "line break (U+2028) at character 1"},
		{"metadata PS", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = "x\u2029" }, md, "line break (U+2029) at character 2"},
		{"metadata near line terminators", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = "\u0084\u2027\u202a\u00c2\u2019…\t" }, "", ""},
		{"metadata NUL", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = "a\x00b" }, "", ""},
		{"metadata invalid UTF-8", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = "ab\xffc" }, md, "invalid UTF-8 at byte 2"},
		{"metadata lone surrogate bytes", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Metadata = "\xed\xa0\x80" }, md, "invalid UTF-8 at byte 0"},
		{"title LF", push("a\nb", "b"), title, "line break (U+000A) at character 2"},
		{"title LS", push("a\u2028", "b"), title, "line break (U+2028) at character 2"},
		{"title 50 emoji", push(strings.Repeat("😀", 50), "b"), "", ""},
		{"title invalid UTF-8", push("\xc3", "b"), title, "invalid UTF-8 at byte 0"},
		{"body line breaks", push("t", "a\nb\r\u0085\u2028\u2029"), "", ""},
		{"body invalid UTF-8", push("t", "ok\xe2\x82"), body, "invalid UTF-8 at byte 2"},
		{"content line breaks", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Content = "a\nb\u2028" }, "", ""},
		{"content invalid UTF-8", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Content = "hi \xff" }, "ChannelMessage.Content", "invalid UTF-8 at byte 3"},
		{"content over 4 KB", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.Content = strings.Repeat("語", 5000) }, "", ""},
		{"attribute name line break", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a\nb": {StringValues: []string{"v\r\n"}}}
		}, "", ""},
		{"attribute name invalid UTF-8", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a\xff": {StringValues: []string{"v"}}}
		}, "ChannelMessage.MessageAttributes[" + AttributeRef("a\xff") + "]", "invalid UTF-8 at byte 1"},
		{"attribute value invalid UTF-8", func(in *ChannelFlowCallbackInput) {
			in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"a": {StringValues: []string{"ok", "\x80"}}}
		}, "ChannelMessage.MessageAttributes[#ca978112].StringValues[1]", "invalid UTF-8 at byte 0"},
		{"content type line break", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.ContentType = "text/plain;\n" }, "", ""},
		{"content type invalid UTF-8", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.ContentType = "\xfe" }, "ChannelMessage.ContentType", "invalid UTF-8 at byte 0"},
		{"callback id invalid UTF-8", func(in *ChannelFlowCallbackInput) { in.CallbackID = strings.Repeat("c", 40) + "\xff" }, "CallbackId", "invalid UTF-8 at byte 40"},
		{"channel ARN line break in the resource", func(in *ChannelFlowCallbackInput) { in.ChannelArn = testChannelArn + "\n" }, "ChannelArn", "line break (U+000A)"},
		{"channel ARN invalid UTF-8", func(in *ChannelFlowCallbackInput) { in.ChannelArn = testChannelArn + "\xff" }, "ChannelArn", "invalid UTF-8 at byte"},
		{"message id non-ASCII", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.MessageID = "msgé" }, "ChannelMessage.MessageId", "byte 3 is outside [-_a-zA-Z0-9]"},
		{"sub-channel id space", func(in *ChannelFlowCallbackInput) { in.ChannelMessage.SubChannelID = "a b" }, "ChannelMessage.SubChannelId", "byte 1 is outside [-_a-zA-Z0-9]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := validCallback()
			tt.mutate(in)
			err := CheckCallback(in, AllParts)
			if tt.field == "" {
				require.NoError(t, err)
				return
			}
			var ip *InvalidParamsError
			require.ErrorAs(t, err, &ip)
			require.Len(t, ip.Params, 1)
			assert.Equal(t, tt.field, ip.Params[0].Field)
			assert.Contains(t, ip.Params[0].Reason, tt.reason)
		})
	}
}

// TestCheckCallbackErrorsDoNotQuoteValues: a reason says what is wrong and
// where, never what the sender wrote.
func TestCheckCallbackErrorsDoNotQuoteValues(t *testing.T) {
	const secret = "SENDERTEXT"
	in := validCallback()
	m := in.ChannelMessage
	m.Content = secret + "\xff"
	m.Metadata = secret + strings.Repeat("m", 1024)
	m.PushNotification = &PushNotificationConfiguration{Title: secret + "\n", Body: secret + strings.Repeat("b", 150), Type: secret}
	m.MessageAttributes = map[string]MessageAttributeValue{"a": {StringValues: []string{secret + strings.Repeat("v", 512), "", secret + "\xff"}}}
	m.ContentType = secret + strings.Repeat("c", 45)
	err := in.Validate()
	var ip *InvalidParamsError
	require.ErrorAs(t, err, &ip)
	assert.Len(t, ip.Params, 9)
	assert.NotContains(t, err.Error(), secret)
}

// TestCheckCallbackParts: only the parts asked for are checked.
func TestCheckCallbackParts(t *testing.T) {
	bad := &ChannelFlowCallbackInput{
		CallbackID: "short",
		ChannelArn: "not-an-arn",
		ChannelMessage: &ChannelMessageCallback{
			MessageID:         "a b",
			Content:           "\xff",
			Metadata:          "a\nb",
			PushNotification:  &PushNotificationConfiguration{Title: strings.Repeat("t", 51)},
			MessageAttributes: map[string]MessageAttributeValue{"": {}},
			SubChannelID:      "a/b",
			ContentType:       strings.Repeat("c", 46),
		},
	}
	const msg = "ChannelMessage."
	tests := []struct {
		parts CallbackParts
		want  []string
	}{
		{0, nil},
		{PartIDs, []string{"CallbackId", "ChannelArn", msg + "MessageId", msg + "SubChannelId"}},
		{PartContent, []string{msg + "Content"}},
		{PartMetadata, []string{msg + "Metadata"}},
		{PartPushNotification, []string{msg + "PushNotification.Title"}},
		{PartMessageAttributes, []string{msg + `MessageAttributes[""]`}},
		{PartContentType, []string{msg + "ContentType"}},
		{PartContent | PartMetadata, []string{msg + "Content", msg + "Metadata"}},
		{AllParts, []string{"CallbackId", "ChannelArn", msg + "MessageId", msg + "Content", msg + "Metadata", msg + "PushNotification.Title",
			msg + `MessageAttributes[""]`, msg + "SubChannelId", msg + "ContentType"}},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, fields(t, CheckCallback(bad, tt.parts)), "parts %06b", tt.parts)
	}
	assert.Equal(t, []string{"input"}, fields(t, CheckCallback(nil, 0)))
	assert.Equal(t, []string{"ChannelMessage"}, fields(t, CheckCallback(&ChannelFlowCallbackInput{CallbackID: testCallbackID, ChannelArn: testChannelArn}, PartIDs)))
	assert.NoError(t, CheckCallback(&ChannelFlowCallbackInput{}, PartContent), "no message, no content to check")
}

// TestLineBreakAndInvalidUTF8 checks the two scanners against a rune by
// rune reading.
func TestLineBreakAndInvalidUTF8(t *testing.T) {
	samples := []string{"", "plain", "a\nb", "\r", "é\u0085", "\u2028", "x\u2029", "\u0084\u2027\u202a", "\xc2", "\xe2\x80", "\xe2\x80\xa8",
		"語\r\n", "…’—\u2029", strings.Repeat("é", 600) + "\n", "\xff\n", "ok\xed\xa0\x80", strings.Repeat("a", 1000) + "\xc2\x85"}
	for _, s := range samples {
		wantBreak, wantBad := -1, -1
		for i, r := range s {
			if wantBreak < 0 && isLineTerminator(r) {
				wantBreak = i
			}
			if wantBad < 0 && r == utf8.RuneError && !strings.HasPrefix(s[i:], "\ufffd") {
				wantBad = i
			}
		}
		assert.Equal(t, wantBreak, LineBreak(s), "%q", s)
		assert.Equal(t, wantBad, invalidUTF8(s), "%q", s)
	}
}

// TestCheckCallbackAgreesWithModel compares CheckCallback with the
// service model's own shapes, patterns read as Java reads them, on the
// wire form of many requests.
func TestCheckCallbackAgreesWithModel(t *testing.T) {
	texts := []string{"", "a", "a\nb", "\u2028", "x\u0085", "\r", "é", "😀", "\x00", "\xff", strings.Repeat("é", 45), strings.Repeat("é", 46),
		strings.Repeat("t", 50), strings.Repeat("😀", 51), strings.Repeat("b", 150), strings.Repeat("語", 151), strings.Repeat("v", 512), strings.Repeat("ß", 513),
		strings.Repeat("n", 64), strings.Repeat("ñ", 65), strings.Repeat("m", 1024), strings.Repeat("é", 1025), "msg-1_A", "a/b", strings.Repeat("i", 128), strings.Repeat("i", 129)}
	for i, s := range texts {
		for j := range 8 {
			in := validCallback()
			m := in.ChannelMessage
			switch j {
			case 0:
				m.Metadata = s
			case 1:
				m.PushNotification = &PushNotificationConfiguration{Title: s, Body: texts[(i+3)%len(texts)]}
			case 2:
				m.MessageAttributes = map[string]MessageAttributeValue{s: {StringValues: []string{texts[(i+5)%len(texts)]}}}
			case 3:
				m.ContentType = s
			case 4:
				m.SubChannelID = s
			case 5:
				m.MessageID = s
			case 6:
				m.Content = s
			case 7:
				in.CallbackID = s + strings.Repeat("c", 32)
			}
			checkAgainstModel(t, in)
		}
	}
}

// FuzzCheckCallback holds CheckCallback to the model for any texts.
func FuzzCheckCallback(f *testing.F) {
	f.Add("cb-0123456789abcdef0123456789abcdef", "m-1", "hi", "{}", "t", "b", "DEFAULT", "n", "v", "s", "text/plain")
	f.Add("x", "a b", "", "a\nb", "a\u2028", "\xff", "LOUD", "", "", "a/b", strings.Repeat("c", 46))
	f.Fuzz(func(t *testing.T, callbackID, messageID, content, metadata, title, body, pushType, name, value, sub, contentType string) {
		in := &ChannelFlowCallbackInput{CallbackID: callbackID, ChannelArn: testChannelArn, ChannelMessage: &ChannelMessageCallback{
			MessageID: messageID, Content: content, Metadata: metadata, SubChannelID: sub, ContentType: contentType,
			PushNotification:  &PushNotificationConfiguration{Title: title, Body: body, Type: pushType},
			MessageAttributes: map[string]MessageAttributeValue{name: {StringValues: []string{value}}},
		}}
		checkAgainstModel(t, in)
	})
}

// checkAgainstModel compares CheckCallback's verdict on in with the
// model's: every string valid UTF-8 (encoding/json would change it), and
// the request body as sent meeting every shape, length, pattern and enum.
func checkAgainstModel(t *testing.T, in *ChannelFlowCallbackInput) {
	t.Helper()
	m := loadModel(t)
	valid := ValidARN(in.ChannelArn)
	cm := in.ChannelMessage
	texts := []string{in.CallbackID, cm.MessageID, cm.Content, cm.Metadata, cm.SubChannelID, cm.ContentType}
	if p := cm.PushNotification; p != nil {
		texts = append(texts, p.Title, p.Body, p.Type)
	}
	for _, s := range texts {
		valid = valid && utf8.ValidString(s)
	}
	for k, v := range in.ChannelMessage.MessageAttributes {
		valid = valid && utf8.ValidString(k)
		for _, s := range v.StringValues {
			valid = valid && utf8.ValidString(s)
		}
	}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	var body any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&body))
	problems := m.checkValue(m.op(t, OpChannelFlowCallback).Input.Shape, withPath(body, in.ChannelArn), "")
	valid = valid && len(problems) == 0
	err = CheckCallback(in, AllParts)
	if valid != (err == nil) {
		t.Fatalf("CheckCallback says %v, the model %v for %#v %#v", err, problems, in, in.ChannelMessage)
	}
}

// withPath adds the path's ChannelArn to a decoded request body, as the
// model's input shape has it.
func withPath(body any, channelArn string) any {
	obj := body.(map[string]any)
	obj["ChannelArn"] = channelArn
	return obj
}

// TestClientSkipsACheckedCallback: the client does not check again a
// request the context marks as checked, and checks any other.
func TestClientSkipsACheckedCallback(t *testing.T) {
	fs := newFakeServer(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{}`)
	})
	c := newTestClient(t, fs.URL)
	// Invalid on purpose: the mark is the caller's word that it was
	// checked, so the client sends it as it is.
	marked := validCallback()
	marked.ChannelMessage.Metadata = strings.Repeat("m", 1025)
	other := validCallback()
	other.ChannelMessage.Metadata = strings.Repeat("m", 1025)

	ctx := WithCheckedCallback(context.Background(), marked)
	assert.True(t, CallbackChecked(ctx, marked))
	assert.False(t, CallbackChecked(ctx, other))
	assert.False(t, CallbackChecked(context.Background(), marked))
	assert.False(t, CallbackChecked(ctx, nil))

	_, err := c.ChannelFlowCallback(ctx, marked)
	require.NoError(t, err)
	assert.Equal(t, 1, fs.count())

	_, err = c.ChannelFlowCallback(ctx, other)
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = c.ChannelFlowCallback(context.Background(), marked)
	assert.ErrorIs(t, err, ErrInvalidParams)
	_, err = c.ChannelFlowCallback(WithCheckedCallback(context.Background(), nil), nil)
	assert.ErrorIs(t, err, ErrInvalidParams)
	assert.Equal(t, 1, fs.count())
}

// BenchmarkValidARN measures ValidARN on a channel ARN.
func BenchmarkValidARN(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if !ValidARN(testChannelArn) {
			b.Fatal("invalid")
		}
	}
}

// FuzzValidARN holds ValidARN, which reads an ARN once by hand, to the
// model's ChimeArn pattern and lengths.
func FuzzValidARN(f *testing.F) {
	for _, s := range arnSamples() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		shape := loadModel(t).shape(t, "ChimeArn")
		re, err := modelRegexp(shape.Pattern)
		require.NoError(t, err)
		n := utf8.RuneCountInString(s)
		want := utf8.ValidString(s) && re.MatchString(s) && n >= MinARNLen && n <= MaxARNLen
		if got := ValidARN(s); got != want {
			t.Fatalf("ValidARN(%q) = %v, the model says %v", s, got, want)
		}
	})
}

// TestAttributeRef: an attribute is named by a digest of its name, never
// by the name: the name is what a sender wrote.
func TestAttributeRef(t *testing.T) {
	for name, want := range map[string]string{
		"a":    "#ca978112", // sha256("a") = ca978112ca1bbdca...
		"test": "#9f86d081",
		"":     `""`,
	} {
		assert.Equal(t, want, AttributeRef(name), "%q", name)
	}
	in := validCallback()
	in.ChannelMessage.MessageAttributes = map[string]MessageAttributeValue{"secret-name": {StringValues: []string{""}}}
	err := in.Validate()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
	assert.Contains(t, err.Error(), "MessageAttributes["+AttributeRef("secret-name")+"].StringValues[0]")
}
