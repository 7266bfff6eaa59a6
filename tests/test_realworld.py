"""Real projects nobody here wrote, switched to zlig and tested with their own suites.

The projects and what is changed in each are in tests/realworld.py (also used
by benchmarks/realworld.py; docs/realworld.md is its table). Their sdists are
downloaded from the package index once, into .cache/realworld; setup.py is
deleted and its Extension(...) rewritten as [tool.zlig] (the rewrite
docs/migrating.md walks through). Each is built with ``python -m build``
under build isolation (offline, zlig from the wheelhouse), installed into a
fresh venv (test requirements from the index), and its own test suite run
against the installed wheel, with proof that the compiled extension, not a
pure-Python fallback, was what got tested.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from . import realworld
from .conftest import offline_env

pytestmark = [pytest.mark.slow, pytest.mark.realworld]


def _params() -> list[object]:
    """One per project; a known zlig bug makes it an expected (strict) failure."""
    return [
        pytest.param(name, marks=pytest.mark.xfail(reason=p.zlig_bug, strict=True))
        if p.zlig_bug
        else name
        for name, p in realworld.PROJECTS.items()
    ]


@pytest.mark.parametrize("name", _params())
def test_project(
    name: str, make_venv: Callable[..., Path], wheelhouse: Path, tmp_path: Path
) -> None:
    project = realworld.PROJECTS[name]
    path = realworld.unpack(project, tmp_path / "src")
    realworld.switch_to_zlig(project, path)
    assert not (path / "setup.py").exists()
    wheel = realworld.build_wheel(path, tmp_path / "dist", offline_env(wheelhouse))
    assert "-manylinux" in wheel.name
    python = make_venv()
    realworld.install(python, wheel, project)
    outcome = realworld.run_suite(project, python, path, tmp_path / "suite")
    found = realworld.problems(project, outcome)
    assert not found, f"{name}: {found}\n{outcome.output[-6000:]}"
