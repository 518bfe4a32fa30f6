#!/usr/bin/env bash
# The short soak: the processor's compiled bootstrap, as Lambda runs it for
# asynchronous invocations (16 containers, deadlines enforced by killing,
# 2 retries, an on-failure destination, 5% of events delivered twice,
# SIGKILLs), against the model- and signature-checked Chime stand-in with
# about 30% of callbacks faulted. 1,000 events, fixed seed. It fails when an
# event is lost, answered two ways or wrongly, a request breaks the service
# model, a container crashes or a redirect is followed. See docs/soak.md;
# the full run is `go run ./cmd/soak -events 10000`.
#
# It runs here rather than under `go test ./...`: it takes half a minute of
# mostly waiting (the client's backoff, the scaled retry delays), and CI
# runs exactly the documented command. go test runs a 150-event soak
# (internal/soak TestSoak) and the soak's own tests.
set -euo pipefail
cd "$(dirname "$0")/../.."
go run ./cmd/soak -events 1000 -seed 1 -q
