// Package chimeflow holds what the repository bundles for its tools: the
// event fixtures of testdata/events, which `flowctl rules validate` and
// `flowctl rules publish` replay against a rules document with
// -replay-bundled. The framework itself lives in the sub-packages:
// processor, rules, messaging, deploy.
package chimeflow

import (
	"embed"
	"io/fs"
)

// EventFixturesDir is the directory of the event fixtures in the file
// system EventFixtures returns.
const EventFixturesDir = "testdata/events"

//go:embed testdata/events/*.json
var events embed.FS

// EventFixtures returns the bundled event fixtures: the *.json files of
// EventFixturesDir, golden files (*.golden.json) included.
func EventFixtures() fs.FS { return events }
