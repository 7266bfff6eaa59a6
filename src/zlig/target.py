"""The Python the extensions are built for: file suffix, headers, wheel tag, Zig target.

Everything is read from the running interpreter's sysconfig; the ABI tag is
derived from ``EXT_SUFFIX``, the same value that names the built files, so the
tag and the file names cannot disagree.
"""

from __future__ import annotations

import platform
import re
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from packaging import tags

from .errors import BuildError

PURE_TAG = "py3-none-any"

_ABI_FROM_SUFFIX = (
    # .cpython-311-x86_64-linux-gnu.so, .cpython-313t-…, .cpython-311d-…
    (re.compile(r"\.cpython-(?P<version>\d+)(?P<flags>[a-z]*)-"), "cp{version}{flags}"),
    # .cp311-win_amd64.pyd, .cp313t-win_amd64.pyd
    (re.compile(r"\.cp(?P<version>\d+)(?P<flags>[a-z]*)-win"), "cp{version}{flags}"),
    # .pypy310-pp73-x86_64-linux-gnu.so
    (re.compile(r"\.(?P<pypy>pypy\d+)-(?P<pp>pp\d+)-"), "{pypy}_{pp}"),
)

_LINUX_32BIT = {"linux_x86_64": "linux_i686", "linux_aarch64": "linux_armv7l"}

#: Wheel platform architecture -> Zig architecture.
_ZIG_ARCH = {
    "x86_64": "x86_64",
    "aarch64": "aarch64",
    "i686": "x86",
    "armv7l": "arm",
    "ppc64le": "powerpc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
}


@dataclass(frozen=True)
class PythonTarget:
    """The interpreter the wheel is for."""

    #: ``EXT_SUFFIX``, e.g. ``.cpython-311-x86_64-linux-gnu.so``.
    ext_suffix: str
    #: Folders holding Python.h and pyconfig.h.
    include_dirs: tuple[Path, ...]
    #: The wheel tag, e.g. ``cp311-cp311-linux_x86_64``.
    tag: str
    #: Zig's ``-target``, e.g. ``x86_64-linux-gnu.2.36``.
    zig_target: str


def abi_tag(ext_suffix: str) -> str:
    """The wheel ABI tag that matches extension files named with ``ext_suffix``."""
    for pattern, template in _ABI_FROM_SUFFIX:
        match = pattern.match(ext_suffix)
        if match:
            return template.format(**match.groupdict())
    raise BuildError(f"cannot derive a wheel ABI tag from EXT_SUFFIX {ext_suffix!r}")


def platform_tag() -> str:
    """The plain platform tag of this interpreter (``linux_x86_64``, never manylinux)."""
    plat = re.sub(r"[-. ]", "_", sysconfig.get_platform())
    # A 32-bit interpreter on a 64-bit Linux kernel reports the kernel's
    # machine; packaging applies the same correction.
    if sys.maxsize <= 2**32 and plat in _LINUX_32BIT:
        plat = _LINUX_32BIT[plat]
    return plat


def zig_target(platform: str, ext_suffix: str) -> str:
    """Zig's target triple for a wheel platform tag."""
    match = re.fullmatch(r"linux_(?P<arch>\w+)", platform)
    if match and match["arch"] in _ZIG_ARCH:
        arch = _ZIG_ARCH[match["arch"]]
        if "musl" in ext_suffix:
            return f"{arch}-linux-musl"
        abi = "gnueabihf" if arch == "arm" else "gnu"
        return f"{arch}-linux-{abi}.{_glibc_version()}"
    # Elsewhere the host is the target; Zig detects it.
    return "native"


def _glibc_version() -> str:
    name, version = platform.libc_ver()
    if name != "glibc" or not version:
        raise BuildError("cannot tell this machine's glibc version for the Zig target")
    return version


def host() -> PythonTarget:
    """The interpreter running this build."""
    ext_suffix = sysconfig.get_config_var("EXT_SUFFIX")
    if not ext_suffix:
        raise BuildError("this Python has no EXT_SUFFIX; it cannot load extension modules")
    interpreter = tags.interpreter_name() + tags.interpreter_version()
    plat = platform_tag()
    include_dirs = dict.fromkeys(
        Path(sysconfig.get_path(name)) for name in ("include", "platinclude")
    )
    return PythonTarget(
        ext_suffix=ext_suffix,
        include_dirs=tuple(include_dirs),
        tag=f"{interpreter}-{abi_tag(ext_suffix)}-{plat}",
        zig_target=zig_target(plat, ext_suffix),
    )
