""".pyx sources: translated by Cython in the build folder, packed, incremental, errors."""

from __future__ import annotations

import os
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from zlig.builder import zig

from .conftest import (
    check,
    check_distribution,
    check_wheel,
    hook_value,
    offline_env,
    pyenv_python,
    run,
    run_hook,
    wheel_members,
)
from .test_build import failed_build, tree_digest

VERSION = f"{sys.version_info[0]}{sys.version_info[1]}"
SUFFIX = f".cpython-{VERSION}-x86_64-linux-gnu.so"
TAG = f"cp{VERSION}-cp{VERSION}-manylinux_2_17_x86_64.manylinux2014_x86_64"
MODULES = ("first", "second", "helped", "vec")
CALLS = (
    "from cypkg import first, second, helped, vec\n"
    "print(first.double(3), first.scaled(2), first.offset(), first.double.__doc__,"
    " second.quadruple(3), second.hundred(), second.thousand(), helped.add(2, 3),"
    " vec.total([1, 2, 3]), vec.limit())\n"
)
OUTPUT = "6 20 7 double(int x) 12 100 1000 5 6 1000\n"


def translated(stdout: str) -> list[str]:
    """The modules Cython translated in a verbose build, from its echoed commands."""
    return sorted(
        line.split("--module-name ")[1].split()[0]
        for line in stdout.splitlines()
        if line.startswith("+ ") and " -m cython " in line
    )


def build(path: Path) -> str:
    """A verbose wheel build; its output."""
    result = run_hook(path, "build_wheel('dist', {'verbose': 'true'})")
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_wheel_and_sdist_members(project) -> None:
    path = project("cython")
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_wheel('dist')")))
    assert wheel.name == f"cypkg-1.0-{TAG}.whl"
    # .pxd files stay (other projects cimport them); .pyx, .pxi, C and generated C do not.
    assert wheel_members(wheel) == {
        "cypkg/__init__.py",
        "cypkg/shared.pxd",
        *(f"cypkg/{name}{SUFFIX}" for name in MODULES),
        "cypkg-1.0.dist-info/WHEEL",
        "cypkg-1.0.dist-info/METADATA",
        "cypkg-1.0.dist-info/RECORD",
    }
    check_wheel(wheel)
    sdist = path / "dist" / str(hook_value(run_hook(path, "build_sdist('dist')")))
    check_distribution(sdist)
    with tarfile.open(sdist) as tf:
        names = set(tf.getnames())
    assert names == {
        f"cypkg-1.0/{name}"
        for name in (
            "PKG-INFO",
            "pyproject.toml",
            "cython-include/units.pxd",
            "src/cypkg/__init__.py",
            "src/cypkg/_second_extra.pyx",
            "src/cypkg/consts.pxi",
            "src/cypkg/first.pyx",
            "src/cypkg/helped.pyx",
            "src/cypkg/helper.c",
            "src/cypkg/helper.h",
            "src/cypkg/second.pyx",
            "src/cypkg/shared.pxd",
            "src/cypkg/vec.pyx",
            "src/cypkg/vec_base.h",
            "src/cypkg/vec_limits.h",
        )
    }
    # The generated files are in the build folder only.
    generated = path / "build" / "zlig" / f"cp{VERSION}-cp{VERSION}-manylinux_2_17_x86_64"
    assert sorted(
        p.name for p in (generated / "cython" / "cypkg").iterdir() if p.suffix in (".c", ".cpp")
    ) == [
        "first.c",
        "helped.c",
        "second.c",
        "vec.cpp",
    ]
    tree = {p.relative_to(path).as_posix() for p in (path / "src").rglob("*") if p.is_file()}
    # Cython's stale output from a setuptools build is the one file left out.
    tree.remove("src/cypkg/helped.c")
    assert tree == {n.removeprefix("cypkg-1.0/") for n in names if "/src/" in n}
    # The sdist has what a build needs: its wheel has the same files.
    with tarfile.open(sdist) as tf:
        tf.extractall(path / "unpacked", filter="data")
    unpacked = path / "unpacked" / "cypkg-1.0"
    again = unpacked / "dist" / str(hook_value(run_hook(unpacked, "build_wheel('dist')")))
    assert wheel_members(again) == wheel_members(wheel)


def test_isolated_install_and_call(project, make_venv, wheelhouse) -> None:
    """pip's isolated build gets Cython from get_requires (offline, from the wheelhouse)."""
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", project("cython")], env=offline_env(wheelhouse))
    assert check([python, "-c", CALLS], cwd="/").stdout == OUTPUT


def test_incremental_translation(project) -> None:
    path = project("cython")
    assert translated(build(path)) == ["cypkg." + m for m in sorted(MODULES)]
    assert translated(build(path)) == []
    shared = path / "src" / "cypkg" / "shared.pxd"
    # Contents, not times: a touched .pxd translates nothing.
    os.utime(shared, (shared.stat().st_atime, shared.stat().st_mtime + 10))
    assert translated(build(path)) == []
    shared.write_text(shared.read_text() + "\n# edited\n")
    assert translated(build(path)) == ["cypkg.first", "cypkg.second"]
    include = path / "src" / "cypkg" / "consts.pxi"
    include.write_text(include.read_text().replace("10", "11"))
    assert translated(build(path)) == ["cypkg.first"]
    extra = path / "src" / "cypkg" / "_second_extra.pyx"
    extra.write_text(extra.read_text().replace("10 * HUNDRED", "11 * HUNDRED"))
    assert translated(build(path)) == ["cypkg.second"]
    # A changed option translates again too.
    pyproject = path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("OFFSET = 7", "OFFSET = 8"))
    assert translated(build(path)) == ["cypkg." + m for m in sorted(MODULES)]
    wheel = path / "dist" / f"cypkg-1.0-{TAG}.whl"
    site = path / "site"
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    code = "from cypkg import first; print(first.scaled(2), first.offset())"
    assert check([sys.executable, "-c", code], cwd=site).stdout == "22 8\n"


def test_a_pyx_saved_while_cython_runs_is_translated_by_the_next_build(project) -> None:
    """A translation's stamp holds the digests taken before Cython read its
    inputs: a .pyx saved while Cython ran does not look translated."""
    path = project("cython")
    first = path / "src" / "cypkg" / "first.pyx"
    saving = (
        "import zlig, zlig.runtime.cython_runner\n"
        "real = zlig.runtime.cython_runner.run\n"
        "def run(*args, **kwargs):\n"
        "    results = real(*args, **kwargs)\n"
        f"    with open({str(first)!r}, 'a') as f:\n"
        "        f.write('\\ndef saved_while_cython_ran():\\n    return 42\\n')\n"
        "    return results\n"
        "zlig.runtime.cython_runner.run = run\n"
        "zlig.build_wheel('dist', {'verbose': 'true'})\n"
    )
    result = run([sys.executable, "-c", saving], cwd=path)
    assert result.returncode == 0, result.stderr
    assert translated(result.stdout) == ["cypkg." + m for m in sorted(MODULES)]
    assert "saved_while_cython_ran" in first.read_text()
    assert translated(build(path)) == ["cypkg.first"]
    assert translated(build(path)) == []
    site = path / "site"
    with zipfile.ZipFile(path / "dist" / f"cypkg-1.0-{TAG}.whl") as zf:
        zf.extractall(site)
    code = "from cypkg import first; print(first.saved_while_cython_ran())"
    assert check([sys.executable, "-c", code], cwd=site).stdout == "42\n"


def test_syntax_error_is_one_line(project, tmp_path: Path) -> None:
    path = project("cython")
    second = path / "src" / "cypkg" / "second.pyx"
    second.write_text(second.read_text().replace("def quadruple(int x):", "def quadruple(int x:"))
    stderr = failed_build(path, tmp_path)
    lines = stderr.splitlines()
    assert "Error compiling Cython file:" in lines
    assert lines[-1] == "zlig: error: src/cypkg/second.pyx:6:4: Expected an identifier or literal"
    assert lines[-2] == lines[-1].removeprefix("zlig: error: ")


def test_missing_cython_is_a_clear_error(project, make_venv, wheelhouse) -> None:
    zig.find_zig()  # kept in the session's cache: the venv needs no ziglang
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "zlig"], env=offline_env(wheelhouse))
    path = project("cython")
    result = run_hook(path, "build_wheel('dist')", python=python)
    assert result.returncode == 1
    assert result.stderr == (
        "zlig: error: tool.zlig.extensions[0].sources: src/cypkg/first.pyx is translated by "
        "Cython, which is not installed: pip install 'Cython>=3.1' (build frontends install "
        "it automatically unless build isolation is off)\n"
    )
    assert not (path / "dist").exists()


def fake_cython(site: Path, body: str) -> None:
    """A Cython package whose ``Cython.Compiler.Main.main`` (what zlig calls,
    as ``python -m cython`` does) runs ``body`` (with os and sys imported)."""
    compiler = site / "Cython" / "Compiler"
    compiler.mkdir(parents=True)
    (site / "Cython" / "__init__.py").write_text("")
    (compiler / "__init__.py").write_text("")
    (compiler / "Main.py").write_text(f"import os, sys\ndef main(command_line=0):\n{body}")


def test_old_or_broken_cython(project, make_venv, wheelhouse) -> None:
    """A Cython older than 3.1, and one that fails without an error line."""
    zig.find_zig()  # kept in the session's cache: the venv needs no ziglang
    python = make_venv()
    check([python, "-m", "pip", "install", "-q", "zlig"], env=offline_env(wheelhouse))
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(check([python, "-c", code]).stdout.strip())
    info = site / "Cython-3.0.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: Cython\nVersion: 3.0.0\n")
    path = project("cython")
    result = run_hook(path, "build_wheel('dist')", python=python)
    assert result.returncode == 1
    assert result.stderr == (
        "zlig: error: tool.zlig.extensions[0].sources: src/cypkg/first.pyx needs Cython 3.1 "
        "or newer, but Cython 3.0.0 is installed: pip install 'Cython>=3.1'\n"
    )
    info.rename(site / "Cython-3.1.0.dist-info")
    (site / "Cython-3.1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: Cython\nVersion: 3.1.0\n"
    )
    fake_cython(site, "    print('boom', file=sys.stderr)\n    sys.exit(3)\n")
    result = run_hook(path, "build_wheel('dist')", python=python)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-2:] == [
        "boom",
        "zlig: error: Cython failed to translate src/cypkg/first.pyx (exit status 3)",
    ]
    assert not (path / "dist").exists()


def test_requirements(project) -> None:
    path = project("cython")
    requires = hook_value(run_hook(path, "get_requires_for_build_wheel()"))
    assert isinstance(requires, list) and requires[-1] == "Cython>=3.1"
    assert hook_value(run_hook(path, "get_requires_for_build_editable()")) == requires
    assert hook_value(run_hook(path, "get_requires_for_build_sdist()")) == []
    pyproject = path / "pyproject.toml"
    text = pyproject.read_text().replace(
        "[tool.zlig]\n", '[tool.zlig]\ncython-requires = "Cython>=3.2,<4"\n'
    )
    pyproject.write_text(text)
    assert hook_value(run_hook(path, "get_requires_for_build_wheel()"))[-1] == "Cython>=3.2,<4"
    for name in ("demo", "pure"):
        assert not any(
            "ython" in r
            for r in hook_value(run_hook(project(name), "get_requires_for_build_wheel()"))
        )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            '{ name = "cypkg.x", sources = ["src/cypkg/first.pyx", "src/cypkg/second.pyx"] }',
            "tool.zlig.extensions[0].sources: only one .pyx file may be listed, which Cython "
            "translates into the module (src/cypkg/first.pyx, src/cypkg/second.pyx); give each "
            ".pyx an extension of its own, and share code through .pxd files",
        ),
        (
            '{ name = "cypkg.x", sources = ["src/cypkg/first.pyx"], language = "c#" }',
            "tool.zlig.extensions[0].language: 'c#' is not one of 'c', 'c++'",
        ),
        (
            '{ name = "cypkg.x", sources = ["src/cypkg/first.pyx"], cython-directives = ["a"] }',
            "tool.zlig.extensions[0].cython-directives must be a table { name = value }, "
            "not a list",
        ),
        (
            '{ name = "cypkg.x", sources = ["src/cypkg/first.pyx"], '
            "cython-directives = { boundscheck = [1] } }",
            "tool.zlig.extensions[0].cython-directives.boundscheck must be a string, an integer "
            "or a boolean, not a list",
        ),
        (
            '{ name = "cypkg.x", sources = ["src/cypkg/first.pyx"], '
            'cython-include-dirs = ["nowhere"] }',
            "tool.zlig.extensions[0].cython-include-dirs: 'nowhere' is not a folder",
        ),
    ],
)
def test_config_errors(project, table: str, message: str) -> None:
    path = project("cython")
    pyproject = path / "pyproject.toml"
    head = pyproject.read_text().split("[tool.zlig]")[0]
    pyproject.write_text(f"{head}[tool.zlig]\nextensions = [{table}]\n")
    result = run_hook(path, "get_requires_for_build_wheel()")
    assert result.returncode == 1
    assert result.stderr == f"zlig: error: {message}\n"


def test_bad_cython_requires(project) -> None:
    path = project("cython")
    pyproject = path / "pyproject.toml"
    text = pyproject.read_text().replace(
        "[tool.zlig]\n", '[tool.zlig]\ncython-requires = "Cython>>3"\n'
    )
    pyproject.write_text(text)
    result = run_hook(path, "get_requires_for_build_wheel()")
    assert result.returncode == 1
    assert result.stderr.startswith(
        "zlig: error: tool.zlig.cython-requires: 'Cython>>3' is not a requirement such as "
        "'Cython>=3.1': "
    )
    assert len(result.stderr.splitlines()) == 1


def test_abi3(project, make_venv, wheelhouse) -> None:
    """Cython >= 3.1 reads Py_LIMITED_API: one wheel for CPython 3.9 and newer."""
    path = project("cython")
    wheel = (
        path
        / "dist"
        / str(hook_value(run_hook(path, "build_wheel('dist', {'py-limited-api': 'cp39'})")))
    )
    assert wheel.name == "cypkg-1.0-cp39-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
    assert {n for n in wheel_members(wheel) if n.endswith(".so")} == {
        f"cypkg/{name}.abi3.so" for name in MODULES
    }
    abi3audit = Path(sys.executable).with_name("abi3audit")
    result = check([abi3audit, "--strict", "--summary", wheel])
    assert "4 extensions scanned; 0 ABI version mismatches and 0 ABI violations" in " ".join(
        (result.stdout + result.stderr).split()
    )
    python = make_venv(pyenv_python("3.13"))
    check([python, "-m", "pip", "install", "-q", wheel], env=offline_env(wheelhouse))
    assert check([python, "-c", CALLS], cwd="/").stdout == OUTPUT


def test_editable_rebuilds_after_a_pxd_edit(project, make_venv, wheelhouse) -> None:
    """The loader translates again in a subprocess (Cython is never imported by
    the importing process), then Zig rebuilds; a Cython error is an ImportError."""
    path = project("cython")
    python = make_venv()
    env = offline_env(wheelhouse)
    check([python, "-m", "pip", "install", "-q", "-e", path, "Cython>=3.1"], env=env)
    code = "import sys\n" + CALLS + "print('Cython' in sys.modules)\n"
    assert check([python, "-c", code], cwd="/").stdout == OUTPUT + "False\n"
    shared = path / "src" / "cypkg" / "shared.pxd"
    shared.write_text(shared.read_text().replace("2 * x", "3 * x"))
    code = "from cypkg import first, second; print(first.double(3), second.quadruple(1))"
    env = dict(os.environ, ZLIG_VERBOSE="1")
    result = check([python, "-c", code], cwd="/", env=env)
    assert result.stdout == "9 9\n"
    assert translated(result.stderr) == ["cypkg.first", "cypkg.second"]
    second = path / "src" / "cypkg" / "second.pyx"
    second.write_text(second.read_text().replace("def quadruple(int x):", "def quadruple(int x:"))
    result = run([python, "-c", "import cypkg.second"], cwd="/")
    assert result.returncode == 1
    assert (
        "ImportError: zlig: rebuilding cypkg.second failed: "
        "src/cypkg/second.pyx:6:4: Expected an identifier or literal"
    ) in result.stderr


def test_inplace_then_clean(project) -> None:
    """python -m zlig build --inplace puts the modules beside the .pyx files,
    and nothing else: the generated C stays in the build folder."""
    path = project("cython")
    before = tree_digest(path)
    result = run([sys.executable, "-m", "zlig", "build", "--inplace"], cwd=path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (path / "src" / "cypkg").iterdir() if p.suffix == ".so") == [
        f"{name}{SUFFIX}" for name in sorted(MODULES)
    ]
    assert check([sys.executable, "-c", CALLS], cwd=path / "src").stdout == OUTPUT
    check([sys.executable, "-m", "zlig", "clean"], cwd=path)
    assert tree_digest(path) == before
    assert not (path / "build").exists()


NUMPY_CALLS = (
    "import cynp, numpy as np\n"
    "print(cynp.mean(np.arange(5.0)), cynp.running_sum(np.arange(5, dtype=np.int64)).tolist())\n"
)


def test_cimport_numpy(project, tmp_path: Path) -> None:
    """numpy's own .pxd (cimport numpy) is found where numpy is installed, its
    headers through include-packages; the built module uses numpy's C API."""
    path = project("cynumpy")
    wheel = path / "dist" / str(hook_value(run_hook(path, "build_wheel('dist')")))
    assert wheel_members(wheel) == {
        "cynp/__init__.py",
        f"cynp/_stats{SUFFIX}",
        "cynp-1.0.dist-info/WHEEL",
        "cynp-1.0.dist-info/METADATA",
        "cynp-1.0.dist-info/RECORD",
    }
    site = tmp_path / "site"
    import zipfile

    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    assert check([sys.executable, "-c", NUMPY_CALLS], cwd=site).stdout == "2.0 [0, 1, 3, 6, 10]\n"


TRACE = """
import sys, numpy as np
lines = set()
def trace(frame, event, arg):
    if frame.f_code.co_filename.endswith("_stats.pyx"):
        lines.add((frame.f_code.co_name, event))
    return trace
sys.settrace(trace)
import cynp
cynp.mean(np.arange(3.0))
sys.settrace(None)
print(sorted(lines))
"""


def test_annotate_and_linetrace(project, tmp_path: Path) -> None:
    """-C cython-annotate writes the HTML report into the build folder and says
    where; -C cython-linetrace makes the module report its lines to tracers."""
    path = project("cynumpy")
    settings = "{'cython-annotate': 'true', 'cython-linetrace': 'true'}"
    result = run_hook(path, f"build_wheel('dist', {settings})")
    assert result.returncode == 0, result.stderr
    html = path / "build" / "zlig" / TAG.split(".")[0] / "cython" / "cynp" / "_stats.html"
    assert f"zlig: Cython's annotation of src/cynp/_stats.pyx: {html}" in result.stdout
    assert "_stats.pyx" in html.read_text(encoding="utf-8")
    site = tmp_path / "site"
    import zipfile

    with zipfile.ZipFile(path / "dist" / f"cynp-1.0-{TAG}.whl") as zf:
        zf.extractall(site)
    traced = check([sys.executable, "-c", TRACE], cwd=site).stdout
    assert "('mean', 'line')" in traced
    # Without the setting the same module reports nothing.
    assert run_hook(path, "build_wheel('dist')").returncode == 0
    with zipfile.ZipFile(path / "dist" / f"cynp-1.0-{TAG}.whl") as zf:
        zf.extractall(tmp_path / "plain")
    assert check([sys.executable, "-c", TRACE], cwd=tmp_path / "plain").stdout == "[]\n"


def test_linetrace_needs_the_full_api(project, tmp_path: Path) -> None:
    path = project("cynumpy")
    before = tree_digest(path)
    result = run_hook(
        path, "build_wheel('dist', {'cython-linetrace': 'true', 'py-limited-api': 'cp311'})"
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "zlig: error: cython-linetrace: tool.zlig.extensions[0] is built for the stable ABI "
        "(py-limited-api), where Cython cannot trace lines; build it without py-limited-api "
        "to measure coverage"
    ]
    assert tree_digest(path) == before


def test_an_edit_relinks_only_its_extension(project) -> None:
    """The four modules share one folder: an edited .pyx, or a header only one
    of them uses, compiles and links that module alone."""
    from .test_incremental import cache_files

    path = project("cython")
    for pyx in (path / "src" / "cypkg").glob("*.pyx"):  # objects no earlier test made
        pyx.write_text(pyx.read_text() + f"\n\ndef _unique():\n    return {str(path)!r}\n")
    build(path)
    libraries = cache_files(".so", "libcypkg.")
    helped = path / "src" / "cypkg" / "helped.pyx"
    helped.write_text(helped.read_text() + "\n\ndef edited():\n    return 1\n")
    assert translated(build(path)) == ["cypkg.helped"]
    assert {p.name for p in cache_files(".so", "libcypkg.") - libraries} == {"libcypkg.helped.so"}
    libraries = cache_files(".so", "libcypkg.")
    base = path / "src" / "cypkg" / "vec_base.h"
    base.write_text(base.read_text().replace("250", "300"))
    assert translated(build(path)) == []
    assert {p.name for p in cache_files(".so", "libcypkg.") - libraries} == {"libcypkg.vec.so"}


def test_translations_share_a_process_per_cpu(tmp_path: Path) -> None:
    """Cython's start-up costs more than a typical module's translation: the
    jobs are split among one process per CPU, each translating its share in
    turn; every job keeps its own exit status and output, in the jobs' order."""
    from zlig.runtime import cython_runner

    fake_cython(
        tmp_path,
        "    name = sys.argv[-1]\n"
        "    print(f'{name} in {os.getpid()}')\n"
        "    if name == 'bad.pyx':\n"
        "        print('bad.pyx:1:2: no', file=sys.stderr)\n"
        "        sys.exit(1)\n",
    )
    names = ["a.pyx", "b.pyx", "bad.pyx", "c.pyx", "d.pyx", "e.pyx"]
    jobs = [
        {"pyx": str(tmp_path / n), "args": [n], "output": str(tmp_path / "out" / f"{n}.c")}
        for n in names
    ]
    results = cython_runner.run(jobs, str(tmp_path), False, sys.stdout)
    assert [r.returncode for r in results] == [0, 0, 1, 0, 0, 0]
    assert [r.stdout.split()[0] for r in results] == names
    assert results[2].stderr == "bad.pyx:1:2: no\n"
    assert cython_runner.error_line(results[2].stdout + results[2].stderr) == "bad.pyx:1:2: no"
    processes = {r.stdout.split()[-1] for r in results}
    assert len(processes) == min(len(names), os.cpu_count() or 1)
