"""What a build hook is called with, and how it is called.

A hook is an in-tree Python callable, ``"tools/gen.py:main"``, loaded by its
file path (``sys.path`` is left alone) and called with one :class:`Context`.

Standard library only: an editable wheel carries a copy of this file, which
the loader runs as a script in a subprocess when an import rebuilds (the
importing process never runs a hook, and zlig itself may be gone with the
isolated build environment).
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path
    from typing import Any, Callable


class HookFailed(Exception):
    """A hook raised, or asked for something zlig refuses."""

    def __init__(self, message: str, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        #: The hook's traceback, shown before the one-line message.
        self.details = details


class Refused(ValueError):
    """A path a hook gave that zlig will not use (outside the project, into
    ``.dist-info/``, twice); raised into the hook, which may catch it."""


class Context:
    """Everything a hook may want to know, and the ways it can add files.

    ``root``, ``build_dir`` and ``generated`` are absolute ``pathlib.Path``s;
    ``generated`` (inside ``build_dir``) is on every extension's include path,
    and ``"$generated/..."`` sources are found in it.
    """

    def __init__(
        self,
        *,
        root: str,
        build_dir: str,
        name: str,
        version: str,
        target: str,
        tag: str,
        config_settings: Mapping[str, Any],
        extensions: Sequence[Mapping[str, Any]],
        editable: bool,
    ) -> None:
        from pathlib import Path

        #: Which hook is running: ``before-build``, ``after-build`` or ``before-sdist``.
        self.stage = ""
        self.root = Path(root)
        self.build_dir = Path(build_dir)
        self.generated = self.build_dir / "generated"
        #: The distribution's name and version (``[project]``).
        self.name = name
        self.version = version
        #: Zig's target (``x86_64-linux-gnu.2.17``); "" for an sdist or a pure project.
        self.target = target
        #: The wheel tag before the audit (``cp311-cp311-manylinux_2_17_x86_64``).
        self.tag = tag
        self.config_settings = dict(config_settings)
        #: One dict per extension: ``name``, ``sources`` (paths relative to the
        #: root; ``$generated/...`` as written) and ``output`` (its wheel path).
        self.extensions = [dict(ext) for ext in extensions]
        #: True in an editable install (and its rebuilds on import), where the
        #: package is imported from the tree and files added to the wheel are not installed.
        self.editable = editable
        #: After ``after-build``: extension name -> the file Zig built.
        self.built: dict[str, Path] = {}
        #: What hooks added: archive path -> file.
        self.wheel_files: dict[str, Path] = {}
        self.sdist_files: dict[str, Path] = {}

    def write(self, name: str, data: str | bytes) -> Path:
        """Write ``generated/<name>``, only if its contents change (so that
        Zig's cache and an editable install's check see no change), and
        return its path."""
        path = self._inside(self.generated, name, "generated file")
        content = data.encode("utf-8") if isinstance(data, str) else data
        try:
            with open(path, "rb") as f:
                if f.read() == content:
                    return path
        except OSError:
            pass
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as f:
            f.write(content)
        return path

    def add_to_wheel(self, path: str | os.PathLike[str], wheel_path: str) -> None:
        """Put a file of the project or the build folder into the wheel at ``wheel_path``."""
        name = _archive_path(wheel_path, "wheel")
        if name.split("/")[0].endswith(".dist-info"):
            raise Refused(f"wheel path {wheel_path!r} is inside .dist-info/, which zlig writes")
        self._add(self.wheel_files, name, path, "wheel")

    def add_to_sdist(self, path: str | os.PathLike[str], sdist_path: str) -> None:
        """Put a file of the project or the build folder into the sdist at
        ``sdist_path`` (e.g. a generated source, so that building from the
        sdist needs no generator)."""
        name = _archive_path(sdist_path, "sdist")
        if name == "PKG-INFO":
            raise Refused("sdist path 'PKG-INFO' is the sdist's metadata, which zlig writes")
        self._add(self.sdist_files, name, path, "sdist")

    def _add(
        self, files: dict[str, Path], name: str, path: str | os.PathLike[str], archive: str
    ) -> None:
        from pathlib import Path

        full = (self.root / Path(path)).resolve()
        if not any(_is_inside(full, base.resolve()) for base in (self.root, self.build_dir)):
            raise Refused(f"{os.fspath(path)!r} is outside the project and its build folder")
        if not full.is_file():
            raise Refused(f"{os.fspath(path)!r} is not a file")
        if name in files and files[name] != full:
            raise Refused(
                f"{archive} path {name!r} is already added from {self._show(files[name])}"
            )
        files[name] = full

    def _inside(self, base: Path, name: str, what: str) -> Path:
        path = (base / name).resolve()
        if not name or not _is_inside(path, base.resolve()) or path == base.resolve():
            raise Refused(f"{what} {name!r} must be a path inside {self._show(base)}")
        return path

    def _show(self, path: Path) -> str:
        """A path for messages: relative to the project root if inside it."""
        try:
            return path.relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)


def _archive_path(value: str, archive: str) -> str:
    parts = str(value).replace("\\", "/").split("/")
    name = "/".join(p for p in parts if p not in ("", "."))
    if not name or value.startswith("/") or ".." in parts or ":" in parts[0]:
        raise Refused(f"{archive} path {value!r} must be a relative path inside the {archive}")
    return name


def _is_inside(path: Path, base: Path) -> bool:
    return path == base or base in path.parents


def load(spec: str, root: str | os.PathLike[str]) -> Callable[[Context], object]:
    """The callable named by ``"path/to/file.py:function"`` (``function`` may
    be dotted), loaded by path; the module is registered in ``sys.modules``
    under a name of its own (dataclasses and pickling need one)."""
    import importlib.util

    filename, _, attribute = spec.rpartition(":")
    path = os.path.join(root, filename)
    module_name = "_zlig_hook_" + "".join(c if c.isalnum() else "_" for c in filename)
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    assert module_spec is not None and module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    module_spec.loader.exec_module(module)
    target: Any = module
    for part in attribute.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{attribute} is not callable")
    return target  # type: ignore[no-any-return]


def call(spec: str, stage: str, context: Context) -> None:
    """Run one hook; any exception becomes HookFailed with its traceback
    (a refused path without one: the message says it all)."""
    import traceback

    context.stage = stage
    try:
        load(spec, context.root)(context)
    except KeyboardInterrupt:
        raise
    except Refused as e:
        raise HookFailed(f"{spec}: {e}") from None
    except SystemExit as e:
        if e.code in (None, 0):
            return
        raise HookFailed(f"{spec} failed: it exited with status {e.code}") from None
    except BaseException as e:
        # The hook's own frames: zlig's and importlib's say nothing to its author.
        frames = [
            frame
            for frame in traceback.extract_tb(e.__traceback__)
            if frame.filename != __file__ and not frame.filename.startswith("<frozen ")
        ]
        details = ""
        if frames:  # none: the hook could not be found, the message says why
            details = "Traceback (most recent call last):\n" + "".join(
                [*traceback.format_list(frames), *traceback.format_exception_only(type(e), e)]
            )
        raise HookFailed(f"{spec} failed: {type(e).__name__}: {e}", details.rstrip()) from None


def main() -> int:
    """Run the before-build hooks of an editable rebuild: standard input is
    the JSON of ``{"hooks": [...], "context": {...}}`` (zlig/editable.py)."""
    import json

    job = json.loads(sys.stdin.read())
    context = Context(**job["context"])
    try:
        for spec in job["hooks"]:
            call(spec, "before-build", context)
    except HookFailed as e:
        if e.details:
            print(e.details, file=sys.stderr)
        print(f"zlig: error: {e.message}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
