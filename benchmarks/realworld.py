"""The real projects of tests/realworld.py, built with zlig and with setuptools (gcc).

    python benchmarks/realworld.py                         # every project, 3 builds each
    python benchmarks/realworld.py --reps 1 immutables mmh3

For each project: the unmodified sdist is built by its own backend
(setuptools and the machine's gcc) and the zlig version of it by zlig, both
with ``python -m build --wheel`` under build isolation, alternating (zlig,
setuptools, zlig, …) in fresh unpacked copies, timed by wall clock. zlig gets
its requirements offline from the wheelhouse; setuptools from the index.
zlig's builds start from a Zig cache that holds Zig's build runner, libc
stubs and libc++ for the default glibc floor (what a machine has after its
first zlig builds) but no object of the project, so both compile every
source. When every project is built, its own suite runs against each wheel
in a fresh venv (``--jobs`` suites at a time, not timed), with the same proof
checks, and the ``.text`` size of every extension is read (``size -A``).

Writes docs/realworld.md (the table and each project's [tool.zlig]) and
.cache/bench/realworld.json (every timing and count).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import wheelhouse as _wheelhouse  # noqa: E402
from tests import realworld  # noqa: E402

DOC = ROOT / "docs" / "realworld.md"
RESULTS = ROOT / ".cache" / "bench" / "realworld.json"


def timed_build(path: Path, out: Path, env: dict[str, str]) -> tuple[float, Path]:
    start = time.perf_counter()
    wheel = realworld.build_wheel(path, out, env)
    return time.perf_counter() - start, wheel


def text_sizes(wheel: Path, folder: Path) -> dict[str, int]:
    """Extension file (inside the wheel) -> size of its .text section."""
    sizes = {}
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.endswith(".so"):
                target = folder / name.replace("/", "_")
                target.write_bytes(zf.read(name))
                table = realworld.check(["size", "-A", target]).stdout
                found = re.search(r"^\.text\s+(\d+)", table, re.M)
                sizes[name.split("/")[-1].split(".")[0]] = int(found.group(1)) if found else 0
    return sizes


def prime_zig_cache(wheelhouse: Path, folder: Path) -> Path:
    """A Zig cache holding the build runner, libc stubs and libc++: what a machine
    has after its first zlig builds (examples/demo and tests/packages/cxx)."""
    cache = folder / "zig-cache-base"
    env = dict(realworld.offline_env(wheelhouse), ZIG_GLOBAL_CACHE_DIR=str(cache))
    for source in (ROOT / "examples" / "demo", ROOT / "tests" / "packages" / "cxx"):
        copy = folder / "prime" / source.name
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns("build", "dist"))
        realworld.build_wheel(copy, folder / "prime" / f"{source.name}-dist", env)
    return cache


def measure_builds(name: str, reps: int, wheelhouse: Path, work: Path, base_cache: Path) -> dict:
    """Build with both backends, alternating, timed; the wheels stay in ``work``."""
    project = realworld.PROJECTS[name]
    zlig_env = realworld.offline_env(wheelhouse)
    setuptools_env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    times: dict[str, list[float]] = {"zlig": [], "setuptools": []}
    result: dict = {"name": name, "version": project.version, "times": times, "errors": {}}
    for rep in range(reps):
        for backend in ("zlig", "setuptools"):
            run_dir = work / f"{backend}-{rep}"
            path = realworld.unpack(project, run_dir / "src")
            if backend == "zlig":
                realworld.switch_to_zlig(project, path)
                cache = run_dir / "zig-cache"
                shutil.copytree(base_cache, cache)
                env = dict(zlig_env, ZIG_GLOBAL_CACHE_DIR=str(cache))
            else:
                env = setuptools_env
            try:
                seconds, wheel = timed_build(path, run_dir / "dist", env)
            except AssertionError as e:
                result["errors"][backend] = str(e)[-2000:]
                continue
            finally:
                if backend == "zlig":
                    shutil.rmtree(cache, ignore_errors=True)
            times[backend].append(seconds)
            result.setdefault("wheels", {})[backend] = str(wheel)
            result.setdefault("sources", {})[backend] = str(path)
            print(f"{name} {backend} build {rep + 1}/{reps}: {seconds:.1f} s", flush=True)
    return result


def measure_tests(result: dict, work: Path) -> None:
    """Each wheel's .text sizes and the project's suite against it."""
    project = realworld.PROJECTS[result["name"]]
    for backend, wheel in result.get("wheels", {}).items():
        folder = work / f"test-{backend}"
        folder.mkdir()
        result.setdefault("text", {})[backend] = text_sizes(Path(wheel), folder)
        try:
            python = realworld.make_venv(folder / "venv")
            realworld.install(python, Path(wheel), project)
            source = Path(result["sources"][backend])
            outcome = realworld.run_suite(project, python, source, folder / "suite")
        except AssertionError as e:
            result["errors"][f"{backend} tests"] = str(e)[-2000:]
            continue
        found = realworld.problems(project, outcome)
        result.setdefault("tests", {})[backend] = {
            "passed": outcome.passed,
            "failed": outcome.failed,
            "problems": found,
        }
        print(
            f"{project.name} {backend} tests: {outcome.passed} passed, {outcome.failed} failed "
            f"{found or ''}",
            flush=True,
        )


def cell_tests(result: dict, backend: str) -> str:
    tests = result.get("tests", {}).get(backend)
    if tests is None:
        return "build failed" if backend in result["errors"] else "not run"
    text = f"{tests['passed']} / {tests['failed']}"
    return text + (" ⚠" if tests["problems"] else "")


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def render(results: list[dict], reps: int) -> str:
    lines = [
        "# Real projects built with zlig",
        "",
        "Generated by `python benchmarks/realworld.py` (do not edit by hand); the projects and",
        "every change made to them are defined in `tests/realworld.py`, and",
        "`tests/test_realworld.py` builds each with zlig and runs its suite in CI.",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, gcc {gcc_version()}. Build times: median of {reps} "
        "isolated `python -m build --wheel` runs each, alternating zlig and setuptools, "
        "zlig from a Zig cache without the project's objects (but with Zig's build runner and "
        "libc++ for manylinux_2_17: greenlet, built for 2_24, compiles libc++ too). "
        "Tests: passed / failed of "
        "the project's own suite (the part named below) against each wheel; ⚠: the "
        "checks proving the compiled extension was tested did not hold. `.text`: bytes "
        "of the extensions' code (all extensions of the project), zlig (clang, "
        "ReleaseFast) against setuptools (gcc, the interpreter's -O2/-O3 flags); zlig's "
        "C++ extensions (greenlet, ujson) carry the statically linked libc++, gcc's use "
        "the system's libstdc++.so.",
        "",
        "| project | version | changed besides [build-system], [project] and [tool.zlig] "
        "| tests zlig | tests setuptools "
        "| build zlig | build setuptools | ratio | .text zlig | .text gcc |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        project = realworld.PROJECTS[result["name"]]
        changes = [f"`{c.path}`: {c.why}" for c in project.changes]
        changes += [f"`{old}` moved to `{new}`: {why}" for old, new, why in project.moves]
        changes += [f"pyproject.toml: {why}" for _p, _r, why in project.edits]
        changes += [f"suite: `{name}` added ({why})" for name, _t, why in project.suite_additions]
        tz, ts = median(result["times"]["zlig"]), median(result["times"]["setuptools"])
        ratio = f"{tz / ts:.2f}×" if tz and ts else "–"
        text = result.get("text", {})
        sz, ss = sum(text.get("zlig", {}).values()), sum(text.get("setuptools", {}).values())
        lines.append(
            f"| {project.name} | {project.version} | {'; '.join(changes) or 'nothing'} "
            f"| {cell_tests(result, 'zlig')} "
            f"| {cell_tests(result, 'setuptools')} | {fmt_s(tz)} | {fmt_s(ts)} | {ratio} "
            f"| {sz or '–'} | {ss or '–'} |"
        )
    lines += ["", "## What was written", ""]
    for result in results:
        project = realworld.PROJECTS[result["name"]]
        lines += [f"### {project.name} {project.version}", ""]
        deleted = ", ".join(f"`{d}`" for d in project.delete) or "nothing"
        lines.append(f"Deleted: {deleted}. The `[build-system]` table is zlig's.")
        for pattern, replacement, why in project.edits:
            lines.append(f"In pyproject.toml, `{pattern}` → `{replacement!r}`: {why}.")
        for change in project.changes:
            lines.append(f"`{change.path}`: `{change.old!r}` → `{change.new!r}`: {change.why}.")
        for old, new, why in project.moves:
            lines.append(f"Moved: `{old}` → `{new}`: {why}.")
        for name, _text, why in project.suite_additions:
            lines.append(f"Written into the folder the suite runs in: `{name}` ({why}).")
        if project.notes:
            lines.append(f"Note: {project.notes}.")
        if project.zlig_bug:
            lines.append(f"**Known zlig bug** (an expected failure in CI): {project.zlig_bug}.")
        lines += ["", "Added to pyproject.toml:", "", "```toml", project.append.strip(), "```", ""]
        if any("\n" in arg for arg in project.command):
            command = "a `python -c` script (in tests/realworld.py)"
        else:
            command = f"`python {' '.join(project.command)}`"
        lines.append(f"Tests: {command}. Proof: {project.proof}.")
        for key, error in result["errors"].items():
            lines += ["", f"{key} failed:", "", "```", error.strip()[-1500:], "```"]
        lines.append("")
    return "\n".join(lines)


def fmt_s(seconds: float | None) -> str:
    return f"{seconds:.1f} s" if seconds is not None else "–"


def gcc_version() -> str:
    try:
        return realworld.check(["gcc", "-dumpfullversion"]).stdout.strip()
    except (AssertionError, OSError):
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("projects", nargs="*", help="names from tests/realworld.py (default: all)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2, help="test suites run at a time")
    parser.add_argument("--doc", type=Path, default=DOC)
    parser.add_argument(
        "--render", action="store_true", help="only rewrite the doc from the last results"
    )
    args = parser.parse_args()
    if args.render:
        args.doc.write_text(render(json.loads(RESULTS.read_text()), args.reps))
        return
    names = args.projects or list(realworld.PROJECTS)
    wheelhouse = _wheelhouse.fill()
    results = []
    if RESULTS.exists() and args.projects:
        # Keep earlier results of projects not measured this time.
        results = [r for r in json.loads(RESULTS.read_text()) if r["name"] not in names]
    with tempfile.TemporaryDirectory(prefix="zlig-realworld-") as tmp:
        base_cache = prime_zig_cache(wheelhouse, Path(tmp))
        # Every build first, one at a time (timed), then the suites, which are
        # not timed, --jobs at a time.
        measured = []
        for name in names:
            (Path(tmp) / name).mkdir()
            measured.append(
                measure_builds(name, args.reps, wheelhouse, Path(tmp) / name, base_cache)
            )
        with ThreadPoolExecutor(args.jobs) as pool:
            list(pool.map(lambda r: measure_tests(r, Path(tmp) / r["name"]), measured))
        for result in measured:
            result.pop("wheels", None)
            result.pop("sources", None)
        results += measured
    order = list(realworld.PROJECTS)
    results.sort(key=lambda r: order.index(r["name"]) if r["name"] in order else len(order))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1))
    args.doc.write_text(render(results, args.reps))
    print(f"wrote {args.doc} and {RESULTS}")


if __name__ == "__main__":
    main()
