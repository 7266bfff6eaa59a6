"""Which files belong in the sdist and which must stay out of the wheel.

The sdist needs every extension source and every header the sources include
from inside the project; headers are found by following ``#include`` lines
through the source folder and the include-dirs (a scan, not the preprocessor:
headers named through macros are caught by packing the project's include
folders whole).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from .extension import Extension
from .project import is_inside

#: Cython's declaration and include files, found by following ``cimport`` and
#: ``include`` lines. ``.pxd`` files stay in the wheel (other projects cimport them).
CYTHON_SUFFIXES = frozenset({".pxd", ".pxi"})
HEADER_SUFFIXES = frozenset({".h", ".hh", ".hpp", ".hxx", ".inc", ".inl", ".ipp", ".tcc", ".def"})
#: Compiled binaries, which never go into an sdist.
BINARY_SUFFIXES = frozenset({".so", ".pyd", ".dll", ".dylib", ".o", ".obj"})

#: ``#include "x.h"`` in C, ``@import("x.zig")`` and ``@cInclude("x.h")`` in Zig.
_INCLUDE = re.compile(
    rb'^\s*#\s*include\s*[<"]([^>"]+)[>"]|@(?:import|cInclude)\("([^"]+)"\)', re.MULTILINE
)


#: ``include "x.pxi"``, ``cimport a.b``, ``from a.b cimport c, d`` and ``from . cimport c``.
_CYTHON_INCLUDE = re.compile(rb"""^[ \t]*include[ \t]+["']([^"']+)["']""", re.MULTILINE)
_CIMPORT = re.compile(rb"^[ \t]*cimport[ \t]+([\w.]+)", re.MULTILINE)
_FROM_CIMPORT = re.compile(
    rb"^[ \t]*from[ \t]+([\w.]+)[ \t]+cimport[ \t]+\(?([\w, \t]+)", re.MULTILINE
)


def is_binary(path: Path) -> bool:
    return path.suffix in BINARY_SUFFIXES


def wheel_skips(extensions: Sequence[Extension], root: Path, source_dir: Path) -> set[Path]:
    """Files of the package folder that stay out of the wheel.

    The extensions' sources and the headers they include, and extensions
    built in place earlier (the fresh ones are added separately).
    Other headers and shared libraries are kept: a package may ship them.
    """
    skips = {p.resolve() for p in sdist_inputs(extensions, root) if p.suffix != ".pxd"}
    for ext in extensions:
        stem = source_dir / ext.name.replace(".", "/")
        skips.update(p.resolve() for p in stem.parent.glob(f"{stem.name}.*") if is_binary(p))
    return skips


def sdist_inputs(extensions: Iterable[Extension], root: Path) -> set[Path]:
    """Sources, included headers and the headers of in-project include folders."""
    files: set[Path] = set()
    for ext in extensions:
        sources = (*ext.sources, *ext.other_sources)
        files.update(sources)
        project_dirs = [d for d in ext.include_dirs if is_inside(d, root)]
        for folder in project_dirs:
            files.update(
                p for p in folder.rglob("*") if p.suffix in HEADER_SUFFIXES and p.is_file()
            )
        files.update(_included_headers(sources, project_dirs, root))
        if ext.pyx:
            cython_dirs = [d for d in ext.cython_include_dirs if is_inside(d, root)]
            for folder in cython_dirs:
                files.update(
                    p for p in folder.rglob("*") if p.suffix in CYTHON_SUFFIXES and p.is_file()
                )
            # Absolute cimports (pkg.shared) start at the folder holding the package.
            parents = [p for p in ext.pyx.parents if is_inside(p, root)]
            files.update(cython_inputs(ext.pyx, [*cython_dirs, *parents], root))
    return {f for f in files if is_inside(f.resolve(), root)}


def _included_headers(sources: Iterable[Path], include_dirs: list[Path], root: Path) -> set[Path]:
    found: set[Path] = set()
    todo = list(sources)
    while todo:
        current = todo.pop()
        try:
            text = current.read_bytes()
        except OSError:
            continue
        for match in _INCLUDE.finditer(text):
            name = (match.group(1) or match.group(2)).decode("utf-8", "replace")
            for folder in (current.parent, *include_dirs):
                candidate = (folder / name).resolve()
                if candidate.is_file() and is_inside(candidate, root):
                    if candidate not in found:
                        found.add(candidate)
                        todo.append(candidate)
                    break
    return found


def cython_inputs(pyx: Path, include_dirs: list[Path], root: Path) -> set[Path]:
    """The project's ``.pxd`` and ``.pxi`` files a ``.pyx`` uses: its own
    ``.pxd``, what it (and they) ``cimport`` and ``include``. A scan of the
    text, as the sdist is packed without running Cython."""
    found: set[Path] = set()
    todo = [pyx]
    own = pyx.with_suffix(".pxd")
    if own.is_file():
        todo.append(own)
    while todo:
        current = todo.pop()
        found.add(current)
        try:
            text = current.read_bytes()
        except OSError:
            continue
        candidates = [
            folder / m.decode("utf-8", "replace")
            for m in _CYTHON_INCLUDE.findall(text)
            for folder in (current.parent, *include_dirs)
        ]
        modules = [m.decode() for m in _CIMPORT.findall(text)]
        for package, names in _FROM_CIMPORT.findall(text):
            base = package.decode()
            modules.append(base)
            modules += [f"{base}.{n.split()[0]}" for n in names.decode().split(",") if n.split()]
        for module in modules:
            level = len(module) - len(module.lstrip("."))
            parts = [p for p in module.lstrip(".").split(".") if p]
            if level:
                folder = current.parents[level - 1]
                candidates.append(folder.joinpath(*parts).with_suffix(".pxd") if parts else folder)
            for folder in (current.parent, *include_dirs):
                if parts:
                    candidates.append(folder.joinpath(*parts).with_suffix(".pxd"))
                    candidates.append(folder.joinpath(*parts, "__init__.pxd"))
        for candidate in candidates:
            if candidate.suffix in CYTHON_SUFFIXES and candidate.is_file():
                resolved = candidate.resolve()
                if resolved not in found and is_inside(resolved, root):
                    todo.append(resolved)
    found.discard(pyx)
    return found


def watched(
    extensions: Sequence[Extension], root: Path, extra_files: Sequence[Path] = ()
) -> tuple[list[str], list[str]]:
    """The folders whose sources and headers make a build's inputs, and single files.

    Every folder holding a source or an included header, and the project's
    include folders with their subfolders; a new file in any of them counts
    as a change. pyproject.toml too (an editable install says to reinstall),
    and ``extra_files`` (the before-build hooks' files).
    """
    folders = {p.resolve().parent for p in sdist_inputs(extensions, root)}
    for ext in extensions:
        for folder in ext.include_dirs:
            if is_inside(folder, root) and folder.is_dir():
                folders.add(folder.resolve())
                folders.update(p.resolve() for p in folder.rglob("*") if p.is_dir())
    return sorted(map(str, folders)), [str(root / "pyproject.toml"), *map(str, extra_files)]


def fingerprint(
    extensions: Sequence[Extension], root: Path, extra_files: Sequence[Path] = ()
) -> str:
    """A digest of the watched files' names, sizes and modification times."""
    from . import editable_loader

    return editable_loader.fingerprint(*watched(extensions, root, extra_files))
