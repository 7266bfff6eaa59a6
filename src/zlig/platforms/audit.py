"""The audit of built extensions, as each platform's own tool would make it
(auditwheel, delvewheel, delocate), and the platform tag it earns.

What the build hands the audits (and the packing) is a ``Built``: the
extension, the file Zig made and its path in the wheel.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..config.extension import Extension

if TYPE_CHECKING:
    from .target import Target

#: The tag of a wheel without extensions.
PURE_TAG = "py3-none-any"


class Built(NamedTuple):
    """A compiled extension and where it belongs."""

    extension: Extension
    #: The file Zig produced.
    path: Path
    #: Its path inside the wheel (and below the package's source folder).
    wheel_path: str


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
