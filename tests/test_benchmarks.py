"""The benchmark command runs end to end on a quick subset (one repetition)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

import pytest

from .conftest import ROOT, check


def git_status() -> str:
    return check(["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT).stdout


@pytest.mark.slow
def test_benchmark_quick_subset(tmp_path: Path) -> None:
    out = tmp_path / "results"
    before = git_status()
    args = ["--reps", "1", "--cases", "a,d", "--modes", "clean,noop,edit,cold", "--out", out]
    result = check([sys.executable, ROOT / "benchmarks" / "run.py", *args], cwd=tmp_path)

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rows = {(r["case"], r["mode"], r["baseline"]): r for r in data["rows"]}
    assert set(rows) == {
        ("a", "clean", "setuptools"),
        ("a", "noop", "setuptools"),
        ("a", "noop", "flit-core (pure copy)"),
        ("a", "edit", "setuptools"),
        ("a", "cold", ""),
        ("d", "clean", "flit-core"),
        ("d", "noop", "flit-core"),
    }
    for key, row in rows.items():
        assert row["zlig"] > 0, key
        if key[2]:
            assert row["ratio"] > 0 and row["baseline_seconds"] > 0, key
        assert (row["met"] is None) == (row["target"] == ""), key
    assert rows["a", "noop", "setuptools"]["target"] == ""
    assert rows["a", "clean", "setuptools"]["target"] == "≤ 1×"
    assert rows["a", "cold", ""]["target"] == "≤ 8 s"
    assert data["timings"]["a"]["noop"].keys() == {"zlig", "setuptools", "flit-core (pure copy)"}
    assert all(len(t) == 1 for per in data["timings"]["a"].values() for t in per.values())
    peaks = data["peak_rss_kib"]["a"]["clean"]
    assert peaks.keys() == {"zlig", "setuptools"} and all(p[0] > 1000 for p in peaks.values())
    # CPU seconds of each build's tree: compiling takes some, and a backend's
    # tree cannot be busier than the machine's CPUs allow.
    cpu = data["cpu_seconds"]["a"]["clean"]
    wall = data["timings"]["a"]["clean"]
    assert cpu.keys() == {"zlig", "setuptools"}
    cpus = data["machine"]["cpus"]
    assert all(0.05 < cpu[b][0] <= wall[b][0] * cpus + 0.1 for b in cpu), (cpu, wall)
    assert rows["a", "clean", "setuptools"]["zlig_cpu_seconds"] == cpu["zlig"][0]
    assert data["versions"]["zig"] == "0.16.0" and data["machine"]["cpus"]

    assert (out / "results.png").read_bytes().startswith(b"\x89PNG")
    assert "| a | clean (rm -rf build dist), no isolation | setuptools |" in result.stdout
    assert git_status() == before  # everything was built in copies, under .cache


@pytest.mark.slow
def test_benchmark_peers(tmp_path: Path) -> None:
    """meson-python and scikit-build-core build the C++ case: each wheel must
    hold its extension; the best peer's row carries the ratio."""
    out = tmp_path / "results"
    backends = "zlig,meson-python,scikit-build-core"
    args = ["--reps", "1", "--cases", "e", "--modes", "noop", "--backends", backends]
    result = check([sys.executable, ROOT / "benchmarks" / "run.py", *args, "--out", out])

    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    rows = {(r["case"], r["mode"], r["baseline"]): r for r in data["rows"]}
    assert set(rows) == {
        ("e", "noop", "meson-python"),
        ("e", "noop", "scikit-build-core"),
        ("e", "noop", "best peer"),
    }
    best = rows["e", "noop", "best peer"]
    assert best["best_peer"] in ("meson-python", "scikit-build-core")
    assert best["baseline_seconds"] == rows["e", "noop", best["best_peer"]]["baseline_seconds"]
    assert all(r["zlig_peak_mib"] > 1 and r["baseline_peak_mib"] > 1 for r in rows.values())
    assert data["versions"]["meson-python"] and data["versions"]["scikit-build-core"]
    assert f"| best peer ({best['best_peer']}) |" in result.stdout


def test_a_stale_build_is_caught(tmp_path: Path) -> None:
    """The edit check reads the built binaries: a wheel whose extension lacks
    the edit's marker is stale."""
    import zipfile

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import builds
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    wheel = tmp_path / "x-1.0-cp311-cp311-linux_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("x/_a.cpython-311-x86_64-linux-gnu.so", b"\x7fELF...zlig-bench-edit-3...")
        zf.writestr("x/_b.cpython-311-x86_64-linux-gnu.so", b"\x7fELF...zlig-bench-edit-2...")
        zf.writestr("x/notes.txt", b"zlig-bench-edit-3")
    assert builds.holding(wheel, b"zlig-bench-edit-3") == ["x/_a.cpython-311-x86_64-linux-gnu.so"]
    assert builds.holding(wheel, b"zlig-bench-edit-4") == []
    assert builds.extension_modules(wheel) == {"x._a", "x._b"}


def test_runtime_workloads(tmp_path: Path, make_venv: Callable[..., Path]) -> None:
    """benchmarks/runtime.py's workloads, shrunk, against the index's wheels of
    the four projects: each finds its compiled modules in its own venv."""
    python = make_venv()
    projects = ["mmh3", "markupsafe", "simplejson", "pyzstd"]
    check([python, "-m", "pip", "install", "-q", "--only-binary=:all:", *projects[:3]])
    check([python, "-m", "pip", "install", "-q", "--only-binary=:all:", "pyzstd==0.18.0"])
    out = tmp_path / "out.json"
    script = ROOT / "benchmarks" / "runtime_workloads.py"
    check([python, "-I", script, out, *projects, "--repeat", "1", "--scale", "0.001"])

    results = json.loads(out.read_text(encoding="utf-8"))
    assert list(results) == projects
    site = str(python.parent.parent)
    for name, result in results.items():
        assert result["times"] and all(t > 0 for t in result["times"].values()), name
        assert result["times"].keys() == result["digests"].keys(), name
        assert all(f.startswith(site) and f.endswith(".so") for f in result["files"].values())
    assert len(results["pyzstd"]["times"]) == 3 and len(results["mmh3"]["times"]) == 6
