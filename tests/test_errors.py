"""More error paths, each with its message: targets, floors, folders, Zig."""

from __future__ import annotations

import importlib.metadata
import os
import sys
import sysconfig
from pathlib import Path

import pytest

from zlig.builder import zig
from zlig.config import settings as config
from zlig.runtime.errors import BuildError, ConfigError

from .conftest import hook_value, run, run_hook, wheel_members
from .test_build import failed_build
from .test_languages import run_from_wheel

HOOK_ERRORS = [
    (
        "demo",
        "{'target': 'sparc-linux-gnu'}",
        "config_settings['target']: 'sparc-linux-gnu' is not a target zlig builds for "
        "(x86_64-linux-gnu, aarch64-linux-gnu, powerpc64le-linux-gnu, riscv64-linux-gnu, "
        "x86_64-linux-musl, aarch64-linux-musl, x86_64-windows, aarch64-windows, x86_64-macos, "
        "aarch64-macos, universal2-macos)",
    ),
    (
        "demo",
        "{'target': 'x86_64-linux-musl', 'target-ext-suffix': '.cpython-313-x86_64-linux-gnu.so',"
        f" 'target-include-dir': {sysconfig.get_path('include')!r}}}",
        "target-ext-suffix: '.cpython-313-x86_64-linux-gnu.so' is not a musl CPython 3.13's "
        "(they end in '-linux-musl.so')",
    ),
    (
        "cxx",
        "{'target': 'universal2-macos'}",
        "cross-compiling for universal2-macos: extensions that are not abi3 need the target "
        "Python's target-ext-suffix and target-include-dir (or set py-limited-api)",
    ),
    (
        "demo",
        "{'target': 'x86_64-macos', 'target-ext-suffix': '.cpython-313-x86_64-linux-gnu.so',"
        f" 'target-include-dir': {sysconfig.get_path('include')!r}}}",
        "target-ext-suffix: '.cpython-313-x86_64-linux-gnu.so' is not a CPython's for macOS "
        "(e.g. '.cpython-313-darwin.so')",
    ),
    (
        "demo",
        "{'target': 'aarch64-macos', 'target-ext-suffix': '.cp312-win_arm64.pyd',"
        f" 'target-include-dir': {sysconfig.get_path('include')!r}}}",
        "target-ext-suffix: '.cp312-win_arm64.pyd' is not a CPython's for macOS "
        "(e.g. '.cpython-312-darwin.so')",
    ),
    (
        "demo",
        "{'target': 'universal2-macos', 'target-ext-suffix': '.cpython-313t-darwin.so',"
        f" 'target-include-dir': {sysconfig.get_path('include')!r}}}",
        "target-ext-suffix: '.cpython-313t-darwin.so' is a free-threaded CPython's, which zlig "
        "does not build macOS extensions for yet; give a GIL-enabled CPython's "
        "(e.g. '.cpython-313-darwin.so')",
    ),
    (
        "cxx",
        "{'target': 'x86_64-windows'}",
        "cross-compiling for x86_64-windows: extensions that are not abi3 need the target "
        "Python's target-ext-suffix and target-include-dir (or set py-limited-api)",
    ),
    (
        "cxx",
        "{'target': 'x86_64-windows', 'target-ext-suffix': '.cp313t-win_amd64.pyd',"
        f" 'target-include-dir': {sysconfig.get_path('include')!r}}}",
        "target-ext-suffix: '.cp313t-win_amd64.pyd' is not a GIL-enabled CPython's for win_amd64 "
        "(e.g. '.cp313-win_amd64.pyd')",
    ),
    (
        "cxx",
        "{'target': 'x86_64-windows', 'target-ext-suffix': '.cp38-win_amd64.pyd',"
        f" 'target-include-dir': {sysconfig.get_path('include')!r}}}",
        "target-ext-suffix: zlig knows what python38.dll exports only for CPython 3.9 to 3.13",
    ),
    (
        "limited",
        "{'target': 'riscv64-linux-gnu'}",
        "manylinux: manylinux_2_17 does not cover riscv64; set tool.zlig.manylinux to '2_31' "
        "or newer (or 'off')",
    ),
    (
        "demo",
        "{'target': 'aarch64-linux-gnu', 'target-ext-suffix': '.cpython-311-aarch64-linux-gnu.so',"
        " 'target-include-dir': '/nonexistent'}",
        "target-include-dir: '/nonexistent' holds no Python.h",
    ),
    (
        "demo",
        "{'target': 'aarch64-linux-gnu', 'target-ext-suffix': '.pypy310-pp73-aarch64-linux-gnu.so',"
        " 'target-include-dir': '/nonexistent'}",
        "target-ext-suffix: '.pypy310-pp73-aarch64-linux-gnu.so' is not a CPython EXT_SUFFIX",
    ),
    (
        "demo",
        "{'build-dir': 'src'}",
        "build-dir: 'src' would hold or sit inside the project's package or sources; choose a "
        "folder of its own, e.g. 'build/zlig'",
    ),
    (
        "demo",
        "{'build-dir': 'src/demo/build'}",
        "build-dir: 'src/demo/build' would hold or sit inside the project's package or sources; "
        "choose a folder of its own, e.g. 'build/zlig'",
    ),
    (
        "demo",
        "{'build-dir': '.'}",
        "build-dir: '.' would hold or sit inside the project's package or sources; choose a "
        "folder of its own, e.g. 'build/zlig'",
    ),
]


@pytest.mark.parametrize(
    ("name", "settings", "message"), HOOK_ERRORS, ids=[m for *_, m in HOOK_ERRORS]
)
def test_hook_errors(project, name: str, settings: str, message: str) -> None:
    path = project(name)
    result = run_hook(path, f"build_wheel('dist', {settings})")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"zlig: error: {message}"
    assert not (path / "dist").exists()


def test_manylinux_aliases_are_normalised(project) -> None:
    path = project("demo")
    assert config.load(path, {"manylinux": "manylinux2014"}).manylinux == "2_17"
    assert config.load(path, {"manylinux": "manylinux_2_28"}).manylinux == "2_28"


def edit(path: Path, old: str, new: str) -> None:
    text = (path / "pyproject.toml").read_text()
    assert old in text
    (path / "pyproject.toml").write_text(text.replace(old, new))


def test_unusable_pattern(project) -> None:
    path = project("demo")
    edit(path, 'sources = ["src/demo/*.c"]', 'sources = ["."]')
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert str(info.value) == "tool.zlig.extensions[0].sources: '.' is not a usable file pattern"


def test_two_zig_roots(project) -> None:
    path = project("zigdemo")
    (path / "src" / "zigdemo" / "other.zig").write_text("pub fn f() void {}\n")
    edit(path, '"src/zigdemo/core.zig"', '"src/zigdemo/*.zig"')
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert str(info.value) == (
        "tool.zlig.extensions[0].sources: only one .zig file may be listed, the module's root "
        "(src/zigdemo/core.zig, src/zigdemo/other.zig); it imports the others"
    )


def test_dynamic_metadata_needs_a_python_module(project) -> None:
    path = project("toplevel")
    edit(path, 'version = "1.0"', 'dynamic = ["version"]')
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert str(info.value) == (
        "project.dynamic: version cannot be read from 'fastmod', which is an extension module; "
        "give them in [project]"
    )


def test_include_package_without_get_include(project) -> None:
    path = project("demo")
    edit(
        path,
        'sources = ["src/demo/*.c"]',
        'sources = ["src/demo/*.c"], include-packages = ["json"]',
    )
    result = run_hook(path, "build_wheel('dist')")
    assert result.stderr.splitlines()[-1] == (
        "zlig: error: tool.zlig.extensions[0].include-packages: 'json' has no get_include() "
        "to find its headers"
    )


def test_wrong_zig_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ZLIG_CACHE_DIR", str(tmp_path))  # no kept Zig
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.17.1")
    with pytest.raises(BuildError) as info:
        zig.find_zig()
    assert str(info.value) == (
        "zlig needs Zig 0.16.0, but ziglang 0.17.1 is installed: pip install 'ziglang==0.16.0'"
    )


def test_glibc_function_newer_than_the_floor_does_not_compile(project) -> None:
    path = project("demo")
    source = path / "src" / "demo" / "_core.c"
    source.write_text(
        "#include <Python.h>\n#include <sys/random.h>\n"
        "int f(void) { unsigned x; return (int)getrandom(&x, sizeof x, 0); }\n" + source.read_text()
    )
    result = run_hook(path, "build_wheel('dist')")
    assert result.stderr.splitlines()[-1] == (
        "zlig: error: src/demo/_core.c:3:39: call to undeclared function 'getrandom'; "
        "ISO C99 and later do not support implicit function declarations"
    )
    # With a floor that has it (getrandom is glibc 2.25), it builds.
    name = hook_value(run_hook(path, "build_wheel('dist', {'manylinux': '2_28'})"))
    assert "manylinux_2_" in str(name)


def test_shipped_headers_stay_and_stale_builds_go(project) -> None:
    path = project("demo")
    package = path / "src" / "demo"
    (package / "include").mkdir()
    (package / "include" / "demo_api.h").write_text("/* a public header the package ships */\n")
    (package / "_core.h").write_text("#define X 1\n")
    source = package / "_core.c"
    source.write_text('#include "_core.h"\n' + source.read_text())
    (package / "_core.cpython-39-x86_64-linux-gnu.so").write_bytes(b"stale")
    (package / "vendored.so").write_bytes(b"a library the package ships")
    (package / "leftover.o").write_bytes(b"an object file from some other build")
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_wheel('dist')")))
    names = {n for n in wheel_members(wheel) if not n.startswith("demo-1.0.0.dist-info/")}
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    assert names == {
        "demo/__init__.py",
        "demo/include/demo_api.h",
        "demo/vendored.so",
        f"demo/_core.cpython-{version}-x86_64-linux-gnu.so",
    }


def test_date_and_time_macros_are_refused_with_the_way_out(project, tmp_path: Path) -> None:
    path = project("demo")
    source = path / "src" / "demo" / "_core.c"
    text = source.read_text().replace(
        '{"add", add,', '{"built", built, METH_NOARGS, ""},\n{"add", add,'
    )
    source.write_text(
        text.replace(
            "#include <Python.h>\n",
            "#include <Python.h>\nstatic PyObject *built(PyObject *m, PyObject *a) {\n"
            '    return PyUnicode_FromString(__DATE__ " " __TIME__);\n}\n',
        )
    )
    result = run_hook(path, "build_wheel('dist')")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "zlig: error: src/demo/_core.c:4:33: __DATE__, __TIME__ and __TIMESTAMP__ make every "
        "build different, so Zig refuses them (-Werror=date-time): remove them, define them "
        'yourself (define-macros), or allow them with extra-compile-args = ["-Wno-date-time"], '
        "which takes the date from SOURCE_DATE_EPOCH if it is set (and otherwise makes builds "
        "non-reproducible)"
    )
    assert not (path / "dist").exists()

    # The ways out the README gives: allow them, dated by SOURCE_DATE_EPOCH ...
    sources = 'sources = ["src/demo/*.c"]'
    edit(path, sources, sources + ', extra-compile-args = ["-Wno-date-time"]')
    env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
    code = "import zlig; print(repr(zlig.build_wheel('dist')))"
    wheel = path / "dist" / str(hook_value(run([sys.executable, "-c", code], cwd=path, env=env)))
    call = "import demo._core as c; print(c.built())"
    assert run_from_wheel(wheel, call, tmp_path / "1") == "Nov 14 2023 22:13:20\n"
    # ... or define them.
    edit(
        path,
        ', extra-compile-args = ["-Wno-date-time"]',
        """, define-macros = { __DATE__ = '"Jan  1 2025"', __TIME__ = '"00:00:00"' }""",
    )
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_wheel('dist')")))
    assert run_from_wheel(wheel, call, tmp_path / "2") == "Jan  1 2025 00:00:00\n"


@pytest.mark.parametrize("value", ["0", "two", ""])
def test_bad_jobs_variable(project, value: str) -> None:
    path = project("demo")
    result = run_hook(path, "build_wheel('dist')", env={**os.environ, "ZLIG_JOBS": value})
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"zlig: error: ZLIG_JOBS must be a whole number of at least 1, not {value!r}"
    )
    assert not (path / "dist").exists()


def test_jobs_variable_sets_zig_jobs(project) -> None:
    path = project("demo")
    env = {**os.environ, "ZLIG_JOBS": "5", "ZLIG_VERBOSE": "1"}  # verbose: the command shows
    result = run_hook(path, "build_wheel('dist')", env=env)
    assert hook_value(result) == os.listdir(path / "dist")[0]
    assert " -j5 " in result.stdout


def test_link_failure_leaves_nothing(project, tmp_path: Path) -> None:
    path = project("demo")
    pyproject = path / "pyproject.toml"
    text = pyproject.read_text()
    old = 'sources = ["src/demo/*.c"] }'
    assert old in text
    pyproject.write_text(text.replace(old, 'sources = ["src/demo/*.c"], libraries = ["nosuch"] }'))
    assert failed_build(path, tmp_path).splitlines()[-1] == (
        "zlig: error: cannot link library 'nosuch': not found in library-dirs (zlig searches "
        "no system folder: a wheel must not depend on this machine's libraries); add its "
        "folder to library-dirs or remove it from libraries"
    )
