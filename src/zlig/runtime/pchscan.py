"""Whether a source leads straight to ``#include <Python.h>`` (see pch.py).

The scan that decides which sources may use a precompiled Python.h. Standard
library only: an editable wheel carries a copy, with which its loader checks,
before a rebuild on import, that each source planned to use a PCH still may
(an edit can add a directive before the include); if one may not, that
rebuild is made without PCHs.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Literal

#: The first bytes of a file that are scanned; a longer preamble gets no PCH.
_SCAN_BYTES = 1 << 16
_COMMENT_OR_LITERAL = re.compile(
    r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S
)
_DIRECTIVE = re.compile(r"#\s*(\w+)\s*(.*)")
_DEFINE = re.compile(r"([A-Za-z_]\w*)(?:\s+(.*))?\Z")
_INCLUDE = re.compile(r'<([^>]+)>\Z|"([^"]+)"\Z')
_MAX_DEPTH = 8


#: The only ``#define``s a source may make before Python.h and still use a
#: PCH. The PCH holds them before its ``#include``, and the source makes them
#: again after it: harmless only for names that Python.h (with the C library
#: headers it includes) neither defines nor undefines, and that are not
#: defined on the command line (the source's redefinition would warn, the
#: PCH's copy would not). These are checked in CPython 3.8-3.13's headers.
PREFIX_MACROS = frozenset(
    {
        "PY_SSIZE_T_CLEAN",
        "Py_LIMITED_API",
        "NPY_NO_DEPRECATED_API",
        "NPY_TARGET_VERSION",
        "PY_ARRAY_UNIQUE_SYMBOL",
        "NO_IMPORT_ARRAY",
    }
)
#: Include guards: names that say so, of the project's own (Python's headers
#: are guarded by ``Py_*_H``, the C library's by reserved ``_*`` names). A
#: guard is not copied into the PCH, where it would hide its own header.
_GUARD = re.compile(r"(?!py)[a-z]\w*_(h|hh|hpp|hxx|included|guard)_*", re.IGNORECASE)
Stop = Literal["python", "end", "other"]


def python_prefix(
    source: Path, include_dirs: Sequence[Path], command_line: Collection[str]
) -> tuple[str, ...] | None:
    """The ``#define`` lines before ``#include <Python.h>`` when the source
    leads straight to it (see the module's docstring); None otherwise.
    ``command_line``: the names of the macros given with ``-D`` and ``-U``."""
    scanner = _Scanner(include_dirs, command_line)
    return tuple(scanner.defines) if scanner.scan(source, ()) == "python" else None


class _Scanner:
    """Follows a source's first directives, and the headers they include."""

    def __init__(self, include_dirs: Sequence[Path], command_line: Collection[str]) -> None:
        self.include_dirs = tuple(include_dirs)
        #: Names defined so far: a guard found defined would skip its header.
        self.defined = set(command_line)
        self.defines: list[str] = []

    def scan(self, path: Path, stack: tuple[Path, ...]) -> Stop:
        """Where the file's directives lead: to Python.h, to the file's end
        (a header of only guards and defines), or elsewhere."""
        if len(stack) >= _MAX_DEPTH or path in stack:
            return "other"
        try:
            with path.open("rb") as f:
                raw = f.read(_SCAN_BYTES + 1)
        except OSError:
            return "other"
        text = raw[:_SCAN_BYTES].decode("latin-1")
        if "??/" in text:  # a trigraph backslash, with -std=c89 .. c17
            return "other"
        # As the compiler reads it: line breaks, then continued lines joined,
        # then comments replaced by a space (keeping their line breaks, so
        # that a directive continued past one reads as directive and code).
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\\\n", "")
        text = _COMMENT_OR_LITERAL.sub(
            lambda m: m[0] if m[0][0] in "\"'" else " " + "\n" * m[0].count("\n"), text
        )
        guard: str | None = None  # a guard's "#ifndef G" awaiting its "#define G"
        open_guards = 0
        for line in text.split("\n"):
            line = line.strip()
            if not line:
                continue
            match = _DIRECTIVE.match(line)
            if not match:
                return "other"
            word, rest = match[1], match[2].strip()
            if guard is not None:
                if word != "define" or rest != guard:
                    return "other"
                self.defined.add(guard)
                guard = None
                open_guards += 1
            elif word == "ifndef" and _GUARD.fullmatch(rest) and rest not in self.defined:
                guard = rest
            elif word == "endif" and open_guards and not rest:
                open_guards -= 1
            elif word == "pragma" and rest == "once":
                pass
            elif word == "define":
                define = _DEFINE.match(rest)
                if not define or define[1] not in PREFIX_MACROS or define[1] in self.defined:
                    return "other"
                self.defined.add(define[1])
                self.defines.append(f"#define {define[1]} {define[2] or ''}".rstrip())
            elif word == "include" and (name := _INCLUDE.match(rest)):
                stop = self.include(
                    path, name[2] or name[1], quoted=name[2] is not None, stack=stack
                )
                if stop != "end":
                    return stop
            else:
                return "other"
        complete = len(raw) <= _SCAN_BYTES and guard is None and not open_guards
        return "end" if complete else "other"

    def include(self, path: Path, header: str, quoted: bool, stack: tuple[Path, ...]) -> Stop:
        folders = (path.parent, *self.include_dirs) if quoted else self.include_dirs
        found = next((f / header for f in folders if (f / header).is_file()), None)
        if header == "Python.h":
            # A Python.h of the project's own would be found first.
            return "other" if found else "python"
        if found is None:
            return "other"  # a system header: it comes before Python.h
        return self.scan(found, (*stack, path))
