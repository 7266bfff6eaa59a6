"""The loader of editable installs, and how zlig runs ``zig build``.

An editable wheel carries a copy of this file (it must work with the standard
library alone: zlig itself is usually gone with the isolated build
environment) and a ``.pth`` line that calls :func:`install`. The finder it
installs serves the project's extension modules from zlig's build folder and,
the first time one is imported in a process, rebuilds them with Zig if any
source, header or pyproject.toml changed since the last build. The check
stats the watched folders' files; Zig's cache then decides what to recompile.

zlig's own build (zig.py, compile.py) uses the same command, lock and
diagnostics, so an editable rebuild is exactly a wheel build's compile step.
"""

from __future__ import annotations

import os
import sys

# Every Python start-up imports this module (from the .pth file): keep the
# imports cheap. hashlib, importlib.util, subprocess, re, typing and friends
# load only when needed.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import importlib.machinery
    import types
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import Any

#: Files whose change triggers a rebuild: sources and headers.
WATCHED_SUFFIXES = frozenset(
    ".c .cc .cpp .cxx .c++ .zig .h .hh .hpp .hxx .inc .inl .ipp .tcc .def .pyx .pxd .pxi".split()
)
#: Of those, the files that other files include (textually or by cimport).
#: In a watched folder, a source counts by its name (a new or removed one is a
#: change); its size and time count where it is among the fingerprint's own
#: files, so that editing one extension's source leaves another's as it was.
INCLUDED_SUFFIXES = frozenset(".h .hh .hpp .hxx .inc .inl .ipp .tcc .def .pxd .pxi".split())
STAMP = "editable-stamp.txt"
#: The folder of the stamp C files, ``<extension name>.c``, that carry each
#: extension's inputs' fingerprint into its compile steps.
STAMP_FOLDER = "inputs"


def zig_build_command(
    zig: Path | str, out: Path | str, *, pch: bool, verbose: bool = False
) -> list[str]:
    """``zig build`` of the build folder's plan, installing into ``out``;
    ``pch``: with the plan's precompiled headers (see zlig/pch.py; an
    editable rebuild leaves them out when an edit made one inapplicable, see
    pch_still_usable); ``verbose``: with Zig's tree of steps and the time
    each took.

    ``--verbose-cc`` makes Zig name each C file it compiles rather than takes
    from its cache (zlig counts them; it does not change what is cached).

    Zig's global cache also serves as the local one. Zig 0.16 puts the
    compiled build runner in the local cache: with a local cache in the build
    folder, every build after ``rm -rf build`` (or of a fresh sdist, which pip
    unpacks in a new folder) spent ~4 s compiling it again. Compiled objects
    are keyed by content and flags; the plan names the project's files from
    the build folder (plan.relative_to_folder), so a copy of the project in
    another folder finds them too.
    """
    args = [str(zig), "build", "-Dplan=plan.json", f"-Dpch={str(pch).lower()}"]
    args += ["--prefix", str(out), f"-j{jobs()}", "--verbose-cc"]
    summary = "all" if verbose else "none"
    return [*args, "--cache-dir", zig_cache_dir(), "--color", "off", "--summary", summary]


def jobs() -> int:
    """How many steps Zig runs at once: ``$ZLIG_JOBS``, else one more than the
    usable CPUs. With as many as the CPUs (Zig's default), parts of each step
    are spent waiting: 64 files in 9 groups took 6.2 s with -j2, 4.9 s with -j3
    on 2 cores (benchmarks/README.md)."""
    value = os.environ.get("ZLIG_JOBS")
    if value is not None:
        if not (value.isdigit() and int(value) > 0):
            raise ValueError(f"ZLIG_JOBS must be a whole number of at least 1, not {value!r}")
        return int(value)
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return cpus + 1


def zig_cache_dir() -> str:
    """Zig's global cache, found as Zig finds it (``std.zig.introspect``)."""
    if os.environ.get("ZIG_GLOBAL_CACHE_DIR"):
        return os.environ["ZIG_GLOBAL_CACHE_DIR"]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "zig")


def _companion(name: str, suffix: str) -> Any:
    """zlig's module ``name``; in an editable wheel, its copy beside this
    one, ``<this module>_<suffix>`` (editable.loader_files writes them)."""
    import importlib

    if __package__:
        return importlib.import_module(f"{__package__}.{name}")
    return importlib.import_module(f"{__name__}_{suffix}")


def cython_runner() -> Any:
    return _companion("cython_runner", "cython")


def pchscan() -> Any:
    return _companion("pchscan", "pchscan")


def pch_still_usable(checks: Sequence[Sequence[Any]]) -> bool:
    """Whether every source planned with a precompiled Python.h still leads
    straight to its ``#include <Python.h>`` through the same ``#define``s
    (see editable.pch_checks)."""
    if not checks:
        return True
    from pathlib import Path

    scan = pchscan()
    return all(
        scan.python_prefix(Path(path), [Path(d) for d in dirs], names) == tuple(prefix)
        for path, dirs, names, prefix in checks
    )


def hook_runner() -> str:
    """The file that runs the before-build hooks as a script: zlig's
    hook_context.py, or in an editable wheel its copy beside this one."""
    folder = os.path.dirname(os.path.abspath(__file__))
    if __package__:
        return os.path.join(folder, "hook_context.py")
    return os.path.join(folder, __name__ + "_hooks.py")


def diagnostics() -> Any:
    return _companion("diagnostics", "diagnostics")


def is_verbose() -> bool:
    return any(
        os.environ.get(name, "") not in ("", "0", "false")
        for name in ("ZLIG_VERBOSE", "ZLIG_EDITABLE_VERBOSE")
    )


class locked:
    """Hold the build folder's lock: one build at a time per folder.

    (A class rather than a contextlib generator: contextlib is one more
    import at every start-up.)
    """

    def __init__(self, folder: Path) -> None:
        self.path = os.path.join(folder, ".lock")
        self.fd = -1

    def __enter__(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows, which zlig does not support yet
            return
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc_info: object) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # closing releases the lock
            self.fd = -1


def fingerprint(folders: Sequence[str], files: Sequence[str]) -> str:
    """A digest of the names, sizes and modification times of ``files`` and
    of the headers in ``folders``, and of the names of the other files there:
    whether an editable install must rebuild (cheap: no file is read)."""
    import hashlib

    digest = hashlib.sha256()
    for path in files:
        digest.update(stat_line(path).encode("utf-8", "surrogateescape"))
    for folder in folders:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            digest.update(f"{folder} missing\n".encode("utf-8", "surrogateescape"))
            continue
        for entry in entries:
            suffix = os.path.splitext(entry.name)[1]
            if suffix in INCLUDED_SUFFIXES:
                digest.update(stat_line(entry.path).encode("utf-8", "surrogateescape"))
            elif suffix in WATCHED_SUFFIXES:
                digest.update(f"{entry.path}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def stamp(folders: Sequence[str], files: Sequence[str], root: str) -> str:
    """An extension's stamp (see write_stamp_sources): a digest of the
    contents of its inputs (``files``: its sources and the headers they
    include) and of the names of the other watched files in ``folders``.

    Zig's cache keys hold the stamp. Files are named from ``root``, the
    project, and read rather than stat'ed, so that every copy of the project
    (another clone, an unpacked sdist, with other paths and times) has the
    same stamps, and finds its objects in Zig's cache. A header edit changes
    only the stamps of the extensions whose sources include it (a header
    found by neither scan nor include folder, e.g. named by a macro, is still
    followed by Zig's own cache)."""
    import hashlib

    digest = hashlib.sha256()
    for path in files:
        try:
            with open(path, "rb") as f:
                content = hashlib.sha256(f.read()).hexdigest()
        except OSError:
            content = "missing"
        name = os.path.relpath(path, root)
        digest.update(f"{name} {content}\n".encode("utf-8", "surrogateescape"))
    for folder in folders:
        try:
            names = sorted(e.name for e in os.scandir(folder))
        except OSError:
            names = ["missing"]
        for name in names:
            if os.path.splitext(name)[1] in WATCHED_SUFFIXES:
                path = os.path.relpath(os.path.join(folder, name), root)
                digest.update(f"{path}\n".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def stamp_source(folder: Path | str, extension: str) -> str:
    """The stamp C file of an extension (see write_stamp_sources)."""
    return os.path.join(folder, STAMP_FOLDER, f"{extension}.c")


def write_stamp_sources(folder: Path | str, digests: Mapping[str, str]) -> None:
    """Put each build step's inputs' digest (``stamp``) in its stamp C file,
    ``inputs/<extension>.c`` or ``inputs/<extension>.part<N>.c``.

    Zig 0.16 skips a step whose own cache entry is unchanged, and that entry
    lists the headers of only the C files compiled in the run that wrote it:
    after one file is rebuilt, a change to a header of another file would go
    unseen. When a step's inputs changed, its stamp changes, its entry
    misses, and Zig checks each object against its own, complete entry.
    Other steps keep their stamps: no compile; other extensions: no link.
    """
    os.makedirs(os.path.join(folder, STAMP_FOLDER), exist_ok=True)
    for step, digest in digests.items():
        path = stamp_source(folder, step)
        text = f"/* zlig: fingerprint of {step}'s inputs */\n/* {digest} */\n"
        try:
            with open(path, encoding="utf-8") as f:
                if f.read() == text:
                    continue
        except OSError:
            pass
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def stat_line(path: str) -> str:
    try:
        st = os.stat(path)
    except OSError:
        return f"{path} missing\n"
    return f"{path} {st.st_size} {st.st_mtime_ns}\n"


class EditableFinder:
    """Finds the project's extension modules in zlig's build folder."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.extensions: dict[str, str] = config["extensions"]
        self.checked = False

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        output = self.extensions.get(fullname)
        if output is None:
            return None
        import importlib.util

        if not self.checked:
            self.checked = True  # once per process, as meson-python does
            if self.config["rebuild"]:
                self.rebuild(fullname)
        return importlib.util.spec_from_file_location(fullname, output)

    def rebuild(self, fullname: str) -> None:
        """Run Zig if a watched file changed since the last build."""
        config = self.config
        folder = config["build_folder"]
        verbose = is_verbose()
        current = fingerprint(config["folders"], config["files"])
        stamp_file = os.path.join(folder, STAMP)
        try:
            with open(stamp_file, encoding="utf-8") as f:
                if f.read() == current:
                    if verbose:
                        print(f"zlig: {config['name']} is up to date", file=sys.stderr)
                    return
        except OSError:
            pass
        # Something changed: now the imports a rebuild needs are worth it.
        import subprocess

        zig = self.find_zig(fullname)
        with locked(folder):
            if config.get("hooks"):
                self.run_hooks(fullname, verbose)
            if config.get("cython"):
                self.translate(fullname, verbose)
            # After the hooks: a generated source is checked as it now is.
            pch = pch_still_usable(config.get("pch", ()))
            try:
                args = zig_build_command(zig, config["out"], pch=pch, verbose=verbose)
            except ValueError as e:  # $ZLIG_JOBS
                raise ImportError(f"zlig: {e}") from None
            if verbose:
                print("+ " + " ".join(args), file=sys.stderr, flush=True)
            stamps = {
                name: stamp(inputs[0], inputs[1], config["root"])
                for name, inputs in config["stamps"].items()
            }
            write_stamp_sources(folder, stamps)
            result = subprocess.run(
                args,
                cwd=folder,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
            )
        output = result.stdout.strip()
        if result.returncode != 0:
            found = diagnostics()
            report = found.Report(output, config["root"], found.include_dirs(folder), folder)
            # The compiler's diagnostics; Zig's internals only when verbose.
            details = output if verbose else report.shown()
            raise ImportError(
                f"zlig: rebuilding {fullname} failed: {report.summary(result.returncode)}"
                + (f"\n{details}" if details else ""),
                name=fullname,
            )
        if verbose and output:
            print(output, file=sys.stderr)
        with open(stamp_file, "w", encoding="utf-8") as f:
            f.write(current)
        if stat_line(config["pyproject"]) != config["pyproject_stat"]:
            print(
                f"zlig: {config['pyproject']} changed since {config['name']} was installed; "
                "if you changed [tool.zlig], install it again (pip install -e .)",
                file=sys.stderr,
            )

    def run_hooks(self, fullname: str, verbose: bool) -> None:
        """Run the before-build hooks in a subprocess of this Python: never
        in the importing process, which has its own modules and state."""
        import json
        import subprocess

        args = [sys.executable, hook_runner()]
        if verbose:
            print(f"+ {args[0]} {args[1]} (before-build hooks)", file=sys.stderr, flush=True)
        # The job on stdin: a project's list of sources may be longer than
        # one command-line argument may be.
        result = subprocess.run(
            args,
            cwd=self.config["root"],
            input=json.dumps(self.config["hooks"]),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        output = result.stdout.rstrip()
        if result.returncode != 0:
            lines = output.splitlines()
            line = lines[-1] if lines else f"exit status {result.returncode}"
            raise ImportError(
                f"zlig: rebuilding {fullname} failed: {line.removeprefix('zlig: error: ')}"
                + (f"\n{output}" if output else ""),
                name=fullname,
            )
        if output:
            print(output, file=sys.stderr)

    def translate(self, fullname: str, verbose: bool) -> None:
        """Run Cython (in subprocesses of this Python) on the .pyx files whose
        inputs changed; this process never imports it."""
        import importlib.metadata

        config = self.config
        try:
            version = importlib.metadata.version("Cython")
        except importlib.metadata.PackageNotFoundError:
            raise ImportError(
                f"zlig: cannot rebuild {fullname}: its .pyx sources need Cython, which is "
                f"not installed here: pip install '{config['cython_requires']}'",
                name=fullname,
            ) from None
        runner = cython_runner()
        pending = runner.pending(config["cython"], version, config["root"])
        if not pending:
            return
        results = runner.run(pending, config["root"], verbose, sys.stderr)
        for job, result in zip(pending, results):
            output = (result.stdout + result.stderr).rstrip()
            if result.returncode != 0:
                line = runner.error_line(output) or f"Cython failed on {job['pyx']}"
                raise ImportError(
                    f"zlig: rebuilding {fullname} failed: {line}\n{output}", name=fullname
                )
            if output:
                print(output, file=sys.stderr)
            with open(job["output"] + ".stamp", "w", encoding="utf-8") as f:
                f.write(runner.stamp(job, version, config["root"], result.read) or "")

    def find_zig(self, fullname: str) -> str:
        """The Zig kept when installing, else the ``ziglang`` of this environment."""
        kept: str = self.config["zig"]
        if os.path.isfile(kept):
            return kept
        import importlib.metadata
        import importlib.util

        version: str = self.config["zig_version"]
        spec = importlib.util.find_spec("ziglang")
        if spec is not None and spec.submodule_search_locations:
            try:
                found = importlib.metadata.version("ziglang")
            except importlib.metadata.PackageNotFoundError:
                found = ""
            exe = os.path.join(spec.submodule_search_locations[0], os.path.basename(kept))
            if found == version and os.path.isfile(exe):
                return exe
        raise ImportError(
            f"zlig: cannot rebuild {fullname}: the Zig it was built with ({kept}) is gone; "
            f"pip install 'ziglang=={version}' into this environment, or install "
            f"{self.config['name']} again (pip install -e .)",
            name=fullname,
        )


def install(config: dict[str, Any]) -> None:
    """Put the finder first on ``sys.meta_path`` (called from the wheel's .pth)."""
    sys.meta_path.insert(0, EditableFinder(config))
