"""One benchmark build: prepare the project for the mode, run the frontend
(timed, with its peak memory), and check what it built.

Imports nothing of zlig at the top: run.py imports it before it has re-run
itself in the benchmark's venv.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import editable
import measure

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH = ROOT / ".cache" / "bench"
VENV = BENCH / "venv"
WHEELS = BENCH / "wheels"
UV_CACHE = BENCH / "uv-cache"
#: Set in the re-run inside the venv.
CHILD = "BENCHMARK_IN_ITS_VENV"

#: The backends' names, as in the results (report.py's constants).
MESON = "meson-python"
#: Config settings each backend is given, by every frontend: meson-python's
#: documentation recommends a persistent build folder for rebuilds (its default
#: is a temporary one); scikit-build-core's is set in its pyproject.toml.
CONFIG_SETTINGS = {MESON: ["-Cbuild-dir=build"]}


@dataclass(frozen=True)
class Mode:
    description: str
    #: "build": python -m build --wheel --no-isolation; "build-iso": python -m
    #: build --wheel; "uv": uv build --wheel; "sdist": python -m build
    #: --no-isolation (sdist, then the wheel from it); "editable": pip install
    #: -e . --no-build-isolation; "import": python -c "import <first extension>"
    #: in that editable install.
    frontend: str
    #: Before each build: "clean" (remove build/ and dist/), "fresh" (clean, and
    #: every source changed, so no object is in any cache), "keep", "newpath"
    #: (a clean copy in a new folder), "cold" (clean, with empty Zig and zlig
    #: caches), "wheel" (a wheel build first, untimed; the editable install removed).
    prepare: str
    #: What is changed before each build: "" (nothing), "source" (the largest
    #: source of the first extension), "header", "pxd" (the case's).
    edits: str = ""


@dataclass(frozen=True)
class Expect:
    """What every build of a case's project must hold."""

    #: The extension modules (dotted names) each wheel must contain.
    extensions: frozenset[str]
    #: The module imported after an edit in an editable install.
    module: str
    distribution: str


@dataclass(frozen=True)
class Edit:
    """The file an edit changes (relative to the project), and how many
    extensions must hold the edit afterwards."""

    path: Path
    users: int


def build_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of every build: offline, from the wheelhouse only."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ZLIG_", "UV_", "PIP_"))
        # PYTHONDONTWRITEBYTECODE (set on some CI machines) would make every
        # backend compile its modules from source on every build; users' don't.
        and k not in ("VIRTUAL_ENV", CHILD, "PYTHONDONTWRITEBYTECODE")
    }
    env.update(
        # The venv's tools (ninja, cmake, cython, meson) for the peers too.
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(WHEELS),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        UV_CACHE_DIR=str(UV_CACHE),
        UV_PYTHON_DOWNLOADS="never",
        UV_FIND_LINKS=str(WHEELS),
    )
    env.update(extra or {})
    return env


def command(frontend: str, settings: list[str]) -> list[str]:
    """A wheel build's command; ``settings`` are config settings (``-Ckey=value``)."""
    python = sys.executable
    if frontend == "build":
        return [
            python,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            *settings,
            "--outdir",
            "dist",
            ".",
        ]
    if frontend == "sdist":
        return [python, "-m", "build", "--no-isolation", *settings, "--outdir", "dist", "."]
    if frontend == "build-iso":
        return [python, "-m", "build", "--wheel", *settings, "--outdir", "dist", "."]
    uv = str(Path(python).parent / "uv")
    # uv has no environment variable for --no-index: without it, every build
    # asks PyPI about each build requirement.
    args = ["build", "--wheel", "--no-config", "--no-index", "--python", python]
    return [uv, *args, *settings, "--out-dir", "dist", "."]


def clean(project: Path) -> None:
    for name in ("build", "dist"):
        shutil.rmtree(project / name, ignore_errors=True)
    # cythonize() writes its C beside each .pyx: a clean build starts without it.
    for pyx in project.rglob("*.pyx"):
        for generated in (pyx.with_suffix(".c"), pyx.with_suffix(".cpp")):
            generated.unlink(missing_ok=True)
    for info in [*project.glob("*.egg-info"), *project.glob("src/*.egg-info")]:
        shutil.rmtree(info)


@contextmanager
def caches(cold: bool) -> Iterator[dict[str, str]]:
    """Nothing, or empty Zig and zlig caches for a first build."""
    if not cold:
        yield {}
        return
    with tempfile.TemporaryDirectory(prefix="zig-cache-", dir=BENCH) as zig:
        with tempfile.TemporaryDirectory(prefix="zlig-cache-", dir=BENCH) as zlig:
            yield {"ZIG_GLOBAL_CACHE_DIR": zig, "ZLIG_CACHE_DIR": zlig}


def holding(wheel: Path, marker: bytes) -> list[str]:
    """The wheel's extensions whose binary contains ``marker``."""
    with zipfile.ZipFile(wheel) as zf:
        return [
            name
            for name in zf.namelist()
            if name.endswith((".so", ".pyd")) and marker in zf.read(name)
        ]


def extension_modules(wheel: Path) -> set[str]:
    """The dotted names of the wheel's extension modules."""
    with zipfile.ZipFile(wheel) as zf:
        names = [n for n in zf.namelist() if n.endswith((".so", ".pyd"))]
    return {n.split(".", 1)[0].replace("/", ".") for n in names}


class BuildFailed(SystemExit):
    """A build failed or built the wrong thing: the benchmark stops."""


class Runner:
    def __init__(self, work: Path, log: Path) -> None:
        self.work = work
        self.log = log
        self.edits = 0
        self.moves = 0
        self.originals: dict[Path, str] = {}

    def edit(self, path: Path) -> bytes:
        """Change one source file's code, so that it must be compiled again;
        return the bytes that the extensions built from it must now hold."""
        if path not in self.originals:
            self.originals[path] = path.read_text(encoding="utf-8")
        self.edits += 1
        marker = f"zlig-bench-edit-{self.edits}"
        # A string the compiler and the linker keep (used, retain: no --gc-sections
        # drops it), found in the built binary.
        name = f"zlig_bench_edit_{self.edits}"
        c = f'__attribute__((used, retain)) static const char {name}[] = "{marker}";'
        if path.suffix in (".pyx", ".pxd"):  # Cython's verbatim C
            code = f'\ncdef extern from *:\n    """\n    {c}\n    """\n'
        else:
            code = f"\n{c}\n"
        # setuptools and Cython compare modification times: an edit in the
        # same second as the last build must still look newer than its output.
        time.sleep(1.1)
        path.write_text(self.originals[path] + code, encoding="utf-8")
        return marker.encode()

    def renew(self, project: Path) -> None:
        """Change every source (a comment), so that no cache has its object."""
        from zlig.archives.files import generated_by_cython  # the benchmark's venv has zlig

        self.edits += 1
        for path in project.rglob("*"):
            if (
                path.suffix in (".c", ".cc", ".cpp", ".cxx", ".pyx")
                and "build" not in path.relative_to(project).parts
                and not generated_by_cython(path)
            ):
                text = self.originals.setdefault(path, path.read_text(encoding="utf-8"))
                n = self.edits
                comment = f"# fresh {n}" if path.suffix == ".pyx" else f"/* fresh {n} */"
                path.write_text(f"{text}\n{comment}\n", encoding="utf-8")

    def _run(self, args: list[str], cwd: Path, env: dict[str, str]) -> measure.Measured:
        with self.log.open("a", encoding="utf-8") as log:
            log.write(f"\n### {cwd.name} in {cwd.parent.name}: {' '.join(args)}\n")
            log.flush()
            return measure.run(args, cwd, env, log)

    def _failed(self, args: list[str], cwd: Path, why: str = "") -> BuildFailed:
        tail = "\n".join(self.log.read_text(encoding="utf-8").splitlines()[-30:])
        return BuildFailed(
            f"benchmark: {why or 'build failed'} ({' '.join(args)} in {cwd}):\n{tail}"
        )

    def _checked(self, args: list[str], cwd: Path, env: dict[str, str]) -> measure.Measured:
        result = self._run(args, cwd, env)
        if result.returncode != 0:
            raise self._failed(args, cwd)
        return result

    def environment(self, backend: str) -> Path:
        """The python of the backend's own environment for editable installs."""
        slug = "".join(c if c.isalnum() else "-" for c in backend)
        return editable.environment(self.work / "envs" / slug)

    def install_editable(self, backend: str, project: Path, expect: Expect) -> measure.Measured:
        """``pip install -e .`` (after removing an earlier one, untimed), checked
        by importing the module."""
        python = self.environment(backend)
        env = build_env()
        self._checked(editable.uninstall_command(python, expect.distribution), project, env)
        args = editable.install_command(python, CONFIG_SETTINGS.get(backend, []))
        result = self._checked(args, project, env)
        self.imported(backend, expect.module, b"")
        return result

    def imported(self, backend: str, module: str, marker: bytes) -> measure.Measured:
        """Import the module in the backend's editable install; the file it was
        loaded from must hold ``marker``."""
        python = self.environment(backend)
        loaded_from = self.work / "envs" / "loaded-from.txt"
        loaded_from.unlink(missing_ok=True)
        args = editable.import_command(python, module, loaded_from)
        result = self._checked(args, self.work, build_env())
        binary = Path(loaded_from.read_text(encoding="utf-8"))
        if marker and marker not in binary.read_bytes():
            why = f"{module} was loaded from {binary}, which lacks {marker.decode()}"
            raise self._failed(args, self.work, why)
        return result

    def build(
        self, backend: str, project: Path, mode: Mode, expect: Expect, edit: Edit | None
    ) -> measure.Measured:
        """Prepare the project for the mode, build; return the measurement.
        After an edit, the build must hold it (in as many extensions as use the file)."""
        settings = CONFIG_SETTINGS.get(backend, [])
        if mode.prepare in ("clean", "cold", "fresh"):
            clean(project)
        else:
            shutil.rmtree(project / "dist", ignore_errors=True)
        if mode.prepare == "fresh":
            self.renew(project)
        if mode.prepare == "newpath":  # the same files in a folder never built in
            self.moves += 1
            moved = project.with_name(f"{project.name}-moved-{self.moves}")
            shutil.copytree(project, moved, ignore=shutil.ignore_patterns("build", "dist"))
            clean(moved)
            try:
                return self.build(backend, moved, Mode("", mode.frontend, "keep"), expect, None)
            finally:
                shutil.rmtree(moved)
        if mode.prepare == "wheel":  # the state an editable install starts from
            self._checked(command("build", settings), project, build_env())
        marker = self.edit(project / edit.path) if edit is not None else b""
        if mode.frontend == "import":
            return self.imported(backend, expect.module, marker)
        if mode.frontend == "editable":
            return self.install_editable(backend, project, expect)
        with caches(mode.prepare == "cold") as extra:
            args = command(mode.frontend, settings)
            result = self._run(args, project, build_env(extra))
        wheels = list((project / "dist").glob("*.whl"))
        if result.returncode != 0 or len(wheels) != 1:
            raise self._failed(args, project)
        built = extension_modules(wheels[0])
        if built != expect.extensions:
            why = f"the wheel's extensions are {sorted(built)}, not {sorted(expect.extensions)}"
            raise self._failed(args, project, why)
        if edit is not None:
            found = holding(wheels[0], marker)
            if len(found) != edit.users:
                why = (
                    f"{project.name}'s wheel is stale: {marker.decode()} is in {len(found)} "
                    f"extensions ({', '.join(found) or 'none'}), not {edit.users}"
                )
                raise self._failed(args, project, why)
        return result
