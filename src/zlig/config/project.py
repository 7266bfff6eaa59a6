"""What flit-core knows about the project: its import name and where it lives.

flit-core raises its own ConfigError, ValueError, RuntimeError and plain
Exception for user mistakes; ``flit_errors`` turns them into ours so that the
hook boundary can show one clean line.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from flit_core import common as flit_common
from flit_core import config as flit_config

from ..runtime.errors import ConfigError


class Project(NamedTuple):
    """The project's root and its top-level module as flit-core finds it."""

    root: Path
    #: The top-level import name (flit's ``module``), e.g. ``demo``.
    module: str
    is_package: bool
    #: The folder the top-level module is in: the root or ``root/src``.
    source_dir: Path
    #: False when no Python module of that name exists (it may be an extension).
    exists: bool = True
    #: ``python-source``: the folder flit-core looks for the module in, if not the root.
    python_source: Path | None = None

    def module_path(self, dotted: str) -> Path:
        """Where a module of this project lives in the source tree, without suffix."""
        return self.source_dir.joinpath(*dotted.split("."))


@contextlib.contextmanager
def flit_errors() -> Iterator[None]:
    """Convert flit-core's exceptions for bad projects into ConfigError."""
    try:
        yield
    except flit_config.ConfigError as e:
        raise ConfigError(f"pyproject.toml: {e}") from None
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        raise ConfigError(f"flit-core: {e}") from None
    except Exception as e:  # flit raises bare Exception, e.g. for excluded files
        if type(e) is Exception:
            raise ConfigError(f"flit-core: {e}") from None
        raise


class ExtensionModule:
    """Stands in for flit-core's Module when the distribution's import name is
    itself an extension module: there is no Python file for flit to find, or
    only a folder of that name holding the extension's sources (setup.py's
    ``Extension("spam", ["src/spam/spam.c"])``)."""

    is_package = False
    in_namespace_package = False
    # flit-core insists that a module's file is in the sdist unless the
    # module is a stub package; here that file is the built extension.
    is_stub_pkg = True
    version_files: list[Path] = []

    def __init__(self, name: str, source_dir: Path) -> None:
        self.name = name
        self.source_dir = source_dir
        self.path = source_dir / name

    def iter_files(self) -> Iterator[str]:
        # A folder of the module's name holds sources (which go into the
        # sdist as sources), never files for the wheel.
        return iter(())


def flit_module(name: str, root: Path, python_source: Path | None = None) -> Any:
    """flit-core's Module, or an ExtensionModule if there is no such Python module.

    ``python_source`` is the folder holding the package when it is neither the
    root nor ``src/``; flit-core looks there as it would in the root.
    """
    base = python_source or root
    try:
        module = flit_common.Module(name, base)
    except ValueError as e:
        if str(e).startswith("No file/folder found"):
            src = base / "src"
            return ExtensionModule(name, src if python_source is None and src.is_dir() else base)
        raise
    if module.is_package and "." not in name and not (module.path / "__init__.py").is_file():
        # A folder without __init__.py is no package flit-core can pack: it
        # holds an extension's sources (or a vendored library).
        return ExtensionModule(name, Path(module.source_dir))
    return module


def read_project(root: Path, python_source: Path | None = None) -> Project:
    with flit_errors():
        info = flit_config.read_flit_config(root / "pyproject.toml")
        module = flit_module(info.module, root, python_source)
    if isinstance(module, ExtensionModule) and python_source is not None:
        folder = python_source.relative_to(root).as_posix()
        raise ConfigError(
            f"tool.zlig.python-source: {folder!r} holds no module or package "
            f"{info.module!r} (a .py file, or a folder with __init__.py)"
        )
    if isinstance(module, ExtensionModule) and info.dynamic_metadata:
        raise ConfigError(
            f"project.dynamic: {', '.join(sorted(info.dynamic_metadata))} cannot be read from "
            f"{info.module!r}, which is an extension module; give them in [project]"
        )
    return Project(
        root=root,
        module=info.module,
        is_package=module.is_package,
        source_dir=Path(module.source_dir).resolve(),
        exists=not isinstance(module, ExtensionModule),
        python_source=python_source,
    )


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path`` is ``root`` or below it (compare resolved paths)."""
    # As strings: Path.parents costs ~50 µs a call, and builds make thousands.
    inner, outer = os.path.normcase(path), os.path.normcase(root)
    return inner == outer or inner.startswith(os.path.join(outer, ""))


def flit_version(project: Project) -> tuple[str, str]:
    """The distribution's name and version, as flit-core writes them into METADATA."""
    with flit_errors():
        info = flit_config.read_flit_config(project.root / "pyproject.toml")
        module = flit_module(info.module, project.root, project.python_source)
        metadata = flit_common.make_metadata(module, info)
    return str(metadata.name), str(metadata.version)
