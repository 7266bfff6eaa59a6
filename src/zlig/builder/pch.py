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
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..config.extension import SOURCE_LANGUAGES
from ..runtime.pchscan import python_prefix

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
    local: Callable[[Path], str],
    macros: Sequence[Sequence[str]],
    flags: Sequence[str],
) -> Spec | None:
    """The PCH the source could use (given the options Zig's build gives it:
    build.zig's module settings and its own flags), or None. ``local`` names
    an include folder as the plan does (plan.relative_to_folder)."""
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
        args += ["-I", local(folder)]
    args += [f"-D{name}={value}" for name, value in macros]
    args += [*flags, VALIDATE_CONTENT, "-x", f"{language}-header"]
    text = "".join(f"{line}\n" for line in (*prefix, "#include <Python.h>"))
    return Spec(tuple(args), text)


def user_flags(pch: str) -> list[str]:
    """The flags of a source compiled with the PCH at ``pch`` (from the build folder)."""
    return ["-include-pch", pch, VALIDATE_CONTENT]


def plan(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Assign PCHs to plan sources; give build.zig's ``precompiled`` list.

    Each source dict (build.zig's ``CSource``) that carries a ``"spec"`` gets
    a ``"pch"`` index when enough others share its spec; ``"spec"`` is removed.
    The PCHs are put in the build folder's ``pch``.
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
                "use": user_flags(output),
            }
        )
    return precompiled
