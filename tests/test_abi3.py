"""The stable ABI: one wheel for CPython 3.9 and newer, clean under abi3audit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from zlig.config import settings as config
from zlig.runtime.errors import ConfigError

from .conftest import (
    check,
    check_wheel,
    hook_value,
    offline_env,
    pyenv_python,
    run_hook,
    wheel_members,
)

PY = f"{sys.version_info[0]}.{sys.version_info[1]}"

ABI3AUDIT = Path(sys.executable).with_name("abi3audit")
WHEEL = "limited-1.0-cp39-abi3-manylinux_2_5_x86_64.manylinux1_x86_64.whl"


@pytest.fixture
def abi3_wheel(project) -> Path:
    path = project("limited")
    assert hook_value(run_hook(path, "build_wheel('dist')")) == WHEEL
    return path / "dist" / WHEEL


def test_abi3_wheel(abi3_wheel: Path) -> None:
    assert wheel_members(abi3_wheel) == {
        "limited/__init__.py",
        "limited/_core.abi3.so",
        "limited-1.0.dist-info/WHEEL",
        "limited-1.0.dist-info/METADATA",
        "limited-1.0.dist-info/RECORD",
    }
    check_wheel(abi3_wheel)
    result = check([ABI3AUDIT, "--strict", "--summary", abi3_wheel])
    out = result.stdout + result.stderr
    assert "1 extensions scanned; 0 ABI version mismatches and 0 ABI violations" in " ".join(
        out.split()
    )


@pytest.mark.slow
@pytest.mark.parametrize("version", ["3.9", "3.10", "3.12", "3.13"])
def test_one_abi3_wheel_runs_on_every_python(abi3_wheel, make_venv, wheelhouse, version) -> None:
    python = make_venv(pyenv_python(version))
    check([python, "-m", "pip", "install", "-q", abi3_wheel], env=offline_env(wheelhouse))
    out = check([python, "-c", "import limited; print(limited.add(2, 3), limited.version())"])
    assert out.stdout == f"5 {version}\n"


def test_per_extension_opt_out(project) -> None:
    path = project("nested")
    text = (path / "pyproject.toml").read_text()
    text = text.replace('name = "spam._tiny"', 'name = "spam._tiny"\npy-limited-api = "cp310"')
    (path / "pyproject.toml").write_text(text)
    result = run_hook(path, "build_wheel('dist')")
    assert result.returncode == 0, result.stderr
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    (wheel,) = (path / "dist").iterdir()
    # One extension is abi3, the other is not: the wheel is version-specific.
    assert wheel.name.startswith(f"spam-2.0-cp{version}-cp{version}-")
    names = wheel_members(wheel)
    assert "spam/_tiny.abi3.so" in names
    assert f"spam/sub/_core.cpython-{version}-x86_64-linux-gnu.so" in names


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "39",
            "tool.zlig.py-limited-api: '39' must be a CPython version tag such as 'cp39', or 'off'",
        ),
        (
            "cp314",
            "tool.zlig.extensions[0].py-limited-api (or tool.zlig.py-limited-api): cp314 is "
            f"newer than the Python running the build ({PY}); "
            "build with Python 3.14 or newer",
        ),
    ],
)
def test_limited_api_errors(project, value: str, message: str) -> None:
    path = project("limited")
    text = (path / "pyproject.toml").read_text().replace('"cp39"', f'"{value}"')
    (path / "pyproject.toml").write_text(text)
    result = run_hook(path, "build_wheel('dist')")
    assert result.returncode == 1
    assert result.stderr == f"zlig: error: {message}\n"


def test_per_extension_type_error(project) -> None:
    path = project("limited")
    text = (
        (path / "pyproject.toml")
        .read_text()
        .replace(
            'sources = ["src/limited/core.c"] }',
            'sources = ["src/limited/core.c"], py-limited-api = 3 }',
        )
    )
    (path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert str(info.value) == (
        "tool.zlig.extensions[0].py-limited-api must be a string such as 'cp39' or false, "
        "not an integer"
    )
