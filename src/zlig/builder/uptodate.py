"""Reusing the last build's results when nothing it depended on changed.

Starting ``zig build`` costs ~0.3 s even when every step hits Zig's cache (the
build runner starts and checks each step's manifest), and reading the built
files back for the undefined-symbol check and the platform audit ~0.1 s
more. A no-op build, the most frequent build of all, skips all three when a
record in the build folder says that the same inputs gave these outputs:

- the build: the plan (every flag and path), the stamps (the contents of the
  project's sources and headers: editable_loader.stamp), the ``zig build``
  command, the size and modification time of Zig, of zlig's own files and of
  every file the plan names, of the files beside them and of every file in
  the folders it names (Python's headers, include and library folders; Zig
  would see any of them change), and the outputs' size, times and inode,
  untouched since Zig wrote them;
- the checks: the target, the extensions' settings and the outputs' identity.

Both are stat-based, like the editable rebuild check (ninja decides the same
way). A record is written only after the step it stands for succeeded, and is
removed before the step runs again.

Making the plan and the stamps reads every source and costs more than the
check itself (~0.1 s for 64 files, more for Cython's generated C): the build
record also keeps a shortcut, checked first, from what decides the plan
besides the files (the settings, the target, the command, Cython's version)
and the list of files the record was made from, which are stat'ed again.
Their stat lines are the ones taken before the build read the files: a file
saved while Cython or Zig ran is a change to the next build.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from ..runtime.cache import zlig_files
from ..runtime.editable_loader import stat_line

T = TypeVar("T")

BUILD_RECORD = "built.json"
#: Past this many files to stat (an include folder such as /usr/include), the
#: shortcut would cost more than it saves.
MAX_FILES = 5000


class Key(NamedTuple):
    """What a build's outputs depend on."""

    digest: str
    #: The files and folders whose size and modification time it holds.
    files: list[str]


def build_key(
    folder: Path, plan: dict[str, Any], stamps: dict[str, str], command: Sequence[str]
) -> Key | None:
    """What a build's outputs depend on (see the module's docstring), or None
    when that is too many files to check quickly (zig build decides)."""
    digest = hashlib.sha256()
    digest.update(json.dumps([plan, stamps, list(command)], sort_keys=True).encode())
    digest.update(zlig_files().encode())
    # Files in the build folders (the precompiled header, the stamps) are
    # made from the plan and the project; stat'ing them would see Zig's writes.
    build = os.path.join(os.path.dirname(os.path.normpath(folder)), "")
    named = {p for p in _named_paths(plan, folder) if not p.startswith(build)}
    files: set[str] = set(command[:1])  # Zig
    for path in named:
        if os.path.isdir(path):  # an include or library folder: all it holds
            files.update(_files_below(path, build))
        else:  # and the folder of a file: `#include "x.h"` looks there first
            parent = os.path.dirname(path)
            files.update([path, parent, *(e.path for e in os.scandir(parent) if e.is_file())])
        if len(files) > MAX_FILES:
            return None
    listed = sorted(files)
    digest.update(_stats(listed).encode("utf-8", "surrogateescape"))
    return Key(digest.hexdigest(), listed)


def outputs_unchanged(folder: Path, key: Key, outputs: Iterable[Path]) -> bool:
    """Whether the last successful build had this key and left these outputs as they are."""
    record = _read(folder / BUILD_RECORD)
    return record.get("key") == key.digest and record.get("outputs") == _identities(outputs)


def shortcut_key(inputs: Any) -> str:
    """The shortcut's key (see the module's docstring): ``inputs`` are what
    decides the plan besides the files' contents, described by their repr
    (the same in every process: named tuples of paths, strings and numbers)."""
    digest = hashlib.sha256(repr(inputs).encode("utf-8", "surrogateescape"))
    digest.update(zlig_files().encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def reusable(folder: Path, shortcut: str, outputs: Iterable[Path]) -> bool:
    """Whether the last successful build had this shortcut key, none of the
    files it listed changed, and its outputs are as it left them: the same
    answer as making the plan and the stamps and comparing build_key's."""
    record = _read(folder / BUILD_RECORD)
    files = record.get("files")
    if record.get("shortcut") != shortcut or not isinstance(files, list):
        return False
    if not all(isinstance(f, str) for f in files):
        return False
    return record.get("stats") == _stats(files) and record.get("outputs") == _identities(outputs)


def listed(folder: Path) -> list[str] | None:
    """The files the last build's shortcut stats, if it has one."""
    files = _read(folder / BUILD_RECORD).get("files")
    if isinstance(files, list) and all(isinstance(f, str) for f in files):
        return files
    return None


def forget_build(folder: Path) -> None:
    (folder / BUILD_RECORD).unlink(missing_ok=True)


def remember_build(
    folder: Path,
    key: Key,
    outputs: Iterable[Path],
    shortcut: str = "",
    before: Mapping[str, str] | None = None,
) -> None:
    """Record a successful build; with ``shortcut``, also the shortcut to it:
    ``before`` holds the stat lines (snapshot) of the files it lists, the
    key's files and the project's sources and headers with their folders
    (files.watched), taken before anything of the build read them. Stat'ed
    afterwards, a file saved while Zig ran would look built."""
    record: dict[str, Any] = {"key": key.digest, "outputs": _identities(outputs)}
    if shortcut and before is not None:
        files = sorted(before)
        record.update(shortcut=shortcut, files=files, stats=_digest(before[f] for f in files))
    _write(folder / BUILD_RECORD, record)


def snapshot(files: Iterable[str]) -> dict[str, str]:
    """Each file's stat line (size and modification time), now."""
    return {path: stat_line(path) for path in files}


def _stats(files: Iterable[str]) -> str:
    """The files' sizes and modification times, digested."""
    return _digest(stat_line(path) for path in files)


def _digest(lines: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def checked(record: Path, inputs: Any, files: Iterable[Path], check: Callable[[], T]) -> T:
    """``check()``'s result, or the result it gave last time (kept in
    ``record``) for the same ``inputs`` (described by their repr) and the same
    ``files``. A check that raises is not remembered."""
    key = hashlib.sha256(repr(inputs).encode("utf-8", "surrogateescape"))
    key.update(zlig_files().encode())
    files = list(files)
    wanted = {"key": key.hexdigest(), "files": _identities(files)}
    saved = _read(record)
    if "result" in saved and all(saved.get(k) == v for k, v in wanted.items()):
        result: T = saved["result"]
        return result
    record.unlink(missing_ok=True)
    result = check()
    _write(record, {**wanted, "result": result})
    return result


def _named_paths(value: Any, folder: Path) -> Iterable[str]:
    """Every string of the plan that names an existing file or folder."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _named_paths(item, folder)
    elif isinstance(value, list):
        for item in value:
            yield from _named_paths(item, folder)
    elif isinstance(value, str) and value and not value.startswith("-"):
        path = os.path.join(folder, value)  # an absolute value stays itself
        if os.path.exists(path):
            yield os.path.normpath(path)


def _files_below(folder: str, build: str) -> Iterable[str]:
    """Every file and folder below ``folder`` (a header is any file an
    include names), leaving out hidden folders and the build folders."""
    for parent, folders, files in os.walk(folder):
        folders[:] = [
            f for f in folders if not f.startswith(".") and os.path.join(parent, f, "") != build
        ]
        yield parent
        yield from (os.path.join(parent, f) for f in files)


def _identities(paths: Iterable[Path]) -> list[list[Any]]:
    identities: list[list[Any]] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError:
            identities.append([str(path), None])
            continue
        # ctime: Zig copies its cached file's modification time to the output.
        identities.append([str(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino])
    return identities


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(path: Path, data: dict[str, Any]) -> None:
    # Written whole and renamed: an interrupted write leaves no half record.
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data), encoding="utf-8")
    os.replace(temporary, path)
