"""The build folder: ``<build-dir>/<wheel tag>/`` inside the project (flit-core
refuses to pack files from outside it), holding the fixed ``build.zig``, the
plan, Zig's local cache and the installed outputs. It carries a
``.gitignore`` of ``*`` so that it never shows up in ``git status``.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from ..config.settings import Settings
from ..platforms.audit import PURE_TAG

if TYPE_CHECKING:
    from ..platforms.target import Target


def build_folder(settings: Settings, target: Target) -> Path:
    if not settings.extensions:  # hooks of a pure project
        return build_dir(settings) / PURE_TAG
    return build_dir(settings) / target.build_tag(settings.extensions)


def build_dir(settings: Settings) -> Path:
    """The project's build folder or, if the project cannot be written to
    (a read-only mount), a folder of its own in zlig's cache."""
    try:
        _make_build_dir(settings.build_dir)
        return settings.build_dir
    except OSError as error:
        from ..runtime.cache import cache_dir

        name = hashlib.sha256(str(settings.root).encode()).hexdigest()[:16]
        fallback = cache_dir() / "builds" / f"{settings.root.name}-{name}"
        print(
            f"zlig: cannot write {settings.build_dir} ({error.strerror}); building in {fallback}",
            file=sys.stderr,
        )
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


def _make_build_dir(build_dir: Path) -> None:
    build_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=build_dir):  # it may exist on a read-only mount
        pass
    ignore = build_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by zlig: build state, never committed.\n*\n", encoding="utf-8")
