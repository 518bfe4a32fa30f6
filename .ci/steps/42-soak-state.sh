#!/usr/bin/env bash
# The stateful soak: the processor's compiled bootstrap with a pipeline of
# escalation, a rate limit and a repeat check whose state is in a DynamoDB
# table (python3.11 -m moto.server on loopback, one request at a time,
# started by the soak), 4 containers, 5% of events delivered twice, about
# 30% of callbacks faulted, SIGKILLs. 400 events from 20 senders in one
# hour-long window, fixed seed. Besides the short soak's checks, it fails
# when the table disagrees with what the service accepted: a message
# counted twice or not at all, a content admitted twice, a violation
# recorded twice or missing, a mute without its threshold (docs/soak.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
go run ./cmd/soak -stateful -events 400 -containers 4 -seed 1 -q
