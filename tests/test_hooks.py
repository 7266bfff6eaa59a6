"""Build hooks ([tool.zlig.hooks]) and generated sources, with tests/packages/hooks:
a header written from [project] version, a generated C file compiled into the
extension, a data file added to the wheel after building, the generated file
shipped in the sdist; hooks that fail or reach outside."""

from __future__ import annotations

import os
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from .conftest import (
    PACKAGES,
    check,
    check_distribution,
    check_wheel,
    hook_value,
    offline_env,
    run,
    run_hook,
    wheel_members,
)
from .test_build import BUILD_TAG, SUFFIX, TAG, tree_digest

WHEEL = f"hooked-1.4.2-{TAG}.whl"
BUILD_INFO = (
    f"hooked 1.4.2 after-build {BUILD_TAG}: hooked._core (True)\n"  # the tag before the audit
)
CALLS = "import hooked; print(hooked.version(), hooked.square(5), hooked.square(15))"


def copy_package(dest: Path) -> Path:
    shutil.copytree(PACKAGES / "hooks", dest, ignore=shutil.ignore_patterns("build", "dist"))
    return dest


def contents(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The project, its wheel and its sdist, built once for this file."""
    path = copy_package(tmp_path_factory.mktemp("hooks") / "hooks")
    before = tree_digest(path)
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_wheel('dist')")))
    sdist = path / "dist" / str(hook_value(run_hook(path, "build_sdist('dist')")))
    # The hooks wrote into the build folder only.
    assert tree_digest(path) == before
    return path, wheel, sdist


def test_wheel_holds_the_generated_code_and_the_added_file(built) -> None:
    path, wheel, _ = built
    assert wheel.name == WHEEL
    assert wheel_members(wheel) == {
        "hooked/__init__.py",
        f"hooked/_core{SUFFIX}",
        "hooked/build-info.txt",
        "hooked-1.4.2.dist-info/WHEEL",
        "hooked-1.4.2.dist-info/METADATA",
        "hooked-1.4.2.dist-info/RECORD",
    }
    assert contents(wheel)["hooked/build-info.txt"].decode() == BUILD_INFO
    check_wheel(wheel)
    generated = path / "build" / "zlig" / BUILD_TAG / "generated"
    assert sorted(p.name for p in generated.iterdir()) == [
        "build-info.txt",
        "hooked_table.h",
        "hooked_version.h",
        "tables.c",
    ]


def test_sdist_ships_the_hook_and_the_generated_table(built) -> None:
    path, _, sdist = built
    with tarfile.open(sdist) as tf:
        names = tf.getnames()
        table = tf.extractfile("hooked-1.4.2/generated/tables.c")
        assert table is not None
        assert table.read() == (path / "build/zlig/sdist/generated/tables.c").read_bytes()
    # flit-core's order (sorted, PKG-INFO last), the hook's file among the others.
    assert names == [
        f"hooked-1.4.2/{name}"
        for name in (
            "generated/tables.c",
            "pyproject.toml",
            "src/hooked/__init__.py",
            "src/hooked/_core.c",
            "tools/gen.py",
            "PKG-INFO",
        )
    ]
    check_distribution(sdist)


def test_sdist_rebuilds_into_the_same_wheel(built, tmp_path: Path) -> None:
    """Building from the unpacked sdist runs the hooks again (the table comes
    from the sdist's copy): every member is byte for byte the same."""
    _, wheel, sdist = built
    with tarfile.open(sdist) as tf:
        tf.extractall(tmp_path, filter="data")
    unpacked = tmp_path / "hooked-1.4.2"
    again = unpacked / "dist" / str(hook_value(run_hook(unpacked, "build_wheel('dist')")))
    assert again.name == WHEEL
    assert contents(again) == contents(wheel)


def test_installed_and_called(built, make_venv, wheelhouse) -> None:
    _, wheel, _ = built
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", wheel], env=offline_env(wheelhouse))
    assert check([python, "-c", CALLS], cwd="/").stdout == "1.4.2 25 225\n"


def test_hooks_never_run_for_requirements_or_metadata(tmp_path: Path) -> None:
    """get_requires and prepare_metadata run no hook and compile nothing;
    prepare_metadata's WHEEL names the tag at the manylinux floor."""
    path = copy_package(tmp_path / "hooks")
    (path / "tools" / "gen.py").write_text("raise RuntimeError('a hook ran')\n")
    assert hook_value(run_hook(path, "get_requires_for_build_wheel()")) in ([], ["ziglang==0.16.0"])
    name = hook_value(run_hook(path, f"prepare_metadata_for_build_wheel({str(tmp_path)!r})"))
    assert name == "hooked-1.4.2.dist-info"
    version = BUILD_TAG.split("-")[0]
    assert (tmp_path / str(name) / "WHEEL").read_text().splitlines()[3:] == [
        f"Tag: {version}-{version}-manylinux2014_x86_64",
        f"Tag: {version}-{version}-manylinux_2_17_x86_64",
    ]
    assert not (path / "build" / "zlig" / BUILD_TAG / "generated").exists()


def use_hooks(path: Path, table: str, code: str = "") -> None:
    """Replace the project's [tool.zlig.hooks] and write tools/bad.py."""
    pyproject = path / "pyproject.toml"
    head = pyproject.read_text().split("[tool.zlig.hooks]")[0]
    pyproject.write_text(f"{head}[tool.zlig.hooks]\n{table}\n")
    if code:
        (path / "tools" / "bad.py").write_text(code)


HOOK_FAILURES = [
    (
        "def main(context):\n    raise RuntimeError('no generator here')\n",
        "tools/bad.py:main failed: RuntimeError: no generator here",
    ),
    (
        "import sys\ndef main(context):\n    sys.exit(3)\n",
        "tools/bad.py:main failed: it exited with status 3",
    ),
    (
        "def main(context):\n    context.write('../escape.h', '')\n",
        f"tools/bad.py:main: generated file '../escape.h' must be a path inside "
        f"build/zlig/{BUILD_TAG}/generated",
    ),
    (
        "def main(context):\n    context.add_to_wheel('/etc/hostname', 'hooked/host')\n",
        "tools/bad.py:main: '/etc/hostname' is outside the project and its build folder",
    ),
    (
        "def main(context):\n    context.add_to_wheel('pyproject.toml', '../up.toml')\n",
        "tools/bad.py:main: wheel path '../up.toml' must be a relative path inside the wheel",
    ),
    (
        "def main(context):\n    context.add_to_wheel('pyproject.toml', '/up.toml')\n",
        "tools/bad.py:main: wheel path '/up.toml' must be a relative path inside the wheel",
    ),
    (
        "def main(context):\n"
        "    context.add_to_wheel('pyproject.toml', 'hooked-1.4.2.dist-info/extra')\n",
        "tools/bad.py:main: wheel path 'hooked-1.4.2.dist-info/extra' is inside .dist-info/, "
        "which zlig writes",
    ),
    (
        "def main(context):\n"
        "    context.add_to_wheel('pyproject.toml', 'hooked/x')\n"
        "    context.add_to_wheel('tools/gen.py', 'hooked/x')\n",
        "tools/bad.py:main: wheel path 'hooked/x' is already added from pyproject.toml",
    ),
    (
        "def main(context):\n    context.add_to_wheel('tools', 'hooked/tools')\n",
        "tools/bad.py:main: 'tools' is not a file",
    ),
    (
        "def main(context):\n    context.add_to_wheel('pyproject.toml', '.')\n",
        "tools/bad.py:main: wheel path '.' must be a relative path inside the wheel",
    ),
    (
        "main = 42\n",
        "tools/bad.py:main failed: TypeError: main is not callable",
    ),
    (
        "def main(context):\n    pass\n",
        "tool.zlig.extensions[0].sources: '$generated/tables.c' matches no file that the "
        f"before-build hooks wrote into build/zlig/{BUILD_TAG}/generated",
    ),
]


@pytest.mark.parametrize("code, message", HOOK_FAILURES)
def test_failing_hook_stops_the_build(tmp_path: Path, code: str, message: str) -> None:
    """One zlig: error: line (after the hook's own traceback, if it raised), no
    wheel, the tree as it was, and no half-generated files for the next build."""
    path = copy_package(tmp_path / "hooks")
    use_hooks(path, 'before-build = "tools/bad.py:main"', code)
    before = tree_digest(path)
    out = tmp_path / "out"
    result = run_hook(path, f"build_wheel({str(out)!r})")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"zlig: error: {message}"
    if "failed: RuntimeError" in message:
        assert result.stderr.splitlines()[:-1] == [
            "Traceback (most recent call last):",
            f'  File "{path / "tools" / "bad.py"}", line 2, in main',
            "    raise RuntimeError('no generator here')",
            "RuntimeError: no generator here",
        ]
    else:
        assert "Traceback" not in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
    assert tree_digest(path) == before
    assert not (path / "build" / "zlig" / BUILD_TAG / "generated").exists()


@pytest.mark.parametrize(
    "stage, code, message",
    [
        (
            "after-build",
            "def main(context):\n"
            "    context.add_to_wheel('pyproject.toml', 'hooked/__init__.py')\n",
            "a build hook adds 'hooked/__init__.py' to the wheel, but 'hooked/__init__.py' is "
            "already a file there",
        ),
        (
            "before-sdist",
            "def main(context):\n    context.add_to_sdist('tools/gen.py', 'pyproject.toml')\n",
            "a before-sdist hook adds 'pyproject.toml' to the sdist, but 'pyproject.toml' is "
            "already a file there",
        ),
        (
            "after-build",
            "def main(context):\n    context.add_to_wheel('pyproject.toml', 'hooked')\n",
            "a build hook adds 'hooked' to the wheel, but 'hooked' is already a folder there",
        ),
        (
            "before-sdist",
            "def main(context):\n    context.add_to_sdist('tools/gen.py', 'tools/gen.py/x')\n",
            "a before-sdist hook adds 'tools/gen.py/x' to the sdist, but 'tools/gen.py' is "
            "already a file there",
        ),
        (
            "before-sdist",
            "def main(context):\n    context.add_to_sdist('tools/gen.py', 'PKG-INFO')\n",
            "tools/bad.py:main: sdist path 'PKG-INFO' is the sdist's metadata, which zlig writes",
        ),
    ],
)
def test_files_for_taken_paths_are_refused(
    tmp_path: Path, stage: str, code: str, message: str
) -> None:
    """Two files for one archive path: the hook's and one zlig packs anyway."""
    path = copy_package(tmp_path / "hooks")
    use_hooks(path, f'before-build = "tools/gen.py:generate"\n{stage} = "tools/bad.py:main"', code)
    out = tmp_path / "out"
    out.mkdir()
    call = "build_sdist" if stage == "before-sdist" else "build_wheel"
    result = run_hook(path, f"{call}({str(out)!r})")
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == f"zlig: error: {message}"
    assert "Traceback" not in result.stderr
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    "table, message",
    [
        (
            'before-build = "tools/gen.py"',
            "tool.zlig.hooks.before-build: 'tools/gen.py' must be 'path/to/file.py:function'",
        ),
        (
            'before-build = "tools/none.py:main"',
            "tool.zlig.hooks.before-build: 'tools/none.py' is not a file",
        ),
        (
            'after-build = ["../gen.py:main"]',
            "tool.zlig.hooks.after-build: '../gen.py' must be a file inside the project",
        ),
        (
            'before-sdist = "tools/gen.py:1x"',
            "tool.zlig.hooks.before-sdist: '1x' is not a Python name",
        ),
        ("before-build = [1]", "tool.zlig.hooks.before-build must be a list of non-empty strings"),
        (
            'before_build = "tools/gen.py:generate"',
            "tool.zlig.hooks: unknown key 'before_build'; did you mean 'before-build'?",
        ),
        (
            'after-build = "tools/gen.py:add_build_info"',
            "tool.zlig.extensions[0].sources: $generated/tables.c names a generated file, but "
            "tool.zlig.hooks has no before-build hook to make it",
        ),
    ],
)
def test_hook_config_errors(tmp_path: Path, table: str, message: str) -> None:
    path = copy_package(tmp_path / "hooks")
    use_hooks(path, table)
    result = run_hook(path, "get_requires_for_build_wheel()")
    assert result.returncode == 1
    assert result.stderr == f"zlig: error: {message}\n"


def test_hooks_must_be_a_table(tmp_path: Path) -> None:
    path = copy_package(tmp_path / "hooks")
    pyproject = path / "pyproject.toml"
    head = pyproject.read_text().split("[tool.zlig.hooks]")[0]
    pyproject.write_text(f'{head}hooks = "tools/gen.py:generate"\n')
    result = run_hook(path, "get_requires_for_build_wheel()")
    assert result.returncode == 1
    assert result.stderr == "zlig: error: tool.zlig.hooks must be a table, not a string\n"


def test_hook_file_linked_from_outside(tmp_path: Path) -> None:
    path = copy_package(tmp_path / "hooks")
    (tmp_path / "elsewhere.py").write_text("def main(context):\n    pass\n")
    (path / "tools" / "linked.py").symlink_to(tmp_path / "elsewhere.py")
    use_hooks(path, 'before-build = "tools/linked.py:main"')
    result = run_hook(path, "get_requires_for_build_wheel()")
    assert result.returncode == 1
    assert result.stderr == (
        "zlig: error: tool.zlig.hooks.before-build: 'tools/linked.py' resolves to a file "
        "outside the project\n"
    )


@pytest.mark.parametrize(
    "source, message",
    [
        (
            "$generated/x.pyx",
            "'$generated/x.pyx': a generated source must be a C, C++ or "
            "assembly file (.c, .cc, .cpp, .cxx, .S, .s)",
        ),
        ("$generated/../x.c", "'$generated/../x.c' must name a file inside the generated folder"),
        ("$generated/", "'$generated/' must name a file inside the generated folder"),
    ],
)
def test_generated_source_errors(tmp_path: Path, source: str, message: str) -> None:
    path = copy_package(tmp_path / "hooks")
    pyproject = path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("$generated/tables.c", source))
    result = run_hook(path, "get_requires_for_build_wheel()")
    assert result.returncode == 1
    assert result.stderr == f"zlig: error: tool.zlig.extensions[0].sources: {message}\n"


def test_inplace_build_runs_the_hooks(tmp_path: Path) -> None:
    """In place, with the generated source given as a table of its own: its
    compiler arguments reach it (and inspect shows them)."""
    path = copy_package(tmp_path / "hooks")
    pyproject = path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            '"$generated/tables.c"',
            '{ path = "$generated/tables.c", extra-compile-args = ["-DHOOKED_OFFSET=7"] }',
        )
    )
    result = run([sys.executable, "-m", "zlig", "build", "--inplace"], cwd=path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == f"built src/hooked/_core{SUFFIX}"
    assert check([sys.executable, "-c", CALLS], cwd=path / "src").stdout == "1.4.2 32 232\n"
    result = check([sys.executable, "-m", "zlig", "inspect"], cwd=path)
    assert "  $generated/tables.c: -DHOOKED_OFFSET=7\n" in result.stdout


def test_editable_rebuild_runs_the_hooks_in_a_subprocess(
    tmp_path: Path, make_venv, wheelhouse
) -> None:
    """The loader runs the before-build hooks in a subprocess of the importing
    Python (never in it) when a source or a hook file changed; a failing hook
    is an ImportError naming it."""
    path = copy_package(tmp_path / "hooks")
    gen = path / "tools" / "gen.py"
    gen.write_text(
        gen.read_text().replace(
            '    shipped = context.root / "generated" / "tables.c"\n',
            '    import os\n    context.write("pid.txt", str(os.getpid()))\n'
            '    shipped = context.root / "generated" / "tables.c"\n',
        )
    )
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "-e", path], env=offline_env(wheelhouse))
    # Installing took the inputs' fingerprint (the hook files too): no rebuild.
    result = check([python, "-c", CALLS], cwd="/", env={**os.environ, "ZLIG_VERBOSE": "1"})
    assert (result.stdout, result.stderr) == ("1.4.2 25 225\n", "zlig: hooked is up to date\n")
    # The editable wheel installs no file a hook added: the package is the tree.
    site = Path(
        check([python, "-c", "import site; print(site.getsitepackages()[0])"]).stdout.strip()
    )
    assert not (site / "hooked").exists()

    gen.write_text(gen.read_text().replace("str(i * i)", "str(i * i + 1000)"))
    code = (
        "import os, sys, hooked\n"
        "hooks = [m for m in sys.modules if m.startswith('_zlig_hook_')]\n"
        "print(hooked.square(5), os.getpid(), bool(hooks))"
    )
    result = check([python, "-c", code], cwd="/", env={**os.environ, "ZLIG_VERBOSE": "1"})
    square, pid, loaded = result.stdout.split()
    assert (square, loaded) == ("1025", "False")
    hook_pid = (path / "build" / "zlig" / BUILD_TAG / "generated" / "pid.txt").read_text()
    assert hook_pid != pid
    assert "(before-build hooks)" in result.stderr

    # Only a generated header changes, which the file compiled last does not
    # include: the generated folder is part of the extension's stamp, so Zig
    # checks every file of the extension again.
    gen.write_text(gen.read_text().replace('"{context.version}"', '"{context.version}+dev"'))
    assert check([python, "-c", CALLS], cwd="/").stdout == "1.4.2+dev 1025 1225\n"

    gen.write_text(
        gen.read_text().replace("def generate(context):\n", "def generate(context):\n    1 / 0\n")
    )
    result = run([python, "-c", "import hooked"], cwd="/")
    assert result.returncode == 1
    assert (
        "ImportError: zlig: rebuilding hooked._core failed: tools/gen.py:generate failed: "
        "ZeroDivisionError: division by zero\n"
    ) in result.stderr


def test_pure_project_hooks(project) -> None:
    """A project without extensions runs its build hooks too (no Zig): a file
    written from the version, added to its py3-none-any wheel."""
    path = project("pure")
    (path / "tools").mkdir()
    (path / "tools" / "version.py").write_text(
        "def main(context):\n"
        "    assert (context.target, context.tag) == ('', 'py3-none-any'), context.tag\n"
        "    assert context.config_settings == {'zlig.optimize': 'Debug'}\n"
        "    assert (context.stage, context.editable) == ('before-build', False)\n"
        "    path = context.write('VERSION', context.version + '\\n')\n"
        "    context.add_to_wheel(path, 'purepkg/VERSION')\n"
    )
    with (path / "pyproject.toml").open("a") as f:
        f.write('\n[tool.zlig.hooks]\nbefore-build = "tools/version.py:main"\n')
    call = "build_wheel('dist', {'zlig.optimize': 'Debug'})"
    wheel = path / "dist" / str(hook_value(run_hook(path, call)))
    assert wheel.name == "purepkg-0.3-py3-none-any.whl"
    assert contents(wheel)["purepkg/VERSION"] == b"0.3\n"
    assert wheel_members(wheel) == {
        "purepkg/__init__.py",
        "purepkg/VERSION",
        "purepkg-0.3.dist-info/WHEEL",
        "purepkg-0.3.dist-info/METADATA",
        "purepkg-0.3.dist-info/RECORD",
    }


def test_readme_documents_the_context() -> None:
    """Every attribute and method a hook's context has is in the README's list."""
    from zlig.runtime.hook_context import Context

    from .conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    section = readme.split("### Hooks and generated sources")[1].split("\n### ")[0]
    context = Context(
        root="/p",
        build_dir="/p/build",
        name="n",
        version="1",
        target="",
        tag="",
        config_settings={},
        extensions=[],
        editable=False,
    )
    names = [n for n in vars(context) if not n.startswith("_")]
    names += [n for n in vars(Context) if not n.startswith("_")]
    missing = [n for n in names if f"`{n}`" not in section and f"`context.{n}(" not in section]
    assert not missing


@pytest.mark.slow
def test_python_m_build_sdist_then_wheel(built, wheelhouse, tmp_path: Path) -> None:
    """python -m build under build isolation, offline: the hooks run in the
    isolated environments, the wheel is made from the unpacked sdist, and it
    is the same wheel, byte for byte, as the one built from the tree."""
    _, wheel, _ = built
    path = copy_package(tmp_path / "hooks")
    out = tmp_path / "out"
    result = run(
        [sys.executable, "-m", "build", "--outdir", out, path], env=offline_env(wheelhouse)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert {p.name for p in out.iterdir()} == {"hooked-1.4.2.tar.gz", WHEEL}
    assert contents(out / WHEEL) == contents(wheel)
