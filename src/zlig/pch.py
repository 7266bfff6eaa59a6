"""Precompiled Python.h: parse Python's headers once per build, not once per file.

Python.h is some 250 headers; clang spends ~50 ms parsing them, a third of
compiling a 300-line source (measured on benchmark case b). A precompiled
header (PCH) is parsed once and loaded by each file with ``-include-pch``.

``-include-pch`` acts as if the file began with ``#include`` of the header, so
it is used only where that changes nothing: for a source whose first
directives lead straight to ``#include <Python.h>``, through nothing but
comments, include guards, ``#pragma once``, ``#define``s of the configuration
macros in ``PREFIX_MACROS`` (``PY_SSIZE_T_CLEAN``) and includes of project
headers of the same kind. Those ``#define``s go before the ``#include`` in the
precompiled header, so Python.h sees them as it would; the file's own copies
are then identical redefinitions, and its ``#include <Python.h>`` is skipped
by Python.h's include guard. Any other file is compiled as before.

Sources that would share a PCH (same language, flags and ``#define``s) share
one, across extensions; fewer than ``MIN_USERS`` sources get none, as making
it costs about as much as parsing Python.h a few times. The PCH is made by
``zig cc``/``zig c++`` with the flags Zig's build gives the sources
(:func:`spec`); clang refuses a PCH made with other language or target
options, so modes and flags zlig cannot match are left out (``ReleaseSafe``,
unknown ``extra-compile-args``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .extension import SOURCE_LANGUAGES

#: Sources sharing a PCH before one is made.
MIN_USERS = 4
#: Where ``zig cc`` gives a PCH the options Zig's build gives a source, by
#: optimisation mode (compared with ``-###`` on Zig 0.16). ReleaseSafe adds
#: sanitizer and stack-protector options that ``zig cc`` has no mode for.
OPTIMIZE_ARGS = {"Debug": "-O0", "ReleaseFast": "-O2", "ReleaseSmall": "-Os"}
#: Clang compares content rather than modification time when a header was
#: touched (Zig's cache may give back a PCH made before ``rm -rf build``).
VALIDATE_CONTENT = "-fpch-validate-input-files-content"
#: ``extra-compile-args`` that ``zig cc`` passes to clang as Zig's build does.
_SAFE_ARG = re.compile(
    r"-W(?![lap],|system-headers).+|-[DU].+|-f(no-)?(wrapv|strict-aliasing)|-std=.+"
)
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


def usable(optimize: str, extra_compile_args: Sequence[str]) -> bool:
    """Whether ``zig cc`` can make a PCH that Zig's build of these sources accepts."""
    return optimize in OPTIMIZE_ARGS and all(_SAFE_ARG.fullmatch(a) for a in extra_compile_args)


class Spec(NamedTuple):
    """One PCH: the header it is made from, and where Zig's build puts it."""

    #: ``zig`` arguments making it, without input and output.
    args: tuple[str, ...]
    #: The header's text: the ``#define``s, then ``#include <Python.h>``.
    text: str

    @property
    def name(self) -> str:
        key = json.dumps([self.args, self.text]).encode()
        return hashlib.sha256(key).hexdigest()[:16]


def spec(
    source: Path,
    *,
    target: str,
    cpu: str,
    optimize: str,
    python_include_dirs: Sequence[str],
    include_dirs: Sequence[Path],
    macros: Sequence[Sequence[str]],
    flags: Sequence[str],
) -> Spec | None:
    """The PCH the source could use (given the options Zig's build gives it:
    build.zig's module settings and its own flags), or None."""
    command_line = [name for name, _ in macros]
    command_line += [f[2:].split("=")[0] for f in flags if f.startswith(("-D", "-U"))]
    prefix = python_prefix(source, include_dirs, command_line)
    if prefix is None:
        return None
    language = SOURCE_LANGUAGES[source.suffix]
    # zig cc takes the options Zig's build passes, in the order it passes them.
    args = ["c++" if language == "c++" else "cc", "-target", target, f"-mcpu={cpu}"]
    # -g0: a PCH needs no debug info; it is not among the options clang compares.
    args += [OPTIMIZE_ARGS[optimize], "-fPIC", "-g0"]
    for system_dir in python_include_dirs:
        args += ["-isystem", system_dir]
    for folder in include_dirs:
        args += ["-I", str(folder)]
    args += [f"-D{name}={value}" for name, value in macros]
    args += [*flags, VALIDATE_CONTENT, "-x", f"{language}-header"]
    text = "".join(f"{line}\n" for line in (*prefix, "#include <Python.h>"))
    return Spec(tuple(args), text)


def user_flags(pch: Path) -> list[str]:
    """The flags of a source compiled with the PCH at ``pch``."""
    return ["-include-pch", str(pch), VALIDATE_CONTENT]


def plan(sources: list[dict[str, Any]], folder: Path) -> list[dict[str, Any]]:
    """Assign PCHs to plan sources; give build.zig's ``precompiled`` list.

    Each source dict (build.zig's ``CSource``) that carries a ``"spec"`` gets
    a ``"pch"`` index when enough others share its spec; ``"spec"`` is removed.
    The PCHs are put in ``folder/pch``.
    """
    users: dict[Spec, list[dict[str, Any]]] = {}
    for source in sources:
        wanted = source.pop("spec", None)
        if wanted is not None:
            users.setdefault(wanted, []).append(source)
    precompiled: list[dict[str, Any]] = []
    for one, group in sorted(users.items(), key=lambda item: item[0].name):
        if len(group) < MIN_USERS:
            continue
        for source in group:
            source["pch"] = len(precompiled)
        output = f"pch/{one.name}.pch"
        precompiled.append(
            {
                "args": list(one.args),
                "header": one.text,
                "output": output,
                "use": user_flags(folder / output),
            }
        )
    return precompiled
