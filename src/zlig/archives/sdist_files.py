"""The project's files as ``[tool.zlig.sdist]`` patterns see them (config/sdist.py
reads the table), and git's ignore files.

pathspec is imported only when a project uses them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Callable

#: Folders never walked for include patterns: version control, caches,
#: virtual environments (any folder holding ``pyvenv.cfg``) and, at the root,
#: the conventional output folders.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".tox", ".nox"})
SKIPPED_ROOT_DIRS = frozenset({"build", "dist"})


def is_venv(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file()


def walk(root: Path, build_dir: Path) -> Iterator[str]:
    """The project's files as ``/``-separated paths relative to the root,
    without the folders in SKIPPED_DIRS, virtual environments and the build folder."""
    build = str(build_dir)
    for dirpath, dirs, files in os.walk(root):
        base = Path(dirpath)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in SKIPPED_DIRS
            and not (base == root and d in SKIPPED_ROOT_DIRS)
            and str(base / d) != build
            and not is_venv(base / d)
        )
        rel = base.relative_to(root).as_posix()
        for name in sorted(files):
            if not name.endswith(".pyc"):
                yield name if rel == "." else f"{rel}/{name}"


def gitignore(root: Path, build_dir: Path) -> Callable[[str], str | None]:
    """Whether git ignores a path, by the project's own ``.gitignore`` files
    and ``.git/info/exclude`` (never a parent folder's): gives the ignore
    file that ignores it, or ``None``. A deeper ``.gitignore`` wins."""
    from pathspec import GitIgnoreSpec

    sources: list[tuple[str, str]] = []  # (folder prefix, ignore file), shallow first
    exclude = root / ".git" / "info" / "exclude"
    if exclude.is_file():
        sources.append(("", ".git/info/exclude"))
    names = [f for f in walk(root, build_dir) if f.rsplit("/", 1)[-1] == ".gitignore"]
    for name in sorted(names, key=lambda n: (n.count("/"), n)):
        sources.append((name[: -len(".gitignore")], name))
    specs = []
    for prefix, name in sources:
        lines = (root / name).read_text(encoding="utf-8", errors="replace").splitlines()
        specs.append((prefix, name, GitIgnoreSpec.from_lines(lines)))

    def ignored_by(path: str) -> str | None:
        found = None
        for prefix, name, spec in specs:
            if path.startswith(prefix):
                result = spec.check_file(path[len(prefix) :])
                if result.include is not None:
                    found = name if result.include else None
        return found

    return ignored_by
