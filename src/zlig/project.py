"""What flit-core knows about the project: its import name and where it lives.

flit-core raises its own ConfigError, ValueError, RuntimeError and plain
Exception for user mistakes; ``flit_errors`` turns them into ours so that the
hook boundary can show one clean line.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from flit_core import common as flit_common
from flit_core import config as flit_config

from .errors import ConfigError


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
    itself an extension module: there is no Python file for flit to find."""

    is_package = False
    in_namespace_package = False
    # flit-core insists that a module's file is in the sdist unless the
    # module is a stub package; here that file is the built extension.
    is_stub_pkg = True
    version_files: list[Path] = []

    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.prefix = "src" if (directory / "src").is_dir() else ""
        self.source_dir = directory / self.prefix
        self.path = self.source_dir / name

    def iter_files(self) -> Iterator[str]:
        return iter(())


def flit_module(name: str, root: Path) -> Any:
    """flit-core's Module, or an ExtensionModule if there is no such Python module."""
    try:
        return flit_common.Module(name, root)
    except ValueError as e:
        if str(e).startswith("No file/folder found"):
            return ExtensionModule(name, root)
        raise


def read_project(root: Path) -> Project:
    with flit_errors():
        info = flit_config.read_flit_config(root / "pyproject.toml")
        module = flit_module(info.module, root)
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
    )


def is_inside(path: Path, root: Path) -> bool:
    """Whether ``path`` is ``root`` or below it (compare resolved paths)."""
    return path == root or root in path.parents
