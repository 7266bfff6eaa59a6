"""Faults: interrupts, a full disk, concurrent builds, a read-only tree.

Whatever happens, the output folder holds a complete archive or nothing, the
source tree is byte-identical, and the next build is correct.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import check, hook_value, offline_env, pyenv_python, run, run_hook, wheel_members
from .test_build import TAG, tree_digest

HOOK = "import zlig; print(repr(zlig.{}))"


def slow_project(path: Path) -> Path:
    """The demo with a source that takes Zig a few seconds to compile."""
    (path / "src" / "demo" / "slow.c").write_text(
        "".join(
            f"long slow_{i}(long x) {{ long s = 0; "
            f"for (long k = 0; k < x; k++) s += (k * {i}) ^ (s >> 3); return s; }}\n"
            for i in range(800)
        )
        # Its own: not found in Zig's cache, which holds every earlier test's
        # objects wherever their project was.
        + f"/* {path} */\n"
    )
    return path


def call_demo(python: Path | str, wheel: Path, tmp_path: Path) -> str:
    """Unpack ``wheel`` and call the demo from it."""
    target = tmp_path / "unpacked"
    shutil.rmtree(target, ignore_errors=True)
    shutil.unpack_archive(wheel, target, format="zip")
    code = "import demo; print(demo.add(2, 3))"
    return check([python, "-c", code], cwd=target).stdout


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_build_leaves_nothing_and_resumes(project, tmp_path: Path, signum) -> None:
    path = slow_project(project("demo"))
    before = tree_digest(path)
    out = tmp_path / "out"
    build = subprocess.Popen(
        [sys.executable, "-c", HOOK.format(f"build_wheel({str(out)!r})")],
        cwd=path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "ZLIG_VERBOSE": "1"},  # it echoes the Zig command
    )
    assert build.stdout is not None
    for line in build.stdout:
        if line.startswith("+ "):  # Zig has started
            break
    time.sleep(1.0)
    build.send_signal(signum)
    _, stderr = build.communicate(timeout=60)
    assert build.returncode == 128 + signum
    assert stderr == "zlig: error: interrupted\n"
    assert not out.exists() or list(out.iterdir()) == []
    # Zig was stopped with the build: nothing still runs in the build folder.
    ps = check(["ps", "-eo", "args"]).stdout
    assert str(path / "build") not in ps
    assert tree_digest(path) == before

    name = hook_value(run_hook(path, f"build_wheel({str(out)!r})"))
    assert name == f"demo-1.0.0-{TAG}.whl"
    assert call_demo(sys.executable, out / name, tmp_path) == "5\n"


@contextlib.contextmanager
def tiny_disk(folder: Path) -> Iterator[Path]:
    """A 32 KiB tmpfs mounted at ``folder`` (the tests run as root, as CI does)."""
    folder.mkdir()
    check(["mount", "-t", "tmpfs", "-o", "size=32k", "tmpfs", folder])
    try:
        yield folder
    finally:
        check(["umount", folder])


def test_full_disk(project, tmp_path: Path) -> None:
    path = project("demo")
    # 64 KiB that do not compress: neither archive fits.
    (path / "src" / "demo" / "data.bin").write_bytes(os.urandom(64 * 1024))
    before = tree_digest(path)
    with tiny_disk(tmp_path / "disk") as disk:
        for hook in ("build_wheel", "build_sdist"):
            result = run_hook(path, f"{hook}({str(disk)!r})")
            assert result.returncode == 1
            assert result.stderr.splitlines()[-1] == (
                f"zlig: error: cannot write to {disk}: No space left on device"
            )
            assert list(disk.iterdir()) == []
    assert tree_digest(path) == before


def start_build(python: Path | str, path: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [python, "-c", HOOK.format(f"build_wheel({str(out)!r})")],
        cwd=path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_builds_with_one_python(project, tmp_path: Path) -> None:
    """Two builds for the same tag share the build folder: they take turns."""
    path = slow_project(project("demo"))
    builds = [start_build(sys.executable, path, tmp_path / f"out{i}") for i in range(2)]
    for i, build in enumerate(builds):
        stdout, stderr = build.communicate(timeout=600)
        assert build.returncode == 0, stderr
        name = stdout.splitlines()[-1].strip("'")
        assert name == f"demo-1.0.0-{TAG}.whl"
        assert call_demo(sys.executable, tmp_path / f"out{i}" / name, tmp_path) == "5\n"


@pytest.mark.slow
def test_concurrent_builds_with_two_pythons(project, make_venv, wheelhouse, tmp_path) -> None:
    """Different interpreters have build folders of their own."""
    path = slow_project(project("demo"))
    other = make_venv(pyenv_python("3.12"))
    check([other, "-m", "pip", "install", "-q", "zlig"], env=offline_env(wheelhouse))
    pythons = [Path(sys.executable), other]
    builds = [start_build(p, path, tmp_path / f"out{i}") for i, p in enumerate(pythons)]
    names = []
    for i, build in enumerate(builds):
        stdout, stderr = build.communicate(timeout=600)
        assert build.returncode == 0, stderr
        names.append(stdout.splitlines()[-1].strip("'"))
        wheel = tmp_path / f"out{i}" / names[-1]
        assert call_demo(pythons[i], wheel, tmp_path) == "5\n"
    assert names == [f"demo-1.0.0-{TAG}.whl", f"demo-1.0.0-{TAG.replace('311', '312')}.whl"]


@contextlib.contextmanager
def read_only(source: Path, mount: Path) -> Iterator[Path]:
    """``source`` seen read-only at ``mount``, through a bind mount."""
    mount.mkdir()
    check(["mount", "--bind", source, mount])
    try:
        check(["mount", "-o", "remount,ro,bind", mount])
        yield mount
    finally:
        check(["umount", mount])


def test_read_only_source_tree(project, tmp_path: Path, zlig_cache: Path) -> None:
    source = project("demo")
    before = tree_digest(source)
    out = tmp_path / "out"
    with read_only(source, tmp_path / "ro") as path:
        result = run([sys.executable, "-c", HOOK.format(f"build_wheel({str(out)!r})")], cwd=path)
        assert result.returncode == 0, result.stderr
        assert result.stderr.startswith(
            f"zlig: cannot write {path / 'build' / 'zlig'} (Read-only file system); "
            f"building in {zlig_cache / 'builds'}/ro-"
        )
        name = f"demo-1.0.0-{TAG}.whl"
        assert result.stdout.splitlines()[-1] == repr(name)
        assert "demo/__init__.py" in wheel_members(out / name)
        assert call_demo(sys.executable, out / name, tmp_path) == "5\n"
        # The sdist needs no build folder at all.
        result = run([sys.executable, "-c", HOOK.format(f"build_sdist({str(out)!r})")], cwd=path)
        assert result.stdout == "'demo-1.0.0.tar.gz'\n", result.stderr
    assert tree_digest(source) == before
