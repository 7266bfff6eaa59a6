"""Run time of real code built by zlig against the same sources built by setuptools and gcc.

    python benchmarks/runtime.py                         # mmh3, markupsafe, simplejson, pyzstd
    python benchmarks/runtime.py --reps 5 pyzstd
    python benchmarks/runtime.py --zlig-setting optimize=ReleaseSmall

For each project of tests/realworld.py named: the zlig wheel (the spec's
changes, built offline from the wheelhouse, ``-C KEY=VALUE`` for each
``--zlig-setting``) and the setuptools wheel of the unmodified sdist (gcc, the
interpreter's flags), each installed alone into a venv of its own. Then
``--reps`` rounds, each running runtime_workloads.py once in every venv,
alternating zlig and setuptools (and which goes first, round by round); a run
checks that the compiled modules of its own venv are in use and keeps, per
workload, the fastest of ``--repeat`` timings. Reported per workload: the
median over rounds, and gcc / zlig (≥ 1: zlig is faster; issue 14's target is
≥ 0.95); per project the ``.text`` of its extensions. Both builds must compute
the same results (a digest of each workload's result).

Writes .cache/bench/runtime.json and prints markdown tables.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(HERE))

import runtime_workloads  # noqa: E402
import wheelhouse as _wheelhouse  # noqa: E402
from tests import realworld  # noqa: E402

import realworld as realworld_bench  # noqa: E402  (benchmarks/realworld.py)

RESULTS = ROOT / ".cache" / "bench" / "runtime.json"
BACKENDS = ("zlig", "setuptools")
TARGET = 0.95


def build_venvs(name: str, work: Path, wheelhouse: Path, settings: list[str]) -> dict:
    """Both wheels, each installed alone (with its dependencies) into a venv of its own."""
    project = realworld.PROJECTS[name]
    alone = dataclasses.replace(project, test_requires=())
    wheels = {"zlig": realworld.zlig_wheel(project, work / "zlig", wheelhouse, settings)[0]}
    source = realworld.unpack(project, work / "setuptools" / "src")
    setuptools_env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    wheels["setuptools"] = realworld.build_wheel(
        source, work / "setuptools" / "dist", setuptools_env
    )
    result: dict = {"version": project.version, "wheels": {}, "text": {}, "pythons": {}}
    for backend, wheel in wheels.items():
        folder = work / backend
        result["wheels"][backend] = wheel.name
        result["text"][backend] = sum(realworld_bench.text_sizes(wheel, folder).values())
        python = realworld.make_venv(folder / "venv")
        realworld.install(python, wheel, alone)
        result["pythons"][backend] = str(python)
        print(f"{name}: {backend} wheel {wheel.name} installed", flush=True)
    return result


def run_workloads(python: Path, name: str, out: Path, repeat: int, scale: float = 1.0) -> dict:
    """One run of the project's workloads in that venv (isolated mode: no cwd, no PYTHONPATH)."""
    script = HERE / "runtime_workloads.py"
    args = [python, "-I", script, out, name, "--repeat", repeat, "--scale", scale]
    realworld.check(args, cwd=out.parent)
    return json.loads(out.read_text())[name]


def measure(results: dict, reps: int, repeat: int, work: Path) -> None:
    """Rounds over every project and backend, alternating which backend goes first."""
    for rep in range(reps):
        order = BACKENDS if rep % 2 == 0 else BACKENDS[::-1]
        for name, result in results.items():
            for backend in order:
                python = Path(result["pythons"][backend])
                out = work / name / f"{backend}-{rep}.json"
                run = run_workloads(python, name, out, repeat)
                digests = result.setdefault("digests", {}).setdefault(backend, run["digests"])
                assert run["digests"] == digests, f"{name} {backend}: results changed"
                result.setdefault("files", {})[backend] = run["files"]
                for workload, seconds in run["times"].items():
                    per = result.setdefault("times", {}).setdefault(workload, {})
                    per.setdefault(backend, []).append(seconds)
            print(f"round {rep + 1}/{reps}: {name} done", flush=True)
    for name, result in results.items():
        zlig, gcc = result["digests"]["zlig"], result["digests"]["setuptools"]
        assert zlig == gcc, f"{name}: zlig's and gcc's builds compute different results"
        result["medians"] = {
            workload: {b: statistics.median(t) for b, t in per.items()}
            for workload, per in result["times"].items()
        }


def render(results: dict) -> str:
    lines = [
        "| project | workload | zlig | gcc | speed gcc/zlig |",
        "|---|---|---|---|---|",
    ]
    for name, result in results.items():
        for workload, median in result["medians"].items():
            z, g = median["zlig"], median["setuptools"]
            mark = "" if g / z >= TARGET else " ✗"
            lines.append(
                f"| {name} {result['version']} | {workload} | {fmt(z)} | {fmt(g)} "
                f"| {g / z:.2f}×{mark} |"
            )
    lines += ["", "| project | .text zlig | .text gcc | zlig/gcc |", "|---|---|---|---|"]
    for name, result in results.items():
        z, g = result["text"]["zlig"], result["text"]["setuptools"]
        lines.append(f"| {name} | {z} | {g} | {z / g:.2f}× |")
    return "\n".join(lines)


def fmt(seconds: float) -> str:
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = list(runtime_workloads.WORKLOADS)
    parser.add_argument("projects", nargs="*", help=f"some of {names} (default: all)")
    parser.add_argument("--reps", type=int, default=3, help="rounds (each runs every venv once)")
    parser.add_argument("--repeat", type=int, default=7, help="timings per workload in a run")
    parser.add_argument(
        "--zlig-setting", action="append", default=[], metavar="KEY=VALUE",
        help="passed to zlig's build as -C KEY=VALUE, e.g. optimize=ReleaseSmall",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if set(args.projects) - set(names):
        parser.error(f"unknown projects {sorted(set(args.projects) - set(names))}")
    wheelhouse = _wheelhouse.fill()
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="zlig-runtime-") as tmp:
        for name in args.projects or names:
            (Path(tmp) / name).mkdir()
            results[name] = build_venvs(name, Path(tmp) / name, wheelhouse, args.zlig_setting)
        load_before = os.getloadavg()
        measure(results, args.reps, args.repeat, Path(tmp))
    for result in results.values():
        del result["pythons"]  # gone with the temporary folder
    data = {
        "machine": {
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "gcc": realworld_bench.gcc_version(),
            "load_before": load_before,
            "load_after": os.getloadavg(),
        },
        "zlig_settings": args.zlig_setting,
        "reps": args.reps,
        "repeat": args.repeat,
        "projects": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=1))
    print(render(results))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
