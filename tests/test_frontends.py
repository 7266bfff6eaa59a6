"""Builds through real frontends under build isolation, offline from the wheelhouse,
installed into fresh virtual environments of several Python versions."""

from __future__ import annotations

import sys
import tarfile
from pathlib import Path

import pytest

from .conftest import check, offline_env, pyenv_python, run, wheel_members
from .test_build import NESTED_SDIST, TAG

pytestmark = pytest.mark.slow


def test_python_m_build_sdist_then_wheel(project, make_venv, wheelhouse, tmp_path) -> None:
    path = project("nested")
    out = tmp_path / "out"
    # Without --sdist/--wheel, build makes the sdist and then the wheel from
    # the unpacked sdist: the sdist must hold everything a rebuild needs.
    result = run(
        [sys.executable, "-m", "build", "--outdir", out, path], env=offline_env(wheelhouse)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    plat = "manylinux_2_17_x86_64.manylinux2014_x86_64"
    wheel = out / f"spam-2.0-cp{version}-cp{version}-{plat}.whl"
    assert {p.name for p in out.iterdir()} == {"spam-2.0.tar.gz", wheel.name}
    suffix = f".cpython-{version}-x86_64-linux-gnu.so"
    assert wheel_members(wheel) == {
        "spam/__init__.py",
        "spam/sub/__init__.py",
        f"spam/sub/_core{suffix}",
        f"spam/_tiny{suffix}",
        "spam-2.0.dist-info/licenses/LICENSE",
        "spam-2.0.dist-info/WHEEL",
        "spam-2.0.dist-info/METADATA",
        "spam-2.0.dist-info/RECORD",
    }
    with tarfile.open(out / "spam-2.0.tar.gz") as tf:
        names = {n.removeprefix("spam-2.0/") for n in tf.getnames()}
    assert names == NESTED_SDIST

    python = make_venv()
    check([python, "-m", "pip", "install", "-q", wheel], env=offline_env(wheelhouse))
    out = check([python, "-c", "import spam.sub as s; print(s.twice_b(20))"], cwd="/")
    assert out.stdout == "41\n"


def test_uv_build_sdist_then_wheel(project, make_venv, wheelhouse, tmp_path) -> None:
    """uv (offline: it has no environment variable for --no-index) makes the sdist,
    then the wheel from it, in environments it installs itself."""
    path = project("demo")
    out = tmp_path / "out"
    uv = Path(sys.executable).parent / "uv"
    args = ["build", "--no-config", "--no-index", "--find-links", wheelhouse]
    env = {**offline_env(wheelhouse), "UV_CACHE_DIR": str(tmp_path / "uv-cache")}
    result = run([uv, *args, "--python", sys.executable, "--out-dir", out, path], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    wheel = f"demo-1.0.0-{TAG}.whl"
    # uv writes the .gitignore.
    assert {p.name for p in out.iterdir()} == {".gitignore", "demo-1.0.0.tar.gz", wheel}
    assert wheel_members(out / wheel) == {
        "demo/__init__.py",
        f"demo/_core.cpython-{version}-x86_64-linux-gnu.so",
        "demo-1.0.0.dist-info/WHEEL",
        "demo-1.0.0.dist-info/METADATA",
        "demo-1.0.0.dist-info/RECORD",
    }
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", out / wheel], env=offline_env(wheelhouse))
    assert check([python, "-c", "import demo; print(demo.add(2, 3))"], cwd="/").stdout == "5\n"


@pytest.mark.parametrize("version", ["3.9", "3.13"])
def test_pip_install_on_other_pythons(project, make_venv, wheelhouse, version: str) -> None:
    python = make_venv(pyenv_python(version))
    path = project("demo")
    result = run([python, "-m", "pip", "install", path], env=offline_env(wheelhouse))
    assert result.returncode == 0, result.stdout + result.stderr
    out = check([python, "-c", "import demo; print(demo.add(40, 2), demo._core.__file__)"], cwd="/")
    tag = version.replace(".", "")
    assert out.stdout.startswith("42 ")
    assert out.stdout.rstrip().endswith(f"/demo/_core.cpython-{tag}-x86_64-linux-gnu.so")


def test_extension_only_distribution_through_pip(project, make_venv, wheelhouse) -> None:
    # The import name is the extension itself: no Python module for flit-core.
    python = make_venv()
    result = run([python, "-m", "pip", "install", project("toplevel")], env=offline_env(wheelhouse))
    assert result.returncode == 0, result.stdout + result.stderr
    assert check([python, "-c", "import fastmod; print(fastmod.hello())"], cwd="/").stdout == (
        "fast\n"
    )


def test_pure_project_builds_without_zig(project, wheelhouse_without_zig, tmp_path) -> None:
    out = tmp_path / "out"
    result = run(
        [sys.executable, "-m", "build", "--outdir", out, project("pure")],
        env=offline_env(wheelhouse_without_zig),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert {p.name for p in out.iterdir()} == {"purepkg-0.3.tar.gz", "purepkg-0.3-py3-none-any.whl"}


def test_compile_error_through_build(project, wheelhouse, tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    result = run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", out, project("broken")],
        env=offline_env(wheelhouse),
    )
    assert result.returncode == 1
    assert "zlig: error: src/broken/core.c:4:14: expected ';' after return statement" in (
        result.stdout + result.stderr
    )
    assert list(out.iterdir()) == []


def test_editable_install_and_git_status(project, make_venv, wheelhouse, tmp_path) -> None:
    path = project("demo")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    check([*git, "init", "-q"], cwd=path)
    check([*git, "add", "-A"], cwd=path)
    check([*git, "commit", "-qm", "init"], cwd=path)

    env = offline_env(wheelhouse)
    check([sys.executable, "-m", "build", "--outdir", tmp_path / "out", path], env=env)
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "-e", path], env=env)
    out = check([python, "-c", "import demo; print(demo.add(1, 1), demo.__file__)"], cwd="/")
    assert out.stdout == f"2 {path / 'src' / 'demo' / '__init__.py'}\n"
    # All build state, the editable install's extension included, is in the
    # build folder, which git ignores.
    assert check(["git", "status", "--porcelain"], cwd=path).stdout == ""
    assert check(["git", "status", "--porcelain", "--ignored"], cwd=path).stdout == "!! build/\n"
