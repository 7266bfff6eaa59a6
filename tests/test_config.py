"""Every configuration mistake gets one clear message naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from zlig.config import settings as config
from zlig.runtime.errors import ConfigError

from .conftest import run_hook

HEADER = """\
[build-system]
requires = ["zlig"]
build-backend = "zlig"

[project]
name = "demo"
version = "1.0"
description = "x"
"""


@pytest.fixture
def demo(project) -> Path:
    path = project("demo")
    (path / "csrc").mkdir()
    (path / "csrc" / "extra.c").write_text("int extra(void) { return 1; }\n")
    (path / "src" / "demo" / "notes.txt").write_text("not C\n")
    return path


def write(path: Path, tool: str) -> None:
    (path / "pyproject.toml").write_text(HEADER + tool)


ERRORS = [
    ("[tool]\nzlig = 3\n", "tool.zlig must be a table"),
    (
        "[tool.zlig]\nextension = []\n",
        "tool.zlig: unknown key 'extension'; did you mean 'extensions'?",
    ),
    (
        "[tool.zlig]\nextensions = 'x'\n",
        "tool.zlig.extensions must be a list of tables, not a string",
    ),
    (
        "[tool.zlig]\nextensions = [3]\n",
        "tool.zlig.extensions[0] must be a table with 'name' and 'sources', not an integer",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsource = ['src/demo/*.c']\n",
        "tool.zlig.extensions[0]: unknown key 'source'; did you mean 'sources'?",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\n",
        "tool.zlig.extensions[0]: missing required key 'sources'",
    ),
    (
        "[[tool.zlig.extensions]]\nsources = ['src/demo/*.c']\n",
        "tool.zlig.extensions[0]: missing required key 'name'",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 5\nsources = ['src/demo/*.c']\n",
        "tool.zlig.extensions[0].name must be a string, not an integer",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo.1core'\nsources = ['src/demo/*.c']\n",
        "tool.zlig.extensions[0].name: 'demo.1core' is not a dotted Python module name",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo..core'\nsources = ['src/demo/*.c']\n",
        "tool.zlig.extensions[0].name: 'demo..core' is not a dotted Python module name",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'other._core'\nsources = ['src/demo/*.c']\n",
        "tool.zlig.extensions[0].name: 'other._core' must be a module inside the package 'demo' "
        "(e.g. 'demo._core') or a top-level module",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo'\nsources = ['src/demo/*.c']\n",
        "tool.zlig.extensions[0].name: 'demo' must be a module inside the package 'demo' "
        "(e.g. 'demo._core') or a top-level module",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = 'src/demo/_core.c'\n",
        "tool.zlig.extensions[0].sources must be a list of file patterns and tables "
        "{ path = ..., extra-compile-args = [...] }, not a string",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = []\n",
        "tool.zlig.extensions[0].sources must name at least one source file",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/demo/*.c']\n"
        "[[tool.zlig.extensions]]\nname = 'demo._x'\nsources = ['csrc/*.cpp']\n",
        "tool.zlig.extensions[1].sources: 'csrc/*.cpp' matches no file",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['../elsewhere/*.c']\n",
        "tool.zlig.extensions[0].sources: '../elsewhere/*.c' must be relative to the project "
        "root and stay inside it",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['/etc/*.c']\n",
        "tool.zlig.extensions[0].sources: '/etc/*.c' must be relative to the project root "
        "and stay inside it",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/demo/*.txt']\n",
        "tool.zlig.extensions[0].sources: src/demo/notes.txt is not a source file zlig compiles "
        "(.c, .cc, .cpp, .cxx, .S, .s, .zig, .pyx); headers are found through include-dirs",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/demo/*.c']\n"
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['csrc/*.c']\n",
        "tool.zlig.extensions[1].name: 'demo._core' is already declared by tool.zlig.extensions[0]",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/demo/*.c']\n"
        "include-dirs = ['nowhere']\n",
        "tool.zlig.extensions[0].include-dirs: 'nowhere' is not a folder",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/demo/*.c']\n"
        "include-dirs = ['src/../..']\n",
        "tool.zlig.extensions[0].include-dirs: 'src/../..' leads outside the project; name a "
        "folder outside it by its absolute path",
    ),
    (
        "[tool.zlig]\nlibrary-dirs = ['..']\n",
        "tool.zlig.library-dirs: '..' leads outside the project; name a folder outside it by "
        "its absolute path",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo/_core'\nsources = ['src/demo/*.c']\n",
        "tool.zlig.extensions[0].name: 'demo/_core' is not a dotted Python module name",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/demo/*.c']\n"
        "define-macros = 'X'\n",
        'tool.zlig.extensions[0].define-macros must be a table { NAME = "value" } or a list',
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/demo/*.c']\n"
        "define-macros = { '1X' = '1' }\n",
        "tool.zlig.extensions[0].define-macros: '1X' is not a C macro name",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/demo/*.c']\n"
        "define-macros = { X = 1.5 }\n",
        "tool.zlig.extensions[0].define-macros.X must be a string, not a number",
    ),
    (
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/demo/*.c']\n"
        "define-macros = [['X', '1', '2']]\n",
        "tool.zlig.extensions[0].define-macros: ['X', '1', '2'] must be \"NAME\", "
        '"NAME=value" or ["NAME", "value"]',
    ),
    (
        "[tool.zlig]\noptimize = 'Fast'\n",
        "tool.zlig.optimize: 'Fast' is not one of Debug, ReleaseSafe, ReleaseFast, ReleaseSmall",
    ),
    ("[tool.zlig]\noptimize = 2\n", "tool.zlig.optimize must be a string, not an integer"),
    (
        "[tool.zlig]\nbuild-dir = '../out'\n",
        "tool.zlig.build-dir: '../out' must be a folder path inside the project",
    ),
    (
        "[tool.zlig]\neditable-rebuild = 1\n",
        "tool.zlig.editable-rebuild must be true or false, not an integer",
    ),
    (
        "[tool.zlig]\neditable-rebuild = 'sometimes'\n",
        "tool.zlig.editable-rebuild: 'sometimes' is not true or false",
    ),
    ("[tool.zlig\n", "pyproject.toml is not valid TOML: "),
]


@pytest.mark.parametrize(("tool", "message"), ERRORS, ids=[m for _, m in ERRORS])
def test_config_errors(demo: Path, tool: str, message: str) -> None:
    write(demo, tool)
    with pytest.raises(ConfigError) as info:
        config.load(demo)
    assert str(info.value).startswith(message)
    if not message.endswith(": "):
        assert str(info.value) == message


def test_config_settings_are_checked(demo: Path) -> None:
    with pytest.raises(ConfigError) as info:
        config.load(demo, {"optimise": "Debug"})
    assert str(info.value) == "config_settings: unknown key 'optimise'; did you mean 'optimize'?"
    with pytest.raises(ConfigError) as info:
        config.load(demo, {"optimize": "Slow"})
    assert str(info.value) == (
        "config_settings['optimize']: 'Slow' is not one of Debug, ReleaseSafe, ReleaseFast, "
        "ReleaseSmall"
    )


EXT = "extensions = [{ name = 'demo._core', sources = ['src/demo/*.c'] }]\n"


def test_editable_rebuild_setting(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert config.load(demo).editable_rebuild is True
    write(demo, "[tool.zlig]\neditable-rebuild = false\n" + EXT)
    assert config.load(demo).editable_rebuild is False
    assert config.load(demo, {"editable-rebuild": "yes"}).editable_rebuild is True
    monkeypatch.setenv("ZLIG_EDITABLE_REBUILD", "0")
    assert config.load(demo).editable_rebuild is False


def test_option_precedence(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(demo, "[tool.zlig]\noptimize = 'ReleaseSmall'\n" + EXT)
    assert config.load(demo).extensions[0].optimize == "ReleaseSmall"
    monkeypatch.setenv("ZLIG_OPTIMIZE", "ReleaseSafe")
    assert config.load(demo).extensions[0].optimize == "ReleaseSafe"
    assert config.load(demo, {"zlig.optimize": "Debug"}).extensions[0].optimize == "Debug"
    monkeypatch.setenv("ZLIG_OPTIMIZE", "Quick")
    with pytest.raises(ConfigError, match="^ZLIG_OPTIMIZE: 'Quick' is not one of"):
        config.load(demo)


def test_project_wide_defaults_and_overrides(demo: Path) -> None:
    write(
        demo,
        "[tool.zlig]\ninclude-dirs = ['csrc']\ndefine-macros = ['A']\nc-std = 'c99'\n"
        "extra-compile-args = ['-Wall']\noptimize = 'ReleaseSafe'\nstrip = false\n"
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/demo/*.c']\n"
        "include-dirs = ['src']\ndefine-macros = { B = '2' }\nc-std = 'gnu11'\n"
        "undef-macros = ['C']\nextra-link-args = ['-lm', '-Lcsrc', '-Wl,-rpath,$ORIGIN']\n"
        "optimize = 'ReleaseSmall'\noptional = true\n"
        "[[tool.zlig.extensions]]\nname = 'demo._other'\nsources = ['csrc/*.c']\n",
    )
    first, second = config.load(demo).extensions
    assert first.include_dirs == (demo / "csrc", demo / "src")
    assert first.define_macros == (("A", None), ("B", "2"))
    assert (first.c_std, first.optimize, first.strip, first.optional) == (
        "gnu11",
        "ReleaseSmall",
        False,
        True,
    )
    assert first.undef_macros == ("C",)
    assert first.extra_compile_args == ("-Wall",)
    assert first.extra_link_args.libraries == ("m",)
    assert first.extra_link_args.library_dirs == (demo / "csrc",)
    assert first.extra_link_args.rpaths == ("$ORIGIN",)
    assert (second.c_std, second.optimize, second.optional) == ("c99", "ReleaseSafe", False)
    assert second.define_macros == (("A", None),)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("c-std = 'c++17'", "tool.zlig.c-std: 'c++17' is not a language standard such as 'c11'"),
        ("cxx-std = 'c17'", "tool.zlig.cxx-std: 'c17' is not a language standard such as 'c++17'"),
        ("strip = 'yes'", "tool.zlig.strip must be true or false, not a string"),
        ("undef-macros = ['A B']", "tool.zlig.undef-macros: 'A B' is not a C macro name"),
        (
            "extra-link-args = ['-Wl,--version-script=x.map']",
            "tool.zlig.extra-link-args: '-Wl,--version-script=x.map' is not supported: zlig's "
            "extensions export only what Python needs; remove it",
        ),
        (
            "include-packages = ['num-py']",
            "tool.zlig.include-packages: 'num-py' is not an importable package name",
        ),
        ("include-dir = []", "tool.zlig: unknown key 'include-dir'; did you mean 'include-dirs'?"),
    ],
)
def test_shared_key_errors(demo: Path, line: str, message: str) -> None:
    write(demo, f"[tool.zlig]\n{line}\n" + EXT)
    with pytest.raises(ConfigError) as info:
        config.load(demo)
    assert str(info.value) == message


def test_both_table_forms_and_macros(demo: Path) -> None:
    inline = (
        "[tool.zlig]\nextensions = [{ name = 'demo._core', sources = ['src/**/*.c', 'csrc/*.c'],"
        " define-macros = ['A', 'B=2', ['C', '\"s\"']] }]\n"
    )
    write(demo, inline)
    (ext,) = config.load(demo).extensions
    write(
        demo,
        "[[tool.zlig.extensions]]\nname = 'demo._core'\nsources = ['src/**/*.c', 'csrc/*.c']\n"
        "define-macros = ['A', 'B=2', ['C', '\"s\"']]\n",
    )
    assert config.load(demo).extensions == (ext,)
    assert ext.sources == (demo / "csrc/extra.c", demo / "src/demo/_core.c")
    assert ext.define_macros == (("A", None), ("B", "2"), ("C", '"s"'))


def test_symlink_out_of_project_is_refused(demo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.c"
    outside.write_text("int x;\n")
    (demo / "csrc" / "link.c").symlink_to(outside)
    write(demo, "[tool.zlig]\nextensions = [{ name = 'demo._core', sources = ['csrc/*.c'] }]\n")
    with pytest.raises(ConfigError) as info:
        config.load(demo)
    assert str(info.value) == (
        "tool.zlig.extensions[0].sources: csrc/link.c resolves to a path outside the project"
    )


def test_extension_needs_a_package(project) -> None:
    path = project("pure")
    (path / "src" / "purepkg" / "__init__.py").rename(path / "src" / "purepkg.py")
    (path / "src" / "purepkg").rmdir()
    (path / "fast.c").write_text("int x;\n")
    (path / "pyproject.toml").write_text(
        (path / "pyproject.toml").read_text()
        + "[tool.zlig]\nextensions = [{ name = 'purepkg._fast', sources = ['fast.c'] }]\n"
    )
    with pytest.raises(ConfigError) as info:
        config.load(path)
    assert str(info.value) == (
        "tool.zlig.extensions[0].name: 'purepkg._fast' must be a top-level module other than "
        "'purepkg', e.g. '_purepkg'"
    )


def test_flit_errors_are_config_errors(demo: Path) -> None:
    (demo / "pyproject.toml").write_text(HEADER.replace('name = "demo"', 'name = "nothere"'))
    with pytest.raises(ConfigError) as info:
        config.load(demo)
    assert str(info.value) == "flit-core: No file/folder found for module nothere"


def test_hook_boundary_prints_one_line_and_exits_1(demo: Path) -> None:
    write(demo, "[tool.zlig]\nextensions = [{ name = 'demo._core', sources = ['nope/*.c'] }]\n")
    for call in ("get_requires_for_build_wheel()", "build_wheel('dist')", "build_sdist('dist')"):
        result = run_hook(demo, call)
        assert result.returncode == 1
        assert result.stderr == (
            "zlig: error: tool.zlig.extensions[0].sources: 'nope/*.c' matches no file\n"
        )
        assert not (demo / "dist").exists()
