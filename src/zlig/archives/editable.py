"""Editable installs that rebuild on import.

The editable wheel holds flit-core's ``.pth`` (the source folder on sys.path,
for the Python files) and a loader: a copy of ``runtime/editable_loader.py`` that ends
with a call to its ``install()`` with this project's paths, and a ``.pth``
that imports it at start-up. The extensions stay in zlig's build folder,
never in the source tree; the loader serves them from there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..builder import cython, zig
from ..builder.compile import has_build_hooks, make_hook_context
from ..builder.folder import build_folder
from ..builder.inputs import stamp_inputs, watched
from ..builder.plan import step_sources
from ..config.settings import Settings
from ..platforms.audit import Built
from ..platforms.target import resolve
from ..runtime import cython_runner, diagnostics, editable_loader, hook_context, pchscan

_LOADER_SOURCE = Path(editable_loader.__file__)
_DIAGNOSTICS_SOURCE = Path(diagnostics.__file__)
_CYTHON_RUNNER_SOURCE = Path(cython_runner.__file__)
_PCHSCAN_SOURCE = Path(pchscan.__file__)
_HOOK_CONTEXT_SOURCE = Path(hook_context.__file__)


def rebuild_hook_files(settings: Settings) -> list[Path]:
    """The files of the hooks a rebuild on import runs (before-build)."""
    return [h.path for h in settings.hooks if h.stage == "before-build"]


def loader_files(settings: Settings, built: Sequence[Built], before: str) -> dict[str, str]:
    """The editable wheel's loader module, its .pth and its copy of the
    diagnostics module (for a failed rebuild's message), by archive name.

    Also writes the stamp, so the first import after installing does not
    run Zig again.
    """
    target = resolve(settings)
    folder = build_folder(settings, target)
    # A changed hook file is a reason to rebuild; the generated folder is not
    # watched (the hooks rewrite it on every rebuild), but its files are
    # inputs of the steps' stamps, as builder/inputs.py reckons them, so that Zig
    # sees a generated header change.
    folders, files = watched(settings.extensions, settings.root, rebuild_hook_files(settings))
    extensions = settings.extensions
    if has_build_hooks(settings):
        from ..builder.hooks import generated_folder, with_generated

        extensions = with_generated(extensions, generated_folder(folder), settings.root)
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    stamps = stamp_inputs(plan, folder, extensions, settings.root)
    hooks = None
    if rebuild_hook_files(settings):  # after-build hooks do not run on import
        context = make_hook_context(settings, target, folder, editable=True)
        hooks = {
            "hooks": [h.spec for h in settings.hooks if h.stage == "before-build"],
            "context": {
                "root": str(context.root),
                "build_dir": str(context.build_dir),
                "name": context.name,
                "version": context.version,
                "target": context.target,
                "tag": context.tag,
                "config_settings": context.config_settings,
                "extensions": context.extensions,
                "editable": True,
            },
        }
    pyproject = str(settings.root / "pyproject.toml")
    config = {
        "name": settings.project.module,
        "root": str(settings.root),
        "build_folder": str(folder),
        "out": str(folder / "out"),
        "extensions": {b.extension.name: str(b.path) for b in built},
        "rebuild": settings.editable_rebuild,
        "zig": str(zig.find_zig()),
        "zig_version": zig.ZIG_VERSION,
        "folders": folders,
        "files": files,
        # Each build step's inputs, for its stamp (editable_loader.write_stamp_sources).
        "stamps": stamps,
        # The before-build hooks, run in a subprocess before each rebuild.
        "hooks": hooks,
        # .pyx sources to translate again when they or what they use changed.
        "cython": [
            cython.plan(ext, settings.project, folder, settings.cython_annotate).job
            for ext in settings.extensions
            if ext.pyx
        ],
        "cython_requires": settings.cython_requires,
        # The sources built with a precompiled Python.h, to check before a rebuild.
        "pch": pch_checks(folder),
        "pyproject": pyproject,
        "pyproject_stat": editable_loader.stat_line(pyproject),
    }
    (folder / editable_loader.STAMP).write_text(before, encoding="utf-8")
    module = "_zlig_editable_" + settings.project.module
    source = _LOADER_SOURCE.read_text(encoding="utf-8")
    wheel_files = {
        f"{module}.py": f"{source}\n\ninstall({config!r})\n",
        f"{module}.pth": f"import {module}\n",
        # Imported by the loader (editable_loader.diagnostics) only when a rebuild fails.
        f"{module}_diagnostics.py": _DIAGNOSTICS_SOURCE.read_text(encoding="utf-8"),
    }
    if config["cython"]:  # imported by the loader when a rebuild translates
        wheel_files[f"{module}_cython.py"] = _CYTHON_RUNNER_SOURCE.read_text(encoding="utf-8")
    if config["pch"]:  # imported by the loader before a rebuild
        wheel_files[f"{module}_pchscan.py"] = _PCHSCAN_SOURCE.read_text(encoding="utf-8")
    if hooks:  # run as a script by the loader when a rebuild runs the hooks
        wheel_files[f"{module}_hooks.py"] = _HOOK_CONTEXT_SOURCE.read_text(encoding="utf-8")
    return wheel_files


def pch_checks(folder: Path) -> list[list[Any]]:
    """Each source of the build's plan that uses a precompiled Python.h, with
    what pchscan.python_prefix was given and found for it (as pch.spec did):
    ``[path, include folders, command-line macro names, the #defines]``.

    The editable build uses the wheel build's PCHs, so that both make the
    same objects (and Zig's cache serves one to the other); before a rebuild
    the loader scans these sources again and rebuilds without PCHs if an
    edit changed what leads to their ``#include <Python.h>``.
    """
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    checks = []
    for ext in plan["extensions"]:
        macros = [name for name, _ in ext["macros"]]
        for source in step_sources(ext, cpu_parts=False):
            if source.get("pch") is None:
                continue
            names = macros + [f[2:].split("=")[0] for f in source["flags"] if f[:2] in ("-D", "-U")]
            # The plan names the project's files from the build folder; the
            # loader scans them from wherever the importing process runs.
            path = os.path.normpath(folder / source["path"])
            dirs = [os.path.normpath(folder / d) for d in ext["include_dirs"]]
            prefix = pchscan.python_prefix(Path(path), [Path(d) for d in dirs], names)
            checks.append([path, dirs, names, list(prefix or ())])
    return checks
