#!/usr/bin/env bash
# The links rule against real implementations, and its generated tables
# against the data they are generated from.
#
# 1. Installs the oracle's npm packages (markdown-it and linkify-it, exact
#    versions from rules/links/testdata/oracle/package-lock.json) into a
#    directory outside the repository, and runs the differential tests
#    (go test -run TestOracle ./rules/links/), which compare the finder with
#    markdown-it, linkify-it and node's WHATWG URL, with
#    CHIMEFLOW_LINKS_ORACLE pointing at that directory.
# 2. Installs Debian's unicode-data (the Unicode Character Database) and
#    checks that rules/links/internal/idna/tables.go is what gen.go makes of
#    it, and runs the NFC conformance test on its NormalizationTest.txt.
# 3. Checks that rules/links/internal/markdown/entities.go is what
#    genentities.go makes of the WHATWG list of character references (as
#    Python's html.entities holds it).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CHIMEFLOW_CI=1

oracle="${CHIMEFLOW_LINKS_ORACLE:-${XDG_CACHE_HOME:-$HOME/.cache}/chimeflow/links-oracle}"
mkdir -p "$oracle"
cp rules/links/testdata/oracle/package.json rules/links/testdata/oracle/package-lock.json "$oracle/"
(cd "$oracle" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error)
echo "links oracle: node $(node --version), markdown-it $(node -p "require('$oracle/node_modules/markdown-it/package.json').version"), linkify-it $(node -p "require('$oracle/node_modules/linkify-it/package.json').version")"
out=$(CHIMEFLOW_LINKS_ORACLE="$oracle" go test -count=1 -run '^TestOracle' -v ./rules/links/ 2>&1) || {
	echo "$out" >&2
	exit 1
}
echo "$out" | grep -E '^(--- |\s+oracle_test|ok)'
if echo "$out" | grep -q -- '--- SKIP'; then
	echo "the links oracle tests skipped" >&2
	exit 1
fi

ucd=/usr/share/unicode
if [ ! -e "$ucd/DerivedNormalizationProps.txt" ]; then
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq >/dev/null
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unicode-data >/dev/null
	else
		sudo apt-get update -qq >/dev/null
		sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unicode-data >/dev/null
	fi
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd rules/links/internal/idna && go run gen.go -ucd "$ucd" -o "$tmp/tables.go")
if ! cmp -s "$tmp/tables.go" rules/links/internal/idna/tables.go; then
	echo "rules/links/internal/idna/tables.go is not what gen.go makes of $ucd: run go generate ./rules/links/internal/idna" >&2
	diff "$tmp/tables.go" rules/links/internal/idna/tables.go | head -20 >&2
	exit 1
fi
out=$(CHIMEFLOW_UCD="$ucd" go test -count=1 -run 'TestNormalizationConformance' -v ./rules/links/internal/idna/ 2>&1) || {
	echo "$out" >&2
	exit 1
}
echo "$out" | grep -E '^(--- |\s+map_test|ok)'
if echo "$out" | grep -q -- '--- SKIP'; then
	echo "the NFC conformance test skipped" >&2
	exit 1
fi

python=$(command -v python3.11 || command -v python3)
"$python" -c 'import html.entities, json, sys; json.dump(html.entities.html5, sys.stdout)' >"$tmp/entities.json"
(cd rules/links/internal/markdown && go run genentities.go -json "$tmp/entities.json" -o "$tmp/entities.go")
if ! cmp -s "$tmp/entities.go" rules/links/internal/markdown/entities.go; then
	echo "rules/links/internal/markdown/entities.go is not what genentities.go makes of the WHATWG list: run go generate ./rules/links/internal/markdown" >&2
	exit 1
fi
echo "links: oracle, Unicode tables and entities checked"
