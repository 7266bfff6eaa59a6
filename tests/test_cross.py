"""Cross-compiling for aarch64 on this x86_64 machine, checked for real: the
wheels are unpacked and imported by Debian's arm64 Python 3.11 under qemu."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .conftest import check_wheel, hook_value, run_hook, run_on_arm64
from .test_manylinux import auditwheel_tag

pytestmark = [pytest.mark.slow, pytest.mark.emulated]

TARGET = "aarch64-linux-gnu"
PLATFORM = "manylinux_2_17_aarch64.manylinux2014_aarch64"


def test_abi3_wheel_for_aarch64(project, sysroot: Path, tmp_path: Path) -> None:
    path = project("limited")
    name = hook_value(run_hook(path, f"build_wheel('dist', {{'target': {TARGET!r}}})"))
    assert name == f"limited-1.0-cp39-abi3-{PLATFORM}.whl"
    assert auditwheel_tag(path / "dist" / str(name)) == "manylinux_2_17_aarch64"
    check_wheel(path / "dist" / str(name))
    out = run_on_arm64(
        sysroot,
        path / "dist" / str(name),
        "import limited, platform as p; print(p.machine(), limited.add(2, 40), limited.version())",
        tmp_path,
    )
    assert out == "aarch64 42 3.11\n"


def test_cp311_wheel_for_aarch64(project, sysroot: Path, tmp_path: Path) -> None:
    path = project("demo")
    include = os.pathsep.join(
        [str(sysroot / "usr/include/python3.11"), str(sysroot / "usr/include")]
    )
    settings = {
        "target": TARGET,
        "target-ext-suffix": ".cpython-311-aarch64-linux-gnu.so",
        "target-include-dir": include,
    }
    name = hook_value(run_hook(path, f"build_wheel('dist', {settings!r})"))
    assert name == f"demo-1.0.0-cp311-cp311-{PLATFORM}.whl"
    assert auditwheel_tag(path / "dist" / str(name)) == "manylinux_2_17_aarch64"
    check_wheel(path / "dist" / str(name))
    out = run_on_arm64(
        sysroot,
        path / "dist" / str(name),
        "import demo; print(demo.add(2**40, 2), demo._core.__file__.rsplit('/', 1)[1])",
        tmp_path,
    )
    assert out == f"{2**40 + 2} _core.cpython-311-aarch64-linux-gnu.so\n"


def test_version_specific_cross_needs_the_target_python(project) -> None:
    result = run_hook(project("demo"), f"build_wheel('dist', {{'target': {TARGET!r}}})")
    assert result.returncode == 1
    assert result.stderr == (
        f"zlig: error: cross-compiling for {TARGET}: extensions that are not abi3 need the "
        "target Python's target-ext-suffix and target-include-dir (or set py-limited-api)\n"
    )
