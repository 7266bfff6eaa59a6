"""What a failed build shows: the compiler's diagnostics, then one ``zlig: error:`` line;
Zig's internals only with verbose output. Wheel builds and editable imports alike."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from zlig.diagnostics import Report

from .conftest import hook_value, run, run_hook
from .test_build import failed_build

ONE_FILE = """\
src/broken/core.c:4:14: error: expected ';' after return statement
    return 42
             ^
zlig: error: src/broken/core.c:4:14: expected ';' after return statement
"""

TWO_FILES = """\
src/broken/core.c:4:14: error: expected ';' after return statement
    return 42
             ^
src/broken/more.c:2:30: error: use of undeclared identifier 'y'
int more(int x) { return x + y; }
                             ^
src/broken/more.c:3:27: error: expected expression
int less(int x) { return -; }
                          ^
zlig: error: src/broken/core.c:4:14: expected ';' after return statement \
(and 2 more errors in 2 files)
"""

#: What only verbose output shows: Zig's step tree, the compiler's command
#: line and the build runner's.
INTERNALS = ("failed command: ", "+- compile lib broken._core", "--seed ")


def two_broken_files(path: Path) -> None:
    (path / "src" / "broken" / "more.c").write_text(
        "#include <Python.h>\nint more(int x) { return x + y; }\nint less(int x) { return -; }\n"
    )
    pyproject = path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("core.c", "*.c"))


def test_one_failing_file(project, tmp_path: Path) -> None:
    assert failed_build(project("broken"), tmp_path) == ONE_FILE


def test_two_failing_files_are_both_shown(project, tmp_path: Path) -> None:
    path = project("broken")
    two_broken_files(path)
    assert failed_build(path, tmp_path) == TWO_FILES


def test_verbose_shows_zig_internals(project, tmp_path: Path) -> None:
    path = project("broken")
    two_broken_files(path)
    out = tmp_path / "out"
    for how in ("config", "env"):
        if how == "config":
            result = run_hook(path, f"build_wheel({str(out)!r}, {{'verbose': 'true'}})")
        else:
            env = {**os.environ, "ZLIG_VERBOSE": "1"}
            result = run_hook(path, f"build_wheel({str(out)!r})", env=env)
        assert result.returncode == 1
        output = result.stdout + result.stderr
        for internal in INTERNALS:
            assert internal in output
        assert "+ " in result.stdout and " build -Dplan=plan.json " in result.stdout
        assert "zlig: plan: broken._core -> broken/_core" in result.stdout
        # Zig's own text names absolute paths; the diagnostics are there too.
        assert f"{path}/src/broken/more.c:2:30: error: use of undeclared identifier 'y'" in output
        assert result.stderr.splitlines()[-1] == TWO_FILES.splitlines()[-1]


def editable_site(path: Path, tmp_path: Path) -> Path:
    """Build the project's editable wheel and unpack it as a site folder."""
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_editable('dist')")))
    site = tmp_path / "site"
    shutil.unpack_archive(wheel, site, format="zip")
    return site


def import_from(site: Path, module: str, **env: str):
    """Import ``module`` with ``site`` as a site folder (its .pth files run)."""
    code = f"import site; site.addsitedir({str(site)!r}); import {module}"
    return run([sys.executable, "-c", code], cwd="/", env={**os.environ, **env})


def test_editable_import_error(project, tmp_path: Path) -> None:
    path = project("broken")
    core = path / "src" / "broken" / "core.c"
    broken = core.read_text()
    module = (
        'static struct PyModuleDef m = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, NULL};\n'
        "PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&m); }\n"
    )
    core.write_text(broken.replace("return 42", "return 42;") + module)
    (path / "src" / "broken" / "more.c").write_text("int more(int x) { return x; }\n")
    pyproject = path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("core.c", "*.c"))
    site = editable_site(path, tmp_path)
    assert import_from(site, "broken._core").returncode == 0

    core.write_text(broken)
    result = import_from(site, "broken._core")
    assert result.returncode == 1
    message = result.stderr[result.stderr.index("ImportError: ") :]
    assert message == (
        "ImportError: zlig: rebuilding broken._core failed: src/broken/core.c:4:14: "
        "expected ';' after return statement\n" + "".join(ONE_FILE.splitlines(True)[:-1])
    )

    two_broken_files(path)
    result = import_from(site, "broken._core")
    message = result.stderr[result.stderr.index("ImportError: ") :]
    first, rest = message.split("\n", 1)
    assert first == (
        "ImportError: zlig: rebuilding broken._core failed: src/broken/core.c:4:14: expected ';' "
        "after return statement (and 2 more errors in 2 files)"
    )
    assert rest == "".join(TWO_FILES.splitlines(keepends=True)[:-1])
    for internal in INTERNALS:
        assert internal not in result.stderr

    result = import_from(site, "broken._core", ZLIG_VERBOSE="1")
    for internal in INTERNALS:
        assert internal in result.stderr


def test_summary_of_zig_output() -> None:
    """Zig's output taken apart: diagnostics with notes, verbose-cc lines, Zig's own errors."""
    output = "\n".join(
        [
            "install",
            "+- install generated to p/_core.so",
            "   +- compile lib p._core ReleaseFast x86_64-linux-gnu.2.17 1 errors",
            "/p/src/h.h:2:31: error: expected expression",
            "static int hdr(void) { return X(1); }",
            "                              ^",
            "/p/src/two.c:2:10: note: in file included from /p/src/two.c:2:",
            '#include "h.h"',
            "error: /z/zig clang /p/src/two.c --no-default-config -c",
            "       /z/zig clang /p/src/one.c --no-default-config -c",
            "       ",
            "error: 1 compilation errors",
            "failed command: /z/zig build-lib -cflags -- /p/src/two.c",
            "",
            "error: the following build command failed with exit code 1:",
            "/cache/o/build /z/zig --seed 0x1",
        ]
    )
    report = Report(output, "/p")
    assert report.compiled == ["/p/src/two.c", "/p/src/one.c"]
    assert report.shown() == "\n".join(
        [
            "src/h.h:2:31: error: expected expression",
            "static int hdr(void) { return X(1); }",
            "                              ^",
            "src/two.c:2:10: note: in file included from src/two.c:2:",
            '#include "h.h"',
        ]
    )
    assert report.summary(1) == "src/h.h:2:31: expected expression"
