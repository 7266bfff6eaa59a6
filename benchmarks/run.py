"""Build the same projects with zlig and with setuptools (gcc) and compare wall times.

    python benchmarks/run.py                          # everything, 5 repetitions
    python benchmarks/run.py --reps 1 --cases a,d --modes clean,noop

Sets itself up first: a venv in .cache/bench/venv (build, uv, setuptools,
wheel, flit_core, matplotlib, ziglang and zlig from this checkout) and an
offline wheelhouse in .cache/bench/wheels (scripts/wheelhouse.py's, plus
setuptools and wheel), from which every isolated build installs its
requirements with the index switched off, so zlig never comes from the index.
Then re-runs itself in that venv. Projects are built in temporary copies;
results go to --out (results.json, results.png) and the table to stdout.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH = ROOT / ".cache" / "bench"
VENV = BENCH / "venv"
WHEELS = BENCH / "wheels"
UV_CACHE = BENCH / "uv-cache"
DEFAULT_OUT = BENCH / "results"
#: What the venv gets from the index, newest releases (as isolated builds would get them);
#: zlig and its requirements come from WHEELS.
TOOLS = ["pip", "build", "uv", "setuptools", "wheel", "matplotlib", "Cython"]
#: Set in the re-run inside the venv.
CHILD = "BENCHMARK_IN_ITS_VENV"


@dataclass(frozen=True)
class Case:
    description: str
    #: A project folder, or the arguments of generate.py.
    source: Path | None = None
    generate: tuple[str, ...] = ()
    #: Whether it has extensions (case d has none: zlig against flit-core).
    compiled: bool = True
    #: setuptools' build_ext --parallel 2 is timed too.
    parallel: bool = False
    #: A .pxd the "edit-pxd" mode changes, and how many modules cimport it.
    pxd: str = ""
    pxd_users: int = 0


CASES = {
    "a": Case("examples/demo: one small C file", source=ROOT / "examples" / "demo"),
    "b": Case(
        "one extension of 64 generated C files",
        generate=("--files", "64", "--extensions", "1"),
        parallel=True,
    ),
    "c": Case(
        "16 small extensions", generate=("--extensions", "16", "--files", "1"), parallel=True
    ),
    "d": Case(
        "pure Python (zlig against flit-core)",
        source=ROOT / "tests" / "packages" / "pure",
        compiled=False,
    ),
    "e": Case("C++ extension (tests/packages/cxx)", source=ROOT / "tests" / "packages" / "cxx"),
    "f": Case(
        "16 Cython modules sharing .pxd files (setuptools: cythonize(nthreads=2))",
        generate=("--extensions", "16", "--cython"),
        parallel=True,
        pxd="src/zbench/shared.pxd",
        pxd_users=4,
    ),
}


@dataclass(frozen=True)
class Mode:
    description: str
    #: "build": python -m build --no-isolation; "build-iso": python -m build; "uv": uv build.
    frontend: str
    #: Before each build: "clean" (remove build/ and dist/), "fresh" (clean, and
    #: every source changed, so no object is in any cache), "keep", "edit" (change
    #: one C file), "cold" (clean, with empty Zig and zlig caches).
    prepare: str


MODES = {
    # zlig keeps compiled objects in Zig's global cache: after rm -rf build
    # ("clean") they are found again. "fresh" measures compiling itself.
    "fresh": Mode("clean, all sources new, no isolation", "build", "fresh"),
    "clean": Mode("clean (rm -rf build dist), no isolation", "build", "clean"),
    "clean-build": Mode("clean, isolated (python -m build)", "build-iso", "clean"),
    "clean-uv": Mode("clean, isolated (uv build)", "uv", "clean"),
    "noop": Mode("no-op rebuild, no isolation", "build", "keep"),
    "edit": Mode("one C file changed, no isolation", "build", "edit"),
    "edit-pxd": Mode("one .pxd changed, no isolation (Cython cases)", "build", "edit-pxd"),
    "edit-build": Mode("one C file changed, isolated (python -m build)", "build-iso", "edit"),
    "edit-uv": Mode("one C file changed, isolated (uv build)", "uv", "edit"),
    "cold": Mode("first build, empty Zig and zlig caches (zlig only)", "build", "cold"),
}


# --- setting up -------------------------------------------------------------


def _check(args: list[str | Path], **kwargs: object) -> str:
    result = subprocess.run(  # type: ignore[call-overload]
        [str(a) for a in args], stdout=subprocess.PIPE, text=True, check=True, **kwargs
    )
    return str(result.stdout)


def setup(python: str) -> Path:
    """Create or refresh the benchmark's venv and wheelhouse; return the venv's python."""
    vpy = VENV / "bin" / "python"
    if not vpy.exists():
        print(f"benchmark: creating {VENV.relative_to(ROOT)}", file=sys.stderr)
        _check([python, "-m", "venv", VENV])
    print("benchmark: filling the wheelhouse and installing zlig from it", file=sys.stderr)
    # zlig's wheel from this checkout, its requirements and ziglang (index only
    # for what is missing; zlig itself is built here, offline).
    _check([vpy, ROOT / "scripts" / "wheelhouse.py", WHEELS])
    offline: list[str | Path] = [
        vpy,
        "-m",
        "pip",
        "install",
        "-q",
        "--no-index",
        "--find-links",
        WHEELS,
    ]
    _check([*offline, "--force-reinstall", "--no-deps", "zlig"])  # same version, new code
    # Then its requirements (a new one since the venv was made, too).
    _check([*offline, "zlig", "ziglang==0.16.0"])
    stamp = BENCH / "venv-tools.txt"
    if not stamp.exists() or stamp.read_text() != "\n".join(TOOLS):
        _check([vpy, "-m", "pip", "install", "-q", "--upgrade", *TOOLS])
        stamp.write_text("\n".join(TOOLS))
    # setuptools' isolated builds get the versions the venv has, offline.
    code = "import importlib.metadata as m; print(m.version('setuptools'), m.version('wheel'))"
    setuptools_version, wheel_version = _check([vpy, "-c", code]).split()
    wanted = [f"setuptools-{setuptools_version}-", f"wheel-{wheel_version}-"]
    if not all(any(WHEELS.glob(w + "*.whl")) for w in wanted):
        _check(
            [
                vpy,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--only-binary=:all:",
                "-d",
                WHEELS,
                f"setuptools=={setuptools_version}",
                f"wheel=={wheel_version}",
            ]
        )
    # uv keeps wheels of --find-links folders by name: a rebuilt zlig 0.1.0
    # must not be served from the cache of an earlier run.
    shutil.rmtree(UV_CACHE, ignore_errors=True)
    return vpy


# --- building ---------------------------------------------------------------


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


def command(frontend: str) -> list[str]:
    python = sys.executable
    if frontend == "build":
        return [python, "-m", "build", "--wheel", "--no-isolation", "--outdir", "dist", "."]
    if frontend == "build-iso":
        return [python, "-m", "build", "--wheel", "--outdir", "dist", "."]
    uv = str(Path(python).parent / "uv")
    # uv has no environment variable for --no-index: without it, every build
    # asks PyPI about each build requirement.
    args = ["build", "--wheel", "--no-config", "--no-index", "--python", python]
    return [uv, *args, "--out-dir", "dist", "."]


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


class Runner:
    def __init__(self, work: Path, log: Path) -> None:
        self.work = work
        self.log = log
        self.edits = 0
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
        from zlig.files import generated_by_cython  # the benchmark's venv has zlig

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

    def build(self, project: Path, mode: Mode, case: Case, edit_file: Path | None) -> float:
        """Prepare the project for the mode, build a wheel; return the wall time.
        After an edit, the wheel must hold it (in as many extensions as use the file)."""
        if mode.prepare in ("clean", "cold", "fresh"):
            clean(project)
        if mode.prepare == "fresh":
            self.renew(project)
        else:
            shutil.rmtree(project / "dist", ignore_errors=True)
        marker, users = b"", 0
        if mode.prepare == "edit":
            assert edit_file is not None
            marker, users = self.edit(project / edit_file), 1
        elif mode.prepare == "edit-pxd":
            marker, users = self.edit(project / case.pxd), case.pxd_users
        with caches(mode.prepare == "cold") as extra:
            env = build_env(extra)
            args = command(mode.frontend)
            with self.log.open("a", encoding="utf-8") as log:
                log.write(f"\n### {project.name} in {project.parent.name}: {' '.join(args)}\n")
                log.flush()
                start = time.perf_counter()
                result = subprocess.run(
                    args, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT
                )
                elapsed = time.perf_counter() - start
        wheels = list((project / "dist").glob("*.whl"))
        if result.returncode != 0 or len(wheels) != 1:
            tail = "\n".join(self.log.read_text(encoding="utf-8").splitlines()[-30:])
            raise SystemExit(f"benchmark: build failed ({' '.join(args)} in {project}):\n{tail}")
        if marker:
            found = holding(wheels[0], marker)
            if len(found) != users:
                raise SystemExit(
                    f"benchmark: {project.name}'s wheel is stale: {marker.decode()} is in "
                    f"{len(found)} extensions ({', '.join(found) or 'none'}), not {users}"
                )
        return elapsed


def holding(wheel: Path, marker: bytes) -> list[str]:
    """The wheel's extensions whose binary contains ``marker``."""
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        return [
            name
            for name in zf.namelist()
            if name.endswith((".so", ".pyd")) and marker in zf.read(name)
        ]


def make_projects(name: str, case: Case, work: Path, modes: list[str]) -> dict[str, Path]:
    """The case's project for each backend that builds it, in ``work``."""
    import projects
    import report

    source = work / "source"
    if case.source is not None:
        projects.copy(case.source, source)
    else:
        _check([sys.executable, HERE / "generate.py", source, *case.generate])
    made = {report.ZLIG: projects.copy(source, work / "zlig")}
    if not case.compiled:
        made[report.FLIT] = projects.flit_core(source, work / "flit-core")
        return made
    made[report.SETUPTOOLS] = projects.setuptools(source, work / "setuptools")
    if case.parallel:
        made[report.SETUPTOOLS_J2] = projects.setuptools(source, work / "setuptools-j2", 2)
    if "noop" in modes:
        made[report.FLIT_PURE] = projects.flit_core(source, work / "flit-core-pure")
    return made


def backends_for(case_name: str, case: Case, mode_name: str, made: dict[str, Path]) -> list[str]:
    import report

    if mode_name == "cold":
        return [report.ZLIG] if case_name == "a" else []
    if mode_name.startswith("edit") and not case.compiled:
        return []
    if mode_name == "edit-pxd" and not case.pxd:
        return []
    return [b for b in made if mode_name == "noop" or b != report.FLIT_PURE]


def edit_target(project: Path) -> Path:
    """The file the edit modes change: the largest source of the first extension."""
    import projects

    sources = projects.extension_sources(project)[0]
    return max(sources, key=lambda s: ((project / s).stat().st_size, -sources.index(s)))


def run_case(
    name: str, modes: list[str], reps: int, work: Path, runner: Runner
) -> dict[str, dict[str, list[float]]]:
    case = CASES[name]
    made = make_projects(name, case, work, modes)
    target = edit_target(made["zlig"]) if case.compiled else None
    timings: dict[str, dict[str, list[float]]] = {}
    for mode_name in modes:
        mode = MODES[mode_name]
        backends = backends_for(name, case, mode_name, made)
        if not backends:
            continue
        print(f"benchmark: {name} / {mode_name}: {', '.join(backends)}", file=sys.stderr)
        times: dict[str, list[float]] = {b: [] for b in backends}
        if mode.prepare != "cold":  # warm Zig's and uv's caches; the state to rebuild from
            for backend in backends:
                runner.build(made[backend], mode, case, target)
        for _ in range(reps):  # alternating: zlig, setuptools, zlig, setuptools, ...
            for backend in backends:
                times[backend].append(runner.build(made[backend], mode, case, target))
        timings[mode_name] = times
        summary = ", ".join(f"{b} {min(t):.2f}s" for b, t in times.items())
        print(f"benchmark:   fastest: {summary}", file=sys.stderr)
    return timings


# --- reporting --------------------------------------------------------------


def _output(args: list[str]) -> str:
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> dict[str, object]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":", 1)[1].strip()
    except OSError:
        memory = "unknown"
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory": memory,
        "load_average": os.getloadavg(),
        "python": sys.version.split()[0],
        "python_executable": sys.executable,
        "gcc": _output(["gcc", "--version"]).splitlines()[0],
    }


def versions() -> dict[str, str]:
    import importlib.metadata as metadata

    from zlig import zig

    names = ["zlig", "ziglang", "setuptools", "wheel", "flit_core", "build", "uv", "pip"]
    found = {name: metadata.version(name) for name in names}
    found["matplotlib"] = metadata.version("matplotlib")
    found["zig"] = _output([str(zig.find_zig()), "version"])
    found["git"] = _output(["git", "-C", str(ROOT), "describe", "--always", "--dirty"])
    return found


def benchmark(args: argparse.Namespace) -> None:
    import report

    cases, modes = args.cases, args.modes
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    BENCH.mkdir(parents=True, exist_ok=True)
    started = machine()
    timings: dict[str, dict[str, dict[str, list[float]]]] = {}
    with tempfile.TemporaryDirectory(prefix="work-", dir=BENCH) as tmp:
        work = Path(tmp)
        log = out / "builds.log"
        log.write_text("")
        runner = Runner(work, log)
        for name in cases:
            (work / name).mkdir()
            timings[name] = run_case(name, modes, args.reps, work / name, runner)
            if args.keep:
                shutil.copytree(work / name, out / "projects" / name, dirs_exist_ok=True)
    result = report.rows(timings)
    info = machine()
    data = {
        "command": " ".join(["benchmarks/run.py", *sys.argv[1:]]),
        "reps": args.reps,
        "cases": {n: CASES[n].description for n in cases},
        "modes": {n: MODES[n].description for n in modes},
        "machine": {**info, "load_average_at_start": started["load_average"]},
        "versions": versions(),
        "timings": timings,
    }
    report.write_json(out / "results.json", data, result)
    title = (
        f"zlig vs setuptools/flit-core, median of {args.reps} ({info['cpu']}, {info['cpus']} CPUs)"
    )
    report.chart(out / "results.png", result, title)
    print(report.table(result, {n: m.description for n, m in MODES.items()}))
    print(f"\nwrote {out / 'results.json'} and {out / 'results.png'}", file=sys.stderr)


def _names(value: str, known: Mapping[str, object], what: str) -> list[str]:
    names = [n.strip() for n in value.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown) or '(none given)'}; choose from {', '.join(known)}"
        )
    return [n for n in known if n in names]  # in the standard order


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="cases: "
        + "; ".join(f"{k}: {c.description}" for k, c in CASES.items())
        + ". modes: "
        + "; ".join(f"{k}: {m.description}" for k, m in MODES.items()),
    )
    parser.add_argument("--reps", type=int, default=5, help="timed builds per backend (default 5)")
    parser.add_argument(
        "--cases", type=lambda v: _names(v, CASES, "case"), default=list(CASES), help="e.g. a,d"
    )
    parser.add_argument(
        "--modes",
        type=lambda v: _names(v, MODES, "mode"),
        default=list(MODES),
        help="e.g. clean,noop",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the results")
    parser.add_argument(
        "--python", default=sys.executable, help="the Python to create the venv with"
    )
    parser.add_argument(
        "--keep", action="store_true", help="copy the built projects to OUT/projects"
    )
    args = parser.parse_args(argv)
    if args.reps < 1:
        parser.error("--reps must be at least 1")
    args.out = args.out.resolve()
    return args


def main() -> None:
    args = parse(sys.argv[1:])
    if os.environ.get(CHILD) != "1":
        vpy = setup(args.python)
        env = {**os.environ, CHILD: "1"}
        os.execve(vpy, [str(vpy), str(Path(__file__).resolve()), *sys.argv[1:]], env)
    benchmark(args)


if __name__ == "__main__":
    main()
