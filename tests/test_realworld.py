"""Real projects nobody here wrote, switched to zlig and tested with their own suites.

Their sdists are downloaded from the package index at run time; their
setup.py is deleted and its Extension(...) rewritten as [tool.zlig] (the same
rewrite docs/migrating.md walks through). Each is built with ``python -m
build`` under build isolation (offline, zlig from the wheelhouse), installed
into a fresh venv, and its test suite run against the installed wheel, with
proof that the C speedups were what got tested.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tarfile
from pathlib import Path

import pytest

from .conftest import ROOT, check, offline_env

pytestmark = [pytest.mark.slow, pytest.mark.realworld]

SDISTS = ROOT / ".cache" / "realworld"
ZLIG_BUILD_SYSTEM = '[build-system]\nrequires = ["zlig"]\nbuild-backend = "zlig"\n'

MARKUPSAFE = (
    "markupsafe==3.0.4",
    """
# flit-core takes the import name from the project name as written.
[tool.flit.module]
name = "markupsafe"

[tool.zlig]
extensions = [{ name = "markupsafe._speedups", sources = ["src/markupsafe/_speedups.c"] }]
""",
)

# setup.py's setup(...) keywords, written as [project]; flit-core reads them.
SIMPLEJSON = (
    "simplejson==4.3.0",
    """
[project]
name = "simplejson"
version = "4.3.0"
description = "Simple, fast, extensible JSON encoder/decoder for Python"
readme = "README.rst"
license = "MIT OR AFL-2.1"
license-files = ["LICENSE.txt"]
requires-python = ">=3.9"
authors = [{ name = "Bob Ippolito", email = "bob@redivi.com" }]

[project.urls]
Homepage = "https://github.com/simplejson/simplejson"

[tool.zlig]
extensions = [{ name = "simplejson._speedups", sources = ["simplejson/_speedups.c"] }]
""",
)


def unpack(requirement: str, tmp_path: Path) -> Path:
    """The project's sdist from the index (kept in .cache/realworld), unpacked."""
    name, version = requirement.split("==")
    SDISTS.mkdir(parents=True, exist_ok=True)
    found = list(SDISTS.glob(f"{name}-{version}.tar.gz"))
    if not found:
        check(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--dest",
                SDISTS,
                requirement,
            ]
        )
        found = list(SDISTS.glob(f"{name}-{version}.tar.gz"))
    with tarfile.open(found[0]) as tf:
        tf.extractall(tmp_path)
    return tmp_path / f"{name}-{version}"


def switch_to_zlig(path: Path, extra: str) -> None:
    """Replace setuptools by zlig: new [build-system], [tool.zlig], no setup.py."""
    (path / "setup.py").unlink()
    text = (path / "pyproject.toml").read_text()
    text = re.sub(r"\[build-system\]\n(?:[^\[].*\n|\n)*", "", text)
    (path / "pyproject.toml").write_text(ZLIG_BUILD_SYSTEM + text + extra)


def build_and_install(path: Path, make_venv, wheelhouse: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    check([sys.executable, "-m", "build", "--outdir", out, path], env=offline_env(wheelhouse))
    (wheel,) = out.glob("*.whl")
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", wheel], env=offline_env(wheelhouse))
    return python


def test_markupsafe(make_venv, wheelhouse: Path, tmp_path: Path) -> None:
    path = unpack(MARKUPSAFE[0], tmp_path)
    switch_to_zlig(path, MARKUPSAFE[1])
    python = build_and_install(path, make_venv, wheelhouse, tmp_path)
    # Its own tests, from a folder without src/, so the installed wheel is tested.
    tests = tmp_path / "suite" / "tests"
    shutil.copytree(path / "tests", tests)
    check([python, "-m", "pip", "install", "-q", "pytest"])
    result = check(
        [python, "-m", "pytest", "-v", "-rs", "-p", "no:cacheprovider", tests], cwd=tests.parent
    )
    # conftest.py runs every test with _native and with _speedups, and skips
    # the latter with "speedups unavailable" when the extension is missing;
    # test_ext_init passes only when the C extension is what is in use.
    assert "speedups unavailable" not in result.stdout
    assert "test_ext_init.py::test_ext_init[markupsafe._speedups] PASSED" in result.stdout
    speedups_passed = re.findall(r"\[markupsafe\._speedups[^\n]*\] PASSED", result.stdout)
    assert len(speedups_passed) >= 30
    assert re.search(r"\b\d+ passed", result.stdout)
    where = check(
        [python, "-c", "import markupsafe._speedups as s; print(s.__file__)"], cwd=tests.parent
    ).stdout
    assert where.strip().endswith("-x86_64-linux-gnu.so")
    assert "/site-packages/markupsafe/" in where


def test_simplejson(make_venv, wheelhouse: Path, tmp_path: Path) -> None:
    path = unpack(SIMPLEJSON[0], tmp_path)
    switch_to_zlig(path, SIMPLEJSON[1])
    python = build_and_install(path, make_venv, wheelhouse, tmp_path)
    # With CIBUILDWHEEL=1 simplejson's suite fails if the C speedups did not
    # load; with them it runs every test twice, with and without speedups.
    env = dict(os.environ, CIBUILDWHEEL="1")
    code = "import simplejson.tests as t; t.main()"
    result = check([python, "-c", code], cwd=tmp_path, env=env)
    assert re.search(r"Ran \d+ tests", result.stderr) and "OK" in result.stderr
    # The tests that need the C extension skip themselves without it ("C
    # Extension not available"); run alone, with speedups on, none may.
    module = "simplejson.tests.test_speedups"
    result = check([python, "-m", "unittest", "-v", module], cwd=tmp_path)
    assert re.search(r"Ran \d+ tests", result.stderr)
    assert "C Extension not available" not in result.stderr
    assert re.search(r"test_make_scanner .*\.\.\. ok", result.stderr)
    check(
        [python, "-c", "import simplejson; assert simplejson._import_c_make_encoder()"],
        cwd=tmp_path,
    )
