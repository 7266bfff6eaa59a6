"""Wheel tags derived from the interpreter's own sysconfig."""

from __future__ import annotations

import sys
import sysconfig

import pytest

from zlig import target
from zlig.errors import BuildError


@pytest.mark.parametrize(
    ("ext_suffix", "abi"),
    [
        (".cpython-311-x86_64-linux-gnu.so", "cp311"),
        (".cpython-39-aarch64-linux-gnu.so", "cp39"),
        (".cpython-313t-x86_64-linux-gnu.so", "cp313t"),
        (".cpython-311d-x86_64-linux-gnu.so", "cp311d"),
        (".cpython-312-darwin.so", "cp312"),
        (".cp311-win_amd64.pyd", "cp311"),
        (".cp313t-win_arm64.pyd", "cp313t"),
        (".pypy310-pp73-x86_64-linux-gnu.so", "pypy310_pp73"),
    ],
)
def test_abi_tag_from_ext_suffix(ext_suffix: str, abi: str) -> None:
    assert target.abi_tag(ext_suffix) == abi


def test_unknown_ext_suffix_is_an_error() -> None:
    with pytest.raises(BuildError, match=r"^cannot derive a wheel ABI tag from EXT_SUFFIX '\.so'$"):
        target.abi_tag(".so")


def test_host_target_matches_this_interpreter() -> None:
    host = target.host()
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    assert host.ext_suffix == sysconfig.get_config_var("EXT_SUFFIX")
    assert host.tag == f"cp{version}-cp{version}-linux_x86_64"
    assert host.zig_target.startswith("x86_64-linux-gnu.2.")
    assert (host.include_dirs[0] / "Python.h").is_file()


@pytest.mark.parametrize(
    ("platform", "ext_suffix", "zig"),
    [
        ("linux_aarch64", ".cpython-311-aarch64-linux-gnu.so", "aarch64-linux-gnu."),
        ("linux_x86_64", ".cpython-311-x86_64-linux-musl.so", "x86_64-linux-musl"),
        ("macosx_11_0_arm64", ".cpython-311-darwin.so", "native"),
    ],
)
def test_zig_target(platform: str, ext_suffix: str, zig: str) -> None:
    assert target.zig_target(platform, ext_suffix).startswith(zig)
