"""Fuzzed configuration: whatever ``[tool.zlig]`` and ``config_settings`` hold,
zlig either accepts it or stops with a ZligError, never another exception.

In process against ``config.load`` (and ``target.resolve``, which reads the
cross-compiling options) with many examples, then a few real hook runs in a
subprocess: success, or exit 1 with exactly one ``zlig: error:`` line, no
traceback, nothing in the output folder and the source tree unchanged.
Run longer with ``HYPOTHESIS_PROFILE=zlig-long`` (see conftest.py).
"""

from __future__ import annotations

import ast
import json
import posixpath
import shutil
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from hypothesis import example, given, settings
from hypothesis import strategies as st

from zlig.config import settings as config
from zlig.config.extension import EXTENSION_KEYS, SHARED_KEYS
from zlig.platforms import target
from zlig.runtime.errors import ZligError

from .conftest import ROOT, run_hook
from .test_build import tree_digest

HEADER = {
    "build-system": {"requires": ["zlig"], "build-backend": "zlig"},
    "project": {"name": "demo", "version": "1.0.0", "description": "fuzzed"},
}

#: Strings that mean something to zlig, or to a file system, or to nobody.
INTERESTING = [
    "",
    ".",
    "..",
    "../src/demo/_core.c",
    "/",
    "/etc",
    "/usr/include",
    "src",
    "src/demo",
    "src/demo/",
    "src/demo/_core.c",
    "src/demo/*.c",
    "src/../src/demo/*.c",
    "./src/demo/*.c",
    "src//demo/*.c",
    "**",
    "**/*.c",
    "*",
    "[",
    "[!]",
    "{a,b}",
    "~",
    "$HOME",
    "C:\\demo",
    "a\x00b",
    "\x00",
    "a" * 300,  # longer than a file name may be
    "src/" + "a" * 300 + "/*.c",
    "cp39",
    "cp3",
    "cp31",
    "cp3\u0661\u0661",  # Arabic-Indic digits
    "off",
    "false",
    "Debug",
    "ReleaseFast",
    "debug",
    "2_17",
    "2_5",
    "manylinux2014",
    "manylinux_2_28",
    "musllinux_1_2",
    "x86_64-linux-gnu",
    "aarch64-linux-gnu",
    "riscv64-linux-gnu",
    ".cpython-311-aarch64-linux-gnu.so",
    ".abi3.so",
    "build/zlig",
    "build",
    "-lz",
    "-l",
    "-L/usr/lib",
    "-Lsrc",
    "-L\x00",
    "-Wl,-rpath,$ORIGIN",
    "-Wl,--as-needed",
    "-O0",
    "-DX=1",
    "x.o",
    "demo",
    "demo._core",
    "demo.sub._core",
    "demo._çore",
    "_top",
    "other._core",
    "json",
    "c11",
    "gnu99",
    "c++17",
    "NAME",
    "NAME=value",
    "1NAME",
    "é",
    "\u2028",
    "\x1c",
    "💥",
    " ",
    "\t\n",
]

strings = st.one_of(
    st.sampled_from(INTERESTING),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=20),
)
scalars = st.one_of(
    strings,
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(),
    st.booleans(),
    st.datetimes(),
    st.dates(),
    st.times(),
)
#: Anything TOML can represent.
toml_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(strings, children, max_size=3)
    ),
    max_leaves=8,
)
#: What a key gets: usually something of a plausible shape, sometimes anything.
values = st.one_of(
    strings,
    st.lists(strings, max_size=3),
    st.dictionaries(strings, strings, max_size=2),
    toml_values,
)

#: A configuration that builds; each test below spoils one key of it.
EXTENSION = {"name": "demo._core", "sources": ["src/demo/*.c"]}

extension_tables = st.one_of(
    st.fixed_dictionaries(
        {
            "name": st.one_of(st.sampled_from(["demo._core", "demo.sub._x", "_top"]), values),
            "sources": st.one_of(st.just(["src/demo/*.c"]), values),
        },
        optional={**dict.fromkeys(SHARED_KEYS, values), "unknown": values},
    ),
    toml_values,
)
tool_tables = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(config.TOOL_KEYS, values),
        "extensions": st.one_of(st.lists(extension_tables, max_size=3), toml_values),
        "extension": values,
    },
)
#: What frontends pass (strings, lists of strings when given twice) and more.
config_settings = st.dictionaries(
    st.one_of(st.sampled_from([*config.OPTIONS, *(f"zlig.{k}" for k in config.OPTIONS)]), strings),
    values,
    max_size=3,
)


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / "demo"
    shutil.copytree(ROOT / "examples" / "demo", path, ignore=shutil.ignore_patterns("build"))
    return path


@pytest.fixture(autouse=True)
def no_zlig_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in config.OPTIONS:
        monkeypatch.delenv("ZLIG_" + name.upper().replace("-", "_"), raising=False)


def write_pyproject(root: Path, tool: Any) -> None:
    (root / "pyproject.toml").write_text(
        tomli_w.dumps({**HEADER, "tool": {"zlig": tool}}), encoding="utf-8"
    )


def load(root: Path, tool: Any, config_settings: dict[str, Any]) -> config.Settings | None:
    """The settings, or None if zlig refused them with its own error."""
    write_pyproject(root, tool)
    try:
        loaded = config.load(root, config_settings)
        target.resolve(loaded)
    except ZligError as e:
        assert e.message.strip()
        return None
    return loaded


def test_the_baseline_is_valid(demo_root: Path) -> None:
    assert load(demo_root, {"extensions": [EXTENSION]}, {}) is not None


@pytest.mark.parametrize("key", config.TOOL_KEYS)
@given(value=values)
# Bugs fuzzing found: OSError (name too long) from the folder checks,
# ValueError (NUL) from resolving the build folder, ValueError from int() of
# more than 4300 digits.
@example(value=["a" * 300])
@example(value="a\0b")
@example(value="cp3" + "1" * 5000)
def test_any_value_of_a_tool_key(demo_root: Path, key: str, value: Any) -> None:
    load(demo_root, {"extensions": [EXTENSION], key: value}, {})


@pytest.mark.parametrize("key", EXTENSION_KEYS)
@given(value=values)
def test_any_value_of_an_extension_key(demo_root: Path, key: str, value: Any) -> None:
    load(demo_root, {"extensions": [{**EXTENSION, key: value}]}, {})


@pytest.mark.parametrize("key", [*config.OPTIONS, "zlig.optimize", "unknown"])
@given(value=values)
def test_any_config_setting(demo_root: Path, key: str, value: Any) -> None:
    load(demo_root, {"extensions": [EXTENSION]}, {key: value})


@pytest.mark.parametrize("key", ["target-ext-suffix", "target-include-dir"])
@given(value=values)
# Found: OSError (name too long) looking for Python.h; non-ASCII digits
# taken for a version, giving a wheel tag such as cp3\u0661\u0661.
@example(value="a" * 300)
@example(value=".cpython-3\u0661\u0661-aarch64-linux-gnu.so")
def test_any_cross_setting(demo_root: Path, key: str, value: Any) -> None:
    cross = {
        "target": "aarch64-linux-gnu",
        "target-ext-suffix": ".cpython-311-aarch64-linux-gnu.so",
        "target-include-dir": sysconfig.get_path("include"),
    }
    load(demo_root, {"extensions": [EXTENSION]}, {**cross, key: value})


@settings(max_examples=settings().max_examples * 5)
@given(tool=tool_tables, config_settings=config_settings)
def test_any_configuration(demo_root: Path, tool: Any, config_settings: dict[str, Any]) -> None:
    load(demo_root, tool, config_settings)


#: What a frontend can pass in config_settings: strings, lists of strings.
frontend_values = st.one_of(strings, st.lists(strings, min_size=2, max_size=3))
spoiled = st.one_of(
    st.tuples(st.just("tool"), st.sampled_from(config.TOOL_KEYS), values),
    st.tuples(st.just("extension"), st.sampled_from(EXTENSION_KEYS), values),
    st.tuples(st.just("config_settings"), st.sampled_from(list(config.OPTIONS)), frontend_values),
)


@settings(max_examples=max(6, settings().max_examples // 5))
@given(case=spoiled)
@example(case=("extension", "extra-compile-args", ["a\0b"]))  # Zig fails, cleanly
def test_the_hook_builds_or_stops_cleanly(tmp_path_factory, case: tuple[str, str, Any]) -> None:
    where, key, value = case
    tool: dict[str, Any] = {"extensions": [EXTENSION]}
    config_settings = {}
    if where == "tool":
        tool[key] = value
    elif where == "extension":
        tool = {"extensions": [{**EXTENSION, key: value}]}
    else:
        config_settings[key] = value
    base = tmp_path_factory.mktemp("hook")
    path, out = base / "demo", base / "out"
    shutil.copytree(ROOT / "examples" / "demo", path, ignore=shutil.ignore_patterns("build"))
    write_pyproject(path, tool)
    out.mkdir()
    before = tree_digest(path)

    settings_json = json.dumps(config_settings)
    result = run_hook(
        path, f"build_wheel({str(out)!r}, __import__('json').loads({settings_json!r}))"
    )

    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("zlig: error:")]
    if result.returncode == 0:
        assert errors == []
        assert [p.name for p in out.iterdir()] == [ast.literal_eval(result.stdout.splitlines()[-1])]
    else:
        assert result.returncode == 1, result.stderr
        assert len(errors) == 1 and result.stderr.splitlines()[-1] == errors[0], result.stderr
        assert list(out.iterdir()) == []
    # Build state may go to the build folder, whatever it is called; nothing else changes.
    build_dir = value if key == "build-dir" and isinstance(value, str) else "build/zlig"
    after = tree_digest(path)
    changed = {
        name
        for name in set(before) ^ set(after) | {n for n in before if before[n] != after.get(n)}
        if not name.startswith(posixpath.normpath(build_dir) + "/")
    }
    assert changed == set()
    shutil.rmtree(base)


FOUND = [
    ({"library-dirs": ["a" * 300]}, {}, f"tool.zlig.library-dirs: {'a' * 300!r} is not a folder"),
    (
        {"build-dir": "a\0b"},
        {},
        "tool.zlig.build-dir: 'a\\x00b' must be a folder path inside the project",
    ),
    (
        {"py-limited-api": "cp3" + "1" * 5000},
        {},
        f"tool.zlig.py-limited-api: {'cp3' + '1' * 5000!r} must be a CPython version tag "
        "such as 'cp39', or 'off'",
    ),
    (
        {"py-limited-api": "cp3\u0661\u0661"},
        {},
        "tool.zlig.py-limited-api: 'cp3\u0661\u0661' must be a CPython version tag such as "
        "'cp39', or 'off'",
    ),
    (
        {},
        {"target-include-dir": "a" * 300},
        f"target-include-dir: {'a' * 300!r} holds no Python.h",
    ),
    (
        {},
        {"target-ext-suffix": ".cpython-3\u0661\u0661-aarch64-linux-gnu.so"},
        "target-ext-suffix: '.cpython-3\u0661\u0661-aarch64-linux-gnu.so' is not a CPython "
        "EXT_SUFFIX",
    ),
]


@pytest.mark.parametrize(("tool", "cross", "message"), FOUND)
def test_what_fuzzing_found_is_a_clear_error(demo_root: Path, tool, cross, message) -> None:
    settings = {}
    if cross:
        settings = {
            "target": "aarch64-linux-gnu",
            "target-ext-suffix": ".cpython-311-aarch64-linux-gnu.so",
            "target-include-dir": sysconfig.get_path("include"),
            **cross,
        }
    write_pyproject(demo_root, {"extensions": [EXTENSION], **tool})
    with pytest.raises(ZligError) as info:
        target.resolve(config.load(demo_root, settings))
    assert info.value.message == message
