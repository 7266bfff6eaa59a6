"""Editable installs through pip: the loader rebuilds changed extensions on import."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .conftest import check, offline_env, run

VERBOSE = {"ZLIG_EDITABLE_VERBOSE": "1"}


def install_editable(path: Path, python: Path, env: dict[str, str], *args: str) -> None:
    """``pip install -e``, with build isolation, from the offline wheelhouse."""
    check([python, "-m", "pip", "install", "-q", *args, "-e", path], env=env)


def call(python: Path, code: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a new process, from outside the project."""
    return run([python, "-c", code], cwd="/", env={**os.environ, **env})


def replace(file: Path, old: str, new: str) -> None:
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new))


def test_changed_source_is_rebuilt_on_import(project, make_venv, wheelhouse) -> None:
    path = project("demo")
    python = make_venv()
    install_editable(path, python, offline_env(wheelhouse))
    add = "import demo; print(demo.add(2, 3))"
    assert check([python, "-c", add], cwd="/").stdout == "5\n"

    source = path / "src" / "demo" / "_core.c"
    replace(source, "a + b", "a + b + 100")
    result = call(python, add, **VERBOSE)
    assert result.stdout == "105\n", result.stderr
    assert result.stderr.startswith("+ ")
    # With the plan's precompiled headers while they still apply (the demo has
    # none; tests/test_pch.py has an edit that makes one inapplicable).
    assert " build -Dplan=plan.json -Dpch=true --prefix " in result.stderr.splitlines()[0]

    # Nothing changed: no Zig run.
    result = call(python, add, **VERBOSE)
    assert (result.stdout, result.stderr) == ("105\n", "zlig: demo is up to date\n")

    # A bad $ZLIG_JOBS, when a rebuild needs it, is an ImportError that says so.
    replace(source, "a + b + 100", "a + b + 101")
    result = call(python, add, ZLIG_JOBS="many")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "ImportError: zlig: ZLIG_JOBS must be a whole number of at least 1, not 'many'"
    )

    # A compile error is an ImportError naming the file and line.
    replace(source, "a + b + 101", "a + b +")
    result = call(python, add)
    assert result.returncode == 1
    assert (
        "ImportError: zlig: rebuilding demo._core failed: "
        "src/demo/_core.c:9:39: expected expression\n"
    ) in result.stderr
    assert "error: expected expression" in result.stderr  # Zig's own output follows

    replace(source, "a + b +", "a + b + 7")
    assert check([python, "-c", add], cwd="/").stdout == "12\n"

    # A changed pyproject.toml may mean a changed [tool.zlig]: say to reinstall.
    with (path / "pyproject.toml").open("a") as f:
        f.write("# edited\n")
    replace(source, "a + b + 7", "a + b + 8")
    result = call(python, add)
    assert (result.stdout, result.stderr) == (
        "13\n",
        f"zlig: {path / 'pyproject.toml'} changed since demo was installed; if you changed "
        "[tool.zlig], install it again (pip install -e .)\n",
    )
    # The extension lives in the build folder, never in the source tree.
    assert sorted(p.name for p in source.parent.iterdir() if p.name != "__pycache__") == [
        "__init__.py",
        "_core.c",
    ]


def test_changed_header_is_rebuilt_on_import(project, make_venv, wheelhouse) -> None:
    path = project("nested")
    python = make_venv()
    install_editable(path, python, offline_env(wheelhouse))
    code = "from spam.sub import _core; print(_core.twice_a(5), _core.twice_b(5))"
    assert check([python, "-c", code], cwd="/").stdout == "10 11\n"
    replace(path / "csrc" / "b" / "util.h", "SPAM_OFFSET 1", "SPAM_OFFSET 11")
    assert check([python, "-c", code], cwd="/").stdout == "10 21\n"


def test_rebuild_after_the_build_environment_is_gone(
    project, make_venv, wheelhouse, tmp_path: Path
) -> None:
    """pip's isolated environment, and its ziglang, are deleted after the
    install; the loader uses the Zig zlig kept, or says what to install."""
    path = project("demo")
    python = make_venv()
    cache = tmp_path / "zlig-cache"
    env = {**offline_env(wheelhouse), "ZLIG_CACHE_DIR": str(cache)}
    install_editable(path, python, env)
    kept = cache / "zig-0.16.0" / "zig"
    assert kept.is_file()
    add = "import demo; print(demo.add(2, 3))"
    source = path / "src" / "demo" / "_core.c"
    replace(source, "a + b", "a + b + 1")
    assert check([python, "-c", add], cwd="/").stdout == "6\n"

    shutil.rmtree(cache)
    replace(source, "a + b + 1", "a + b + 2")
    result = call(python, add)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"ImportError: zlig: cannot rebuild demo._core: the Zig it was built with ({kept}) is "
        "gone; pip install 'ziglang==0.16.0' into this environment, or install demo again "
        "(pip install -e .)"
    )
    check([python, "-m", "pip", "install", "-q", "ziglang==0.16.0"], env=env)
    assert check([python, "-c", add], cwd="/").stdout == "7\n"


def test_rebuild_can_be_turned_off(project, make_venv, wheelhouse) -> None:
    path = project("demo")
    python = make_venv()
    env = offline_env(wheelhouse)
    install_editable(path, python, env, "--config-settings", "editable-rebuild=false")
    replace(path / "src" / "demo" / "_core.c", "a + b", "a + b + 100")
    result = call(python, "import demo; print(demo.add(2, 3))", **VERBOSE)
    assert (result.stdout, result.stderr) == ("5\n", "")
