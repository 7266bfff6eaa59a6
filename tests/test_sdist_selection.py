"""[tool.zlig.sdist] include/exclude and respect-gitignore, with tests/packages/selection.

The files git ignores, virtual environments and output folders are made by
the tests in the copied project (written into the repository, a .gitignore
there would hide files from git itself)."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from .conftest import check_distribution, hook_value, run_hook

#: flit-core's selection (package, readme, pyproject.toml), the build inputs
#: and what include adds; without what exclude, .gitignore files and
#: .git/info/exclude leave out, and never a virtualenv, build/ or dist/.
SELECTED = {
    "PKG-INFO",
    "pyproject.toml",
    "README.md",
    "CHANGES.md",
    "src/picked/__init__.py",
    "src/picked/keep.tmp",
    "csrc/core.c",
    "csrc/unused.c",
    "include/picked.h",
    "tests/.gitignore",
    "tests/test_picked.py",
    "data/a.dat",
}
#: What git ignores in the tree that add_untracked makes.
GIT_IGNORED = {
    "tests/secret.txt",
    "tests/local_conf.py",
    "tests/fixtures/small.txt",
    "data/sub/b.dat",
}


def add_untracked(path: Path) -> None:
    """Ignored files, .gitignore files, two virtual environments and old build outputs."""
    files = {
        ".gitignore": "secret.txt\n/data/sub/\n",
        "tests/.gitignore": "local_*.py\n",
        "tests/secret.txt": "token\n",
        "tests/local_conf.py": "",
        ".git/HEAD": "ref: refs/heads/main\n",
        ".git/info/exclude": "tests/fixtures/small.txt\n",
        ".venv/pyvenv.cfg": "home = /usr/bin\n",
        ".venv/lib/python3.11/site-packages/mod.py": "",
        "tests/env2/pyvenv.cfg": "home = /usr/bin\n",
        "tests/env2/lib/helper.py": "",
        "tests/__pycache__/test_picked.cpython-311.pyc": "",
        "build/lib/picked/__init__.py": "",
        "build/zlig/.gitignore": "*\n",
        "dist/picked-0.2.tar.gz": "",
        "src/picked/_core.abi3.so": "",
    }
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    # A parent folder's .gitignore is not the project's.
    (path.parent / ".gitignore").write_text("CHANGES.md\nREADME.md\n")


def sdist_names(path: Path) -> set[str]:
    name = str(hook_value(run_hook(path, "build_sdist('dist')")))
    sdist = path / "dist" / name
    with tarfile.open(sdist) as tf:
        names = [n.removeprefix("picked-0.3/") for n in tf.getnames()]
    sdist.unlink()
    assert len(names) == len(set(names)), names
    return set(names)


def set_table(path: Path, table: str) -> None:
    pyproject = path / "pyproject.toml"
    head = pyproject.read_text().split("[tool.zlig.sdist]")[0]
    pyproject.write_text(f"{head}[tool.zlig.sdist]\n{table}\n")


def test_include_exclude_and_gitignore(project) -> None:
    path = project("selection")
    add_untracked(path)
    name = str(hook_value(run_hook(path, "build_sdist('dist')")))
    with tarfile.open(path / "dist" / name) as tf:
        assert {n.removeprefix("picked-0.3/") for n in tf.getnames()} == SELECTED
    check_distribution(path / "dist" / name)


def test_without_gitignore(project) -> None:
    path = project("selection")
    add_untracked(path)
    pyproject = path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("respect-gitignore = true", ""))
    assert sdist_names(path) == SELECTED | GIT_IGNORED


def test_gitignore_is_off_in_an_unpacked_sdist(project) -> None:
    """An sdist holds no ignored file, so what it holds is what it needs."""
    path = project("selection")
    add_untracked(path)
    (path / "PKG-INFO").write_text("Metadata-Version: 2.4\nName: picked\nVersion: 0.3\n")
    assert sdist_names(path) == SELECTED | GIT_IGNORED
    # Included by a pattern, the old PKG-INFO does not go in beside the new one.
    pyproject = path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"CHANGES.md"', '"CHANGES.md", "PKG-*"'))
    assert sdist_names(path) == SELECTED | GIT_IGNORED


def test_flit_sdist_table_keeps_working(project) -> None:
    path = project("selection")
    add_untracked(path)
    set_table(path, "")
    pyproject = path / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text() + '\n[tool.flit.sdist]\ninclude = ["data/"]\nexclude = ["**/c.txt"]\n'
    )
    assert sdist_names(path) == {
        "PKG-INFO",
        "pyproject.toml",
        "README.md",
        "src/picked/__init__.py",
        "src/picked/keep.tmp",
        "src/picked/notes.tmp",
        "csrc/core.c",
        "include/picked.h",
        "data/a.dat",
        "data/sub/b.dat",
    }


@pytest.mark.parametrize(
    "table, extra, message",
    [
        (
            'exclude = ["csrc/"]',
            "",
            "tool.zlig.sdist.exclude 'csrc/' leaves out csrc/core.c, a source of "
            "tool.zlig.extensions[0]; the sdist must hold every build input",
        ),
        (
            'exclude = ["*.md"]',
            "",
            "tool.zlig.sdist.exclude '*.md' leaves out README.md, [project] readme or licence; "
            "the sdist must hold every build input",
        ),
        (
            "respect-gitignore = true",
            "",
            "tool.zlig.sdist.respect-gitignore (include/.gitignore) leaves out include/picked.h, "
            "a header of tool.zlig.extensions[0]; the sdist must hold every build input",
        ),
        (
            "",
            '[tool.flit.sdist]\nexclude = ["csrc/core.c"]\n',
            "tool.flit.sdist.exclude leaves out csrc/core.c, a source of tool.zlig.extensions[0]; "
            "the sdist must hold every build input",
        ),
        (
            'includes = ["tests/"]',
            "",
            "tool.zlig.sdist: unknown key 'includes'; did you mean 'include'?",
        ),
        (
            'include = "tests/"',
            "",
            "tool.zlig.sdist.include must be a list of non-empty strings",
        ),
        (
            'exclude = ["*.tmp", "!"]',
            "",
            "tool.zlig.sdist.exclude: '!' is not a pattern with .gitignore rules",
        ),
        (
            'respect-gitignore = "yes"',
            "",
            "tool.zlig.sdist.respect-gitignore must be true or false, not a string",
        ),
    ],
)
def test_selection_errors(project, tmp_path: Path, table: str, extra: str, message: str) -> None:
    """A build input that a rule would leave out is an error naming both."""
    path = project("selection")
    set_table(path, table)
    (path / "pyproject.toml").write_text((path / "pyproject.toml").read_text() + extra)
    (path / "include" / ".gitignore").write_text("*.h\n")
    out = tmp_path / "out"
    out.mkdir()
    result = run_hook(path, f"build_sdist({str(out)!r})")
    assert result.returncode == 1
    assert result.stderr == f"zlig: error: {message}\n"
    assert list(out.iterdir()) == []


def test_sdist_must_be_a_table(project) -> None:
    path = project("selection")
    pyproject = path / "pyproject.toml"
    head = pyproject.read_text().split("[tool.zlig.sdist]")[0]
    pyproject.write_text(f"{head}sdist = 1\n")
    result = run_hook(path, "build_sdist('dist')")
    assert result.returncode == 1
    assert result.stderr == "zlig: error: tool.zlig.sdist must be a table, not an integer\n"
