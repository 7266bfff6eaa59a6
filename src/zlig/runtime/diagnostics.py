"""Zig's output, sorted for people: the compiler's diagnostics first, Zig's internals on request.

A failed ``zig build`` prints the compiler's diagnostics (``file:line:col:
error: …``, the source line, the caret, notes) among its own internals: the
step tree, a ``failed command:`` line of 1,500 characters per failed step and
the build runner's command line. Users need the first; the rest is shown only
with verbose output. With ``--verbose-cc`` (see zig_build_command) Zig also
names every C file it compiled rather than found in its cache, which gives the
build summary its counts.

Standard library only, and cheap to import: the editable loader ships a copy
of this module and uses it when a rebuild fails.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

#: At most this many failing files are shown; verbose output shows them all.
MAX_FILES = 10

_HEADER = re.compile(
    r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): "
    r"(?P<severity>fatal error|error|warning|note): (?P<message>.*)$"
)
#: Zig's own lines: the step tree, counts, failed commands, the summary.
_INTERNAL = re.compile(
    r"^(?:install(?: .*)?|[ |]*\+- .*|error: \d+ compilation errors?|failed command: .*"
    r"|error: process exited with error code \d+|Build Summary: .*"
    r"|error: the following command (?:exited|terminated|failed).*"
    # With --verbose-cc, Zig names each MinGW-w64 .def file it makes an import
    # library of (the first Windows build).
    r"|\s*def file: .*|\s*include dir: .*)$"
)
#: Followed by the build runner's own command line.
_RUNNER = re.compile(r"^error: the following build command (?:failed|crashed|terminated)")
#: ``--verbose-cc``: the clang command of a C file Zig compiled.
_VERBOSE_CC = re.compile(r"^\s*(?:error: )?\S*zig(?:\.exe)? clang (?P<source>\S+) ")
_MISSING_LIBRARY = re.compile(r"unable to find dynamic system library '([^']*)'")
_MISSING_HEADER = re.compile(r"'([^']+)' file not found")
_REDEFINED = re.compile(r"'(_POSIX_C_SOURCE|_XOPEN_SOURCE|PY_SSIZE_T_CLEAN)' macro redefined")

#: Compiler messages that zlig explains, with the way out.
_EXPLAINED = {
    "expansion of date or time macro is not reproducible": (
        "__DATE__, __TIME__ and __TIMESTAMP__ make every build different, so Zig refuses "
        "them (-Werror=date-time): remove them, define them yourself (define-macros), or "
        'allow them with extra-compile-args = ["-Wno-date-time"], which takes the date from '
        "SOURCE_DATE_EPOCH if it is set (and otherwise makes builds non-reproducible)"
    ),
}
_PYTHON_FIRST = (
    "Python.h must be included before any standard header: it sets {0} for the whole "
    "file (Python's C API documentation says so); move #include <Python.h> up"
)


class Diagnostic:
    """One compiler diagnostic (an error or warning with its source line, caret and notes)."""

    def __init__(self, header: re.Match[str]) -> None:
        self.file = header["file"]
        self.position = f"{header['file']}:{header['line']}:{header['col']}"
        self.severity = "error" if header["severity"] == "fatal error" else header["severity"]
        self.message = header["message"]
        #: As the compiler printed them, file names relative to the project.
        self.lines = [header[0]]


class Report:
    """Zig's output taken apart; file names relative to ``root`` (the project)."""

    def __init__(
        self, output: str, root: str, include_dirs: Sequence[str] = (), cwd: str = ""
    ) -> None:
        self.output = output
        self.root = root.rstrip("/") + "/"
        #: Where Zig ran (the build folder), which the plan names files from.
        self.cwd = cwd
        #: The project as named from there (plan.relative_to_folder), e.g. ``../../../``.
        self._from_cwd = re.compile(
            r"(?<![\w./-])" + re.escape(os.path.relpath(root, cwd) + "/") if cwd else r"(?!)"
        )
        #: The project's include folders (for the hint when a header is not found).
        self.include_dirs = list(include_dirs)
        self.diagnostics: list[Diagnostic] = []
        #: Zig's own messages that are not a compiler's, e.g. a library not found.
        self.messages: list[str] = []
        #: Sources Zig compiled rather than took from its cache (``--verbose-cc``).
        self.compiled: list[str] = []
        self._parse()

    def _parse(self) -> None:
        current: list[str] | None = None
        skip_next = False
        for raw in self.output.splitlines():
            line = self.relative(raw.rstrip())
            if skip_next:
                skip_next = False
                continue
            if _VERBOSE_CC.match(raw):
                self.compiled += compiled_sources([raw], self.cwd)
                current = None
            elif _RUNNER.match(line):
                skip_next, current = True, None
            elif not line.strip() or _INTERNAL.match(line):
                current = None
            elif (header := _HEADER.match(line)) is not None:
                if header["severity"] == "note" and self.diagnostics and current is not None:
                    current.append(line)
                    continue
                diagnostic = Diagnostic(header)
                self.diagnostics.append(diagnostic)
                current = diagnostic.lines
            elif current is not None:
                current.append(line)  # the source line, the caret, a fix-it
            else:
                # "error: error: unable to find …" is the linker's own "error: …".
                self.messages.append(re.sub(r"^error: (error: )?", "error: ", line.strip()))
                current = self.messages if line.startswith("error:") else None

    def relative(self, text: str) -> str:
        return self._from_cwd.sub("", text.replace(self.root, ""))

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    def failing_files(self) -> list[str]:
        return list(dict.fromkeys(d.file for d in self.errors))

    def shown(self, limit: int = MAX_FILES) -> str:
        """What users see: each failing file's diagnostics, Zig's own messages
        and zlig's notes; at most ``limit`` files."""
        files = self.failing_files()
        keep = set(files[:limit])
        lines: list[str] = []
        for diagnostic in self.diagnostics:
            if diagnostic.file in keep or diagnostic.severity == "warning" and not files:
                lines += diagnostic.lines
                lines += [f"zlig: note: {n}" for n in self._notes(diagnostic)]
        lines += self.messages
        if len(files) > limit:
            lines.append(
                f"zlig: {len(files) - limit} more files failed to compile: "
                f"{', '.join(files[limit:])} (verbose output shows their errors)"
            )
        return "\n".join(lines)

    def _notes(self, diagnostic: Diagnostic) -> list[str]:
        """zlig's explanations of a diagnostic, shown after it."""
        redefined = _REDEFINED.search(diagnostic.message)
        if redefined:
            return [_PYTHON_FIRST.format(redefined[1])]
        if _MISSING_HEADER.fullmatch(diagnostic.message):
            given = ", ".join(
                self.relative(d.rstrip("/") + "/").rstrip("/") or "." for d in self.include_dirs
            )
            dirs = f"include-dirs {given}" if given else "no include-dirs given"
            return [
                f"searched the including file's folder, {dirs}, Python's and the C "
                "library's headers; add the folder that holds it to include-dirs"
            ]
        return []

    def summary(self, returncode: int) -> str:
        """One line: the first compiler error as ``file:line:col: message`` (with
        zlig's explanation, if it has one), or Zig's first error."""
        errors = self.errors
        if errors:
            first = errors[0]
            text = f"{first.position}: {self.explain(first.message)}"
            # The same message twice on one line (__DATE__ and __TIME__) is one problem.
            distinct = {(e.file, e.position.split(":")[-2], e.message) for e in errors}
            more = len(distinct) - 1
            if more:
                files = len(self.failing_files())
                where = f" in {files} files" if files > 1 else ""
                text += f" (and {more} more error{'s' if more > 1 else ''}{where})"
            return text
        for message in self.messages:
            if message.startswith("error:"):
                return self.explain(message.removeprefix("error:").strip())
        return f"zig exited with status {returncode}"

    def explain(self, message: str) -> str:
        if message in _EXPLAINED:
            return _EXPLAINED[message]
        library = _MISSING_LIBRARY.search(message)
        if library:
            return (
                f"cannot link library {library[1]!r}: not found in library-dirs (zlig "
                "searches no system folder: a wheel must not depend on this machine's "
                "libraries); add its folder to library-dirs or remove it from libraries"
            )
        redefined = _REDEFINED.search(message)
        if redefined:
            return f"{message}: {_PYTHON_FIRST.format(redefined[1])}"
        return message


def compiled_sources(lines: Iterable[str], cwd: str = "") -> list[str]:
    """The C files Zig says (``--verbose-cc``) it compiled, in these lines of
    its output; absolute when given ``cwd``, where Zig ran."""
    names = [m["source"] for m in map(_VERBOSE_CC.match, lines) if m]
    return [os.path.normpath(os.path.join(cwd, n)) for n in names] if cwd else names


def include_dirs(build_folder: str) -> list[str]:
    """The include folders of the build folder's plan (for the missing-header hint)."""
    import json

    try:
        with open(os.path.join(build_folder, "plan.json"), encoding="utf-8") as f:
            plan = json.load(f)
        folders = [d for ext in plan["extensions"] for d in ext["include_dirs"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return list(dict.fromkeys(str(d) for d in folders))
