"""Small validators for TOML values; each message names the key it is about."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..runtime.errors import ConfigError

C_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    """Unknown keys are errors, with the closest known key as a suggestion."""
    for key in table:
        if key not in allowed:
            import difflib

            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(allowed)})"
            raise ConfigError(f"{where}: unknown key {key!r}{hint}")


def type_name(value: Any) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)


def string(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, not {type_name(value)}")
    return value


def boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, not {type_name(value)}")
    return value


def string_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{key} must be a list of non-empty strings")
    return value


def identifiers(value: Any, key: str) -> tuple[str, ...]:
    names = string_list(value, key)
    for name in names:
        if not C_IDENTIFIER.match(name):
            raise ConfigError(f"{key}: {name!r} is not a C macro name")
    return tuple(names)


def is_dir(path: Path) -> bool:
    """``path.is_dir()``, False also for names the system cannot look up (too long)."""
    try:
        return path.is_dir()
    except OSError:
        return False


def is_file(path: Path) -> bool:
    """``path.is_file()``, False also for names the system cannot look up (too long)."""
    try:
        return path.is_file()
    except OSError:
        return False


def folders(value: Any, key: str, root: Path) -> tuple[Path, ...]:
    """Folders relative to the project root (or absolute); each must exist.

    A relative one must stay inside the project: what the project needs from
    elsewhere (system libraries) is named by an absolute path, so that a
    ``..`` never reaches outside by accident (e.g. from an unpacked sdist).
    """
    dirs = []
    for entry in string_list(value, key):
        path = root / entry  # an absolute entry replaces root
        if not is_dir(path):
            raise ConfigError(f"{key}: {entry!r} is not a folder")
        resolved = path.resolve()
        if not Path(entry).is_absolute() and not (
            resolved == root.resolve() or root.resolve() in resolved.parents
        ):
            raise ConfigError(
                f"{key}: {entry!r} leads outside the project; name a folder outside it "
                "by its absolute path"
            )
        dirs.append(resolved)
    return tuple(dirs)


def macros(value: Any, key: str) -> tuple[tuple[str, str | None], ...]:
    """Accept ``{ NAME = "value" }`` or ``["NAME", "NAME=value", ["NAME", "value"]]``."""
    pairs: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        pairs = list(value.items())
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                name, eq, val = item.partition("=")
                pairs.append((name, val if eq else None))
            elif isinstance(item, list) and len(item) == 2:
                pairs.append((item[0], item[1]))
            else:
                raise ConfigError(
                    f'{key}: {item!r} must be "NAME", "NAME=value" or ["NAME", "value"]'
                )
    else:
        raise ConfigError(f'{key} must be a table {{ NAME = "value" }} or a list')
    result = []
    for name, val in pairs:
        if not isinstance(name, str) or not C_IDENTIFIER.match(name):
            raise ConfigError(f"{key}: {name!r} is not a C macro name")
        if isinstance(val, bool) or not isinstance(val, (str, int, type(None))):
            raise ConfigError(f"{key}.{name} must be a string, not {type_name(val)}")
        result.append((name, None if val is None else str(val)))
    return tuple(result)


def matching_files(pattern: str, key: str, root: Path) -> list[Path]:
    """The files a glob relative to the project root names (at least one)."""
    if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
        raise ConfigError(
            f"{key}: {pattern!r} must be relative to the project root and stay inside it"
        )
    try:
        matches = sorted(p for p in root.glob(pattern) if p.is_file())
    except (ValueError, IndexError, OSError, NotImplementedError):
        raise ConfigError(f"{key}: {pattern!r} is not a usable file pattern") from None
    if not matches:
        raise ConfigError(f"{key}: {pattern!r} matches no file")
    return matches


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
