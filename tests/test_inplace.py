"""python -m zlig build --inplace / clean: work from the source tree."""

from __future__ import annotations

import sys
import sysconfig
from pathlib import Path

from .conftest import check, run
from .test_build import tree_digest

SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


def zlig(path: Path, *args: str):
    return run([sys.executable, "-m", "zlig", *args], cwd=path)


def test_build_inplace_then_clean(project) -> None:
    path = project("nested")
    before = tree_digest(path)
    result = zlig(path, "build", "--inplace")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-2:] == [
        f"built src/spam/sub/_core{SUFFIX}",
        f"built src/spam/_tiny{SUFFIX}",
    ]
    code = "import spam.sub as s, spam._tiny as t; print(s.twice_b(1), t.ANSWER, s.__file__)"
    out = check([sys.executable, "-c", code], cwd=path / "src").stdout
    assert out == f"3 42 {path / 'src/spam/sub/__init__.py'}\n"

    (path / "src" / "spam" / "keep.so").write_bytes(b"not zlig's")
    result = zlig(path, "clean")
    assert result.stdout.splitlines() == [
        f"removed src/spam/_tiny{SUFFIX}",
        f"removed src/spam/sub/_core{SUFFIX}",
        "removed build/zlig",
    ]
    (path / "src" / "spam" / "keep.so").unlink()
    assert tree_digest(path) == before
    assert not (path / "build").exists()


def test_command_line_errors(project) -> None:
    path = project("demo")
    result = zlig(path, "build", "--inplace", "-C", "optimise=Debug")
    assert (result.returncode, result.stderr) == (
        1,
        "zlig: error: config_settings: unknown key 'optimise'; did you mean 'optimize'?\n",
    )
    result = zlig(path, "build", "--inplace", "-C", "optimize")
    assert (result.returncode, result.stderr) == (
        1,
        "zlig: error: -C 'optimize' must be KEY=VALUE\n",
    )
    result = zlig(path, "build")
    assert result.returncode == 2
    assert "the following arguments are required: --inplace" in result.stderr
