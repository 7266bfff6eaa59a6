"""Wheels for other operating systems, built on this Linux machine and run here:
Windows x86_64 abi3 wheels under wine, by the official embeddable CPython 3.9
and 3.13 (scripts/windows-python.sh sets them up once, in .cache/windows).

The first Windows build on a machine compiles MinGW-w64's C runtime (1.5–3
minutes, then in Zig's global cache)."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

from zlig import pe, windows

from .conftest import check, check_wheel, hook_value, run_hook, run_on_windows, wheel_members

pytestmark = [pytest.mark.slow, pytest.mark.crossos]

ABI3AUDIT = Path(sys.executable).with_name("abi3audit")
WINDOWS = {"target": "x86_64-windows"}
#: CPython for Windows under wine: the embeddable 3.9 and 3.13.
VERSIONS = ["39", "313"]


def build(path: Path, settings: dict[str, str]) -> Path:
    name = hook_value(run_hook(path, f"build_wheel('dist', {settings!r})"))
    return path / "dist" / str(name)


def extract(wheel: Path, member: str, dest: Path) -> Path:
    with zipfile.ZipFile(wheel) as zf:
        return Path(zf.extract(member, dest))


def check_abi3audit(wheel: Path) -> None:
    out = check([ABI3AUDIT, "--strict", "--summary", wheel])
    assert "0 ABI version mismatches and 0 ABI violations" in " ".join(
        (out.stdout + out.stderr).split()
    )


def test_abi3_wheel_for_windows(project, windows_python: Path, tmp_path: Path) -> None:
    path = project("limited")
    wheel = build(path, WINDOWS)
    assert wheel.name == "limited-1.0-cp39-abi3-win_amd64.whl"
    assert wheel_members(wheel) == {
        "limited/__init__.py",
        "limited/_core.pyd",
        "limited-1.0.dist-info/WHEEL",
        "limited-1.0.dist-info/METADATA",
        "limited-1.0.dist-info/RECORD",
    }
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read("limited-1.0.dist-info/WHEEL").decode()
    assert "Root-Is-Purelib: false\nTag: cp39-abi3-win_amd64\n" in text
    info = pe.read_pe(extract(wheel, "limited/_core.pyd", tmp_path))
    assert info.arch == "amd64"
    assert info.exports == {"PyInit__core"}
    assert {i.lower() for i in info.imports} == {
        "python3.dll",
        "kernel32.dll",
        "api-ms-win-crt-heap-l1-1-0.dll",
        "api-ms-win-crt-runtime-l1-1-0.dll",
        "api-ms-win-crt-stdio-l1-1-0.dll",
    }
    check_wheel(wheel)
    check_abi3audit(wheel)
    code = (
        "import limited; print(limited.add(2, 40), limited.version(), limited._core.__file__[-9:])"
    )
    for version in VERSIONS:
        out = run_on_windows(windows_python, version, wheel, code, tmp_path)
        assert out == f"42 {version[0]}.{version[1:]} _core.pyd\n"


def test_cxx_abi3_wheel_for_windows(project, windows_python: Path, tmp_path: Path) -> None:
    """C++ and C in one extension: exceptions, RTTI and libc++, linked statically."""
    path = project("cxx")
    wheel = build(path, {**WINDOWS, "py-limited-api": "cp39"})
    assert wheel.name == "cxxpkg-1.0-cp39-abi3-win_amd64.whl"
    assert "cxxpkg/_core.pyd" in wheel_members(wheel)
    info = pe.read_pe(extract(wheel, "cxxpkg/_core.pyd", tmp_path))
    assert not [i for i in info.imports if "c++" in i.lower() or "stdc" in i.lower()]
    check_wheel(wheel)
    check_abi3audit(wheel)
    code = (
        "import cxxpkg; print(cxxpkg.divide(7, 2), cxxpkg.rtti(), cxxpkg.total([1, 2, 3]))\n"
        "try:\n    cxxpkg.divide(1, 0)\nexcept ZeroDivisionError as e:\n    print(e)\n"
    )
    for version in VERSIONS:
        out = run_on_windows(windows_python, version, wheel, code, tmp_path)
        assert out == "3 (True, 'N12_GLOBAL__N_17DerivedE') 60\ncannot divide by zero\n"


def test_import_library_matches_python3_dll(windows_python: Path) -> None:
    """The import library zlig makes for a floor (from the shipped
    stable-abi.txt) names only what the real python3.dll of that version
    exports: all of it for 3.13; for 3.9, whose python3.dll was written by
    hand, all but 36 names that later versions dropped (PyImport_Cleanup, …)
    or that entered the limited API only in 3.10 (PyObject_CallNoArgs)."""
    dll = windows_python / "python{}" / "python3.dll"
    new = pe.read_pe(Path(str(dll).format("313"))).exports
    assert {name for name, _ in windows.stable_abi((3, 13))} == new
    old = pe.read_pe(Path(str(dll).format("39"))).exports
    ours = {name for name, _ in windows.stable_abi((3, 9))}
    assert ours < old
    assert len(old - ours) == 36
    assert {"PyImport_Cleanup", "PyObject_CallNoArgs"} < old - ours


def test_function_newer_than_the_abi3_floor_fails_to_link(project) -> None:
    path = project("limited")
    core = path / "src" / "limited" / "core.c"
    text = core.read_text().replace(
        "#include <Python.h>\n",
        "#include <Python.h>\nPyAPI_FUNC(int) PyModule_AddType(PyObject *, PyTypeObject *);\n",
    )
    core.write_text(
        text.replace(
            "{ return PyModule_Create(&module); }",
            "{ PyObject *m = PyModule_Create(&module);"
            " return PyModule_AddType(m, &PyLong_Type) < 0 ? NULL : m; }",
        )
    )
    result = run_hook(path, f"build_wheel('dist', {WINDOWS!r})")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "zlig: error: limited._core: undefined symbol 'PyModule_AddType': python3.dll exports "
        "it from CPython 3.10 on, after py-limited-api cp39; raise "
        "tool.zlig.extensions[0].py-limited-api (or tool.zlig.py-limited-api) or do without it"
    )
    # With the floor at 3.10, the same source links.
    assert build(path, {**WINDOWS, "py-limited-api": "cp310"}).name == (
        "limited-1.0-cp310-abi3-win_amd64.whl"
    )
