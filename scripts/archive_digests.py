"""Build every test package's sdist, wheel and editable wheel, and print their SHA-256.

A change that must not change what zlig packs (a restructure) is checked by
running this before and after it and comparing the two outputs:

    .venv/bin/python scripts/archive_digests.py > before.txt
    ... the change ...
    .venv/bin/python scripts/archive_digests.py > after.txt
    diff before.txt after.txt

Each package is copied to the same folder every time (editable wheels name
it), and built in a process of its own through zlig's hooks, with a fixed
SOURCE_DATE_EPOCH. The abi3 package is also built for the other systems.
Packages whose build is meant to fail print their error instead.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "tests" / "packages"
WORK = Path(os.environ.get("ZLIG_DIGESTS_DIR", "/tmp/zlig-archive-digests"))
CROSS = ("aarch64-linux-gnu", "x86_64-linux-musl", "x86_64-windows", "aarch64-macos")

_HOOK = """\
import sys, zlig
hook, out, settings = sys.argv[1], sys.argv[2], eval(sys.argv[3])
print("zlig-archive:", getattr(zlig, hook)(out, settings))
"""


def build(name: str, hook: str, settings: dict[str, str]) -> str:
    tree = WORK / "tree" / name
    out = WORK / "out"
    shutil.rmtree(tree, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    shutil.copytree(PACKAGES / name, tree)
    out.mkdir(parents=True)
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000", "ZLIG_VERBOSE": "0"}
    result = subprocess.run(
        [sys.executable, "-c", _HOOK, hook, str(out), repr(settings)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        errors = [line for line in result.stderr.splitlines() if line.startswith("zlig: error:")]
        return f"failed: {errors[-1] if errors else result.stderr.strip()[-200:]}"
    archive = result.stdout.rpartition("zlig-archive: ")[2].strip()
    digest = hashlib.sha256((out / archive).read_bytes()).hexdigest()
    return f"{archive} {digest}"


def main() -> None:
    for package in sorted(p.name for p in PACKAGES.iterdir() if p.is_dir()):
        for hook in ("build_sdist", "build_wheel", "build_editable"):
            print(f"{package} {hook}: {build(package, hook, {})}", flush=True)
    for target in CROSS:
        result = build("limited", "build_wheel", {"target": target})
        print(f"limited {target}: {result}", flush=True)


if __name__ == "__main__":
    main()
