"""``[tool.zlig.sdist]``: include and exclude patterns, and whether git's ignore
files count (archives/sdist_files.py walks the project with them).

Patterns have ``.gitignore`` semantics (``pathspec``, as hatchling and
scikit-build-core use): ``tests/`` is a folder anywhere, ``/tests/`` the one
at the root, ``**/*.dat`` every ``.dat`` file. pathspec is imported only when
a project uses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Callable, NamedTuple

from ..runtime.errors import ConfigError
from . import validate

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
