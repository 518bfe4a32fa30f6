package processor

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
)

// decodeStdlib is Decode as it was before decodeFast: the reference the
// differential tests and benchmarks compare with.
func decodeStdlib(payload []byte) (*Event, error) {
	object, err := jsonObject(payload)
	if err != nil {
		return nil, err
	}
	return unmarshalStdlib(object)
}

// unmarshalStdlib is encoding/json.Unmarshal into a new Event, with its
// error mapped as Decode maps it.
func unmarshalStdlib(data []byte) (*Event, error) {
	ev := new(Event)
	if err := json.Unmarshal(data, ev); err != nil {
		return nil, malformed(err)
	}
	return ev, nil
}

// sameDecode reports how two decodings differ, or "".
func sameDecode(got *Event, gotErr error, want *Event, wantErr error) string {
	switch {
	case (gotErr == nil) != (wantErr == nil):
		return fmt.Sprintf("error %v, want %v", gotErr, wantErr)
	case gotErr != nil:
		if !reflect.DeepEqual(gotErr, wantErr) {
			return fmt.Sprintf("error %#v (%v),\nwant %#v (%v)", gotErr, gotErr, wantErr, wantErr)
		}
	case !reflect.DeepEqual(got, want):
		return fmt.Sprintf("event\n%#v\nwant\n%#v", got, want)
	}
	return ""
}

// checkDifferential decodes data every way and fails t where the fast
// decoder and encoding/json disagree: Decode against the old Decode, and
// decodeEvent (both string policies) against json.Unmarshal on the
// untrimmed bytes, whatever their top-level kind.
func checkDifferential(t testing.TB, data []byte) {
	t.Helper()
	in := bytes.Clone(data)
	got, gotErr := Decode(data)
	want, wantErr := decodeStdlib(data)
	if diff := sameDecode(got, gotErr, want, wantErr); diff != "" {
		t.Fatalf("Decode(%q): %s", data, diff)
	}
	want, wantErr = unmarshalStdlib(data)
	for _, shared := range []bool{true, false} {
		got, gotErr := decodeEvent(data, shared)
		if diff := sameDecode(got, gotErr, want, wantErr); diff != "" {
			t.Fatalf("decodeEvent(%q, shared=%v): %s", data, shared, diff)
		}
	}
	if !bytes.Equal(in, data) {
		t.Fatal("the decoder changed its input")
	}
}

// fixtures returns the bundled event fixtures (not their golden files).
func fixtures(tb testing.TB) map[string][]byte {
	tb.Helper()
	paths, err := filepath.Glob("../testdata/events/*.json")
	require.NoError(tb, err)
	out := map[string][]byte{}
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(p)
		require.NoError(tb, err)
		out[strings.TrimSuffix(filepath.Base(p), ".json")] = b
	}
	require.NotEmpty(tb, out, "no fixtures found")
	return out
}

type fastCase struct {
	name string
	in   string
	want func(*Event) // builds the expected event from an empty one; nil when an error is expected
	err  *DecodeError
}

func wrongType(field, detail string) *DecodeError {
	return &DecodeError{Kind: ErrWrongType, Field: field, Detail: detail}
}

func syntax(offset int64, detail string) *DecodeError {
	return &DecodeError{Kind: ErrMalformedJSON, Offset: offset, Detail: detail}
}

func deep(depth int) string {
	return `{"x":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + "}"
}

// fastCases are the corners of encoding/json the fast decoder mirrors,
// each with what encoding/json gives for it.
func fastCases() []fastCase {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return tm.UTC()
	}
	return []fastCase{
		// Strings.
		{name: "escapes", in: `{"ChannelMessage":{"Content":"a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00\u0000"}}`,
			want: func(e *Event) { e.ChannelMessage.Content = "a\"b\\c/d\b\f\n\r\té€😀\x00" }},
		{name: "unpaired surrogates", in: `{"EventType":"\ud800|\udc00|\ud800x|\ud800\u0041|\udc00\ud800\udc00|\ud83d"}`,
			want: func(e *Event) { e.EventType = "\uFFFD|\uFFFD|\uFFFDx|\uFFFDA|\uFFFD\U00010000|\uFFFD" }},
		{name: "high surrogate then escape", in: `{"EventType":"\ud800\n"}`,
			want: func(e *Event) { e.EventType = "\uFFFD\n" }},
		{name: "invalid UTF-8", in: "{\"EventType\":\"a\xffb\xed\xa0\x80c\xe2\x82\",\"CallbackId\":\"\xc0\xaf\"}",
			want: func(e *Event) { e.EventType, e.CallbackID = "a\uFFFDb\uFFFD\uFFFD\uFFFDc\uFFFD\uFFFD", "\uFFFD\uFFFD" }},
		{name: "invalid UTF-8 and escape", in: "{\"EventType\":\"\\t\xff\"}",
			want: func(e *Event) { e.EventType = "\t\uFFFD" }},
		{name: "valid UTF-8 and U+FFFD kept", in: "{\"EventType\":\"héllo \xef\xbf\xbd 😀 0123456789\"}",
			want: func(e *Event) { e.EventType = "héllo \uFFFD 😀 0123456789" }},
		{name: "long string with late escape", in: `{"EventType":"` + strings.Repeat("abcdefgh", 9) + `\"x"}`,
			want: func(e *Event) { e.EventType = strings.Repeat("abcdefgh", 9) + `"x` }},
		{name: "empty strings", in: `{"EventType":"","ChannelMessage":{"Content":""}}`, want: func(*Event) {}},
		// Keys.
		{name: "keys fold case", in: `{"eventtype":"a","CALLBACKID":"b","channelMESSAGE":{"content":"c","sender":{"ARN":"d"},"pushnotification":{"title":"t"}}}`,
			want: func(e *Event) {
				e.EventType, e.CallbackID, e.ChannelMessage.Content, e.ChannelMessage.Sender.Arn = "a", "b", "c", "d"
				e.ChannelMessage.PushNotification = &messaging.PushNotificationConfiguration{Title: "t"}
			}},
		{name: "keys fold Unicode", in: `{"Callbac` + "\u212a" + `Id":"kelvin","ChannelMe` + "\u017f\u017f" + `age":{"ContentType":"long s"}}`,
			want: func(e *Event) { e.CallbackID, e.ChannelMessage.ContentType = "kelvin", "long s" }},
		{name: "escaped keys", in: `{"Event\u0054ype":"a","\u0063allbackid":"b","Callbac\u212aId":"c"}`,
			want: func(e *Event) { e.EventType, e.CallbackID = "a", "c" }},
		{name: "near-miss keys skipped", in: `{"EventTyp":"a","EventTypes":"b","Event Type":"c","EventType\u0000":"d","ChannelMessage":{"Type ":"x","MessageID":"m"}}`,
			want: func(e *Event) { e.ChannelMessage.MessageID = "m" }},
		{name: "duplicate keys last wins", in: `{"EventType":"a","eventType":"b","ChannelMessage":{"Content":"x","CONTENT":"y"}}`,
			want: func(e *Event) { e.EventType, e.ChannelMessage.Content = "b", "y" }},
		{name: "unknown keys skipped", in: `{"Unknown":{"a":[1,-2.5e+3,true,false,null,{"b":{}},[]],"c":"\u0041"},"EventType":"e","More":[[[{}]]],"Z":-0}`,
			want: func(e *Event) { e.EventType = "e" }},
		// Null.
		{name: "null leaves strings and structs", in: `{"EventType":"a","EventType":null,"ChannelMessage":{"Sender":{"Arn":"s"},"Sender":null},"ChannelMessage":null}`,
			want: func(e *Event) { e.EventType, e.ChannelMessage.Sender.Arn = "a", "s" }},
		{name: "null clears pointer map slice timestamp", in: `{"ChannelMessage":{"PushNotification":{"Title":"t"},"PushNotification":null,
			"MessageAttributes":{"a":{}},"MessageAttributes":null,"CreatedTimestamp":"2024-05-01T12:00:00Z","CreatedTimestamp":null}}`,
			want: func(*Event) {}},
		{name: "null top level", in: `null`, want: func(*Event) {}},
		{name: "null elements and values", in: `{"ChannelMessage":{"MessageAttributes":{"a":null,"b":{"StringValues":null},"c":{"StringValues":[null,"x",null]}}}}`,
			want: func(e *Event) {
				e.ChannelMessage.MessageAttributes = map[string]messaging.MessageAttributeValue{"a": {}, "b": {}, "c": {StringValues: []string{"", "x", ""}}}
			}},
		// Merging.
		{name: "structs and pointers merge", in: `{"ChannelMessage":{"Sender":{"Arn":"a"},"Sender":{"Name":"n"},"PushNotification":{"Title":"t"},"PushNotification":{"Body":"b"}}}`,
			want: func(e *Event) {
				e.ChannelMessage.Sender = Sender{Arn: "a", Name: "n"}
				e.ChannelMessage.PushNotification = &messaging.PushNotificationConfiguration{Title: "t", Body: "b"}
			}},
		{name: "maps merge, entries replace", in: `{"ChannelMessage":{"MessageAttributes":{"a":{"StringValues":["1"]},"b":{"StringValues":["2"]}},
			"MessageAttributes":{"b":{"Other":1},"c":{"StringValues":[]}},"MessageAttributes":{"a":{"StringValues":["3"]}, "\u00e9\ud800":{}}}}`,
			want: func(e *Event) {
				e.ChannelMessage.MessageAttributes = map[string]messaging.MessageAttributeValue{
					"a": {StringValues: []string{"3"}}, "b": {}, "c": {StringValues: []string{}}, "é\uFFFD": {},
				}
			}},
		{name: "slice reuses its backing array", in: `{"ChannelMessage":{"MessageAttributes":{"k":{"StringValues":["a","b","c"],"StringValues":["x"],"stringvalues":[null,null,null]}}}}`,
			want: func(e *Event) {
				e.ChannelMessage.MessageAttributes = map[string]messaging.MessageAttributeValue{"k": {StringValues: []string{"x", "b", "c"}}}
			}},
		{name: "slice grows past its old capacity", in: `{"ChannelMessage":{"MessageAttributes":{"k":{"StringValues":["a","b","c"],"StringValues":[],"StringValues":[null,null,null,null,null]}}}}`,
			want: func(e *Event) {
				e.ChannelMessage.MessageAttributes = map[string]messaging.MessageAttributeValue{"k": {StringValues: []string{"", "", "", "", ""}}}
			}},
		{name: "empty containers", in: `{"ChannelMessage":{"PushNotification":{},"MessageAttributes":{},"Sender":{}}}`,
			want: func(e *Event) {
				e.ChannelMessage.PushNotification = &messaging.PushNotificationConfiguration{}
				e.ChannelMessage.MessageAttributes = map[string]messaging.MessageAttributeValue{}
			}},
		// Timestamps.
		{name: "timestamps", in: `{"ChannelMessage":{"CreatedTimestamp":"2024-05-01T12:00:00.250+02:00","LastEditedTimestamp":1714564800.5}}`,
			want: func(e *Event) {
				e.ChannelMessage.CreatedTimestamp = Timestamp{Raw: "2024-05-01T12:00:00.250+02:00", Time: at("2024-05-01T10:00:00.25Z")}
				e.ChannelMessage.LastEditedTimestamp = Timestamp{Raw: "1714564800.5", Time: time.Unix(1714564800, 5e8).UTC()}
			}},
		{name: "timestamp odd numbers and strings", in: `{"ChannelMessage":{"CreatedTimestamp":-0,"LastEditedTimestamp":"not a time"}}`,
			want: func(e *Event) {
				e.ChannelMessage.CreatedTimestamp = Timestamp{Raw: "-0", Time: time.Unix(0, 0).UTC()}
				e.ChannelMessage.LastEditedTimestamp = Timestamp{Raw: "not a time"}
			}},
		{name: "timestamp negative exponent", in: `{"ChannelMessage":{"CreatedTimestamp":"x","CreatedTimestamp":1e-3}}`,
			want: func(e *Event) {
				e.ChannelMessage.CreatedTimestamp = Timestamp{Raw: "1e-3", Time: time.Unix(0, 1e6).UTC()}
			}},
		{name: "timestamp negative exponent string", in: `{"ChannelMessage":{"CreatedTimestamp":"1e-3"}}`,
			want: func(e *Event) {
				e.ChannelMessage.CreatedTimestamp = Timestamp{Raw: "1e-3", Time: time.Unix(0, 1e6).UTC()}
			}},
		{name: "timestamp misplaced sign", in: `{"ChannelMessage":{"CreatedTimestamp":"1-3"}}`,
			want: func(e *Event) { e.ChannelMessage.CreatedTimestamp = Timestamp{Raw: "1-3"} }},
		{name: "timestamp escaped", in: `{"ChannelMessage":{"CreatedTimestamp":"\u0031714564800123"}}`,
			want: func(e *Event) {
				e.ChannelMessage.CreatedTimestamp = Timestamp{Raw: "1714564800123", Time: time.UnixMilli(1714564800123).UTC()}
			}},
		{name: "white space everywhere", in: " \t\r\n{ \"EventType\" :\n\"a\" , \"ChannelMessage\" : { \"MessageAttributes\" : { \"k\" : { \"StringValues\" : [ \"v\" , \"w\" ] } } } } \n",
			want: func(e *Event) {
				e.EventType = "a"
				e.ChannelMessage.MessageAttributes = map[string]messaging.MessageAttributeValue{"k": {StringValues: []string{"v", "w"}}}
			}},
		// Type errors.
		{name: "number for string", in: `{"ChannelMessage":{"Content":1}}`, err: wrongType("ChannelMessage.Content", "got JSON number, want string")},
		{name: "folded key reports the field name", in: `{"channelmessage":{"sender":{"arn":true}}}`, err: wrongType("ChannelMessage.Sender.Arn", "got JSON bool, want string")},
		{name: "first type error wins", in: `{"EventType":1,"CallbackId":true}`, err: wrongType("EventType", "got JSON number, want string")},
		{name: "type error then valid duplicate", in: `{"EventType":1,"EventType":"ok"}`, err: wrongType("EventType", "got JSON number, want string")},
		{name: "timestamp error beats an earlier one", in: `{"EventType":1,"ChannelMessage":{"CreatedTimestamp":true}}`,
			err: wrongType("ChannelMessage.CreatedTimestamp", "got JSON bool, want string or number")},
		{name: "first timestamp error wins", in: `{"ChannelMessage":{"LastEditedTimestamp":[],"CreatedTimestamp":{}},"CallbackId":{}}`,
			err: wrongType("ChannelMessage.LastEditedTimestamp", "got JSON array, want string or number")},
		{name: "syntax error beats type errors", in: `{"EventType":1,"ChannelMessage":{"CreatedTimestamp":true}} x`,
			err: syntax(60, "invalid character 'x' after top-level value")},
		{name: "string for struct", in: `{"ChannelMessage":"x"}`, err: wrongType("ChannelMessage", "got JSON string, want object")},
		{name: "array for struct", in: `{"ChannelMessage":{"Sender":[1]}}`, err: wrongType("ChannelMessage.Sender", "got JSON array, want object")},
		{name: "array for pointer", in: `{"ChannelMessage":{"PushNotification":[]}}`, err: wrongType("ChannelMessage.PushNotification", "got JSON array, want object")},
		{name: "push field", in: `{"ChannelMessage":{"PushNotification":{"Type":{}}}}`, err: wrongType("ChannelMessage.PushNotification.Type", "got JSON object, want string")},
		{name: "array for map", in: `{"ChannelMessage":{"MessageAttributes":[]}}`, err: wrongType("ChannelMessage.MessageAttributes", "got JSON array, want object")},
		{name: "string for map value", in: `{"ChannelMessage":{"MessageAttributes":{"a":"x"}}}`, err: wrongType("ChannelMessage.MessageAttributes", "got JSON string, want object")},
		{name: "string for slice", in: `{"ChannelMessage":{"MessageAttributes":{"a":{"StringValues":"x"}}}}`,
			err: wrongType("ChannelMessage.MessageAttributes.StringValues", "got JSON string, want array")},
		{name: "number in slice", in: `{"ChannelMessage":{"MessageAttributes":{"a":{"StringValues":["x",2]}}}}`,
			err: wrongType("ChannelMessage.MessageAttributes.StringValues", "got JSON number, want string")},
		{name: "top level string", in: `"x"`, err: wrongType("(top level)", "got JSON string, want object")},
		{name: "top level array", in: `[{}]`, err: wrongType("(top level)", "got JSON array, want object")},
		// Syntax errors, with encoding/json's offsets.
		{name: "empty input", in: ``, err: syntax(0, "unexpected end of JSON input")},
		{name: "truncated object", in: `{"EventType":"a"`, err: syntax(16, "unexpected end of JSON input")},
		{name: "truncated string", in: `{"EventType":"a`, err: syntax(15, "unexpected end of JSON input")},
		{name: "truncated literal", in: `{"a":tru`, err: syntax(8, "invalid character ' ' in literal true (expecting 'e')")},
		{name: "truncated number", in: `{"a":-`, err: syntax(6, "invalid character ' ' in numeric literal")},
		{name: "truncated fraction", in: `{"a":1.`, err: syntax(7, "invalid character ' ' after decimal point in numeric literal")},
		{name: "truncated exponent", in: `{"a":1e+`, err: syntax(8, "invalid character ' ' in exponent of numeric literal")},
		{name: "truncated escape", in: `{"a":"\`, err: syntax(7, "invalid character ' ' in string escape code")},
		{name: "truncated unicode escape", in: `{"a":"\u12`, err: syntax(10, `invalid character ' ' in \u hexadecimal character escape`)},
		{name: "truncated after number", in: `{"a":12`, err: syntax(7, "unexpected end of JSON input")},
		{name: "bad escape", in: `{"a":"\x"}`, err: syntax(8, "invalid character 'x' in string escape code")},
		{name: "bad unicode escape", in: `{"a":"\u12G4"}`, err: syntax(11, `invalid character 'G' in \u hexadecimal character escape`)},
		{name: "control character", in: "{\"a\":\"x\ny\"}", err: syntax(8, `invalid character '\n' in string literal`)},
		{name: "leading zero", in: `{"a":01}`, err: syntax(7, "invalid character '1' after object key:value pair")},
		{name: "bad literal", in: `{"a":nul}`, err: syntax(9, "invalid character '}' in literal null (expecting 'l')")},
		{name: "missing colon", in: `{"a" 1}`, err: syntax(6, "invalid character '1' after object key")},
		{name: "trailing comma in object", in: `{"a":1,}`, err: syntax(8, "invalid character '}' looking for beginning of object key string")},
		{name: "trailing comma in array", in: `{"a":[1,]}`, err: syntax(9, "invalid character ']' looking for beginning of value")},
		{name: "bad array separator", in: `{"a":[1:]}`, err: syntax(8, "invalid character ':' after array element")},
		{name: "missing value", in: `{"a":}`, err: syntax(6, "invalid character '}' looking for beginning of value")},
		{name: "single quote key", in: `{'a':1}`, err: syntax(2, `invalid character '\'' looking for beginning of object key string`)},
		{name: "quote after value", in: `{"a":1"b":2}`, err: syntax(7, `invalid character '"' after object key:value pair`)},
		{name: "non-ASCII byte", in: "{\"a\":\xc3\xa9}", err: syntax(6, "invalid character 'Ã' looking for beginning of value")},
		{name: "trailing garbage", in: `{}}`, err: syntax(3, "invalid character '}' after top-level value")},
		{name: "syntax error in a known field", in: `{"ChannelMessage":{"MessageAttributes":{"a":{"StringValues":["x" "y"]}}}}`,
			err: syntax(66, "invalid character '\"' after array element")},
		{name: "syntax error after a timestamp error", in: `{"ChannelMessage":{"CreatedTimestamp":{},"Content":tru}}`,
			err: syntax(55, "invalid character '}' in literal true (expecting 'e')")},
		{name: "max depth", in: deep(maxNestingDepth), want: func(*Event) {}},
		{name: "beyond max depth", in: deep(maxNestingDepth + 1), err: syntax(maxNestingDepth+5, "invalid character '[' exceeded max depth")},
	}
}

// TestDecodeFastCorners checks each corner against what encoding/json gives
// and against the expectation written down in the case.
func TestDecodeFastCorners(t *testing.T) {
	for _, tc := range fastCases() {
		t.Run(tc.name, func(t *testing.T) {
			checkDifferential(t, []byte(tc.in))
			for _, shared := range []bool{true, false} {
				got, err := decodeEvent([]byte(tc.in), shared)
				if tc.want == nil {
					assert.Nil(t, got)
					assert.Equal(t, tc.err, err)
					continue
				}
				require.NoError(t, err)
				want := new(Event)
				tc.want(want)
				assert.Equal(t, want, got)
			}
		})
	}
}

// TestDecodeFixtures decodes every bundled fixture both ways.
func TestDecodeFixtures(t *testing.T) {
	for name, b := range fixtures(t) {
		t.Run(name, func(t *testing.T) { checkDifferential(t, b) })
	}
}

// eventLeaf is a field of Event the fast decoder fills: its JSON keys from
// the top ("" stands for a MessageAttributes entry name) and its Go type.
type eventLeaf struct {
	keys []string
	typ  reflect.Type
}

// eventLeaves walks the Event type as encoding/json sees it.
func eventLeaves(t *testing.T) []eventLeaf {
	var leaves []eventLeaf
	var walk func(tp reflect.Type, keys []string)
	walk = func(tp reflect.Type, keys []string) {
		if tp == timestampType || tp.Kind() == reflect.String || tp.Kind() == reflect.Slice {
			leaves = append(leaves, eventLeaf{keys: keys, typ: tp})
			return
		}
		if reflect.PointerTo(tp).Implements(reflect.TypeFor[json.Unmarshaler]()) ||
			reflect.PointerTo(tp).Implements(reflect.TypeFor[encoding.TextUnmarshaler]()) {
			t.Errorf("%v unmarshals itself: teach decode_fast.go", tp)
		}
		switch tp.Kind() {
		case reflect.Pointer:
			walk(tp.Elem(), keys)
		case reflect.Map:
			walk(tp.Elem(), append(slices.Clone(keys), ""))
		case reflect.Struct:
			for i := range tp.NumField() {
				f := tp.Field(i)
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				walk(f.Type, append(slices.Clone(keys), name))
			}
		default:
			t.Errorf("unexpected %v in Event", tp)
		}
	}
	walk(reflect.TypeFor[Event](), nil)
	return leaves
}

// TestDecodeFastKnowsEventShape fails when Event changes: the fast decoder
// is written for this exact shape and must change with it.
func TestDecodeFastKnowsEventShape(t *testing.T) {
	var got []string
	for _, l := range eventLeaves(t) {
		got = append(got, strings.Join(l.keys, ".")+" "+l.typ.String())
	}
	want := []string{
		"EventType string", "CallbackId string",
		"ChannelMessage.MessageId string", "ChannelMessage.ChannelArn string", "ChannelMessage.Content string",
		"ChannelMessage.Metadata string", "ChannelMessage.Sender.Arn string", "ChannelMessage.Sender.Name string",
		"ChannelMessage.Persistence string", "ChannelMessage.Type string",
		"ChannelMessage.CreatedTimestamp processor.Timestamp", "ChannelMessage.LastEditedTimestamp processor.Timestamp",
		"ChannelMessage.PushNotification.Title string", "ChannelMessage.PushNotification.Body string",
		"ChannelMessage.PushNotification.Type string", "ChannelMessage.MessageAttributes..StringValues []string",
		"ChannelMessage.SubChannelId string", "ChannelMessage.ContentType string",
	}
	assert.Equal(t, want, got)
}

// TestDecodeFastFieldKeys sets every field through its key as written, in
// lower case and in upper case, and through a wrong type: each must land
// where encoding/json puts it.
func TestDecodeFastFieldKeys(t *testing.T) {
	build := func(keys []string, fold func(string) string, value string) string {
		var open, closing strings.Builder
		for _, k := range keys {
			if k == "" {
				k = "Entry"
			} else {
				k = fold(k)
			}
			open.WriteString(`{"` + k + `":`)
			closing.WriteString("}")
		}
		return open.String() + value + closing.String()
	}
	for _, l := range eventLeaves(t) {
		value := `"v"`
		switch {
		case l.typ == timestampType:
			value = `"2024-05-01T12:00:00Z"`
		case l.typ.Kind() == reflect.Slice:
			value = `["v"]`
		}
		t.Run(strings.Join(l.keys, "."), func(t *testing.T) {
			for _, fold := range []func(string) string{func(s string) string { return s }, strings.ToLower, strings.ToUpper} {
				in := build(l.keys, fold, value)
				checkDifferential(t, []byte(in))
				ev, err := decodeFast([]byte(in))
				require.NoError(t, err)
				assert.NotEqual(t, new(Event), ev, "%s set nothing", in)
				checkDifferential(t, []byte(build(l.keys, fold, "true")))
			}
		})
	}
}

// TestDecodeFastCopies checks that the event never aliases the payload,
// whichever string policy applies.
func TestDecodeFastCopies(t *testing.T) {
	for _, pad := range []int{0, sharedInputMax} {
		payload := []byte(`{"EventType":"abc","Pad":"` + strings.Repeat(" ", pad) + `","ChannelMessage":{"MessageAttributes":{"k":{"StringValues":["v"]}}}}`)
		ev, err := Decode(payload)
		require.NoError(t, err)
		for i := range payload {
			payload[i] = 'X'
		}
		assert.Equal(t, "abc", ev.EventType)
		assert.Equal(t, []string{"v"}, ev.ChannelMessage.MessageAttributes["k"].StringValues)
	}
}

// TestDecodeKeepsErrorTypes checks what callers of Decode rely on.
func TestDecodeKeepsErrorTypes(t *testing.T) {
	tests := []struct {
		in   string
		kind error
		msg  string
	}{
		{`{"ChannelMessage":{"Content":[]}}`, ErrWrongType, "decode event: wrong JSON type at ChannelMessage.Content: got JSON array, want string"},
		{`{"ChannelMessage":{"Content":"x"`, ErrMalformedJSON, "decode event: malformed JSON (byte 32): unexpected end of JSON input"},
	}
	for _, tt := range tests {
		ev, err := Decode([]byte(tt.in))
		assert.Nil(t, ev)
		assert.ErrorIs(t, err, ErrInvalidEvent)
		assert.ErrorIs(t, err, tt.kind)
		assert.EqualError(t, err, tt.msg)
	}
}

// fuzzFrames place a fuzzed value where each typed decoder reads it,
// after an earlier value of the same key where merging matters.
func fuzzFrames() [][2]string {
	return [][2]string{
		{`{"ChannelMessage":`, `}`},
		{`{"ChannelMessage":{"Content":"x","Content":`, `}}`},
		{`{"ChannelMessage":{"Sender":{"Arn":"a"},"Sender":`, `}}`},
		{`{"ChannelMessage":{"CreatedTimestamp":"2024-05-01T12:00:00Z","CreatedTimestamp":`, `}}`},
		{`{"ChannelMessage":{"PushNotification":{"Title":"t"},"PushNotification":`, `}}`},
		{`{"ChannelMessage":{"MessageAttributes":{"a":{}},"MessageAttributes":`, `}}`},
		{`{"ChannelMessage":{"MessageAttributes":{"a":{"StringValues":["p","q","r"],"StringValues":`, `}}}}`},
		{`{"Unknown":`, `}`},
	}
}

// FuzzDecodeDifferential checks that, for any payload, Decode gives what
// it gave with encoding/json: the same event or the same error (kind,
// field, offset and message), and the fast decoder gives what
// json.Unmarshal gives on the raw bytes; the same again with the payload
// framed as the value of each kind of field. Seeds: the bundled fixtures,
// the corner cases above and testdata/fuzz/FuzzDecodeDifferential.
func FuzzDecodeDifferential(f *testing.F) {
	for _, b := range fixtures(f) {
		f.Add(b)
	}
	for _, tc := range fastCases() {
		f.Add([]byte(tc.in))
	}
	frames := fuzzFrames()
	f.Fuzz(func(t *testing.T, payload []byte) {
		checkDifferential(t, payload)
		for _, fr := range frames {
			checkDifferential(t, slices.Concat([]byte(fr[0]), payload, []byte(fr[1])))
		}
	})
}

// benchmarkDecode decodes the fixtures BenchmarkHandle uses, and all of
// them (valid or not) in one go.
func benchmarkDecode(b *testing.B, decode func([]byte) (*Event, error)) {
	all := fixtures(b)
	for _, name := range []string{"new-plain", "push-notification", "message-attributes", "unicode-emoji", "content-4kb"} {
		payload := all[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if _, err := decode(payload); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	var payloads [][]byte
	size := 0
	for _, p := range all {
		payloads = append(payloads, p)
		size += len(p)
	}
	b.Run("all", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, p := range payloads {
				_, _ = decode(p)
			}
		}
	})
}

// BenchmarkDecodeFast measures Decode (the fast decoder); compare with
// BenchmarkDecodeStdlib in the same run:
//
//	go test ./processor -run '^$' -bench 'BenchmarkDecode(Fast|Stdlib)$' -count 6
func BenchmarkDecodeFast(b *testing.B) { benchmarkDecode(b, Decode) }

// BenchmarkDecodeStdlib measures Decode as it was, on encoding/json.
func BenchmarkDecodeStdlib(b *testing.B) { benchmarkDecode(b, decodeStdlib) }
