"""``[tool.zlig.sdist]``: include and exclude patterns, and git's ignore files.

Patterns have ``.gitignore`` semantics (``pathspec``, as hatchling and
scikit-build-core use): ``tests/`` is a folder anywhere, ``/tests/`` the one
at the root, ``**/*.dat`` every ``.dat`` file. pathspec is imported only when
a project uses them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Callable, NamedTuple

from . import validate
from .errors import ConfigError

#: Folders never walked for include patterns: version control, caches,
#: virtual environments (any folder holding ``pyvenv.cfg``) and, at the root,
#: the conventional output folders.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".tox", ".nox"})
SKIPPED_ROOT_DIRS = frozenset({"build", "dist"})
KEYS = ("include", "exclude", "respect-gitignore")


class SdistOptions(NamedTuple):
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = False


def parse(table: Any) -> SdistOptions:
    if not isinstance(table, dict):
        raise ConfigError(f"tool.zlig.sdist must be a table, not {validate.type_name(table)}")
    validate.check_keys(table, KEYS, "tool.zlig.sdist")
    options = SdistOptions(
        include=tuple(validate.string_list(table.get("include", []), "tool.zlig.sdist.include")),
        exclude=tuple(validate.string_list(table.get("exclude", []), "tool.zlig.sdist.exclude")),
        respect_gitignore=validate.boolean(
            table.get("respect-gitignore", False), "tool.zlig.sdist.respect-gitignore"
        ),
    )
    for key, patterns in (("include", options.include), ("exclude", options.exclude)):
        matcher(patterns, f"tool.zlig.sdist.{key}")  # refuse what pathspec cannot read now
    return options


def matcher(patterns: Sequence[str], key: str) -> Callable[[str], str | None]:
    """A function giving the pattern that selects a path (``None``: none does),
    with git's rules: a later pattern wins, ``!pattern`` takes a path back."""
    if not patterns:
        return lambda path: None
    from pathspec import GitIgnoreSpec

    for pattern in patterns:
        try:
            GitIgnoreSpec.from_lines([pattern])
        except ValueError:
            raise ConfigError(
                f"{key}: {pattern!r} is not a pattern with .gitignore rules"
            ) from None
    spec = GitIgnoreSpec.from_lines(patterns)

    def match(path: str) -> str | None:
        result = spec.check_file(path)
        return patterns[result.index] if result.include and result.index is not None else None

    return match


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
