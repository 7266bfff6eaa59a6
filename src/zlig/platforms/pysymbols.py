"""The symbols the Python C API provides to an extension when it is loaded.

For the interpreter running the build they are read from the interpreter
itself: the dynamic symbols of its libpython or, when it has none, of its
executable (built with ``-Xlinker -export-dynamic``, so that extensions find
the API there). ``python-symbols.txt`` (made by
``scripts/update_python_symbols.py``) adds what CPython 3.9–3.13 export and
CPython's stable ABI: for builds for another interpreter (cross-compiling),
for interpreters whose own symbols cannot be read, and for abi3 extensions,
which may use the stable ABI only.
"""

from __future__ import annotations

import functools
import os
import sys
import sysconfig
from pathlib import Path
from typing import NamedTuple

_DATA = Path(__file__).with_name("python-symbols.txt")


class PythonApi(NamedTuple):
    """What an extension may use from the interpreter that loads it."""

    #: The shipped list of its symbols; None when the data does not cover its version.
    symbols: frozenset[str] | None
    #: For messages: ``CPython 3.11`` or ``the stable ABI (abi3)``.
    name: str
    #: It is the interpreter running the build, whose own exports can be read.
    running: bool = False

    def provides(self, symbol: str) -> bool:
        if self.symbols is not None and symbol in self.symbols:
            return True
        if self.running:
            # Read only for a symbol the data lacks: pyelftools takes ~0.1 s
            # over libpython's symbols, longer than the rest of a no-op build.
            own = running_interpreter_exports()
            if own:
                return symbol in own
        # Unknown: any name that looks like CPython's passes.
        return self.symbols is None and looks_like_python(symbol)


@functools.cache
def _shipped() -> tuple[dict[int, frozenset[str]], frozenset[str]]:
    """The shipped data: 3.x minor -> exported symbols, and the stable ABI."""
    versions: dict[int, set[str]] = {}
    abi3: set[str] = set()
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, *fields = line.split()
        for field in fields:
            if field == "abi3":
                abi3.add(name)
                continue
            for part in field.split(","):
                first, _, last = part.partition("-")
                for minor in range(int(first), int(last or first) + 1):
                    versions.setdefault(minor, set()).add(name)
    return {k: frozenset(v) for k, v in versions.items()}, frozenset(abi3)


def stable_abi() -> frozenset[str]:
    return _shipped()[1]


def shipped(version: tuple[int, int]) -> frozenset[str] | None:
    """What CPython ``version`` exports, if the data covers it."""
    return _shipped()[0].get(version[1]) if version[0] == 3 else None


@functools.cache
def running_interpreter_exports() -> frozenset[str]:
    """The symbols this interpreter exports to extensions (empty if unreadable)."""
    config = sysconfig.get_config_vars()
    library = os.path.join(str(config.get("LIBDIR") or ""), str(config.get("INSTSONAME") or ""))
    candidates = [library] if config.get("Py_ENABLE_SHARED") else []
    candidates.append(os.path.realpath(sys.executable))
    for candidate in candidates:
        symbols = defined_symbols(Path(candidate))
        if "PyModule_Create2" in symbols or "PyModuleDef_Init" in symbols:
            return symbols
    return frozenset()


def api(version: tuple[int, int], *, limited: bool, running: bool) -> PythonApi:
    """The C API of CPython ``version``: the stable ABI if ``limited``, else
    what that interpreter exports (``running``: it is the one running the build)."""
    if limited:
        return PythonApi(stable_abi(), "the stable ABI (abi3)")
    return PythonApi(shipped(version), f"CPython {version[0]}.{version[1]}", running)


def looks_like_python(symbol: str) -> bool:
    """CPython's naming: ``Py…``, ``_Py…``, ``PY…``."""
    return symbol.lstrip("_").lower().startswith("py")


def defined_symbols(path: Path) -> frozenset[str]:
    """The symbols a shared library (or executable) exports; empty if it cannot be read."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    try:
        with path.open("rb") as f:
            dynsym = ELFFile(f).get_section_by_name(".dynsym")
            if not isinstance(dynsym, SymbolTableSection):
                return frozenset()
            return frozenset(
                str(s.name)
                for s in dynsym.iter_symbols()
                if s.name and s["st_shndx"] != "SHN_UNDEF"
            )
    except (OSError, ELFError):
        return frozenset()
