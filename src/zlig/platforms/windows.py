"""What a Windows extension is compiled and linked with, made from this machine's
Python and the CPython data zlig ships (``cpython-windows/``).

- Headers: the portable CPython headers of the Python running the build, as for
  every abi3 build, with CPython's Windows ``pyconfig.h`` instead of this
  machine's. ``Python.h`` includes ``"pyconfig.h"`` from its own folder before
  any ``-I`` folder, so the headers are copied into a folder of their own
  (``<build folder>/windows/include``) that holds the Windows one.
- Import library: an abi3 extension links against ``python3.dll``, whose
  exports are listed in ``cpython-windows/stable-abi.txt`` with the version
  that added each. ``python3.lib`` is made for the extension's abi3 floor by
  ``zig dlltool`` from a ``.def`` file of the entries up to that floor, so a
  function newer than the floor fails to link, as it would fail to import on
  the older Python. A version-specific extension links against
  ``python3XY.dll``, whose exports ``cpython-windows/exports.txt`` lists
  (3.9-3.13); its headers are the target Python's (target-include-dir).

Nothing is downloaded: see scripts/update_windows_data.py for where the data
comes from.
"""

from __future__ import annotations

import functools
import re
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ..config.extension import Extension
from ..runtime.errors import BuildError

if TYPE_CHECKING:
    from .target import Target

DATA = Path(__file__).with_name("cpython-windows")
#: ``zig dlltool -m`` machine names.
_DLLTOOL_MACHINES = {"amd64": "i386:x86-64", "arm64": "arm64"}


def include_dir(folder: Path, extension: Extension, target: Target) -> Path:
    """The header folder of an extension in the build folder: this machine's
    headers for abi3, the target Python's (target-include-dir) otherwise."""
    name = "abi3" if extension.limited_api else target.interpreter.abi_tag
    return folder / "windows" / f"include-{name}"


def import_library(folder: Path, extension: Extension, target: Target) -> Path:
    """``python3.lib`` for an abi3 floor, ``python313.lib`` otherwise, in the build folder."""
    if extension.limited_api:
        return folder / "windows" / "python3-cp{}{}.lib".format(*extension.limited_api)
    return folder / "windows" / python_dll(extension, target).replace(".dll", ".lib")


def python_dll(extension: Extension, target: Target) -> str:
    """The DLL the extension must import (lower case, as the audit compares)."""
    if extension.limited_api:
        return "python3.dll"
    return "python{}{}.dll".format(*target.interpreter.version)


def prepare(extensions: Sequence[Extension], target: Target, folder: Path, zig_exe: Path) -> None:
    """Make the header folders and the import libraries the extensions need."""
    arch = target.platform.arch
    for ext in extensions:
        if ext.limited_api:
            headers = target.host.include_dirs
            dll, entries = "python3.dll", stable_abi(ext.limited_api)
        else:
            headers = target.interpreter.include_dirs
            dll, entries = python_dll(ext, target), exports(target.interpreter.version)
        _assemble_headers(headers, include_dir(folder, ext, target))
        _make_import_library(dll, entries, import_library(folder, ext, target), zig_exe, arch)


def _assemble_headers(sources: Sequence[Path], dest: Path) -> None:
    """Copy the Python headers, but pyconfig.h, then the Windows pyconfig.h.
    Files are written only when they changed: Zig's cache sees a new time as
    a change and would recompile every source."""
    wanted: dict[Path, bytes] = {}
    for source in reversed(sources):  # the first folder wins, as with -I
        if not (source / "Python.h").is_file() and source != sources[0]:
            continue
        for path in source.rglob("*.h"):
            relative = path.relative_to(source)
            if relative != Path("pyconfig.h"):
                wanted[relative] = path.read_bytes()
    if not (sources and (sources[0] / "Python.h").is_file()):
        raise BuildError(f"no Python.h in {sources[0] if sources else 'this Python'}")
    wanted[Path("pyconfig.h")] = (DATA / "pyconfig.h").read_bytes()
    for relative, data in wanted.items():
        _write_if_changed(dest / relative, data)
    for path in list(dest.rglob("*.h")) if dest.is_dir() else []:
        if path.relative_to(dest) not in wanted:
            path.unlink()


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def stable_abi(floor: tuple[int, int]) -> list[tuple[str, str]]:
    """(name, kind) of each function and data item python3.dll exports since ``floor``."""
    entries = []
    for name, (kind, added) in _stable_abi().items():
        major, minor = added.split(".")
        if (int(major), int(minor)) <= floor:
            entries.append((name, kind))
    return entries


def exports(version: tuple[int, int]) -> list[tuple[str, str]]:
    """(name, "function") of each symbol python3XY.dll of that version exports.
    Data is imported through ``__imp_`` pointers (CPython declares it
    ``__declspec(dllimport)``), which an import library has for every name."""
    minor = version[1]
    names = []
    for line in (DATA / "exports.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, ranges = line.split()
            for run in ranges.split(","):
                low, _, high = run.partition("-")
                if int(low) <= minor <= int(high or low):
                    names.append((name, "function"))
                    break
    return names


def def_file(dll: str, entries: Iterable[tuple[str, str]]) -> str:
    """A module-definition file: the DLL and its exports (``DATA`` for variables)."""
    lines = [f"LIBRARY {dll}", "EXPORTS"]
    lines += [name + (" DATA" if kind == "data" else "") for name, kind in entries]
    return "\n".join(lines) + "\n"


def _make_import_library(
    dll: str, entries: Iterable[tuple[str, str]], lib: Path, zig_exe: Path, arch: str
) -> None:
    definition = lib.with_suffix(".def")
    text = def_file(dll, entries)
    if lib.is_file() and definition.is_file() and definition.read_text("utf-8") == text:
        return
    lib.parent.mkdir(parents=True, exist_ok=True)
    definition.write_text(text, encoding="utf-8")
    command = [str(zig_exe), "dlltool", "-m", _DLLTOOL_MACHINES[arch], "-d", str(definition)]
    result = subprocess.run(
        [*command, "-l", str(lib)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    if result.returncode != 0 or not lib.is_file():
        lib.unlink(missing_ok=True)
        raise BuildError(f"zig dlltool could not make {lib.name}", result.stdout)


_UNDEFINED = re.compile(r"lld-link: undefined symbol: (?:__declspec\(dllimport\) )?(?P<name>\S+)")


def explain_link_error(error: BuildError, failed: Sequence[Extension]) -> BuildError:
    """A failed link of abi3 extensions, explained: lld-link's "undefined
    symbol" for a function of the C API that python3.dll does not export
    for the extension's abi3 floor."""
    match = _UNDEFINED.search(error.message)
    if not match or not failed:
        return error
    name = match["name"]
    floors = sorted({ext.limited_api for ext in failed if ext.limited_api})
    if not floors:
        return error
    added = _stable_abi().get(name, ("", ""))[1]
    who = ", ".join(ext.name for ext in failed)
    floor = "cp{}{}".format(*floors[0])
    key = f"{failed[0].key}.py-limited-api (or tool.zlig.py-limited-api)"
    if added:
        why = (
            f"python3.dll exports it from CPython {added} on, after py-limited-api {floor}; "
            f"raise {key} or do without it"
        )
    elif name.startswith(("Py", "_Py")):
        why = "it is not part of the stable ABI (python3.dll), which abi3 extensions link against"
    else:
        why = "is a source or a library missing?"
    return BuildError(f"{who}: undefined symbol '{name}': {why}", error.details)


@functools.cache
def _stable_abi() -> dict[str, tuple[str, str]]:
    """stable-abi.txt: name -> (kind, the version that added it)."""
    entries = {}
    for line in (DATA / "stable-abi.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, kind, added = line.split()
            entries[name] = (kind, added)
    return entries
