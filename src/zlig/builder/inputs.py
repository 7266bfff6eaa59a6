"""The files an extension's build reads, and what the rebuild checks watch.

Sources, every header they include from inside the project (found by
following ``#include`` lines through the source folder and the include-dirs:
a scan, not the preprocessor, so headers named through macros are caught by
taking the project's include folders whole), and Cython's ``.pxd``/``.pxi``
files. The sdist packs them (archives/), the build's stamps digest them, and
editable installs and the build record watch them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..config.extension import Extension
from ..config.project import is_inside

#: Cython's declaration and include files, found by following ``cimport`` and
#: ``include`` lines. ``.pxd`` files stay in the wheel (other projects cimport them).
CYTHON_SUFFIXES = frozenset({".pxd", ".pxi"})
HEADER_SUFFIXES = frozenset({".h", ".hh", ".hpp", ".hxx", ".inc", ".inl", ".ipp", ".tcc", ".def"})
#: ``#include "x.h"`` in C (found by its literal ``#``, which is fast on the
#: megabytes Cython generates; _include_names keeps those that start a line).
_INCLUDE = re.compile(rb'#[ \t]*include[ \t]*[<"]([^>"]+)[>"]')
#: ``@import("x.zig")`` and ``@cInclude("x.h")`` in Zig.
_ZIG_INCLUDE = re.compile(rb'@(?:import|cInclude)\("([^"]+)"\)')


#: ``include "x.pxi"``, ``cimport a.b``, ``from a.b cimport c, d`` and ``from . cimport c``.
_CYTHON_INCLUDE = re.compile(rb"""^[ \t]*include[ \t]+["']([^"']+)["']""", re.MULTILINE)
#: ``cdef extern from "x.h"``: a C header the generated code includes.
_EXTERN = re.compile(rb"""^[ \t]*cdef[ \t]+extern[ \t]+from[ \t]+["']([^"'*]+)["']""", re.MULTILINE)
_CIMPORT = re.compile(rb"^[ \t]*cimport[ \t]+([\w.]+)", re.MULTILINE)
_FROM_CIMPORT = re.compile(
    rb"^[ \t]*from[ \t]+([\w.]+)[ \t]+cimport[ \t]+\(?([\w, \t]+)", re.MULTILINE
)


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
            used = cython_inputs(ext.pyx, [*cython_dirs, *parents, *project_dirs], root)
            files.update(used)
            headers = [p for p in used if p.suffix in HEADER_SUFFIXES]
            files.update(_included_headers(headers, project_dirs, root))
    return {f for f in files if is_inside(f.resolve(), root)}


def _included_headers(sources: Iterable[Path], include_dirs: list[Path], root: Path) -> set[Path]:
    found: set[Path] = set()
    todo = list(sources)
    # One build scans the same files several times (stamps, sdist and wheel
    # selection); a file is read once, and each name looked up once per folder.
    lookups: dict[tuple[Path, str], Path | None] = {}
    while todo:
        current = todo.pop()
        for name in _include_names(current):
            for folder in (current.parent, *include_dirs):
                if (folder, name) not in lookups:
                    lookups[folder, name] = _project_file(folder / name, root)
                candidate = lookups[folder, name]
                if candidate is not None:
                    if candidate not in found:
                        found.add(candidate)
                        todo.append(candidate)
                    break
    return found


#: File -> (size, modification time, the names its #include lines give).
_INCLUDE_NAMES: dict[Path, tuple[int, int, tuple[str, ...]]] = {}


def _include_names(path: Path) -> tuple[str, ...]:
    try:
        st = path.stat()
        known = _INCLUDE_NAMES.get(path)
        if known and known[:2] == (st.st_size, st.st_mtime_ns):
            return known[2]
        text = path.read_bytes()
    except OSError:
        return ()
    found = [
        m[1]
        for m in _INCLUDE.finditer(text)
        if not text[text.rfind(b"\n", 0, m.start()) + 1 : m.start()].strip()
    ]
    if path.suffix == ".zig":
        found += _ZIG_INCLUDE.findall(text)
    names = tuple(name.decode("utf-8", "replace") for name in found)
    _INCLUDE_NAMES[path] = (st.st_size, st.st_mtime_ns, names)
    return names


def _project_file(path: Path, root: Path) -> Path | None:
    """The file ``path`` resolves to, if it is one and inside the project."""
    if not os.path.isfile(path):
        return None
    resolved = path.resolve()
    return resolved if is_inside(resolved, root) else None


def cython_inputs(pyx: Path, include_dirs: list[Path], root: Path) -> set[Path]:
    """The project's ``.pxd`` and ``.pxi`` files a ``.pyx`` uses: its own
    ``.pxd``, what it (and they) ``cimport`` and ``include``, and the C headers
    of their ``cdef extern from`` blocks. A scan of the text, as the sdist is
    packed without running Cython."""
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
        # An included file is an input whatever its name (msgpack includes
        # _packer.pyx); a cimport names a .pxd.
        included = [
            folder / m.decode("utf-8", "replace")
            for m in (*_CYTHON_INCLUDE.findall(text), *_EXTERN.findall(text))
            for folder in (current.parent, *include_dirs)
        ]
        candidates = []
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
        for candidate in [*included, *(c for c in candidates if c.suffix in CYTHON_SUFFIXES)]:
            if candidate.is_file():
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
    include folders with their subfolders: a new file in any of them, or an
    edited header, counts as a change. The files are the extensions' own
    inputs, pyproject.toml (an editable install says to reinstall) and
    ``extra_files`` (the before-build hooks' files).
    """
    inputs = sdist_inputs(extensions, root)
    folders = {p.resolve().parent for p in inputs}
    for ext in extensions:
        for folder in ext.include_dirs:
            if is_inside(folder, root) and folder.is_dir():
                folders.add(folder.resolve())
                folders.update(p.resolve() for p in folder.rglob("*") if p.is_dir())
    files = sorted({str(p.resolve()) for p in inputs})
    return sorted(map(str, folders)), [
        *files,
        str(root / "pyproject.toml"),
        *map(str, extra_files),
    ]


def fingerprint(
    extensions: Sequence[Extension], root: Path, extra_files: Sequence[Path] = ()
) -> str:
    """A digest of the watched files' names, sizes and modification times."""
    from ..runtime import editable_loader

    return editable_loader.fingerprint(*watched(extensions, root, extra_files))


def stamp_inputs(
    plan: dict[str, Any], folder: Path, extensions: Sequence[Extension], root: Path
) -> dict[str, tuple[list[str], list[str]]]:
    """What the stamp of each build step of the plan digests, by the stamp's
    name (editable_loader.write_stamp_sources): the step's own C sources and
    the project's headers they include, and the extension's watched folders
    (a new file there can change what an ``#include`` finds).

    A step's stamp changes only with its own inputs, so an edit re-runs only
    the steps that compile the edited file or a header it includes (and the
    link); a Zig root's step takes all of its extension's inputs, as the
    headers its ``@cImport`` reads are not scanned.
    """
    from ..builder.plan import steps

    by_name = {ext.name: ext for ext in extensions}
    inputs = {}
    for planned in plan["extensions"]:
        ext = by_name[planned["name"]]
        folders, everything = watched([ext], root)
        include_dirs = [d for d in ext.include_dirs if is_inside(d, root)]
        for stamp_path, sources in steps(planned):
            paths = [Path(os.path.normpath(folder / s["path"])) for s in sources]
            if ext.zig_root and stamp_path == planned["stamp"]["path"]:
                files = everything
            else:
                found = {*paths, *_included_headers(paths, include_dirs, root)}
                files = sorted(map(str, found))
            name = Path(stamp_path).name.removesuffix(".c")
            inputs[name] = (folders, files)
    return inputs
