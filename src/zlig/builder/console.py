"""What a build prints: one summary line, progress while Zig runs, and, verbose, the plan
and the time of each step.

Quiet by default, because pip shows a backend's output only with ``-v`` and
build frontends show all of it: the line users look for is which extensions
were built, how much Zig had to compile, and the wheel tag they earned.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Callable

from ..config.extension import SOURCE_LANGUAGES, Extension
from .plan import step_sources


def c_sources(extensions: Sequence[Extension]) -> list[str]:
    """The C and C++ files of the extensions, as the plan (and Zig) names them."""
    return [str(s) for ext in extensions for s in ext.sources if s.suffix != ".zig"]


def built_line(
    extensions: Sequence[Extension], compiled: Sequence[str], seconds: float, tag: str
) -> str:
    """``zlig: built demo._core (3 C files: 1 compiled, 2 cached; 0.4 s), tag cp311-…``."""
    sources = c_sources(extensions)
    done = len(set(compiled) & set(sources))
    parts = []
    roots = sum(1 for ext in extensions if ext.zig_root)
    if roots:
        parts.append("a Zig root" if roots == 1 else f"{roots} Zig roots")
    if sources:
        parts.append(f"{_files(extensions)}: {done} compiled, {len(sources) - done} cached")
    what = ", ".join(parts)
    names = ", ".join(ext.name for ext in extensions)
    return f"zlig: built {names} ({what}; {seconds:.1f} s), tag {tag}"


#: How the summary names the files of each language.
_LANGUAGE_NAMES = {"c": "C", "c++": "C++", "asm": "assembly"}


def _files(extensions: Sequence[Extension]) -> str:
    """``3 C files``, ``1 C++ file``, ``2 C and 1 C++ files``."""
    counts: dict[str, int] = {}
    for ext in extensions:
        for source in ext.sources:
            language = SOURCE_LANGUAGES[source.suffix]
            if language != "zig":
                counts[language] = counts.get(language, 0) + 1
    given = [f"{n} {_LANGUAGE_NAMES.get(lang, lang)}" for lang, n in sorted(counts.items())]
    plural = "files" if sum(counts.values()) > 1 else "file"
    return " and ".join(given) + f" {plural}"


def progress(extensions: Sequence[Extension]) -> Callable[[list[str], float], str]:
    """The progress line of a long build (see zig.run)."""
    sources = set(c_sources(extensions))

    def line(compiled: list[str], seconds: float) -> str:
        done = len(sources & set(compiled))
        # Zig names a file when its group is done; a first build for a target
        # also spends a minute or two on the target's C library and runtime.
        return f"zlig: still building ({seconds:.0f} s): {done} of {len(sources)} C/C++ files done"

    return line


def plan_lines(plan: dict[str, Any], root: Path, folder: Path) -> list[str]:
    """Verbose: what the plan asks Zig to build, one line per extension."""
    lines = [f"zlig: plan: target {plan['target']}, cpu {plan['cpu']}"]
    for ext in plan["extensions"]:
        sources = step_sources(ext, cpu_parts=False)
        precompiled = sum(1 for s in sources if s.get("pch") is not None)
        groups = f" in {len(ext['parts'])} groups" if ext["parts"] else ""
        zig_root = ""
        if ext["root_source"]:
            zig_root = f", Zig root {_relative(folder / ext['root_source'], root)}"
        libraries = ", ".join(ext["libraries"]) or "none"
        lines.append(
            f"zlig: plan: {ext['name']} -> {ext['output']}: {len(sources)} C/C++ files{groups}"
            f" ({precompiled} with the precompiled Python.h){zig_root}, {ext['optimize']}, "
            f"strip {str(ext['strip']).lower()}, libraries: {libraries}"
        )
    return lines


def _relative(path: Path, root: Path) -> str:
    """``path`` (which the plan may name from the build folder) from ``root``."""
    path = Path(os.path.normpath(path))
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


@contextlib.contextmanager
def timed(what: str, verbose: bool) -> Iterator[None]:
    """Verbose: say how long a step of the build took."""
    start = time.monotonic()
    yield
    if verbose:
        print(f"zlig: {what}: {time.monotonic() - start:.2f} s", flush=True)
