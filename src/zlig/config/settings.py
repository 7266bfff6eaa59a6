"""Read ``[tool.zlig]``, the environment and ``config_settings`` into frozen settings.

Every message names the key it is about (``tool.zlig.extensions[1].sources``)
so the user knows what to change. Unknown keys are errors with a suggestion.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable, NamedTuple

from ..runtime.errors import ConfigError
from . import hooks as _hooks
from . import sdist as sdist_options
from . import validate
from .extension import (
    GENERATED,
    SHARED_KEYS,
    Extension,
    check_optimize,
    limited_api_version,
    merge,
    parse_extensions,
    parse_shared,
)
from .project import Project, is_inside, read_project
from .targets import TARGETS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9 and 3.10
    import tomli as tomllib

DEFAULT_MANYLINUX = "2_17"


class Option(NamedTuple):
    """A build-wide setting: ``[tool.zlig] key``, ``ZLIG_KEY`` or ``-C key=``."""

    default: str
    doc: str
    check: Callable[[str, str], str]


def _check_limited_api(value: str, key: str) -> str:
    limited_api_version(value, key)
    return value


def _check_manylinux(value: str, key: str) -> str:
    # The default needs no check (and the policy data no loading).
    if value not in ("off", DEFAULT_MANYLINUX):
        from .floors import floor

        # "manylinux2014" and "manylinux_2_17" mean "2_17".
        return floor(value, key)
    return value


def _check_target(value: str, key: str) -> str:
    if value and value not in TARGETS:
        raise ConfigError(
            f"{key}: {value!r} is not a target zlig builds for ({', '.join(TARGETS)})"
        )
    return value


def _check_any(value: str, key: str) -> str:
    return value


def _check_bool(value: str, key: str) -> str:
    word = value.strip().lower()
    if word in ("true", "1", "yes", "on"):
        return "true"
    if word in ("false", "0", "no", "off"):
        return "false"
    raise ConfigError(f"{key}: {value!r} is not true or false")


def _check_relative_dir(value: str, key: str) -> str:
    if not value or "\0" in value or Path(value).is_absolute() or ".." in Path(value).parts:
        raise ConfigError(f"{key}: {value!r} must be a folder path inside the project")
    return value


#: The build-wide options: one source of truth for validation and the README.
OPTIONS: dict[str, Option] = {
    "optimize": Option(
        "ReleaseFast",
        "Zig optimisation mode: Debug, ReleaseSafe, ReleaseFast or ReleaseSmall. The release "
        "modes give up the frame pointer on Linux and Windows, as gcc does at -O2 (macOS keeps "
        'it, as Apple\'s ABI asks); `extra-compile-args = ["-fno-omit-frame-pointer"]` keeps '
        "it for profilers.",
        check_optimize,
    ),
    "build-dir": Option(
        "build/zlig",
        "Folder (inside the project) that holds build state, one subfolder per wheel tag.",
        _check_relative_dir,
    ),
    "manylinux": Option(
        DEFAULT_MANYLINUX,
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
        "Cross-compile for another platform: another Linux architecture, e.g. "
        "'aarch64-linux-gnu', musl ('x86_64-linux-musl'), 'x86_64-windows', 'aarch64-windows', "
        "'x86_64-macos', 'aarch64-macos', 'universal2-macos'.",
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
    "precompiled-header": Option(
        "true",
        "Parse Python.h once per build for the sources that include it first, not once per "
        "file (false: in every file).",
        _check_bool,
    ),
    "editable-rebuild": Option(
        "true",
        "Editable installs rebuild changed extensions when they are imported (false: only "
        "when installed).",
        _check_bool,
    ),
    "cython-annotate": Option(
        "false",
        "Write Cython's HTML annotation of each .pyx (which lines call into Python) into the "
        "build folder, and say where.",
        _check_bool,
    ),
    "cython-linetrace": Option(
        "false",
        "Build .pyx modules for coverage and profilers: Cython's linetrace and profile "
        "directives and CYTHON_TRACE_NOGIL=1 (slower code).",
        _check_bool,
    ),
    "verbose": Option(
        "false",
        "Show every command, the plan, Zig's own output and the time of each step (default: "
        "compiler diagnostics and one summary line per build).",
        _check_bool,
    ),
}
#: Keys of [tool.zlig] that describe the project's layout: not options.
#: "matrix" (the targets of ``python -m zlig wheels``) is read by commands/matrix.py.
LAYOUT_KEYS = (
    "extensions",
    "python-source",
    "wheel",
    "cython-requires",
    "hooks",
    "sdist",
    "matrix",
)
TOOL_KEYS = (*LAYOUT_KEYS, *OPTIONS, *(k for k in SHARED_KEYS if k not in OPTIONS))
#: Compiler flags that make code for the build machine's own CPU.
NATIVE_FLAGS = ("-march=native", "-mtune=native", "-mcpu=native")


# Settings, Extension, LinkArgs, Project and Built are NamedTuples rather than
# frozen dataclasses: importing dataclasses and making the classes cost ~8 ms
# in every hook process, even for a pure-Python project, where zlig must stay
# within 1.2x of flit-core's time (benchmarks/, case d; a uv build is ~0.15 s).
class Settings(NamedTuple):
    """Everything zlig needs to know about one build."""

    project: Project
    extensions: tuple[Extension, ...]
    build_dir: Path
    #: "off" or a floor such as "2_17".
    manylinux: str = "off"
    #: Zig's triple of a cross-compiling target, or "" for this machine.
    target: str = ""
    target_include_dir: str = ""
    target_ext_suffix: str = ""
    editable_rebuild: bool = True
    precompiled_header: bool = True
    #: Show every command and Zig's own output (-C verbose=true, ZLIG_VERBOSE=1).
    verbose: bool = False
    #: ``[tool.zlig.wheel] include``: files of the package kept in the wheel
    #: although an extension includes them (a public C API header).
    wheel_include: tuple[Path, ...] = ()
    #: What get_requires asks for to translate .pyx sources.
    cython_requires: str = "Cython>=3.1"
    #: ``[tool.zlig.hooks]``, in the order they run within each stage.
    hooks: tuple[_hooks.Hook, ...] = ()
    #: ``[tool.zlig.sdist]``.
    sdist: sdist_options.SdistOptions = sdist_options.SdistOptions()
    #: The config settings as given (hooks see them), sorted pairs.
    config_settings: tuple[tuple[str, Any], ...] = ()
    #: Write Cython's HTML annotation beside each generated file (-C cython-annotate=true).
    cython_annotate: bool = False

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
    validate.check_keys(tool, TOOL_KEYS, "tool.zlig")
    project = read_project(root, _python_source(tool.get("python-source"), root))
    options = _options(tool, config_settings or {})
    # Project-wide defaults for every extension; optimize and py-limited-api
    # also come from the environment and config_settings.
    default = merge(
        Extension(name="", sources=(), key="tool.zlig"),
        {
            k: v
            for k, v in parse_shared(tool, "tool.zlig", root).items()
            if k not in ("optimize", "limited_api")
        },
    )
    default = default._replace(
        optimize=options["optimize"],
        limited_api=limited_api_version(options["py-limited-api"], "py-limited-api"),
    )
    extensions = parse_extensions(
        tool.get("extensions", []),
        root,
        project,
        default,
        lambda: marker_environment(options["target"]),
    )
    if options["manylinux"] != "off":
        _refuse_native(tool)
    hooks = _hooks.parse(tool.get("hooks", {}), root)
    if not any(h.stage == "before-build" for h in hooks):
        for ext in extensions:
            if ext.generated_sources:
                raise ConfigError(
                    f"{ext.key}.sources: {GENERATED}{ext.generated_sources[0][0]} names a "
                    "generated file, but tool.zlig.hooks has no before-build hook to make it"
                )
    if options["cython-linetrace"] == "true":
        extensions = tuple(map(_traced, extensions))
    return Settings(
        project=project,
        extensions=extensions,
        build_dir=_build_dir(root / options["build-dir"], project, extensions),
        manylinux=options["manylinux"],
        target=options["target"],
        target_include_dir=options["target-include-dir"],
        target_ext_suffix=options["target-ext-suffix"],
        editable_rebuild=options["editable-rebuild"] == "true",
        precompiled_header=options["precompiled-header"] == "true",
        verbose=options["verbose"] == "true",
        wheel_include=_wheel_include(tool.get("wheel", {}), project),
        cython_requires=(
            _requirement(tool["cython-requires"]) if "cython-requires" in tool else "Cython>=3.1"
        ),
        hooks=hooks,
        sdist=sdist_options.parse(tool.get("sdist", {})),
        config_settings=tuple(sorted((config_settings or {}).items())),
        cython_annotate=options["cython-annotate"] == "true",
    )


def _traced(ext: Extension) -> Extension:
    """A .pyx extension built for coverage (-C cython-linetrace=true): Cython
    emits trace calls only with these directives, and the C code makes them
    only with CYTHON_TRACE (CYTHON_TRACE_NOGIL also in nogil blocks)."""
    if ext.pyx is None:
        return ext
    if ext.limited_api:
        raise ConfigError(
            f"cython-linetrace: {ext.key} is built for the stable ABI (py-limited-api), "
            "where Cython cannot trace lines; build it without py-limited-api to measure "
            "coverage"
        )
    return ext._replace(
        cython_directives=(*ext.cython_directives, ("linetrace", "True"), ("profile", "True")),
        define_macros=(*ext.define_macros, ("CYTHON_TRACE", "1"), ("CYTHON_TRACE_NOGIL", "1")),
    )


def _requirement(value: Any) -> str:
    """``cython-requires``: a PEP 508 requirement, e.g. ``"Cython>=3.1,<4"``."""
    key = "tool.zlig.cython-requires"
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        Requirement(validate.string(value, key))
    except InvalidRequirement as e:
        raise ConfigError(
            f"{key}: {value!r} is not a requirement such as 'Cython>=3.1': {e}"
        ) from None
    return str(value)


@functools.cache
def marker_environment(target: str) -> dict[str, str]:
    """What sources' markers are evaluated with: the wheel's platform (the
    target's when cross-compiling) and the Python running the build. Made
    only when a marker is evaluated (importing ``platform`` costs a pure
    project's hooks ~3 ms)."""
    import platform

    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    return {
        "platform_machine": platform.machine(),
        "sys_platform": sys.platform,
        "platform_system": platform.system(),
        "os_name": os.name,
        "implementation_name": sys.implementation.name,
        "platform_python_implementation": platform.python_implementation(),
        "python_version": version,
        "python_full_version": platform.python_version(),
        "platform_release": "",
        "platform_version": "",
        "implementation_version": platform.python_version(),
        "extra": "",
        **(TARGETS[target].marker_values() if target else {}),
    }


def _python_source(value: Any, root: Path) -> Path | None:
    """``python-source``: the folder holding the Python package (setup.py's
    ``package_dir={"": "lib"}``), instead of the root or ``src/``."""
    key = "tool.zlig.python-source"
    if value is None:
        return None
    try:
        folder = (root / validate.string(value, key)).resolve()
    except (ValueError, OSError):  # a NUL byte, a name too long
        folder = Path("/")
    if not value or Path(value).is_absolute() or not is_inside(folder, root):
        raise ConfigError(f"{key}: {value!r} must be a folder inside the project, e.g. 'lib'")
    if not validate.is_dir(folder):
        raise ConfigError(f"{key}: {value!r} is not a folder")
    return folder


def _wheel_include(table: Any, project: Project) -> tuple[Path, ...]:
    """``[tool.zlig.wheel] include``: headers (or other files) of the package
    that the wheel keeps, although an extension's sources include them, which
    would leave them out: a C API that other extensions compile against."""
    if not isinstance(table, dict):
        raise ConfigError(f"tool.zlig.wheel must be a table, not {validate.type_name(table)}")
    validate.check_keys(table, ("include",), "tool.zlig.wheel")
    key = "tool.zlig.wheel.include"
    package = project.module_path(project.module).resolve()
    files: list[Path] = []
    for pattern in validate.string_list(table.get("include", []), key):
        matches = [p.resolve() for p in validate.matching_files(pattern, key, project.root)]
        for path in matches:
            if not (project.is_package and is_inside(path, package)):
                raise ConfigError(
                    f"{key}: {validate.relative(path, project.root)} is not inside the package "
                    f"{project.module!r}; the wheel holds only the package's files"
                )
        files += matches
    return tuple(files)


def _refuse_native(tool: Mapping[str, Any]) -> None:
    """``-march=native`` makes a wheel that claims to run on every CPU of its
    architecture but needs the build machine's; a manylinux wheel must not."""
    tables: list[tuple[str, Any]] = [("tool.zlig", tool)]
    for i, ext in enumerate(tool.get("extensions", [])):
        tables.append((f"tool.zlig.extensions[{i}]", ext))
        for j, source in enumerate(ext["sources"]):
            if isinstance(source, dict):
                tables.append((f"tool.zlig.extensions[{i}].sources[{j}]", source))
    for key, table in tables:
        for arg in table.get("extra-compile-args", []):
            if arg in NATIVE_FLAGS:
                raise ConfigError(
                    f"{key}.extra-compile-args: {arg!r} builds for this machine's CPU, but the "
                    "manylinux wheel would claim to run on every CPU of its architecture; "
                    "remove it (zlig compiles for the baseline CPU: give faster code "
                    "__attribute__((target(...))) and check the CPU at run time), "
                    "or set manylinux = 'off'"
                )


def _build_dir(path: Path, project: Project, extensions: tuple[Extension, ...]) -> Path:
    """The build folder may hold neither the package nor any source, nor be in them."""
    path = path.resolve()
    module = project.module_path(project.module)
    sources = [s for e in extensions for s in e.sources]
    if (
        path == project.root
        or is_inside(module, path)
        or is_inside(path, module)
        or any(is_inside(s, path) for s in sources)
    ):
        raise ConfigError(
            f"build-dir: {validate.relative(path, project.root)!r} would hold or sit inside the "
            "project's package or sources; choose a folder of its own, e.g. 'build/zlig'"
        )
    return path


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
    validate.check_keys(settings, tuple(OPTIONS), "config_settings")
    for name, value in settings.items():
        given[name] = (f"config_settings[{name!r}]", value)

    resolved = {}
    for name, option in OPTIONS.items():
        where, value = given.get(name, (name, option.default))
        if option.check is _check_bool:
            if isinstance(value, bool):
                value = str(value).lower()
            elif not isinstance(value, str):
                raise ConfigError(f"{where} must be true or false, not {validate.type_name(value)}")
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, not {validate.type_name(value)}")
        resolved[name] = option.check(value, where)
    return resolved
