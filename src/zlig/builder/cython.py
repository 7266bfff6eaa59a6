"""Translate ``.pyx`` sources with Cython into C or C++ in the build folder.

Each extension may have one ``.pyx`` source, which is the module. Cython runs
in a subprocess of the build's Python (it is installed in the build
environment), from the project root, writing into ``<build folder>/cython/``:
never into the tree, so neither the sdist nor the wheel sees the generated
file. The generated file then replaces the ``.pyx`` among the extension's
sources and is compiled with its other sources like any C file.

A translation is skipped when nothing it depends on changed: a stamp next to
the generated file records Cython's version, the command and a digest of each
file Cython's ``--depfile`` named (the ``.pyx``, the ``.pxd`` files it
cimports, the ``.pxi`` files it includes).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from ..config.extension import Extension
from ..config.project import Project, is_inside
from ..config.validate import relative
from ..runtime import cython_runner
from ..runtime.errors import BuildError

#: What get_requires asks for when a project has a .pyx source (``[tool.zlig]
#: cython-requires`` changes it); 3.1 is the first that builds for the stable ABI.
CYTHON_REQUIREMENT = "Cython>=3.1"
MINIMUM_VERSION = (3, 1)
#: The folder of the build folder that holds the generated files.
FOLDER = "cython"

#: ``# distutils: language = c++`` among the first comment lines of a .pyx.
_LANGUAGE_COMMENT = re.compile(rb"^#\s*distutils\s*:\s*language\s*=\s*c\+\+\s*$", re.MULTILINE)


class Translation(NamedTuple):
    """One .pyx source and what Cython makes of it."""

    extension: Extension
    pyx: Path
    #: The generated ``.c`` or ``.cpp`` file.
    output: Path
    #: Cython's arguments (after ``python -m cython``).
    args: tuple[str, ...]

    @property
    def job(self) -> dict[str, Any]:
        """What the editable loader needs to translate it again (editable_loader.run_cython)."""
        return {"pyx": str(self.pyx), "output": str(self.output), "args": list(self.args)}

    def translated(self) -> Extension:
        """The extension with its generated file in place of the .pyx; the
        folders of both are on its include path."""
        ext = self.extension
        sources = tuple(sorted(s for s in (*ext.sources, self.output) if s != self.pyx))
        args = tuple((self.output if path == self.pyx else path, a) for path, a in ext.source_args)
        return ext._replace(
            sources=sources,
            source_args=args,
            include_dirs=(self.pyx.parent, self.output.parent, *ext.include_dirs),
        )


def is_cxx(ext: Extension, pyx: Path) -> bool:
    """``language = "c++"``, or the source's ``# distutils: language = c++``."""
    if ext.language is not None:
        return ext.language == "c++"
    try:
        head = pyx.read_bytes()[:4096]
    except OSError:
        return False
    return bool(_LANGUAGE_COMMENT.search(head))


def plan(ext: Extension, project: Project, folder: Path, annotate: bool = False) -> Translation:
    """What Cython is asked to do for an extension with a .pyx source
    (``annotate``: also its HTML annotation, beside the generated file)."""
    pyx = ext.pyx
    assert pyx is not None
    root = project.root
    cxx = is_cxx(ext, pyx)
    output = folder / FOLDER / (ext.name.replace(".", "/") + (".cpp" if cxx else ".c"))
    # In-project folders by relative path: the generated file names its
    # sources as Cython was given them, and must not hold the project's path.
    include_dirs = [project.source_dir, *ext.cython_include_dirs]
    args = ["--depfile", "--module-name", ext.name, *(["--cplus"] if cxx else [])]
    if annotate:
        args.append("--annotate")
    for path in dict.fromkeys(include_dirs):
        args += ["-I", _name(path, root)]
    args += [f"-X{name}={value}" for name, value in dict(ext.cython_directives).items()]
    args += [f"-E{name}={value}" for name, value in dict(ext.cython_compile_time_env).items()]
    args += ["-o", str(output), relative(pyx, root)]
    return Translation(ext, pyx, output, tuple(args))


def _name(path: Path, root: Path) -> str:
    return relative(path, root) or "." if is_inside(path, root) else str(path)


def translate(
    extensions: Sequence[Extension],
    project: Project,
    folder: Path,
    requirement: str,
    verbose: bool = False,
    annotate: bool = False,
) -> tuple[tuple[Extension, ...], list[Translation]]:
    """The extensions with each .pyx translated, and the translations that ran
    (those whose inputs changed since the last build)."""

    translations = planned(extensions, project, folder, annotate)
    if not translations:
        return tuple(extensions), []
    root = str(project.root)
    version = cython_version(requirement, next(iter(translations.values())), project.root)
    by_output = {str(t.output): t for t in translations.values()}
    pending = cython_runner.pending([t.job for t in translations.values()], version, root)
    results = cython_runner.run(pending, root, verbose, sys.stdout) if pending else []
    for result in results:  # Cython's warnings
        if result.returncode == 0 and (result.stdout or result.stderr):
            print(result.stdout + result.stderr, end="", file=sys.stderr, flush=True)
    for job, result in zip(pending, results):
        if result.returncode != 0:
            raise _error(by_output[job["output"]], result, project.root)
    for job, result in zip(pending, results):
        Path(job["output"] + ".stamp").write_text(
            cython_runner.stamp(job, version, root, result.read) or "", encoding="utf-8"
        )
    if annotate:
        for t in translations.values():
            print(
                f"zlig: Cython's annotation of {relative(t.pyx, project.root)}: "
                f"{t.output.with_suffix('.html')}",
                flush=True,
            )
    return compiled_as(extensions, translations), [by_output[job["output"]] for job in pending]


def planned(
    extensions: Sequence[Extension], project: Project, folder: Path, annotate: bool = False
) -> dict[Extension, Translation]:
    """What Cython is asked to do for each extension with a .pyx source."""
    return {ext: plan(ext, project, folder, annotate) for ext in extensions if ext.pyx}


def compiled_as(
    extensions: Sequence[Extension], translations: Mapping[Extension, Translation]
) -> tuple[Extension, ...]:
    """The extensions as Zig compiles them: each .pyx replaced by its generated C."""
    return tuple(
        translations[ext].translated() if ext in translations else ext for ext in extensions
    )


def _error(translation: Translation, result: cython_runner.Result, root: Path) -> BuildError:
    """Cython's first error as the message, its whole output as the details."""
    from ..runtime.cython_runner import error_line

    output = (result.stdout + result.stderr).rstrip()
    line = error_line(output)
    if line:
        return BuildError(line, output)
    name = relative(translation.pyx, root)
    return BuildError(
        f"Cython failed to translate {name} (exit status {result.returncode})", output
    )


def cython_version(requirement: str, translation: Translation, root: Path) -> str:
    """The installed Cython's version; a BuildError saying what to install if
    it is missing or too old."""
    from importlib import metadata

    name = relative(translation.pyx, root)
    try:
        version = metadata.version("Cython")
    except metadata.PackageNotFoundError:
        raise BuildError(
            f"{translation.extension.key}.sources: {name} is translated by Cython, which is "
            f"not installed: pip install '{requirement}' (build frontends install it "
            "automatically unless build isolation is off)"
        ) from None
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
    if numbers < MINIMUM_VERSION:
        raise BuildError(
            f"{translation.extension.key}.sources: {name} needs Cython 3.1 or newer, "
            f"but Cython {version} is installed: pip install '{requirement}'"
        )
    return version
