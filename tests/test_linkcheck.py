"""Undefined symbols are caught at build time, before any wheel is written: a source
left out, a library left out, a misspelt Python API name; allow-undefined lets one through."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from zlig.platforms import pysymbols

from .conftest import hook_value, run_hook
from .test_build import failed_build
from .test_manylinux import make_extlib

ALLOW = "(tool.zlig.extensions[0].allow-undefined, for symbols found at run time)"
VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def with_helper(path: Path) -> Path:
    """The demo, calling ``helper`` from a second source, ``helper.c``."""
    package = path / "src" / "demo"
    (package / "helper.c").write_text("long long helper(long long x) { return 2 * x; }\n")
    core = package / "_core.c"
    edit(core, "static PyObject *add", "long long helper(long long);\nstatic PyObject *add")
    edit(core, "PyLong_FromLongLong(a + b)", "PyLong_FromLongLong(helper(a + b))")
    return path


def test_source_left_out(project, tmp_path: Path) -> None:
    path = with_helper(project("demo"))
    edit(path / "pyproject.toml", '"src/demo/*.c"', '"src/demo/_core.c"')
    message = (
        "zlig: error: demo._core: undefined symbol 'helper' (used in src/demo/_core.c); "
        f"is a source or a library missing? tool.zlig.extensions[0].libraries / sources {ALLOW}"
    )
    assert failed_build(path, tmp_path).splitlines()[-1] == message
    # Again, with nothing changed: Zig is not run, and the check is not skipped.
    (tmp_path / "again").mkdir()
    assert failed_build(path, tmp_path / "again").splitlines()[-1] == message
    # allow-undefined lets it through, by name or pattern.
    edit(
        path / "pyproject.toml",
        '"src/demo/_core.c"]',
        '"src/demo/_core.c"], allow-undefined = ["help*"]',
    )
    assert str(hook_value(run_hook(path, "build_wheel('dist')"))).startswith("demo-1.0.0-")


def test_library_left_out(project, tmp_path: Path) -> None:
    path = project("linked")
    make_extlib(path)
    pyproject = path / "pyproject.toml"
    edit(pyproject, "[tool.zlig]", "[tool.zlig]\nmanylinux = 'off'")
    # Linked, it builds: the library provides the symbol.
    assert str(hook_value(run_hook(path, "build_wheel('dist')"))).startswith("linked-1.0-")
    edit(pyproject, 'libraries = ["extlib"], ', "")
    assert failed_build(path, tmp_path).splitlines()[-1] == (
        "zlig: error: linked._core: undefined symbol 'extlib_answer' (used in src/linked/core.c); "
        f"is a source or a library missing? tool.zlig.extensions[0].libraries / sources {ALLOW}"
    )


def test_misspelt_python_api(project, tmp_path: Path) -> None:
    path = project("demo")
    core = path / "src" / "demo" / "_core.c"
    # Declared by hand, so that the compiler cannot tell.
    edit(
        core,
        "static PyObject *add",
        "PyObject *PyLong_FromLongLongg(long long);\nstatic PyObject *add",
    )
    edit(core, "PyLong_FromLongLong(a + b)", "PyLong_FromLongLongg(a + b)")
    assert failed_build(path, tmp_path).splitlines()[-1] == (
        "zlig: error: demo._core: undefined symbol 'PyLong_FromLongLongg' (used in "
        f"src/demo/_core.c); CPython {VERSION} has no such symbol: a misspelt name, or an API "
        f"of another Python version? {ALLOW}"
    )


def test_abi3_extension_uses_the_stable_abi_only(project, tmp_path: Path) -> None:
    path = project("limited")
    source = sorted((path / "src").rglob("*.c"))[0]
    # PyObject_Print is CPython's, but not part of the stable ABI.
    declared = (
        "int PyObject_Print(PyObject *, FILE *, int);\n"
        "int zlig_print(PyObject *o) { return PyObject_Print(o, stdout, 0); }\n"
    )
    edit(source, "#include <Python.h>\n", "#include <Python.h>\n" + declared)
    assert failed_build(path, tmp_path).splitlines()[-1] == (
        f"zlig: error: limited._core: undefined symbol 'PyObject_Print' (used in "
        f"{source.relative_to(path).as_posix()}); the stable ABI (abi3) has no such symbol: a "
        f"misspelt name, or an API outside the limited API? {ALLOW}"
    )


@pytest.mark.parametrize(
    "name",
    ["_Py_NoneStruct", "PyExc_TypeError", "PyLong_FromLong", "_Py_Dealloc", "PyType_FromSpec"],
)
def test_python_api_is_known(name: str) -> None:
    """Functions and data symbols, in every version's data and the stable ABI."""
    for minor in range(9, 14):
        symbols = pysymbols.shipped((3, minor))
        assert symbols is not None and name in symbols
    assert name in pysymbols.stable_abi()
    assert name in pysymbols.running_interpreter_exports()


def test_what_the_data_lacks() -> None:
    """The running interpreter's own exports fill gaps in the data; for a Python
    version nothing is known of, only names that look like CPython's pass."""
    own = pysymbols.PythonApi(frozenset(), "CPython 3.x", running=True)
    assert own.provides("PyLong_FromLong") and not own.provides("PyLong_FromLongg")
    unknown = pysymbols.api((3, 99), limited=False, running=False)
    assert unknown.symbols is None and unknown.provides("PyFuture_New")
    assert not unknown.provides("helper")
