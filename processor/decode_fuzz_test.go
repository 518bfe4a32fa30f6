package processor

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
)

// FuzzDecode holds Decode to what it promises, for any payload:
//
//   - an error is a *DecodeError matching ErrInvalidEvent;
//   - an Event is what json.Unmarshal decodes, but for the documented
//     repairs of Metadata (the same JSON value) and the push title (line
//     breaks made spaces);
//   - it is refused for a member set twice exactly when a reference walk
//     (json.Decoder tokens, written independently of inspect) finds one,
//     and the text faults it records are the ones the reference finds.
//
// Seeds: the bundled events and testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob("../testdata/events/*.json")
	for _, p := range paths {
		if strings.HasSuffix(p, ".golden.json") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		ev, err := Decode(payload)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || !errors.Is(err, ErrInvalidEvent) || !errors.Is(err, de.Kind) {
				t.Fatalf("error %v (%T) is not a DecodeError of its kind", err, err)
			}
			if de.Kind != ErrDuplicateKey {
				return
			}
		}
		body, offset := trimPayload(payload)
		var ref Event
		if uerr := json.Unmarshal(body, &ref); uerr != nil {
			if err == nil {
				t.Fatalf("Decode accepted what json.Unmarshal refuses: %v", uerr)
			}
			return
		}
		dup, faults := referenceInspect(t, body, offset)
		if dup != (err != nil) {
			t.Fatalf("duplicate: reference %v, Decode error %v", dup, err)
		}
		if err != nil {
			return
		}
		var got []textFault
		for _, r := range ev.repairs {
			if what, at, ok := strings.Cut(strings.TrimSuffix(r.What, " replaced by U+FFFD"), " at byte "); ok {
				n, _ := strconv.ParseInt(at, 10, 64)
				got = append(got, textFault{field: r.Field, offset: n, what: what})
			}
		}
		if !slices.Equal(got, faults) {
			t.Fatalf("text faults\n got %v\nwant %v", got, faults)
		}
		checkRepairs(t, ev, &ref)
	})
}

// checkRepairs compares ev with ref, json.Unmarshal's Event, allowing only
// the documented repairs.
func checkRepairs(t *testing.T, ev, ref *Event) {
	t.Helper()
	got, want := ev.ChannelMessage, ref.ChannelMessage
	if got.Metadata != want.Metadata {
		var a, b any
		if json.Unmarshal([]byte(got.Metadata), &a) != nil || json.Unmarshal([]byte(want.Metadata), &b) != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("metadata changed its JSON value: %q -> %q", want.Metadata, got.Metadata)
		}
		if strings.ContainsAny(got.Metadata, "\n\r\u0085\u2028\u2029") {
			t.Fatalf("metadata still breaks lines: %q", got.Metadata)
		}
	}
	if got.PushNotification != nil && want.PushNotification != nil && got.PushNotification.Title != want.PushNotification.Title {
		title := strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\u0085", " ", "\u2028", " ", "\u2029", " ").Replace(want.PushNotification.Title)
		if got.PushNotification.Title != title {
			t.Fatalf("push title %q -> %q", want.PushNotification.Title, got.PushNotification.Title)
		}
		p := *got.PushNotification
		p.Title = want.PushNotification.Title
		got.PushNotification = &p
	}
	got.Metadata = want.Metadata
	ev2 := *ev
	ev2.ChannelMessage, ev2.repairs = got, nil
	if !reflect.DeepEqual(&ev2, ref) {
		t.Fatalf("Decode and json.Unmarshal differ beyond the repairs:\n%#v\n%#v", ev2, *ref)
	}
}

// referenceSchema is the Event's shape as a table: the members of each
// struct, by path ("[]" for a map's values).
var referenceSchema = map[string][]string{
	"":                                   {"EventType", "CallbackId", "ChannelMessage"},
	"ChannelMessage":                     {"MessageId", "ChannelArn", "Content", "Metadata", "Sender", "Persistence", "Type", "CreatedTimestamp", "LastEditedTimestamp", "PushNotification", "MessageAttributes", "SubChannelId", "ContentType", "Target"},
	"ChannelMessage.Sender":              {"Arn", "Name"},
	"ChannelMessage.PushNotification":    {"Title", "Body", "Type"},
	"ChannelMessage.MessageAttributes[]": {"StringValues"},
	"ChannelMessage.Target[]":            {"MemberArn"},
}

// referenceMap is the path of the map.
const referenceMap = "ChannelMessage.MessageAttributes"

// referenceLists are the paths of the lists: of strings, and of objects.
var referenceLists = map[string]bool{"ChannelMessage.MessageAttributes[].StringValues": true, "ChannelMessage.Target": true}

// TestEventShape ties the shape inspect reads from the Event type to the
// reference schema FuzzDecode uses.
func TestEventShape(t *testing.T) {
	got := map[string][]string{}
	var walk func(path string, n *node)
	walk = func(path string, n *node) {
		switch n.kind {
		case nodeObject:
			for _, f := range n.fields {
				got[path] = append(got[path], f.name)
				p := f.name
				if path != "" {
					p = path + "." + f.name
				}
				walk(p, f.node)
			}
		case nodeMap:
			assert.Equal(t, referenceMap, path)
			walk(path+"[]", n.elem)
		case nodeList:
			assert.True(t, referenceLists[path], path)
			walk(path+"[]", n.elem)
		}
	}
	walk("", eventShape)
	assert.Equal(t, referenceSchema, got)
}

// referenceInspect walks body with json.Decoder's tokens and returns
// whether a member of the Event is set twice and the text faults (invalid
// UTF-8, unpaired surrogate escapes) of the strings that decode into it.
func referenceInspect(t *testing.T, body []byte, base int64) (dup bool, faults []textFault) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	type frame struct {
		path    string // schema path of the container ("" for the event)
		field   string // path of the container in messages
		object  bool
		known   bool // the container decodes into the Event
		keys    []string
		key     string // the key whose value comes next
		keyOK   bool   // key is a member of the Event (a field, or any map key)
		wantKey bool
		index   int
	}
	stack := []*frame{}
	var prev int64
	// child returns the schema path and message path of the value about
	// to be read in the top frame, and whether it decodes into the Event.
	child := func() (string, string, bool) {
		if len(stack) == 0 {
			return "", "", true
		}
		top := stack[len(stack)-1]
		if !top.known {
			return "", "", false
		}
		switch {
		case top.object && top.path == referenceMap:
			return referenceMap + "[]", top.field + "[" + refQuote(top.key) + "]", true
		case top.object:
			return join(top.path, top.key), join(top.field, top.key), true
		default:
			return top.path + "[]", top.field + "[" + strconv.Itoa(top.index) + "]", true
		}
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return dup, faults
		}
		require.NoError(t, err)
		end := dec.InputOffset()
		raw := body[prev:end]
		prev = end
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if key, isKey := tok.(string); isKey && top != nil && top.object && top.wantKey {
			top.wantKey = false
			if !top.known {
				continue
			}
			if top.path == referenceMap {
				if slices.Contains(top.keys, key) {
					return true, faults
				}
				top.keys = append(top.keys, key)
				top.key, top.keyOK = key, true
				if w, at := refFault(raw); w != "" {
					faults = append(faults, textFault{field: top.field + "[" + refQuote(key) + "]", offset: base + prev - int64(len(raw)) + int64(at), what: w})
				}
				continue
			}
			name := ""
			for _, f := range referenceSchema[top.path] {
				if f == key {
					name = f
				}
			}
			for _, f := range referenceSchema[top.path] {
				if name == "" && strings.EqualFold(f, key) {
					name = f
				}
			}
			top.key, top.keyOK = name, name != ""
			if name == "" {
				continue
			}
			if slices.Contains(top.keys, name) {
				return true, faults
			}
			top.keys = append(top.keys, name)
			continue
		}
		path, field, known := child()
		known = known && (top == nil || !top.object || top.keyOK)
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				_, isStruct := referenceSchema[path]
				k := known && (v == '{' && (isStruct || path == referenceMap) || v == '[' && referenceLists[path])
				stack = append(stack, &frame{path: path, field: field, object: v == '{', known: k, wantKey: v == '{'})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		case string:
			if known {
				if w, at := refFault(raw); w != "" {
					faults = append(faults, textFault{field: field, offset: base + prev - int64(len(raw)) + int64(at), what: w})
				}
			}
		}
		// A value ended: the container wants its next key or element.
		if len(stack) > 0 {
			top := stack[len(stack)-1]
			if top.object {
				top.wantKey, top.keyOK = true, false
			} else {
				top.index++
			}
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// refQuote names an attribute in a field path: by a digest of its name.
func refQuote(key string) string { return messaging.AttributeRef(key) }

// refFault reads raw, the text of one token with what came before it since
// the last token (separators and white space), and returns the first
// invalid UTF-8 byte, else the first unpaired surrogate escape, with its
// offset in raw.
func refFault(raw []byte) (string, int) {
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && size == 1 {
			return "invalid UTF-8", i
		}
		i += size
	}
	pendingHigh := -1
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			if pendingHigh >= 0 {
				return "an unpaired surrogate escape", pendingHigh
			}
			continue
		}
		i++
		if raw[i] != 'u' {
			if pendingHigh >= 0 {
				return "an unpaired surrogate escape", pendingHigh
			}
			continue
		}
		n, _ := strconv.ParseUint(string(raw[i+1:i+5]), 16, 32)
		switch {
		case n >= 0xD800 && n < 0xDC00:
			if pendingHigh >= 0 {
				return "an unpaired surrogate escape", pendingHigh
			}
			pendingHigh = i - 1
		case n >= 0xDC00 && n < 0xE000:
			if pendingHigh < 0 {
				return "an unpaired surrogate escape", i - 1
			}
			pendingHigh = -1
		default:
			if pendingHigh >= 0 {
				return "an unpaired surrogate escape", pendingHigh
			}
		}
		i += 4
	}
	if pendingHigh >= 0 {
		return "an unpaired surrogate escape", pendingHigh
	}
	return "", -1
}
