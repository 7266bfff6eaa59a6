"""What a failed build shows: the compiler's diagnostics, then one ``zlig: error:`` line;
Zig's internals only with verbose output. Wheel builds and editable imports alike."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from zlig.runtime.diagnostics import Report

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
        # Zig's own text names the files as the plan does, from the build
        # folder (build/zlig/<tag>); the diagnostics are there too.
        error = "../../../src/broken/more.c:2:30: error: use of undeclared identifier 'y'"
        assert error in output
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


def built_line(stdout: str) -> str:
    """The summary line (after any "still building" lines of a busy machine)."""
    return [line for line in stdout.splitlines() if line.startswith("zlig: built ")][0]


def test_summary_counts_what_zig_compiled(project) -> None:
    path = project("nested")
    hook_value(run_hook(path, "build_wheel('dist')"))
    (path / "csrc" / "a" / "util.c").write_text(
        (path / "csrc" / "a" / "util.c").read_text() + "/* changed */\n"
    )
    result = run_hook(path, "build_wheel('dist')")
    first = built_line(result.stdout)
    assert first.startswith(
        "zlig: built spam.sub._core, spam._tiny (4 C files: 1 compiled, 3 cached;"
    )
    result = run_hook(path, "build_wheel('dist')")
    assert "(4 C files: 0 compiled, 4 cached;" in built_line(result.stdout)


def test_missing_header_names_the_folders_searched(project, tmp_path: Path) -> None:
    path = project("demo")
    (path / "include").mkdir()
    pyproject = path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            '"src/demo/*.c"]', '"src/demo/*.c"], include-dirs = ["include"]'
        )
    )
    core = path / "src" / "demo" / "_core.c"
    core.write_text(
        core.read_text().replace(
            "#include <Python.h>\n", '#include <Python.h>\n#include "demo_api.h"\n'
        )
    )
    assert failed_build(path, tmp_path).splitlines()[-2:] == [
        "zlig: note: searched the including file's folder, include-dirs include, Python's and "
        "the C library's headers; add the folder that holds it to include-dirs",
        "zlig: error: src/demo/_core.c:3:10: 'demo_api.h' file not found",
    ]


def test_python_h_after_a_standard_header_is_explained() -> None:
    output = "\n".join(
        [
            "/p/src/a.c:3:9: warning: '_POSIX_C_SOURCE' macro redefined",
            "#define _POSIX_C_SOURCE 200809L",
            "        ^",
            "/p/src/a.c:9:1: error: unknown type name 'x'",
        ]
    )
    report = Report(output, "/p")
    assert report.shown().splitlines()[3] == (
        "zlig: note: Python.h must be included before any standard header: it sets "
        "_POSIX_C_SOURCE for the whole file (Python's C API documentation says so); move "
        "#include <Python.h> up"
    )
    assert report.explain("'_XOPEN_SOURCE' macro redefined").endswith("move #include <Python.h> up")


def test_progress_of_a_long_build(monkeypatch, capsys, tmp_path: Path) -> None:
    """A long Zig run says how far it is, every few seconds and less often as it goes on."""
    from zlig.builder import zig

    monkeypatch.setattr(zig, "PROGRESS_EVERY", 0.2)
    script = (
        "echo 'error: /z/zig clang /p/a.c -c'; sleep 0.5; "
        "echo '       /z/zig clang /p/b.c -c'; sleep 0.5"
    )
    report = zig.run(
        ["sh", "-c", script], tmp_path, tmp_path, progress=lambda done, s: f"{len(done)} done"
    )
    lines = capsys.readouterr().out.splitlines()
    assert 3 <= len(lines) <= 5, lines
    assert lines[0] == "1 done" and lines[-1] == "2 done"
    assert report.compiled == ["/p/a.c", "/p/b.c"]


def test_mingw_import_library_lines_are_not_shown() -> None:
    """The first Windows build: Zig names each MinGW-w64 .def file it turns
    into an import library (indented, with --verbose-cc); not a message."""
    output = (
        "       def file: /zig/lib/libc/mingw/lib-common/kernel32.def.in\n"
        "       include dir: /zig/lib/libc/mingw/def-include\n"
        "def file: /zig/lib/libc/mingw/lib-common/ntdll.def.in\n"
    )
    assert Report(output, "/p/", []).shown() == ""
