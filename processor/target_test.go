package processor_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
)

func TestDecodeTarget(t *testing.T) {
	const arn = "arn:aws:chime:us-east-1:111122223333:app-instance/a/user/bob"
	for _, tc := range []struct {
		name     string
		target   string // the JSON of ChannelMessage.Target, "" for none
		want     processor.TargetList
		repaired []string // fields Decode repaired
		err      error
	}{
		{name: "absent"},
		{name: "null", target: `null`},
		{name: "empty list", target: `[]`, want: processor.TargetList{}},
		{name: "one", target: `[{"MemberArn":"` + arn + `"}]`, want: processor.TargetList{{MemberArn: arn}}},
		{name: "one object", target: `{"MemberArn":"` + arn + `"}`, want: processor.TargetList{{MemberArn: arn}}},
		{name: "keys in another case", target: `[{"memberArn":"` + arn + `"}]`, want: processor.TargetList{{MemberArn: arn}}},
		{name: "unknown members", target: `[{"MemberArn":"` + arn + `","Kind":"user"}]`, want: processor.TargetList{{MemberArn: arn}}},
		{name: "invalid UTF-8", target: "[{\"MemberArn\":\"" + arn + "\xff\"}]", want: processor.TargetList{{MemberArn: arn + "\uFFFD"}},
			repaired: []string{"ChannelMessage.Target[0].MemberArn"}},
		{name: "a string", target: `"` + arn + `"`, err: processor.ErrWrongType},
		{name: "a number", target: `[1]`, err: processor.ErrWrongType},
		{name: "a member twice", target: `[{"MemberArn":"a","MemberArn":"b"}]`, err: processor.ErrDuplicateKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload := `{"EventType":"CHANNEL_MESSAGE_EVENT","CallbackId":"00000000-1111-2222-3333-444444444444","ChannelMessage":{` +
				`"MessageId":"m1","ChannelArn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/channel/c","Content":"hi",` +
				`"Sender":{"Arn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/user/alice"}`
			if tc.target != "" {
				payload += `,"Target":` + tc.target
			}
			payload += `}}`
			ev, err := processor.Decode([]byte(payload))
			if tc.err != nil {
				require.Error(t, err)
				assert.True(t, errors.Is(err, tc.err), "%v", err)
				return
			}
			require.NoError(t, err)
			cm := &ev.ChannelMessage
			assert.Equal(t, tc.want, cm.Target)
			assert.Equal(t, len(tc.want) > 0, cm.Targeted())
			if len(tc.want) > 0 {
				assert.Equal(t, tc.want[0].MemberArn, cm.TargetArn())
			} else {
				assert.Empty(t, cm.TargetArn())
			}
			var fields []string
			for _, r := range ev.Repairs() {
				fields = append(fields, r.Field)
			}
			assert.Equal(t, tc.repaired, fields)
			require.NoError(t, ev.Validate(), "a target is not the callback's: it never makes the event invalid")
			out := processor.NewPipeline().Run(t.Context(), ev)
			assert.Equal(t, processor.ActionAllow, out.Action, "a repaired target changes nothing the callback sends")
			assert.Equal(t, cm.Targeted(), out.Message.Targeted())
			assert.Equal(t, cm.TargetArn(), out.Message.Target())
		})
	}
}

func TestContentTypeLex(t *testing.T) {
	for ct, want := range map[string]bool{
		processor.ContentTypeLex: true, processor.ContentTypeLexError: true,
		"": false, "text/markdown": false, "application/amz-chime-lex-msgs ": false, "APPLICATION/AMZ-CHIME-LEX-MSGS": false,
	} {
		cm := processor.ChannelMessage{ContentType: ct}
		assert.Equal(t, want, cm.IsLex(), "%q", ct)
	}
}
