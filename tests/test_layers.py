"""zlig's floors (README, "Development"): the import-linter contracts of
pyproject.toml hold for src/zlig, and each breaks, naming the import, when a
copy of the package is given an upward import, a third-party import in the
runtime, or an import cycle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONTRACTS = (
    "floors: face, commands, archives, builder, platforms, config, runtime",
    "the runtime (copied into editable wheels) imports only the standard library",
    "no import cycle among zlig's modules",
)


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports on ``root``'s pyproject.toml and ``root/src/zlig``."""
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )


def verdicts(output: str) -> dict[str, str]:
    """Each contract's name -> KEPT or BROKEN, from lint-imports' summary."""
    found = {}
    for line in output.splitlines():
        for name in CONTRACTS:
            if line.startswith(name + " "):
                found[name] = line.removeprefix(name + " ").strip()
    return found


def test_the_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert verdicts(result.stdout) == dict.fromkeys(CONTRACTS, "KEPT")
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken", "named"),
    [
        # config is below archives: reading settings must not pull in packing
        # (and the wheel writer reads settings: a cycle as well).
        (
            "config/validate.py",
            "from ..archives import wheel",
            {CONTRACTS[0], CONTRACTS[2]},
            "zlig.config.validate -> zlig.archives.wheel",
        ),
        # A type-checking import counts too.
        (
            "platforms/audit.py",
            "if TYPE_CHECKING:\n    from ..builder.compile import Build",
            {CONTRACTS[0], CONTRACTS[2]},
            "zlig.platforms.audit -> zlig.builder.compile",
        ),
        (
            "runtime/errors.py",
            "import packaging",
            {CONTRACTS[1]},
            "zlig.runtime.errors imports packaging",
        ),
        # Within one floor: the build folder's module importing the build.
        (
            "builder/folder.py",
            "from . import compile",
            {CONTRACTS[2]},
            "a cycle: zlig.builder.compile -> zlig.builder.folder -> zlig.builder.compile",
        ),
    ],
)
def test_a_broken_contract_fails_naming_the_import(
    tmp_path: Path, module: str, line: str, broken: set[str], named: str
) -> None:
    shutil.copytree(ROOT / "src" / "zlig", tmp_path / "src" / "zlig")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "tests").mkdir()
    for name in ("__init__.py", "import_contracts.py"):
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests")
    path = tmp_path / "src" / "zlig" / module
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert verdicts(result.stdout) == {
        name: "BROKEN" if name in broken else "KEPT" for name in CONTRACTS
    }
    assert named in result.stdout
