"""Precompiled Python.h: parse Python's headers once per build, not once per file.

Python.h is some 250 headers; clang spends ~50 ms parsing them, a third of
compiling a 300-line source (measured on benchmark case b). A precompiled
header (PCH) is parsed once and loaded by each file with ``-include-pch``.

``-include-pch`` acts as if the file began with ``#include`` of the header, so
it is used only where that changes nothing: for a source whose first
directives lead straight to ``#include <Python.h>``, through nothing but
comments, include guards, ``#pragma once``, object-like ``#define``s and
includes of headers of the same kind. The ``#define``s met on the way
(``PY_SSIZE_T_CLEAN``) go before the ``#include`` in the precompiled header,
so Python.h sees them as it would; the file's own copies are then identical
redefinitions, and its ``#include <Python.h>`` is skipped by Python.h's
include guard. Any other file is compiled as before. Include guards are not
copied: they would hide the header that defines them.

Sources that would share a PCH (same language, flags and ``#define``s) share
one, across extensions; fewer than ``MIN_USERS`` sources get none, as making
it costs about as much as parsing Python.h a few times. The PCH is made by
``zig cc``/``zig c++`` with the flags Zig's build gives the sources
(:func:`driver_args`); clang refuses a PCH made with other language or target
options, so modes and flags zlig cannot match are left out (``ReleaseSafe``,
unknown ``extra-compile-args``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

#: Sources sharing a PCH before one is made.
MIN_USERS = 4
#: Where ``zig cc`` gives a PCH the options Zig's build gives a source, by
#: optimisation mode (compared with ``-###`` on Zig 0.16). ReleaseSafe adds
#: sanitizer and stack-protector options that ``zig cc`` has no mode for.
OPTIMIZE_ARGS = {"Debug": "-O0", "ReleaseFast": "-O2", "ReleaseSmall": "-Os"}
#: ``extra-compile-args`` that ``zig cc`` passes to clang as Zig's build does.
_SAFE_ARG = re.compile(r"-W(?![lap],).+|-[DU].+|-f(no-)?(wrapv|strict-aliasing)|-std=.+")
#: The first bytes of a file that are scanned; a longer preamble gets no PCH.
_SCAN_BYTES = 1 << 16
_COMMENT_OR_LITERAL = re.compile(
    r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|/\*.*?\*/|//[^\n]*', re.S
)
_DIRECTIVE = re.compile(r"#\s*(\w+)\s*(.*)")
_DEFINE = re.compile(r"([A-Za-z_]\w*)(?:\s+(.*))?\Z")
_INCLUDE = re.compile(r'<([^>]+)>\Z|"([^"]+)"\Z')
_MAX_DEPTH = 8


class Scan(NamedTuple):
    """How a file's preamble ends: at Python.h, at the end of the file, or elsewhere."""

    #: "python", "end" (a header of only guards and defines) or "other".
    stop: str
    #: The ``#define`` lines met before the stop.
    defines: tuple[str, ...] = ()


def python_prefix(source: Path, include_dirs: Sequence[Path]) -> tuple[str, ...] | None:
    """The ``#define`` lines before ``#include <Python.h>`` when the source
    leads straight to it (see the module's docstring); None otherwise."""
    scan = _scan(source, tuple(include_dirs), ())
    return scan.defines if scan.stop == "python" else None


def _scan(path: Path, include_dirs: tuple[Path, ...], stack: tuple[Path, ...]) -> Scan:
    if len(stack) >= _MAX_DEPTH or path in stack:
        return Scan("other")
    try:
        with path.open("rb") as f:
            raw = f.read(_SCAN_BYTES + 1)
    except OSError:
        return Scan("other")
    if len(raw) > _SCAN_BYTES:
        raw = raw[:_SCAN_BYTES]
        complete = False
    else:
        complete = True
    text = raw.decode("latin-1").replace("\r\n", "\n")
    # A comment is a space; keep its line breaks, so a directive continued
    # past a comment's line break reads as a directive and code (no PCH).
    text = _COMMENT_OR_LITERAL.sub(
        lambda m: m[0] if m[0][0] in "\"'" else " " + "\n" * m[0].count("\n"), text
    )
    defines: list[str] = []
    guard: str | None = None  # a guard's "#ifndef G" awaiting its "#define G"
    open_guards = 0
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            continue
        match = _DIRECTIVE.match(line)
        if not match or line.endswith("\\"):
            return Scan("other")
        word, rest = match[1], match[2].strip()
        if guard is not None:
            if word != "define" or rest != guard:
                return Scan("other")
            guard = None
            open_guards += 1
        elif word == "ifndef" and _is_guard(rest):
            guard = rest
        elif word == "endif" and open_guards and not rest:
            open_guards -= 1
        elif word == "pragma" and rest == "once":
            pass
        elif word == "define" and (define := _DEFINE.match(rest)):
            defines.append(f"#define {define[1]} {define[2] or ''}".rstrip())
        elif word == "include" and (name := _INCLUDE.match(rest)):
            quoted = name[2] is not None
            header = name[2] if quoted else name[1]
            folders = (path.parent, *include_dirs) if quoted else include_dirs
            found = next((f / header for f in folders if (f / header).is_file()), None)
            if header == "Python.h":
                # A Python.h of the project's own would be found first.
                return Scan("other" if found else "python", tuple(defines))
            if found is None:
                return Scan("other")  # a system header: it comes before Python.h
            inner = _scan(found, include_dirs, (*stack, path))
            defines += inner.defines
            if inner.stop != "end":
                return Scan(inner.stop, tuple(defines))
        else:
            return Scan("other")
    complete = complete and guard is None and not open_guards
    return Scan("end" if complete else "other", tuple(defines))


def _is_guard(name: str) -> bool:
    # Names of the implementation and of Python's headers may be tested inside
    # Python.h; a guard must be a name of the project's own.
    return bool(re.fullmatch(r"[A-Za-z]\w*", name)) and not name.lower().startswith("py")


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


def driver_args(
    *,
    language: str,
    target: str,
    cpu: str,
    optimize: str,
    python_include_dirs: Sequence[str],
    include_dirs: Sequence[str],
    macros: Sequence[Sequence[str]],
    flags: Sequence[str],
) -> tuple[str, ...]:
    """``zig cc`` arguments giving a PCH the options Zig's build gives a
    source: build.zig's module settings, in the order Zig passes them."""
    args = ["c++" if language == "c++" else "cc", "-target", target, f"-mcpu={cpu}"]
    # -g0: a PCH needs no debug info; it is not among the options clang compares.
    args += [OPTIMIZE_ARGS[optimize], "-fPIC", "-g0"]
    for folder in python_include_dirs:
        args += ["-isystem", folder]
    for folder in include_dirs:
        args += ["-I", folder]
    args += [f"-D{name}={value}" for name, value in macros]
    # Clang compares content rather than modification time when a header was
    # touched (Zig's cache may give back a PCH made before `rm -rf build`).
    args += [*flags, "-fpch-validate-input-files-content"]
    # No warnings: Python's headers are system headers, whose warnings clang
    # drops anyway, and the #defines are the sources' own, which warn there.
    return (*args, "-w", "-x", f"{language}-header")


def user_flags(pch: Path) -> list[str]:
    """The flags of a source compiled with the PCH at ``pch``."""
    return ["-include-pch", str(pch), "-fpch-validate-input-files-content"]


def plan(sources: list[dict[str, Any]], folder: Path) -> list[dict[str, Any]]:
    """Assign PCHs to plan sources; give build.zig's ``precompiled`` list.

    Each source dict (build.zig's ``CSource``) that carries a ``"spec"`` gets
    a ``"pch"`` index when enough others share its spec; ``"spec"`` is removed.
    The PCHs are put in ``folder/pch``.
    """
    users: dict[Spec, list[dict[str, Any]]] = {}
    for source in sources:
        spec = source.pop("spec", None)
        if spec is not None:
            users.setdefault(spec, []).append(source)
    precompiled: list[dict[str, Any]] = []
    for spec, group in sorted(users.items(), key=lambda item: item[0].name):
        if len(group) < MIN_USERS:
            continue
        for source in group:
            source["pch"] = len(precompiled)
        output = f"pch/{spec.name}.pch"
        precompiled.append(
            {
                "args": list(spec.args),
                "header": spec.text,
                "output": output,
                "use": user_flags(folder / output),
            }
        )
    return precompiled


def header_text(defines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in (*defines, "#include <Python.h>"))
