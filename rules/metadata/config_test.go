package metadata_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/chimeflow/chimeflow/rules"
	_ "github.com/chimeflow/chimeflow/rules/deny"
)

// A configuration with mistakes in both rules reports every one of them,
// each at its line and column, in the order of the file.
func TestConfigMistakes(t *testing.T) {
	doc := `onError: deny
rules:
  - rule: deny
    name: blocklist
    options:
      any:
        - sender: ["arn:aws:chime:us-east-1:111122223333:app-instance/*/user/spammer", "spammer"]
        - regex: '(?P<word>spam'
        - longerThan: "many"
        - keywords: [free money]
          colour: red
  - rule: metadata
    options:
      set:
        reviewedBy: "{{sender.nmae}}"
        channel: "{{channel.arn}}"
      merge:
        audit: {at: "{{time}}", id: "{{message.uuid}}"}
      onOverflow: truncate
      annotate: {key: moderation, when: sometimes}
      nonJSON: [keep]
`
	_, err := rules.Parse([]byte(doc), "rules.yaml")
	var ce *rules.ConfigError
	require.True(t, errors.As(err, &ce), "want a *rules.ConfigError, got %v", err)
	want := []string{
		`rules.yaml:7:88: rule blocklist: option any.0.sender.1: ARN glob "spammer" must look like arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (or be *)`,
		"rules.yaml:8:18: rule blocklist: option any.1.regex: bad regular expression (RE2 syntax): error parsing regexp: missing closing ): `(?P<word>spam`",
		`rules.yaml:9:23: rule blocklist: option any.2.longerThan: "many" is not a whole number (64-bit)`,
		`rules.yaml:11:11: rule blocklist: unknown option "any.3.colour" (known: reason, any, all, not, sender, bot, target, targeted, channel, regex, keywords, longerThan, metadata, attribute, persistence, contentType, scope)`,
		`rules.yaml:15:21: rule metadata: option set.reviewedBy: unknown placeholder {{sender.nmae}}; did you mean {{sender.name}}? (at offset 0)`,
		`rules.yaml:18:37: rule metadata: option merge.audit.id: unknown placeholder {{message.uuid}}; did you mean {{message.id}}? (at offset 0)`,
		`rules.yaml:19:19: rule metadata: option onOverflow: "truncate" is not one of [keepOriginal dropAnnotation deny]`,
		`rules.yaml:20:41: rule metadata: option annotate.when: "sometimes" is not one of [acted always]`,
		`rules.yaml:21:16: rule metadata: option nonJSON: want a string, got a list`,
	}
	var got []string
	for _, p := range ce.Problems {
		got = append(got, p.String())
	}
	assert.Equal(t, want, got, "problems:\n%s", strings.Join(got, "\n"))
	assert.Contains(t, err.Error(), "9 problem(s)")
}
