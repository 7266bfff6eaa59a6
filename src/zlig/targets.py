"""The platforms ``-C target=`` names: what each is, in Zig's and in Python's words.

The names follow Zig's own triples. Only what differs between targets is
written here; target.py turns one into the build's Platform.
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
    # Windows pyconfig.h and its DLLs' exports ship with zlig (windows.py).
    "x86_64-windows": TargetInfo("x86_64-windows-gnu", "amd64", "AMD64"),
    "aarch64-windows": TargetInfo("aarch64-windows-gnu", "arm64", "ARM64"),
    # The oldest macOS each architecture's wheels usually claim (CPython's
    # own installers: 10.9 for Intel, 11.0 for Apple silicon); abi3 only.
    "x86_64-macos": TargetInfo("x86_64-macos.10.9", "x86_64", "x86_64"),
    "aarch64-macos": TargetInfo("aarch64-macos.11.0", "arm64", "arm64"),
    # Both, in one fat file (compile.py builds each and joins them); tagged
    # with the older minimum. Sources' markers see platform_machine 'universal2'.
    "universal2-macos": TargetInfo("universal2-macos.10.9", "universal2", "universal2"),
}
