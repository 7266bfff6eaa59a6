"""zlig: a PEP 517 build backend that compiles extension modules with Zig.

The package is a house of floors, each importing only those below it (the
import-linter contracts in pyproject.toml hold it so): this module, the hooks
(``buildapi``) and the command line (``__main__``), then ``commands``,
``archives``, ``builder``, ``platforms``, ``config`` and ``runtime``.
"""

from .buildapi import (
    build_editable,
    build_sdist,
    build_wheel,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)
from .runtime.version import VERSION as __version__

__all__ = [
    "__version__",
    "build_editable",
    "build_sdist",
    "build_wheel",
    "get_requires_for_build_editable",
    "get_requires_for_build_sdist",
    "get_requires_for_build_wheel",
    "prepare_metadata_for_build_editable",
    "prepare_metadata_for_build_wheel",
]
