"""Zig recompiles only what changed, also across isolated builds.

Zig's cache (zlig uses the global one) keeps each compiled C file as
``o/<digest>/<stem>.o``, under a new digest whenever the file, a header it
includes or its flags change: new object files are what a build compiled.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Callable

import pytest

from zlig.editable_loader import zig_cache_dir

from .conftest import check, hook_value, offline_env, run_hook

STEMS = {"module", "util", "tiny"}  # the nested project's sources


def cache_files(suffix: str) -> set[Path]:
    return set(Path(zig_cache_dir()).glob(f"o/*/*{suffix}"))


def compiled_by(build: Callable[[], None]) -> Counter[str]:
    """Call ``build()``; return the names of the source objects it compiled."""
    before = cache_files(".o")
    build()
    return Counter(p.stem for p in cache_files(".o") - before if p.stem in STEMS)


def unique_nested(project: Callable[[str], Path]) -> Path:
    """The nested project, with sources no earlier build has compiled."""
    path = project("nested")
    for source in path.rglob("*.c"):
        append(source, f"/* {path} */\n")
    return path


def append(file: Path, text: str) -> None:
    with file.open("a") as f:
        f.write(text)


def test_only_what_changed_is_recompiled(project) -> None:
    path = unique_nested(project)

    def build() -> None:
        hook_value(run_hook(path, "build_wheel('dist')"))

    assert compiled_by(build) == Counter(module=1, util=2, tiny=1)
    libraries = cache_files(".so")

    # Nothing changed: nothing compiled and nothing linked.
    assert compiled_by(build) == Counter()
    assert cache_files(".so") == libraries

    append(path / "csrc" / "a" / "util.c", "/* one source */\n")
    assert compiled_by(build) == Counter(util=1)
    # A header included by one source (just after another source was rebuilt:
    # Zig alone misses this one, see editable_loader.write_stamp_source)...
    append(path / "csrc" / "b" / "util.h", "/* a private header */\n")
    assert compiled_by(build) == Counter(util=1)
    # ... and one included by three.
    append(path / "include" / "spam.h", "/* the shared header */\n")
    assert compiled_by(build) == Counter(module=1, util=2)


@pytest.mark.slow
def test_cache_survives_isolated_builds(project, wheelhouse, tmp_path: Path) -> None:
    """Each ``python -m build`` makes a fresh environment; zlig's kept Zig and
    the build folder's cache outlive it, and Zig is installed only once."""
    path = unique_nested(project)
    env = {**offline_env(wheelhouse), "ZLIG_CACHE_DIR": str(tmp_path / "zlig-cache")}
    logs = []

    def build() -> None:
        result = check([sys.executable, "-m", "build", "--wheel", path], env=env)
        logs.append(result.stdout + result.stderr)

    assert compiled_by(build) == Counter(module=1, util=2, tiny=1)
    append(path / "csrc" / "a" / "util.c", "/* one source */\n")
    assert compiled_by(build) == Counter(util=1)
    assert "ziglang==0.16.0" in logs[0]
    assert "ziglang" not in logs[1]
    assert os.listdir(path / "dist") == [f"spam-2.0-{_tag()}.whl"]


def _tag() -> str:
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    return f"cp{version}-cp{version}-manylinux_2_17_x86_64.manylinux2014_x86_64"
