package modelrule

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/processor/processortest"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/models"
)

func TestBatches(t *testing.T) {
	tests := []struct {
		sizes           []int
		count, maxBytes int
		want            []int
	}{
		{nil, 10, 100, nil},
		{[]int{10, 10, 10}, 10, 100, []int{3}},
		{[]int{10, 10, 10}, 2, 100, []int{2, 3}},
		{[]int{60, 50, 40}, 10, 100, []int{1, 3}},
		{[]int{150, 10}, 10, 100, []int{1, 2}},
		{[]int{100, 100}, 10, 100, []int{1, 2}},
	}
	for _, tt := range tests {
		got := Batches(len(tt.sizes), func(i int) int { return tt.sizes[i] }, tt.count, tt.maxBytes)
		assert.Equal(t, tt.want, got, "%v", tt.sizes)
	}
}

func TestCollectAndSegments(t *testing.T) {
	var bad rules.Problems
	texts := rules.Scope{Attributes: []string{"*"}}.Compile("scope", &bad)
	plan := models.Budget{}.Compile("budget", "t", &bad)
	require.NoError(t, bad.Err())
	long := strings.Repeat("word ", 300) // 1500 bytes
	m := processor.NewMessage(processortest.NewEvent(long, processortest.WithPush("Hi", "a body text"), processortest.WithAttribute("x", "👍", "fine words")))
	items := Collect(m, texts, plan)
	require.Len(t, items, 3)
	assert.Equal(t, []int{0, 2, 4}, []int{items[0].Visit, items[1].Visit, items[2].Visit}, "the title Hi and the emoji are skipped, their visits counted")
	assert.Equal(t, "MessageAttributes", items[2].Place.String())
	segs := Segments(items)
	require.Len(t, segs, 4)
	assert.Equal(t, []int{0, 0, 1, 2}, []int{segs[0].Item, segs[1].Item, segs[2].Item, segs[3].Item})
	assert.Equal(t, long, segs[0].Text+segs[1].Text)
	assert.LessOrEqual(t, len(segs[0].Text), models.MaxSegmentBytes)
}

func TestSetFlag(t *testing.T) {
	m := processor.NewMessage(processortest.NewEvent("x", processortest.WithMetadata(`{"k":{"forged":true},"a":1}`)))
	require.NoError(t, SetFlag(m, "k", nil))
	assert.JSONEq(t, `{"a":1}`, m.Metadata)
	require.NoError(t, SetFlag(m, "k", map[string]int{"n": 2}))
	assert.JSONEq(t, `{"a":1,"k":{"n":2}}`, m.Metadata)

	m = processor.NewMessage(processortest.NewEvent("x", processortest.WithMetadata(`not json`)))
	require.NoError(t, SetFlag(m, "k", nil), "nothing to forge in non-JSON metadata")
	assert.Error(t, SetFlag(m, "k", 1), "cannot annotate non-JSON metadata")
	assert.Equal(t, "not json", m.Metadata)

	m = processor.NewMessage(processortest.NewEvent("x", processortest.WithMetadata(`{"\u006b":1}`)))
	require.NoError(t, SetFlag(m, "k", nil))
	assert.JSONEq(t, `{}`, m.Metadata, "an escaped key is found too")
}
