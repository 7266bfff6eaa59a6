"""musllinux: the audit of extensions built against Zig's musl.

Zig bundles musl 1.2.5, so the wheels are ``musllinux_1_2_<arch>``. musl has
no symbol versions; what matters is that an extension needs no shared
library but the C library. Zig's musl names it ``libc.so`` in ``DT_NEEDED``
(on the target its loader answers to that name), Alpine's toolchain
``libc.musl-<arch>.so.1``: both are musl's libc. auditwheel expects the
latter and, on a glibc machine, misreads the former, so zlig does not run it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from pathlib import Path

from ..runtime.errors import BuildError
from .manylinux import read_elf


def allowed(lib: str, arch: str) -> bool:
    return lib in ("libc.so", f"libc.musl-{arch}.so.1", f"ld-musl-{arch}.so.1")


def audit(files: Iterable[tuple[str, Path]], arch: str, version: str) -> str:
    """The platform tag (``musllinux_1_2_x86_64``); BuildError naming the first problem."""
    for name, path in files:
        info = read_elf(path)
        if info.arch != arch:
            raise BuildError(f"{name} was built for {info.arch}, not {arch}")
        for lib in info.needed:
            if not allowed(lib, arch):
                raise BuildError(
                    f"{name} needs {lib}, which musllinux_{version} does not allow: only musl's "
                    "libc; link it statically"
                )
        if info.versions:
            lib, symbol_version = info.versions[0]
            raise BuildError(
                f"{name} uses {symbol_version} from {lib}: built against glibc, not musl"
            )
    return f"musllinux_{version}_{arch}"


@functools.cache
def libc_symbols(zig_dir: Path) -> frozenset[str]:
    """What musl's libc.so exports, for the undefined-symbol check: the names
    of the stub library Zig links against (``lib/libc/musl/libc.S``, one
    ``.globl`` or ``.weak`` line per symbol)."""
    text = (zig_dir / "lib" / "libc" / "musl" / "libc.S").read_text(encoding="utf-8")
    return frozenset(re.findall(r"^\.(?:globl|weak) (\S+)$", text, re.MULTILINE))
