// Package modelrule holds the work the model-based rules (toxicity, pii)
// share: their provider's client, made once (Model.Provision); the run of
// one message through the sample, the texts worth a call and the budget's
// timeout to the provider's call (Run); cutting the texts into the
// segments and calls the APIs take; asking Comprehend for a message's
// language; and writing the flag a rule owns in the metadata.
package modelrule

import (
	"context"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/comprehend"

	"github.com/chimeflow/chimeflow/processor"
	"github.com/chimeflow/chimeflow/rules"
	"github.com/chimeflow/chimeflow/rules/internal/textmap"
	"github.com/chimeflow/chimeflow/rules/models"
)

// Item is a covered text of a message worth a model call.
type Item struct {
	// Visit is the text's index in the walk of rules.Texts (Each and
	// Rewrite visit the same texts in the same order).
	Visit int
	// Place says where the text is.
	Place rules.Place
	// Text is the text prepared for the model.
	Text textmap.Text
}

// Collect returns the texts of m that texts covers and plan finds worth a
// call, in the order of the walk.
func Collect(m *processor.Message, texts *rules.Texts, plan *models.Plan) []Item {
	var items []Item
	visit := 0
	texts.Each(m, func(p rules.Place, s string) bool {
		if plan.Worth(s) {
			if t := textmap.Prepare(s); strings.TrimSpace(t.Sent) != "" {
				items = append(items, Item{Visit: visit, Place: p, Text: t})
			}
		}
		visit++
		return true
	})
	return items
}

// Segment is a piece of an item's prepared text, for DetectToxicContent.
type Segment struct {
	Item int    // index of the item in the list Collect returned
	Text string // at most models.MaxSegmentBytes
}

// Segments cuts the items' prepared texts into segments of at most
// models.MaxSegmentBytes, at spaces where it can, in order; pieces of
// white space alone are left out (they hold nothing to judge).
func Segments(items []Item) []Segment {
	var out []Segment
	for i, it := range items {
		from := 0
		for _, end := range textmap.Split(it.Text.Sent, models.MaxSegmentBytes) {
			if piece := it.Text.Sent[from:end]; strings.IndexFunc(piece, notSpace) >= 0 {
				out = append(out, Segment{Item: i, Text: piece})
			}
			from = end
		}
	}
	return out
}

func notSpace(r rune) bool { return !unicode.IsSpace(r) }

// Batches groups n things, each of size(i) bytes, in order, into batches
// of at most maxCount things and maxBytes bytes (a thing larger than
// maxBytes alone makes a batch of its own). It returns the end index of
// each batch.
func Batches(n int, size func(i int) int, maxCount, maxBytes int) []int {
	var ends []int
	count, bytes := 0, 0
	for i := range n {
		s := size(i)
		if count > 0 && (count == maxCount || bytes+s > maxBytes) {
			ends = append(ends, i)
			count, bytes = 0, 0
		}
		count++
		bytes += s
	}
	if count > 0 {
		ends = append(ends, n)
	}
	return ends
}

// DominantLanguage asks Comprehend for the language of the items' texts,
// from their first models.LanguageSampleBytes, and returns its code ("en")
// or "" when Comprehend names none.
func DominantLanguage(ctx context.Context, api models.ComprehendAPI, plan *models.Plan, items []Item) (string, error) {
	var b strings.Builder
	for _, it := range items {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(it.Text.Sent)
		if b.Len() >= models.LanguageSampleBytes {
			break
		}
	}
	text := b.String()
	if len(text) > models.LanguageSampleBytes {
		ends := textmap.Split(text, models.LanguageSampleBytes)
		text = text[:ends[0]]
	}
	var out *comprehend.DetectDominantLanguageOutput
	err := plan.Call(ctx, models.ServiceComprehend, "DetectDominantLanguage", func(ctx context.Context) error {
		var err error
		out, err = api.DetectDominantLanguage(ctx, &comprehend.DetectDominantLanguageInput{Text: aws.String(text)})
		return err
	})
	if err != nil {
		return "", err
	}
	best, score := "", float32(-1)
	for _, l := range out.Languages {
		if s := aws.ToFloat32(l.Score); s > score {
			best, score = aws.ToString(l.LanguageCode), s
		}
	}
	return best, nil
}

// GuardrailSeparator joins the covered texts into the one text block a
// guardrail gets.
const GuardrailSeparator = "\n\n"

// GuardrailText joins the items' prepared texts into one text block: a
// guardrail reports its findings for the request as a whole, not block by
// block, and bills by text unit (up to 1,000 characters), so one block
// costs no more than several and a short message is one unit.
func GuardrailText(items []Item) []string {
	var b strings.Builder
	for i, it := range items {
		if i > 0 {
			b.WriteString(GuardrailSeparator)
		}
		b.WriteString(it.Text.Sent)
	}
	return []string{b.String()}
}

// SetFlag writes value under the top-level metadata key the rule owns; a
// nil value removes the key from the metadata, so that what a sender put
// there is never taken for the rule's flag.
func SetFlag(m *processor.Message, key string, value any) error {
	if value != nil {
		return m.SetMetadataField(key, value)
	}
	if !strings.Contains(m.Metadata, key) && !strings.Contains(m.Metadata, `\`) {
		return nil // cannot hold the key, written plainly or escaped
	}
	_, err := m.DeleteMetadataField(key)
	return err
}
