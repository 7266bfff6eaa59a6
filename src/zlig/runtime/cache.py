"""zlig's own cache (beside Zig's), and what it remembers there by content.

Standard library only, like the rest of this floor: the audits (platforms)
and the build both use it.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .editable_loader import stat_line

T = TypeVar("T")


def cache_dir() -> Path:
    """zlig's own cache, beside Zig's: ``$ZLIG_CACHE_DIR``, else ``~/.cache/zlig``."""
    if os.environ.get("ZLIG_CACHE_DIR"):
        return Path(os.environ["ZLIG_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "zlig"


def by_content(path: Path, read: Callable[[Path], T]) -> T:
    """``read(path)``, remembered in zlig's cache by the file's content.

    Reading a built file's symbols with pyelftools costs ~20 ms a file: a
    build that relinked one extension of many reads only that one again.
    A file that cannot be read is left to ``read`` to report.
    """
    import pickle

    try:
        data = path.read_bytes()
    except OSError:
        return read(path)
    key = hashlib.sha256(data)
    key.update(f"{read.__module__}.{read.__qualname__}\n{zlig_files()}".encode())
    digest = key.hexdigest()
    cached = cache_dir() / "file-info" / digest[:2] / f"{digest}.pickle"
    try:
        # zlig's own cache, written below: as trusted as zlig's code.
        result: T = pickle.loads(cached.read_bytes())
        return result
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    result = read(path)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        temporary.write_bytes(pickle.dumps(result))
        os.replace(temporary, cached)
    except OSError:
        pass  # a cache that cannot be written only costs time
    return result


@functools.cache
def zlig_files() -> str:
    """zlig's own files, by size and modification time: a new zlig may build
    or audit differently (its version alone does not change in development)."""
    here = Path(__file__).parent.parent  # the zlig package
    files = sorted(p for p in here.rglob("*") if "__pycache__" not in p.parts)
    return "".join(stat_line(str(p)) for p in files)
