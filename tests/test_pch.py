"""Precompiled Python.h (zlig/pch.py): which sources may use it, and that
using it changes nothing in what is built."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest

from zlig import pch

from .conftest import check, offline_env, run, wheel_members

EPOCH = "1700000000"


def scan(tmp_path: Path, files: dict[str, str], include_dirs: tuple[str, ...] = ()) -> object:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text.encode())
    return pch.python_prefix(tmp_path / "src" / "a.c", [tmp_path / d for d in include_dirs])


PYTHON_H = "#include <Python.h>\n"
GUARDED = "#ifndef MOD_H\n#define MOD_H\n#define MOD_VALUE 7\n#include <Python.h>\n#endif\n"
#: A source's text (and more files) -> the #defines before Python.h, or None: no PCH.
SCANS = {
    "plain": ({"src/a.c": "#include <Python.h>\nint x;\n"}, ()),
    "quoted, after comments": (
        {"src/a.c": '/* #include <stdio.h>\n */\n// note\n  #  include "Python.h"\n'},
        (),
    ),
    "crlf": (
        {"src/a.c": "#define PY_SSIZE_T_CLEAN\r\n#include <Python.h>\r\n"},
        ("#define PY_SSIZE_T_CLEAN",),
    ),
    "defines kept in order": (
        {"src/a.c": "#define PY_SSIZE_T_CLEAN\n#define LEVEL  (1  + 2) /* x */\n" + PYTHON_H},
        ("#define PY_SSIZE_T_CLEAN", "#define LEVEL (1  + 2)"),
    ),
    "through a guarded header": (
        {"src/a.c": '#include "mod.h"\n', "src/mod.h": GUARDED},
        ("#define MOD_VALUE 7",),
    ),
    "through pragma once, from an include folder": (
        {"src/a.c": "#include <mod.h>\n", "include/mod.h": "#pragma once\n#include <Python.h>\n"},
        (),
    ),
    "a header of defines first": (
        {
            "src/a.c": '#include "config.h"\n#include <Python.h>\n',
            "src/config.h": "#ifndef CONFIG_H\n#define CONFIG_H\n#define FAST 1\n#endif\n",
        },
        ("#define FAST 1",),
    ),
    "a system header first": ({"src/a.c": "#include <stdio.h>\n#include <Python.h>\n"}, None),
    "code first": ({"src/a.c": "int x;\n#include <Python.h>\n"}, None),
    "no Python.h": ({"src/a.c": "#include <stdio.h>\nint x;\n"}, None),
    "conditional": ({"src/a.c": "#ifdef X\n#include <Python.h>\n#endif\n"}, None),
    "undef": ({"src/a.c": "#undef NDEBUG\n#include <Python.h>\n"}, None),
    "function-like macro": ({"src/a.c": "#define F(x) x\n#include <Python.h>\n"}, None),
    "continued line": ({"src/a.c": "#define A \\\n 1\n#include <Python.h>\n"}, None),
    "comment across a directive's line break": (
        {"src/a.c": "#define A /*\n*/ 1\n#include <Python.h>\n"},
        None,
    ),
    "guard that is not a guard": ({"src/a.c": "#ifndef A\n#define B\n#include <Python.h>\n"}, None),
    "reserved guard": (
        {
            "src/a.c": '#include "m.h"\n',
            "src/m.h": "#ifndef _M_H\n#define _M_H\n#include <Python.h>\n",
        },
        None,
    ),
    "Python's guard": (
        {
            "src/a.c": '#include "m.h"\n',
            "src/m.h": "#ifndef PY_M_H\n#define PY_M_H\n#include <Python.h>\n",
        },
        None,
    ),
    "missing header": ({"src/a.c": '#include "missing.h"\n#include <Python.h>\n'}, None),
    "header with code": (
        {"src/a.c": '#include "m.h"\n#include <Python.h>\n', "src/m.h": "typedef int m;\n"},
        None,
    ),
    "include cycle": (
        {
            "src/a.c": '#include "x.h"\n',
            "src/x.h": '#include "y.h"\n',
            "src/y.h": '#include "x.h"\n',
        },
        None,
    ),
    "the project's own Python.h, quoted": (
        {"src/a.c": '#include "Python.h"\n', "src/Python.h": "int own;\n"},
        None,
    ),
    "the project's own Python.h, in an include folder": (
        {"src/a.c": "#include <Python.h>\n", "include/Python.h": "int own;\n"},
        None,
    ),
}


@pytest.mark.parametrize("case", SCANS)
def test_which_sources_lead_straight_to_python_h(tmp_path: Path, case: str) -> None:
    files, expected = SCANS[case]
    assert scan(tmp_path, files, ("include",)) == expected


def test_a_long_preamble_is_not_scanned_to_its_end(tmp_path: Path) -> None:
    comment = "/*" + "x" * (1 << 16) + "*/\n"
    assert scan(tmp_path, {"src/a.c": comment + "#include <Python.h>\n"}) is None


@pytest.mark.parametrize(
    ("optimize", "args", "expected"),
    [
        ("ReleaseFast", (), True),
        ("ReleaseSmall", ("-Wall", "-Wno-unused", "-DX=1", "-UY", "-std=c11"), True),
        ("Debug", ("-fwrapv", "-fno-strict-aliasing"), True),
        # zig cc has no mode giving ReleaseSafe's sanitizer options.
        ("ReleaseSafe", (), False),
        # zig cc reads these itself, where Zig's build passes them to clang.
        ("ReleaseFast", ("-O3",), False),
        ("ReleaseFast", ("-march=native",), False),
        ("ReleaseFast", ("-Wl,-z,now",), False),
        ("ReleaseFast", ("-include", "x.h"), False),
    ],
)
def test_usable_modes_and_flags(optimize: str, args: tuple[str, ...], expected: bool) -> None:
    assert pch.usable(optimize, args) is expected


# --- Real builds ----------------------------------------------------------

PYPROJECT = """\
[build-system]
requires = ["zlig"]
build-backend = "zlig"

[project]
name = "pchdemo"
version = "1.0"
description = "Sources with and without Python.h first"
requires-python = ">=3.9"

[tool.zlig]
include-dirs = ["include"]
extensions = [
    { name = "pchdemo._plain", sources = ["src/plain/*.c"] },
    { name = "pchdemo._clean", sources = ["src/clean/*.c"] },
    { name = "pchdemo._guarded", sources = ["src/guarded/*.c"] },
    { name = "pchdemo._other", sources = ["src/other/*.c"] },
]
"""
MODULE = """
static PyObject *call(PyObject *self, PyObject *args) {{ {body} }}
static PyMethodDef methods[] = {{{{"call", call, METH_VARARGS, NULL}}, {{NULL, NULL, 0, NULL}}}};
static struct PyModuleDef def = {{PyModuleDef_HEAD_INIT, "{name}", NULL, -1, methods}};
PyMODINIT_FUNC PyInit_{name}(void) {{ return PyModule_Create(&def); }}
"""
HELPER = "long {name}(long x) {{ return x * {n} + {n}; }}\n"


def make_project(path: Path) -> Path:
    """Four extensions: sources that include Python.h first (12 of them, under
    3 precompiled headers, one shared by two extensions) and 2 that do not."""
    files = {"pyproject.toml": PYPROJECT, "src/pchdemo/__init__.py": ""}
    files["include/guarded.h"] = GUARDED.replace("MOD_", "GUARDED_")
    preambles = {
        "plain": "#include <Python.h>\n",
        # In 3.8-3.12 a "#" format raises SystemError without PY_SSIZE_T_CLEAN
        # defined before Python.h; in every version the define must reach it.
        "clean": "#define PY_SSIZE_T_CLEAN\n#include <Python.h>\n",
        "guarded": '/* through a header */\n#include "guarded.h"\n',
    }
    bodies = {
        "plain": "return PyLong_FromLong(h1(1) + h2(1) + h3(1));",
        "clean": 'const char *s; Py_ssize_t n; if (!PyArg_ParseTuple(args, "s#", &s, &n)) '
        "return NULL; return PyLong_FromSsize_t(n + h1(0) + h2(0) + h3(0));",
        "guarded": "return PyLong_FromLong(GUARDED_VALUE + h1(0) + h2(0) + h3(0));",
        "other": "return PyLong_FromLong(h1(1) + h2(1) + h3(1));",
    }
    for ext, body in bodies.items():
        preamble = preambles.get(ext, "#include <Python.h>\n")
        decls = "".join(f"long h{i}(long x);\n" for i in (1, 2, 3))
        module = MODULE.format(name=f"_{ext}", body=body)
        files[f"src/{ext}/module.c"] = preamble + decls + module
        for i in (1, 2, 3):
            # _other: two helpers that include a system header first, one plain.
            first = "#include <string.h>\n" if ext == "other" and i < 3 else preamble
            files[f"src/{ext}/h{i}.c"] = first + HELPER.format(name=f"h{i}", n=i)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    return path


def build_wheel(path: Path, dist: str, **settings: str) -> Path:
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    code = f"import zlig; print(zlig.build_wheel({dist!r}, {settings!r}))"
    result = run([sys.executable, "-c", code], cwd=path, env=env)
    assert result.returncode == 0, result.stderr
    return path / dist / result.stdout.splitlines()[-1]


def plan_of(path: Path) -> dict:
    (plan,) = path.glob("build/zlig/*/plan.json")
    return json.loads(plan.read_text())


def users(plan: dict) -> dict[str, list[str]]:
    """Each precompiled header's text -> the sources using it (file stems)."""
    found: dict[str, list[str]] = {p["header"]: [] for p in plan["precompiled"]}
    for ext in plan["extensions"]:
        for source in [*ext["c_sources"], *sum(ext["parts"], [])]:
            if source.get("pch") is not None:
                header = plan["precompiled"][source["pch"]]["header"]
                found[header].append(f"{ext['name']}/{Path(source['path']).stem}")
    return {header: sorted(stems) for header, stems in found.items()}


def test_precompiled_python_h_changes_no_byte(tmp_path: Path, make_venv) -> None:
    path = make_project(tmp_path / "pchdemo")
    wheel = build_wheel(path, "with")

    plan = plan_of(path)
    plain = ["pchdemo._other/h3", "pchdemo._other/module"]
    plain += [f"pchdemo._plain/{s}" for s in ("h1", "h2", "h3", "module")]
    assert users(plan) == {
        "#include <Python.h>\n": plain,
        "#define PY_SSIZE_T_CLEAN\n#include <Python.h>\n": [
            f"pchdemo._clean/{s}" for s in ("h1", "h2", "h3", "module")
        ],
        "#define GUARDED_VALUE 7\n#include <Python.h>\n": [
            f"pchdemo._guarded/{s}" for s in ("h1", "h2", "h3", "module")
        ],
    }
    (folder,) = path.glob("build/zlig/*/")
    assert sorted(p.name for p in (folder / "pch").iterdir()) == sorted(
        Path(p["output"]).name for p in plan["precompiled"]
    )

    without = build_wheel(path, "without", **{"precompiled-header": "false"})
    assert without.name == wheel.name
    assert without.read_bytes() == wheel.read_bytes()
    assert {m for m in wheel_members(wheel) if m.endswith(".so")} == {
        f"pchdemo/_{e}{_ext_suffix()}" for e in ("plain", "clean", "guarded", "other")
    }

    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel])
    code = (
        "from pchdemo import _plain, _clean, _guarded, _other; "
        "print(_plain.call(), _clean.call('abcd'), _guarded.call(), _other.call())"
    )
    assert check([python, "-c", code], cwd="/").stdout.split() == ["12", "10", "13", "12"]


def _ext_suffix() -> str:
    import sysconfig

    return str(sysconfig.get_config_var("EXT_SUFFIX"))


@pytest.mark.parametrize(
    "settings",
    [{"optimize": "Debug"}, {"optimize": "ReleaseSmall"}, {"py-limited-api": "cp39"}],
    ids=["Debug", "ReleaseSmall", "abi3"],
)
def test_other_modes_give_the_same_bytes(tmp_path: Path, settings: dict[str, str]) -> None:
    path = make_project(tmp_path / "pchdemo")
    wheel = build_wheel(path, "with", **settings)
    assert len(plan_of(path)["precompiled"]) == 3
    without = build_wheel(path, "without", **settings, **{"precompiled-header": "false"})
    assert without.read_bytes() == wheel.read_bytes()


def test_cxx_gives_the_same_bytes(tmp_path: Path) -> None:
    path = make_project(tmp_path / "pchdemo")
    for source in path.glob("src/plain/*.c"):  # C++ and C in one extension
        source.rename(source.with_suffix(".cpp"))
        text = source.with_suffix(".cpp").read_text()
        source.with_suffix(".cpp").write_text(text.replace("long h", 'extern "C" long h'))
    pyproject = path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("src/plain/*.c", "src/plain/*.cpp"))
    wheel = build_wheel(path, "with")
    headers = [p["args"][-1] for p in plan_of(path)["precompiled"]]
    # The plain C sources left (2) are too few for a PCH of their own.
    assert sorted(headers) == ["c++-header", "c-header", "c-header"]
    without = build_wheel(path, "without", **{"precompiled-header": "false"})
    assert without.read_bytes() == wheel.read_bytes()


def test_header_touched_or_changed_after_a_clean(tmp_path: Path) -> None:
    """The PCH comes back from Zig's cache after ``rm -rf build``; a header it
    holds that was only touched must not stop the next compile, and one that
    changed must give a new PCH."""
    path = make_project(tmp_path / "pchdemo")
    build_wheel(path, "dist")
    shutil.rmtree(path / "build")
    header = path / "include" / "guarded.h"
    os.utime(header, (1, 1))
    module = path / "src" / "guarded" / "module.c"
    module.write_text(module.read_text() + "\nint edited;\n")
    build_wheel(path, "dist2")
    header.write_text(header.read_text().replace("GUARDED_VALUE 7", "GUARDED_VALUE 9"))
    wheel = build_wheel(path, "dist3")
    target = tmp_path / "unpacked"
    shutil.unpack_archive(wheel, target, format="zip")
    code = "from pchdemo import _guarded; print(_guarded.call())"
    assert check([sys.executable, "-c", code], cwd=target).stdout.split() == ["15"]


def test_warnings_and_redefinitions(tmp_path: Path) -> None:
    """A #define that redefines a command-line macro warns in the sources, not
    in the PCH's own build (where Zig would print it as a failed command)."""
    path = make_project(tmp_path / "pchdemo")
    pyproject = path / "pyproject.toml"
    extra = 'extra-compile-args = ["-Wall", "-Wextra", "-DGUARDED_VALUE=5"]\n'
    pyproject.write_text(
        pyproject.read_text().replace("extensions = [", extra + "extensions = [", 1)
    )
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    code = "import zlig; print(zlig.build_wheel('with'))"
    result = check([sys.executable, "-c", code], cwd=path, env=env)
    assert "failed command" not in result.stderr
    assert len(plan_of(path)["precompiled"]) == 3
    wheel = path / "with" / result.stdout.splitlines()[-1]
    without = build_wheel(path, "without", **{"precompiled-header": "false"})
    assert without.read_bytes() == wheel.read_bytes()


def test_editable_installs_do_not_precompile(tmp_path: Path, make_venv, wheelhouse) -> None:
    path = make_project(tmp_path / "pchdemo")
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "-e", path], env=offline_env(wheelhouse))
    (folder,) = path.glob("build/zlig/*/")
    assert not (folder / "pch").exists()
    assert len(plan_of(path)["precompiled"]) == 3  # in the plan, not used
    code = "from pchdemo import _clean; print(_clean.call('abcd'))"
    assert check([python, "-c", code], cwd="/").stdout == "10\n"
