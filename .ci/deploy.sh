#!/usr/bin/env bash
# Deployment checks, called by .ci/run:
#   1. template.yaml: cfn-lint clean (no error, no warning) and the security
#      properties of the SAM-transformed template (deploy/tests/check_template.py);
#   2. the make targets `sam build` runs produce static linux/arm64 bootstrap
#      binaries, built with -tags lambda.norpc, -trimpath and stripped.
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
for fn in ProcessorFunction ChannelFlowFunction; do
	say "make build-$fn"
	make --no-print-directory "build-$fn" ARTIFACTS_DIR="$out/$fn"
	bin="$out/$fn/bootstrap"
	[ -x "$bin" ] || { echo "deploy.sh: $bin was not built" >&2; exit 1; }
	desc=$(file -b "$bin")
	for want in "ELF 64-bit" "ARM aarch64" "statically linked" "stripped"; do
		case "$desc" in
		*"$want"*) ;;
		*) echo "deploy.sh: $fn bootstrap is not $want: $desc" >&2; exit 1 ;;
		esac
	done
	# go records no -ldflags under -trimpath: "stripped" above stands for -s -w.
	info=$(go version -m "$bin")
	for want in "GOOS=linux" "GOARCH=arm64" "CGO_ENABLED=0" "-tags=lambda.norpc" "-trimpath=true"; do
		grep -qF -- "$want" <<<"$info" || { echo "deploy.sh: $fn bootstrap was not built with $want:" >&2; echo "$info" >&2; exit 1; }
	done
	say "$fn: $desc"
done
say "deployment checks passed"
