#!/usr/bin/env bash
# The processor's bootstrap under the official AWS Lambda Runtime Interface
# Emulator: installs aws-lambda-rie with go install at a pinned version
# (the module has no tagged release: the pseudo-version is what
# `go list -m -versions` / `go list -m ...@latest` shows) into a temporary
# GOBIN, and runs cmd/processor's TestUnderRIE with CHIMEFLOW_RIE naming
# it. That test starts the bootstrap under the emulator, sends events to its
# invoke URL and checks the callbacks the model-checked Chime stand-in
# received. The step fails if the test fails or skips. (CI's plain go test
# run, before the steps, skips the test: the emulator is not installed yet.)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CHIMEFLOW_CI=1

RIE_MODULE=github.com/aws/aws-lambda-runtime-interface-emulator
RIE_VERSION=v0.0.0-20261030222936-bef5c4ba774d

gobin=$(mktemp -d)
trap 'rm -rf "$gobin"' EXIT
GOBIN="$gobin" go install "$RIE_MODULE/cmd/aws-lambda-rie@$RIE_VERSION"
echo "aws-lambda-rie $RIE_VERSION installed"

out=$(CHIMEFLOW_RIE="$gobin/aws-lambda-rie" go test -count=1 -run '^TestUnderRIE$' -v ./cmd/processor/ 2>&1) || {
	echo "$out" >&2
	exit 1
}
echo "$out" | grep -E '^(--- |ok)'
if echo "$out" | grep -q -- '--- SKIP'; then
	echo "TestUnderRIE skipped" >&2
	exit 1
fi
if ! echo "$out" | grep -q -- '--- PASS: TestUnderRIE'; then
	echo "TestUnderRIE did not run" >&2
	exit 1
fi
