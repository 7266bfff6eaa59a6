"""``[tool.zlig.hooks]``: which of the project's own build steps run at which stage.

Read with the rest of ``[tool.zlig]``; what runs them is builder/hooks.py, and
what a hook is given and may do is in runtime/hook_context.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from ..runtime.errors import ConfigError
from . import validate
from .project import is_inside

STAGES = ("before-build", "after-build", "before-sdist")


class Hook(NamedTuple):
    stage: str
    #: As written: ``tools/gen.py:main``.
    spec: str
    #: The file, absolute (a build input: always in the sdist).
    path: Path


def parse(table: Any, root: Path) -> tuple[Hook, ...]:
    """``[tool.zlig.hooks]``: each stage a ``"file.py:function"`` or a list of them."""
    if not isinstance(table, dict):
        raise ConfigError(f"tool.zlig.hooks must be a table, not {validate.type_name(table)}")
    validate.check_keys(table, STAGES, "tool.zlig.hooks")
    hooks = []
    for stage in STAGES:
        key = f"tool.zlig.hooks.{stage}"
        value = table.get(stage, [])
        specs = [value] if isinstance(value, str) else value
        for spec in validate.string_list(specs, key):
            hooks.append(Hook(stage, spec, _hook_file(spec, key, root)))
    return tuple(hooks)


def _hook_file(spec: str, key: str, root: Path) -> Path:
    filename, colon, function = spec.rpartition(":")
    if not colon or not filename.endswith(".py") or not function:
        raise ConfigError(f"{key}: {spec!r} must be 'path/to/file.py:function'")
    if not all(part.isidentifier() for part in function.split(".")):
        raise ConfigError(f"{key}: {function!r} is not a Python name")
    if Path(filename).is_absolute() or ".." in Path(filename).parts:
        raise ConfigError(f"{key}: {filename!r} must be a file inside the project")
    path = root / filename
    if not validate.is_file(path):
        raise ConfigError(f"{key}: {filename!r} is not a file")
    if not is_inside(path.resolve(), root):  # a link to elsewhere: not in the sdist
        raise ConfigError(f"{key}: {filename!r} resolves to a file outside the project")
    return path.resolve()
