package processor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/internal/emfspec"
	"github.com/chimeflow/chimeflow/internal/testenv"
	"github.com/chimeflow/chimeflow/messaging/messagingtest"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/metrics"
	"github.com/chimeflow/chimeflow/processor/replay"
	"github.com/chimeflow/chimeflow/processor/trail"
	"github.com/chimeflow/chimeflow/processor/trail/ebsink"
	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/all" // every rule the bundled configurations name
)

// The marker test (issue 10, "Logs"; issue 11, "Done when"): a unique
// marker in every field a sender writes, in every bundled fixture, run
// through the handler under every bundled configuration with the metrics
// and the decision trail on. No marker may appear in a line written at
// info level or above, in a metrics document, in the error returned to
// Lambda (which aws-lambda-go logs), nor in a trail record unless the
// trail's content is enabled (and then only in its content).
//
// The fields a sender writes are those the service model marks sensitive
// in a message: Content, Metadata (its keys and values, when it is JSON),
// PushNotification Title and Body, MessageAttributes names and values,
// the sender's Name and ContentType; and the member a targeted message is
// for (Target MemberArn, whose id gets the marker). Ids the service assigns
// (message id, channel ARN, callback id, sender ARN, sub-channel id) are
// not.

// markerPrefix starts every marker; a marker is markerPrefix, 4 digits, 'x'.
const markerPrefix = "qzmk"

var markerPattern = regexp.MustCompile(markerPrefix + `[0-9]{4}x`)

// markers hands out markers and remembers where each was put.
type markers struct {
	n     int
	where map[string]string
}

func (m *markers) next(where string) string {
	m.n++
	s := fmt.Sprintf("%s%04dx", markerPrefix, m.n)
	m.where[s] = where
	return s
}

// markMode says which of a sender's strings get a marker: values, or keys
// (attribute names, metadata keys), or the host names inside values.
// Marking all at once would change what rules look for; each mode leaves
// the rest as it is.
type markMode int

const (
	// markValues puts a marker and a space before every value.
	markValues markMode = iota
	// markKeys puts a marker before every attribute name and metadata key.
	markKeys
	// markHosts makes a marker the first label of every host name (or
	// anything that looks like one: a dotted word ending in letters) in
	// every value: a rule that quotes the host it matched quotes the
	// marker, and a deny list still matches it as a subdomain.
	markHosts
)

var markModes = []markMode{markValues, markKeys, markHosts}

func (m markMode) String() string { return [...]string{"values", "keys", "hosts"}[m] }

// hostLike finds host names in raw JSON string text.
var hostLike = regexp.MustCompile(`(?i)\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b`)

// markHostsIn puts a marker label before every host name in raw.
func markHostsIn(raw []byte, field string, mk func(string) string) []byte {
	return hostLike.ReplaceAllFunc(raw, func(h []byte) []byte {
		return append([]byte(mk(field+" host")+"."), h...)
	})
}

// markPayload returns payload with a marker put at the start of every
// sender-written string (followed by a space for values, so that words
// stay words), byte for byte otherwise: escapes, invalid UTF-8, duplicate
// keys, key case and truncation are kept. JSON metadata is marked inside
// (keys or string values at any depth) and written back as a JSON string.
func markPayload(payload []byte, mode markMode, mk func(field string) string) []byte {
	s := &marker{b: payload, mode: mode, mk: mk}
	s.value(nil)
	return append(s.out, s.b[s.i:]...)
}

type marker struct {
	b    []byte
	i    int
	out  []byte
	mode markMode
	mk   func(field string) string
	// metadata: the text is a metadata document: every key and string
	// value is the sender's.
	metadata bool
}

func (s *marker) ws() {
	for s.i < len(s.b) && strings.IndexByte(" \t\r\n", s.b[s.i]) >= 0 {
		s.out = append(s.out, s.b[s.i])
		s.i++
	}
}

// token returns the raw string token at s.i (quotes included) and moves
// past it; ok is false when it is not closed.
func (s *marker) token() (raw []byte, ok bool) {
	j := s.i + 1
	for j < len(s.b) {
		switch s.b[j] {
		case '\\':
			j += 2
			continue
		case '"':
			raw = s.b[s.i : j+1]
			s.i = j + 1
			return raw, true
		}
		j++
	}
	return nil, false
}

// is reports whether path is want, keys compared as encoding/json matches
// them ("*" matches any step).
func is(path []string, want ...string) bool {
	if len(path) != len(want) {
		return false
	}
	for i := range want {
		if want[i] != "*" && !strings.EqualFold(path[i], want[i]) {
			return false
		}
	}
	return true
}

func (s *marker) userValue(path []string) (field string, ok bool) {
	switch {
	case s.metadata:
		return "Metadata." + strings.Join(path, "."), true
	case is(path, "ChannelMessage", "Content"), is(path, "ChannelMessage", "PushNotification", "Title"),
		is(path, "ChannelMessage", "PushNotification", "Body"), is(path, "ChannelMessage", "Sender", "Name"),
		is(path, "ChannelMessage", "ContentType"), is(path, "ChannelMessage", "MessageAttributes", "*", "StringValues", "*"):
		return strings.Join(path[1:], "."), true
	}
	return "", false
}

func (s *marker) userKeys(path []string) (field string, ok bool) {
	switch {
	case s.metadata:
		return "Metadata key in " + strings.Join(path, "."), true
	case is(path, "ChannelMessage", "MessageAttributes"):
		return "MessageAttributes name", true
	}
	return "", false
}

// value copies one JSON value, marking what is the sender's. It stops
// (leaving the rest to be copied as it is) at anything unexpected.
func (s *marker) value(path []string) bool {
	s.ws()
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; c {
	case '{':
		s.out = append(s.out, c)
		s.i++
		for {
			s.ws()
			if s.i >= len(s.b) {
				return false
			}
			if s.b[s.i] == '}' {
				s.out = append(s.out, '}')
				s.i++
				return true
			}
			if s.b[s.i] != '"' {
				return false
			}
			raw, ok := s.token()
			if !ok {
				return false
			}
			var key string
			if json.Unmarshal(raw, &key) != nil {
				key = string(raw[1 : len(raw)-1])
			}
			if field, mine := s.userKeys(path); mine && s.mode == markKeys {
				s.out = append(s.out, '"')
				s.out = append(s.out, s.mk(field)...)
				s.out = append(s.out, raw[1:]...)
			} else {
				s.out = append(s.out, raw...)
			}
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return false
			}
			s.out = append(s.out, ':')
			s.i++
			if !s.value(append(path[:len(path):len(path)], key)) {
				return false
			}
			s.ws()
			if s.i >= len(s.b) {
				return false
			}
			switch s.b[s.i] {
			case ',':
				s.out = append(s.out, ',')
				s.i++
			case '}':
			default:
				return false
			}
		}
	case '[':
		s.out = append(s.out, c)
		s.i++
		for n := 0; ; n++ {
			s.ws()
			if s.i >= len(s.b) {
				return false
			}
			if s.b[s.i] == ']' {
				s.out = append(s.out, ']')
				s.i++
				return true
			}
			if !s.value(append(path[:len(path):len(path)], fmt.Sprint(n))) {
				return false
			}
			s.ws()
			if s.i < len(s.b) && s.b[s.i] == ',' {
				s.out = append(s.out, ',')
				s.i++
			}
		}
	case '"':
		raw, ok := s.token()
		if !ok {
			return false
		}
		if !s.metadata && is(path, "ChannelMessage", "Metadata") {
			s.out = append(s.out, s.markMetadata(raw)...)
			return true
		}
		if (is(path, "ChannelMessage", "Target", "*", "MemberArn") || is(path, "ChannelMessage", "Target", "MemberArn")) && s.mode == markValues {
			// The member the sender chose: the marker goes into the id
			// at the end of the ARN, which stays an ARN.
			i := bytes.LastIndexByte(raw, '/')
			if i < 0 {
				i = 0
			}
			s.out = append(s.out, raw[:i+1]...)
			s.out = append(s.out, s.mk("Target.MemberArn")...)
			s.out = append(s.out, raw[i+1:]...)
			return true
		}
		if field, mine := s.userValue(path); mine && s.mode == markValues {
			s.out = append(s.out, '"')
			s.out = append(s.out, s.mk(field)+" "...)
			s.out = append(s.out, raw[1:]...)
			return true
		} else if mine && s.mode == markHosts {
			s.out = append(s.out, markHostsIn(raw, field, s.mk)...)
			return true
		}
		s.out = append(s.out, raw...)
		return true
	default:
		// A number, true, false or null.
		j := s.i
		for j < len(s.b) && strings.IndexByte(",}] \t\r\n", s.b[j]) < 0 {
			j++
		}
		s.out = append(s.out, s.b[s.i:j]...)
		s.i = j
		return true
	}
}

// markMetadata marks the metadata string token raw: inside, when it is a
// JSON document; as a whole (values mode) when it is text.
func (s *marker) markMetadata(raw []byte) []byte {
	var text string
	if json.Unmarshal(raw, &text) != nil {
		return raw
	}
	if t := strings.TrimSpace(text); json.Valid([]byte(t)) && (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) {
		inner := &marker{b: []byte(text), mode: s.mode, mk: s.mk, metadata: true}
		inner.value(nil)
		b, _ := json.Marshal(string(append(inner.out, inner.b[inner.i:]...)))
		return b
	}
	switch s.mode {
	case markHosts:
		return markHostsIn(raw, "Metadata", s.mk)
	case markKeys:
		return raw
	}
	out := append([]byte{'"'}, s.mk("Metadata")+" "...)
	return append(out, raw[1:]...)
}

func TestMarkPayload(t *testing.T) {
	mk := func(field string) string { return "<" + field + ">" }
	tests := []struct {
		name, in string
		mode     markMode
		want     string
	}{
		{"values", `{"ChannelMessage":{"Content":"hi","MessageId":"m","Sender":{"Arn":"a","Name":"Al"}}}`, markValues,
			`{"ChannelMessage":{"Content":"<Content> hi","MessageId":"m","Sender":{"Arn":"a","Name":"<Sender.Name> Al"}}}`},
		{"keys in another case, escapes kept", `{"channelMessage":{"content":"a\u00e9\"b"}}`, markValues,
			`{"channelMessage":{"content":"<content> a\u00e9\"b"}}`},
		{"attributes", `{"ChannelMessage":{"MessageAttributes":{"k":{"StringValues":["v","w"]}}}}`, markValues,
			`{"ChannelMessage":{"MessageAttributes":{"k":{"StringValues":["<MessageAttributes.k.StringValues.0> v","<MessageAttributes.k.StringValues.1> w"]}}}}`},
		{"attribute names", `{"ChannelMessage":{"MessageAttributes":{"k":{"StringValues":["v"]}}}}`, markKeys,
			`{"ChannelMessage":{"MessageAttributes":{"<MessageAttributes name>k":{"StringValues":["v"]}}}}`},
		{"JSON metadata values", `{"ChannelMessage":{"Metadata":"{\"a\":\"b\",\"n\":1}"}}`, markValues,
			`{"ChannelMessage":{"Metadata":"{\"a\":\"\u003cMetadata.a\u003e b\",\"n\":1}"}}`},
		{"JSON metadata keys", `{"ChannelMessage":{"Metadata":"{\"a\":{\"b\":2}}"}}`, markKeys,
			`{"ChannelMessage":{"Metadata":"{\"\u003cMetadata key in \u003ea\":{\"\u003cMetadata key in a\u003eb\":2}}"}}`},
		{"text metadata", `{"ChannelMessage":{"Metadata":"note"}}`, markValues, `{"ChannelMessage":{"Metadata":"<Metadata> note"}}`},
		{"truncated", `{"ChannelMessage":{"Content":"hi","Meta`, markValues, `{"ChannelMessage":{"Content":"<Content> hi","Meta`},
		{"duplicate keys kept", `{"ChannelMessage":{"Content":"a","Content":"b"}}`, markValues,
			`{"ChannelMessage":{"Content":"<Content> a","Content":"<Content> b"}}`},
		{"not JSON", `hello`, markValues, `hello`},
		{"target", `{"ChannelMessage":{"Target":[{"MemberArn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/user/bob"}]}}`, markValues,
			`{"ChannelMessage":{"Target":[{"MemberArn":"arn:aws:chime:us-east-1:111122223333:app-instance/a/user/<Target.MemberArn>bob"}]}}`},
		{"hosts", `{"ChannelMessage":{"Content":"see https://bit.ly/x or a@b.example.com","Metadata":"{\"u\":\"evil.com\"}","MessageId":"m.example.com"}}`, markHosts,
			`{"ChannelMessage":{"Content":"see https://<Content host>.bit.ly/x or a@<Content host>.b.example.com","Metadata":"{\"u\":\"\u003cMetadata.u host\u003e.evil.com\"}","MessageId":"m.example.com"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(markPayload([]byte(tt.in), tt.mode, mk)))
		})
	}
}

// capture is the decision trail's EventBridge: it records every entry the
// trail sends, then forwards the request to moto's EventBridge when one
// runs, or answers every entry as accepted when none does (python3.11 is
// not on this machine, outside CI).
type capture struct {
	next ebsink.PutEventsAPI
	mu   sync.Mutex
	sent []ebtypes.PutEventsRequestEntry
}

func (c *capture) PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, optFns ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	c.mu.Lock()
	c.sent = append(c.sent, in.Entries...)
	c.mu.Unlock()
	if c.next != nil {
		return c.next.PutEvents(ctx, in, optFns...)
	}
	return acceptAll(in), nil
}

// acceptAll answers every entry of in as EventBridge does one it accepts.
func acceptAll(in *eventbridge.PutEventsInput) *eventbridge.PutEventsOutput {
	out := &eventbridge.PutEventsOutput{Entries: make([]ebtypes.PutEventsResultEntry, len(in.Entries))}
	for i := range out.Entries {
		out.Entries[i].EventId = aws.String(fmt.Sprintf("event-%d", i))
	}
	return out
}

func (c *capture) details() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, len(c.sent))
	for i, e := range c.sent {
		out[i] = aws.ToString(e.Detail)
	}
	c.sent = nil
	return out
}

// newTrail is a trail on opts.Bus, delivered by the EventBridge sink
// through api.
func newTrail(t *testing.T, api ebsink.PutEventsAPI, opts trail.Options) (*trail.Trail, error) {
	t.Helper()
	sink, err := ebsink.New(api, opts.Bus)
	if err != nil {
		return nil, err
	}
	return trail.New(sink, opts)
}

// eventBridge returns moto's EventBridge with a bus named bus, or nil when
// python3.11 is absent outside CI.
func eventBridge(t *testing.T, bus string) ebsink.PutEventsAPI {
	t.Helper()
	if _, err := exec.LookPath("python3.11"); err != nil && !testenv.InCI() {
		t.Logf("python3.11 is absent: trail requests are recorded, not sent to moto")
		return nil
	}
	endpoint := testenv.Moto(t)
	eb := eventbridge.New(eventbridge.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")})
	_, err := eb.CreateEventBus(context.Background(), &eventbridge.CreateEventBusInput{Name: aws.String(bus)})
	require.NoError(t, err)
	return eb
}

// bundledConfigs are the configurations the repository ships: the
// bundled default and every testdata/config/*.yaml.
func bundledConfigs(t *testing.T) map[string]func() (*rules.Config, error) {
	t.Helper()
	out := map[string]func() (*rules.Config, error){"rules/default.yaml": rules.Default}
	paths, err := filepath.Glob("../testdata/config/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, paths)
	for _, p := range paths {
		out[strings.TrimPrefix(p, "../")] = func() (*rules.Config, error) { return rules.LoadFile(p) }
	}
	return out
}

// eventFiles returns every bundled event fixture, valid or not.
func eventFiles(t *testing.T) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob("../testdata/events/*.json")
	require.NoError(t, err)
	out := map[string][]byte{}
	for _, p := range paths {
		if replay.IsGolden(p) {
			continue
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		out[filepath.Base(p)] = b
	}
	require.GreaterOrEqual(t, len(out), 75)
	return out
}

func TestNoSenderTextAtInfo(t *testing.T) {
	files := eventFiles(t)
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	api := eventBridge(t, "decisions")
	mk := &markers{where: map[string]string{}}

	// Every fixture, each mode, with its markers.
	type marked struct {
		name    string
		mode    markMode
		payload []byte
		n       int // markers put in
	}
	var events []marked
	fields := 0
	for _, name := range names {
		for _, mode := range markModes {
			before := mk.n
			p := markPayload(files[name], mode, func(field string) string { return mk.next(name + " " + mode.String() + ": " + field) })
			events = append(events, marked{name, mode, p, mk.n - before})
			fields += mk.n - before
		}
	}
	require.Greater(t, fields, 150, "markers put in")

	for cfgName, load := range bundledConfigs(t) {
		for _, content := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/content=%v", cfgName, content), func(t *testing.T) {
				cfg, err := load()
				require.NoError(t, err)
				var logs, emf bytes.Buffer
				em, err := metrics.New(&emf, metrics.Options{Dimensions: []metrics.Dimension{metrics.DimPipeline, metrics.DimOutcome, metrics.DimRule}})
				require.NoError(t, err)
				cp := &capture{next: api}
				tr, err := newTrail(t, cp, trail.Options{Bus: "decisions", IncludeContent: content, Timeout: time.Minute})
				require.NoError(t, err)
				defer tr.Close(context.Background())
				// Debug lines are on: without WithLogContent they hold no
				// sender text either; with it, only they do.
				h, err := processor.NewHandler(cfg, &messagingtest.Recorder{},
					processor.WithLogger(zerolog.New(&logs).Level(zerolog.DebugLevel)),
					processor.WithMetrics(em), processor.WithTrail(tr), processor.WithLogContent(content))
				require.NoError(t, err)

				leaks := map[string][]string{} // where the marker was put -> where it came out
				seen := func(where, text string) {
					for _, m := range markerPattern.FindAllString(text, -1) {
						leaks[mk.where[m]] = append(leaks[mk.where[m]], where)
					}
				}
				decisions, debugMarked := 0, 0
				for i, ev := range events {
					logs.Reset()
					emf.Reset()
					ctx := lambdacontext.NewContext(context.Background(), &lambdacontext.LambdaContext{AwsRequestID: fmt.Sprintf("req-%d", i)})
					ctx, cancel := context.WithTimeout(ctx, time.Minute)
					_, err := h.Invoke(ctx, ev.payload)
					cancel()
					at := ev.name + " (" + ev.mode.String() + ")"
					if err != nil {
						seen(at+": the error returned to Lambda", err.Error())
					}
					for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
						var l struct{ Level string }
						require.NoError(t, json.Unmarshal([]byte(line), &l), line)
						if l.Level == "debug" && content {
							if markerPattern.MatchString(line) {
								debugMarked++
							}
							continue
						}
						seen(at+": a "+l.Level+" line", line)
					}
					_, err = emfspec.CheckStream(bytes.NewReader(emf.Bytes()), emfspec.Options{Now: time.Now()})
					require.NoError(t, err, at)
					seen(at+": a metrics document", emf.String())
					for _, d := range cp.details() {
						decisions++
						var detail map[string]any
						require.NoError(t, json.Unmarshal([]byte(d), &detail))
						if content {
							delete(detail, "content")
						}
						b, _ := json.Marshal(detail)
						seen(at+": a trail record", string(b))
					}
				}
				for where, outs := range leaks {
					t.Errorf("the marker of %s came out in %s", where, strings.Join(outs, "; "))
				}
				assert.Greater(t, decisions, 10, "trail records sent and checked")
				if content {
					assert.Greater(t, debugMarked, 50, "with content on, the debug lines carry the markers: the test sees them")
				}
			})
		}
	}
}
