"""Editable installs for the benchmark: one environment per backend.

Every backend's project is the same distribution (``zbench``), so each gets
its own virtual environment, in which the bench venv's packages are visible
(a ``.pth`` file): pip, the backends and their tools are those of the bench
venv, as in ``--no-build-isolation`` builds; the editable install is the
environment's own.
"""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
from pathlib import Path

#: Imports the module, then writes the path of the file it was loaded from
#: (an extension rebuilt on import must be the one that holds the edit).
IMPORT = (
    "import importlib, sys; m = importlib.import_module(sys.argv[1]); "
    "open(sys.argv[2], 'w').write(m.__file__)"
)


def environment(folder: Path) -> Path:
    """A virtual environment at ``folder`` that sees the bench venv's packages;
    return its python. Made once."""
    python = folder / "bin" / "python"
    if python.exists():
        return python
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", folder], check=True)
    purelib = Path(
        sysconfig.get_path("purelib", vars={"base": str(folder), "platbase": str(folder)})
    )
    # addsitedir, not a bare path: the bench venv's own .pth files are read too.
    bench = site.getsitepackages()[0]
    line = f"import site; site.addsitedir({bench!r})\n"
    (purelib / "zz-bench-venv.pth").write_text(line, encoding="utf-8")
    return python


def install_command(python: Path, config_settings: list[str]) -> list[str]:
    """``pip install -e . --no-build-isolation`` into the environment of ``python``."""
    pip = [str(python), "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps"]
    return [*pip, *config_settings, "-e", "."]


def uninstall_command(python: Path, distribution: str) -> list[str]:
    return [str(python), "-m", "pip", "uninstall", "-q", "-y", distribution]


def import_command(python: Path, module: str, loaded_from: Path) -> list[str]:
    return [str(python), "-c", IMPORT, module, str(loaded_from)]
