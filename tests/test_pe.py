"""The Windows audit (zlig/platforms/pe.py): reading PE files and the reasons a built
file is refused. Real files are read in tests/test_crossos.py."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from zlig.platforms import pe
from zlig.runtime.errors import BuildError

CRT = ("api-ms-win-crt-runtime-l1-1-0.dll", "KERNEL32.dll")


def info(*imports: str, arch: str = "amd64", exports: str = "PyInit__core") -> pe.PeInfo:
    return pe.PeInfo(arch, (*imports, *CRT), frozenset([exports]))


def test_a_clean_abi3_extension() -> None:
    assert pe.violations(info("python3.dll"), "amd64", "python3.dll", "PyInit__core") == []


@pytest.mark.parametrize(
    ("built", "message"),
    [
        (info("python3.dll", arch="arm64"), "was built for arm64, not amd64"),
        (
            info("python3.dll", exports="PyInit_other"),
            "does not export PyInit__core, so Python cannot import it",
        ),
        (info("python313.dll"), "imports python313.dll, but the wheel is for python3.dll"),
        (
            info("python3.dll", "libfoo.dll"),
            "imports libfoo.dll, which is not part of Windows; link it statically (a DLL "
            "beside the extension is not found when it is imported)",
        ),
    ],
)
def test_refusals(built: pe.PeInfo, message: str) -> None:
    assert pe.violations(built, "amd64", "python3.dll", "PyInit__core") == [message]


def test_system_dlls_pass_in_any_case() -> None:
    built = info("PYTHON3.DLL", "WS2_32.dll", "api-ms-win-crt-math-l1-1-0.dll")
    assert pe.violations(built, "amd64", "python3.dll", "PyInit__core") == []


def test_an_unreadable_file_is_a_build_error(tmp_path: Path) -> None:
    path = tmp_path / "_core.pyd"
    path.write_bytes(b"\x7fELF" + bytes(60))
    with pytest.raises(BuildError) as raised:
        pe.read_pe(path)
    assert str(raised.value) == f"cannot read the built file {path}: not a PE file (no MZ header)"
    header = b"MZ" + bytes(58) + struct.pack("<I", 64) + b"PE\0\0" + bytes(20)
    path.write_bytes(header)
    with pytest.raises(BuildError) as raised:
        pe.read_pe(path)
    assert str(raised.value) == f"cannot read the built file {path}: a truncated PE file"
    path.write_bytes(header + struct.pack("<H", 0x10B) + bytes(300))
    with pytest.raises(BuildError) as raised:
        pe.read_pe(path)
    assert str(raised.value) == f"cannot read the built file {path}: not a 64-bit (PE32+) file"


def test_audit_names_the_extension(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pe, "read_pe", lambda path: info("python313.dll"))
    with pytest.raises(BuildError) as raised:
        pe.audit([("pkg.sub._core", tmp_path / "_core.pyd", "python3.dll")], "amd64")
    assert str(raised.value) == (
        "pkg.sub._core: _core.pyd imports python313.dll, but the wheel is for python3.dll"
    )
