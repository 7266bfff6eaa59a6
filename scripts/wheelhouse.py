"""Fill a local wheelhouse so that builds never fetch zlig from the index.

The package index holds an old, broken zlig 0.0.0. Tests and the demo install
everything from this folder with PIP_NO_INDEX=1: zlig's own wheel, freshly
built from this checkout, and the wheels it needs at build time, downloaded
once and kept.

    python scripts/wheelhouse.py [FOLDER]    # prints the folder
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = ROOT / ".cache" / "wheelhouse"
#: What a build of a zlig project installs: zlig's dependencies and Zig.
#: All are pure-Python wheels (ziglang's is per platform, not per Python), so
#: one wheelhouse serves every Python version; --abi none keeps pip from
#: choosing tomli's compiled wheels.
#: Cython is what projects with .pyx sources ask for: its pure-Python wheel
#: for every Python, and its compiled one for the Python running this script
#: (what users get from the index; it translates ~3x faster).
REQUIREMENTS = [
    "Cython>=3.1",
    "flit_core==4.2.0",
    "packaging",
    "pathspec",
    "pyelftools",
    "tomli",
    "ziglang==0.16.0",
]
PURE = ["--only-binary=:all:", "--implementation=py", "--abi=none", "--python-version=3.9"]


def pip(*args: str, offline: bool) -> None:
    env = dict(os.environ)
    if offline:
        env["PIP_NO_INDEX"] = "1"
    subprocess.run([sys.executable, "-m", "pip", *args], check=True, env=env)


def fill(folder: Path = DEFAULT) -> Path:
    """Download what is missing and (re)build zlig's wheel; return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    have = {p.name.split("-")[0].lower() for p in folder.glob("*.whl")}
    missing = [r for r in REQUIREMENTS if re.split("[=<>]", r)[0].lower() not in have]
    pure = [r for r in missing if not r.startswith("ziglang")]
    if pure:
        pip("download", "-q", "--no-deps", *PURE, "--dest", str(folder), *pure, offline=False)
    if len(pure) < len(missing):
        pip("download", "-q", "--no-deps", "--dest", str(folder), *REQUIREMENTS[-1:], offline=False)
    tag = f"cp{sys.version_info[0]}{sys.version_info[1]}"
    if not any(folder.glob(f"cython-*-{tag}-*.whl")):
        pip(
            "download",
            "-q",
            "--no-deps",
            "--only-binary=:all:",
            "--dest",
            str(folder),
            REQUIREMENTS[0],
            offline=False,
        )
    for old in folder.glob("zlig-*.whl"):
        old.unlink()
    pip(
        "wheel",
        "--quiet",
        "--no-deps",
        "--find-links",
        str(folder),
        "--wheel-dir",
        str(folder),
        str(ROOT),
        offline=True,
    )
    return folder


if __name__ == "__main__":
    print(fill(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else DEFAULT))
