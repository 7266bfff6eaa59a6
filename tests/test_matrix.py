"""``python -m zlig wheels``: the sdist, then one wheel per target built from it,
and the summary table."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from zlig.commands import matrix
from zlig.config import settings as config
from zlig.runtime.errors import ConfigError

from .conftest import check_wheel, run


def wheels(path: Path, *args: str):
    return run([sys.executable, "-m", "zlig", "wheels", *args], cwd=path)


@pytest.mark.slow
def test_wheels_for_three_targets(project) -> None:
    path = project("limited")
    result = wheels(path, "--targets", "here,x86_64-linux-musl,aarch64-linux-gnu")
    assert result.returncode == 0, result.stderr
    names = [
        "limited-1.0-cp39-abi3-manylinux_2_5_x86_64.manylinux1_x86_64.whl",
        "limited-1.0-cp39-abi3-musllinux_1_2_x86_64.whl",
        "limited-1.0-cp39-abi3-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
    ]
    assert sorted(p.name for p in (path / "dist").iterdir()) == sorted(
        ["limited-1.0.tar.gz", *names]
    )
    lines = result.stdout.splitlines()
    start = lines.index("zlig: dist/limited-1.0.tar.gz")
    table = [line.split() for line in lines[start + 1 :]]
    assert table[0] == ["target", "wheel", "size", "time", "audit"]
    assert [(row[0], row[1], row[-1]) for row in table[1:]] == [
        ("here", names[0], "ok"),
        ("x86_64-linux-musl", names[1], "ok"),
        ("aarch64-linux-gnu", names[2], "ok"),
    ]
    for name in names:
        check_wheel(path / "dist" / name)


def test_a_failed_target_is_in_the_table_and_the_exit_status(project) -> None:
    path = project("demo")
    result = wheels(path, "--targets", "universal2-macos")
    assert result.returncode == 1
    row = next(line for line in result.stdout.splitlines() if line.startswith("universal2-macos"))
    assert row.split()[1:3] == ["-", "-"]  # no wheel, no size
    assert row.endswith(
        "cross-compiling for universal2-macos: extensions that are not abi3 need the target "
        "Python's target-ext-suffix and target-include-dir (or set py-limited-api)"
    )
    assert result.stderr.splitlines()[-1] == "zlig: error: 1 of 1 wheels failed: universal2-macos"
    assert sorted(p.name for p in (path / "dist").iterdir()) == ["demo-1.0.0.tar.gz"]


def test_default_targets(project) -> None:
    limited = config.load(project("limited"))
    assert matrix.targets(limited, {}, None) == list(matrix.ABI3_MATRIX)
    demo = config.load(project("demo"))
    assert matrix.targets(demo, {}, None) == ["here"]
    assert matrix.targets(demo, {"matrix": ["here", "aarch64-linux-gnu"]}, None) == [
        "here",
        "aarch64-linux-gnu",
    ]
    assert matrix.targets(demo, {"matrix": ["here"]}, "x86_64-windows, here") == [
        "x86_64-windows",
        "here",
    ]


@pytest.mark.parametrize(
    ("tool", "chosen", "message"),
    [
        ({}, "sparc-linux", "--targets: 'sparc-linux' is not a target zlig builds for (here, "),
        ({}, ",", "--targets: give a list of targets, e.g. ['x86_64-linux-gnu', 'here']"),
        (
            {"matrix": "here"},
            None,
            "tool.zlig.matrix: give a list of targets, e.g. ['x86_64-linux-gnu', 'here']",
        ),
        ({"matrix": ["x86_64-macos", "win"]}, None, "tool.zlig.matrix: 'win' is not a target"),
    ],
)
def test_target_errors(project, tool, chosen, message: str) -> None:
    settings = config.load(project("demo"))
    with pytest.raises(ConfigError) as raised:
        matrix.targets(settings, tool, chosen)
    assert str(raised.value).startswith(message)


def test_matrix_in_pyproject(project) -> None:
    path = project("limited")
    toml = path / "pyproject.toml"
    toml.write_text(
        toml.read_text().replace(
            "[tool.zlig]\n", '[tool.zlig]\nmatrix = ["here", "x86_64-windows"]\n'
        )
    )
    settings = config.load(path)  # a known key
    tool = config.read_pyproject(path)["tool"]["zlig"]
    assert matrix.targets(settings, tool, None) == ["here", "x86_64-windows"]
