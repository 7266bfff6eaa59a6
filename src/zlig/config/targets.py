"""The platforms ``-C target=`` names: what each is, in Zig's and in Python's words.

The names follow Zig's own triples. Only what differs between targets is
written here; platforms/target.py turns one into the build's Platform.
"""

from __future__ import annotations

from typing import NamedTuple


class TargetInfo(NamedTuple):
    #: Zig's ``-target`` without a version (glibc floor, minimum OS).
    zig: str
    #: The architecture in wheel platform tags: ``x86_64`` (``manylinux_2_17_x86_64``),
    #: ``amd64`` (``win_amd64``).
    arch: str
    #: ``platform.machine()`` there, for sources' markers.
    machine: str

    @property
    def musl(self) -> bool:
        return self.zig.endswith("-musl")

    @property
    def os(self) -> str:
        """``linux``, ``windows`` or ``macos``."""
        return self.zig.split("-")[1].split(".")[0]

    def marker_values(self) -> dict[str, str]:
        """The PEP 508 marker values that differ between platforms."""
        system = {"linux": "Linux", "windows": "Windows", "macos": "Darwin"}[self.os]
        return {
            "platform_machine": self.machine,
            "sys_platform": {"linux": "linux", "windows": "win32", "macos": "darwin"}[self.os],
            "platform_system": system,
            "os_name": "nt" if self.os == "windows" else "posix",
        }


TARGETS = {
    "x86_64-linux-gnu": TargetInfo("x86_64-linux-gnu", "x86_64", "x86_64"),
    "aarch64-linux-gnu": TargetInfo("aarch64-linux-gnu", "aarch64", "aarch64"),
    # 64-bit little-endian only: abi3 extensions are compiled with the build
    # machine's pyconfig.h, which must agree on long size and byte order.
    "powerpc64le-linux-gnu": TargetInfo("powerpc64le-linux-gnu", "ppc64le", "ppc64le"),
    "riscv64-linux-gnu": TargetInfo("riscv64-linux-gnu", "riscv64", "riscv64"),
    # Zig's musl 1.2.5: musllinux_1_2 wheels.
    "x86_64-linux-musl": TargetInfo("x86_64-linux-musl", "x86_64", "x86_64"),
    "aarch64-linux-musl": TargetInfo("aarch64-linux-musl", "aarch64", "aarch64"),
    # MinGW-w64's C runtime on the Universal CRT: no MSVC needed. CPython's
    # Windows pyconfig.h and its DLLs' exports ship with zlig (platforms/windows.py).
    "x86_64-windows": TargetInfo("x86_64-windows-gnu", "amd64", "AMD64"),
    "aarch64-windows": TargetInfo("aarch64-windows-gnu", "arm64", "ARM64"),
    # The minimum macOS is added to the Zig target (macos_minimum below).
    "x86_64-macos": TargetInfo("x86_64-macos", "x86_64", "x86_64"),
    "aarch64-macos": TargetInfo("aarch64-macos", "arm64", "arm64"),
    # Both, in one fat file (builder/compile.py builds each and joins them); tagged
    # with the older minimum. Sources' markers see platform_machine 'universal2'.
    "universal2-macos": TargetInfo("universal2-macos", "universal2", "universal2"),
}

#: The oldest macOS that CPython's own builds for Intel Macs (python.org's
#: installers) run on, from which CPython version on: cibuildwheel's table of
#: the lowest MACOSX_DEPLOYMENT_TARGET per version (docs/platforms.md).
_MACOS_INTEL = (((3, 14), (10, 15)), ((3, 12), (10, 13)), ((3, 0), (10, 9)))
#: The first macOS for Apple silicon.
_MACOS_ARM = (11, 0)


def macos_minimum(arch: str, python: tuple[int, int] | None) -> tuple[int, int]:
    """The minimum macOS of a wheel for ``arch`` (universal2: its Intel slice's,
    which its tag names). Version-specific extensions (``python``, e.g.
    (3, 12)) need what that CPython needs, so that tag and file agree with it;
    abi3 ones (None) claim the oldest any CPython runs on."""
    if arch == "arm64":
        return _MACOS_ARM
    version = python or (3, 0)
    return next(floor for since, floor in _MACOS_INTEL if version >= since)
