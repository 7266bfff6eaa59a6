"""Medians, ratios and targets of the benchmark; its table, JSON and chart."""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

#: The backends a case is built with; ``flit-core (pure copy)`` is the same
#: project without extensions, the reference of the no-op targets.
ZLIG = "zlig"
SETUPTOOLS = "setuptools"
SETUPTOOLS_J2 = "setuptools --parallel 2"
FLIT = "flit-core"
FLIT_PURE = "flit-core (pure copy)"
MESON = "meson-python"
SKBUILD = "scikit-build-core"
#: zlig's peers with their own build folders (gcc, ninja): issue 14's yardstick.
PEERS = (MESON, SKBUILD)
BACKENDS = (ZLIG, SETUPTOOLS, SETUPTOOLS_J2, MESON, SKBUILD, FLIT, FLIT_PURE)
#: The row comparing zlig with the fastest peer of the same case and mode.
BEST_PEER = "best peer"

#: Extra time a no-op zlig build may take over flit-core on the pure copy.
NOOP_MARGIN = 0.3
#: (case, mode) -> seconds zlig may take, on a row of its own (baseline "").
SECONDS_TARGETS = {
    ("a", "cold"): 8.0,
    ("b", "cold"): 12.0,
    # The same sources in a new folder, or unpacked from an sdist: cache hits.
    ("b", "clean-newpath"): 1.5,
    ("b", "sdist"): 2.5,
}
#: (case, mode) -> largest ratio zlig / the fastest of meson-python and scikit-build-core.
PEER_RATIO_TARGETS = {
    ("b", "fresh"): 0.9,
    ("b", "edit"): 0.7,
    ("b", "noop"): 0.6,
}
#: (case, mode) -> largest ratio zlig / meson-python (editable installs).
MESON_RATIO_TARGETS = {
    ("b", "editable"): 1.0,
    ("b", "import-edit"): 1.0,
}
#: (case, mode) -> largest ratio zlig / setuptools.
RATIO_TARGETS = {
    # "Clean, warm Zig cache": the build runner and libc are compiled. In
    # "clean" zlig finds the project's objects in Zig's cache; "fresh" changes
    # every source first, so that it measures compiling. Both carry the target.
    ("a", "clean"): 1.0,
    ("a", "fresh"): 1.0,
    ("b", "clean"): 0.7,
    ("b", "fresh"): 0.7,
    ("b", "edit"): 0.6,
    ("b", "edit-uv"): 0.2,
    ("b", "edit-build"): 0.5,
    # Cython: setuptools with cythonize(nthreads=2).
    ("f", "clean"): 0.8,
    ("f", "fresh"): 0.8,
    ("f", "edit"): 0.3,
}
#: Largest ratio zlig / flit-core for the pure-Python case, in every mode.
PURE_RATIO = 1.2


@dataclass
class Row:
    case: str
    mode: str
    #: What zlig is compared with: a backend name, BEST_PEER, or "" for an
    #: absolute target (or zlig alone).
    baseline: str
    zlig: float
    baseline_seconds: float | None
    #: The peak memory of the builds (MiB, the largest of any one process).
    zlig_peak_mib: float | None
    baseline_peak_mib: float | None
    #: The median CPU seconds (user and system) of the builds' process trees.
    zlig_cpu_seconds: float | None
    baseline_cpu_seconds: float | None
    ratio: float | None
    target: str
    #: None when the row has no target.
    met: bool | None
    targets: list[Target]
    #: On a BEST_PEER row: which peer was the fastest.
    best_peer: str = ""


@dataclass(frozen=True)
class Target:
    """What a row must meet: a largest ratio and/or a largest zlig time."""

    label: str
    ratio: float | None = None
    seconds: float | None = None


def targets(case: str, mode: str, baseline: str, base: float | None) -> list[Target]:
    found = []
    if baseline in (SETUPTOOLS, SETUPTOOLS_J2) and (case, mode) in RATIO_TARGETS:
        limit = RATIO_TARGETS[case, mode]
        found.append(Target(f"≤ {limit:g}×", ratio=limit))
    if baseline == FLIT and case == "d":
        found.append(Target(f"≤ {PURE_RATIO:g}×", ratio=PURE_RATIO))
    if mode == "noop" and baseline in (FLIT, FLIT_PURE) and base is not None:
        found.append(Target(f"≤ flit-core + {NOOP_MARGIN:g} s", seconds=base + NOOP_MARGIN))
    if baseline == BEST_PEER and (case, mode) in PEER_RATIO_TARGETS:
        limit = PEER_RATIO_TARGETS[case, mode]
        found.append(Target(f"≤ {limit:g}× best peer", ratio=limit))
    if baseline == MESON and (case, mode) in MESON_RATIO_TARGETS:
        limit = MESON_RATIO_TARGETS[case, mode]
        found.append(Target(f"≤ {limit:g}×", ratio=limit))
    if baseline == "" and (case, mode) in SECONDS_TARGETS:
        limit = SECONDS_TARGETS[case, mode]
        found.append(Target(f"≤ {limit:g} s", seconds=limit))
    return found


def ratio_limit(row: Row) -> float | None:
    """The largest ratio the row's targets allow, for the chart."""
    limits = [t.ratio for t in row.targets if t.ratio is not None]
    if row.baseline_seconds:
        limits += [t.seconds / row.baseline_seconds for t in row.targets if t.seconds is not None]
    return min(limits, default=None)


def _met(zlig: float, ratio: float | None, found: list[Target]) -> bool | None:
    if not found:
        return None
    return all(
        (t.ratio is None or (ratio is not None and ratio <= t.ratio))
        and (t.seconds is None or zlig <= t.seconds)
        for t in found
    )


#: Seconds (or KiB) per mode and backend, one number per timed build.
Series = dict[str, dict[str, list[float]]]


def medians(timings: dict[str, Series]) -> dict[str, Any]:
    return {
        case: {
            mode: {backend: statistics.median(times) for backend, times in per.items() if times}
            for mode, per in modes.items()
        }
        for case, modes in timings.items()
    }


def _peaks(memory: Series) -> dict[str, dict[str, float]]:
    """The largest peak of each backend's builds, in MiB."""
    return {
        mode: {backend: max(kib) / 1024 for backend, kib in per.items() if kib}
        for mode, per in memory.items()
    }


def _baselines(case: str, mode: str, per: dict[str, float]) -> list[str]:
    """The rows of a case and mode: one per backend, the best peer, zlig alone."""
    found = [b for b in per if b != ZLIG]
    if any(b in PEERS for b in found):
        found.append(BEST_PEER)
    if not found or (case, mode) in SECONDS_TARGETS:
        found.append("")
    return found


def rows(
    timings: dict[str, Series],
    memory: dict[str, Series] | None = None,
    cpu: dict[str, Series] | None = None,
) -> list[Row]:
    """One row per case, mode and baseline; a row for the best peer where the
    peers were built, and one of zlig alone where it has an absolute target."""
    result = []
    cpu_medians = medians(cpu or {})
    for case, modes in medians(timings).items():
        peaks = _peaks((memory or {}).get(case, {}))
        for mode, per in modes.items():
            if ZLIG not in per:
                continue
            zlig = per[ZLIG]
            peak = peaks.get(mode, {})
            busy = cpu_medians.get(case, {}).get(mode, {})
            for baseline in _baselines(case, mode, per):
                best = ""
                if baseline == BEST_PEER:
                    best = min((b for b in per if b in PEERS), key=lambda b: per[b])
                base = per.get(best or baseline)
                ratio = zlig / base if base else None
                found = targets(case, mode, baseline, base)
                result.append(
                    Row(
                        case=case,
                        mode=mode,
                        baseline=baseline,
                        zlig=zlig,
                        baseline_seconds=base,
                        zlig_peak_mib=peak.get(ZLIG),
                        baseline_peak_mib=peak.get(best or baseline),
                        zlig_cpu_seconds=busy.get(ZLIG),
                        baseline_cpu_seconds=busy.get(best or baseline),
                        ratio=ratio,
                        target="; ".join(t.label for t in found),
                        met=_met(zlig, ratio, found),
                        targets=found,
                        best_peer=best,
                    )
                )
    return result


def label(row: Row) -> str:
    """The row's baseline as the table and the chart show it."""
    if row.best_peer:
        return f"{BEST_PEER} ({row.best_peer})"
    return row.baseline or "—"


def _mib(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _cpu(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def table(result: list[Row], modes: dict[str, str]) -> str:
    """A markdown table of the rows."""
    lines = [
        "| case | mode | baseline | zlig s | baseline s | zlig / baseline | target | met "
        "| zlig MiB | baseline MiB | zlig CPU s | baseline CPU s |",
        "|---|---|---|---:|---:|---:|---|---|---:|---:|---:|---:|",
    ]
    for row in result:
        base = "—" if row.baseline_seconds is None else f"{row.baseline_seconds:.2f}"
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}"
        met = {None: "", True: "yes", False: "**no**"}[row.met]
        lines.append(
            f"| {row.case} | {modes.get(row.mode, row.mode)} | {label(row)} "
            f"| {row.zlig:.2f} | {base} | {ratio} | {row.target} | {met} "
            f"| {_mib(row.zlig_peak_mib)} | {_mib(row.baseline_peak_mib)} "
            f"| {_cpu(row.zlig_cpu_seconds)} | {_cpu(row.baseline_cpu_seconds)} |"
        )
    return "\n".join(lines)


def write_json(path: Path, data: dict[str, Any], result: list[Row]) -> None:
    data = {**data, "medians": medians(data["timings"]), "rows": [asdict(r) for r in result]}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def chart(path: Path, result: list[Row], title: str) -> None:
    """Two panels: median seconds of zlig and the baseline, and their ratio with the target."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.transforms import blended_transform_factory

    labels = [
        f"{r.case} {r.mode} vs {label(r)}" if r.baseline else f"{r.case} {r.mode}" for r in result
    ]
    ys = list(range(len(result)))[::-1]
    height = max(3.0, 0.38 * len(result) + 1.5)
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, height), sharey=True)
    left.barh([y + 0.2 for y in ys], [r.zlig for r in result], 0.4, label="zlig", color="#f7a41d")
    left.barh(
        [y - 0.2 for y in ys],
        [r.baseline_seconds or 0 for r in result],
        0.4,
        label="baseline",
        color="#4a7ab5",
    )
    left.set_yticks(ys, labels, fontsize=8)
    left.set_xlabel("median wall time (s)")
    left.legend(loc="lower right", fontsize=8)
    # x in axes fractions, y in data: the text of a row without a ratio.
    text_at = blended_transform_factory(right.transAxes, right.transData)
    colours = {True: "#3a9d4a", False: "#c8392b", None: "#999999"}
    right.barh(ys, [r.ratio or 0 for r in result], 0.6, color=[colours[r.met] for r in result])
    right.axvline(1.0, color="black", linewidth=0.8)
    for y, r in zip(ys, result):
        limit = ratio_limit(r)
        if limit is not None and r.ratio is not None:
            right.plot([limit, limit], [y - 0.35, y + 0.35], color="black", linewidth=2)
        if r.ratio is None:
            right.text(
                0.02, y, f"{r.zlig:.1f} s ({r.target})", va="center", fontsize=8, transform=text_at
            )
    right.set_xlabel("zlig / baseline (black tick: target; green met, red missed)")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
