#!/usr/bin/env bash
# cfn-guard with the AWS Control Tower proactive controls on the
# SAM-transformed template.yaml, against the reviewed list of accepted
# findings (deploy/guard-suppressions.yaml).
#
# The npm package @cdklabs/cdk-validator-cfnguard ships both the cfn-guard
# binary and the Control Tower rules; it is fetched with `npm pack` (no
# install scripts run), pinned by version and checked against its sha512,
# and unpacked into a temporary directory removed on exit.
#
# Then deploy/tests/cfn_guard.py transforms the template as check_template.py
# does and fails on any finding the list does not accept, and on an entry
# that matches no finding. Last, the check proves it can fail: a copy of the
# template that breaks a control must be refused, and so must a list with a
# stale entry.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '==> %s\n' "$*"; }

PACKAGE=@cdklabs/cdk-validator-cfnguard
VERSION=0.0.62
INTEGRITY=sha512-Sg2k8067B0AIJ82QFSLhHTUIqxOYTKABvVrTHiyc6j0rE2NHli2diIYqf+w+DkuDKCYYgMIOga3OrYMOHUw0mQ==
SUPPRESSIONS=deploy/guard-suppressions.yaml

for tool in node npm python3.11 openssl tar; do
	command -v "$tool" >/dev/null 2>&1 || { echo "25-cfn-guard.sh: $tool is required" >&2; exit 1; }
done
python3.11 -c 'import samtranslator, yaml' 2>/dev/null ||
	{ echo "25-cfn-guard.sh: python3.11 lacks aws-sam-translator (pip install aws-sam-translator cfn-lint)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

say "npm pack $PACKAGE@$VERSION"
tarball=$(cd "$work" && npm pack "$PACKAGE@$VERSION" --silent --cache "$work/npm-cache" | tail -n 1)
got="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 | tr -d '\n')"
if [ "$got" != "$INTEGRITY" ]; then
	echo "25-cfn-guard.sh: $PACKAGE@$VERSION has integrity $got, want $INTEGRITY" >&2
	exit 1
fi
tar -xzf "$work/$tarball" -C "$work"
pkg="$work/package"

case "$(uname -s)/$(uname -m)" in
Linux/x86_64) guard="$pkg/bin/ubuntu/x86_64/cfn-guard" ;;
Linux/aarch64 | Linux/arm64) guard="$pkg/bin/ubuntu/aarch64/cfn-guard" ;;
Darwin/x86_64) guard="$pkg/bin/macos/x86_64/cfn-guard" ;;
Darwin/arm64) guard="$pkg/bin/macos/aarch64/cfn-guard" ;;
*) echo "25-cfn-guard.sh: no cfn-guard binary for $(uname -s)/$(uname -m)" >&2; exit 1 ;;
esac
chmod +x "$guard"
rules="$pkg/rules/control-tower/cfn-guard"
say "$("$guard" --version), $(find "$rules" -name '*.guard' | wc -l) Control Tower rules"

check() { python3.11 deploy/tests/cfn_guard.py --guard "$guard" --rules "$rules" "$@"; }

say "cfn-guard on the SAM-transformed template.yaml"
check --suppressions "$SUPPRESSIONS" --transformed "$work/template.json" template.yaml

# The check can fail: a finding not accepted...
say "self-test: a template that breaks a control is refused"
broken="$work/broken.yaml"
python3.11 - template.yaml "$broken" <<'EOF'
import sys
text = open(sys.argv[1]).read()
# The custom resource's log group kept a week: CT.CLOUDWATCH.PR.2.
old = "      RetentionInDays: 365\n"
assert text.count(old) == 1, "template.yaml: the ChannelFlowLogGroup retention to break is not there once"
open(sys.argv[2], "w").write(text.replace(old, "      RetentionInDays: 7\n"))
EOF
if out=$(check --suppressions "$SUPPRESSIONS" "$broken"); then
	echo "$out" >&2
	echo "25-cfn-guard.sh: a template breaking CT.CLOUDWATCH.PR.2 passed" >&2
	exit 1
fi
grep -q '^FINDING   CT.CLOUDWATCH.PR.2 ChannelFlowLogGroup' <<<"$out" ||
	{ echo "$out" >&2; echo "25-cfn-guard.sh: the broken template's finding was not reported" >&2; exit 1; }

# ...and a suppression that no longer matches anything.
say "self-test: a stale suppression is refused"
stale="$work/stale.yaml"
{ cat "$SUPPRESSIONS"; printf '  - rule: CT.LAMBDA.PR.3\n    resource: NoSuchFunction\n    reason: a suppression left behind by a resource that was removed from the template\n'; } >"$stale"
if out=$(check --suppressions "$stale" template.yaml); then
	echo "$out" >&2
	echo "25-cfn-guard.sh: a stale suppression passed" >&2
	exit 1
fi
grep -q '^STALE     CT.LAMBDA.PR.3 NoSuchFunction' <<<"$out" ||
	{ echo "$out" >&2; echo "25-cfn-guard.sh: the stale suppression was not reported" >&2; exit 1; }

say "cfn-guard: every finding is fixed or accepted with a reason"
