"""The build plan: the JSON document the fixed ``build.zig`` reads.

Everything project-specific is decided here, in Python, so that build.zig
stays the same file for every build (and Zig compiles it only once).
"""

from __future__ import annotations

import functools
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..config.extension import SOURCE_LANGUAGES, Extension
from ..config.project import is_inside
from ..config.settings import Settings
from ..platforms.target import Target
from ..runtime.editable_loader import stamp_source
from ..runtime.errors import BuildError
from . import pch

#: What ``__builtin_cpu_supports()`` reads (Zig's runtime library lacks it):
#: linked into every extension as a static library, so that the linker takes
#: it only where an extension uses it.
CPU_RUNTIME = Path(__file__).with_name("cpu_features.c")


def output_name(extension: Extension, target: Target) -> str:
    """``demo/_core.cpython-311-x86_64-linux-gnu.so`` for ``demo._core``."""
    return extension.name.replace(".", "/") + target.ext_suffix(extension)


def make_plan(
    settings: Settings, target: Target, folder: Path, zig_dir: Path | None = None
) -> dict[str, Any]:
    """The plan for all extensions (build.zig's ``Plan`` struct).

    ``folder`` is the build folder, which holds each extension's stamp C file
    (see editable_loader.write_stamp_sources); ``zig_dir`` is Zig's folder
    (holding its ``lib``).
    """
    local = relative_to_folder(folder, settings.root)
    prefix_maps = {local(settings.root): "."}
    if zig_dir:  # Zig names its headers by its real path
        prefix_maps[str(zig_dir.resolve())] = "ziglang"
    zig_target, cpu = target.platform.zig_target, cpu_features(target.platform.arch)
    extensions = [
        _extension_plan(
            ext,
            target,
            folder,
            local,
            prefix_maps,
            cpu,
            settings.precompiled_header,
            zig_dir,
        )
        for ext in settings.extensions
    ]
    # Sources of cpu_parts use no PCH: it is made for the baseline CPU.
    sources = [s for e in extensions for s in step_sources(e, cpu_parts=False)]
    return {
        "target": zig_target,
        "cpu": cpu,
        # A copy in the build folder, as build.zig: an editable install's
        # loader rebuilds after the isolated environment holding zlig is gone.
        "runtime": (
            local(folder / CPU_RUNTIME.name)
            if target.platform.arch in ("x86_64", "aarch64") and target.platform.os == "linux"
            else None
        ),
        "cxx_handlers": _cxx_handlers(settings, target, zig_dir, prefix_maps),
        "extensions": extensions,
        "precompiled": pch.plan(sources),
        "allow_undefined": target.platform.os != "windows",
    }


def relative_to_folder(folder: Path, root: Path) -> Callable[[Path | str], str]:
    """How the plan names a file or folder: relative to the build folder
    (where ``zig build`` runs) if it is in the project or the build folder,
    else as it is.

    Zig's cache keys hold the compiler's arguments, paths included. Named
    from the build folder, the project's files give the same keys in every
    copy of the project (another clone, CI's checkout, the new temporary
    folder a frontend unpacks each sdist in), which therefore finds its
    objects in Zig's cache. Zig checks a cached object's inputs by content,
    so a copy with other contents still compiles anew.
    """

    def local(path: Path | str) -> str:
        path = Path(path)
        if path.is_absolute() and (is_inside(path, root) or is_inside(path, folder)):
            return os.path.relpath(path, folder)
        return str(path)

    return local


def _extension_plan(
    ext: Extension,
    target: Target,
    folder: Path,
    local: Callable[[Path | str], str],
    prefix_maps: dict[str, str],
    cpu: str,
    precompile: bool,
    zig_dir: Path | None,
) -> dict[str, Any]:
    packages = {name: _package_include(name, ext) for name in ext.include_packages}
    include_dirs = [*ext.include_dirs, *packages.values()]
    maps = {**prefix_maps, **{str(path): f"{name}-include" for name, path in packages.items()}}
    link = ext.extra_link_args
    macros = _macros(ext, target)
    python_include_dirs, python_libs = _python_link(ext, target, folder)
    python_include_dirs = [local(d) for d in python_include_dirs]
    sources: list[dict[str, Any]] = []
    featured: dict[str, list[dict[str, Any]]] = {}
    for path in ext.sources:
        language = SOURCE_LANGUAGES[path.suffix]
        if language == "zig":
            continue
        args = ext.compile_args(path)
        features = cpu_flag_features(args, target.platform.arch, zig_dir)
        flags = _source_flags(ext, path, maps)
        source: dict[str, Any] = {"path": local(path), "flags": flags}
        if features:
            # Compiled in a step of its own, for the CPU with those features.
            source["flags"] = [f for f in flags if f not in features.values()]
            cpu_here = cpu + "".join(features)
            featured.setdefault(cpu_here, []).append(source)
            continue
        if precompile and language != "asm" and pch.usable(ext.optimize, args):
            source["spec"] = pch.spec(  # for pch.plan
                path,
                target=target.platform.zig_target,
                cpu=cpu,
                optimize=ext.optimize,
                python_include_dirs=python_include_dirs,
                include_dirs=include_dirs,
                local=local,
                macros=macros,
                flags=source["flags"],
            )
        sources.append(source)

    def stamp(step: str) -> dict[str, Any]:
        """The stamp C file of one step (see editable_loader.write_stamp_sources)."""
        return {"path": local(stamp_source(folder, step)), "flags": _path_flags(prefix_maps)}

    split = _split(sources)
    return {
        "name": ext.name,
        "output": output_name(ext, target),
        "stamp": stamp(ext.name),
        "optimize": ext.optimize,
        # Release wheels carry no debug info, which also keeps absolute
        # build paths out of the binaries.
        "strip": ext.stripped,
        "omit_frame_pointer": omits_frame_pointer(ext, target),
        "root_source": local(ext.zig_root) if ext.zig_root else None,
        "c_sources": split[0],
        "parts": [
            {"stamp": stamp(f"{ext.name}.part{i}"), "sources": group}
            for i, group in enumerate(split[1:])
        ],
        "cpu_parts": [
            {"cpu": c, "stamp": stamp(f"{ext.name}.cpu{i}"), "sources": group}
            for i, (c, group) in enumerate(sorted(featured.items()))
        ],
        "macros": macros,
        "include_dirs": [local(d) for d in include_dirs],
        "python_include_dirs": python_include_dirs,
        "libraries": ext.link_libraries(),
        # Shared libraries keep their absolute paths: the linker writes the
        # path of one without a soname into the extension (DT_NEEDED), and
        # only the link step's cache key holds them.
        "library_dirs": [str(d) for d in (*ext.library_dirs, *link.library_dirs)],
        "rpaths": list(link.rpaths),
        "objects": [str(o) if _is_shared(o) else local(o) for o in (*link.objects, *python_libs)],
        "link_libcpp": ext.uses_cxx,
        # A Mach-O library names itself; by default Zig writes the build's
        # artifact name (lib<name>.dylib).
        "install_name": (
            "@rpath/" + output_name(ext, target).rpartition("/")[2]
            if target.platform.os == "macos"
            else None
        ),
    }


def _is_shared(path: Path) -> bool:
    return ".so" in path.suffixes or path.suffix in (".dylib", ".dll")


def _python_link(ext: Extension, target: Target, folder: Path) -> tuple[list[str], list[Path]]:
    """The Python headers' folders and the libraries an extension links for the
    C API: none on Linux (the interpreter provides it when it loads the
    extension); on Windows, an import library of the Python DLL."""
    if target.platform.os != "windows":
        return [str(d) for d in target.include_dirs(ext)], []
    from ..platforms import windows

    include = windows.include_dir(folder, ext, target)
    return [str(include)], [windows.import_library(folder, ext, target)]


#: Sources per group of a split extension, and the most groups.
PART_SIZE = 8
MAX_PARTS = 16


def _split(sources: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The sources of build.zig's ``c_sources``, then of each of its
    ``parts``: an extension of many files is split into groups that Zig
    compiles in parallel (it compiles the files of one step one after
    another). The groups depend only on the sources, never on the machine's
    cores, so that every machine builds the same bytes."""
    count = min(MAX_PARTS, -(-len(sources) // PART_SIZE))
    if count < 2:
        return [sources]
    size, extra = divmod(len(sources), count)
    parts, start = [], 0
    for i in range(count):
        end = start + size + (i < extra)
        parts.append(sources[start:end])
        start = end
    return [[], *parts]


def step_sources(ext: dict[str, Any], cpu_parts: bool = True) -> list[dict[str, Any]]:
    """The C, C++ and assembly sources of an extension's plan, in all its steps."""
    parts = [*ext["parts"], *(ext["cpu_parts"] if cpu_parts else ())]
    return [*ext["c_sources"], *(s for part in parts for s in part["sources"])]


def steps(ext: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each build step of an extension's plan: its stamp C file (as the plan
    names it), and its C sources."""
    return [
        (ext["stamp"]["path"], ext["c_sources"]),
        *((part["stamp"]["path"], part["sources"]) for part in ext["parts"]),
        *((part["stamp"]["path"], part["sources"]) for part in ext["cpu_parts"]),
    ]


def _cxx_handlers(
    settings: Settings, target: Target, zig_dir: Path | None, maps: dict[str, str]
) -> dict[str, Any] | None:
    """libc++abi's default handlers built without demangling (a source, as
    build.zig's CSource), for the C++ extensions of Linux wheels, or None.

    Zig links libc++abi statically. Its default terminate handler demangles
    the type of an uncaught exception for its message, which links in the
    whole Itanium demangler: 98 KB of .text, 4/5 of a small C++ extension's
    (tests/packages/cxx: 121 KB -> 23 KB). The same file of Zig's own
    libc++abi, compiled with libc++abi's LIBCXXABI_NON_DEMANGLING_TERMINATE,
    is linked first, so the archive's copy is never taken: the message names
    the mangled type. Code that calls abi::__cxa_demangle (pybind11 does)
    still gets it. Other systems keep Zig's: only Linux builds are run here.
    """
    if zig_dir is None or target.platform.os != "linux":
        return None
    if not any(ext.uses_cxx for ext in settings.extensions):
        return None
    lib = zig_dir / "lib"
    source = lib / "libcxxabi" / "src" / "cxa_default_handlers.cpp"
    if not source.is_file():  # another Zig's layout: its own handlers
        return None
    flags = [
        "-std=c++20",  # constinit
        "-D_LIBCPP_BUILDING_LIBRARY",
        "-D_LIBCXXABI_BUILDING_LIBRARY",
        "-DLIBCXXABI_NON_DEMANGLING_TERMINATE",
        f"-I{lib / 'libcxx' / 'src'}",  # include/atomic_support.h
        *_path_flags(maps),
    ]
    return {"path": str(source), "flags": flags}


def omits_frame_pointer(ext: Extension, target: Target) -> bool:
    """Whether optimised code gives up the frame pointer, as gcc, clang and
    MSVC do at -O2 for Linux and Windows (setuptools' builds): Zig 0.16 keeps
    it in every mode, which cost MarkupSafe's escape 10-15 %
    (benchmarks/runtime.py). Apple's ABI requires it, so macOS keeps it.
    ``-fno-omit-frame-pointer`` in extra-compile-args still wins (it comes
    after Zig's own flags)."""
    apple = target.platform.os == "macos" or (
        target.platform.os == "native" and sys.platform == "darwin"
    )
    return ext.optimize != "Debug" and not apple


def _macros(ext: Extension, target: Target) -> list[list[str]]:
    """``-D`` macros, given to C sources and to a Zig root's ``@cImport`` alike."""
    macros: list[tuple[str, str | None]] = []
    if ext.optimize != "Debug":
        macros.append(("NDEBUG", None))  # assert() off, as in CPython's CFLAGS
    if ext.limited_api:
        major, minor = ext.limited_api
        macros.append(("Py_LIMITED_API", f"0x{major:02X}{minor:02X}0000"))
    elif target.interpreter.free_threaded and target.interpreter.ext_suffix.endswith(".pyd"):
        # Windows' pyconfig.h is shared by both builds and leaves it to the compiler.
        macros.append(("Py_GIL_DISABLED", "1"))
    macros += ext.define_macros
    return [[name, "1" if value is None else value] for name, value in macros]


def _path_flags(maps: dict[str, str]) -> list[str]:
    """Debug info, ``__FILE__`` and ``assert()`` name files by the path the
    compiler was given. Map the folders that differ between two builds of the
    same sources (the project, named from the build folder; Zig and header
    packages, which build isolation installs in a new temporary folder each
    time) to fixed names, so that the builds give the same bytes."""
    # clang applies the last map that matches: inner (longer) folders last. A
    # folder with '=' in its name cannot be mapped (clang splits at the first).
    olds = sorted((old for old in maps if "=" not in old), key=lambda o: (len(o), o))
    flags = [f"-ffile-prefix-map={old}={maps[old]}" for old in olds]
    # Debug info's compilation folder would be the build folder's absolute path.
    flags.append("-fdebug-compilation-dir=.")
    # The undefined-behaviour checks of Debug builds name their file without
    # the maps: by its last component only (Zig's own headers are absolute).
    return [*flags, "-fsanitize-undefined-strip-path-components=-1"]


def _source_flags(ext: Extension, source: Path, maps: dict[str, str]) -> list[str]:
    """The compiler flags of one C, C++ or assembly source."""
    language = SOURCE_LANGUAGES[source.suffix]
    flags = _path_flags(maps)
    if language != "asm":
        # Signed overflow wraps, as in CPython's own CFLAGS (setuptools passes them).
        flags.append("-fwrapv")
    flags += [f"-U{name}" for name in ext.undef_macros]
    flags += ext.compile_args(source)
    std = {"c": ext.c_std, "c++": ext.cxx_std}.get(language)
    return flags + [f"-std={std}"] if std else flags


def cpu_flag_features(args: Sequence[str], arch: str, zig_dir: Path | None) -> dict[str, str]:
    """Zig CPU features asked for by ``-m<feature>`` / ``-mno-<feature>``
    compiler flags (e.g. ``-mavx2`` for a dispatch library's AVX2 file):
    ``{"+avx2": "-mavx2"}``. Zig tells clang the target's features itself,
    after any flag, so such flags only work as the features of the step's
    CPU. Other ``-m`` flags are passed to clang as they are."""
    flags = [a for a in args if a.startswith("-m") and "=" not in a]
    if not flags:
        return {}
    known = _zig_features(arch, zig_dir)
    features = {}
    for flag in flags:
        negated = flag.startswith("-mno-")
        name = flag[5 if negated else 2 :].replace(".", "_").replace("-", "_")
        if name in known:
            features[("-" if negated else "+") + name] = flag
    return features


@functools.cache
def _zig_features(arch: str, zig_dir: Path | None) -> frozenset[str]:
    """The CPU feature names Zig knows for an architecture (from its standard
    library: ``Feature = enum { ... }`` in ``lib/std/Target/<arch>.zig``)."""
    import re

    zig_arch = {"x86_64": "x86", "ppc64le": "powerpc"}.get(arch, arch)
    if zig_dir is None:
        from . import zig

        zig_dir = zig.find_zig().parent
    try:
        text = (zig_dir / "lib" / "std" / "Target" / f"{zig_arch}.zig").read_text("utf-8")
    except OSError:
        return frozenset()
    block = text.partition("pub const Feature = enum {")[2].partition("};")[0]
    return frozenset(re.findall(r'^\s*@?"?(\w+)"?,', block, re.MULTILINE))


def cpu_features(arch: str) -> str:
    """Zig's ``-mcpu`` for a wheel: the architecture's baseline CPU, never the
    build machine's (Zig's default), so that the wheel runs on any CPU of its
    architecture.

    On x86_64 with two features added that enable no instruction by
    themselves (generic code, and even a hand-written CRC loop, come out the
    same), but that Zig's explicit feature list would otherwise switch off in
    functions compiled for more (``__attribute__((target(...)))``, the usual
    run-time dispatch), where gcc and clang's own defaults allow them:
    ``evex512`` (without it clang refuses every 512-bit intrinsic in
    ``target("avx512f")`` functions) and ``crc32`` (without it
    ``target("sse4.2")`` functions cannot use ``_mm_crc32_*``).
    """
    return "baseline+evex512+crc32" if arch == "x86_64" else "baseline"


def _package_include(name: str, ext: Extension) -> Path:
    """``numpy.get_include()`` for ``include-packages = ["numpy"]``."""
    key = f"{ext.key}.include-packages"
    try:
        module = importlib.import_module(name)
    except ImportError as e:
        raise BuildError(
            f"{key}: cannot import {name!r} ({e}); zlig asks the frontend to install it, "
            "so without build isolation install it yourself"
        ) from None
    get_include = getattr(module, "get_include", None)
    if not callable(get_include):
        raise BuildError(f"{key}: {name!r} has no get_include() to find its headers")
    return Path(get_include())
