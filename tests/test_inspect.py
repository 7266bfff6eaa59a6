"""python -m zlig inspect: the manifest lists exactly what the built archives hold."""

from __future__ import annotations

import json
import sys
import tarfile
import zipfile
from pathlib import Path

from .conftest import ROOT, hook_value, run, run_hook
from .test_build import NESTED_TAG, SUFFIX, tree_digest
from .test_sdist_selection import add_untracked

VERSION = f"{sys.version_info[0]}{sys.version_info[1]}"


def inspect(path: Path, *args: str) -> dict:
    result = run([sys.executable, "-m", "zlig", "inspect", "--json", *args], cwd=path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def build(path: Path) -> tuple[Path, Path]:
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_wheel('dist')")))
    sdist = path / "dist" / str(hook_value(run_hook(path, "build_sdist('dist')")))
    return wheel, sdist


def members(wheel: Path, sdist: Path) -> tuple[list[str], list[str]]:
    """The archives' members in the order they were written."""
    with zipfile.ZipFile(wheel) as zf:
        wheel_names = zf.namelist()
    with tarfile.open(sdist) as tf:
        prefix = sdist.name.removesuffix(".tar.gz") + "/"
        sdist_names = [n.removeprefix(prefix) for n in tf.getnames()]
    return wheel_names, sdist_names


def paths(files: list[dict]) -> list[str]:
    return [f["path"] for f in files]


def test_manifest_is_what_the_archives_hold(project) -> None:
    """Sources from outside the package, an include folder, two extensions."""
    path = project("nested")
    before = tree_digest(path)
    data = inspect(path)
    # Nothing compiled, nothing written.
    assert tree_digest(path) == before and not (path / "build").exists()
    wheel, sdist = build(path)
    wheel_names, sdist_names = members(wheel, sdist)
    assert data["wheel"]["filename"] == wheel.name == f"spam-2.0-{NESTED_TAG}.whl"
    assert data["sdist"]["filename"] == sdist.name
    assert paths(data["wheel"]["files"]) == wheel_names
    assert paths(data["sdist"]["files"]) == sdist_names
    assert data["tag"] == NESTED_TAG
    reasons = {f["path"]: f["reason"] for f in data["sdist"]["files"]}
    assert reasons["csrc/b/util.h"] == "a header of tool.zlig.extensions[0]"
    assert reasons["src/spam/tiny.c"] == "a source of tool.zlig.extensions[1]"
    assert reasons["LICENSE"] == "[project] readme or licence"
    assert data["wheel"]["left-out"] == [
        {"path": "src/spam/tiny.c", "reason": "a source of tool.zlig.extensions[1]"}
    ]
    # The README's description of --json names every key.
    readme = (ROOT / "README.md").read_text().split("### Inspecting a build")[1].split("\n### ")[0]
    assert f"(`format` is {data['format']};" in readme
    keys = [*data, *data["sdist"], *data["wheel"], *data["extensions"][0], *data["hooks"]]
    keys += ["language", "directives", "compile-time-env", "include-dirs"]  # of "cython"
    assert [k for k in keys if f"`{k}`" not in readme] == []
    assert data["extensions"][0] == {
        "name": "spam.sub._core",
        "key": "tool.zlig.extensions[0]",
        "output": f"spam/sub/_core{SUFFIX}",
        "sources": ["csrc/a/util.c", "csrc/b/util.c", "csrc/module.c"],
        "left-out-by-marker": [],
        "include-dirs": ["include"],
        "define-macros": ["SPAM_SCALE=3", 'SPAM_NAME="spam"'],
        "undef-macros": [],
        "libraries": [],
        "library-dirs": [],
        "extra-compile-args": [],
        "source-compile-args": {},
        "optimize": "ReleaseFast",
        "strip": True,
        "optional": False,
        "py-limited-api": None,
        "cython": None,
    }


def test_selection_and_its_text(project) -> None:
    """[tool.zlig.sdist] rules, and the manifest as people read it."""
    path = project("selection")
    add_untracked(path)
    data = inspect(path)
    wheel, sdist = build(path)
    wheel_names, sdist_names = members(wheel, sdist)
    assert paths(data["wheel"]["files"]) == wheel_names
    assert paths(data["sdist"]["files"]) == sdist_names
    # The audit found no versioned glibc symbol: an older tag than the floor's.
    assert data["tag"] == f"cp{VERSION}-cp{VERSION}-manylinux_2_17_x86_64.manylinux2014_x86_64"
    assert (
        wheel.name
        == f"picked-0.3-cp{VERSION}-cp{VERSION}-manylinux_2_5_x86_64.manylinux1_x86_64.whl"
    )
    result = run([sys.executable, "-m", "zlig", "inspect"], cwd=path)
    assert result.returncode == 0, result.stderr
    core = f"picked/_core{SUFFIX}"
    tag = data["tag"]
    assert result.stdout == "\n".join(
        [
            "picked 0.3",
            "",
            "sdist picked-0.3.tar.gz:",
            "  CHANGES.md              tool.zlig.sdist.include 'CHANGES.md'",
            "  README.md               [project] readme or licence",
            "  csrc/core.c             a source of tool.zlig.extensions[0]",
            "  csrc/unused.c           tool.zlig.sdist.include 'csrc/'",
            "  data/a.dat              tool.zlig.sdist.include 'data/**/*.dat'",
            "  include/picked.h        a header of tool.zlig.extensions[0]",
            "  pyproject.toml          pyproject.toml",
            "  src/picked/__init__.py  package picked",
            "  src/picked/keep.tmp     package picked",
            "  tests/.gitignore        tool.zlig.sdist.include 'tests/'",
            "  tests/test_picked.py    tool.zlig.sdist.include 'tests/'",
            "  PKG-INFO                metadata",
            "",
            f"wheel picked-0.3-{tag}.whl:",
            f"  picked/__init__.py{' ' * (len(core) - 18)}  package picked",
            f"  picked/keep.tmp{' ' * (len(core) - 15)}  package picked",
            f"  picked/notes.tmp{' ' * (len(core) - 16)}  package picked",
            f"  {core}  extension picked._core (tool.zlig.extensions[0])",
            f"  picked-0.3.dist-info/WHEEL{' ' * (len(core) - 26)}  metadata",
            f"  picked-0.3.dist-info/METADATA{' ' * (len(core) - 29)}  metadata",
            f"  picked-0.3.dist-info/RECORD{' ' * (len(core) - 27)}  metadata",
            "  left out of the wheel:",
            "    src/picked/_core.abi3.so  built in place earlier",
            "",
            f"tag {tag}, if the audit finds the extensions fit for the manylinux floor",
            "",
            f"extension picked._core (tool.zlig.extensions[0]) -> {core}",
            "  sources: csrc/core.c",
            "  include-dirs: include",
            "  ReleaseFast, stripped",
            "",
        ]
    )


def test_hooks_files_are_named_but_not_listed(project) -> None:
    """What hooks add is known only when they run: the manifest names them,
    and lists every other file."""
    path = project("hooks")
    data = inspect(path)
    wheel, sdist = build(path)
    wheel_names, sdist_names = members(wheel, sdist)
    assert sorted([*paths(data["wheel"]["files"]), "hooked/build-info.txt"]) == sorted(wheel_names)
    assert sorted([*paths(data["sdist"]["files"]), "generated/tables.c"]) == sorted(sdist_names)
    assert data["wheel"]["added-by-hooks"] == [
        "tools/gen.py:generate",
        "tools/gen.py:add_build_info",
    ]
    assert data["sdist"]["added-by-hooks"] == ["tools/gen.py:ship_tables"]
    assert data["extensions"][0]["sources"] == ["src/hooked/_core.c", "$generated/tables.c"]
    reasons = {f["path"]: f["reason"] for f in data["sdist"]["files"]}
    assert reasons["tools/gen.py"] == "tool.zlig.hooks.before-build"


def test_config_settings_and_errors(project) -> None:
    path = project("nested")
    data = inspect(path, "-C", "py-limited-api=cp39", "-C", "optimize=Debug")
    assert data["tag"] == "cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64"
    assert data["extensions"][1]["output"] == "spam/_tiny.abi3.so"
    assert (data["extensions"][1]["optimize"], data["extensions"][1]["strip"]) == ("Debug", False)
    result = run([sys.executable, "-m", "zlig", "inspect", "-C", "optimize=Fast"], cwd=path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        "zlig: error: config_settings['optimize']: 'Fast' is not one of Debug, ReleaseSafe, "
        "ReleaseFast, ReleaseSmall\n"
    )


def test_cython_options(project) -> None:
    """The Cython options of each .pyx module, defaults from [tool.zlig] included."""
    path = project("cython")
    first, second = inspect(path)["extensions"][:2]
    assert first["sources"] == ["src/cypkg/first.pyx"]
    assert first["cython"] == {
        "language": None,
        "directives": {"embedsignature": "True"},
        "compile-time-env": {"OFFSET": "7"},
        "include-dirs": [],
    }
    assert second["cython"]["include-dirs"] == ["cython-include"]
    result = run([sys.executable, "-m", "zlig", "inspect"], cwd=path)
    assert (
        "  cython: language c (or as the .pyx says) -X embedsignature=True -E OFFSET=7\n"
        in result.stdout
    )
