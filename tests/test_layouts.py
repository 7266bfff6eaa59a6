"""Layouts beyond flit-core's single package, with flit-core still packing."""

from __future__ import annotations

import sys
import tarfile

import pytest

from .conftest import (
    check,
    check_distribution,
    check_wheel,
    hook_value,
    offline_env,
    run_hook,
    wheel_members,
)

VERSION = f"{sys.version_info[0]}{sys.version_info[1]}"
SUFFIX = f".cpython-{VERSION}-x86_64-linux-gnu.so"

CASES = {
    # name: (wheel members without dist-info, sdist members, import and call)
    "toplevel": (
        {f"fastmod{SUFFIX}"},
        {"pyproject.toml", "csrc/fastmod.c", "PKG-INFO"},
        "import fastmod; print(fastmod.hello())",
        "fast",
    ),
    "besides": (
        {"fast.py", f"_fast{SUFFIX}"},
        {"pyproject.toml", "src/fast.py", "csrc/_fast.c", "PKG-INFO"},
        "import fast; print(fast.double(21))",
        "42",
    ),
    "namespace": (
        {"org/lib/__init__.py", f"org/lib/_speedups{SUFFIX}"},
        {"pyproject.toml", "src/org/lib/__init__.py", "src/org/lib/speedups.c", "PKG-INFO"},
        "import org.lib; print(org.lib.answer())",
        "42",
    ),
    "shared": (
        {"pkg/__init__.py", f"pkg/_a{SUFFIX}", f"pkg/_b{SUFFIX}"},
        {
            "pyproject.toml",
            "src/pkg/__init__.py",
            "src/pkg/a.c",
            "src/pkg/b.c",
            "vendor/mathlib/mathlib.c",
            "vendor/mathlib/mathlib.h",
            "PKG-INFO",
        },
        "import pkg._a, pkg._b; print(pkg._a.cube(3), pkg._b.cube(3))",
        "27 28",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_layout(project, make_venv, wheelhouse, name: str) -> None:
    members, sdist_members, code, expected = CASES[name]
    path = project(name)
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_wheel('dist')")))
    assert {m for m in wheel_members(wheel) if ".dist-info/" not in m} == members
    sdist = path / "dist" / str(hook_value(run_hook(path, "build_sdist('dist')")))
    with tarfile.open(sdist) as tf:
        prefix = sdist.name.removesuffix(".tar.gz") + "/"
        assert {n.removeprefix(prefix) for n in tf.getnames()} == sdist_members
    check_wheel(wheel)
    check_distribution(sdist)
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", wheel], env=offline_env(wheelhouse))
    assert check([python, "-c", code], cwd="/").stdout == expected + "\n"


def test_editable_top_level_extension(project, make_venv, wheelhouse) -> None:
    path = project("besides")
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_editable('dist')")))
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", wheel], env=offline_env(wheelhouse))
    out = check([python, "-c", "import fast, _fast; print(fast.double(4), _fast.__file__)"])
    tag = f"cp{VERSION}-cp{VERSION}-manylinux_2_17_x86_64"
    assert out.stdout == f"8 {path / 'build' / 'zlig' / tag / 'out' / ('_fast' + SUFFIX)}\n"


def test_top_level_name_clashing_with_the_module(project) -> None:
    path = project("besides")
    text = (path / "pyproject.toml").read_text().replace('name = "_fast"', 'name = "fast"')
    (path / "pyproject.toml").write_text(text)
    result = run_hook(path, "build_wheel('dist')")
    assert result.stderr == (
        "zlig: error: tool.zlig.extensions[0].name: 'fast' must be a top-level module other "
        "than 'fast', e.g. '_fast'\n"
    )


def test_no_module_and_no_extension_of_that_name(project) -> None:
    path = project("toplevel")
    text = (path / "pyproject.toml").read_text().replace('name = "fastmod",', 'name = "other",')
    (path / "pyproject.toml").write_text(text)
    result = run_hook(path, "build_wheel('dist')")
    assert result.stderr == "zlig: error: flit-core: No file/folder found for module fastmod\n"
