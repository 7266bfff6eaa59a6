"""One extension module: its ``tool.zlig.extensions[i]`` table, validated.

Every key except ``name`` and ``sources`` may also be given directly under
``[tool.zlig]`` as a default for all extensions: lists (folders, macros,
libraries, arguments) are the default's items followed by the extension's,
single values (``c-std``, ``optimize``, ``strip``, …) are replaced.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable, NamedTuple

from ..runtime.errors import ConfigError
from . import linkargs, validate
from .linkargs import LinkArgs
from .project import Project, is_inside

#: Source files zlig compiles, by suffix, and the language they are compiled as
#: (``.S`` is assembly run through the C preprocessor, ``.s`` plain assembly).
SOURCE_LANGUAGES = {
    ".c": "c",
    ".cc": "c++",
    ".cpp": "c++",
    ".cxx": "c++",
    ".S": "asm",
    ".s": "asm",
    ".zig": "zig",
    # Translated by Cython into C or C++ first (builder/cython.py); the module's root.
    ".pyx": "cython",
}
LANGUAGES = ("c", "c++")
#: How a source in the generated folder (builder/hooks.py) is written in ``sources``.
GENERATED = "$generated/"
#: What generated sources may be: compiled as they are (no Cython, no Zig root).
GENERATED_SUFFIXES = (".c", ".cc", ".cpp", ".cxx", ".S", ".s")
#: The keys of a source given as a table: ``{ path = "x.c", extra-compile-args = [...] }``.
SOURCE_KEYS = ("path", "extra-compile-args", "marker")
OPTIMIZE_MODES = ("Debug", "ReleaseSafe", "ReleaseFast", "ReleaseSmall")
_LIMITED_API = re.compile(r"cp3([1-9][0-9]{0,2})\Z")
_C_STD = re.compile(r"(c|gnu)[0-9][0-9a-z]*\Z")
_CXX_STD = re.compile(r"(c|gnu)\+\+[0-9][0-9a-z]*\Z")


class Extension(NamedTuple):
    """One compiled extension module."""

    #: Full dotted import name, e.g. ``demo._core``.
    name: str
    #: Absolute, sorted paths of the files to compile; all inside the project.
    sources: tuple[Path, ...]
    #: Where it was declared, for messages: ``tool.zlig.extensions[0]``.
    key: str
    #: Absolute include folders, in the order given.
    include_dirs: tuple[Path, ...] = ()
    #: ``(NAME, value)`` pairs; a value of None defines the macro without one.
    define_macros: tuple[tuple[str, str | None], ...] = ()
    undef_macros: tuple[str, ...] = ()
    #: Libraries to link, by name (``z`` for libz).
    libraries: tuple[str, ...] = ()
    #: Absolute folders searched for them.
    library_dirs: tuple[Path, ...] = ()
    extra_compile_args: tuple[str, ...] = ()
    extra_link_args: LinkArgs = LinkArgs()
    #: Packages whose ``get_include()`` folder is added (e.g. ``numpy``).
    include_packages: tuple[str, ...] = ()
    c_std: str | None = None
    cxx_std: str | None = None
    optimize: str = "ReleaseFast"
    #: None: strip in release modes, keep debug info in Debug.
    strip: bool | None = None
    #: A failed optional extension is skipped with a warning.
    optional: bool = False
    #: The oldest CPython of the stable ABI it is built for, e.g. ``(3, 9)``; None: not abi3.
    limited_api: tuple[int, int] | None = None
    #: Compiler arguments of single sources (given as tables), by source.
    source_args: tuple[tuple[Path, tuple[str, ...]], ...] = ()
    #: Sources whose ``marker`` leaves them out of this build (another
    #: architecture's); the sdist holds them all the same.
    other_sources: tuple[Path, ...] = ()
    #: Undefined symbols (names or glob patterns) left for the loader to find at run
    #: time, which zlig's check after linking (platforms/linkcheck.py) lets through.
    allow_undefined: tuple[str, ...] = ()
    #: What Cython translates the ``.pyx`` source into, "c" or "c++"; None: C,
    #: unless the source says ``# distutils: language = c++``.
    language: str | None = None
    #: ``-X name=value`` for Cython, in order (a later name wins).
    cython_directives: tuple[tuple[str, str], ...] = ()
    #: ``-E name=value`` for Cython (compile-time ``DEF``/``IF`` names).
    cython_compile_time_env: tuple[tuple[str, str], ...] = ()
    #: Absolute folders Cython searches for ``cimport``-ed ``.pxd`` and included ``.pxi``.
    cython_include_dirs: tuple[Path, ...] = ()
    #: ``$generated/...`` sources: (pattern below the generated folder, compiler
    #: arguments), found once the before-build hooks have run (hooks.with_generated).
    generated_sources: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def languages(self) -> set[str]:
        return {SOURCE_LANGUAGES[s.suffix] for s in self.sources}

    def compile_args(self, source: Path) -> tuple[str, ...]:
        """``extra-compile-args`` of the extension, then the source's own."""
        own = tuple(arg for path, args in self.source_args if path == source for arg in args)
        return self.extra_compile_args + own

    @property
    def uses_cxx(self) -> bool:
        """C++ sources, or the C++ runtime asked for by name (``-lstdc++``)."""
        return "c++" in self.languages() or any(
            lib in CXX_RUNTIME for lib in (*self.libraries, *self.extra_link_args.libraries)
        )

    def link_libraries(self) -> list[str]:
        """Libraries to link by name; the C++ runtime is Zig's own (libc++)."""
        libs = (*self.libraries, *self.extra_link_args.libraries)
        return [lib for lib in libs if lib not in CXX_RUNTIME]

    @property
    def zig_root(self) -> Path | None:
        """The one ``.zig`` source, which is the module's root, if any."""
        return next((s for s in self.sources if s.suffix == ".zig"), None)

    @property
    def pyx(self) -> Path | None:
        """The one ``.pyx`` source, which Cython translates into the module, if any."""
        return next((s for s in self.sources if s.suffix == ".pyx"), None)

    @property
    def stripped(self) -> bool:
        if self.strip is not None:
            return self.strip
        return self.extra_link_args.strip or self.optimize != "Debug"


#: Library names that mean "the C++ runtime" (setup.py's ``-lstdc++``): Zig
#: links its own libc++ statically instead.
CXX_RUNTIME = frozenset({"stdc++", "c++"})


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


def check_optimize(value: Any, key: str) -> str:
    if value not in OPTIMIZE_MODES:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(OPTIMIZE_MODES)}")
    return str(value)


def _std(pattern: re.Pattern[str], example: str) -> Callable[[Any, str, Path], str]:
    def check(value: Any, key: str, root: Path) -> str:
        if not pattern.match(validate.string(value, key)):
            raise ConfigError(f"{key}: {value!r} is not a language standard such as {example!r}")
        return str(value)

    return check


def _limited_api(value: Any, key: str, root: Path) -> tuple[int, int] | None:
    if value is False:
        return None
    if isinstance(value, str):
        return limited_api_version(value, key)
    raise ConfigError(
        f"{key} must be a string such as 'cp39' or false, not {validate.type_name(value)}"
    )


def _language(value: Any, key: str, root: Path) -> str:
    if value not in LANGUAGES:
        raise ConfigError(f"{key}: {value!r} is not one of {', '.join(map(repr, LANGUAGES))}")
    return str(value)


def _cython_values(value: Any, key: str, root: Path) -> tuple[tuple[str, str], ...]:
    """``{ boundscheck = false, language_level = 3 }``: names with a string,
    integer or boolean value (booleans as Cython writes them, ``True``)."""
    if not isinstance(value, dict):
        raise ConfigError(
            f"{key} must be a table {{ name = value }}, not {validate.type_name(value)}"
        )
    pairs = []
    for name, item in value.items():
        if not name.isidentifier():
            raise ConfigError(f"{key}: {name!r} is not a Cython name")
        if isinstance(item, bool):
            item = str(item)
        elif not isinstance(item, (str, int)):
            raise ConfigError(
                f"{key}.{name} must be a string, an integer or a boolean, "
                f"not {validate.type_name(item)}"
            )
        pairs.append((name, str(item)))
    return tuple(pairs)


def _packages(value: Any, key: str, root: Path) -> tuple[str, ...]:
    names = validate.string_list(value, key)
    for name in names:
        if not all(part.isidentifier() for part in name.split(".")):
            raise ConfigError(f"{key}: {name!r} is not an importable package name")
    return tuple(names)


#: The keys every extension (and [tool.zlig], as defaults) may have:
#: key -> (Extension field, validator, whether lists are joined with the default).
SHARED_KEYS: dict[str, tuple[str, Callable[[Any, str, Path], Any], bool]] = {
    "include-dirs": ("include_dirs", validate.folders, True),
    "define-macros": ("define_macros", lambda v, k, r: validate.macros(v, k), True),
    "undef-macros": ("undef_macros", lambda v, k, r: validate.identifiers(v, k), True),
    "libraries": ("libraries", lambda v, k, r: tuple(validate.string_list(v, k)), True),
    "library-dirs": ("library_dirs", validate.folders, True),
    "extra-compile-args": (
        "extra_compile_args",
        lambda v, k, r: tuple(validate.string_list(v, k)),
        True,
    ),
    "extra-link-args": ("extra_link_args", linkargs.parse, True),
    "include-packages": ("include_packages", _packages, True),
    "c-std": ("c_std", _std(_C_STD, "c11"), False),
    "cxx-std": ("cxx_std", _std(_CXX_STD, "c++17"), False),
    "optimize": ("optimize", lambda v, k, r: check_optimize(v, k), False),
    "strip": ("strip", lambda v, k, r: validate.boolean(v, k), False),
    "optional": ("optional", lambda v, k, r: validate.boolean(v, k), False),
    "py-limited-api": ("limited_api", _limited_api, False),
    "allow-undefined": (
        "allow_undefined",
        lambda v, k, r: tuple(validate.string_list(v, k)),
        True,
    ),
    "language": ("language", _language, False),
    "cython-directives": ("cython_directives", _cython_values, True),
    "cython-compile-time-env": ("cython_compile_time_env", _cython_values, True),
    "cython-include-dirs": ("cython_include_dirs", validate.folders, True),
}
EXTENSION_KEYS = ("name", "sources", *SHARED_KEYS)


def parse_shared(table: dict[str, Any], key: str, root: Path) -> dict[str, Any]:
    """The shared keys present in ``table``, validated, as Extension field values."""
    return {
        SHARED_KEYS[name][0]: SHARED_KEYS[name][1](value, f"{key}.{name}", root)
        for name, value in table.items()
        if name in SHARED_KEYS
    }


def merge(default: Extension, own: dict[str, Any]) -> Extension:
    """Apply an extension's own values on top of the project-wide defaults."""
    values: dict[str, Any] = {}
    for name, _, joined in SHARED_KEYS.values():
        if name not in own:
            continue
        if joined and name == "extra_link_args":
            values[name] = linkargs.join(default.extra_link_args, own[name])
        elif joined:
            values[name] = getattr(default, name) + own[name]
        else:
            values[name] = own[name]
    return default._replace(**values)


def parse_extensions(
    value: Any,
    root: Path,
    project: Project,
    default: Extension,
    environment: Callable[[], dict[str, str]],
) -> tuple[Extension, ...]:
    """``tool.zlig.extensions``; ``default`` carries the project-wide values,
    ``environment`` the values sources' markers are evaluated with."""
    if not isinstance(value, list):
        raise ConfigError(
            f"tool.zlig.extensions must be a list of tables, not {validate.type_name(value)}"
        )
    extensions: list[Extension] = []
    declared: dict[str, str] = {}
    if not project.exists and not any(
        isinstance(item, dict) and item.get("name") == project.module for item in value
    ):
        raise ConfigError(f"flit-core: No file/folder found for module {project.module}")
    for index, item in enumerate(value):
        key = f"tool.zlig.extensions[{index}]"
        extension = _extension(item, key, root, project, default, environment)
        if extension.name in declared:
            raise ConfigError(
                f"{key}.name: {extension.name!r} is already declared by {declared[extension.name]}"
            )
        declared[extension.name] = key
        extensions.append(extension)
    return tuple(extensions)


def _extension(
    item: Any,
    key: str,
    root: Path,
    project: Project,
    default: Extension,
    environment: Callable[[], dict[str, str]],
) -> Extension:
    if not isinstance(item, dict):
        raise ConfigError(
            f"{key} must be a table with 'name' and 'sources', not {validate.type_name(item)}"
        )
    validate.check_keys(item, EXTENSION_KEYS, key)
    for required in ("name", "sources"):
        if required not in item:
            raise ConfigError(f"{key}: missing required key {required!r}")
    sources, source_args, others, generated = _sources(
        item["sources"], f"{key}.sources", root, environment
    )
    base = default._replace(
        name=_module_name(item["name"], f"{key}.name", project),
        sources=sources,
        source_args=source_args,
        other_sources=others,
        generated_sources=generated,
        key=key,
    )
    return merge(base, parse_shared(item, key, root))


def _module_name(value: Any, key: str, project: Project) -> str:
    validate.string(value, key)
    parts = value.split(".")
    if not all(part.isidentifier() for part in parts):
        raise ConfigError(f"{key}: {value!r} is not a dotted Python module name")
    inside = project.is_package and value.startswith(project.module + ".")
    # A top-level extension: beside a top-level module (_fast next to
    # fast.py), or the distribution's whole import name (no Python module).
    top_level = len(parts) == 1 and (value != project.module or not project.exists)
    if not (inside or top_level):
        if project.is_package:
            raise ConfigError(
                f"{key}: {value!r} must be a module inside the package {project.module!r} "
                f"(e.g. '{project.module}._core') or a top-level module"
            )
        raise ConfigError(
            f"{key}: {value!r} must be a top-level module other than {project.module!r}, "
            f"e.g. '_{project.module}'"
        )
    return str(value)


def _sources(
    value: Any, key: str, root: Path, environment: Callable[[], dict[str, str]]
) -> tuple[
    tuple[Path, ...],
    tuple[tuple[Path, tuple[str, ...]], ...],
    tuple[Path, ...],
    tuple[tuple[str, tuple[str, ...]], ...],
]:
    """The files to compile, the compiler arguments of those given as tables,
    the files a marker leaves out of this build, and the generated sources
    (``$generated/...``, with their arguments)."""
    if not isinstance(value, list):
        raise ConfigError(
            f"{key} must be a list of file patterns and tables "
            f"{{ path = ..., extra-compile-args = [...] }}, not {validate.type_name(value)}"
        )
    if not value:
        raise ConfigError(f"{key} must name at least one source file")
    found: set[Path] = set()
    others: set[Path] = set()
    source_args: list[tuple[Path, tuple[str, ...]]] = []
    generated: list[tuple[str, tuple[str, ...]]] = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            where = f"{key}[{index}]"
            validate.check_keys(item, SOURCE_KEYS, where)
            if "path" not in item:
                raise ConfigError(f"{where}: missing required key 'path'")
            pattern = validate.string(item["path"], f"{where}.path")
            args = tuple(
                validate.string_list(
                    item.get("extra-compile-args", []), f"{where}.extra-compile-args"
                )
            )
            if pattern.startswith(GENERATED):
                rest = _generated_pattern(pattern, f"{where}.path")
                if "marker" not in item or _marker(item["marker"], f"{where}.marker", environment):
                    generated.append((rest, args))
                continue
            matches = _matches(pattern, f"{where}.path", root)
            if "marker" in item and not _marker(item["marker"], f"{where}.marker", environment):
                others.update(matches)
                continue
            source_args += [(path, args) for path in matches if args]
        elif isinstance(item, str) and item.startswith(GENERATED):
            generated.append((_generated_pattern(item, key), ()))
            continue
        elif isinstance(item, str) and item:
            matches = _matches(item, key, root)
        else:
            raise ConfigError(
                f"{key}[{index}] must be a file pattern or a table "
                f"{{ path = ..., extra-compile-args = [...] }}, not {validate.type_name(item)}"
            )
        found.update(matches)
    if not found and not generated:
        raise ConfigError(f"{key}: every source is left out by its marker")
    zig_roots = [p for p in found if p.suffix == ".zig"]
    if len(zig_roots) > 1:
        names = ", ".join(validate.relative(p, root) for p in sorted(zig_roots))
        raise ConfigError(
            f"{key}: only one .zig file may be listed, the module's root ({names}); "
            "it imports the others"
        )
    pyx = sorted(p for p in found if p.suffix == ".pyx")
    if len(pyx) > 1 or (pyx and zig_roots):
        names = ", ".join(validate.relative(p, root) for p in sorted([*pyx, *zig_roots]))
        raise ConfigError(
            f"{key}: only one .pyx file may be listed, which Cython translates into the "
            f"module ({names}); give each .pyx an extension of its own, and share code "
            "through .pxd files"
        )
    return tuple(sorted(found)), tuple(source_args), tuple(sorted(others - found)), tuple(generated)


def _generated_pattern(pattern: str, key: str) -> str:
    """Check a ``$generated/...`` source (it cannot be matched yet: the hooks
    have not run) and return the part below the folder."""
    rest = pattern[len(GENERATED) :]
    if not rest or Path(rest).is_absolute() or ".." in Path(rest).parts:
        raise ConfigError(f"{key}: {pattern!r} must name a file inside the generated folder")
    if Path(rest).suffix not in GENERATED_SUFFIXES:
        raise ConfigError(
            f"{key}: {pattern!r}: a generated source must be a C, C++ or assembly file "
            f"({', '.join(GENERATED_SUFFIXES)})"
        )
    return rest


def _marker(value: Any, key: str, environment: Callable[[], dict[str, str]]) -> bool:
    """Whether a source's environment marker (PEP 508, e.g.
    ``platform_machine == 'x86_64'``) holds for the wheel being built."""
    from packaging.markers import (
        InvalidMarker,
        Marker,
        UndefinedComparison,
        UndefinedEnvironmentName,
    )

    try:
        return Marker(validate.string(value, key)).evaluate(environment())
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName, ValueError) as e:
        raise ConfigError(f"{key}: {value!r} is not a usable environment marker: {e}") from None


def _matches(pattern: str, key: str, root: Path) -> list[Path]:
    """The source files a pattern names, each checked."""
    matches = validate.matching_files(pattern, key, root)
    for path in matches:
        rel = validate.relative(path, root)
        if not is_inside(path.resolve(), root):
            raise ConfigError(f"{key}: {rel} resolves to a path outside the project")
        if path.suffix not in SOURCE_LANGUAGES:
            raise ConfigError(
                f"{key}: {rel} is not a source file zlig compiles "
                f"({', '.join(SOURCE_LANGUAGES)}); headers are found through include-dirs"
            )
    return matches
