"""The projects the benchmark builds: a zlig project and its equivalents.

From one zlig project (a pyproject.toml with ``[tool.zlig]``) it makes:

- the same project for setuptools: ``setup.py`` with one ``Extension`` per
  zlig extension, with the same sources, include folders, macros, libraries
  and compile arguments, read through zlig's own configuration loader so that
  globs and project-wide defaults mean exactly what they mean to zlig;
- the same with ``[build_ext] parallel = 2`` in ``setup.cfg``;
- the same project for flit-core, without extensions (``[tool.zlig]`` removed).

Needs zlig importable (the benchmark runs in its own venv, where it is).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from zlig.config import settings as config
from zlig.config.extension import Extension

#: Files and folders never copied from a source project.
IGNORE = shutil.ignore_patterns("build", "dist", "*.so", "*.egg-info", "__pycache__", ".zig-cache")
#: A TOML table header on a line of its own: ``[name]`` or ``[[name]]``.
_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\-]+)\s*\]\]?\s*(#.*)?$")


def copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, ignore=IGNORE)
    return dest


def without_tables(text: str, drop: tuple[str, ...]) -> str:
    """pyproject.toml text without the tables named in ``drop`` (and their subtables)."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            name = match[1]
            skipping = any(name == d or name.startswith(d + ".") for d in drop)
        if not skipping:
            kept.append(line)
    return "\n".join(kept).strip() + "\n"


def build_system(requires: list[str], backend: str) -> str:
    listed = ", ".join(f'"{r}"' for r in requires)
    return f'[build-system]\nrequires = [{listed}]\nbuild-backend = "{backend}"\n\n'


def flit_core(zlig_project: Path, dest: Path) -> Path:
    """A copy of the project built by flit-core itself, without any extension."""
    copy(zlig_project, dest)
    text = (dest / "pyproject.toml").read_text(encoding="utf-8")
    rest = without_tables(text, ("build-system", "tool.zlig"))
    (dest / "pyproject.toml").write_text(
        build_system(["flit_core>=3.2,<5"], "flit_core.buildapi") + rest, encoding="utf-8"
    )
    return dest


def extension_sources(zlig_project: Path) -> list[list[Path]]:
    """Each extension's sources, relative to the project root."""
    settings = config.load(zlig_project)
    return [[s.relative_to(settings.root) for s in ext.sources] for ext in settings.extensions]


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def check_mirrored(ext: Extension) -> None:
    """Stop if the extension uses what the other backends' projects do not mirror."""
    unsupported = [
        what
        for what, used in [
            ("a Zig root", ext.zig_root is not None),
            ("include-packages", bool(ext.include_packages)),
            ("extra-link-args", ext.extra_link_args != type(ext.extra_link_args)()),
            ("py-limited-api", ext.limited_api is not None),
            ("cython-directives", bool(ext.cython_directives)),
            ("cython-compile-time-env", bool(ext.cython_compile_time_env)),
            ("cython-include-dirs", bool(ext.cython_include_dirs)),
        ]
        if used
    ]
    if unsupported:
        raise SystemExit(f"benchmark: {ext.name}: {', '.join(unsupported)} not mirrored")


def _extension_code(ext: Extension, root: Path) -> str:
    """``Extension(...)`` for setup.py, mirroring what zlig compiles."""
    check_mirrored(ext)
    compile_args = list(ext.extra_compile_args)
    # setuptools passes the same arguments to every file; gcc warns about (and
    # ignores) a -std of the other language.
    languages = ext.languages()
    if ext.c_std and "c" in languages:
        compile_args.append(f"-std={ext.c_std}")
    if ext.cxx_std and "c++" in languages:
        compile_args.append(f"-std={ext.cxx_std}")
    fields: dict[str, object] = {
        "sources": [relative(s, root) for s in ext.sources],
        "include_dirs": [relative(d, root) for d in ext.include_dirs],
        "define_macros": list(ext.define_macros),
        "undef_macros": list(ext.undef_macros),
        "libraries": list(ext.libraries),
        "library_dirs": [relative(d, root) for d in ext.library_dirs],
        "extra_compile_args": compile_args,
    }
    args = "".join(f"        {key}={value!r},\n" for key, value in fields.items() if value)
    return f"    Extension(\n        {ext.name!r},\n{args}    ),\n"


def setuptools(zlig_project: Path, dest: Path, parallel: int = 0) -> Path:
    """A copy of the project built by setuptools (gcc), with the same extensions."""
    settings = config.load(zlig_project)
    project = settings.project
    copy(zlig_project, dest)
    metadata = config.read_pyproject(zlig_project).get("project", {})
    package_dir = relative(project.source_dir, settings.root)
    extensions = "".join(_extension_code(ext, settings.root) for ext in settings.extensions)
    where = package_dir if package_dir != "." else "."
    cython = any(ext.pyx for ext in settings.extensions)
    if cython:
        # What Cython's documentation recommends: cythonize() in setup.py,
        # translating in parallel; the package root is on the cimport path.
        ext_modules = (
            f"    ext_modules=cythonize([\n{extensions}    ], nthreads=2, "
            f"include_path=[{where!r}]),\n"
        )
    else:
        ext_modules = f"    ext_modules=[\n{extensions}    ],\n"
    setup_py = (
        "# Generated by benchmarks/projects.py: the zlig project's extensions for setuptools.\n"
        + ("from Cython.Build import cythonize\n" if cython else "")
        + "from setuptools import Extension, find_packages, setup\n\n"
        "setup(\n"
        f"    name={metadata['name']!r},\n"
        f"    version={str(metadata['version'])!r},\n"
        f"    description={metadata.get('description', '')!r},\n"
        f"    package_dir={{'': {where!r}}},\n"
        f"    packages=find_packages({where!r}, include=[{project.module!r}, "
        f"{project.module + '.*'!r}]),\n"
        f"{ext_modules}"
        ")\n"
    )
    (dest / "setup.py").write_text(setup_py, encoding="utf-8")
    requires = ["setuptools", "wheel", *([settings.cython_requires] if cython else [])]
    (dest / "pyproject.toml").write_text(
        build_system(requires, "setuptools.build_meta"), encoding="utf-8"
    )
    # setuptools' sdist holds the sources but not the headers of include_dirs:
    # without these, the wheel built from the sdist (the "sdist" mode) fails.
    folders = {relative(p.parent, settings.root) for e in settings.extensions for p in e.sources}
    folders |= {relative(d, settings.root) for e in settings.extensions for d in e.include_dirs}
    manifest = "".join(f"graft {f}\n" for f in sorted(folders) if f != ".")
    (dest / "MANIFEST.in").write_text(manifest + "global-exclude *.so\n", encoding="utf-8")
    if parallel:
        (dest / "setup.cfg").write_text(f"[build_ext]\nparallel = {parallel}\n", encoding="utf-8")
    return dest
