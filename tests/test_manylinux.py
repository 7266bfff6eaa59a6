"""manylinux by construction: Zig links against a glibc floor, zlig audits what
it built, and auditwheel reports the same tag zlig wrote."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from zlig.config import settings as config
from zlig.platforms import manylinux
from zlig.runtime.errors import ConfigError

from .conftest import check, check_wheel, hook_value, run_hook

VERSION = f"{sys.version_info[0]}{sys.version_info[1]}"
AUDITWHEEL = Path(sys.executable).with_name("auditwheel")


def auditwheel_tag(wheel: Path) -> str:
    out = check([AUDITWHEEL, "show", wheel]).stdout
    match = re.search(
        r"consistent with the following platform tag: \"([^\"]+)\"", " ".join(out.split())
    )
    assert match, out
    return match[1]


def build(path: Path, settings: str = "") -> Path:
    name = hook_value(run_hook(path, f"build_wheel('dist', {{{settings}}})"))
    return path / "dist" / str(name)


@pytest.mark.parametrize(
    ("name", "platform"),
    [
        ("demo", "manylinux_2_5_x86_64.manylinux1_x86_64"),
        ("nested", "manylinux_2_17_x86_64.manylinux2014_x86_64"),
        ("limited", "manylinux_2_5_x86_64.manylinux1_x86_64"),
    ],
)
def test_auditwheel_agrees(project, name: str, platform: str) -> None:
    wheel = build(project(name))
    assert wheel.name.endswith(f"-{platform}.whl")
    assert auditwheel_tag(wheel) == platform.split(".")[0]


def test_floor_sets_the_zig_target_and_caps_the_tag(project) -> None:
    path = project("nested")
    wheel = build(path, "'manylinux': '2_28'")
    plan_file = path / "build/zlig" / f"cp{VERSION}-cp{VERSION}-manylinux_2_28_x86_64/plan.json"
    assert json.loads(plan_file.read_text())["target"] == "x86_64-linux-gnu.2.28"
    # clock_gettime is still GLIBC_2.17 against glibc 2.28: the wheel deserves 2_17.
    assert (
        wheel.name
        == f"spam-2.0-cp{VERSION}-cp{VERSION}-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    )
    assert auditwheel_tag(wheel) == "manylinux_2_17_x86_64"


def test_off_gives_a_plain_linux_wheel(project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZLIG_MANYLINUX", "off")
    path = project("demo")
    wheel = build(path)
    assert wheel.name == f"demo-1.0.0-cp{VERSION}-cp{VERSION}-linux_x86_64.whl"
    plan_file = path / "build/zlig" / f"cp{VERSION}-cp{VERSION}-linux_x86_64/plan.json"
    assert json.loads(plan_file.read_text())["target"].startswith("x86_64-linux-gnu.2.")
    check_wheel(wheel)


def make_extlib(path: Path) -> None:
    (path / "lib").mkdir()
    check(
        [
            sys.executable,
            "-m",
            "ziglang",
            "cc",
            "-shared",
            "-target",
            "x86_64-linux-gnu.2.17",
            "-o",
            path / "lib" / "libextlib.so",
            path / "extlib" / "extlib.c",
        ]
    )


def test_library_outside_the_policy_is_refused(project, tmp_path: Path) -> None:
    path = project("linked")
    make_extlib(path)
    out = tmp_path / "out"
    result = run_hook(path, f"build_wheel({str(out)!r})")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        f"zlig: error: linked._core needs {path / 'lib' / 'libextlib.so'}, which manylinux_2_17 "
        "does not allow; link it statically, or set tool.zlig.manylinux = 'off' for a wheel "
        "for this machine only"
    )
    assert not out.exists() or list(out.iterdir()) == []
    # With manylinux off it builds, and auditwheel agrees it is not manylinux.
    wheel = build(path, "'manylinux': 'off'")
    assert wheel.name == f"linked-1.0-cp{VERSION}-cp{VERSION}-linux_x86_64.whl"
    assert auditwheel_tag(wheel) == "linux_x86_64"


def floor(name: str) -> manylinux.Policy:
    return manylinux.floor_policy(name, "manylinux")


@pytest.mark.parametrize(
    ("info", "problems"),
    [
        (
            manylinux.ElfInfo(
                "x86_64", ("libc.so.6",), (("libc.so.6", "GLIBC_2.17"),), frozenset()
            ),
            [],
        ),
        (
            manylinux.ElfInfo(
                "x86_64", ("libc.so.6",), (("libc.so.6", "GLIBC_2.34"),), frozenset()
            ),
            [
                "uses GLIBC_2.34 from libc.so.6, newer than manylinux_2_17 allows; raise the floor "
                "(tool.zlig.manylinux), or set tool.zlig.manylinux = 'off' for a wheel for this "
                "machine only"
            ],
        ),
        (
            manylinux.ElfInfo(
                "x86_64", ("libc.so.6",), (("libc.so.6", "GLIBC_PRIVATE"),), frozenset()
            ),
            [],
        ),
        (
            manylinux.ElfInfo(
                "x86_64", ("libstdc++.so.6",), (("libstdc++.so.6", "GLIBCXX_3.4.30"),), frozenset()
            ),
            [
                "uses GLIBCXX_3.4.30 from libstdc++.so.6, newer than manylinux_2_17 allows; "
                "raise the floor (tool.zlig.manylinux), or set tool.zlig.manylinux = 'off' "
                "for a wheel for this machine only"
            ],
        ),
        (
            manylinux.ElfInfo("x86_64", ("libpython3.11.so.1.0",), (), frozenset()),
            [
                "needs libpython3.11.so.1.0, which manylinux_2_17 does not allow; link it "
                "statically, or set tool.zlig.manylinux = 'off' for a wheel for this machine only"
            ],
        ),
    ],
)
def test_violations(info: manylinux.ElfInfo, problems: list[str]) -> None:
    assert manylinux.violations(info, floor("2_17")) == problems


def test_policies_and_tags() -> None:
    assert floor("2_17").tags("aarch64") == "manylinux_2_17_aarch64.manylinux2014_aarch64"
    assert floor("manylinux2014") == floor("2_17")
    assert floor("2_28").tags("x86_64") == "manylinux_2_28_x86_64"
    assert [p.name for p in manylinux.policies()][:3] == [
        "manylinux_2_5",
        "manylinux_2_12",
        "manylinux_2_17",
    ]


def test_unknown_floor_is_a_config_error(project) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(project("demo"), {"manylinux": "2_99"})
    assert str(info.value).startswith(
        "config_settings['manylinux']: '2_99' is not a manylinux floor zlig knows (2_5, 2_12, 2_17,"
    )
    assert str(info.value).endswith(", or 'off')")
