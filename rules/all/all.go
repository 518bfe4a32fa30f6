// Package all registers every built-in rule. Import it for its side effect:
//
//	import _ "github.com/chimeflow/chimeflow/rules/all"
package all

import (
	_ "github.com/chimeflow/chimeflow/rules/deny"       // deny
	_ "github.com/chimeflow/chimeflow/rules/escalation" // escalation (stateful)
	_ "github.com/chimeflow/chimeflow/rules/links"      // links
	_ "github.com/chimeflow/chimeflow/rules/mentions"   // mentions
	_ "github.com/chimeflow/chimeflow/rules/metadata"   // metadata
	_ "github.com/chimeflow/chimeflow/rules/pii"        // pii (Amazon Comprehend, Bedrock guardrails)
	_ "github.com/chimeflow/chimeflow/rules/profanity"  // profanity
	_ "github.com/chimeflow/chimeflow/rules/ratelimit"  // ratelimit (stateful)
	_ "github.com/chimeflow/chimeflow/rules/redact"     // redact
	_ "github.com/chimeflow/chimeflow/rules/repeat"     // repeat (stateful)
	_ "github.com/chimeflow/chimeflow/rules/toxicity"   // toxicity (Amazon Comprehend, Bedrock guardrails)
)
