#!/usr/bin/env bash
# Generated files match their generators: installs what the generators read
# (Debian's word lists, Public Suffix List and Unicode Character Database), runs every go:generate
# directive of the module, and fails if that changed any file, or added one.
#
# The generators and their inputs:
#   rules/links/gentlds.go                 /usr/share/publicsuffix/public_suffix_list.dat (publicsuffix)
#   rules/links/internal/idna/gen.go       /usr/share/unicode/{DerivedNormalizationProps,UnicodeData}.txt
#                                          (unicode-data)
#   rules/links/internal/markdown          python3's html.entities
#   rules/profanity/internal/gen (module)  /usr/share/dict/*-english{,-large} (wamerican, wbritish,
#                                          wamerican-large, wbritish-large) and golang.org/x/text
# The packages are Debian 12's; another release's word lists or suffix list
# may differ, and this check then reports the difference.
set -euo pipefail
cd "$(dirname "$0")/../.."

say() { printf '==> %s\n' "$*"; }

packages=(publicsuffix unicode-data wamerican wbritish wamerican-large wbritish-large)
inputs=(/usr/share/publicsuffix/public_suffix_list.dat /usr/share/unicode/{DerivedNormalizationProps,UnicodeData}.txt
	/usr/share/dict/{american,british}-english{,-large})
install=false
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || install=true
done
for f in "${inputs[@]}"; do
	[ -s "$f" ] || install=true
done
if $install; then
	say "installing ${packages[*]}"
	if [ "$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi
	$SUDO apt-get update -qq >/dev/null
	# --reinstall also brings back files deleted under an installed package.
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall "${packages[@]}" >/dev/null
fi
for p in "${packages[@]}"; do
	say "$p $(dpkg-query -W -f='${Version}' "$p")"
done

# The state of the working tree before: a clean checkout in CI, possibly
# work in progress elsewhere. Only what the generators change counts.
state() { git status --porcelain=v1 --untracked-files=all; git diff --no-ext-diff --binary; }
before=$(state | sha256sum)

say "generators: $(git grep -l '^//go:generate' -- '*.go' | tr '\n' ' ')"
say "go generate ./..."
go generate ./...

if [ "$(state | sha256sum)" != "$before" ]; then
	echo "10-generated.sh: generated files differ from their generators' output; run go generate ./... and commit:" >&2
	git status --short --untracked-files=all >&2
	git diff --no-ext-diff --stat >&2
	git diff --no-ext-diff | head -200 >&2
	exit 1
fi
say "generated files match their generators"
