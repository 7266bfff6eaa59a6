#!/usr/bin/env bash
# A CPython 3.13 linked against musl, built here from Debian's python3.13
# source with musl-gcc: to run the musllinux wheels zlig builds
# (tests/test_crossos.py). A few minutes on 2 cores, once.
#
# Usage: scripts/musl-python.sh   (as root, or with passwordless sudo)
#   - installs musl-tools (apt) for musl-gcc; gets the source with
#     scripts/cpython-source.sh;
#   - configures and builds out of tree in $ZLIG_MUSL_ROOT/python, and runs
#     from there, not installed (`make install` would compile the standard
#     library three times over): python is $ROOT/python, its headers are the
#     source's Include/ plus $ROOT (pyconfig.h), its standard library the
#     source's Lib/;
#   - ZLIG_MUSL_ROOT defaults to <repo>/.cache/musl;
#   - idempotent: a second run with a finished build does nothing;
#   - the last line of stdout is the build folder's absolute path (ROOT), the
#     line before it the source tree's.
#
# Only the core interpreter and the modules that need no other library are
# built (musl-gcc sees none of the system's glibc libraries: no zlib, ssl,
# ffi, ...), at -O1 without debug info, enough to import and call extension
# modules. Its EXT_SUFFIX is .cpython-313-x86_64-linux-musl.so.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
root=${ZLIG_MUSL_ROOT:-$repo/.cache/musl}
mkdir -p "$root"
root=$(cd "$root" && pwd)
build=$root/python
stamp=$build/.zlig-musl-python

log() { echo "musl-python: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo -n "$@"
    fi
}

# The build runs from its source tree (the standard library is the source's
# Lib/): a build whose source tree is gone (a removed checkout) is redone.
if [ -f "$stamp" ] && [ -d "$(cat "$stamp")/Lib" ]; then
    log "already built"
    cat "$stamp"
    echo "$build"
    exit 0
fi

if ! command -v musl-gcc >/dev/null 2>&1; then
    log "installing musl-tools"
    as_root apt-get update -q </dev/null >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends \
        musl-tools make </dev/null >&2
fi

source=$(bash "$repo/scripts/cpython-source.sh" | tail -n 1)

# configure asks the compiler for its multiarch name (musl-gcc, a gcc
# wrapper, answers x86_64-linux-gnu) and then refuses the mismatch with the
# musl triplet it detects: a compiler that has none is taken at its word.
cc=$root/musl-cc
cat >"$cc" <<'EOF'
#!/bin/sh
for arg in "$@"; do
    [ "$arg" = "--print-multiarch" ] && exit 1
done
exec musl-gcc "$@"
EOF
chmod +x "$cc"

rm -rf "$build"
mkdir -p "$build"
log "configuring (CPython $(cat "$source/.zlig-cpython-source"))"
(cd "$build" && CC=$cc PKG_CONFIG=/bin/false OPT="-DNDEBUG -O1" "$source/configure" \
    --without-ensurepip --disable-test-modules </dev/null >configure.log 2>&1) || {
    tail -n 30 "$build/configure.log" >&2
    exit 1
}
log "building with $(nproc) jobs"
(cd "$build" && make -j"$(nproc)" python >make.log 2>&1 && make sharedmods >>make.log 2>&1) || {
    tail -n 30 "$build"/make.log >&2
    exit 1
}
suffix=$("$build/python" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
if [ "$suffix" != ".cpython-313-x86_64-linux-musl.so" ]; then
    log "built a Python whose EXT_SUFFIX is $suffix"
    exit 1
fi
echo "$source" >"$stamp"
log "ready ($(du -sh "$build" | cut -f1))"
echo "$source"
echo "$build"
