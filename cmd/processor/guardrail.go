//go:build !chimeflow_noguardrail

package main

// The Bedrock guardrail provider of the toxicity and pii rules (provider:
// guardrail). Build with -tags chimeflow_noguardrail to leave Bedrock out.
import _ "github.com/chimeflow/chimeflow/rules/models/guardrail"
