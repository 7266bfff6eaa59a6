"""Reproducible output: the same sources, copied to two folders at different
absolute paths and built with the same SOURCE_DATE_EPOCH, give byte-identical
wheels and sdists, debug info included."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile

from .conftest import PACKAGES, ROOT, check_distribution, check_wheel, run

EPOCH = 1_700_000_000  # 2023-11-14 22:13:20 UTC
CASES = {
    "demo": ("demo", {}),
    # Debug: debug info, and assert() naming its file (__FILE__).
    "demo-debug": ("demo", {"optimize": "Debug"}),
    # strip = false in a release mode, with every other option.
    "options": ("options", {}),
    # C++ with debug info; Zig's libc++ is linked in.
    "cxx-debug": ("cxx", {"optimize": "Debug"}),
    "zigdemo": ("zigdemo", {}),
}


def copy(name: str, dest: Path) -> Path:
    source = PACKAGES / name if (PACKAGES / name).is_dir() else ROOT / "examples" / name
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("build", "dist", "*.so"))
    return dest


def build(path: Path, settings: dict[str, str]) -> dict[str, Path]:
    """Build the project's wheel and sdist; return them by name."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(EPOCH))
    code = f"import zlig; zlig.build_wheel('dist', {settings!r}); zlig.build_sdist('dist')"
    result = run([sys.executable, "-c", code], cwd=path, env=env)
    assert result.returncode == 0, result.stderr
    return {p.name: p for p in sorted((path / "dist").iterdir())}


def digests(files: dict[str, Path]) -> dict[str, str]:
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}


@pytest.mark.parametrize("case", CASES)
def test_two_folders_give_the_same_bytes(tmp_path: Path, case: str) -> None:
    name, settings = CASES[case]
    first = build(copy(name, tmp_path / "a" / name), settings)
    # Another folder, deeper, whose files have other permissions (as with
    # another umask or checkout).
    other = copy(name, tmp_path / "somewhere" / "much" / "deeper" / name)
    for path in other.rglob("*"):
        if path.is_file():
            path.chmod(0o600 if path.suffix in (".c", ".cpp", ".zig") else 0o664)
    second = build(other, settings)
    assert digests(first) == digests(second)

    (wheel,) = [p for p in first.values() if p.suffix == ".whl"]
    (sdist,) = [p for p in first.values() if p.suffix == ".gz"]
    check_wheel(wheel)
    check_distribution(sdist)
    with zipfile.ZipFile(wheel) as zf:
        infos = zf.infolist()
        assert {i.date_time for i in infos} == {(2023, 11, 14, 22, 13, 20)}
        modes = {i.filename: i.external_attr >> 16 for i in infos}
        binaries = [i.filename for i in infos if i.filename.endswith(".so")]
        elf = ELFFile(io.BytesIO(zf.read(binaries[0])))
        has_debug_info = elf.get_section_by_name(".debug_info") is not None
    assert {oct(m) for n, m in modes.items() if n not in binaries} == {"0o100644"}
    assert {oct(modes[n]) for n in binaries} == {"0o100755"}
    # The cases with debug info do test what they claim to.
    assert has_debug_info == (case in ("demo-debug", "options", "cxx-debug"))
    with tarfile.open(sdist) as tf:
        members = tf.getmembers()
    # flit-core gives the PKG-INFO it writes the time 0, always.
    times = {m.name.split("/", 1)[1]: m.mtime for m in members}
    assert times.pop("PKG-INFO") == 0 and set(times.values()) == {EPOCH}
    assert {(m.uid, m.gid, m.uname, m.gname) for m in members} == {(0, 0, "", "")}
    assert {oct(m.mode) for m in members if m.isfile()} == {"0o644"}
