"""Zig recompiles only what changed, also across isolated builds.

Zig's cache (zlig uses the global one) keeps each compiled C file as
``o/<digest>/<stem>.o``, under a new digest whenever the file, a header it
includes or its flags change: new object files are what a build compiled.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tarfile
import zipfile
from collections import Counter
from pathlib import Path
from typing import Callable

import pytest

from zlig.runtime.editable_loader import zig_cache_dir

from .conftest import check, hook_value, offline_env, run_hook

STEMS = {"module", "util", "tiny"}  # the nested project's sources


def cache_files(suffix: str, prefix: str = "") -> set[Path]:
    """Zig's cached outputs; ``prefix``: only those named so (other builds on
    the machine share the cache)."""
    return set(Path(zig_cache_dir()).glob(f"o/*/{prefix}*{suffix}"))


def compiled_by(build: Callable[[], None]) -> Counter[str]:
    """Call ``build()``; return the names of the source objects it compiled."""
    before = cache_files(".o")
    build()
    return Counter(p.stem for p in cache_files(".o") - before if p.stem in STEMS)


def unique_nested(project: Callable[[str], Path]) -> Path:
    """The nested project, with sources no earlier build has compiled."""
    path = project("nested")
    for source in path.rglob("*.c"):
        append(source, f"/* {path} */\n")
    return path


def append(file: Path, text: str) -> None:
    with file.open("a") as f:
        f.write(text)


def test_only_what_changed_is_recompiled(project) -> None:
    path = unique_nested(project)

    def build() -> None:
        hook_value(run_hook(path, "build_wheel('dist')"))

    assert compiled_by(build) == Counter(module=1, util=2, tiny=1)
    libraries = cache_files(".so", "libspam.")

    # Nothing changed: nothing compiled and nothing linked.
    assert compiled_by(build) == Counter()
    assert cache_files(".so", "libspam.") == libraries

    append(path / "csrc" / "a" / "util.c", "/* one source */\n")
    assert compiled_by(build) == Counter(util=1)
    # ... and linked only its own extension, not spam._tiny.
    assert {p.name for p in cache_files(".so", "libspam.") - libraries} == {"libspam.sub._core.so"}
    # A header included by one source (just after another source was rebuilt:
    # Zig alone misses this one, see editable_loader.write_stamp_source)...
    append(path / "csrc" / "b" / "util.h", "/* a private header */\n")
    assert compiled_by(build) == Counter(util=1)
    # ... and one included by three.
    append(path / "include" / "spam.h", "/* the shared header */\n")
    assert compiled_by(build) == Counter(module=1, util=2)


def test_a_copy_elsewhere_compiles_nothing(project, tmp_path: Path) -> None:
    """The plan names the project's files from the build folder, so Zig's
    cache keys are the same in a copy of the project in another folder (a
    clone, CI's checkout) and in an sdist unpacked in a new temporary folder,
    as frontends do: nothing is compiled or linked again, and the extensions
    are the same bytes."""
    path = unique_nested(project)

    def build(where: Path) -> Callable[[], None]:
        return lambda: hook_value(run_hook(where, "build_wheel('dist')"))

    assert compiled_by(build(path)) == Counter(module=1, util=2, tiny=1)
    libraries = cache_files(".so", "libspam.")
    sdist = path / "dist" / str(hook_value(run_hook(path, "build_sdist('dist')")))

    copy = tmp_path / "elsewhere" / "deeper" / "spam"
    shutil.copytree(path, copy, ignore=shutil.ignore_patterns("build", "dist"))
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path / "unpacked")
    unpacked = tmp_path / "unpacked" / sdist.name.removesuffix(".tar.gz")
    for where in (copy, unpacked):
        assert compiled_by(build(where)) == Counter()
        assert cache_files(".so", "libspam.") == libraries
        for built in path.glob("build/zlig/*/out/**/*.so"):
            assert (where / built.relative_to(path)).read_bytes() == built.read_bytes()


def test_a_build_with_nothing_changed_starts_no_zig(project) -> None:
    """A no-op build reuses the last build's outputs, undefined-symbol check
    and audit without starting ``zig build`` (uptodate.py). A change that Zig
    sees and zlig's scan of ``#include`` lines does not (a header named
    through a macro) still rebuilds, and so does an output changed since."""
    path = unique_nested(project)
    tiny = path / "src" / "spam" / "tiny.c"
    (tiny.parent / "answer.h").write_text("#define SPAM_ANSWER_TOO 42\n")
    text = tiny.read_text().replace(
        "#include <Python.h>\n", '#include <Python.h>\n#define ANSWER "answer.h"\n#include ANSWER\n'
    )
    tiny.write_text(text.replace("SPAM_ANSWER)", "SPAM_ANSWER_TOO)"))
    outputs: list[str] = []

    def build() -> None:
        result = run_hook(path, "build_wheel('dist', {'verbose': 'true'})")
        wheels.append(path / "dist" / str(hook_value(result)))
        outputs.append(result.stdout)

    skipped = "zlig: nothing changed since the last build: zig build not run"
    wheels: list[Path] = []
    assert compiled_by(build) == Counter(module=1, util=2, tiny=1)
    first = wheels[-1].read_bytes()
    assert skipped not in outputs[-1]
    assert compiled_by(build) == Counter()
    assert skipped in outputs[-1].splitlines()
    assert wheels[-1].read_bytes() == first

    (tiny.parent / "answer.h").write_text("#define SPAM_ANSWER_TOO 43\n")
    assert compiled_by(build) == Counter(tiny=1)
    assert skipped not in outputs[-1]

    built = next(path.glob("build/zlig/*/out/spam/_tiny.*.so"))
    data = built.read_bytes()
    built.unlink()
    built.write_bytes(b"not what Zig made")
    assert compiled_by(build) == Counter()
    assert skipped not in outputs[-1]
    assert built.read_bytes() == data


def test_a_build_with_no_file_changed_makes_no_plan(project) -> None:
    """With no file changed since the last build, the build does not even make
    its plan (which reads every source): the record's shortcut stats the files
    the last build depended on. A file that changed without changing the
    plan (pyproject.toml's description) costs the plan, not a compile, and
    renews the shortcut."""
    path = unique_nested(project)
    outputs: list[str] = []

    def build() -> None:
        outputs.append(run_hook(path, "build_wheel('dist', {'verbose': 'true'})").stdout)

    def planned() -> bool:
        return any(line.startswith("zlig: plan:") for line in outputs[-1].splitlines())

    skipped = "zlig: nothing changed since the last build: zig build not run"
    assert compiled_by(build) == Counter(module=1, util=2, tiny=1)
    assert planned()
    assert compiled_by(build) == Counter()
    assert skipped in outputs[-1].splitlines() and not planned()

    pyproject = path / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('description = "', 'description = "Now '))
    assert compiled_by(build) == Counter()
    assert skipped in outputs[-1].splitlines() and planned()
    assert compiled_by(build) == Counter()
    assert skipped in outputs[-1].splitlines() and not planned()

    append(path / "csrc" / "a" / "util.c", "/* one source */\n")
    assert compiled_by(build) == Counter(util=1)
    assert skipped not in outputs[-1] and planned()


def test_a_source_saved_while_zig_runs_is_compiled_by_the_next_build(project) -> None:
    """The build record's shortcut keeps the files' stat from before the build
    read them: a source saved while Zig ran (after Zig had read it) does not
    look built to the next build, which compiles it."""
    path = unique_nested(project)
    util = path / "csrc" / "a" / "util.c"
    marker = "SAVED-WHILE-ZIG-RAN"
    text = f'\n__attribute__((used, retain)) static const char saved[] = "{marker}";\n'
    saving = (
        "import zlig, zlig.builder.zig\n"
        "real = zlig.builder.zig.run\n"
        "def run(*args, **kwargs):\n"
        "    report = real(*args, **kwargs)\n"
        f"    with open({str(util)!r}, 'a') as f:\n"
        f"        f.write({text!r})\n"
        "    return report\n"
        "zlig.builder.zig.run = run\n"
        "zlig.build_wheel('dist')\n"
    )

    def build() -> None:
        hook_value(run_hook(path, "build_wheel('dist')"))

    def built_with_it() -> bool:
        return any(marker.encode() in p.read_bytes() for p in path.glob("build/zlig/*/out/**/*.so"))

    build()
    append(util, "/* an edit, so that Zig runs */\n")
    check([sys.executable, "-c", saving], cwd=path)
    assert marker in util.read_text() and not built_with_it()
    assert compiled_by(build) == Counter(util=1)
    assert built_with_it()
    assert compiled_by(build) == Counter()


@pytest.mark.slow
def test_cache_survives_isolated_builds(project, wheelhouse, tmp_path: Path) -> None:
    """Each ``python -m build`` makes a fresh environment; zlig's kept Zig and
    the build folder's cache outlive it, and Zig is installed only once."""
    path = unique_nested(project)
    env = {**offline_env(wheelhouse), "ZLIG_CACHE_DIR": str(tmp_path / "zlig-cache")}
    logs = []

    def build() -> None:
        result = check([sys.executable, "-m", "build", "--wheel", path], env=env)
        logs.append(result.stdout + result.stderr)

    assert compiled_by(build) == Counter(module=1, util=2, tiny=1)
    append(path / "csrc" / "a" / "util.c", "/* one source */\n")
    assert compiled_by(build) == Counter(util=1)
    assert "ziglang==0.16.0" in logs[0]
    assert "ziglang" not in logs[1]
    assert os.listdir(path / "dist") == [f"spam-2.0-{_tag()}.whl"]


def _tag() -> str:
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    return f"cp{version}-cp{version}-manylinux_2_17_x86_64.manylinux2014_x86_64"


def many_files_project(root: Path, count: int) -> Path:
    """An extension of ``count`` C files plus a module file; the first two
    include ``shared.h``. ``many.total()`` sums what every file returns."""
    (root / "src" / "many").mkdir(parents=True)
    (root / "src" / "many" / "__init__.py").write_text("from ._core import total\n")
    (root / "csrc").mkdir()
    (root / "csrc" / "shared.h").write_text(f"#define SHARED 100 /* {root} */\n")
    calls = []
    for i in range(count):
        header = '#include "shared.h"\n' if i < 2 else "#define SHARED 0\n"
        (root / "csrc" / f"part{i:02}.c").write_text(
            f"{header}long many_f{i}(void) {{ return {i} + SHARED; }} /* {root} */\n"
        )
        calls.append(f"many_f{i}()")
    (root / "csrc" / "module.c").write_text(
        "#include <Python.h>\n"
        + "".join(f"long many_f{i}(void);\n" for i in range(count))
        + "static PyObject *total(PyObject *m, PyObject *a) {\n"
        + f"    return PyLong_FromLong({' + '.join(calls)});\n}}\n"
        + 'static PyMethodDef methods[] = {{"total", total, METH_NOARGS, NULL}, {NULL}};\n'
        + 'static struct PyModuleDef def = {PyModuleDef_HEAD_INIT, "_core", NULL, -1, methods};\n'
        + "PyMODINIT_FUNC PyInit__core(void) { return PyModule_Create(&def); }\n"
    )
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["zlig"]\nbuild-backend = "zlig"\n'
        '[project]\nname = "many"\nversion = "1.0"\ndescription = "x"\n'
        '[tool.zlig]\nextensions = [{ name = "many._core", sources = ["csrc/*.c"] }]\n'
    )
    return root


def total(project_dir: Path, tmp_path: Path) -> int:
    """``many.total()`` from the wheel just built."""
    (wheel,) = (project_dir / "dist").glob("*.whl")
    unpacked = tmp_path / "unpacked"
    shutil.rmtree(unpacked, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(unpacked)
    code = "import many; print(many.total())"
    return int(check([sys.executable, "-c", code], cwd=unpacked).stdout)


def test_split_extension_compiles_in_groups_and_recompiles_only_what_changed(
    tmp_path: Path,
) -> None:
    """17 files: build.zig compiles them in three groups (steps that Zig runs in
    parallel); a change still recompiles only the files it affects."""
    path = many_files_project(tmp_path / "many", 16)
    stems = {f"part{i:02}" for i in range(16)} | {"module"}

    steps: Counter[str] = Counter()

    def build() -> Counter[str]:
        before = cache_files(".o")
        hook_value(run_hook(path, "build_wheel('dist')"))
        made = cache_files(".o") - before
        # Each step's stamp object and each group's object file are named
        # after the step: many._core.part1.o (twice), many._core.o.
        steps.clear()
        steps.update(p.stem for p in made if p.stem.startswith("many._core"))
        return Counter(p.stem for p in made if p.stem in stems)

    assert build() == Counter(stems)
    (plan_file,) = (path / "build" / "zlig").glob("*/plan.json")
    (ext,) = json.loads(plan_file.read_text())["extensions"]
    groups = [[Path(s["path"]).stem for s in part["sources"]] for part in ext["parts"]]
    assert [len(group) for group in groups] == [6, 6, 5] and ext["c_sources"] == []
    assert groups[1] == ["part05", "part06", "part07", "part08", "part09", "part10"]
    assert [part["stamp"]["path"] for part in ext["parts"]] == [
        f"inputs/many._core.part{i}.c" for i in range(3)
    ]
    assert total(path, tmp_path) == sum(range(16)) + 200

    # Nothing changed: no object, group or extension compiled or linked.
    objects, libraries = cache_files(".o", "part"), cache_files(".so", "libmany")
    assert build() == Counter()
    assert (cache_files(".o", "part"), cache_files(".so", "libmany")) == (objects, libraries)
    # One source: its group's step runs (its stamp, the source, the group's
    # object), no other group's; and the link.
    append(path / "csrc" / "part09.c", "/* one source */\n")
    assert build() == Counter(part09=1)
    assert steps == Counter({"many._core.part1": 2})
    assert len(cache_files(".so", "libmany") - libraries) == 1
    # A header that two sources of the first group include.
    (path / "csrc" / "shared.h").write_text("#define SHARED 1000\n")
    assert build() == Counter(part00=1, part01=1)
    assert steps == Counter({"many._core.part0": 2})
    assert total(path, tmp_path) == sum(range(16)) + 2000
