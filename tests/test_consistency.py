"""The README's reference, the version and the requirements agree with the code."""

from __future__ import annotations

import re
import sys

import zlig
from zlig.build import zig
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
