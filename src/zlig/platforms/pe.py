"""Windows extensions (PE files): what they are built for and what they load,
and the audit that checks it, as delvewheel would before a wheel is published.

A ``.pyd`` is a DLL. The audit reads three things: the machine type in the
COFF header, the names of the DLLs in the import directory (and the delay-load
directory), and the names in the export directory (``PyInit_<name>`` must be
there, or Python cannot import the module).

These are read by hand, with ``struct``: they are a few fixed-size fields at
offsets the PE/COFF specification gives, and the parser is ~80 lines. A
library (``pefile``) would add a dependency to every isolated build for that,
and it parses far more than the audit needs.
"""

from __future__ import annotations

import fnmatch
import struct
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..runtime.errors import BuildError

#: COFF machine type -> wheel architecture (``win_<arch>``).
MACHINES = {0x8664: "amd64", 0xAA64: "arm64", 0x14C: "x86"}

#: DLLs that are part of every Windows an extension can run on (the Universal
#: CRT is, from Windows 10 on, and is installed with CPython before that). An
#: extension needing any other DLL would fail to import where it is missing.
SYSTEM_DLLS = (
    "api-ms-win-crt-*.dll",
    "api-ms-win-core-*.dll",
    "kernel32.dll",
    "ntdll.dll",
    "ucrtbase.dll",
    "advapi32.dll",
    "bcrypt.dll",
    "user32.dll",
    "gdi32.dll",
    "shell32.dll",
    "ole32.dll",
    "oleaut32.dll",
    "ws2_32.dll",
    "crypt32.dll",
    "secur32.dll",
    "shlwapi.dll",
    "version.dll",
    "winmm.dll",
    "psapi.dll",
    "dbghelp.dll",
    "iphlpapi.dll",
    "userenv.dll",
)

_IMPORT, _DELAY_IMPORT, _EXPORT = 1, 13, 0  # data directory indices


@dataclass(frozen=True)
class PeInfo:
    """What the audit needs to know about one built file."""

    #: ``amd64``, ``arm64``.
    arch: str
    #: DLL names, as written in the file (case varies: ``KERNEL32.dll``).
    imports: tuple[str, ...]
    exports: frozenset[str]


class _Image:
    """A PE file's bytes, with reads at relative virtual addresses."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        if data[:2] != b"MZ":
            raise ValueError("not a PE file (no MZ header)")
        (pe,) = struct.unpack_from("<I", data, 0x3C)
        if data[pe : pe + 4] != b"PE\0\0":
            raise ValueError("not a PE file (no PE signature)")
        self.machine, sections, _, _, _, optional_size, _ = struct.unpack_from(
            "<HHIIIHH", data, pe + 4
        )
        optional = pe + 24
        (magic,) = struct.unpack_from("<H", data, optional)
        if magic != 0x20B:
            raise ValueError("not a 64-bit (PE32+) file")
        (count,) = struct.unpack_from("<I", data, optional + 108)
        self.directories = [
            struct.unpack_from("<II", data, optional + 112 + 8 * i) for i in range(count)
        ]
        table = optional + optional_size
        #: (virtual address, virtual size, file offset, raw size)
        self.sections: list[tuple[int, int, int, int]] = []
        for i in range(sections):
            size, address, raw_size, raw = struct.unpack_from("<IIII", data, table + 40 * i + 8)
            self.sections.append((address, max(size, raw_size), raw, raw_size))

    def offset(self, rva: int) -> int:
        for address, size, raw, raw_size in self.sections:
            if address <= rva < address + size and rva - address < raw_size:
                return raw + rva - address
        raise ValueError(f"address {rva:#x} is in no section")

    def u32(self, rva: int, index: int = 0) -> int:
        return int(struct.unpack_from("<I", self.data, self.offset(rva) + 4 * index)[0])

    def string(self, rva: int) -> str:
        start = self.offset(rva)
        return self.data[start : self.data.index(b"\0", start)].decode("ascii", "replace")

    def directory(self, index: int) -> tuple[int, int]:
        return self.directories[index] if index < len(self.directories) else (0, 0)

    def imports(self) -> list[str]:
        names = []
        # Import descriptors are 20 bytes (name at +12), delay-load ones 32
        # (name at +4); both lists end with an all-zero entry.
        for index, size, name_at in ((_IMPORT, 20, 3), (_DELAY_IMPORT, 32, 1)):
            rva, _ = self.directory(index)
            while rva:
                name = self.u32(rva, name_at)
                if not name:
                    break
                names.append(self.string(name))
                rva += size
        return names

    def exports(self) -> frozenset[str]:
        rva, _ = self.directory(_EXPORT)
        if not rva:
            return frozenset()
        count, names = self.u32(rva, 6), self.u32(rva, 8)
        return frozenset(self.string(self.u32(names, i)) for i in range(count))


def read_pe(path: Path) -> PeInfo:
    try:
        image = _Image(path.read_bytes())
        info = PeInfo(
            MACHINES.get(image.machine, f"machine {image.machine:#x}"),
            tuple(image.imports()),
            image.exports(),
        )
    except struct.error:
        raise BuildError(f"cannot read the built file {path}: a truncated PE file") from None
    except (OSError, ValueError) as e:
        raise BuildError(f"cannot read the built file {path}: {e}") from None
    return info


def violations(info: PeInfo, arch: str, python_dll: str, init: str) -> list[str]:
    """Why a built file would not load on ``win_<arch>`` with that Python DLL."""
    if info.arch != arch:
        return [f"was built for {info.arch}, not {arch}"]
    problems = []
    if init not in info.exports:
        problems.append(f"does not export {init}, so Python cannot import it")
    for dll in info.imports:
        name = dll.lower()
        if name == python_dll or any(fnmatch.fnmatchcase(name, p) for p in SYSTEM_DLLS):
            continue
        if fnmatch.fnmatchcase(name, "python3*.dll"):
            problems.append(f"imports {dll}, but the wheel is for {python_dll}")
        else:
            problems.append(
                f"imports {dll}, which is not part of Windows; link it statically "
                "(a DLL beside the extension is not found when it is imported)"
            )
    return problems


def audit(files: Iterable[tuple[str, Path, str]], arch: str) -> None:
    """Check each built file; BuildError naming the first problem.

    ``files`` are (extension name, built file, Python DLL it must import)
    triples, the DLL ``python3.dll`` for abi3 extensions, else e.g.
    ``python313.dll``.
    """
    for name, path, python_dll in files:
        init = "PyInit_" + name.rpartition(".")[2]
        problems = violations(read_pe(path), arch, python_dll, init)
        if problems:
            raise BuildError(f"{name}: {path.name} {problems[0]}")
