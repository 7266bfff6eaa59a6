"""Wheels for other operating systems and C libraries, built on this Linux
machine and run here: Windows x86_64 abi3 wheels under wine, by the official
embeddable CPython 3.9 and 3.13 (scripts/windows-python.sh sets them up once,
in .cache/windows); musllinux x86_64 wheels by a CPython 3.13 built against
musl (scripts/musl-python.sh, once, in .cache/musl). aarch64 musllinux and
macOS wheels cannot run here: they are audited (zlig's own audit, abi3audit,
which reads their files with its own parser, and for macOS delocate's checks
through macholib).

The first Windows build on a machine compiles MinGW-w64's C runtime (1.5–3
minutes, then in Zig's global cache)."""

from __future__ import annotations

import json
import re
import struct
import sys
import zipfile
from pathlib import Path

import pytest

from zlig.platforms import macho, manylinux, pe, windows

from .conftest import (
    check,
    check_wheel,
    hook_value,
    musl_include_dir,
    pyenv_python,
    run_hook,
    run_on_musl,
    run_on_windows,
    wheel_members,
)

pytestmark = [pytest.mark.slow, pytest.mark.crossos]

ABI3AUDIT = Path(sys.executable).with_name("abi3audit")
WINDOWS = {"target": "x86_64-windows"}
#: CPython for Windows under wine: the embeddable 3.9 and 3.13.
VERSIONS = ["39", "313"]


def build(path: Path, settings: dict[str, str]) -> Path:
    name = hook_value(run_hook(path, f"build_wheel('dist', {settings!r})"))
    return path / "dist" / str(name)


def version_specific(target: str, version: str, ext_suffix: str) -> dict[str, str]:
    """The settings of a version-specific build for ``target`` with the
    headers of pyenv's CPython ``version`` (e.g. "3.13")."""
    include = pyenv_python(version).parent.parent / "include" / f"python{version}"
    return {"target": target, "target-ext-suffix": ext_suffix, "target-include-dir": str(include)}


def demo_members(extension: str) -> set[str]:
    """The members of a wheel of examples/demo whose extension is ``extension``."""
    info = "demo-1.0.0.dist-info"
    return {"demo/__init__.py", extension, f"{info}/WHEEL", f"{info}/METADATA", f"{info}/RECORD"}


def extract(wheel: Path, member: str, dest: Path) -> Path:
    with zipfile.ZipFile(wheel) as zf:
        return Path(zf.extract(member, dest))


def check_delocate(wheel: Path, tmp_path: Path, slices: list[tuple[str, tuple[int, int]]]) -> None:
    """delocate's view of a macOS wheel, a second opinion on zlig's audit:
    the wheel name it computes from the files' architectures and minimum
    macOS versions must be the wheel's own, with nothing needing a macOS newer
    than the tag; its Mach-O reader (macholib) must see ``slices`` and only
    libSystem loaded. Only these functions of delocate run here: its commands
    (delocate-listdeps, delocate-wheel) call Apple's otool and lipo."""
    from delocate.delocating import _calculate_minimum_wheel_name, _get_macos_min_version
    from macholib.MachO import MachO
    from packaging.version import Version

    folder = tmp_path / "delocate"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(folder)
    tag = re.search(r"-macosx_(\d+)_(\d+)_\w+\.whl$", wheel.name)
    assert tag
    minimum = Version(f"{tag[1]}.{tag[2]}")
    assert _calculate_minimum_wheel_name(wheel.name, folder, minimum) == (wheel.name, set())
    (binary,) = folder.rglob("*.so")
    found = [(a.lower(), (v.major, v.minor)) for a, v in _get_macos_min_version(binary)]
    assert found == slices
    loads = [[name for _, _, name in h.walkRelocatables()] for h in MachO(str(binary)).headers]
    assert loads == [["/usr/lib/libSystem.B.dylib"]] * len(slices)


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


@pytest.mark.parametrize("version", VERSIONS)
def test_version_specific_cxx_wheel_for_windows(
    project, windows_python: Path, tmp_path: Path, version: str
) -> None:
    """cp39 and cp313: the headers of pyenv's CPython of that version (as
    target-include-dir), python3XY.lib from the shipped export list."""
    dotted = f"{version[0]}.{version[1:]}"
    include = pyenv_python(dotted).parent.parent / "include" / f"python{dotted}"
    settings = {
        **WINDOWS,
        "target-ext-suffix": f".cp{version}-win_amd64.pyd",
        "target-include-dir": str(include),
    }
    wheel = build(project("cxx"), settings)
    assert wheel.name == f"cxxpkg-1.0-cp{version}-cp{version}-win_amd64.whl"
    member = f"cxxpkg/_core.cp{version}-win_amd64.pyd"
    assert member in wheel_members(wheel)
    imports = pe.read_pe(extract(wheel, member, tmp_path)).imports
    assert f"python{version}.dll" in imports
    check_wheel(wheel)
    code = (
        "import cxxpkg; print(cxxpkg.divide(7, 2), cxxpkg.rtti(), cxxpkg.total([1, 2, 3]))\n"
        "try:\n    cxxpkg.divide(1, 0)\nexcept ZeroDivisionError as e:\n    print(e)\n"
    )
    out = run_on_windows(windows_python, version, wheel, code, tmp_path)
    assert out == "3 (True, 'N12_GLOBAL__N_17DerivedE') 60\ncannot divide by zero\n"


def test_zig_extension_for_windows(project, windows_python: Path, tmp_path: Path) -> None:
    """examples/zigdemo: a module whose root is a .zig file (it @cImports Python.h)."""
    include = pyenv_python("3.13").parent.parent / "include" / "python3.13"
    settings = {
        **WINDOWS,
        "target-ext-suffix": ".cp313-win_amd64.pyd",
        "target-include-dir": str(include),
    }
    wheel = build(project("zigdemo"), settings)
    assert wheel.name == "zigdemo-1.0.0-cp313-cp313-win_amd64.whl"
    assert "zigdemo/_core.cp313-win_amd64.pyd" in wheel_members(wheel)
    code = "import zigdemo as z; print(z.add(2, 3), z.fib(50), z.triple(14))"
    assert run_on_windows(windows_python, "313", wheel, code, tmp_path) == "5 12586269025 42\n"


def test_exports_match_python3xy_dll(windows_python: Path) -> None:
    """exports.txt, what import libraries of version-specific extensions are
    made of, lists what the real python39.dll and python313.dll export."""
    for version in VERSIONS:
        real = pe.read_pe(windows_python / f"python{version}" / f"python{version}.dll").exports
        ours = {name for name, _ in windows.exports((3, int(version[1:])))}
        assert ours == real


def test_abi3_wheel_for_windows_arm64(project, tmp_path: Path) -> None:
    """Built and audited, not run: wine here runs x86_64 programs only."""
    wheel = build(project("limited"), {"target": "aarch64-windows"})
    assert wheel.name == "limited-1.0-cp39-abi3-win_arm64.whl"
    info = pe.read_pe(extract(wheel, "limited/_core.pyd", tmp_path))
    assert (info.arch, info.exports) == ("arm64", {"PyInit__core"})
    assert "python3.dll" in info.imports
    assert pe.violations(info, "arm64", "python3.dll", "PyInit__core") == []
    check_wheel(wheel)
    check_abi3audit(wheel)


def test_cp313_wheel_for_windows_arm64(project, tmp_path: Path) -> None:
    """Version-specific for arm64: pyenv's CPython 3.13 headers, python313.lib
    made from the export list of the x86_64 python313.dll (no arm64 DLL here
    to compare it with). Built and audited, not run."""
    settings = version_specific("aarch64-windows", "3.13", ".cp313-win_arm64.pyd")
    wheel = build(project("demo"), settings)
    assert wheel.name == "demo-1.0.0-cp313-cp313-win_arm64.whl"
    member = "demo/_core.cp313-win_arm64.pyd"
    assert wheel_members(wheel) == demo_members(member)
    info = pe.read_pe(extract(wheel, member, tmp_path))
    assert (info.arch, info.exports) == ("arm64", {"PyInit__core"})
    assert {i.lower() for i in info.imports} == {
        "python313.dll",
        "kernel32.dll",
        "api-ms-win-crt-heap-l1-1-0.dll",
        "api-ms-win-crt-runtime-l1-1-0.dll",
        "api-ms-win-crt-stdio-l1-1-0.dll",
    }
    assert pe.violations(info, "arm64", "python313.dll", "PyInit__core") == []
    check_wheel(wheel)


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


MUSL = {"target": "x86_64-linux-musl"}


def test_abi3_wheel_for_musllinux(project, musl_python: Path, tmp_path: Path) -> None:
    path = project("limited")
    wheel = build(path, MUSL)
    assert wheel.name == "limited-1.0-cp39-abi3-musllinux_1_2_x86_64.whl"
    assert wheel_members(wheel) == {
        "limited/__init__.py",
        "limited/_core.abi3.so",
        "limited-1.0.dist-info/WHEEL",
        "limited-1.0.dist-info/METADATA",
        "limited-1.0.dist-info/RECORD",
    }
    check_wheel(wheel)
    check_abi3audit(wheel)
    code = (
        "import limited, sysconfig as s; print(limited.add(2, 40), s.get_config_var('EXT_SUFFIX'))"
    )
    out = run_on_musl(musl_python, wheel, code, tmp_path)
    assert out == "42 .cpython-313-x86_64-linux-musl.so\n"


def test_cp313_cxx_wheel_for_musllinux(project, musl_python: Path, tmp_path: Path) -> None:
    """Version-specific, as cross-compiling for aarch64: the target Python's
    EXT_SUFFIX and headers. C++ exceptions and RTTI with Zig's libc++."""
    path = project("cxx")
    settings = {
        **MUSL,
        "target-ext-suffix": ".cpython-313-x86_64-linux-musl.so",
        "target-include-dir": musl_include_dir(musl_python),
    }
    wheel = build(path, settings)
    assert wheel.name == "cxxpkg-1.0-cp313-cp313-musllinux_1_2_x86_64.whl"
    member = "cxxpkg/_core.cpython-313-x86_64-linux-musl.so"
    assert member in wheel_members(wheel)
    elf = manylinux.read_elf(extract(wheel, member, tmp_path))
    assert elf.arch == "x86_64"
    assert set(elf.needed) <= {"libc.so"}
    assert not elf.versions
    check_wheel(wheel)
    code = (
        "import cxxpkg; print(cxxpkg.divide(7, 2), cxxpkg.rtti(), cxxpkg.total([1, 2, 3]))\n"
        "try:\n    cxxpkg.divide(1, 0)\nexcept ZeroDivisionError as e:\n    print(e)\n"
    )
    out = run_on_musl(musl_python, wheel, code, tmp_path)
    assert out == "3 (True, 'N12_GLOBAL__N_17DerivedE') 60\ncannot divide by zero\n"


def test_abi3_wheel_for_aarch64_musllinux(project, tmp_path: Path) -> None:
    """Built and audited (machine, libraries), not run: no aarch64 musl CPython here."""
    path = project("limited")
    wheel = build(path, {"target": "aarch64-linux-musl"})
    assert wheel.name == "limited-1.0-cp39-abi3-musllinux_1_2_aarch64.whl"
    elf = manylinux.read_elf(extract(wheel, "limited/_core.abi3.so", tmp_path))
    assert (elf.arch, elf.versions) == ("aarch64", ())
    assert set(elf.needed) <= {"libc.so"}
    check_wheel(wheel)
    check_abi3audit(wheel)


@pytest.mark.parametrize(
    ("target", "platform", "arch", "minimum"),
    [
        ("x86_64-macos", "macosx_10_9_x86_64", "x86_64", (10, 9)),
        ("aarch64-macos", "macosx_11_0_arm64", "arm64", (11, 0)),
    ],
)
def test_abi3_wheel_for_macos(project, tmp_path: Path, target, platform, arch, minimum) -> None:
    path = project("limited")
    wheel = build(path, {"target": target})
    assert wheel.name == f"limited-1.0-cp39-abi3-{platform}.whl"
    # Apple's ABI wants the frame pointer kept (Linux and Windows builds give it up).
    folder = path / "build" / "zlig" / f"cp39-abi3-{platform}"
    plan = json.loads((folder / "plan.json").read_text())
    assert plan["extensions"][0]["omit_frame_pointer"] is False
    assert wheel_members(wheel) == {
        "limited/__init__.py",
        "limited/_core.abi3.so",
        "limited-1.0.dist-info/WHEEL",
        "limited-1.0.dist-info/METADATA",
        "limited-1.0.dist-info/RECORD",
    }
    (piece,) = macho.read_macho(extract(wheel, "limited/_core.abi3.so", tmp_path))
    assert piece.arch == arch
    assert piece.min_macos == minimum
    # Python's symbols are looked up when it loads the module (-undefined dynamic_lookup).
    assert piece.dylibs == ("/usr/lib/libSystem.B.dylib",)
    assert piece.install_name == "@rpath/_core.abi3.so"
    assert "_PyInit__core" in piece.exports
    check_wheel(wheel)
    check_abi3audit(wheel)
    check_delocate(wheel, tmp_path, [(arch, minimum)])


def test_universal2_wheel_is_both_builds_in_one_file(project, tmp_path: Path) -> None:
    path = project("limited")
    wheel = build(path, {"target": "universal2-macos"})
    assert wheel.name == "limited-1.0-cp39-abi3-macosx_10_9_universal2.whl"
    fat = extract(wheel, "limited/_core.abi3.so", tmp_path).read_bytes()
    slices = macho.read_macho(tmp_path / "limited" / "_core.abi3.so")
    assert [(s.arch, s.min_macos) for s in slices] == [("x86_64", (10, 9)), ("arm64", (11, 0))]
    # Each slice is the thin build's file, byte for byte (the arm64 one keeps
    # its code signature), at an offset aligned to 16 KiB.
    folder = path / "build" / "zlig" / "cp39-abi3-macosx_10_9_universal2"
    for index, arch in enumerate(["x86_64", "arm64"]):
        thin = (folder / arch / "out" / "limited" / "_core.abi3.so").read_bytes()
        offset, size, align = struct.unpack_from(">III", fat, 8 + 20 * index + 8)
        assert (offset % 16384, size, align) == (0, len(thin), 14)
        assert fat[offset : offset + size] == thin
    check_wheel(wheel)
    check_abi3audit(wheel)
    check_delocate(wheel, tmp_path, [("x86_64", (10, 9)), ("arm64", (11, 0))])


def test_cxx_abi3_wheel_for_macos(project, tmp_path: Path) -> None:
    """C++ and C: Zig compiles libc++ for macOS (the first time ~1.5 minutes,
    then from its cache) and links it statically, so the extension loads
    libSystem only. One architecture, to keep the suite short."""
    wheel = build(project("cxx"), {"target": "aarch64-macos", "py-limited-api": "cp39"})
    assert wheel.name == "cxxpkg-1.0-cp39-abi3-macosx_11_0_arm64.whl"
    assert wheel_members(wheel) == {
        "cxxpkg/__init__.py",
        "cxxpkg/_core.abi3.so",
        "cxxpkg-1.0.dist-info/WHEEL",
        "cxxpkg-1.0.dist-info/METADATA",
        "cxxpkg-1.0.dist-info/RECORD",
    }
    (piece,) = macho.read_macho(extract(wheel, "cxxpkg/_core.abi3.so", tmp_path))
    assert (piece.arch, piece.min_macos) == ("arm64", (11, 0))
    assert piece.dylibs == ("/usr/lib/libSystem.B.dylib",)
    assert piece.install_name == "@rpath/_core.abi3.so"
    assert "_PyInit__core" in piece.exports
    check_wheel(wheel)
    check_abi3audit(wheel)
    check_delocate(wheel, tmp_path, [("arm64", (11, 0))])


@pytest.mark.parametrize(
    ("target", "version", "platform", "slices"),
    [
        ("x86_64-macos", "3.13", "macosx_10_13_x86_64", [("x86_64", (10, 13))]),
        (
            "universal2-macos",
            "3.12",
            "macosx_10_13_universal2",
            [("x86_64", (10, 13)), ("arm64", (11, 0))],
        ),
    ],
)
def test_version_specific_wheel_for_macos(
    project, tmp_path: Path, target: str, version: str, platform: str, slices
) -> None:
    """pyenv's CPython headers (their Linux pyconfig.h serves: pymacconfig.h
    sets the sizes under __APPLE__) and the macOS EXT_SUFFIX; the minimum
    macOS is the one CPython 3.12 and newer need on Intel Macs, 10.13."""
    nodot = version.replace(".", "")
    settings = version_specific(target, version, f".cpython-{nodot}-darwin.so")
    wheel = build(project("demo"), settings)
    assert wheel.name == f"demo-1.0.0-cp{nodot}-cp{nodot}-{platform}.whl"
    member = f"demo/_core.cpython-{nodot}-darwin.so"
    assert wheel_members(wheel) == demo_members(member)
    with zipfile.ZipFile(wheel) as zf:
        text = zf.read("demo-1.0.0.dist-info/WHEEL").decode()
    assert f"Root-Is-Purelib: false\nTag: cp{nodot}-cp{nodot}-{platform}\n" in text
    pieces = macho.read_macho(extract(wheel, member, tmp_path))
    assert [(p.arch, p.min_macos) for p in pieces] == slices
    for piece in pieces:
        assert piece.dylibs == ("/usr/lib/libSystem.B.dylib",)
        assert piece.install_name == f"@rpath/_core.cpython-{nodot}-darwin.so"
        assert "_PyInit__core" in piece.exports
    assert macho.violations(pieces, dict(slices), "PyInit__core", str(tmp_path)) == []
    check_wheel(wheel)
    check_delocate(wheel, tmp_path, slices)


def test_musl_extension_with_a_missing_symbol_fails(project) -> None:
    """musl's symbols have no versions: zlig knows them from Zig's libc.so
    stub, so that a symbol nothing defines is still caught."""
    path = project("limited")
    core = path / "src" / "limited" / "core.c"
    core.write_text(
        core.read_text()
        .replace("#include <Python.h>\n", "#include <Python.h>\nlong helper(long);\n")
        .replace("PyLong_FromLongLong(a + b)", "PyLong_FromLongLong(helper(a) + b)")
    )
    result = run_hook(path, f"build_wheel('dist', {MUSL!r})")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "zlig: error: limited._core: undefined symbol 'helper' (used in src/limited/core.c); "
        "is a source or a library missing? tool.zlig.extensions[0].libraries / sources "
        "(tool.zlig.extensions[0].allow-undefined, for symbols found at run time)"
    )
