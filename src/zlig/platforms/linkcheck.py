"""Undefined symbols, caught at build time rather than at import on a user's machine.

An extension is a shared library linked with undefined symbols allowed: the
interpreter provides the Python C API when it loads it. So a source left out
of ``sources``, a library left out of ``libraries`` or a misspelt API name
still links, and fails only at import (``undefined symbol: foo``). After
linking, zlig checks every undefined symbol of each extension. It must be

- weak (a missing weak symbol is simply null), or bound to a symbol version
  (``GLIBC_2.14``, …), which the versioned library named beside it provides
  (the manylinux audit checks the versions);
- provided by the Python C API of the target interpreter (pysymbols.py): what
  it exports, or the stable ABI for abi3 extensions;
- defined by a library the extension links (``DT_NEEDED``), looked up in its
  library-dirs and linked ``.so`` files; a needed library zlig cannot find
  there may provide anything, so then only Python-looking names are checked;
- or allowed by ``allow-undefined`` (names or glob patterns), for the rare
  extension that resolves symbols at run time.

The C++ runtime (libc++) and compiler-rt are linked statically by Zig, so
their symbols are defined in the extension itself.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..config.extension import Extension
from ..runtime.errors import BuildError

if TYPE_CHECKING:
    from .audit import Built
    from .pysymbols import PythonApi
    from .target import Target

#: Most symbols named in one message.
_SHOWN = 5
_GLIBC = re.compile(r"(libc|libm|libpthread|libdl|librt|libutil|ld-linux.*|ld64)\.so")


class Undefined(NamedTuple):
    name: str
    #: Bound to a version of a library (GLIBC_2.2.5, …).
    versioned: bool
    weak: bool


class LinkInfo(NamedTuple):
    needed: tuple[str, ...]
    undefined: tuple[Undefined, ...]


def read_link_info(path: Path) -> LinkInfo:
    """The DT_NEEDED libraries and undefined dynamic symbols of a built file."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerSymSection
    from elftools.elf.sections import SymbolTableSection

    try:
        with path.open("rb") as f:
            elf = ELFFile(f)
            dynamic = elf.get_section_by_name(".dynamic")
            needed: list[str] = []
            if isinstance(dynamic, DynamicSection):
                # pyelftools sets .needed on DT_NEEDED tags at run time.
                needed = [str(t.needed) for t in dynamic.iter_tags("DT_NEEDED")]  # type: ignore[attr-defined]
            dynsym = elf.get_section_by_name(".dynsym")
            versym = elf.get_section_by_name(".gnu.version")
            undefined = []
            if isinstance(dynsym, SymbolTableSection):
                for index, symbol in enumerate(dynsym.iter_symbols()):
                    if not symbol.name or symbol["st_shndx"] != "SHN_UNDEF":
                        continue
                    version = (
                        versym.get_symbol(index)["ndx"]
                        if isinstance(versym, GNUVerSymSection)
                        else "VER_NDX_GLOBAL"
                    )
                    undefined.append(
                        Undefined(
                            str(symbol.name),
                            versioned=isinstance(version, int) and version >= 2,
                            weak=symbol["st_info"]["bind"] == "STB_WEAK",
                        )
                    )
    except (OSError, ELFError) as e:
        raise BuildError(f"cannot read the built file {path}: {e}") from None
    return LinkInfo(tuple(needed), tuple(undefined))


def soname(path: Path) -> str:
    """A shared library's DT_SONAME, else its file name: what DT_NEEDED names it by."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.dynamic import DynamicSection
    from elftools.elf.elffile import ELFFile

    try:
        with path.open("rb") as f:
            dynamic = ELFFile(f).get_section_by_name(".dynamic")
            if isinstance(dynamic, DynamicSection):
                for tag in dynamic.iter_tags("DT_SONAME"):
                    return str(tag.soname)  # type: ignore[attr-defined]
    except (OSError, ELFError):
        pass
    return path.name


def linked_libraries(extension: Extension) -> dict[str, Path]:
    """The shared libraries the extension may be linked with, by the name DT_NEEDED uses."""
    folders = [*extension.library_dirs, *extension.extra_link_args.library_dirs]
    files = [o for o in extension.extra_link_args.objects if ".so" in o.name]
    for folder in folders:
        try:
            files += sorted(p for p in folder.iterdir() if re.search(r"\.so(\.|$)", p.name))
        except OSError:
            continue
    found: dict[str, Path] = {}
    for path in files:
        if path.is_file():
            found.setdefault(soname(path), path)
    return found


def check(built: Sequence[Built], target: Target, root: Path, zig_dir: Path) -> None:
    """Raise BuildError naming the symbols of an extension that nothing provides
    (``zig_dir``: the folder of the Zig that linked them, which holds musl's libc)."""
    from ..runtime.cache import by_content
    from . import pysymbols

    libc: frozenset[str] = frozenset()
    if target.platform.musllinux:  # musl's symbols have no versions
        from . import musllinux

        libc = musllinux.libc_symbols(zig_dir)
    for item in built:
        ext = item.extension
        python = pysymbols.api(
            target.interpreter.version,
            limited=bool(ext.limited_api),
            running=target.interpreter == target.host,
        )
        info = by_content(item.path, read_link_info)
        missing = unresolved(info, ext, python, libc)
        if missing:
            raise BuildError(_message(ext, missing, python, root))


def unresolved(
    info: LinkInfo, extension: Extension, python: PythonApi, libc: frozenset[str] = frozenset()
) -> list[str]:
    """The undefined symbols that nothing provides, in the file's order;
    ``libc`` is what the C library provides, if its symbols are not versioned."""
    from .pysymbols import defined_symbols, looks_like_python

    libraries = linked_libraries(extension) if info.needed else {}
    provided: set[str] = set(libc)
    unknown_library = False
    for needed in info.needed:
        # A library without a DT_SONAME is named by the path it was linked from.
        path = Path(needed) if "/" in needed else libraries.get(needed)
        if path is not None and path.is_file():
            provided |= defined_symbols(path)
        elif not _is_glibc(needed):
            unknown_library = True  # may provide anything
    missing = []
    for symbol in info.undefined:
        name = symbol.name
        if symbol.weak or symbol.versioned or name in provided:
            continue
        if python.provides(name):
            continue
        if unknown_library and not looks_like_python(name):
            continue
        if any(fnmatch.fnmatchcase(name, p) for p in extension.allow_undefined):
            continue
        missing.append(name)
    return missing


def _is_glibc(library: str) -> bool:
    """glibc's own libraries, whose symbols are all versioned."""
    return _GLIBC.match(library) is not None


def _message(ext: Extension, missing: list[str], python: PythonApi, root: Path) -> str:
    from .pysymbols import looks_like_python

    shown = ", ".join(f"'{name}'{_used_in(name, ext.sources, root)}" for name in missing[:_SHOWN])
    if len(missing) > _SHOWN:
        shown += f" and {len(missing) - _SHOWN} more"
    what = "undefined symbol" if len(missing) == 1 else "undefined symbols"
    allow = f"({ext.key}.allow-undefined, for symbols found at run time)"
    if all(looks_like_python(name) for name in missing):
        other = "outside the limited API" if ext.limited_api else "of another Python version"
        return (
            f"{ext.name}: {what} {shown}; {python.name} has no such symbol: a misspelt name, "
            f"or an API {other}? {allow}"
        )
    return (
        f"{ext.name}: {what} {shown}; is a source or a library missing? "
        f"{ext.key}.libraries / sources {allow}"
    )


def _used_in(name: str, sources: Iterable[Path], root: Path) -> str:
    """`` (used in csrc/core.c)``: the sources that mention the name, if any does."""
    pattern = re.compile(rf"\b{re.escape(name)}\b")
    users = []
    for source in sources:
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if pattern.search(text):
            users.append(
                source.relative_to(root).as_posix() if source.is_relative_to(root) else str(source)
            )
    return f" (used in {', '.join(users)})" if users else ""
