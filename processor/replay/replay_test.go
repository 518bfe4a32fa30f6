package replay_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/messaging"
	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/processor/replay"
)

func event(t *testing.T, content string) []byte {
	return processortest.Payload(t, processortest.NewEvent(content))
}

// upper rewrites every message to upper case and denies "forbidden".
var upper = processor.NewPipeline(processor.Stage{Name: "upper", Rule: processor.RuleFunc(func(_ context.Context, m *processor.Message) (processor.Verdict, error) {
	if strings.Contains(m.Content, "forbidden") {
		return processor.Deny("forbidden word"), nil
	}
	m.Content = strings.ToUpper(m.Content)
	return processor.Continue, nil
})})

// workdir lays out events and a JSON Lines file.
func workdir(t *testing.T) string {
	dir := t.TempDir()
	write := func(name string, b []byte) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	write("a-rewrite.json", event(t, "hello"))
	write("b-deny.json", event(t, "a forbidden thing"))
	write("c-bad.json", []byte(`{"EventType":`))
	write("c-bad.golden.json", []byte(`{}`))
	write("notes.txt", []byte("not an event"))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	write("sub/ignored.json", event(t, "not read: directories are not recursive"))
	write("more.jsonl", []byte(string(event(t, "first"))+"\n\n  "+string(event(t, "second"))+"  \n"))
	return dir
}

func TestLoad(t *testing.T) {
	dir := workdir(t)
	srcs, err := replay.Load([]string{dir, filepath.Join(dir, "a-rewrite.json"), "-"}, strings.NewReader(string(event(t, "stdin one"))+"\n"))
	require.NoError(t, err)
	var names []string
	for _, s := range srcs {
		names = append(names, s.Name)
	}
	assert.Equal(t, []string{"a-rewrite.json", "b-deny.json", "c-bad.json", "more.jsonl:1", "more.jsonl:3", "a-rewrite.json", "stdin:1"}, names)
	assert.Equal(t, filepath.Join(dir, "a-rewrite.json"), srcs[0].Path)
	assert.Empty(t, srcs[3].Path, "lines have no golden file")
	assert.Equal(t, event(t, "second"), srcs[4].Data, "lines are trimmed")

	_, err = replay.Load([]string{filepath.Join(dir, "missing.json")}, nil)
	assert.ErrorIs(t, err, os.ErrNotExist)
	_, err = replay.Load([]string{t.TempDir()}, nil)
	assert.ErrorIs(t, err, replay.ErrNoEvents)
	_, err = replay.Load([]string{"-"}, nil)
	assert.ErrorContains(t, err, "standard input")
}

func TestReadLines(t *testing.T) {
	srcs, err := replay.ReadLines("capture", strings.NewReader("{}\n\n{\"a\":1}\n"))
	require.NoError(t, err)
	require.Len(t, srcs, 2)
	assert.Equal(t, replay.Source{Name: "capture:3", Data: []byte(`{"a":1}`)}, srcs[1])

	long := strings.Repeat("x", processor.MaxEventSize+2)
	_, err = replay.ReadLines("big", strings.NewReader(long))
	assert.ErrorContains(t, err, "reading big")
}

func TestGoldenPaths(t *testing.T) {
	assert.Equal(t, "d/x.golden.json", replay.GoldenPath("d/x.json", ""))
	assert.Equal(t, "d/x.moderation.golden.json", replay.GoldenPath("d/x.json", replay.ConfigName("cfg/moderation.yaml")))
	assert.Equal(t, "", replay.ConfigName(""))
	assert.True(t, replay.IsGolden("x.moderation.golden.json"))
	assert.False(t, replay.IsGolden("x.json"))
}

func TestNewReportEmbedsTheOutcome(t *testing.T) {
	h, _ := processortest.NewHandler(upper)
	src := replay.Source{Name: "x.json", Data: event(t, "hi")}
	res, err := h.Handle(context.Background(), src.Data)
	require.NoError(t, err)
	r := replay.NewReport(src, res, err)
	assert.Equal(t, res.Outcome.Action, r.Action)
	assert.Equal(t, "default", r.Pipeline)
	assert.Equal(t, []string{"upper"}, r.Rules)
	assert.Equal(t, "HI", r.Outcome.Message.Content, "the whole outcome, working copy included")
	assert.Equal(t, "HI", r.Callback.ChannelMessage.Content)
	assert.Equal(t, "msg-0001", r.MessageID)

	src = replay.Source{Name: "bad.json", Data: []byte("[]")}
	res, err = h.Handle(context.Background(), src.Data)
	r = replay.NewReport(src, res, err)
	assert.Equal(t, processor.ActionError, r.Action)
	assert.ErrorIs(t, r.Err, processor.ErrInvalidEvent)
	assert.Equal(t, err.Error(), r.Error)
	assert.Equal(t, []string{}, r.Rules, "an empty list, never null, in JSON")
	b, err := json.Marshal(r)
	require.NoError(t, err)
	assert.JSONEq(t, `{"source":"bad.json","outcome":"ERROR","rules":[],"callback":null,"error":`+string(must(json.Marshal(r.Error)))+`}`, string(b))
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func TestRunner(t *testing.T) {
	dir := workdir(t)
	srcs, err := replay.Load([]string{dir}, nil)
	require.NoError(t, err)
	h, rec := processortest.NewHandler(upper)
	ctx := context.Background()

	// No golden files yet (c-bad's is not for this configuration).
	rn := &replay.Runner{Handler: h, ConfigName: "upper"}
	for _, src := range srcs {
		r, err := rn.Run(ctx, src)
		require.NoError(t, err)
		assert.Equal(t, replay.GoldenNone, r.Golden, src.Name)
		assert.Empty(t, r.GoldenPath)
		assert.Equal(t, r.Report.Action != processor.ActionError, r.OK(), src.Name)
		assert.False(t, r.Expected())
	}
	assert.Len(t, rec.Calls(), 4, "every valid event answered once")

	// Update writes them; then each matches.
	rn.Update = true
	for _, src := range srcs {
		r, err := rn.Run(ctx, src)
		require.NoError(t, err)
		if src.Path == "" {
			assert.Equal(t, replay.GoldenNone, r.Golden)
			continue
		}
		assert.Equal(t, replay.GoldenUpdated, r.Golden)
		assert.FileExists(t, r.GoldenPath)
	}
	rn.Update = false
	for _, src := range srcs {
		r, err := rn.Run(ctx, src)
		require.NoError(t, err)
		if src.Path != "" {
			assert.Equal(t, replay.GoldenMatch, r.Golden, src.Name)
			assert.True(t, r.OK())
			assert.True(t, r.Expected())
		}
	}

	// A different outcome is a mismatch with a diff.
	rn.Handler, _ = processortest.NewHandler(processor.NewPipeline())
	r, err := rn.Run(ctx, srcs[0])
	require.NoError(t, err)
	assert.Equal(t, replay.GoldenMismatch, r.Golden)
	assert.False(t, r.OK())
	require.NotNil(t, r.Want)
	diff := replay.Diff(r.Want, &r.Report)
	assert.Contains(t, diff, `-   "outcome": "REWRITE",`)
	assert.Contains(t, diff, `+   "outcome": "ALLOW",`)
	assert.Contains(t, diff, `-       "Content": "HELLO"`)
	assert.Contains(t, diff, `+       "Content": "hello"`)
	assert.NotContains(t, diff, "CallbackId", "only differing lines")

	// A golden file that is not JSON is an error, with the report intact.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a-rewrite.upper.golden.json"), []byte("{"), 0o644))
	r, err = rn.Run(ctx, srcs[0])
	assert.ErrorContains(t, err, "golden file")
	assert.Equal(t, processor.ActionAllow, r.Report.Action)

	// An unwritable golden file is an error too.
	rn.Update = true
	rn.ConfigName = filepath.Join("no", "such", "dir")
	_, err = rn.Run(ctx, srcs[0])
	assert.ErrorContains(t, err, "update golden")
}

func TestRunnerCallbackFailure(t *testing.T) {
	refuse := messaging.CallbackFunc(func(context.Context, *messaging.ChannelFlowCallbackInput, ...func(*messaging.Options)) (*messaging.ChannelFlowCallbackOutput, error) {
		return nil, errors.New("connection refused")
	})
	h, err := processor.NewHandler(upper, refuse)
	require.NoError(t, err)
	rn := &replay.Runner{Handler: h}
	r, err := rn.Run(context.Background(), replay.Source{Name: "x", Data: event(t, "hi")})
	require.NoError(t, err)
	assert.Equal(t, processor.ActionError, r.Report.Action)
	assert.ErrorIs(t, r.Report.Err, processor.ErrCallback)
	assert.NotNil(t, r.Report.Callback, "the request that was refused")
	assert.False(t, r.OK())
}
