// Command comprehend is cmd/processor with the model-based rules (toxicity,
// pii) on Amazon Comprehend only: rules/models/guardrail, and with it the
// Bedrock Runtime client, is not linked. A variant of the cold-start and
// binary-size figures of docs/perf/models.md; only the benchmark builds
// it.
package main

import (
	"github.com/chimeflow/chimeflow/processor/boot"
	_ "github.com/chimeflow/chimeflow/rules/deny"
	_ "github.com/chimeflow/chimeflow/rules/links"
	_ "github.com/chimeflow/chimeflow/rules/metadata"
	_ "github.com/chimeflow/chimeflow/rules/pii"
	_ "github.com/chimeflow/chimeflow/rules/profanity"
	_ "github.com/chimeflow/chimeflow/rules/redact"
	_ "github.com/chimeflow/chimeflow/rules/toxicity"
)

func main() { boot.Main() }
