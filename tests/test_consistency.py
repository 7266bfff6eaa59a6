"""The README's reference, the version and the requirements agree with the code."""

from __future__ import annotations

import re
import sys

import zlig
from zlig.builder import zig
from zlig.config import extension
from zlig.config import settings as config

from .conftest import ROOT, _wheelhouse

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

README = (ROOT / "README.md").read_text()


def test_readme_documents_every_option() -> None:
    for name, option in config.OPTIONS.items():
        default = f"`{option.default}`" if option.default else "none"
        assert f"| `{name}` | {default} | {option.doc} |" in README
    documented = re.findall(
        r"^\| `([a-z-]+)` \| (?:string|list|table|boolean)", README, re.MULTILINE
    )
    assert documented == list(extension.EXTENSION_KEYS)


def test_versions_agree() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["version"] == zlig.__version__
    requirements = (ROOT / "tests" / "requirements.txt").read_text()
    assert zig.ZIG_REQUIREMENT in requirements.splitlines()
    assert f"Zig **{zig.ZIG_VERSION}**" in README
    assert zig.ZIG_REQUIREMENT in _wheelhouse.REQUIREMENTS


def test_zlig_own_archives_hold_every_file_of_the_package(tmp_path) -> None:
    """zlig's sdist and wheel (flit-core's, by pyproject.toml) hold every file
    of src/zlig that git tracks: [tool.flit.sdist] exclude patterns such as
    ``**/build/`` must not catch one of zlig's own folders."""
    import subprocess
    import tarfile
    import zipfile

    tracked = subprocess.run(
        ["git", "ls-files", "src/zlig"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(tracked) > 50 and "src/zlig/builder/build.zig" in tracked
    code = (
        "import sys; from flit_core import buildapi as b; "
        "b.build_sdist(sys.argv[1]); b.build_wheel(sys.argv[1])"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, check=True)
    (sdist,) = tmp_path.glob("*.tar.gz")
    (wheel,) = tmp_path.glob("*.whl")
    with tarfile.open(sdist) as tar:
        in_sdist = {n.split("/", 1)[1] for n in tar.getnames() if "/src/zlig/" in n}
    with zipfile.ZipFile(wheel) as zf:
        in_wheel = {n for n in zf.namelist() if n.startswith("zlig/")}
    assert in_sdist == set(tracked)
    assert in_wheel == {path.removeprefix("src/") for path in tracked}
