"""Read ``[tool.zlig]``, the environment and ``config_settings`` into frozen settings.

Every message names the key it is about (``tool.zlig.extensions[1].sources``)
so the user knows what to change. Unknown keys are errors with a suggestion.
"""

from __future__ import annotations

import difflib
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .errors import ConfigError
from .project import Project, is_inside, read_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9 and 3.10
    import tomli as tomllib

#: Source files zlig compiles, by suffix, and the language Zig compiles them as.
SOURCE_LANGUAGES = {".c": "c", ".cc": "c++", ".cpp": "c++", ".cxx": "c++"}
OPTIMIZE_MODES = ("Debug", "ReleaseSafe", "ReleaseFast", "ReleaseSmall")
EXTENSION_KEYS = (
    "name",
    "sources",
    "include-dirs",
    "define-macros",
    "libraries",
    "library-dirs",
    "py-limited-api",
)
_C_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LIMITED_API = re.compile(r"cp3(\d+)\Z")
#: Cross-compiling targets zlig knows: Zig's triple -> wheel architecture.
TARGET_ARCHS = {
    "x86_64-linux-gnu": "x86_64",
    "aarch64-linux-gnu": "aarch64",
    "x86-linux-gnu": "i686",
    "powerpc64le-linux-gnu": "ppc64le",
    "s390x-linux-gnu": "s390x",
    "riscv64-linux-gnu": "riscv64",
}


@dataclass(frozen=True)
class Extension:
    """One compiled extension module, as declared in ``tool.zlig.extensions``."""

    #: Full dotted import name, e.g. ``demo._core``.
    name: str
    #: Absolute, sorted paths of the files to compile; all inside the project.
    sources: tuple[Path, ...]
    #: Absolute include folders, in the order given.
    include_dirs: tuple[Path, ...]
    #: ``(NAME, value)`` pairs; a value of None defines the macro without one.
    define_macros: tuple[tuple[str, str | None], ...]
    #: Where it was declared, for messages: ``tool.zlig.extensions[0]``.
    key: str
    #: The oldest CPython of the stable ABI it is built for, e.g. ``(3, 9)``; None: not abi3.
    limited_api: tuple[int, int] | None = None
    #: Libraries to link, by name (``z`` for libz).
    libraries: tuple[str, ...] = ()
    #: Absolute folders searched for them.
    library_dirs: tuple[Path, ...] = ()

    @property
    def uses_cxx(self) -> bool:
        return any(SOURCE_LANGUAGES[s.suffix] == "c++" for s in self.sources)


@dataclass(frozen=True)
class Option:
    """A build-wide setting: ``[tool.zlig] key``, ``ZLIG_KEY`` or ``-C key=``."""

    default: str
    doc: str
    check: Callable[[str, str], str]


def _check_optimize(value: str, key: str) -> str:
    if value not in OPTIMIZE_MODES:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(OPTIMIZE_MODES)}")
    return value


def limited_api_version(value: str, key: str) -> tuple[int, int] | None:
    """``cp39`` -> (3, 9); ``""`` or ``"off"`` -> None."""
    if value in ("", "off"):
        return None
    match = _LIMITED_API.match(value)
    if not match or int(match[1]) < 2:
        raise ConfigError(
            f"{key}: {value!r} must be a CPython version tag such as 'cp39', or 'off'"
        )
    return (3, int(match[1]))


def _check_limited_api(value: str, key: str) -> str:
    limited_api_version(value, key)
    return value


def _check_manylinux(value: str, key: str) -> str:
    if value != "off":
        from .manylinux import floor_policy  # pyelftools only when it is used

        floor_policy(value, key)
    return value


def _check_target(value: str, key: str) -> str:
    if value and value not in TARGET_ARCHS:
        raise ConfigError(
            f"{key}: {value!r} is not a target zlig builds for ({', '.join(TARGET_ARCHS)})"
        )
    return value


def _check_any(value: str, key: str) -> str:
    return value


def _check_relative_dir(value: str, key: str) -> str:
    if not value or Path(value).is_absolute() or ".." in Path(value).parts:
        raise ConfigError(f"{key}: {value!r} must be a folder path inside the project")
    return value


#: The build-wide options: one source of truth for validation and the README.
OPTIONS: dict[str, Option] = {
    "optimize": Option(
        "ReleaseFast",
        "Zig optimisation mode: Debug, ReleaseSafe, ReleaseFast or ReleaseSmall.",
        _check_optimize,
    ),
    "build-dir": Option(
        "build/zlig",
        "Folder (inside the project) that holds build state, one subfolder per wheel tag.",
        _check_relative_dir,
    ),
    "manylinux": Option(
        "2_17",
        "glibc floor of Linux wheels: compile against it, audit, tag manylinux; 'off' for a "
        "linux_* wheel for this machine.",
        _check_manylinux,
    ),
    "py-limited-api": Option(
        "",
        "Build every extension for the stable ABI of this CPython and newer, e.g. 'cp39' "
        "(files *.abi3.so, tag cp39-abi3).",
        _check_limited_api,
    ),
    "target": Option(
        "",
        "Cross-compile for another Linux architecture, e.g. 'aarch64-linux-gnu'.",
        _check_target,
    ),
    "target-include-dir": Option(
        "",
        "When cross-compiling non-abi3 extensions: the target Python's include folder "
        "(holding Python.h), then any more folders its pyconfig.h needs, separated by ':'.",
        _check_any,
    ),
    "target-ext-suffix": Option(
        "",
        "When cross-compiling non-abi3 extensions: the target Python's EXT_SUFFIX, e.g. "
        "'.cpython-311-aarch64-linux-gnu.so'.",
        _check_any,
    ),
}
TOOL_KEYS = ("extensions", *OPTIONS)


@dataclass(frozen=True)
class Settings:
    """Everything zlig needs to know about one build."""

    project: Project
    extensions: tuple[Extension, ...]
    optimize: str
    build_dir: Path
    #: "off" or a floor such as "2_17".
    manylinux: str = "off"
    #: Zig's triple of a cross-compiling target, or "" for this machine.
    target: str = ""
    target_include_dir: str = ""
    target_ext_suffix: str = ""

    @property
    def root(self) -> Path:
        return self.project.root


def load(root: Path, config_settings: Mapping[str, Any] | None = None) -> Settings:
    """Validate the project's pyproject.toml and the build options."""
    root = root.resolve()
    pyproject = read_pyproject(root)
    tool = pyproject.get("tool", {}).get("zlig", {})
    if not isinstance(tool, dict):
        raise ConfigError("tool.zlig must be a table")
    check_keys(tool, TOOL_KEYS, "tool.zlig")
    project = read_project(root)
    options = _options(tool, config_settings or {})
    default_limited = limited_api_version(options["py-limited-api"], "py-limited-api")
    extensions = _extensions(tool.get("extensions", []), root, project, default_limited)
    return Settings(
        project=project,
        extensions=extensions,
        optimize=options["optimize"],
        build_dir=root / options["build-dir"],
        manylinux=options["manylinux"],
        target=options["target"],
        target_include_dir=options["target-include-dir"],
        target_ext_suffix=options["target-ext-suffix"],
    )


def read_pyproject(root: Path) -> dict[str, Any]:
    path = root / "pyproject.toml"
    try:
        with path.open("rb") as f:
            data: dict[str, Any] = tomllib.load(f)
            return data
    except FileNotFoundError:
        raise ConfigError(f"{path} not found") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"pyproject.toml is not valid TOML: {e}") from None


def check_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(allowed)})"
            raise ConfigError(f"{where}: unknown key {key!r}{hint}")


def _options(tool: Mapping[str, Any], config_settings: Mapping[str, Any]) -> dict[str, str]:
    """Resolve build-wide options; config_settings beat ZLIG_* beat pyproject."""
    given: dict[str, tuple[str, Any]] = {}
    for name in OPTIONS:
        if name in tool:
            given[name] = (f"tool.zlig.{name}", tool[name])
        env = "ZLIG_" + name.upper().replace("-", "_")
        if env in os.environ:
            given[name] = (env, os.environ[env])
    settings = {k.removeprefix("zlig."): v for k, v in config_settings.items()}
    check_keys(settings, tuple(OPTIONS), "config_settings")
    for name, value in settings.items():
        given[name] = (f"config_settings[{name!r}]", value)

    resolved = {}
    for name, option in OPTIONS.items():
        where, value = given.get(name, (name, option.default))
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, not {_type_name(value)}")
        resolved[name] = option.check(value, where)
    return resolved


def _extensions(
    value: Any, root: Path, project: Project, limited: tuple[int, int] | None
) -> tuple[Extension, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"tool.zlig.extensions must be a list of tables, not {_type_name(value)}")
    extensions: list[Extension] = []
    declared: dict[str, str] = {}
    for index, item in enumerate(value):
        extension = _extension(item, f"tool.zlig.extensions[{index}]", root, project, limited)
        if extension.name in declared:
            raise ConfigError(
                f"{extension.key}.name: {extension.name!r} is already declared "
                f"by {declared[extension.name]}"
            )
        declared[extension.name] = extension.key
        extensions.append(extension)
    return tuple(extensions)


def _extension(
    item: Any, key: str, root: Path, project: Project, limited: tuple[int, int] | None
) -> Extension:
    if not isinstance(item, dict):
        raise ConfigError(
            f"{key} must be a table with 'name' and 'sources', not {_type_name(item)}"
        )
    check_keys(item, EXTENSION_KEYS, key)
    for required in ("name", "sources"):
        if required not in item:
            raise ConfigError(f"{key}: missing required key {required!r}")
    return Extension(
        name=_module_name(item["name"], f"{key}.name", project),
        sources=_sources(item["sources"], f"{key}.sources", root),
        include_dirs=_folders(item.get("include-dirs", []), f"{key}.include-dirs", root),
        define_macros=_macros(item.get("define-macros", {}), f"{key}.define-macros"),
        key=key,
        limited_api=_extension_limited_api(item, f"{key}.py-limited-api", limited),
        libraries=tuple(_string_list(item.get("libraries", []), f"{key}.libraries")),
        library_dirs=_folders(item.get("library-dirs", []), f"{key}.library-dirs", root),
    )


def _extension_limited_api(
    item: dict[str, Any], key: str, default: tuple[int, int] | None
) -> tuple[int, int] | None:
    """Per extension: a tag such as "cp39", or false to opt out of the project-wide one."""
    value = item.get("py-limited-api", default)
    if value is False:
        return None
    if isinstance(value, str):
        return limited_api_version(value, key)
    if value is default:
        return default
    raise ConfigError(f"{key} must be a string such as 'cp39' or false, not {_type_name(value)}")


def _module_name(value: Any, key: str, project: Project) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string, not {_type_name(value)}")
    parts = value.split(".")
    if not all(part.isidentifier() for part in parts):
        raise ConfigError(f"{key}: {value!r} is not a dotted Python module name")
    if not project.is_package or len(parts) < 2 or parts[0] != project.module:
        where = f"the package {project.module!r}" if project.is_package else "a package"
        raise ConfigError(
            f"{key}: {value!r} must be a module inside {where}, e.g. '{project.module}._core'"
        )
    return value


def _string_list(value: Any, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{key} must be a list of non-empty strings")
    return value


def _sources(value: Any, key: str, root: Path) -> tuple[Path, ...]:
    patterns = _string_list(value, key)
    if not patterns:
        raise ConfigError(f"{key} must name at least one source file")
    found: set[Path] = set()
    for pattern in patterns:
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise ConfigError(
                f"{key}: {pattern!r} must be relative to the project root and stay inside it"
            )
        matches = sorted(p for p in root.glob(pattern) if p.is_file())
        if not matches:
            raise ConfigError(f"{key}: {pattern!r} matches no file")
        for path in matches:
            if not is_inside(path.resolve(), root):
                raise ConfigError(
                    f"{key}: {_rel(path, root)} resolves to a path outside the project"
                )
            if path.suffix not in SOURCE_LANGUAGES:
                raise ConfigError(
                    f"{key}: {_rel(path, root)} is not a source file zlig compiles "
                    f"({', '.join(SOURCE_LANGUAGES)}); headers are found through include-dirs"
                )
            found.add(path)
    return tuple(sorted(found))


def _folders(value: Any, key: str, root: Path) -> tuple[Path, ...]:
    dirs = []
    for entry in _string_list(value, key):
        path = root / entry  # an absolute entry replaces root
        if not path.is_dir():
            raise ConfigError(f"{key}: {entry!r} is not a folder")
        dirs.append(path.resolve())
    return tuple(dirs)


def _macros(value: Any, key: str) -> tuple[tuple[str, str | None], ...]:
    """Accept ``{ NAME = "value" }`` or ``["NAME", "NAME=value", ["NAME", "value"]]``."""
    pairs: list[tuple[str, Any]] = []
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
    macros = []
    for name, val in pairs:
        if not isinstance(name, str) or not _C_IDENTIFIER.match(name):
            raise ConfigError(f"{key}: {name!r} is not a C macro name")
        if isinstance(val, bool) or not isinstance(val, (str, int, type(None))):
            raise ConfigError(f"{key}.{name} must be a string, not {_type_name(val)}")
        macros.append((name, None if val is None else str(val)))
    return tuple(macros)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _type_name(value: Any) -> str:
    names = {
        str: "a string",
        int: "an integer",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "a table",
    }
    return names.get(type(value), type(value).__name__)
