"""Pack sdists with flit-core's SdistBuilder, adding what a rebuild needs.

flit-core packs the package folder, pyproject.toml, the readme and licences.
zlig adds every extension source and the headers they include (also from
outside the package, e.g. ``csrc/`` and ``include/``) and drops compiled
binaries and zlig's build folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from flit_core import sdist as flit_sdist

from .config import Settings
from .files import is_binary, sdist_inputs
from .project import flit_errors, is_inside


class _SdistBuilder(flit_sdist.SdistBuilder):  # type: ignore[misc]
    settings: Settings

    def select_files(self) -> list[str]:
        root = self.settings.root
        build_dir = self.settings.build_dir
        files = {Path(f) for f in super().select_files()}
        files.update(p.relative_to(root) for p in sdist_inputs(self.settings.extensions, root))
        return sorted(
            str(f)
            for f in files
            if not is_binary(f) and not is_inside((root / f).resolve(), build_dir)
        )


def make_sdist(settings: Settings, sdist_directory: Path) -> str:
    """Pack the sdist into ``sdist_directory`` and return its file name."""
    with flit_errors():
        builder = _SdistBuilder.from_ini_path(settings.root / "pyproject.toml")
        builder.settings = settings
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
