"""Pack sdists with flit-core's SdistBuilder, adding what a rebuild needs.

flit-core packs the package folder, pyproject.toml, the readme and licences.
zlig adds every extension source and the headers they include (also from
outside the package, e.g. ``csrc/`` and ``include/``) and drops compiled
binaries and zlig's build folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from flit_core import common as flit_common
from flit_core import config as flit_config
from flit_core import sdist as flit_sdist

from .config import Settings
from .errors import writing
from .files import is_binary, sdist_inputs, stale_cython_outputs
from .project import flit_errors, flit_module, is_inside


class _SdistBuilder(flit_sdist.SdistBuilder):  # type: ignore[misc]
    settings: Settings

    def select_files(self) -> list[str]:
        root = self.settings.root
        build_dir = self.settings.build_dir
        files = {Path(f) for f in super().select_files()}
        files.update(p.relative_to(root) for p in sdist_inputs(self.settings.extensions, root))
        stale = {p.relative_to(root) for p in stale_cython_outputs(self.settings.extensions)}
        return sorted(
            str(f)
            for f in files - stale
            if not is_binary(f) and not is_inside((root / f).resolve(), build_dir)
        )


def _make_builder(settings: Settings) -> _SdistBuilder:
    # flit-core's SdistBuilder.from_ini_path, with zlig's module lookup.
    ini_path = settings.root / "pyproject.toml"
    info = flit_config.read_flit_config(ini_path)
    module = flit_module(info.module, settings.root, settings.project.python_source)
    builder = _SdistBuilder(
        module,
        flit_common.make_metadata(module, info),
        settings.root,
        info.reqs_by_extra,
        info.entrypoints,
        [ini_path.name, *map(os.path.normpath, info.referenced_files)],
        info.data_directory,
        info.sdist_include_patterns,
        info.sdist_exclude_patterns,
    )
    builder.settings = settings
    return builder


def make_sdist(settings: Settings, sdist_directory: Path) -> str:
    """Pack the sdist into ``sdist_directory`` and return its file name."""
    with writing(sdist_directory), flit_errors():
        builder = _make_builder(settings)
        # flit-core writes the archive in place; build it under a temporary
        # folder and move it, so the output folder never holds a partial one.
        temp = sdist_directory / f".zlig-sdist-{os.getpid()}"
        try:
            path = builder.build(temp)
            final = sdist_directory / path.name
            os.replace(path, final)
        finally:
            if temp.exists():
                for leftover in temp.iterdir():
                    leftover.unlink()
                temp.rmdir()
    return str(final.name)
