"""Finding and running the Zig compiler from the ``ziglang`` package.

zlig never falls back to a system C compiler: if the pinned Zig is not
installed, the build stops and says what to install.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import shlex
import subprocess
from pathlib import Path

from .errors import BuildError

#: The Zig zlig is tested with. 0.16 rather than 0.17: on a machine with an
#: empty Zig cache, 0.17's first ``zig build`` spends ~88 s compiling its build
#: runner, 0.16's ~6 s (measured, see README).
ZIG_VERSION = "0.16.0"
ZIG_REQUIREMENT = f"ziglang=={ZIG_VERSION}"

_DIAGNOSTIC = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+):(?P<col>\d+): error: (?P<msg>.*)$")
#: Compiler errors that zlig explains, with the way out.
_EXPLAINED = {
    "expansion of date or time macro is not reproducible": (
        "__DATE__, __TIME__ and __TIMESTAMP__ make every build different, so Zig refuses "
        "them (-Werror=date-time): remove them, define them yourself (define-macros), or "
        'allow them with extra-compile-args = ["-Wno-date-time"], which takes the date from '
        "SOURCE_DATE_EPOCH if it is set (and otherwise makes builds non-reproducible)"
    ),
}


def find_zig() -> Path:
    """The ``zig`` executable of the installed ``ziglang`` package."""
    spec = importlib.util.find_spec("ziglang")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError(
            f"Zig is not installed; zlig compiles with the ziglang package: "
            f"pip install '{ZIG_REQUIREMENT}' (build frontends install it "
            f"automatically unless build isolation is off)"
        )
    try:
        version = importlib.metadata.version("ziglang")
    except importlib.metadata.PackageNotFoundError:
        version = "of unknown version"
    if not version.startswith(ZIG_VERSION.rsplit(".", 1)[0] + "."):
        raise BuildError(
            f"zlig needs Zig {ZIG_VERSION}, but ziglang {version} is installed: "
            f"pip install '{ZIG_REQUIREMENT}'"
        )
    exe = Path(spec.submodule_search_locations[0]) / ("zig.exe" if os.name == "nt" else "zig")
    if not exe.is_file():
        raise BuildError(
            f"the ziglang package has no compiler at {exe}; reinstall '{ZIG_REQUIREMENT}'"
        )
    return exe


def run(args: list[str], cwd: Path, relative_to: Path) -> str:
    """Run a Zig command, echoing it; raise BuildError with its diagnostics on failure.

    ``relative_to`` shortens file names in diagnostics (the project root).
    """
    print("+ " + " ".join(shlex.quote(a) for a in args), flush=True)
    result = subprocess.run(
        args,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    )
    output = result.stdout.strip()
    if result.returncode != 0:
        raise BuildError(_summary(output, relative_to, result.returncode), output)
    if output:
        print(output, flush=True)
    return output


def _summary(output: str, root: Path, returncode: int) -> str:
    """The first compiler error as ``file:line:col: message``, or Zig's first error line."""
    for line in output.splitlines():
        match = _DIAGNOSTIC.match(line.strip())
        if match:
            file = match["file"]
            try:
                file = Path(file).resolve().relative_to(root).as_posix()
            except ValueError:
                pass
            message = _EXPLAINED.get(match["msg"], match["msg"])
            return f"{file}:{match['line']}:{match['col']}: {message}"
    for line in output.splitlines():
        if "error:" in line:
            return line.strip()
    return f"zig exited with status {returncode}"
