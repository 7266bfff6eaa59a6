"""macOS extensions (Mach-O files): what they are built for and what they load,
the audit delocate would make, and the fat (universal2) file made of two.

Read by hand, with ``struct``, as PE files (pe.py): the header, a few load
commands and the symbol table are fixed-size records. macholib (delocate's
reader) would add a dependency to every isolated build for that.

A universal2 file is a fat header followed by the two thin files unchanged,
each at an offset aligned to its page size: the arm64 slice keeps the ad-hoc
code signature the linker wrote, which any edit of its bytes would break.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..runtime.errors import BuildError

#: Mach-O CPU type -> wheel architecture.
CPU_TYPES = {0x01000007: "x86_64", 0x0100000C: "arm64"}
_MAGIC_64 = 0xFEEDFACF
_FAT_MAGIC = 0xCAFEBABE
_LC_ID_DYLIB, _LC_LOAD_DYLIB, _LC_SYMTAB = 0xD, 0xC, 0x2
_LC_LOAD_WEAK_DYLIB, _LC_REEXPORT_DYLIB = 0x80000018, 0x8000001F
_LC_VERSION_MIN_MACOSX, _LC_BUILD_VERSION = 0x24, 0x32
#: Folders of the libraries every macOS has: a wheel may link those only.
SYSTEM_PREFIXES = ("/usr/lib/", "/System/Library/")


@dataclass(frozen=True)
class Slice:
    """One architecture of a Mach-O file."""

    arch: str
    #: The minimum macOS (LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX), e.g. (11, 0).
    min_macos: tuple[int, int] | None
    dylibs: tuple[str, ...]
    install_name: str | None
    #: Exported (external, defined) symbols, with the leading underscore.
    exports: frozenset[str]


def read_macho(path: Path) -> list[Slice]:
    """The slices of a thin or fat Mach-O file."""
    try:
        data = path.read_bytes()
        (magic,) = struct.unpack_from(">I", data)
        if magic == _FAT_MAGIC:
            (count,) = struct.unpack_from(">I", data, 4)
            slices = []
            for i in range(count):
                _, _, offset, size, _ = struct.unpack_from(">iiIII", data, 8 + 20 * i)
                slices.append(_read_thin(data[offset : offset + size]))
            return slices
        return [_read_thin(data)]
    except struct.error:
        raise BuildError(f"cannot read the built file {path}: a truncated Mach-O file") from None
    except (OSError, ValueError) as e:
        raise BuildError(f"cannot read the built file {path}: {e}") from None


def _read_thin(data: bytes) -> Slice:
    magic, cpu, _, _, ncmds, _, _, _ = struct.unpack_from("<IiiIIIII", data)
    if magic != _MAGIC_64:
        raise ValueError("not a 64-bit Mach-O file")
    offset = 32
    min_macos = install_name = None
    dylibs: list[str] = []
    exports: frozenset[str] = frozenset()
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", data, offset)
        if cmd in (_LC_LOAD_DYLIB, _LC_LOAD_WEAK_DYLIB, _LC_REEXPORT_DYLIB, _LC_ID_DYLIB):
            (name_at,) = struct.unpack_from("<I", data, offset + 8)
            raw = data[offset + name_at : offset + size]
            name = raw.split(b"\0", 1)[0].decode("utf-8", "replace")
            if cmd == _LC_ID_DYLIB:
                install_name = name
            else:
                dylibs.append(name)
        elif cmd == _LC_BUILD_VERSION:
            (version,) = struct.unpack_from("<I", data, offset + 12)
            min_macos = (version >> 16, (version >> 8) & 0xFF)
        elif cmd == _LC_VERSION_MIN_MACOSX:
            (version,) = struct.unpack_from("<I", data, offset + 8)
            min_macos = (version >> 16, (version >> 8) & 0xFF)
        elif cmd == _LC_SYMTAB:
            exports = _exports(data, *struct.unpack_from("<IIII", data, offset + 8))
        offset += size
    arch = CPU_TYPES.get(cpu & 0xFFFFFFFF, f"cpu type {cpu:#x}")
    return Slice(arch, min_macos, tuple(dylibs), install_name, exports)


def _exports(data: bytes, symoff: int, nsyms: int, stroff: int, strsize: int) -> frozenset[str]:
    names = set()
    for i in range(nsyms):
        strx, kind, section, _, _ = struct.unpack_from("<IBBhQ", data, symoff + 16 * i)
        # External (N_EXT) and defined in a section (N_SECT), not a debugging entry.
        if kind & 0xE0 == 0 and kind & 0x01 and kind & 0x0E == 0x0E:
            start = stroff + strx
            names.add(data[start : data.index(b"\0", start)].decode("utf-8", "replace"))
    return frozenset(names)


def violations(
    slices: Sequence[Slice], floors: Mapping[str, tuple[int, int]], init: str, build: str
) -> list[str]:
    """Why a built file would not load on the macOS its wheel tag claims.

    ``floors`` gives each architecture the tag names (two for universal2) its
    minimum macOS; ``build`` is the build folder, which the install name
    must not name."""
    found = [s.arch for s in slices]
    if sorted(found) != sorted(floors):
        return [f"was built for {', '.join(found)}, not {', '.join(floors)}"]
    problems = []
    for piece in slices:
        tag = "{}.{}".format(*floors[piece.arch])
        if piece.min_macos is None:
            problems.append(f"({piece.arch}) names no minimum macOS version")
        elif piece.min_macos > floors[piece.arch]:
            problems.append(
                f"({piece.arch}) needs macOS {piece.min_macos[0]}.{piece.min_macos[1]}, newer "
                f"than the wheel's {tag}"
            )
        if "_" + init not in piece.exports:
            problems.append(f"({piece.arch}) does not export {init}, so Python cannot import it")
        for dylib in piece.dylibs:
            if not dylib.startswith(SYSTEM_PREFIXES):
                problems.append(
                    f"({piece.arch}) loads {dylib}, which is not part of macOS; link it statically"
                )
        if piece.install_name and build in piece.install_name:
            problems.append(f"({piece.arch}) names the build folder: {piece.install_name}")
    return problems


def audit(
    files: Iterable[tuple[str, Path]], floors: Mapping[str, tuple[int, int]], build: str
) -> None:
    """Check each built file; BuildError naming the first problem."""
    for name, path in files:
        init = "PyInit_" + name.rpartition(".")[2]
        problems = violations(read_macho(path), floors, init, build)
        if problems:
            raise BuildError(f"{name}: {path.name} {problems[0]}")


def make_fat(thin: Sequence[Path], dest: Path) -> None:
    """Join thin Mach-O files into one fat file (what ``lipo -create`` does)."""
    datas = [p.read_bytes() for p in thin]
    header = struct.pack(">II", _FAT_MAGIC, len(datas))
    offset = 8 + 20 * len(datas)
    entries, body = [], b""
    for data in datas:
        cpu, subtype = struct.unpack_from("<ii", data, 4)
        align = 14  # 16 KiB: arm64's page size, and a multiple of x86_64's
        start = -(-(offset + len(body)) // (1 << align)) * (1 << align)
        body += bytes(start - offset - len(body)) + data
        entries.append(struct.pack(">iiIII", cpu, subtype, start, len(data), align))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(header + b"".join(entries) + body)
