#!/usr/bin/env bash
# CPython's source, from Debian's python3.13 source package (Debian 13,
# "trixie"), unpacked once into a cache folder: for
# scripts/update_windows_data.py (PC/pyconfig.h.in, Misc/stable_abi.toml) and
# for building a musl CPython (scripts/musl-python.sh).
#
# Usage: scripts/cpython-source.sh
#   - needs apt-get and dpkg-source (dpkg-dev); uses a private apt
#     configuration under the cache folder (a deb-src line of its own for the
#     Debian archive the machine's apt sources name, its own package lists), so
#     the machine's apt sources are read but not changed;
#   - ZLIG_CPYTHON_SRC defaults to <repo>/.cache/cpython-src;
#   - idempotent: a second run with an unpacked tree touches no network;
#   - the last line of stdout is the source tree's absolute path (with
#     Debian's patches applied, as Debian builds it).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
root=${ZLIG_CPYTHON_SRC:-$repo/.cache/cpython-src}
mkdir -p "$root"
root=$(cd "$root" && pwd)
package=python3.13
tree=$root/$package
stamp=$tree/.zlig-cpython-source

log() { echo "cpython-source: $*" >&2; }

if [ -f "$stamp" ]; then
    log "source tree already there"
    echo "$tree"
    exit 0
fi

if ! command -v dpkg-source >/dev/null 2>&1; then
    log "installing dpkg-dev (dpkg-source)"
    apt-get update -q </dev/null >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dpkg-dev xz-utils </dev/null >&2
fi

# The Debian archive this machine's apt uses (deb822 .sources or one-line
# .list files): the first source whose path ends in /debian.
mirror=$(
    {
        sed -nE 's/^[[:space:]]*URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | tr ' ' '\n' || true
        sed -nE 's/^[[:space:]]*deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+).*/\2/p' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true
    } | grep -E '/debian/?$' | head -n 1 || true
)
if [ -z "$mirror" ]; then
    log "no Debian archive (a source ending in /debian) in this machine's apt sources"
    exit 1
fi
apt=$root/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/} trixie main" >"$apt/sources.list"
options=(
    -o "Dir::Etc::SourceList=$apt/sources.list"
    -o "Dir::Etc::SourceParts=/nonexistent"
    -o "Dir::State::Lists=$apt/lists"
    -o "Dir::Cache=$apt/cache"
    # apt would drop to its _apt user, which cannot write here.
    -o "APT::Sandbox::User=root"
)
log "apt-get update (trixie's source index only)"
apt-get -q "${options[@]}" update </dev/null >&2
downloads=$root/downloads
mkdir -p "$downloads"
log "downloading the $package source package"
(cd "$downloads" && apt-get -q "${options[@]}" source --download-only "$package" </dev/null >&2)
dsc=$(ls "$downloads"/"$package"_*.dsc | tail -n 1)
rm -rf "$tree.tmp"
dpkg-source --no-check -x "$dsc" "$tree.tmp" >&2
echo "$(basename "$dsc")" >"$tree.tmp/.zlig-cpython-source"
rm -rf "$tree"
mv "$tree.tmp" "$tree"
log "unpacked $(basename "$dsc")"
echo "$tree"
