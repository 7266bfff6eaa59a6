"""The musllinux audit (zlig/platforms/musllinux.py) on files it must refuse; the wheels
it passes are built and run in tests/test_crossos.py."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from zlig.platforms import musllinux
from zlig.runtime.errors import BuildError


def glibc_extension() -> Path:
    """An extension module of this (glibc) Python that links libc.so.6."""
    return Path(math.__file__)


def test_names_from_musl_pass() -> None:
    assert musllinux.allowed("libc.so", "x86_64")
    assert musllinux.allowed("libc.musl-aarch64.so.1", "aarch64")
    assert not musllinux.allowed("libc.so.6", "x86_64")


def test_a_glibc_extension_is_refused() -> None:
    with pytest.raises(BuildError) as raised:
        musllinux.audit([("pkg.math", glibc_extension())], "x86_64", "1_2")
    assert str(raised.value) == (
        "pkg.math needs libm.so.6, which musllinux_1_2 does not allow: only musl's libc; "
        "link it statically"
    )


def test_the_wrong_machine_is_refused() -> None:
    with pytest.raises(BuildError) as raised:
        musllinux.audit([("pkg.math", glibc_extension())], "aarch64", "1_2")
    assert str(raised.value) == "pkg.math was built for x86_64, not aarch64"
