"""C++, Zig roots, optional extensions, header tracking and header-providing packages."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

from zlig.platforms import manylinux

from .conftest import (
    check,
    check_distribution,
    check_wheel,
    hook_value,
    offline_env,
    prefix_maps,
    run_hook,
    wheel_members,
)
from .test_manylinux import auditwheel_tag

VERSION = f"{sys.version_info[0]}{sys.version_info[1]}"
SUFFIX = f".cpython-{VERSION}-x86_64-linux-gnu.so"


def build(path: Path, settings: str = "") -> Path:
    return path / "dist" / str(hook_value(run_hook(path, f"build_wheel('dist', {{{settings}}})")))


def run_from_wheel(wheel: Path, code: str, tmp_path: Path) -> str:
    """Run ``code`` with the wheel's content first on sys.path."""
    site = tmp_path / f"site-{wheel.stem}"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    return check([sys.executable, "-c", code], cwd=site).stdout


def test_cxx_and_c_in_one_extension(project, make_venv, wheelhouse) -> None:
    wheel = build(project("cxx"))
    assert (
        wheel.name
        == f"cxxpkg-1.0-cp{VERSION}-cp{VERSION}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    )
    with zipfile.ZipFile(wheel) as zf:
        zf.extract(f"cxxpkg/_core{SUFFIX}", wheel.parent)
    # Zig's libc++ is linked in: no libstdc++ from the system.
    needed = manylinux.read_elf(wheel.parent / "cxxpkg" / f"_core{SUFFIX}").needed
    assert not any("stdc++" in lib or "c++" in lib for lib in needed), needed
    assert auditwheel_tag(wheel) == "manylinux_2_17_x86_64"
    check_wheel(wheel)
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", wheel], env=offline_env(wheelhouse))
    code = (
        "import cxxpkg\n"
        "print(cxxpkg.divide(7, 2), cxxpkg.rtti(), cxxpkg.total([1, 2, 3]))\n"
        "try:\n    cxxpkg.divide(1, 0)\nexcept ZeroDivisionError as e:\n    print(e)\n"
    )
    out = check([python, "-c", code], cwd="/").stdout
    assert out == "3 (True, 'N12_GLOBAL__N_17DerivedE') 60\ncannot divide by zero\n"


def terminating_project(path: Path, demangles: bool) -> Path:
    """A C++ extension whose ``boom()`` throws through a noexcept function;
    with ``demangles``, ``demangled()`` calls abi::__cxa_demangle itself."""
    (path / "term").mkdir(parents=True)
    (path / "term" / "__init__.py").write_text("")
    strip = "" if demangles else "strip = false, "
    (path / "pyproject.toml").write_text(
        '[project]\nname = "term"\nversion = "1.0"\ndescription = "terminate"\n'
        '[tool.zlig]\ncxx-std = "c++17"\n'
        f'extensions = [{{ name = "term._core", {strip}sources = ["term/_core.cpp"] }}]\n'
    )
    demangled = (
        "static PyObject *demangled(PyObject *, PyObject *) {\n"
        "    int status = 0;\n"
        "    char *name = abi::__cxa_demangle(typeid(std::runtime_error).name(), nullptr,"
        " nullptr, &status);\n"
        '    PyObject *result = PyUnicode_FromString(name ? name : "?");\n'
        "    std::free(name);\n    return result;\n}\n"
    )
    boom = '{"boom", boom, METH_NOARGS, nullptr}'
    method = '{"demangled", demangled, METH_NOARGS, nullptr}, ' if demangles else ""
    (path / "term" / "_core.cpp").write_text(
        "#include <Python.h>\n#include <cxxabi.h>\n#include <cstdlib>\n"
        "#include <stdexcept>\n#include <typeinfo>\n"
        'static void escape() noexcept { throw std::runtime_error("not caught"); }\n'
        "static PyObject *boom(PyObject *, PyObject *) { escape(); Py_RETURN_NONE; }\n"
        + (demangled if demangles else "")
        + f"static PyMethodDef methods[] = {{{boom}, {method}{{}}}};\n"
        'static PyModuleDef module = {PyModuleDef_HEAD_INIT, "_core", nullptr, -1, methods};\n'
        "PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&module); }\n"
    )
    return path


def test_cxx_extension_leaves_out_the_demangler(tmp_path: Path) -> None:
    """libc++abi's default terminate handler would link in the Itanium
    demangler (~98 KB of .text) to name an uncaught exception's type; zlig
    links the same handlers built without demangling. The message names the
    mangled type; code that calls abi::__cxa_demangle itself still gets it."""
    # Without a call of its own, the extension has no demangler.
    wheel = build(terminating_project(tmp_path / "plain", demangles=False))
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    symbols = check(["nm", site / "term" / f"_core{SUFFIX}"]).stdout
    assert "__cxa_terminate_handler" in symbols and "__cxa_demangle" not in symbols
    result = subprocess.run(
        [sys.executable, "-c", "from term import _core; _core.boom()"],
        cwd=site,
        capture_output=True,
        text=True,
    )
    assert result.returncode == -signal.SIGABRT
    assert result.stderr.splitlines()[-1] == (
        "libc++abi: terminating due to uncaught exception of type St13runtime_error: not caught"
    )
    # A call of its own links it in, and it demangles.
    wheel = build(terminating_project(tmp_path / "term", demangles=True))
    out = run_from_wheel(wheel, "from term import _core; print(_core.demangled())", tmp_path)
    assert out == "std::runtime_error\n"


def test_zig_extension_example(project, make_venv, wheelhouse) -> None:
    path = project("zigdemo")
    wheel = build(path)
    assert wheel_members(wheel) == {
        "zigdemo/__init__.py",
        f"zigdemo/_core{SUFFIX}",
        "zigdemo-1.0.0.dist-info/WHEEL",
        "zigdemo-1.0.0.dist-info/METADATA",
        "zigdemo-1.0.0.dist-info/RECORD",
    }
    assert auditwheel_tag(wheel) == "manylinux_2_5_x86_64"
    check_wheel(wheel)
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", wheel], env=offline_env(wheelhouse))
    out = check([python, "-c", "import zigdemo as z; print(z.add(2, 3), z.fib(50), z.triple(14))"])
    assert out.stdout == "5 12586269025 42\n"
    hook_value(run_hook(path, "build_sdist('dist')"))
    with tarfile.open(path / "dist" / "zigdemo-1.0.0.tar.gz") as tf:
        assert {"zigdemo-1.0.0/src/zigdemo/core.zig", "zigdemo-1.0.0/src/zigdemo/helper.c"} <= set(
            tf.getnames()
        )
    check_distribution(path / "dist" / "zigdemo-1.0.0.tar.gz")


def test_optional_extension_that_fails_is_skipped(project, tmp_path) -> None:
    path = project("optional")
    result = run_hook(path, "build_wheel('dist')")
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == (
        "zlig: warning: skipping optional extension optpkg._speedups: "
        "src/optpkg/speedups.c:2:10: 'not_installed_anywhere.h' file not found"
    )
    wheel = path / "dist" / str(hook_value(result))
    assert f"optpkg/_core{SUFFIX}" in wheel_members(wheel)
    assert not any("_speedups" in n for n in wheel_members(wheel))
    check_wheel(wheel)
    assert run_from_wheel(wheel, "import optpkg; print(optpkg.fast)", tmp_path) == "None\n"
    # A required extension that fails still fails the build.
    text = (path / "pyproject.toml").read_text().replace("optional = true", "optional = false")
    (path / "pyproject.toml").write_text(text)
    result = run_hook(path, "build_wheel('dist')")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "zlig: error: src/optpkg/speedups.c:2:10: 'not_installed_anywhere.h' file not found"
    )


def test_changing_a_header_rebuilds(project, tmp_path) -> None:
    path = project("nested")
    code = "import spam.sub as s; print(s.twice_b(5))"
    assert run_from_wheel(build(path), code, tmp_path / "1") == "11\n"
    header = path / "csrc" / "b" / "util.h"
    header.write_text(header.read_text().replace("SPAM_OFFSET 1", "SPAM_OFFSET 5"))
    assert run_from_wheel(build(path), code, tmp_path / "2") == "15\n"


def test_numpy_headers_from_include_packages(project, tmp_path) -> None:
    path = project("numpyext")
    env = dict(os.environ, ZLIG_CACHE_DIR=str(tmp_path / "no-kept-zig"))
    requires = hook_value(run_hook(path, "get_requires_for_build_wheel()", env=env))
    assert requires == ["ziglang==0.16.0", "numpy"]
    wheel = build(path)
    code = "import npext, numpy as np; print(npext.sum_squares(np.arange(4.0)))"
    assert run_from_wheel(wheel, code, tmp_path) == "14.0\n"


def test_numpy_missing_is_a_clear_error(project, make_venv, wheelhouse) -> None:
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "zlig", "ziglang"], env=offline_env(wheelhouse))
    result = run_hook(project("numpyext"), "build_wheel('dist')", python=python)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "zlig: error: tool.zlig.extensions[0].include-packages: cannot import 'numpy' "
        "(No module named 'numpy'); zlig asks the frontend to install it, so without build "
        "isolation install it yourself"
    )


def test_every_option_in_one_build(project, tmp_path) -> None:
    path = project("options")
    wheel = build(path)
    out = run_from_wheel(wheel, "import optsdemo; print(optsdemo.info())", tmp_path)
    # c11, a bare-token macro, a string macro, extra-compile-args, a project-wide
    # macro, libm; DROPPED is defined project-wide and undefined per extension.
    assert out == "(201112, 5, 'hello', 7, 1, 4.0)\n"
    check_wheel(wheel)
    plan = json.loads(next((path / "build" / "zlig").glob("*/plan.json")).read_text())
    (ext,) = plan["extensions"]
    assert (ext["optimize"], ext["strip"], ext["rpaths"]) == ("ReleaseSmall", False, ["$ORIGIN"])
    assert ext["c_sources"][0]["flags"] == [
        *prefix_maps(),
        "-fwrapv",
        "-UDROPPED",
        "-DFROM_ARGS=7",
        "-std=c11",
    ]
    so = tmp_path / f"site-{wheel.stem}" / "optsdemo" / f"_core{SUFFIX}"
    from elftools.elf.elffile import ELFFile

    with so.open("rb") as f:
        elf = ELFFile(f)
        assert elf.get_section_by_name(".debug_info") is not None  # strip = false
        runpath = [t.runpath for t in elf.get_section_by_name(".dynamic").iter_tags("DT_RUNPATH")]
    assert runpath == ["$ORIGIN"]
    # Its debug info names neither the project's folder nor the build folder
    # (compilation folder "."), so a copy elsewhere gives the same bytes.
    assert str(path).encode() not in so.read_bytes()
