// Command nomodels is cmd/processor without the model-based rules
// (toxicity, pii), so without the Amazon Comprehend and Bedrock Runtime
// clients linked: the baseline of the cold-start and binary-size figures
// of docs/perf/models.md. It lives in testdata so that only the benchmark
// builds it.
package main

import (
	"github.com/chimeflow/chimeflow/processor/boot"
	_ "github.com/chimeflow/chimeflow/rules/deny"
	_ "github.com/chimeflow/chimeflow/rules/links"
	_ "github.com/chimeflow/chimeflow/rules/metadata"
	_ "github.com/chimeflow/chimeflow/rules/profanity"
	_ "github.com/chimeflow/chimeflow/rules/redact"
)

func main() { boot.Main() }
