// Command nostate is cmd/processor without the DynamoDB state store: every
// built-in rule, boot.Main with no WithState. BenchmarkColdStartState
// compares the two, to show what linking the DynamoDB client costs a
// processor whose configuration has no stateful rule.
package main

import (
	"github.com/chimeflow/chimeflow/processor/boot"
	_ "github.com/chimeflow/chimeflow/rules/all"
)

func main() { boot.Main() }
