"""Extensions next to their sources: ``python -m zlig build --inplace``.

Every file placed in the source tree is listed in ``<build-dir>/inplace.txt``
so that ``python -m zlig clean`` removes exactly what zlig made.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from ..builder.compile import build_extensions
from ..config.project import is_inside
from ..config.settings import Settings
from ..platforms.audit import Built

_MANIFEST = "inplace.txt"


def copy_inplace(settings: Settings, built: Sequence[Built]) -> list[Path]:
    """Copy built extensions next to their sources and record them."""
    copied = []
    for item in built:
        dest = settings.project.source_dir / item.wheel_path
        dest.parent.mkdir(parents=True, exist_ok=True)
        # Replace, never overwrite: a running process may have the old file mapped.
        temp = dest.with_name(dest.name + ".zlig-tmp")
        shutil.copyfile(item.path, temp)
        os.replace(temp, dest)
        copied.append(dest)
    manifest = settings.build_dir / _MANIFEST
    recorded = set(_recorded(settings)) | set(copied)
    lines = sorted(p.relative_to(settings.root).as_posix() for p in recorded)
    manifest.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return copied


def build_inplace(settings: Settings) -> list[Path]:
    """``python -m zlig build --inplace``: compile, then place next to the sources."""
    with build_extensions(settings) as build:
        return copy_inplace(settings, build.built)


def clean(settings: Settings) -> list[Path]:
    """Remove the in-place extensions zlig placed and its build folder."""
    removed = []
    for path in _recorded(settings):
        if path.is_file():
            path.unlink()
            removed.append(path)
    if settings.build_dir.is_dir():
        shutil.rmtree(settings.build_dir)
        removed.append(settings.build_dir)
        # The default build/zlig leaves an empty build/ that zlig made.
        parent = settings.build_dir.parent
        if parent != settings.root and not any(parent.iterdir()):
            parent.rmdir()
    return removed


def _recorded(settings: Settings) -> list[Path]:
    manifest = settings.build_dir / _MANIFEST
    if not manifest.is_file():
        return []
    paths = [settings.root / line for line in manifest.read_text("utf-8").splitlines() if line]
    # Only ever remove files inside the project, whatever the manifest says.
    return [p for p in paths if is_inside(p.resolve(), settings.root)]
