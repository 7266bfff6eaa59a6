"""The macOS audit (zlig/platforms/macho.py): the reasons a built file is refused, and
fat files read back. Real builds are audited in tests/test_crossos.py."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from zlig.platforms import macho
from zlig.runtime.errors import BuildError

SYSTEM = "/usr/lib/libSystem.B.dylib"


def piece(arch: str = "arm64", **fields: object) -> macho.Slice:
    values: dict[str, object] = {
        "min_macos": (11, 0),
        "dylibs": (SYSTEM,),
        "install_name": "@rpath/_core.abi3.so",
        "exports": frozenset(["_PyInit__core"]),
        **fields,
    }
    return macho.Slice(arch, **values)  # type: ignore[arg-type]


def problems(*slices: macho.Slice, floors: dict[str, tuple[int, int]] | None = None) -> list[str]:
    return macho.violations(slices, floors or {"arm64": (11, 0)}, "PyInit__core", "/p/build")


def test_a_clean_extension() -> None:
    assert problems(piece()) == []
    both = {"x86_64": (10, 9), "arm64": (11, 0)}
    assert problems(piece("x86_64", min_macos=(10, 9)), piece(), floors=both) == []


@pytest.mark.parametrize(
    ("built", "message"),
    [
        (piece("x86_64"), "was built for x86_64, not arm64"),
        (piece(min_macos=(13, 0)), "(arm64) needs macOS 13.0, newer than the wheel's 11.0"),
        (piece(min_macos=None), "(arm64) names no minimum macOS version"),
        (
            piece(exports=frozenset()),
            "(arm64) does not export PyInit__core, so Python cannot import it",
        ),
        (
            piece(dylibs=(SYSTEM, "/opt/homebrew/lib/libz.1.dylib")),
            "(arm64) loads /opt/homebrew/lib/libz.1.dylib, which is not part of macOS; link it "
            "statically",
        ),
        (
            piece(install_name="/p/build/zlig/out/_core.abi3.so"),
            "(arm64) names the build folder: /p/build/zlig/out/_core.abi3.so",
        ),
    ],
)
def test_refusals(built: macho.Slice, message: str) -> None:
    assert problems(built) == [message]


def thin(cpu: int) -> bytes:
    """A Mach-O header without load commands."""
    return struct.pack("<IiiIIIII", 0xFEEDFACF, cpu, 0, 6, 0, 0, 0, 0) + b"body"


def test_fat_file_read_back(tmp_path: Path) -> None:
    parts = [tmp_path / "x86_64", tmp_path / "arm64"]
    parts[0].write_bytes(thin(0x01000007))
    parts[1].write_bytes(thin(0x0100000C))
    macho.make_fat(parts, tmp_path / "fat.so")
    slices = macho.read_macho(tmp_path / "fat.so")
    assert [s.arch for s in slices] == ["x86_64", "arm64"]
    assert [s.min_macos for s in slices] == [None, None]


def test_unreadable_files(tmp_path: Path) -> None:
    path = tmp_path / "_core.abi3.so"
    path.write_bytes(b"\x7fELF" + bytes(60))
    with pytest.raises(BuildError) as raised:
        macho.read_macho(path)
    assert str(raised.value) == f"cannot read the built file {path}: not a 64-bit Mach-O file"
    path.write_bytes(struct.pack(">I", 0xCAFEBABE))
    with pytest.raises(BuildError) as raised:
        macho.read_macho(path)
    assert str(raised.value) == f"cannot read the built file {path}: a truncated Mach-O file"
