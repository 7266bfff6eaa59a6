"""Finding, keeping and running the Zig compiler of the ``ziglang`` package.

zlig never falls back to a system C compiler: if the pinned Zig is neither
kept in zlig's cache nor installed, the build stops and says what to install.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Callable

from ..runtime.cache import cache_dir
from ..runtime.diagnostics import Report, compiled_sources
from ..runtime.errors import BuildError

#: The Zig zlig is tested with. 0.16 rather than 0.17: on a machine with an
#: empty Zig cache, 0.17's first ``zig build`` spends ~88 s compiling its build
#: runner, 0.16's ~6 s (measured, see README).
ZIG_VERSION = "0.16.0"
ZIG_REQUIREMENT = f"ziglang=={ZIG_VERSION}"

_EXE = "zig.exe" if os.name == "nt" else "zig"


def kept_zig() -> Path | None:
    """The copy of Zig zlig keeps in its cache, if there is one."""
    exe = cache_dir() / f"zig-{ZIG_VERSION}" / _EXE
    # The folder is renamed into place only when complete (see _keep).
    return exe if exe.is_file() else None


def find_zig() -> Path:
    """The Zig to compile with: zlig's kept copy, else the ``ziglang`` package's.

    Build isolation installs ziglang into a fresh, short-lived environment;
    zlig keeps a copy of it (hard links where it can, 0.5 s; a full copy
    takes ~6 s) so that editable installs can rebuild after that environment
    is gone, Zig's caches see the same paths every time, and the next
    isolated build need not install the ~100 MB wheel again (see
    buildapi.get_requires_for_build_wheel).
    """
    kept = kept_zig()
    if kept is not None:
        return kept
    exe = _package_zig()
    try:
        return _keep(exe.parent) / _EXE
    except OSError as error:  # e.g. a read-only home: compile with the package's Zig
        print(f"zlig: warning: cannot keep Zig in {cache_dir()}: {error}", file=sys.stderr)
        return exe


def _package_zig() -> Path:
    """The ``zig`` executable of the installed ``ziglang`` package."""
    spec = importlib.util.find_spec("ziglang")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(
            f"Zig is not installed; zlig compiles with the ziglang package: "
            f"pip install '{ZIG_REQUIREMENT}' (build frontends install it "
            f"automatically unless build isolation is off)"
        )
    from importlib import metadata

    try:
        version = metadata.version("ziglang")
    except metadata.PackageNotFoundError:
        version = "of unknown version"
    if not version.startswith(ZIG_VERSION.rsplit(".", 1)[0] + "."):
        raise BuildError(
            f"zlig needs Zig {ZIG_VERSION}, but ziglang {version} is installed: "
            f"pip install '{ZIG_REQUIREMENT}'"
        )
    exe = Path(spec.submodule_search_locations[0]) / _EXE
    if not exe.is_file():
        raise BuildError(
            f"the ziglang package has no compiler at {exe}; reinstall '{ZIG_REQUIREMENT}'"
        )
    return exe


def _keep(package: Path) -> Path:
    """Copy the ziglang package's folder into zlig's cache; return the copy."""
    dest = cache_dir() / f"zig-{ZIG_VERSION}"
    dest.parent.mkdir(parents=True, exist_ok=True)
    # A temporary name, renamed when complete: a build killed while copying, or
    # another build copying at the same time, never leaves a half Zig behind.
    temp = Path(tempfile.mkdtemp(prefix=f".zig-{ZIG_VERSION}-", dir=dest.parent))
    try:
        shutil.copytree(
            package,
            temp / "zig",
            copy_function=_link_or_copy,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        try:
            os.replace(temp / "zig", dest)
        except OSError:
            if not (dest / _EXE).is_file():  # not simply another build's copy
                raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return dest


def _link_or_copy(source: str, dest: str) -> None:
    try:
        os.link(source, dest)
    except OSError:  # another file system, or links not allowed
        shutil.copy2(source, dest)


#: A long build says how far it is at most this often, in seconds (less often
#: as it goes on), so that a
#: first build (Zig compiling its C runtime for a new target takes minutes)
#: does not look hung.
PROGRESS_EVERY = 5.0


def run(
    args: list[str],
    cwd: Path,
    relative_to: Path,
    *,
    verbose: bool = False,
    include_dirs: Sequence[str] = (),
    progress: Callable[[list[str], float], str] | None = None,
) -> Report:
    """Run a Zig command; raise BuildError with the compiler's diagnostics on failure.

    Quiet (the default), it prints nothing but, every PROGRESS_EVERY seconds
    while Zig runs, ``progress(the C files compiled so far, seconds)``. Verbose,
    it echoes the command and Zig's whole output as it comes. A failure's
    BuildError carries the diagnostics (file names relative to
    ``relative_to``, the project root) or, verbose, nothing more: all was shown.
    """
    if verbose:
        print("+ " + " ".join(shlex.quote(a) for a in args), flush=True)
    start = time.monotonic()
    lines: list[str] = []
    proc = subprocess.Popen(
        args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    )

    def read() -> None:
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                lines.append(line)
                if verbose:
                    print(line, end="", flush=True)
        except (OSError, ValueError):  # closed after an interrupt
            pass

    # A thread reads, so that the main thread can report progress meanwhile.
    reader = threading.Thread(target=read, daemon=True)
    with proc:  # closes the pipe and waits for Zig, whatever happens
        reader.start()
        try:
            due = start + PROGRESS_EVERY
            # The output ends when Zig does. (Joining the reader rather than
            # proc.wait(timeout): that one polls, adding up to 50 ms.)
            while True:
                reader.join(max(0.01, due - time.monotonic()))
                if not reader.is_alive():
                    break
                elapsed = time.monotonic() - start
                if progress is not None and not verbose:
                    print(progress(compiled_sources(lines, str(cwd)), elapsed), flush=True)
                # Less often as it goes on: 5, 10, 15, 20, 27, 35, 47, 63, 84, 112 s, …
                due = start + elapsed + max(PROGRESS_EVERY, elapsed / 3)
            proc.wait()
        except BaseException:  # Ctrl-C, SIGTERM: Zig stops too (as with subprocess.run)
            proc.kill()
            raise
    report = Report("".join(lines).strip(), str(relative_to), include_dirs, str(cwd))
    if proc.returncode != 0:
        raise BuildError(report.summary(proc.returncode), "" if verbose else report.shown())
    if not verbose and report.shown():
        print(report.shown(), flush=True)  # e.g. a linker warning
    return report
