#!/usr/bin/env bash
# A CPython 3.13 linked against musl, built here from Debian's python3.13
# source with musl-gcc: to run the musllinux wheels zlig builds
# (tests/test_crossos.py). ~4 minutes on 2 cores, once.
#
# Usage: scripts/musl-python.sh   (as root, or with passwordless sudo)
#   - installs musl-tools (apt) for musl-gcc; gets the source with
#     scripts/cpython-source.sh;
#   - configures and builds out of tree in $ZLIG_MUSL_ROOT/build, installs
#     into $ZLIG_MUSL_ROOT/python (bin/python3.13, include/python3.13);
#   - ZLIG_MUSL_ROOT defaults to <repo>/.cache/musl;
#   - idempotent: a second run with a finished install does nothing;
#   - the last line of stdout is the install's absolute path.
#
# Only the core interpreter and the modules that need no other library are
# built (musl-gcc sees none of the system's glibc libraries: no zlib, ssl,
# ffi, ...), enough to import and call extension modules. Its EXT_SUFFIX is
# .cpython-313-x86_64-linux-musl.so.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
root=${ZLIG_MUSL_ROOT:-$repo/.cache/musl}
mkdir -p "$root"
root=$(cd "$root" && pwd)
prefix=$root/python
stamp=$prefix/.zlig-musl-python

log() { echo "musl-python: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo -n "$@"
    fi
}

if [ -f "$stamp" ]; then
    log "already built"
    echo "$prefix"
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

build=$root/build
rm -rf "$build" "$prefix"
mkdir -p "$build"
log "configuring (CPython $(cat "$source/.zlig-cpython-source"))"
(cd "$build" && CC=$cc PKG_CONFIG=/bin/false "$source/configure" --prefix="$prefix" \
    --without-ensurepip --disable-test-modules </dev/null >configure.log 2>&1) || {
    tail -n 30 "$build/configure.log" >&2
    exit 1
}
log "building with $(nproc) jobs"
(cd "$build" && make -j"$(nproc)" >make.log 2>&1 && make install >install.log 2>&1) || {
    tail -n 30 "$build"/make.log "$build"/install.log >&2 2>/dev/null
    exit 1
}
suffix=$("$prefix/bin/python3.13" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
if [ "$suffix" != ".cpython-313-x86_64-linux-musl.so" ]; then
    log "built a Python whose EXT_SUFFIX is $suffix"
    exit 1
fi
rm -rf "$build"
echo "$suffix" >"$stamp"
log "ready ($(du -sh "$prefix" | cut -f1))"
echo "$prefix"
