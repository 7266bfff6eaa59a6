"""The first build on a machine: Zig's runtime libraries compiled beside its build runner.

With an empty Zig cache, ``zig build`` first compiles its build runner (~11 s
on this project's 2-core machine, on one core), and only then the first link
compiles compiler-rt and the libc stubs for the target (~5 s), while the
other core mostly idles. So, beside ``zig build``, zlig links a one-line
shared library with the extensions' target, CPU, optimisation and libraries:
it puts compiler-rt, the libc stubs (and libc++ for C++) into Zig's cache,
where the build's link finds them. Zig locks a cache entry while it makes it,
so the two processes never make the same one twice.

Done once per Zig, Zig cache, target and settings: a marker in zlig's cache
says so (a warm-up that finds everything cached costs ~0.1 s anyway).
"""

from __future__ import annotations

import contextlib
import hashlib
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def commands(zig: Path, plan: dict[str, Any]) -> list[list[str]]:
    """One ``zig build-lib`` per distinct set of link settings of the plan's
    extensions, run in the build folder (no path of the project's in them:
    they name what is warmed up, wherever the project is)."""
    from ..runtime.editable_loader import zig_cache_dir

    cache = zig_cache_dir()
    settings = sorted(
        {
            (ext["optimize"], bool(ext["strip"]), bool(ext["link_libcpp"]))
            for ext in plan["extensions"]
        }
    )
    result = []
    for optimize, strip, libcpp in settings:
        name = f"warm-{optimize}{'-strip' if strip else ''}{'-cpp' if libcpp else ''}"
        result.append(
            [str(zig), "build-lib", "-dynamic", "-target", plan["target"], "-mcpu", plan["cpu"]]
            + [f"-O{optimize}", *(["-fstrip"] if strip else []), "-lc"]
            + (["-lc++"] if libcpp else [])
            + ["warm/warm.c", f"-femit-bin=warm/{name}.so"]
            + ["--cache-dir", cache, "--global-cache-dir", cache]
        )
    return result


@contextlib.contextmanager
def warming(zig: Path, plan: dict[str, Any], folder: Path) -> Iterator[None]:
    """Run the body (``zig build``) with the warm-ups beside it, the first time."""
    from ..runtime.cache import cache_dir

    todo = []
    for command in commands(zig, plan):
        key = hashlib.sha256("\0".join([*command, str(zig.stat().st_mtime_ns)]).encode())
        marker = cache_dir() / "warmed" / key.hexdigest()
        if not marker.exists():
            todo.append((command, marker))
    if not todo:
        yield
        return
    (folder / "warm").mkdir(exist_ok=True)
    (folder / "warm" / "warm.c").write_text("int zlig_warm_up(void) { return 0; }\n")
    null = subprocess.DEVNULL
    processes = [
        (subprocess.Popen(c, cwd=folder, stdin=null, stdout=null, stderr=null), marker)
        for c, marker in todo
    ]
    finished = False
    try:
        yield
        finished = True
    finally:
        for process, marker in processes:
            if not finished:  # the build failed or was interrupted: no waiting
                process.terminate()
            process.wait()
            if finished:  # whatever its outcome: it is only worth trying once
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
