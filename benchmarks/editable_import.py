"""What an editable install's rebuild check costs at import, nothing changed.

Installs examples/demo twice into fresh virtual environments, offline from the
wheelhouse: once editable (the loader checks the sources and headers when
``demo._core`` is first imported) and once from its wheel. Then, alternating,
it times ``import demo._core`` inside a new process (``--reps`` times each)
and the whole process (``python -c "import demo._core"``), and prints medians
and the difference.

    python benchmarks/editable_import.py [--reps 30]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import wheelhouse  # noqa: E402

TIMED_IMPORT = (
    "import time; t = time.perf_counter(); import demo._core; print(time.perf_counter() - t)"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    house = wheelhouse.fill()
    env = dict(os.environ, PIP_NO_INDEX="1", PIP_FIND_LINKS=str(house))
    env.pop("PIP_EXTRA_INDEX_URL", None)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        project = work / "demo"
        shutil.copytree(ROOT / "examples" / "demo", project)
        pythons = {}
        for kind, target in (("editable", ["-e", str(project)]), ("wheel", [str(project)])):
            subprocess.run([sys.executable, "-m", "venv", work / kind], check=True)
            python = work / kind / "bin" / "python"
            pip = [python, "-m", "pip", "install", "-q", *target]
            subprocess.run(pip, check=True, env=env, stdout=subprocess.DEVNULL)
            pythons[kind] = python
        inner: dict[str, list[float]] = {k: [] for k in pythons}
        outer: dict[str, list[float]] = {k: [] for k in pythons}
        for _ in range(args.reps):
            for kind, python in pythons.items():
                start = time.perf_counter()
                out = subprocess.run(
                    [python, "-c", TIMED_IMPORT], check=True, capture_output=True, text=True
                )
                outer[kind].append(time.perf_counter() - start)
                inner[kind].append(float(out.stdout))
    print(f"median of {args.reps} runs, nothing changed | editable | wheel | difference")
    print("---|---|---|---")
    for label, data in (("import demo._core", inner), ("whole process", outer)):
        editable, wheel = (statistics.median(data[k]) * 1000 for k in ("editable", "wheel"))
        print(f"{label} | {editable:.1f} ms | {wheel:.1f} ms | {editable - wheel:+.1f} ms")


if __name__ == "__main__":
    main()
