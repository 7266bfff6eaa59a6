"""``python -m zlig wheels``: the sdist, then a wheel for every target of the
matrix built from it, and a table of what came out.

Each wheel is built from the unpacked sdist (so the sdist is known to hold
everything a build needs) by a ``build_wheel`` hook in a process of its own,
as a frontend would call it; one failed target does not stop the others.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from ..config.settings import Settings
from ..config.targets import TARGETS
from ..runtime.errors import ConfigError

#: The matrix when every extension is abi3 and [tool.zlig] matrix is not set:
#: every platform zlig builds for without the target's own Python.
ABI3_MATRIX = (
    "x86_64-linux-gnu",
    "aarch64-linux-gnu",
    "x86_64-linux-musl",
    "aarch64-linux-musl",
    "x86_64-windows",
    "aarch64-windows",
    "universal2-macos",
)
#: This machine (its own Python's ABI).
HERE = "here"


class Row(NamedTuple):
    target: str
    #: The wheel's file name, or "" if the build failed.
    wheel: str
    size: int
    seconds: float
    #: "ok", or the build's error line.
    result: str


def targets(settings: Settings, tool: Mapping[str, object], chosen: str | None) -> list[str]:
    """The targets to build: ``--targets``, else ``[tool.zlig] matrix``, else
    ABI3_MATRIX for a project whose extensions are all abi3, else this machine."""
    key = "--targets"
    if chosen is not None:
        names: object = [n.strip() for n in chosen.split(",") if n.strip()]
    elif "matrix" in tool:
        names, key = tool["matrix"], "tool.zlig.matrix"
    elif settings.extensions and all(e.limited_api for e in settings.extensions):
        return list(ABI3_MATRIX)
    else:
        return [HERE]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{key}: give a list of targets, e.g. ['x86_64-linux-gnu', 'here']")
    for name in names:
        if name != HERE and name not in TARGETS:
            raise ConfigError(
                f"{key}: {name!r} is not a target zlig builds for ({HERE}, {', '.join(TARGETS)})"
            )
    return list(names)


def build_all(
    root: Path, names: Sequence[str], config: Mapping[str, str], out: Path
) -> tuple[str, list[Row]]:
    """Build the sdist into ``out``, then each target's wheel from it."""
    from ..archives.sdist import make_sdist
    from ..config.settings import load

    out.mkdir(parents=True, exist_ok=True)
    sdist = make_sdist(load(root, config), out)
    rows = []
    with tempfile.TemporaryDirectory(prefix="zlig-wheels-") as temp:
        with tarfile.open(out / sdist) as tar:
            if hasattr(tarfile, "data_filter"):  # 3.12, and the security releases before
                tar.extractall(temp, filter="data")
            else:  # pragma: no cover
                tar.extractall(temp)
        (tree,) = Path(temp).iterdir()
        for name in names:
            settings = dict(config)
            if name != HERE:
                settings["target"] = name
            rows.append(_build(tree, name, settings, out))
    return sdist, rows


def _build(tree: Path, name: str, settings: Mapping[str, str], out: Path) -> Row:
    code = (
        "import zlig; "
        f"print('\\nzlig-wheel:', zlig.build_wheel({str(out.resolve())!r}, {dict(settings)!r}))"
    )
    print(f"zlig: building the {name} wheel", flush=True)
    start = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tree,
        capture_output=True,
        text=True,
    )
    seconds = time.monotonic() - start
    sys.stdout.write(result.stdout.rpartition("\nzlig-wheel:")[0] or result.stdout)
    sys.stderr.write(result.stderr)
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("zlig: error:")]
        message = errors[-1].removeprefix("zlig: error: ") if errors else "the build failed"
        return Row(name, "", 0, seconds, message)
    wheel = result.stdout.rpartition("zlig-wheel: ")[2].strip()
    return Row(name, wheel, (out / wheel).stat().st_size, seconds, "ok")


def table(rows: Sequence[Row]) -> str:
    """The summary: one line per target, aligned columns."""
    lines = [("target", "wheel", "size", "time", "audit")]
    for row in rows:
        size = f"{row.size / 1024:.0f} KiB" if row.wheel else "-"
        lines.append((row.target, row.wheel or "-", size, f"{row.seconds:.1f} s", row.result))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths)) + "  " + line[4]
        for line in lines
    )
