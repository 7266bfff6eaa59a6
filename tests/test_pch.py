"""Precompiled Python.h (zlig/builder/pch.py): which sources may use it, and that
using it changes nothing in what is built."""

from __future__ import annotations

import json
import os
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

from zlig.builder import pch

from .conftest import check, offline_env, run, wheel_members

EPOCH = "1700000000"


def scan(
    tmp_path: Path,
    files: dict[str, str],
    include_dirs: tuple[str, ...] = (),
    command_line: tuple[str, ...] = (),
) -> object:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(text.encode())
    source = tmp_path / "src" / "a.c"
    return pch.python_prefix(source, [tmp_path / d for d in include_dirs], command_line)


PYTHON_H = "#include <Python.h>\n"
NPY = "#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION"
GUARDED = f"#ifndef MOD_H\n#define MOD_H\n{NPY}\n#include <Python.h>\n#define MOD_VALUE 7\n#endif\n"
CLEAN = "#define PY_SSIZE_T_CLEAN"
SPACED_NPY = "#define NPY_NO_DEPRECATED_API  NPY_1_7_API_VERSION /* a comment */"
#: A source's text (and more files) -> the #defines before Python.h, or None: no PCH.
SCANS = {
    "plain": ({"src/a.c": "#include <Python.h>\nint x;\n"}, ()),
    "quoted, after comments": (
        {"src/a.c": '/* #include <stdio.h>\n */\n// note\n  #  include "Python.h"\n'},
        (),
    ),
    "crlf": ({"src/a.c": f"{CLEAN}\r\n#include <Python.h>\r\n"}, (CLEAN,)),
    "defines kept in order": (
        {"src/a.c": f"{CLEAN}\n{SPACED_NPY}\n{PYTHON_H}"},
        (CLEAN, NPY),
    ),
    "a continued define": ({"src/a.c": f"{CLEAN} \\\n 1\n{PYTHON_H}"}, (f"{CLEAN} 1",)),
    "a define in a comment continued by a backslash": (
        {"src/a.c": f"// C:\\tmp\\\n{CLEAN}\n{PYTHON_H}"},
        (),
    ),
    "through a guarded header": ({"src/a.c": '#include "mod.h"\n', "src/mod.h": GUARDED}, (NPY,)),
    "through pragma once, from an include folder": (
        {"src/a.c": "#include <mod.h>\n", "include/mod.h": "#pragma once\n#include <Python.h>\n"},
        (),
    ),
    "a header of defines first": (
        {
            "src/a.c": '#include "config.h"\n#include <Python.h>\n',
            "src/config.h": f"#ifndef CONFIG_H\n#define CONFIG_H\n{CLEAN}\n#endif\n",
        },
        (CLEAN,),
    ),
    "a system header first": ({"src/a.c": "#include <stdio.h>\n#include <Python.h>\n"}, None),
    "code first": ({"src/a.c": "int x;\n#include <Python.h>\n"}, None),
    "no Python.h": ({"src/a.c": "#include <stdio.h>\nint x;\n"}, None),
    "conditional": ({"src/a.c": "#ifdef X\n#include <Python.h>\n#endif\n"}, None),
    "undef": ({"src/a.c": "#undef NDEBUG\n#include <Python.h>\n"}, None),
    # pyconfig.h defines it again: the source's copy, made after, would win.
    "a define Python.h makes": ({"src/a.c": f"#define _XOPEN_SOURCE 600\n{PYTHON_H}"}, None),
    "another define": ({"src/a.c": f"#define LEVEL 2\n{PYTHON_H}"}, None),
    "defined twice": ({"src/a.c": f"{CLEAN}\n{CLEAN} 1\n{PYTHON_H}"}, None),
    "function-like macro": ({"src/a.c": "#define F(x) x\n#include <Python.h>\n"}, None),
    "lone carriage returns": ({"src/a.c": f"{CLEAN}\r#include <stdio.h>\r{PYTHON_H}"}, None),
    "trigraph": ({"src/a.c": f"// ??/\n{CLEAN}\n{PYTHON_H}"}, None),
    "comment across a directive's line break": (
        {"src/a.c": f"{CLEAN} /*\n*/ 1\n{PYTHON_H}"},
        None,
    ),
    "guard that is not a guard": (
        {"src/a.c": "#ifndef A_H\n#define B_H\n#include <Python.h>\n"},
        None,
    ),
    "a guard that is not guard-like": (
        {"src/a.c": "#ifndef NDEBUG\n#define NDEBUG\n#include <Python.h>\n"},
        None,
    ),
    "reserved guard": (
        {"src/a.c": '#include "m.h"\n', "src/m.h": "#ifndef _M_H\n#define _M_H\n" + PYTHON_H},
        None,
    ),
    "Python's guard": (
        {"src/a.c": '#include "m.h"\n', "src/m.h": "#ifndef PY_M_H\n#define PY_M_H\n" + PYTHON_H},
        None,
    ),
    # The second time, the guard is defined: the header is skipped.
    "a guarded header twice": (
        {
            "src/a.c": f'#include "m.h"\n#include "m.h"\n{PYTHON_H}',
            "src/m.h": "#ifndef M_H\n#define M_H\n#endif\n",
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
    "headers nested too deep": (
        {
            "src/a.c": '#include "h0.h"\n',
            **{f"src/h{i}.h": f'#include "h{i + 1}.h"\n' for i in range(9)},
            "src/h9.h": PYTHON_H,
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


def test_names_defined_on_the_command_line(tmp_path: Path) -> None:
    """A guard defined with -D skips its header; a define of a -D macro would
    warn in the source, and not in the PCH."""
    files = {"src/a.c": '#include "mod.h"\n', "src/mod.h": GUARDED}
    assert scan(tmp_path, files, command_line=("MOD_H",)) is None
    assert scan(tmp_path, files, command_line=("NPY_NO_DEPRECATED_API",)) is None
    assert scan(tmp_path, files, command_line=("OTHER",)) == (NPY,)


def test_an_unreadable_source(tmp_path: Path) -> None:
    assert pch.python_prefix(tmp_path / "missing.c", [], ()) is None


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
        # Python.h's warnings would show once, from the PCH, not in every file.
        ("ReleaseFast", ("-Wsystem-headers",), False),
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


def make_project(path: Path, helpers: int = 3) -> Path:
    """Four extensions: sources that include Python.h first (12 of them, under
    3 precompiled headers, one shared by two extensions) and 2 that do not.
    Each extension's ``call()`` adds up its helpers ``h<i>(x) = x * i + i``."""
    files = {"pyproject.toml": PYPROJECT, "src/pchdemo/__init__.py": ""}
    files["include/guarded.h"] = GUARDED.replace("MOD_", "GUARDED_")
    preambles = {
        "plain": "#include <Python.h>\n",
        # In 3.8-3.12 a "#" format raises SystemError without PY_SSIZE_T_CLEAN
        # defined before Python.h; in every version the define must reach it.
        "clean": "#define PY_SSIZE_T_CLEAN\n#include <Python.h>\n",
        "guarded": '/* through a header */\n#include "guarded.h"\n',
    }
    numbers = range(1, helpers + 1)
    ones = " + ".join(f"h{i}(1)" for i in numbers)
    zeros = " + ".join(f"h{i}(0)" for i in numbers)
    bodies = {
        "plain": f"return PyLong_FromLong({ones});",
        "clean": 'const char *s; Py_ssize_t n; if (!PyArg_ParseTuple(args, "s#", &s, &n)) '
        f"return NULL; return PyLong_FromSsize_t(n + {zeros});",
        "guarded": f"return PyLong_FromLong(GUARDED_VALUE + {zeros});",
        "other": f"return PyLong_FromLong({ones});",
    }
    for ext, body in bodies.items():
        preamble = preambles.get(ext, "#include <Python.h>\n")
        decls = "".join(f"long h{i}(long x);\n" for i in numbers)
        module = MODULE.format(name=f"_{ext}", body=body)
        files[f"src/{ext}/module.c"] = preamble + decls + module
        for i in numbers:
            # _other: helpers that include a system header first, but the last.
            first = "#include <string.h>\n" if ext == "other" and i < helpers else preamble
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
        for source in [*ext["c_sources"], *(s for part in ext["parts"] for s in part["sources"])]:
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
        f"{NPY}\n#include <Python.h>\n": [
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


def test_touched_or_changed_python_headers(tmp_path: Path) -> None:
    """After ``rm -rf build`` the PCH comes back from Zig's cache, also when
    Python's headers were only touched (as by reinstalling Python): clang
    must compare their content, not their time. A header that changed gives
    new PCHs. Cross-compiling (to aarch64, with a copy of this Python's
    headers as the target's) lets the test touch and change the headers."""
    include = tmp_path / "python-include"
    shutil.copytree(sysconfig.get_path("include"), include)
    settings = {
        "target": "aarch64-linux-gnu",
        "target-include-dir": str(include),
        "target-ext-suffix": ".cpython-311-aarch64-linux-gnu.so",
    }
    path = make_project(tmp_path / "pchdemo")
    build_wheel(path, "dist", **settings)
    made = {p.name: p.read_bytes() for p in path.glob("build/zlig/*/pch/*.pch")}
    assert len(made) == 3

    shutil.rmtree(path / "build")
    for header in include.rglob("*.h"):
        os.utime(header, (1, 1))
    module = path / "src" / "clean" / "module.c"
    module.write_text(module.read_text() + "\nint edited;\n")
    build_wheel(path, "dist2", **settings)
    assert {p.name: p.read_bytes() for p in path.glob("build/zlig/*/pch/*.pch")} == made

    pyconfig = include / "pyconfig.h"
    pyconfig.write_text(pyconfig.read_text() + "\n#define ZLIG_TEST_CHANGE 1\n")
    build_wheel(path, "dist3", **settings)
    again = {p.name: p.read_bytes() for p in path.glob("build/zlig/*/pch/*.pch")}
    assert again.keys() == made.keys()
    assert all(again[name] != made[name] for name in made)


def test_warnings_and_a_define_also_on_the_command_line(tmp_path: Path) -> None:
    """A source defining a macro that is also given with -D warns, so it gets
    no PCH (whose copy of the define would keep the warning from the source)."""
    path = make_project(tmp_path / "pchdemo")
    pyproject = path / "pyproject.toml"
    extra = 'extra-compile-args = ["-Wall", "-Wextra", "-DNPY_NO_DEPRECATED_API=0"]\n'
    pyproject.write_text(
        pyproject.read_text().replace("extensions = [", extra + "extensions = [", 1)
    )
    wheel = build_wheel(path, "with")
    assert len(plan_of(path)["precompiled"]) == 2  # not the guarded sources'
    without = build_wheel(path, "without", **{"precompiled-header": "false"})
    assert without.read_bytes() == wheel.read_bytes()


def test_many_sources_in_groups(tmp_path: Path) -> None:
    """An extension of more than 8 sources is compiled in groups, each a step
    of its own, that must wait for the PCH."""
    path = make_project(tmp_path / "pchdemo", helpers=9)
    wheel = build_wheel(path, "with")
    plan = plan_of(path)
    (plain,) = [e for e in plan["extensions"] if e["name"] == "pchdemo._plain"]
    assert [len(part["sources"]) for part in plain["parts"]] == [5, 5]
    assert all(s["pch"] is not None for part in plain["parts"] for s in part["sources"])
    without = build_wheel(path, "without", **{"precompiled-header": "false"})
    assert without.read_bytes() == wheel.read_bytes()
    target = tmp_path / "unpacked"
    shutil.unpack_archive(wheel, target, format="zip")
    code = "from pchdemo import _plain; print(_plain.call())"
    assert check([sys.executable, "-c", code], cwd=target).stdout == f"{sum(range(2, 20, 2))}\n"


def test_editable_installs_share_the_wheel_builds_objects(
    tmp_path: Path, make_venv, wheelhouse
) -> None:
    """An editable install after a wheel build compiles nothing (same plan,
    precompiled Python.h included); a rebuild on import after an edit that
    makes a source unfit for its PCH leaves the PCHs out, and is right."""
    from .test_incremental import cache_files

    path = make_project(tmp_path / "pchdemo")
    for source in path.rglob("*.c"):  # objects no other build made
        source.write_text(source.read_text() + f"/* {tmp_path} */\n")
    stems = {"module", "h1", "h2", "h3"}
    before = cache_files(".o")
    build_wheel(path, "dist")
    assert {p.stem for p in cache_files(".o") - before} >= stems
    objects = cache_files(".o")
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "-e", path], env=offline_env(wheelhouse))
    assert {p.stem for p in cache_files(".o") - objects} & stems == set()
    assert len(plan_of(path)["precompiled"]) == 3
    code = "from pchdemo import _clean; print(_clean.call('abcd'))"
    assert check([python, "-c", code], cwd="/").stdout == "10\n"
    # _plain's module now defines PY_SSIZE_T_CLEAN before Python.h, which its
    # PCH (made without it) would hide: on 3.8-3.12 "s#" then raises SystemError.
    body = (
        'const char *s; Py_ssize_t n; if (!PyArg_ParseTuple(args, "s#", &s, &n)) '
        "return NULL; return PyLong_FromSsize_t(n + h1(0) + h2(0) + h3(0));"
    )
    decls = "".join(f"long h{i}(long x);\n" for i in (1, 2, 3))
    (path / "src" / "plain" / "module.c").write_text(
        "#define PY_SSIZE_T_CLEAN\n#include <Python.h>\n"
        + decls
        + MODULE.format(name="_plain", body=body)
    )
    code = "from pchdemo import _plain; print(_plain.call('abcd'))"
    assert check([python, "-c", code], cwd="/").stdout == "10\n"
