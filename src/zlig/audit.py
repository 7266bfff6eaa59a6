"""The audit of built extensions, as each platform's own tool would make it
(auditwheel, delvewheel, delocate), and the platform tag it earns."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .compile import Built
    from .target import Target


def platform_tag(target: Target, built: Sequence[Built], folder: Path) -> str:
    """The wheel's platform tag; BuildError if a file would not work where it claims to."""
    plat = target.platform
    files = [(b.extension.name, b.path) for b in built]
    if plat.manylinux:
        from . import manylinux

        floor = manylinux.floor_policy(plat.manylinux, "manylinux")
        return manylinux.audit(files, floor, plat.arch).tags(plat.arch)
    if plat.musllinux:
        from . import musllinux

        return musllinux.audit(files, plat.arch, plat.musllinux)
    if plat.os == "windows":
        from . import pe, windows

        pe.audit(
            [(b.extension.name, b.path, windows.python_dll(b.extension, target)) for b in built],
            plat.arch,
        )
    elif plat.os == "macos":
        from . import macho

        macho.audit(files, macos_floors(plat.plain_tag), str(folder))
    return plat.plain_tag


def macos_floors(tag: str) -> dict[str, tuple[int, int]]:
    """``macosx_11_0_arm64`` -> ``{"arm64": (11, 0)}``: each architecture's minimum macOS.
    A universal2 tag names the Intel slice's (the older); Apple silicon starts at 11.0."""
    match = re.fullmatch(r"macosx_(\d+)_(\d+)_(\w+)", tag)
    assert match, tag
    version = (int(match[1]), int(match[2]))
    if match[3] == "universal2":
        return {"x86_64": version, "arm64": max(version, (11, 0))}
    return {match[3]: version}
