"""Real builds through the hooks, called in a subprocess as a frontend calls them
(without build isolation: zlig and ziglang come from the test environment)."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from .conftest import (
    check,
    check_distribution,
    check_wheel,
    hook_value,
    offline_env,
    prefix_maps,
    read_member,
    run,
    run_hook,
    wheel_members,
)

VERSION = f"{sys.version_info[0]}{sys.version_info[1]}"
# The demo uses no versioned glibc symbol: the audit finds it fit for the
# oldest policy. nested calls clock_gettime (GLIBC_2.17). The build folder is
# named after the floor.
TAG = f"cp{VERSION}-cp{VERSION}-manylinux_2_5_x86_64.manylinux1_x86_64"
NESTED_TAG = f"cp{VERSION}-cp{VERSION}-manylinux_2_17_x86_64.manylinux2014_x86_64"
BUILD_TAG = f"cp{VERSION}-cp{VERSION}-manylinux_2_17_x86_64"
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX")


#: The sdist of tests/packages/nested: sources and headers from outside the package too.
NESTED_SDIST = {
    "LICENSE",
    "README.md",
    "PKG-INFO",
    "pyproject.toml",
    "csrc/module.c",
    "csrc/a/util.c",
    "csrc/b/util.c",
    "csrc/b/util.h",
    "include/spam.h",
    "src/spam/__init__.py",
    "src/spam/sub/__init__.py",
    "src/spam/tiny.c",
}


def tree_digest(root: Path) -> dict[str, str]:
    """Hashes of every file of a project, except the build and output folders."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] not in ("build", "dist")
    }


def assert_record_matches(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (record_name,) = [n for n in names if n.endswith(".dist-info/RECORD")]
        rows = list(csv.reader(io.StringIO(zf.read(record_name).decode())))
        assert {row[0] for row in rows} == names
        for path, digest, size in rows:
            if path == record_name:
                assert (digest, size) == ("", "")
                continue
            data = zf.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode()
            assert int(size) == len(data)


def test_wheel_and_sdist_of_a_nested_project(project, make_venv, wheelhouse: Path) -> None:
    path = project("nested")
    before = tree_digest(path)
    result = run_hook(path, "build_wheel('dist')")
    assert result.returncode == 0, result.stderr
    assert f"'spam-2.0-{NESTED_TAG}.whl'" in result.stdout
    # Quiet: no command, one summary line.
    lines = result.stdout.splitlines()
    assert not [line for line in lines if line.startswith("+ ") or "zig build" in line]
    # (After a "still building" line on a busy machine.)
    assert re.fullmatch(
        r"zlig: built spam\.sub\._core, spam\._tiny \(4 C files: \d compiled, \d cached; "
        rf"[0-9.]+ s\), tag {re.escape(NESTED_TAG)}",
        [line for line in lines if line.startswith("zlig: built ")][0],
    )

    wheel = path / "dist" / f"spam-2.0-{NESTED_TAG}.whl"
    assert wheel_members(wheel) == {
        "spam/__init__.py",
        "spam/sub/__init__.py",
        f"spam/sub/_core{SUFFIX}",
        f"spam/_tiny{SUFFIX}",
        "spam-2.0.dist-info/licenses/LICENSE",
        "spam-2.0.dist-info/WHEEL",
        "spam-2.0.dist-info/METADATA",
        "spam-2.0.dist-info/RECORD",
    }
    assert read_member(wheel, "WHEEL") == (
        "Wheel-Version: 1.0\nGenerator: zlig 0.1.0\nRoot-Is-Purelib: false\n"
        f"Tag: cp{VERSION}-cp{VERSION}-manylinux2014_x86_64\n"
        f"Tag: cp{VERSION}-cp{VERSION}-manylinux_2_17_x86_64\n"
    )
    assert_record_matches(wheel)
    check_wheel(wheel)

    result = run_hook(path, "build_sdist('dist')")
    assert result.returncode == 0, result.stderr
    with tarfile.open(path / "dist" / "spam-2.0.tar.gz") as tf:
        assert {n.removeprefix("spam-2.0/") for n in tf.getnames()} == NESTED_SDIST
    check_distribution(path / "dist" / "spam-2.0.tar.gz")
    assert {p.name for p in (path / "dist").iterdir()} == {
        "spam-2.0.tar.gz",
        f"spam-2.0-{NESTED_TAG}.whl",
    }
    # The source tree is as it was; build state is only under build/.
    assert tree_digest(path) == before
    assert (path / "build" / "zlig" / ".gitignore").read_text().endswith("*\n")

    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "--no-deps", wheel], env=offline_env(wheelhouse))
    out = check(
        [
            python,
            "-c",
            "import spam.sub as s, spam._tiny as t; "
            "print(s.twice_a(5), s.twice_b(5), s.scaled(5), s.name(), t.ANSWER, s.clock_works())",
        ],
        cwd="/",
    )
    # twice_a and twice_b come from two files both named util.c.
    assert out.stdout == "10 11 15 spam 42 True\n"


def test_build_plan_is_portable_and_optimised(project) -> None:
    path = project("demo")
    assert run_hook(path, "build_wheel('dist')").returncode == 0
    plan = json.loads((path / "build" / "zlig" / BUILD_TAG / "plan.json").read_text())
    (ext,) = plan["extensions"]
    assert (plan["cpu"], plan["target"]) == ("baseline+evex512+crc32", "x86_64-linux-gnu.2.17")
    assert (ext["optimize"], ext["strip"]) == ("ReleaseFast", True)
    assert ext["c_sources"] == [
        {"path": "../../../src/demo/_core.c", "flags": [*prefix_maps(), "-fwrapv"]}
    ]
    assert ext["macros"] == [["NDEBUG", "1"]]

    result = run_hook(path, "build_wheel('dist', {'optimize': 'Debug'})")
    assert result.returncode == 0, result.stderr
    plan = json.loads((path / "build" / "zlig" / BUILD_TAG / "plan.json").read_text())
    (ext,) = plan["extensions"]
    assert (ext["optimize"], ext["strip"], ext["macros"]) == ("Debug", False, [])


def failed_build(path: Path, tmp_path: Path) -> str:
    """Run build_wheel, which must fail cleanly: exit 1 without a traceback, an
    empty output folder, the project byte-identical. Return its stderr."""
    before = tree_digest(path)
    out = tmp_path / "out"
    out.mkdir()
    result = run_hook(path, f"build_wheel({str(out)!r})")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert list(out.iterdir()) == []
    assert tree_digest(path) == before
    return result.stderr


def test_compile_error_names_file_and_line(project, tmp_path: Path) -> None:
    stderr = failed_build(project("broken"), tmp_path)
    assert "src/broken/core.c:4:14: error: expected ';' after return statement" in stderr
    assert stderr.splitlines()[-1] == (
        "zlig: error: src/broken/core.c:4:14: expected ';' after return statement"
    )


def test_pure_project_needs_no_zig(project) -> None:
    path = project("pure")
    result = run_hook(path, "get_requires_for_build_wheel()")
    assert result.stdout == "[]\n"
    result = run_hook(path, "build_wheel('dist')")
    assert result.returncode == 0, result.stderr
    wheel = path / "dist" / "purepkg-0.3-py3-none-any.whl"
    assert wheel_members(wheel) == {
        "purepkg/__init__.py",
        "purepkg-0.3.dist-info/WHEEL",
        "purepkg-0.3.dist-info/METADATA",
        "purepkg-0.3.dist-info/RECORD",
    }
    assert "Root-Is-Purelib: true\nTag: py3-none-any\n" in read_member(wheel, "WHEEL")
    check_wheel(wheel)
    assert not (path / "build").exists()


def test_requirements(project, tmp_path: Path) -> None:
    path = project("demo")
    # Zig is asked for until zlig has kept a copy of it in its cache.
    env = dict(os.environ, ZLIG_CACHE_DIR=str(tmp_path / "cache"))
    for hook in ("get_requires_for_build_wheel()", "get_requires_for_build_editable()"):
        assert run_hook(path, hook, env=env).stdout == "['ziglang==0.16.0']\n"
    assert run_hook(path, "get_requires_for_build_sdist()", env=env).stdout == "[]\n"
    hook_value(run_hook(path, "build_wheel('dist')", env=env))
    assert (tmp_path / "cache" / "zig-0.16.0" / "zig").is_file()
    for hook in ("get_requires_for_build_wheel()", "get_requires_for_build_editable()"):
        assert run_hook(path, hook, env=env).stdout == "[]\n"


@pytest.mark.parametrize("hook", ["wheel", "editable"])
def test_prepared_metadata_matches_the_wheel(project, hook: str, tmp_path: Path) -> None:
    path = project("nested")
    meta = tmp_path / "meta"
    meta.mkdir()
    result = run_hook(path, f"prepare_metadata_for_build_{hook}({str(meta)!r})")
    assert hook_value(result) == "spam-2.0.dist-info"
    result = run_hook(path, f"build_{hook}('dist')")
    assert result.returncode == 0, result.stderr
    wheel = path / "dist" / f"spam-2.0-{NESTED_TAG}.whl"
    for name in ("WHEEL", "METADATA"):
        assert (meta / "spam-2.0.dist-info" / name).read_text() == read_member(wheel, name)


def test_editable_wheel(project) -> None:
    path = project("demo")
    result = run_hook(path, "build_editable('dist')")
    assert result.returncode == 0, result.stderr
    wheel = path / "dist" / f"demo-1.0.0-{TAG}.whl"
    assert wheel_members(wheel) == {
        "demo.pth",
        "_zlig_editable_demo.pth",
        "_zlig_editable_demo.py",
        "_zlig_editable_demo_diagnostics.py",
        "demo-1.0.0.dist-info/WHEEL",
        "demo-1.0.0.dist-info/METADATA",
        "demo-1.0.0.dist-info/RECORD",
    }
    assert read_member(wheel, "demo.pth") == str(path / "src")
    assert read_member(wheel, "_zlig_editable_demo.pth") == "import _zlig_editable_demo\n"
    loader = read_member(wheel, "_zlig_editable_demo.py")
    out = path / "build" / "zlig" / BUILD_TAG / "out"
    assert f"'extensions': {{'demo._core': '{out}/demo/_core{SUFFIX}'}}" in loader
    # The extension stays in the build folder; the source tree is untouched.
    assert sorted(p.name for p in (path / "src" / "demo").iterdir()) == ["__init__.py", "_core.c"]
    check_wheel(wheel)


def test_missing_zig_is_a_clear_error(
    project, make_venv, wheelhouse_without_zig, tmp_path: Path
) -> None:
    python = make_venv()
    env = offline_env(wheelhouse_without_zig)
    check([python, "-m", "pip", "install", "-q", "zlig"], env=env)
    path = project("demo")
    env["ZLIG_CACHE_DIR"] = str(tmp_path / "empty")  # no kept Zig either
    result = run_hook(path, "build_wheel('dist')", python=python, env=env)
    assert result.returncode == 1
    assert result.stderr == (
        "zlig: error: Zig is not installed; zlig compiles with the ziglang package: "
        "pip install 'ziglang==0.16.0' (build frontends install it automatically unless "
        "build isolation is off)\n"
    )
    assert not (path / "dist").exists()
    # ... and the pure-Python project builds in the same environment.
    result = run_hook(project("pure"), "build_wheel('dist')", python=python)
    assert result.stdout == "'purepkg-0.3-py3-none-any.whl'\n", result.stderr


def test_flit_error_at_the_boundary(project) -> None:
    path = project("demo")
    text = (path / "pyproject.toml").read_text().replace('name = "demo"', 'name = "nothere"')
    (path / "pyproject.toml").write_text(text)
    result = run([sys.executable, "-c", "import zlig; zlig.build_sdist('dist')"], cwd=path)
    assert result.returncode == 1
    assert result.stderr == "zlig: error: flit-core: No file/folder found for module nothere\n"


def test_check_wheel_catches_a_wrong_record(project, tmp_path: Path) -> None:
    path = project("pure")
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_wheel('dist')")))
    tampered = tmp_path / wheel.name
    with zipfile.ZipFile(wheel) as zin, zipfile.ZipFile(tampered, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, data + b"# changed\n" if info.filename.endswith(".py") else data)
    check_wheel(wheel)
    with pytest.raises(AssertionError, match="didn't match RECORD"):
        check_wheel(tampered)
