#!/usr/bin/env bash
# CPython's source, from Debian's python3.13 source package (Debian 13,
# "trixie"), unpacked once into a cache folder: for
# scripts/update_windows_data.py (PC/pyconfig.h.in, Misc/stable_abi.toml) and
# for building a musl CPython (scripts/musl-python.sh).
#
# Usage: scripts/cpython-source.sh
#   - needs apt-get and dpkg-source (dpkg-dev); uses a private apt
#     configuration under the cache folder (a deb-src line of its own, its own
#     package lists), so the machine's apt sources are neither read nor changed;
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

apt=$root/apt
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main" >"$apt/sources.list"
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
