#!/usr/bin/env bash
# Deployment checks, called by .ci/run:
#   1. template.yaml: cfn-lint clean (no error, no warning) and the security
#      properties of the SAM-transformed template (deploy/tests/check_template.py);
#   2. the make targets `sam build` runs produce static linux/arm64 bootstrap
#      binaries, built with -tags lambda.norpc, -trimpath and stripped, of the
#      main package each is meant to build: cmd/processor, cmd/flowresource,
#      and a team's own processor (examples/customrule) through the same
#      target with PROCESSOR set, as docs/custom-processor.md tells teams;
#   3. the processor's rules file lands beside its bootstrap as rules.yaml
#      (template.yaml's CHIMEFLOW_CONFIG_FILE): deploy/rules.yaml, or the
#      rules.yaml of the PROCESSOR's directory, or the file RULES names; and
#      the one cmd/processor gets loads (flowctl rules validate).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }

# --- tools --------------------------------------------------------------
if ! command -v python3.11 >/dev/null 2>&1; then
	echo "deploy.sh: python3.11 is required (with cfn-lint and aws-sam-translator)" >&2
	exit 1
fi
# Both come with the machine (pip 3.11: cfn-lint, aws-sam-translator).
if ! python3.11 -c 'import cfnlint, samtranslator' 2>/dev/null; then
	echo "deploy.sh: python3.11 lacks cfn-lint or aws-sam-translator (pip install cfn-lint aws-sam-translator)" >&2
	exit 1
fi
if ! command -v file >/dev/null 2>&1; then
	say "installing file"
	if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
	$SUDO apt-get update -qq >/dev/null
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq file >/dev/null
fi

# --- template -----------------------------------------------------------
say "cfn-lint and SAM-transform checks of template.yaml"
python3.11 deploy/tests/check_template.py template.yaml

# --- binaries -----------------------------------------------------------
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
module=$(go list -m)
# target, main package, rules file beside bootstrap (- for none), make arguments
builds=(
	"ProcessorFunction cmd/processor deploy/rules.yaml"
	"ChannelFlowFunction cmd/flowresource -"
	"ProcessorFunction examples/customrule examples/customrule/rules.yaml PROCESSOR=./examples/customrule"
	"ProcessorFunction cmd/processor testdata/config/moderation.yaml RULES=testdata/config/moderation.yaml"
)
for build in "${builds[@]}"; do
	read -r fn pkg rules args <<<"$build"
	dir="$out/$(tr / - <<<"$pkg")"
	say "make build-$fn $args"
	# shellcheck disable=SC2086 # args is a list of make variables
	make --no-print-directory "build-$fn" ARTIFACTS_DIR="$dir" $args
	bin="$dir/bootstrap"
	[ -x "$bin" ] || { echo "deploy.sh: $bin was not built" >&2; exit 1; }
	desc=$(file -b "$bin")
	for want in "ELF 64-bit" "ARM aarch64" "statically linked" "stripped"; do
		case "$desc" in
		*"$want"*) ;;
		*) echo "deploy.sh: $pkg bootstrap is not $want: $desc" >&2; exit 1 ;;
		esac
	done
	# go records no -ldflags under -trimpath: "stripped" above stands for -s -w.
	info=$(go version -m "$bin")
	for want in "GOOS=linux" "GOARCH=arm64" "CGO_ENABLED=0" "-tags=lambda.norpc" "-trimpath=true"; do
		grep -qF -- "$want" <<<"$info" || { echo "deploy.sh: $pkg bootstrap was not built with $want:" >&2; echo "$info" >&2; exit 1; }
	done
	path=$(awk '$1 == "path" { print $2 }' <<<"$info")
	[ "$path" = "$module/$pkg" ] || { echo "deploy.sh: build-$fn $args built $path, want $module/$pkg" >&2; exit 1; }
	if [ "$rules" = - ]; then
		[ ! -e "$dir/rules.yaml" ] || { echo "deploy.sh: build-$fn put a rules.yaml beside the $pkg bootstrap" >&2; exit 1; }
	else
		cmp -s "$rules" "$dir/rules.yaml" || { echo "deploy.sh: build-$fn $args did not put $rules beside bootstrap as rules.yaml" >&2; exit 1; }
		if [ "$pkg" = cmd/processor ]; then
			go run ./cmd/flowctl rules validate "$dir/rules.yaml" >/dev/null
		fi
		say "$fn ($pkg): rules.yaml is $rules"
	fi
	say "$fn ($pkg): $desc"
done
if make --no-print-directory build-ProcessorFunction ARTIFACTS_DIR="$out/norules" RULES=does/not/exist.yaml >/dev/null 2>&1; then
	echo "deploy.sh: build-ProcessorFunction accepted a RULES file that does not exist" >&2
	exit 1
fi

# The lean processor: without the state store, the guardrail provider and
# the decision trail, it links neither DynamoDB, Bedrock Runtime nor
# EventBridge (whose package initialisation every cold start pays); the
# default one links all three.
lean="$out/lean"
tags=chimeflow_nostate,chimeflow_noguardrail,chimeflow_notrail
say "make build-ProcessorFunction TAGS=$tags"
make --no-print-directory build-ProcessorFunction ARTIFACTS_DIR="$lean" TAGS="$tags"
grep -qF -- "-tags=lambda.norpc,$tags" <<<"$(go version -m "$lean/bootstrap")" || { echo "deploy.sh: the lean processor was not built with -tags=lambda.norpc,$tags" >&2; exit 1; }
for svc in dynamodb bedrockruntime eventbridge; do
	if go version -m "$lean/bootstrap" | grep -q "service/$svc"; then
		echo "deploy.sh: the lean processor links service/$svc" >&2
		exit 1
	fi
	go version -m "$out/cmd-processor/bootstrap" | grep -q "service/$svc" || { echo "deploy.sh: the default processor does not link service/$svc" >&2; exit 1; }
done
say "lean processor: no DynamoDB, no Bedrock, no EventBridge; $(stat -c %s "$lean/bootstrap") bytes against $(stat -c %s "$out/cmd-processor/bootstrap")"
say "deployment checks passed"
