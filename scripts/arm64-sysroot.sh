#!/usr/bin/env bash
# An arm64 (aarch64) Debian 12 sysroot with Debian's CPython 3.11, to run
# under qemu-user on an x86_64 Debian 12 host: for testing wheels that zlig
# cross-compiles for aarch64, and for the target's Python headers.
#
# Usage: scripts/arm64-sysroot.sh   (as root, or with passwordless sudo)
#   - installs qemu-user (apt), adds the arm64 dpkg architecture, then
#     `apt-get download`s the arm64 .debs into $ZLIG_ARM64_ROOT/debs and
#     `dpkg -x`es them into $ZLIG_ARM64_ROOT/sysroot;
#   - ZLIG_ARM64_ROOT defaults to <repo>/.cache/arm64 (a relative one is
#     taken from the current folder);
#   - idempotent: a second run with a complete sysroot touches neither apt nor
#     the network; it only makes sure qemu-aarch64 is there;
#   - the last line of stdout is the sysroot's absolute path.
#
# Running Python under qemu with this sysroot (SYSROOT = that last line):
#
#   PYTHONHOME="$SYSROOT/usr" PYTHONNOUSERSITE=1 \
#       qemu-aarch64 -L "$SYSROOT" "$SYSROOT/usr/bin/python3.11" -c '...'
#
#   - `-L "$SYSROOT"` (or QEMU_LD_PREFIX="$SYSROOT") makes qemu find the
#     aarch64 loader /lib/ld-linux-aarch64.so.1 and the shared libraries in
#     the sysroot. qemu applies that prefix to every absolute path the program
#     opens, and falls back to the host's file where the sysroot has none.
#   - PYTHONHOME pins sys.prefix and sys.exec_prefix to "$SYSROOT/usr", so the
#     standard library and lib-dynload come from the sysroot only, never from
#     the host's /usr/lib/python3* (host x86_64 extension modules cannot load).
#     Python finds that same prefix from its executable's path without it;
#     PYTHONHOME just makes it explicit. sys.path is then only '' or the
#     script's folder, PYTHONPATH, and $SYSROOT/usr/lib/python3.11{,
#     /lib-dynload} (the sysroot has no dist-packages).
#   - PYTHONNOUSERSITE=1 keeps the host user's ~/.local site-packages out.
#   - To import a wheel's content: unzip the wheel into a folder and add
#     PYTHONPATH=<folder>. Do not pass -I or -E: they drop PYTHONHOME and
#     PYTHONPATH.
#   - Only python3.11 is there (no python3 link). Expect sys.platform 'linux',
#     cache_tag 'cpython-311', EXT_SUFFIX '.cpython-311-aarch64-linux-gnu.so'.
#   - The stdlib's .pyc files are compiled here: a start takes ~0.2 s, and
#     importing json, zipfile, hashlib, ctypes, ssl and sqlite3 ~0.5 s.
#   - Headers for cross-compiling extensions: $SYSROOT/usr/include/python3.11
#     and $SYSROOT/usr/include/aarch64-linux-gnu/python3.11 (pyconfig.h).
#   - `-m venv --without-pip` works too (venv/bin/python3.11 is a symlink to
#     $SYSROOT/usr/bin/python3.11: run it the same way, without PYTHONHOME).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
root=${ZLIG_ARM64_ROOT:-$repo/.cache/arm64}
mkdir -p "$root"
root=$(cd "$root" && pwd)
debs=$root/debs
sysroot=$root/sysroot
stamp=$sysroot/.zlig-arm64-sysroot

# The arm64 packages dpkg -x'ed into the sysroot: Debian's Python 3.11 and the
# shared libraries its interpreter and lib-dynload modules need (readelf
# NEEDED closure; libgcc-s1 because glibc dlopens libgcc_s for thread
# cancellation), plus libpython3.11-dev for the headers and libpython3.11, the
# shared libpython its libpython3.11.so links to. No libgdbm6: Debian's _gdbm
# module is in python3-gdbm, not here.
packages=(
    python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
    libpython3.11 libpython3.11-dev
    libc6 libgcc-s1 zlib1g libexpat1 libssl3 libffi8 libbz2-1.0 liblzma5
    libsqlite3-0 libncursesw6 libtinfo6 libreadline8 libuuid1 libcrypt1
    libdb5.3 libnsl2 libtirpc3
    libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2
    libkeyutils1
)
want="packages: ${packages[*]}"

log() { echo "arm64-sysroot: $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    else
        sudo -n "$@"
    fi
}

export DEBIAN_FRONTEND=noninteractive
apt_updated=
apt_update() {
    if [ -z "$apt_updated" ]; then
        log "apt-get update"
        as_root apt-get update -q </dev/null >&2
        apt_updated=1
    fi
}

complete=
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    complete=1
fi

# 1. The arm64 architecture, before the one apt-get update, if the sysroot
# is still to be made.
# (grep without -q reads all its input: no SIGPIPE for dpkg under pipefail.)
if [ -z "$complete" ] && ! dpkg --print-foreign-architectures | grep -x arm64 >/dev/null; then
    log "dpkg --add-architecture arm64"
    as_root dpkg --add-architecture arm64
fi

# 2. qemu-user (qemu-aarch64). No binfmt_misc: callers run qemu-aarch64.
if ! command -v qemu-aarch64 >/dev/null 2>&1; then
    apt_update
    log "installing qemu-user"
    as_root apt-get install -y -q --no-install-recommends qemu-user </dev/null >&2
fi

if [ -n "$complete" ]; then
    log "sysroot already complete"
    echo "$sysroot"
    exit 0
fi

# 3. The arm64 package lists, then the .debs.
apt_update

mkdir -p "$debs"
specs=()
for p in "${packages[@]}"; do
    specs+=("$p:arm64")
done
# One line per package: 'URI' FILE SIZE HASH. FILE names the exact version,
# so a .deb already in the cache is not downloaded again. Asked from an empty
# folder: apt-get download leaves out the files already in the current one.
empty=$root/empty
rm -rf "$empty"
mkdir "$empty"
uris=$(cd "$empty" && apt-get download --print-uris "${specs[@]}" </dev/null)
rmdir "$empty"
files=()
missing=()
while read -r _uri file _rest; do
    files+=("$file")
    if [ ! -s "$debs/$file" ]; then
        missing+=("${file%%_*}:arm64")
    fi
done <<<"$uris"
if [ "${#files[@]}" -ne "${#packages[@]}" ]; then
    log "apt-get download --print-uris gave ${#files[@]} files for ${#packages[@]} packages"
    exit 1
fi
if [ "${#missing[@]}" -gt 0 ]; then
    log "downloading ${#missing[@]} .debs into $debs"
    sandbox=()
    if [ "$(id -u)" -eq 0 ]; then
        # apt would drop to its _apt user, which cannot write here.
        sandbox=(-o APT::Sandbox::User=root)
    fi
    (cd "$debs" && apt-get download -q "${sandbox[@]}" "${missing[@]}" </dev/null >&2)
fi

# 4. Extract into a fresh folder, then swap it in, so an interrupted run
# never leaves a half-made sysroot behind a stamp.
tmp=$root/sysroot.tmp
rm -rf "$tmp"
mkdir -p "$tmp"
for f in "${files[@]}"; do
    dpkg -x "$debs/$f" "$tmp"
done
for f in "$tmp/usr/bin/python3.11" "$tmp/lib/ld-linux-aarch64.so.1" \
    "$tmp/usr/include/python3.11/Python.h" \
    "$tmp/usr/include/aarch64-linux-gnu/python3.11/pyconfig.h"; do
    if [ ! -e "$f" ]; then
        log "missing after extraction: ${f#"$tmp"/}"
        exit 1
    fi
done
# Not needed to build or run extensions: the static libpython archives
# (23 MB).
rm -f "$tmp"/usr/lib/python3.11/config-3.11-aarch64-linux-gnu/libpython3.11*.a
# Debian compiles the standard library's .pyc files in a postinst, which
# dpkg -x does not run: compile them once (a few seconds under qemu), so each
# later Python start under qemu does not recompile what it imports.
# -I: none of the caller's PYTHON* variables apply; Python finds its prefix
# from its own path.
log "compiling the standard library's .pyc files under qemu"
qemu-aarch64 -L "$tmp" "$tmp/usr/bin/python3.11" -I \
    -m compileall -q "$tmp/usr/lib/python3.11" </dev/null >&2
echo "$want" >"$tmp/.zlig-arm64-sysroot"
rm -rf "$sysroot"
mv "$tmp" "$sysroot"
log "sysroot ready ($(du -sh "$sysroot" | cut -f1))"

echo "$sysroot"
